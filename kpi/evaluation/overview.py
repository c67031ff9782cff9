"""The overview of one scorecard: counts per perspective and the measures that need attention."""

from __future__ import annotations

import polars as pl

from kpi.model.catalogue import PERSPECTIVES
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY, WORSENED


def perspective_rows(card: pl.DataFrame, perspective: str) -> pl.DataFrame:
    """The scorecard rows of one perspective, in the report's order."""
    return card.filter(pl.col("perspective") == perspective)


def perspective_summary(card: pl.DataFrame) -> pl.DataFrame:
    """One row per perspective in the scorecard's order: goal, number of measures, the count per
    attainment state, and whether any value shown is demo data."""
    counts = card.group_by("perspective", maintain_order=True).agg(
        pl.col("strategic_goal").first(),
        pl.len().alias("measures"),
        (pl.col("attainment") == MET).sum().alias(MET),
        (pl.col("attainment") == PARTLY).sum().alias(PARTLY),
        (pl.col("attainment") == NOT_MET).sum().alias(NOT_MET),
        (pl.col("attainment") == NOT_ASSESSED).sum().alias(NOT_ASSESSED),
        (pl.col("is_demo") & pl.col("value").is_not_null()).any().alias("has_demo"),
    )
    order = pl.col("perspective").replace_strict({p: i for i, p in enumerate(PERSPECTIVES)}, default=len(PERSPECTIVES))
    return counts.sort(order)


def furthest_from_target(card: pl.DataFrame, limit: int = 5) -> pl.DataFrame:
    """Measures that miss their target: 'ej uppfyllt' before 'delvis', each by the relative
    distance to the target read through the direction. A target of 0 (a budget result) or one set
    per sex has no relative distance; those come after the others of their state, never left out."""
    relative = (pl.col("target_effective") - pl.col("value")) * pl.col("direction") / pl.col("target_effective").abs()
    shortfall = pl.when(pl.col("target_effective").is_not_null() & (pl.col("target_effective") != 0)).then(relative)
    return (
        card.filter(pl.col("attainment").is_in([NOT_MET, PARTLY]))
        .with_columns(shortfall.alias("shortfall"), (pl.col("attainment") == PARTLY).alias("_partly"))
        .sort(["_partly", "shortfall"], descending=[False, True], nulls_last=True)
        .drop("_partly")
        .head(limit)
    )


def most_worsened(card: pl.DataFrame, limit: int = 5) -> pl.DataFrame:
    """Measures marked 'försämrad', by the relative change read through the direction."""
    change = (pl.col("value") - pl.col("comparison_value")) * pl.col("direction") / pl.col("comparison_value").abs()
    return (
        card.filter((pl.col("trend") == WORSENED) & pl.col("comparison_value").is_not_null() & (pl.col("comparison_value") != 0))
        .with_columns(change.alias("change"))
        .sort("change")
        .head(limit)
    )
