"""Måluppfyllelse and utveckling for every measure × unit × period × sex at once.

The rules are the ones the README lists under "Rules"; each is one Polars expression over the
whole table, never a loop per measure. Attainment values: ``uppfyllt``, ``delvis``,
``ej_uppfyllt``, ``ej_bedomd``. Trend values: ``forbattrad``, ``oforandrad``, ``forsamrad``,
``saknas``.
"""

from __future__ import annotations

import polars as pl
import polars.selectors

from kpi.model.catalogue import (
    AnnualVolumeTarget,
    BandTarget,
    CatalogueSet,
    DirectionTarget,
    LevelTarget,
    NoTarget,
    RelativeChangeTarget,
)
from kpi.model.periods import period_table
from kpi.model.settings import Settings
from kpi.model.verdicts import IMPROVED, MET, MISSING, NOT_ASSESSED, NOT_MET, PARTLY, UNCHANGED, WORSENED

RULE_COLUMNS = [
    "measure_id", "year", "value_kind", "direction", "accumulation", "split_by_sex", "target_kind",
    "target_value", "target_women", "target_men", "reference", "reference_year", "change_percent",
    "base_period", "band_lower", "band_upper", "neutral_band", "neutral_is_absolute", "partial_band",
]  # fmt: skip


def measure_table(catalogues: CatalogueSet, years: list[int], settings: Settings) -> pl.DataFrame:
    """One row per measure and year with everything the rules need, from the catalogue in force."""
    rows: list[dict[str, object]] = []
    for year in years:
        catalogue = catalogues.for_year(year)
        for perspective, factor, m in catalogue.rows():
            t = m.target
            is_share = m.value_kind.value == "share"
            row: dict[str, object] = {
                "measure_id": m.id,
                "year": year,
                "perspective": perspective.name,
                "strategic_goal": perspective.strategic_goal,
                "success_factor": factor.name,
                "measure": m.name,
                "unit": m.unit.value,
                "value_kind": m.value_kind.value,
                "direction": 1 if m.direction.value == "higher" else -1,
                "accumulation": m.accumulation.value,
                "split_by_sex": m.split_by_sex,
                "follow_up": ",".join(k.value for k in m.follow_up),
                "monthly": m.monthly,
                "measure_decimals": m.decimals,
                "measure_source": m.source,
                "target_kind": t.kind,
                "target_text": t.text,
                "target_value": None,
                "target_women": None,
                "target_men": None,
                "reference": None,
                "reference_year": None,
                "change_percent": None,
                "base_period": None,
                "band_lower": None,
                "band_upper": None,
                "neutral_band": m.neutral_band
                if m.neutral_band is not None
                else (settings.neutral_band_share_pp if is_share else settings.neutral_band_relative),
                "neutral_is_absolute": is_share,
                "partial_band": m.partial_band if m.partial_band is not None else settings.partial_band_relative,
            }
            if isinstance(t, LevelTarget):
                row.update(target_value=t.value, target_women=t.women, target_men=t.men)
            elif isinstance(t, AnnualVolumeTarget):
                row.update(target_value=t.value)
            elif isinstance(t, DirectionTarget):
                row.update(reference=t.reference, reference_year=t.reference_year)
            elif isinstance(t, RelativeChangeTarget):
                row.update(change_percent=t.change_percent, base_period=f"{t.base_year}-{t.base_report.value}")
            elif isinstance(t, BandTarget):
                row.update(band_lower=t.lower, band_upper=t.upper)
            else:
                assert isinstance(t, NoTarget)
            rows.append(row)
    return pl.DataFrame(
        rows,
        schema_overrides={
            "year": pl.Int32,
            "direction": pl.Int8,
            "target_value": pl.Float64,
            "target_women": pl.Float64,
            "target_men": pl.Float64,
            "reference": pl.String,
            "reference_year": pl.Int32,
            "change_percent": pl.Float64,
            "base_period": pl.String,
            "band_lower": pl.Float64,
            "band_upper": pl.Float64,
            "measure_decimals": pl.Int8,
        },
        infer_schema_length=None,
    )


def _lookup(values: pl.DataFrame, frame: pl.DataFrame, period_col: str, prefix: str) -> pl.DataFrame:
    """Join the value (and its demo flag) of the same measure, unit and sex at another period."""
    right = values.lazy().select(
        "measure_id",
        "unit_id",
        "sex",
        pl.col("period").alias(period_col),
        pl.col("value").alias(f"{prefix}_value"),
        pl.col("is_demo").alias(f"{prefix}_is_demo"),
    )
    return frame.join(right, on=["measure_id", "unit_id", "sex", period_col], how="left")


def _comparable(prefix: str) -> pl.Expr:
    """A reference value that may be used: present, and published if the value itself is."""
    return pl.col(f"{prefix}_value").is_not_null() & (pl.col("is_demo") | ~pl.col(f"{prefix}_is_demo"))


def _neutral(reference: pl.Expr) -> pl.Expr:
    return pl.when(pl.col("neutral_is_absolute")).then(pl.col("neutral_band")).otherwise(pl.col("neutral_band") * reference.abs())


def evaluate(values: pl.DataFrame, measures: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """Attainment and trend for every row of ``values`` (output of ``resolve_values``).

    Adds: period attributes, the catalogue row, ``target_effective``, ``comparison_period``,
    ``comparison_value``, ``trend``, ``attainment``.
    """
    periods = period_table(years).drop("period_label")
    rules = measures.select(RULE_COLUMNS)  # names and sources join later, on the few rows shown
    frame = values.lazy().join(periods.lazy(), on="period", how="inner").join(rules.lazy(), on=["measure_id", "year"], how="inner")

    # Comparison for the trend: the same period a year before; failing that, the previous period
    # of the same kind, but only where such a comparison is like for like (shares, indices,
    # per-period values; not an accumulated count of 8 months against one of 4).
    frame = _lookup(values, frame, "same_period_previous_year", "_prev_year")
    frame = _lookup(values, frame, "previous_of_same_kind", "_prev_kind")
    # A published value is compared with published values only, never with demo data.
    prev_year_ok = _comparable("_prev_year")
    like_for_like = (pl.col("value_kind").is_in(["share", "index"])) | (pl.col("accumulation") == "per_period") | (pl.col("period_kind") == "månad")
    prev_kind_ok = _comparable("_prev_kind") & like_for_like
    frame = frame.with_columns(
        pl.when(prev_year_ok)
        .then(pl.col("same_period_previous_year"))
        .when(prev_kind_ok)
        .then(pl.col("previous_of_same_kind"))
        .alias("comparison_period"),
        pl.when(prev_year_ok)
        .then(pl.col("_prev_year_value"))
        .when(prev_kind_ok)
        .then(pl.col("_prev_kind_value"))
        .alias("comparison_value"),
        pl.when(prev_year_ok).then(pl.col("_prev_year_is_demo")).when(prev_kind_ok).then(pl.col("_prev_kind_is_demo")).alias("comparison_is_demo"),
    )
    delta = pl.col("value") - pl.col("comparison_value")
    frame = frame.with_columns(
        pl.when(pl.col("value").is_null() | pl.col("comparison_value").is_null())
        .then(pl.lit(MISSING))
        .when(delta.abs() <= _neutral(pl.col("comparison_value")) + 1e-9)
        .then(pl.lit(UNCHANGED))
        .when(delta * pl.col("direction") > 0)
        .then(pl.lit(IMPROVED))
        .otherwise(pl.lit(WORSENED))
        .alias("trend")
    )

    # Reference values that targets need.
    frame = frame.with_columns(
        pl.when(pl.col("reference") == "year")
        .then(pl.col("reference_year").cast(pl.String) + pl.col("period").str.slice(4))
        .when(pl.col("reference").is_not_null())
        .then(pl.col("same_period_previous_year"))
        .alias("_reference_period")
    )
    frame = _lookup(values, frame, "_reference_period", "_ref")
    frame = _lookup(values, frame, "base_period", "_base")

    months = pl.when(pl.col("period_kind") == "månad").then(1).when(
        (pl.col("accumulation") == "accumulated") | (pl.col("period_kind") == "ÅR")
    ).then(pl.col("end_month")).otherwise(4)
    pro_rata = months.cast(pl.Float64) / 12
    frame = frame.with_columns(
        pl.when(pl.col("target_kind") == "level")
        .then(
            pl.when(pl.col("sex") == "K")
            .then(pl.coalesce("target_women", "target_value"))
            .when(pl.col("sex") == "M")
            .then(pl.coalesce("target_men", "target_value"))
            .otherwise(pl.col("target_value"))  # a per-sex target has no total level
        )
        .when(pl.col("target_kind") == "annual_volume")
        .then(pl.col("target_value") * pro_rata)
        .when((pl.col("target_kind") == "relative_change") & _comparable("_base"))
        .then(
            pl.col("_base_value")
            * (1 + pl.col("change_percent") / 100)
            * pl.when(pl.col("base_period").str.ends_with("ÅR") & (pl.col("accumulation") == "accumulated")).then(pro_rata).otherwise(1.0)
        )
        .when((pl.col("target_kind") == "direction") & _comparable("_ref"))
        .then(pl.col("_ref_value"))
        .alias("target_effective")
    )

    d = pl.col("direction")
    target = pl.col("target_effective")
    met_level = (pl.col("value") - target) * d >= -1e-9
    partial_level = (pl.col("value") - target) * d >= -pl.col("partial_band") * target.abs() - 1e-9
    # "Delvis" by improvement counts only against the same period the year before.
    improved = (pl.col("trend") == IMPROVED) & (pl.col("comparison_period") == pl.col("same_period_previous_year"))
    lower, upper = pl.col("band_lower"), pl.col("band_upper")
    in_band = (lower.is_null() | (pl.col("value") >= lower - 1e-9)) & (upper.is_null() | (pl.col("value") <= upper + 1e-9))
    near_band = (lower.is_null() | (pl.col("value") >= lower - pl.col("partial_band") * lower.abs() - 1e-9)) & (
        upper.is_null() | (pl.col("value") <= upper + pl.col("partial_band") * upper.abs() + 1e-9)
    )
    moved_right_way = (pl.col("value") - target) * d > _neutral(target) + 1e-9

    frame = frame.with_columns(
        pl.when(pl.col("value").is_null() | (pl.col("target_kind") == "none"))
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("target_kind") == "band")
        .then(pl.when(in_band).then(pl.lit(MET)).when(near_band | improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .when(target.is_null())
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("target_kind") == "direction")
        .then(pl.when(moved_right_way).then(pl.lit(MET)).when(improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .otherwise(pl.when(met_level).then(pl.lit(MET)).when(partial_level | improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .alias("attainment")
    )
    # The period a derived target was computed from, so masking can hide the target with its source.
    frame = frame.with_columns(
        pl.when(pl.col("target_kind") == "relative_change")
        .then(pl.col("base_period"))
        .when(pl.col("target_kind") == "direction")
        .then(pl.col("_reference_period"))
        .alias("target_source_period")
    )
    return frame.drop(pl.selectors.starts_with("_")).collect()


def combine_sexes(women: pl.Expr, men: pl.Expr) -> pl.Expr:
    """A total judged from women and men: met only if both are; partly if at least one is met or
    partly met; not met if neither; not assessed if neither sex could be assessed."""
    good = [MET, PARTLY]
    return (
        pl.when((women == MET) & (men == MET))
        .then(pl.lit(MET))
        .when(women.is_in(good) | men.is_in(good))
        .then(pl.lit(PARTLY))
        .when((women == NOT_MET) | (men == NOT_MET))
        .then(pl.lit(NOT_MET))
        .otherwise(pl.lit(NOT_ASSESSED))
    )
