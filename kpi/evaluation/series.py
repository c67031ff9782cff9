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


SEX_COLUMNS = {
    "T": ("value", "masked", "is_demo", "decimals"),
    "K": ("value_women", "masked_women", "is_demo_women", "decimals_women"),
    "M": ("value_men", "masked_men", "is_demo_men", "decimals_men"),
}


def recent_values(evaluation: Evaluation, measure_ids: list[str], unit_id: str, period: Period, sex: str = "T", count: int = 6) -> pl.DataFrame:
    """Each measure at the last ``count`` periods of ``period``'s kind up to it (every DÅ08 through
    DÅ08 2022; the last months for a month), oldest first: the sparklines of the tables.

    Periods of the same kind, so accumulated counts compare (a DÅ04 is never drawn beside a full
    year). A measure not split by sex shows its total for a sex. A masked value is None (a gap),
    never 0; a period without any row is left out. ``decimals`` are each value's own, as printed."""
    if not measure_ids:
        return pl.DataFrame(schema={"measure_id": pl.String, "period": pl.String, "value": pl.Float64, "is_demo": pl.Boolean, "decimals": pl.Int64})
    value, masked, demo, decimals = SEX_COLUMNS[sex]
    wide = evaluation.wide_for(measure_ids=measure_ids, unit_id=unit_id, months=period.kind == "månad")
    rows = up_to(wide.filter(pl.col("period_kind") == period.kind), period)
    split = pl.col("split_by_sex").fill_null(False) | (sex == "T")
    return (
        rows.select(
            "measure_id",
            "period",
            "sort_key",
            pl.when(split).then(pl.when(pl.col(masked).fill_null(False)).then(None).otherwise(pl.col(value)))
            .otherwise(pl.when(pl.col("masked").fill_null(False)).then(None).otherwise(pl.col("value")))
            .cast(pl.Float64)
            .alias("value"),
            pl.when(split).then(pl.col(demo)).otherwise(pl.col("is_demo")).fill_null(False).alias("is_demo"),
            pl.when(split).then(pl.col(decimals)).otherwise(pl.col("decimals")).alias("decimals"),
        )
        .sort("measure_id", "sort_key")
        .group_by("measure_id", maintain_order=True)
        .tail(count)
        .drop("sort_key")
    )
