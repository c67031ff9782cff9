"""The evaluation engine as it was before issue 15, frozen as the reference the new engine must equal.

A verbatim copy of ``kpi/evaluation/aggregation.py``, ``rules.py`` and ``breakdowns.py`` and of
``evaluate_dataset`` at commit 4fba48f. Never edit it to make a test pass: it is what "today's
figures" means (``tests/evaluation/test_engine_equivalence.py``, ``bench/bench_evaluation.py``).
"""

from __future__ import annotations

import polars as pl
import polars.selectors

from kpi.model.catalogue import (
    REPORTING_UNIT_TYPES,
    AnnualVolumeTarget,
    BandTarget,
    CatalogueSet,
    DirectionTarget,
    LevelTarget,
    NoTarget,
    RelativeChangeTarget,
)
from kpi.evaluation.rules import neutral_band, printed, same_origin
from kpi.model.periods import month_windows, period_table
from kpi.model.settings import Settings
from kpi.model.verdicts import IMPROVED, MET, MISSING, NOT_ASSESSED, NOT_MET, PARTLY, UNCHANGED, WORSENED

# --- aggregation.py ---


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


# --- rules.py ---

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


def _lookup(values: pl.DataFrame, frame: pl.DataFrame, period_col: str, prefix: str) -> pl.DataFrame:
    """Join the value (and its demo flag) of the same measure, unit and sex at another period."""
    right = values.lazy().select(
        "measure_id",
        "unit_id",
        "sex",
        pl.col("period").alias(period_col),
        pl.col("value").alias(f"{prefix}_value"),
        pl.col("is_demo").alias(f"{prefix}_is_demo"),
        pl.col("decimals").alias(f"{prefix}_decimals"),
    )
    return frame.join(right, on=["measure_id", "unit_id", "sex", period_col], how="left")


def _comparable(prefix: str) -> pl.Expr:
    """A reference value that may be used: present, and of the same origin (published or demo)
    as the value itself (issue 20's rule, shared with the engine)."""
    return pl.col(f"{prefix}_value").is_not_null() & same_origin(pl.col("is_demo"), pl.col(f"{prefix}_is_demo"))


def _neutral(reference: pl.Expr) -> pl.Expr:
    return neutral_band(reference)


def evaluate(values: pl.DataFrame, measures: pl.DataFrame, years: list[int], lookup_values: pl.DataFrame | None = None) -> pl.DataFrame:
    """Attainment and trend for every row of ``values`` (output of ``resolve_values``).

    Adds: period attributes, the catalogue row, ``target_effective``, ``comparison_period``,
    ``comparison_value``, ``trend``, ``attainment``.
    """
    seen = values if lookup_values is None else lookup_values  # issue 19: masked cells read as missing
    periods = period_table(years).drop("period_label")
    rules = measures.select(RULE_COLUMNS)  # names and sources join later, on the few rows shown
    frame = values.lazy().join(periods.lazy(), on="period", how="inner").join(rules.lazy(), on=["measure_id", "year"], how="inner")

    # Comparison for the trend: the same period a year before; failing that, the previous period
    # of the same kind, but only where such a comparison is like for like (shares, indices,
    # per-period values; not an accumulated count of 8 months against one of 4).
    frame = _lookup(seen, frame, "same_period_previous_year", "_prev_year")
    frame = _lookup(seen, frame, "previous_of_same_kind", "_prev_kind")
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
        # The comparison's own decimals (a published 11,7 % keeps its decimal beside 15 %).
        pl.when(prev_year_ok)
        .then(pl.coalesce("_prev_year_decimals", "decimals"))
        .when(prev_kind_ok)
        .then(pl.coalesce("_prev_kind_decimals", "decimals"))
        .alias("comparison_decimals"),
    )
    # Judged on the values as printed (issue 20's rule, shared with the engine).
    frame = frame.with_columns(
        printed(pl.col("value"), pl.col("decimals")).alias("_shown"),
        printed(pl.col("comparison_value"), pl.col("comparison_decimals")).alias("_shown_cmp"),
    )
    delta = pl.col("_shown") - pl.col("_shown_cmp")
    frame = frame.with_columns(
        pl.when(pl.col("value").is_null() | pl.col("comparison_value").is_null())
        .then(pl.lit(MISSING))
        .when(delta.abs() <= _neutral(pl.col("_shown_cmp")) + 1e-9)
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
    frame = _lookup(seen, frame, "_reference_period", "_ref")
    frame = _lookup(seen, frame, "base_period", "_base")

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
        .then(printed(pl.col("_ref_value"), pl.coalesce("_ref_decimals", "decimals")))
        .alias("target_effective")
    )

    d = pl.col("direction")
    target = pl.col("target_effective")
    value = pl.col("_shown")
    met_level = (value - target) * d >= -1e-9
    partial_level = (value - target) * d >= -pl.col("partial_band") * target.abs() - 1e-9
    # "Delvis" by improvement counts only against the same period the year before.
    improved = (pl.col("trend") == IMPROVED) & (pl.col("comparison_period") == pl.col("same_period_previous_year"))
    lower, upper = pl.col("band_lower"), pl.col("band_upper")
    in_band = (lower.is_null() | (value >= lower - 1e-9)) & (upper.is_null() | (value <= upper + 1e-9))
    near_band = (lower.is_null() | (value >= lower - pl.col("partial_band") * lower.abs() - 1e-9)) & (
        upper.is_null() | (value <= upper + pl.col("partial_band") * upper.abs() + 1e-9)
    )
    moved_right_way = (value - target) * d > _neutral(target) + 1e-9

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

# --- breakdowns.py ---



def mask_small_numbers(long: pl.DataFrame, threshold: int, hidden: pl.DataFrame | None = None) -> pl.DataFrame:
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
    if hidden is not None:  # issue 19: the cells secondary suppression masks
        marked = hidden.select(KEY + ["sex"]).unique().with_columns(pl.lit(True).alias("_hidden"))
        frame = frame.join(marked, on=KEY + ["sex"], how="left").with_columns((pl.col("masked") | pl.col("_hidden").fill_null(False)).alias("masked")).drop("_hidden")
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
        pl.when(pl.col("_comparison_masked").fill_null(False) | hide).then(None).otherwise(pl.col("comparison_decimals")).alias("comparison_decimals"),
        # issue 19: a masked cell's own verdicts are not shown.
        pl.when(hide).then(None).otherwise(pl.col("comparison_period")).alias("comparison_period"),
        pl.when(hide).then(None).otherwise(pl.col("comparison_is_demo")).alias("comparison_is_demo"),
        pl.when(hide).then(pl.lit(MISSING)).otherwise(pl.col("trend")).alias("trend"),
        pl.when(hide).then(pl.lit(NOT_ASSESSED)).otherwise(pl.col("attainment")).alias("attainment"),
    ).drop("_comparison_masked", "_target_source_masked")


_PER_SEX = ["value", "attainment", "trend", "comparison_period", "comparison_value", "comparison_decimals", "masked", "numerator", "denominator", "decimals", "is_demo", "target_effective"]


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
    # Issue 20: the region gets no spread (its units are not all in the tree).
    tree = tree.filter(~pl.col("ancestor_id").is_in(units.filter(pl.col("unit_type") == "region")["unit_id"].implode()))
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


def evaluate_dataset(dataset, hidden=None):  # noqa: ANN001, ANN201 - a Dataset in, an Evaluation out, as in kpi.evaluation.scorecard
    """``hidden`` (measure_id, unit_id, period, sex): the cells the engine of issue 19 masks by
    secondary suppression (its pattern is checked by ``test_suppression.py``); here they are
    masked, and read as missing by comparisons and targets, as the engine does."""
    from kpi.evaluation.scorecard import Evaluation

    years = dataset.years
    measures = measure_table(dataset.catalogues, years, dataset.settings)
    latest = measures.sort("year").unique(subset="measure_id", keep="last").select(
        "measure_id", "value_kind", "accumulation", pl.col("measure_decimals").alias("decimals")
    )
    values = resolve_values(dataset.observations, dataset.units, latest, years)
    partial = dataset.units.filter(pl.col("unit_type") == "region")["unit_id"].to_list()
    values = values.filter(~(pl.col("unit_id").is_in(partial) & (pl.col("origin") == "summerat från enheter")))
    seen = None
    if hidden is not None:
        marked = hidden.select(KEY + ["sex"]).unique().with_columns(pl.lit(True).alias("_hidden"))
        seen = values.join(marked, on=KEY + ["sex"], how="left").with_columns(
            pl.when(pl.col("_hidden").fill_null(False)).then(None).otherwise(pl.col("value")).alias("value")
        ).drop("_hidden")
    long = evaluate(values, measures, years, lookup_values=seen)
    long = mask_small_numbers(long, dataset.settings.mask_threshold, hidden)
    wide = wide_by_sex(long, dataset.settings)
    spread = unit_spread(long, dataset.units)
    return Evaluation(long=long, wide=wide, spread=spread, measures=measures)
