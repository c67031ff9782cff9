"""Benchmark (not a test): SPC over every monthly series, and the view pieces built on it.

At each scale, every monthly series of the evaluated data (all measures × units × sexes, every
month 2019–2025) goes through ``kpi.signals.spc.spc_points`` and ``spc_summary`` in one pass, with the
recorded changes (Cosmic) as phase starts. Then what one view asks for: the variation column of a
scorecard (``scorecard_variation``), one measure's control chart (``measure_spc``), the funnel of
the units (``unit_funnel``) and the year-end forecast (``forecast_for``). One JSON line per scale;
seconds are the best of ``--runs`` (the first run is printed too).

    python bench/bench_spc.py            # 1× (the bundled data) and 10×
    python bench/bench_spc.py 1          # the bundled data only
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl

from kpi.evaluation.scorecard import DATA_DIR, Dataset, Evaluation, evaluate_dataset, load_dataset
from kpi.model.view import View
from kpi.signals import spc
from kpi.signals.forecast import forecast_for
from kpi.signals.variation import measure_spc, scorecard_variation, unit_funnel

RUNS = 5


def timed(work: Callable[[], object], runs: int = RUNS) -> tuple[float, float, float]:
    """(first, best, median) seconds over ``runs`` calls."""
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - t)
    return seconds[0], min(seconds), statistics.median(seconds)


def measure(dataset: Dataset, evaluation: Evaluation, scale: int) -> dict[str, object]:
    options = spc.SpcOptions.from_settings(dataset.settings)
    starts = spc.phase_starts(dataset.changes)
    t = time.perf_counter()
    monthly = spc.monthly_rows(evaluation.long)
    select_s = time.perf_counter() - t
    series = monthly.filter(pl.col("value").is_not_null()).select(spc.SERIES_KEY).unique().height

    def all_series() -> pl.DataFrame:
        return spc.spc_summary(spc.spc_points(monthly, options, starts), monthly)

    first, best, median = timed(all_series)
    summary = all_series()
    view = {
        "scorecard_variation": lambda: scorecard_variation(evaluation, View.parse("div_nara", "2022-DÅ08", "T"), options, dataset.changes),
        "measure_spc": lambda: measure_spc(evaluation, "med_telefon_samma_dag", View.parse("div_nara", "2022-DÅ08", "T"), options, dataset.changes),
        "unit_funnel": lambda: unit_funnel(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("vo_pitea", "2022-DÅ08", "T"), ("hälsocentral",)),
        "forecast_for": lambda: forecast_for(evaluation, "eko_budgetavvikelse", View.parse("div_nara", "2022-DÅ08", "T")),
    }
    return {
        "scale": scale,
        "monthly_rows": monthly.height,
        "series": series,
        "select_monthly_s": round(select_s, 3),
        "all_series_first_s": round(first, 3),
        "all_series_best_s": round(best, 3),
        "all_series_median_s": round(median, 3),
        "verdicts": dict(summary.group_by("variation").len().sort("variation").iter_rows()),
        **{f"{name}_median_ms": round(timed(work)[2] * 1000, 1) for name, work in view.items()},
    }


def main(scales: list[int]) -> None:
    from kpi.evaluation.cache import cached_evaluation
    from kpi.store.bundled import build_store

    for scale in scales:
        if scale == 1:
            dataset = load_dataset(DATA_DIR)
            print(json.dumps(measure(dataset, cached_evaluation(dataset, DATA_DIR), 1), ensure_ascii=False), flush=True)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            build_store(ROOT / "data", target=data / "store", scale=scale)
            (data / "catalogue").symlink_to(ROOT / "data" / "catalogue")
            dataset = load_dataset(data)
            print(json.dumps(measure(dataset, evaluate_dataset(dataset), scale), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10])
