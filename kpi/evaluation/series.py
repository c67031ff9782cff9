"""One measure over time for one organisation: the values, the target and the comparison."""

from __future__ import annotations

from typing import Literal

import polars as pl

from kpi.evaluation.scorecard import Evaluation
from kpi.model.periods import Period

SeriesKind = Literal["DÅ04", "DÅ08", "ÅR", "månad"]
SERIES_COLUMNS = [
    "period", "year", "end_month", "value", "value_women", "value_men", "target_effective", "target_effective_women",
    "target_effective_men", "attainment", "trend", "comparison_period", "comparison_value", "masked", "masked_women",
    "masked_men", "is_demo", "is_demo_women", "is_demo_men", "source", "decimals",
]  # fmt: skip


def measure_series(evaluation: Evaluation, measure_id: str, unit_id: str, kind: SeriesKind) -> pl.DataFrame:
    """Every period of one kind (e.g. every DÅ08, or every month) with a value for any sex, in
    time order. Periods without any value are left out rather than drawn as 0."""
    return (
        evaluation.wide_for(measure_ids=[measure_id], unit_id=unit_id, months=kind == "månad")
        .filter(pl.col("period_kind") == kind)
        .filter(pl.any_horizontal(pl.col("value", "value_women", "value_men").is_not_null()) | pl.col("masked"))
        .sort("sort_key")
        .select(SERIES_COLUMNS)
    )


def up_to(series: pl.DataFrame, p: Period) -> pl.DataFrame:
    """The series up to and including ``period``: a report per August 2022 shows no later figures."""
    return series.filter((pl.col("year") < p.year) | ((pl.col("year") == p.year) & (pl.col("end_month") <= p.end_month)))
