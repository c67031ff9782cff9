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
    """Measures that miss their target ('ej uppfyllt' or 'delvis'), furthest first by one figure
    the overview also shows: ``shortfall``, the distance to the target as a share of the target,
    read through the direction (0,83: "83 % under målet"; lower-is-better 4,14: "414 % över målet").

    - The target is a level: a level, an annual volume pro rata, a relative change's level, or a
      band's nearest edge (``target_level``). "Öka"/"Minska" has no level to be far from and is
      left out, as is a target that cannot be shown (computed from a masked value).
    - A target per sex, or a share given only for women and men: the sex further from its target
      counts (``shortfall_sex`` "K" or "M", its value in ``shortfall_value``, its target in
      ``target_level``).
    - A level of zero (the budget result, "+/-0 mnkr") has no share of itself: a miss of it
      (``zero_target``) is listed first, its distance in its own unit, since a deficit against a
      balanced budget is never a small miss to be crowded out by shares.
    """
    direction, kind, value = pl.col("direction"), pl.col("target_kind"), pl.col("value")
    lower, upper = pl.col("band_lower"), pl.col("band_upper")
    band_edge = pl.when(lower.is_not_null() & (value < lower)).then(lower).when(upper.is_not_null() & (value > upper)).then(upper)
    level = pl.when(kind == "band").then(band_edge).otherwise(pl.col("target_effective"))
    # Which way is worse: below a band's lower edge, above its upper one; otherwise the measure's direction.
    worse_below = pl.when(kind == "band").then(pl.when(value < lower).then(1).otherwise(-1)).otherwise(direction)

    def share(v: pl.Expr, target: pl.Expr) -> pl.Expr:
        return pl.when(v.is_not_null() & target.is_not_null() & (target != 0)).then((target - v) * worse_below / target.abs())

    per_sex = kind == "level"
    women = pl.when(per_sex).then(share(pl.col("value_women"), pl.coalesce("target_women", "target_value")))
    men = pl.when(per_sex).then(share(pl.col("value_men"), pl.coalesce("target_men", "target_value")))
    total = share(value, level)
    by_sex = pl.col("target_women").is_not_null() | pl.col("target_men").is_not_null() | value.is_null()
    from_sex = pl.when(by_sex & women.is_not_null() & (men.is_null() | (women >= men))).then(pl.lit("K")).when(by_sex & men.is_not_null()).then(pl.lit("M"))
    return (
        card.filter(pl.col("attainment").is_in([NOT_MET, PARTLY]) & (kind != "direction"))
        .with_columns((level == 0).fill_null(False).alias("zero_target"), from_sex.alias("shortfall_sex"))
        .with_columns(
            pl.when(pl.col("shortfall_sex") == "K")
            .then(pl.coalesce("target_women", "target_value"))
            .when(pl.col("shortfall_sex") == "M")
            .then(pl.coalesce("target_men", "target_value"))
            .otherwise(level)
            .alias("target_level"),
            pl.when(pl.col("shortfall_sex") == "K").then(women).when(pl.col("shortfall_sex") == "M").then(men).otherwise(total).alias("shortfall"),
            pl.when(pl.col("shortfall_sex") == "K")
            .then(pl.col("value_women"))
            .when(pl.col("shortfall_sex") == "M")
            .then(pl.col("value_men"))
            .otherwise(value)
            .alias("shortfall_value"),
        )
        .filter(pl.col("zero_target") | (pl.col("shortfall") > 0))
        .sort(["zero_target", "shortfall"], descending=[True, True], nulls_last=True)
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
