"""From stored observations to one value per measure × unit × period × sex, at every level.

Order of precedence, per measure, unit and period: a value reported for that unit and period
(published or imported) beats one derived from its months, which beats one rolled up from the
units below. Shares roll up as ratio of sums (sum of numerators / sum of denominators), never as
the mean of the units' percentages; counts and amounts add up; an index, or a share without
numerators and denominators, cannot be rolled up and says so (value null, ``aggregatable``
false).
"""

from __future__ import annotations

import polars as pl

from kpi.model.catalogue import REPORTING_UNIT_TYPES
from kpi.model.periods import month_windows

KEY = ["measure_id", "unit_id", "period"]
_MONTH_ID = r"^\d{4}-\d{2}$"


def closure(units: pl.DataFrame) -> pl.DataFrame:
    """Every (ancestor_id, unit_id) pair of the tree, including each unit with itself (depth 0)."""
    edges = units.select("unit_id", "parent_id")
    pairs = units.select(pl.col("unit_id").alias("ancestor_id"), "unit_id", pl.lit(0, pl.Int8).alias("depth"))
    frontier = pairs
    for depth in range(1, 16):
        frontier = (
            frontier.join(edges, left_on="ancestor_id", right_on="unit_id", how="inner")
            .filter(pl.col("parent_id").is_not_null())
            .select(pl.col("parent_id").alias("ancestor_id"), "unit_id", pl.lit(depth, pl.Int8).alias("depth"))
        )
        if frontier.is_empty():
            break
        pairs = pl.concat([pairs, frontier])
    return pairs


def _derived_totals(values: pl.DataFrame, kinds: pl.DataFrame) -> pl.DataFrame:
    """Add a total (sex T) where only women and men are given.

    Counts and amounts: T = K + M. Shares: ratio of summed numerators and denominators, and only
    when both sexes carry them; otherwise there is no total and the row is judged by sex.
    """
    sexes = values.filter(pl.col("sex").is_in(["K", "M"]))
    have_total = values.filter(pl.col("sex") == "T").select(KEY)
    candidates = sexes.join(have_total, on=KEY, how="anti").join(kinds, on="measure_id", how="left")
    totals = (
        candidates.group_by(KEY)
        .agg(
            pl.len().alias("_n"),
            pl.col("value_kind").first(),
            pl.col("value").sum().alias("_sum"),
            pl.col("numerator").sum().alias("numerator"),
            pl.col("denominator").sum().alias("denominator"),
            pl.col("numerator").is_null().any().alias("_no_num"),
            pl.col("denominator").is_null().any().alias("_no_den"),
            pl.col("decimals").max(),
            pl.col("source").first(),
            pl.col("is_demo").any(),
            pl.col("n_units").max(),
            pl.col("origin").first(),
        )
        .filter(pl.col("_n") == 2)
    )
    is_share = pl.col("value_kind") == "share"
    share_ok = ~pl.col("_no_num") & ~pl.col("_no_den") & (pl.col("denominator") > 0)
    totals = totals.with_columns(
        pl.when(is_share & share_ok)
        .then(pl.col("numerator") / pl.col("denominator") * 100)
        .when(is_share)
        .then(None)
        .when(pl.col("value_kind").is_in(["count", "amount"]))
        .then(pl.col("_sum"))
        .otherwise(None)
        .alias("value"),
        pl.lit("T").alias("sex"),
        pl.when(is_share & ~share_ok).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(is_share & ~share_ok).then(None).otherwise(pl.col("denominator")).alias("denominator"),
    ).filter(pl.col("value").is_not_null())
    return pl.concat([values, totals.select(values.columns)], how="vertical")


def resolve_values(
    observations: pl.DataFrame,
    units: pl.DataFrame,
    measures: pl.DataFrame,
    years: list[int],
) -> pl.DataFrame:
    """One value per (measure, unit, period, sex) for every unit of the tree that has data.

    ``measures`` needs columns measure_id, value_kind, accumulation, decimals (one row per
    measure; the latest catalogue's definition is used for rolling up).
    Output columns: measure_id, unit_id, period, sex, value, numerator, denominator, decimals,
    source, is_demo, n_units (how many reporting units contributed), origin.
    """
    kinds = measures.select("measure_id", "value_kind", "accumulation", pl.col("decimals").alias("_measure_decimals"))
    reporting = units.filter(pl.col("unit_type").is_in([t.value for t in REPORTING_UNIT_TYPES])).select("unit_id")
    obs = observations.select(
        "measure_id", "unit_id", "period", "sex", "value", "numerator", "denominator", "decimals",
        pl.col("source").cast(pl.Categorical),  # long, repeated texts: stored once
        "is_demo",
        pl.lit(1, pl.Int32).alias("n_units"),
        pl.lit("rapporterat").cast(pl.Categorical).alias("origin"),
    )
    is_month = pl.col("period").str.contains(_MONTH_ID)

    # 1. Months of reporting units → their report periods (and the month itself).
    windows = month_windows(years)
    leaf_obs = obs.join(reporting, on="unit_id", how="semi")
    monthly = leaf_obs.filter(is_month).join(kinds.select("measure_id", "accumulation"), on="measure_id")
    contributions = monthly.join(
        windows, left_on=["accumulation", "period"], right_on=["accumulation", "month_period"], how="inner"
    ).with_columns(pl.col("period").str.slice(5, 2).cast(pl.Int8).alias("_month"))
    leaf_derived = (
        contributions.group_by(["measure_id", "unit_id", "period_right", "sex"])
        .agg(
            pl.col("value").sum(),
            pl.col("numerator").sum(),
            pl.col("denominator").sum(),
            pl.col("numerator").is_null().any().alias("_no_num"),
            pl.col("_month").max().alias("_last"),
            pl.col("period_end_month").first(),
            pl.len().alias("_n_months"),
            pl.col("decimals").max(),
            pl.col("source").first(),
            pl.col("is_demo").any(),
        )
        .rename({"period_right": "period"})
        .filter(pl.col("_last") == pl.col("period_end_month"))  # a period needs its last month
        .join(kinds, on="measure_id")
        .with_columns(
            pl.when(pl.col("value_kind") == "share")
            .then(
                pl.when(~pl.col("_no_num") & (pl.col("denominator") > 0))
                .then(pl.col("numerator") / pl.col("denominator") * 100)
                .when(pl.col("_n_months") == 1)
                .then(pl.col("value"))
                .otherwise(None)
            )
            .when(pl.col("value_kind") == "index")
            .then(pl.when(pl.col("_n_months") == 1).then(pl.col("value")).otherwise(None))
            .otherwise(pl.col("value"))
            .alias("value"),
            pl.lit(1, pl.Int32).alias("n_units"),
            pl.lit("beräknat från månader").cast(pl.Categorical).alias("origin"),
        )
        .select(obs.columns)
    )
    leaf_reported = leaf_obs.filter(~is_month)
    leaf_months = leaf_obs.filter(is_month).select(obs.columns)
    leaf_resolved = pl.concat(
        [leaf_reported, leaf_derived.filter(~pl.col("period").str.contains(_MONTH_ID)).join(leaf_reported, on=KEY, how="anti"), leaf_months]
    )
    leaf_resolved = _derived_totals(leaf_resolved, kinds.select("measure_id", "value_kind"))

    # 2. Roll up every unit's subtree (a merged unit includes its predecessors).
    tree = closure(units)
    rolled = (
        leaf_resolved.join(tree, on="unit_id", how="inner")
        .group_by(["measure_id", "ancestor_id", "period", "sex"])
        .agg(
            pl.len().alias("_n"),
            pl.col("value").sum().alias("_sum"),
            pl.col("value").first().alias("_first"),
            pl.col("numerator").first().alias("_first_numerator"),
            pl.col("denominator").first().alias("_first_denominator"),
            pl.col("numerator").sum(),
            pl.col("denominator").sum(),
            (pl.col("numerator").is_null() | pl.col("denominator").is_null()).any().alias("_no_nd"),
            pl.col("value").is_null().any().alias("_has_null"),
            pl.col("decimals").max(),
            pl.col("source").first().alias("_source"),
            pl.col("source").n_unique().alias("_n_sources"),
            pl.col("is_demo").any(),
            pl.col("origin").first(),
        )
        .rename({"ancestor_id": "unit_id"})
        .join(kinds, on="measure_id")
    )
    single = pl.col("_n") == 1
    rolled = rolled.with_columns(
        pl.when(single)
        .then(pl.col("_first"))
        .when(pl.col("value_kind") == "share")
        .then(pl.when(~pl.col("_no_nd") & (pl.col("denominator") > 0)).then(pl.col("numerator") / pl.col("denominator") * 100))
        .when(pl.col("value_kind").is_in(["count", "amount"]) & ~pl.col("_has_null"))
        .then(pl.col("_sum"))
        .otherwise(None)
        .alias("value"),
        # A single unit keeps its own numerator and denominator, missing ones included (a sum of
        # nothing is 0, which would read as a denominator of 0 and mask the value).
        pl.when(single).then(pl.col("_first_numerator")).when(pl.col("_no_nd")).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(single).then(pl.col("_first_denominator")).when(pl.col("_no_nd")).then(None).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(single).then(pl.col("decimals")).otherwise(pl.col("_measure_decimals")).alias("decimals"),
        pl.when(pl.col("_n_sources") == 1)
        .then(pl.col("_source"))
        .otherwise(pl.lit("Summerat från enheterna").cast(pl.Categorical))
        .alias("source"),
        pl.col("_n").cast(pl.Int32).alias("n_units"),
        pl.when(single).then(pl.col("origin")).otherwise(pl.lit("summerat från enheter").cast(pl.Categorical)).alias("origin"),
    ).select(obs.columns)

    # 3. Values reported directly for an area, the division or the region win over the roll-up.
    aggregate_reported = obs.join(reporting, on="unit_id", how="anti")
    aggregate_reported = _derived_totals(aggregate_reported, kinds.select("measure_id", "value_kind"))
    resolved = pl.concat([aggregate_reported, rolled.join(aggregate_reported, on=KEY, how="anti")])
    return resolved

