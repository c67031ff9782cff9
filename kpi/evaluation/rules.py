"""What the rules read from the catalogue (``measure_table``), how a total is judged from
women and men (``combine_sexes``), which values may be compared (``same_origin``) and the value
a verdict is judged on (``printed``). The rules themselves are the ones the README lists under
"Rules", each one Polars expression over the whole table in ``engine.evaluate``. Attainment
values: ``uppfyllt``, ``delvis``, ``ej_uppfyllt``, ``ej_bedomd``. Trend values: ``forbattrad``,
``oforandrad``, ``forsamrad``, ``saknas``.
"""

from __future__ import annotations

import polars as pl

from kpi.model.catalogue import (
    AnnualVolumeTarget,
    BandTarget,
    CatalogueSet,
    DirectionTarget,
    LevelTarget,
    NoTarget,
    RelativeChangeTarget,
)
from kpi.model.formatting import printed_values
from kpi.model.settings import Settings
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY


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
                "subject": m.subject,
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
            "subject": pl.String,
        },
        infer_schema_length=None,
    )


def same_origin(is_demo: pl.Expr, other_is_demo: pl.Expr) -> pl.Expr:
    """Two values that may be compared: both published or both demo data. A published value is
    never compared with demo data, nor a demo value with a published one (DOMAIN.md): the
    comparison would mix a real figure with a generated one."""
    return is_demo.fill_null(False) == other_is_demo.fill_null(False)


def printed(value: pl.Expr, decimals: pl.Expr) -> pl.Expr:
    """``value`` as it is printed with ``decimals`` (``kpi.model.formatting.printed_value``, the
    rounding ``format_number`` prints with; Polars' own rounding differs on values such as 74,65). Verdicts are judged on these, so that a reader can check every verdict from
    the numbers on the page: 8,2 % against 8,7 % is a change of 0,5 procentenheter."""

    def round_each(pair: pl.Series) -> pl.Series:
        values = pair.struct.field("v")
        rounded = printed_values(values.fill_null(0.0).to_numpy(), pair.struct.field("d").to_numpy())
        return pl.Series(rounded, dtype=pl.Float64).set(values.is_null(), None)  # missing stays missing

    return pl.struct(v=value.cast(pl.Float64), d=decimals.fill_null(0).cast(pl.Int64)).map_batches(
        round_each, return_dtype=pl.Float64, is_elementwise=True
    )


def neutral_band(reference: pl.Expr) -> pl.Expr:
    """How far a value may move from ``reference`` and still be 'oförändrad': the measure's band
    in percentage points for shares, else relative to the reference. An amount's band is at least
    one step of its last printed decimal: a budget result around 0 makes 1 % of it a few thousand
    kronor, and 0,02 → 0,03 mnkr is not an improvement a board acts on."""
    relative = pl.col("neutral_band") * reference.abs()
    step = pl.lit(10.0, pl.Float64).pow(-pl.col("decimals").fill_null(0).cast(pl.Float64))
    return (
        pl.when(pl.col("neutral_is_absolute"))
        .then(pl.col("neutral_band"))
        .when(pl.col("value_kind") == "amount")
        .then(pl.max_horizontal(relative, step))
        .otherwise(relative)
    )


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
