"""Benchmark (not a test): the full evaluation at 1×, 10×, 40× and 100× the region, side by side.

Each scale copies the verksamhetsområden with their hälsocentraler and kliniker ``scale`` times
and generates the demo months for 2019–2025 (the published figures on top), once, into Parquet
files in a temporary directory. Then every engine runs on exactly that data, each in a fresh
child process of its own, so that its peak memory is its own:

- ``styrkort``: the project's engine (``kpi.evaluation.scorecard.evaluate_dataset``);
- ``reference``: the engine as it was before issue 15 (``tests/evaluation/reference_engine.py``);
- ``pandas`` and ``duckdb``: the core steps in plain pandas and in DuckDB SQL
  (``bench/evaluation_baselines.py``, which says what they leave out).

One JSON line per scale and engine: ``seconds`` (the best of 3 runs at 1×, else one run; loading
the files is not counted), ``peak_mb`` (the child's peak resident memory, everything included),
``extra_mb`` (that peak minus what the child held before evaluating: what the evaluation itself
took), ``rows`` (evaluated rows: measure × unit × period × sex; the project's engine counts the
report periods it evaluates up front and, in ``month_rows``, the months it evaluates when asked),
``cpu_seconds`` (the process's CPU time in that run, all threads: steadier than the clock on a busy
machine). For the project's engine also ``reevaluate_tertial_s`` (and ``_cpu_s``): the evaluation
after an import of the latest tertial (its report period and months), reusing the masking the
evaluation without them decided (what ``import`` finds in the stored artefact).
An engine that runs out of the memory cap (``--cap-gb``, default 12) or of time is stopped and
printed with ``"seconds": null`` and the reason.

    python bench/bench_evaluation.py                 # 1, 10, 40, 100
    python bench/bench_evaluation.py --quick         # 1× only, under a minute
    python bench/bench_evaluation.py 1 10 --engines styrkort,duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ENGINES = ("styrkort", "reference", "pandas", "duckdb")

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
engine, data, root, repeats, requests = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(",")
sys.path.insert(0, str(root))
sys.path.insert(0, str(root / "bench"))
import polars as pl
from kpi.evaluation.rules import measure_table
from kpi.evaluation.scorecard import Dataset
from kpi.model.catalogue import load_catalogues
from kpi.model.periods import month_windows, period_table
from kpi.model.settings import Settings

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

t0 = time.perf_counter()
dataset = Dataset(
    catalogues=load_catalogues(root / "data" / "catalogue"), units=pl.read_parquet(data / "units.parquet"),
    observations=pl.read_parquet(data / "observations.parquet"), comments=pl.DataFrame(), actions=pl.DataFrame(), settings=Settings(),
)
extra = {}
if engine == "styrkort":
    from kpi.evaluation.scorecard import evaluate_dataset
    run = lambda: evaluate_dataset(dataset)
    def rows(evaluation):
        # What views ask of the months, each on a fresh evaluation (nothing kept from before):
        # one series (a measure at the division), one organisation's months (the division's
        # variation column), and every month (what .long gives), with what the months add in memory.
        measure = "med_telefon_samma_dag" if "med_telefon_samma_dag" in evaluation.measures["measure_id"].to_list() else evaluation.measures["measure_id"][0]
        asks = {"series": dict(measure_ids=[measure], unit_ids=["div_nara"]), "division": dict(unit_ids=["div_nara"]), "all": dict(spread=True)}
        got = None
        for name, ask in ((n, a) for n, a in asks.items() if n in requests):
            fresh = evaluate_dataset(dataset)
            t = time.perf_counter()
            got = fresh.months.evaluated(**ask)
            extra[f"months_{name}_s"] = round(time.perf_counter() - t, 3)
        if "all" in requests:
            extra["month_rows"] = got.long.height
            extra["rows_with_all_months"] = evaluation.reports.long.height + got.long.height
        extra["peak_mb_after_months"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        # An import of one tertial: the latest report period and its months arrive; the store's
        # previous evaluation (without them) is what the re-evaluation finds in the artefact.
        import dataclasses
        periods = dataset.observations["period"].unique().to_list()
        latest = max(p for p in periods if p[5:] in ("DÅ04", "DÅ08", "ÅR"))
        first_month = {"DÅ04": 1, "DÅ08": 5, "ÅR": 9}[latest[5:]]
        tertial = [latest, *(f"{latest[:4]}-{m:02d}" for m in range(first_month, first_month + 4))]
        before = evaluate_dataset(dataclasses.replace(dataset, observations=dataset.observations.filter(~pl.col("period").is_in(tertial))))
        from kpi.evaluation.suppression import known_from
        known = known_from(before.suppression_blocks)
        t, c = time.perf_counter(), time.process_time()
        evaluate_dataset(dataset, known)
        extra["reevaluate_tertial_s"] = round(time.perf_counter() - t, 3)
        extra["reevaluate_tertial_cpu_s"] = round(time.process_time() - c, 3)
        extra["tertial"] = latest
        return evaluation.reports.long.height
elif engine == "reference":
    from tests.evaluation.reference_engine import evaluate_dataset
    run = lambda: evaluate_dataset(dataset)
    rows = lambda evaluation: evaluation.long.height
else:
    from evaluation_baselines import closure_pairs, duckdb_engine, pandas_engine
    years = dataset.years
    tables = {
        "obs": dataset.observations, "units": dataset.units, "measures": measure_table(dataset.catalogues, years, dataset.settings),
        "periods": period_table(years).drop("period_label"), "windows": month_windows(years),
        "pairs": pl.DataFrame(closure_pairs(dataset.units.select("unit_id", "parent_id").rows()), schema=["ancestor_id", "unit_id"], orient="row"),
    }
    if engine == "pandas":
        frames = {name: frame.to_pandas() for name, frame in tables.items()}
        del tables, dataset
        run = lambda: pandas_engine(frames["obs"], frames["units"], frames["measures"], frames["periods"], frames["windows"])
        rows = len
    else:
        import duckdb
        con = duckdb.connect()
        for name, frame in tables.items():
            arrow = frame.to_arrow()
            con.register("_in", arrow)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _in")
            con.unregister("_in")
        del tables, dataset, arrow
        def run():
            duckdb_engine(con)
            return con
        rows = lambda c: c.execute("SELECT count(*) FROM result").fetchone()[0]
load_s = time.perf_counter() - t0
before = rss_mb()
timings, cpu = [], []
for _ in range(repeats):
    if timings:
        del result
    t, c = time.perf_counter(), time.process_time()
    result = run()
    timings.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)  # every thread's CPU: on a busy machine the clock says little
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the engine's own peak, before the months
n = rows(result)
if "months_all_s" in extra:
    extra["seconds_with_all_months"] = round(min(timings) + extra["months_all_s"], 3)
print(json.dumps({"seconds": round(min(timings), 3), "cpu_seconds": round(min(cpu), 3), "first_seconds": round(timings[0], 3), "peak_mb": round(peak), "extra_mb": round(peak - before),
                  "rows": n, **extra, "load_s": round(load_s, 2)}))
"""


def make_data(scale: int, target: Path) -> dict[str, int]:
    """The scaled units and observations as Parquet files (what a build-data at this scale stores)."""
    import polars as pl

    from kpi.model.catalogue import load_catalogues
    from kpi.store import demo
    from kpi.store.bundled import catalogue_measure_kinds, read_published, read_units

    catalogues = load_catalogues(ROOT / "data" / "catalogue")
    units = demo.scale_units(read_units(ROOT / "data" / "build" / "units.csv"), scale)
    published = read_published(ROOT / "data" / "build" / "published.csv").drop("as_of")
    generated = demo.generate(catalogue_measure_kinds(catalogues), units, published, calibrate=scale == 1)
    observations = pl.concat([published, generated.select(published.columns)])
    units.write_parquet(target / "units.parquet")
    observations.write_parquet(target / "observations.parquet")
    return {"units": units.height, "observations": observations.height}


def run_child(engine: str, data: Path, repeats: int, cap_mb: float, timeout_s: float, months: str = "series,division,all") -> dict[str, object]:
    """One engine in a child process; stopped when its resident memory passes the cap."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        child = subprocess.Popen([sys.executable, "-c", CHILD, engine, str(data), str(ROOT), str(repeats), months], stdout=out, stderr=err, text=True)
        started, peak, reason = time.monotonic(), 0.0, None
        while child.poll() is None:
            peak = max(peak, _rss_mb(child.pid))
            if peak > cap_mb:
                reason = f"over the memory cap of {cap_mb / 1024:.0f} GB (resident {peak:.0f} MB when stopped)"
            elif time.monotonic() - started > timeout_s:
                reason = f"not done in {timeout_s:.0f} s"
            if reason:
                child.kill()
                child.wait()
                return {"seconds": None, "peak_mb": round(peak), "rows": None, "reason": reason}
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            last = (err.read().strip().splitlines() or ["?"])[-1]
            return {"seconds": None, "peak_mb": round(peak), "rows": None, "reason": f"exit {child.returncode}: {last}"}
        return json.loads(out.read().strip().splitlines()[-1])  # the last line: the measurement


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scales", nargs="*", type=int)
    parser.add_argument("--quick", action="store_true", help="1× only")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--cap-gb", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--months", default="series,division,all", help="the month requests timed for styrkort (series, division, all)")
    args = parser.parse_args()
    scales = [1] if args.quick else args.scales or [1, 10, 40, 100]
    engines = [e for e in args.engines.split(",") if e]
    for scale in scales:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            sizes = make_data(scale, Path(tmp))
            build_s = round(time.perf_counter() - t, 1)
            for engine in engines:
                result = run_child(engine, Path(tmp), 3 if scale == 1 else 1, args.cap_gb * 1024, args.timeout, args.months)
                # The machine's load while measuring: on a shared machine, seconds mean little without it.
                load = round(os.getloadavg()[0], 1)
                print(json.dumps({"scale": scale, "engine": engine, **result, **sizes, "data_s": build_s, "load_avg_1min": load}), flush=True)


if __name__ == "__main__":
    main()
