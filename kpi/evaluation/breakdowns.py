"""Breakdowns of an evaluated table: small-number masking, sex columns and gaps, unit spread."""

from __future__ import annotations

import polars as pl

from kpi.evaluation.aggregation import KEY, closure
from kpi.evaluation.rules import combine_sexes
from kpi.model.catalogue import REPORTING_UNIT_TYPES
from kpi.model.settings import Settings
from kpi.model.verdicts import MET


def mask_small_numbers(long: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Hide counts of persons below ``threshold`` and every cell that would give them away.

    A count (value kind ``count``) of 1 … threshold−1 is masked, and so is a share whose
    denominator is below the threshold. Complementary cells: when one sex is masked the other
    sex is masked too (total minus women would reveal men), and when the total is masked both
    sexes are. A comparison value taken from a masked cell is hidden as well.
    """
    own = (
        ((pl.col("value_kind") == "count") & (pl.col("value") > 0) & (pl.col("value") < threshold))
        | ((pl.col("value_kind") == "share") & pl.col("denominator").is_not_null() & (pl.col("denominator") < threshold))
    ).fill_null(False)
    frame = long.with_columns(own.alias("masked"))
    # Groups (measure, unit, period) with any masked cell are few; mark both sexes in them.
    groups = frame.filter(pl.col("masked")).select(KEY).unique()
    frame = frame.join(groups.with_columns(pl.lit(True).alias("_group_masked")), on=KEY, how="left")
    is_sex = pl.col("sex").is_in(["K", "M"])
    frame = frame.with_columns((pl.col("masked") | (is_sex & pl.col("_group_masked").fill_null(False))).alias("masked")).drop("_group_masked")
    was_masked = frame.select(
        "measure_id", "unit_id", "sex", pl.col("period").alias("comparison_period"), pl.col("masked").alias("_comparison_masked")
    )
    frame = frame.join(was_masked, on=["measure_id", "unit_id", "sex", "comparison_period"], how="left")
    # A target computed from a masked value ("Minska med 50 % jämfört med 2020", "Öka") would give
    # that value back (1,33 = 4 × 0,5 × 8/12): it is hidden with it.
    source_masked = was_masked.rename({"comparison_period": "target_source_period", "_comparison_masked": "_target_source_masked"})
    frame = frame.join(source_masked, on=["measure_id", "unit_id", "sex", "target_source_period"], how="left")
    hide = pl.col("masked")
    return frame.with_columns(
        pl.when(pl.col("_target_source_masked").fill_null(False)).then(None).otherwise(pl.col("target_effective")).alias("target_effective"),
        pl.when(hide).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(hide).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(hide).then(None).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(pl.col("_comparison_masked").fill_null(False) | hide).then(None).otherwise(pl.col("comparison_value")).alias("comparison_value"),
    ).drop("_comparison_masked", "_target_source_masked")


_PER_SEX = ["value", "attainment", "trend", "comparison_period", "comparison_value", "masked", "numerator", "denominator", "decimals", "is_demo", "target_effective"]


def wide_by_sex(long: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per measure × unit × period: the total's columns plus ``*_women`` and ``*_men``.

    The total's attainment is judged from the sexes where the target is per sex, or where only
    women and men are given (a share without numerators has no total).
    """
    keys = long.select([c for c in long.columns if c not in _PER_SEX + ["sex", "source", "origin", "n_units", "comparison_is_demo"]]).unique(subset=KEY, keep="first")
    total = long.filter(pl.col("sex") == "T").select(KEY + _PER_SEX + ["source", "origin", "n_units", "comparison_is_demo"])
    women = long.filter(pl.col("sex") == "K").select(KEY + [pl.col(c).alias(f"{c}_women") for c in _PER_SEX] + [pl.col("source").alias("_source_women")])
    men = long.filter(pl.col("sex") == "M").select(KEY + [pl.col(c).alias(f"{c}_men") for c in _PER_SEX] + [pl.col("source").alias("_source_men")])
    wide = keys.join(total, on=KEY, how="left").join(women, on=KEY, how="left").join(men, on=KEY, how="left")
    judged_by_sex = pl.col("target_women").is_not_null() | (
        pl.col("value").is_null() & (pl.col("value_women").is_not_null() | pl.col("value_men").is_not_null())
    )
    is_share = pl.col("value_kind") == "share"
    gap = pl.when(is_share).then(pl.col("value_women") - pl.col("value_men"))
    wide = wide.with_columns(
        pl.when(judged_by_sex)
        .then(combine_sexes(pl.col("attainment_women").fill_null("ej_bedomd"), pl.col("attainment_men").fill_null("ej_bedomd")))
        .otherwise(pl.col("attainment").fill_null("ej_bedomd"))
        .alias("attainment"),
        pl.col("trend").fill_null("saknas"),
        pl.col("masked").fill_null(False),
        pl.coalesce("source", "_source_women", "_source_men").alias("source"),
        pl.coalesce("is_demo", "is_demo_women", "is_demo_men").alias("is_demo"),
        pl.coalesce("decimals", "decimals_women", "decimals_men").alias("decimals"),
        gap.alias("gender_gap_pp"),
        (gap.abs() > settings.gender_gap_threshold_pp).fill_null(False).alias("gender_gap_flag"),
    ).drop("_source_women", "_source_men")
    return wide


def unit_spread(long: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Per organisation, measure and period: the spread over the reporting units below it.

    Only units that existed during the period and are not masked take part. Columns: unit_id
    (the organisation), measure_id, period, spread_min, spread_max, spread, min_unit_id,
    max_unit_id, units_meeting_target, units_with_value, spread_is_demo (a unit's value is demo data).
    """
    reporting = units.filter(pl.col("unit_type").is_in([t.value for t in REPORTING_UNIT_TYPES])).select(
        "unit_id", "valid_from", "valid_to"
    )
    leaf = (
        long.filter((pl.col("sex") == "T") & pl.col("value").is_not_null() & ~pl.col("masked"))
        .select("measure_id", "unit_id", "period", "year", "end_month", "value", "attainment", "direction", "is_demo")
        .join(reporting, on="unit_id", how="inner")
        .filter(
            (pl.col("valid_from").dt.year() * 100 + pl.col("valid_from").dt.month() <= pl.col("year") * 100 + pl.col("end_month"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to").dt.year() >= pl.col("year")))
        )
    )
    tree = closure(units).filter(pl.col("depth") > 0)
    return (
        leaf.join(tree, on="unit_id", how="inner")
        .group_by(["ancestor_id", "measure_id", "period"])
        .agg(
            pl.col("value").min().alias("spread_min"),
            pl.col("value").max().alias("spread_max"),
            pl.col("unit_id").sort_by(["value", "unit_id"]).first().alias("min_unit_id"),  # ties: first by id, stable
            pl.col("unit_id").sort_by(["value", "unit_id"], descending=[False, True]).last().alias("max_unit_id"),
            (pl.col("attainment") == MET).sum().cast(pl.Int32).alias("units_meeting_target"),
            pl.len().cast(pl.Int32).alias("units_with_value"),
            pl.col("is_demo").fill_null(False).any().alias("spread_is_demo"),
        )
        .with_columns((pl.col("spread_max") - pl.col("spread_min")).alias("spread"))
        .rename({"ancestor_id": "unit_id"})
    )
