"""Signal or noise: statistical process control (SPC) for monthly series.

The NHS "Making Data Count" approach, for every monthly series (measure × unit × sex) at once in
one vectorised Polars pass:

- **XmR chart** (individuals): centre line = mean of the baseline months, limits = centre ±
  2,66 × the mean moving range of the baseline (2,66 = 3 / 1,128, i.e. three sigma), and the
  two-sigma lines at ± 2 × mean moving range / 1,128.
- **p-chart** for shares with numerators and denominators: centre p̄ = Σ numerators / Σ
  denominators of the baseline, limits p̄ ± 3·√(p̄(1−p̄)/nᵢ) for each month's own denominator.

The baseline is the first ``baseline_points`` months of a phase (default 24; at least
``min_points``, default 12, or no limits are drawn). A phase starts at the first month of the
series and again at each recorded change (``data/catalogue/changes.yaml``, e.g. the Cosmic
go-live in November 2024) or at a month the user chooses: the limits are recalculated from there.

Special-cause rules, each with the months it flags and the side it points to:

1. a point outside the limits;
2. a run of ``run_length`` (7) or more points on the same side of the centre line (a point on
   the line ends a run; so does a month at 0 % or 100 % where p̄ makes that the likeliest count);
3. a trend of ``trend_length`` (6) or more points each higher (or each lower) than the one before
   (an equal value ends a trend; a point where one trend turns into the other takes the later one);
4. two of three consecutive points beyond two sigma on the same side (the points beyond are flagged;
   the three are real months in a row of one phase; a point outside the limits counts as beyond).

No rule reaches across a gap (a missing or masked month) or a phase start. Where p̄(1−p̄) = 0 the
p-chart's limits collapse to p̄; where no limit exists the limit columns are null.

Read through the measure's direction, the latest point gives the **variation** verdict, and the
limits against the target the **assurance** verdict, as in the NHS icons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from kpi.model.changes import RecordedChange
from kpi.model.settings import Settings
from kpi.model.verdicts import COMMON, CONCERN, FAILS, HIT_AND_MISS, IMPROVEMENT, MASKED_MONTHS, NO_ASSURANCE, PASSES, TOO_FEW

SERIES_KEY = ["measure_id", "unit_id", "sex"]
XMR_LIMIT = 2.66  # × mean moving range: three sigma, as in the NHS and qicharts2 material
D2 = 1.128  # mean moving range / sigma for two consecutive points
EPS = 1e-9
LN2 = 0.6931471805599453

RULE_LABELS = {
    "rule_outside": "punkt utanför styrgränserna",
    "rule_run": "minst {run} punkter i rad på samma sida om mittlinjen",
    "rule_trend": "minst {trend} punkter i rad som stiger eller sjunker",
    "rule_two_of_three": "två av tre punkter i rad mer än två standardavvikelser från mittlinjen, på samma sida",
}
RULES = tuple(RULE_LABELS)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class SpcOptions:
    baseline_points: int = 24
    min_points: int = 12
    run_length: int = 7
    trend_length: int = 6
    laney: bool = True  # widen p-chart limits for overdispersion (Laney p′)

    @classmethod
    def from_settings(cls, settings: Settings) -> SpcOptions:
        return cls(settings.spc_baseline_points, settings.spc_min_points, settings.spc_run_length, settings.spc_trend_length)

    def rule_label(self, rule: str) -> str:
        return RULE_LABELS[rule].format(run=self.run_length, trend=self.trend_length)


@dataclass(frozen=True)
class PhaseStart:
    """The first month of a new phase, for the measures it applies to (``None``: all)."""

    first_month: str
    label: str
    measures: frozenset[str] | None = None


def phase_starts(changes: Iterable[RecordedChange], recalculate_from: str | None = None) -> tuple[PhaseStart, ...]:
    starts = [PhaseStart(c.first_month, c.name, frozenset(c.measures) or None) for c in changes]
    if recalculate_from is not None:
        starts.append(PhaseStart(recalculate_from, "nya gränser från vald månad"))
    return tuple(sorted(starts, key=lambda s: s.first_month))


def _phase(starts: Sequence[PhaseStart]) -> pl.Expr:
    phase = pl.lit(0, pl.Int32)
    for s in starts:
        applies = pl.lit(True) if s.measures is None else pl.col("measure_id").is_in(list(s.measures))
        phase = phase + (applies & (pl.col("period") >= s.first_month)).cast(pl.Int32)
    return phase


# --- the chart and the rules --------------------------------------------------------------

POINT_COLUMNS = [
    *SERIES_KEY, "period", "value", "masked", "numerator", "denominator", "is_demo", "direction", "chart", "phase", "phase_start",
    "in_baseline", "centre", "lower", "upper", "lower_2s", "upper_2s", "provisional", *RULES, "signal",
]  # fmt: skip


def spc_points(monthly: pl.DataFrame, options: SpcOptions = SpcOptions(), starts: Sequence[PhaseStart] = ()) -> pl.DataFrame:
    """Centre line, limits and special-cause flags for every point of every series in ``monthly``.

    ``monthly``: one row per measure_id × unit_id × sex × period ("YYYY-MM") with value,
    numerator, denominator, value_kind, direction (1 higher is better, −1 lower), is_demo and
    masked. A month without a value (missing, or masked as too few) stays in the series as a gap,
    never 0: it takes no part in the limits, and a moving range, run or trend does not reach
    across it (nor across a month with no row at all).

    Adds per point: ``chart`` ("p", "p′" or "xmr"), ``phase`` and ``phase_start``,
    ``in_baseline``, ``centre``, ``lower``, ``upper``, ``lower_2s``, ``upper_2s`` (null with too few
    points), ``provisional`` (a new phase with too few points of its own, judged against the limits
    of the phase before), the four rule flags (side +1 above / −1 below / 0) and ``signal``
    (``forbattring``, ``forsamring`` or null) read through the direction.
    """
    g = [*SERIES_KEY, "phase"]
    v = pl.col("value")
    has_value = v.is_not_null() & v.is_finite()
    frame = (
        monthly.lazy()
        .with_columns(pl.when(has_value).then(v).alias("value"), pl.col("masked").fill_null(False) if "masked" in monthly.columns else pl.lit(False).alias("masked"))
        .filter(pl.col("value").is_not_null().any().over(SERIES_KEY))  # a series with no value at all is not drawn
        .with_columns(_phase(starts).alias("phase"))
        .sort([*SERIES_KEY, "period"])
    )
    has_value = v.is_not_null()
    month_no = pl.col("period").str.slice(0, 4).cast(pl.Int32) * 12 + pl.col("period").str.slice(5, 2).cast(pl.Int32)
    is_p = (
        ~has_value | ((pl.col("value_kind") == "share") & pl.col("numerator").is_not_null() & (pl.col("denominator").fill_null(0) > 0))
    ).all().over(SERIES_KEY)
    frame = frame.with_columns(
        pl.when(is_p).then(pl.lit("p")).otherwise(pl.lit("xmr")).alias("chart"),
        # A gap: no value here or in the month before, or months without rows in between.
        (~has_value | ~has_value.shift(1).over(SERIES_KEY).fill_null(False) | ((month_no - month_no.shift(1)).over(SERIES_KEY) != 1)).alias("_gap"),
        (has_value.cast(pl.Int32).cum_sum().over(g) - 1).alias("_i"),
        has_value.sum().over(g).alias("_n"),
        pl.when(has_value).then(pl.col("period")).min().over(g).alias("phase_start"),
    )
    frame = frame.with_columns(pl.when(~pl.col("_gap")).then((v - v.shift(1)).abs().over(g)).alias("_mr"))
    base = has_value & (pl.col("_i") < options.baseline_points)
    enough = pl.col("_n") >= options.min_points
    frame = frame.with_columns(
        base.alias("in_baseline"),
        enough.alias("_enough"),
        pl.when(base).then(v).mean().over(g).alias("_mean"),
        pl.when(base).then(pl.col("_mr")).mean().over(g).alias("_mrbar"),
        (pl.when(base).then(pl.col("numerator")).sum().over(g) / pl.when(base).then(pl.col("denominator")).sum().over(g)).alias("_pbar"),
    )
    binomial = (pl.col("_pbar") * (1 - pl.col("_pbar")) / pl.col("denominator")).sqrt() * 100
    frame = frame.with_columns(binomial.alias("_sp"))
    # With p̄ = 0 or 1 (a phase that never moved off 0 % or 100 %) there is no binomial spread:
    # every z-score would be 0/0. No z-scores then, so no σz and no p′; sigma 0 and the limits
    # collapse to p̄ (a plain p-chart), where any point off p̄ lies outside.
    frame = frame.with_columns(pl.when(pl.col("_sp") > 0).then((v - pl.col("_pbar") * 100) / pl.col("_sp")).alias("_z"))
    frame = frame.with_columns(pl.when(~pl.col("_gap")).then((pl.col("_z") - pl.col("_z").shift(1)).abs().over(g)).alias("_zmr"))
    frame = frame.with_columns((pl.when(base).then(pl.col("_zmr")).mean().over(g) / D2).alias("_sz"))
    # A phase too short for limits of its own (a change recorded a few months ago) is judged,
    # provisionally, against the limits of the phase before: its statistics are carried forward.
    # The statistics are taken whole from the latest phase with enough points, so a statistic
    # that is null in that phase (no σz at p̄ = 0) stays null rather than coming from further back.
    stats = ["_mean", "_mrbar", "_pbar", "_sz"]
    frame = frame.with_columns(pl.when(pl.col("_enough")).then(pl.col("phase")).forward_fill().over(SERIES_KEY).alias("_source"))
    own = frame.filter(pl.col("_enough")).group_by([*SERIES_KEY, "phase"]).agg(pl.col(stats).first()).rename({"phase": "_source"})
    frame = frame.drop(stats).join(own, on=[*SERIES_KEY, "_source"], how="left").sort([*SERIES_KEY, "period"])
    frame = frame.with_columns(
        (~pl.col("_enough") & pl.col("_mean").is_not_null()).alias("provisional"),
        ((pl.col("_pbar") * (1 - pl.col("_pbar")) / pl.col("denominator")).sqrt() * 100).alias("_sp"),
    )
    # Laney's p′: with large denominators the binomial limits are far narrower than the month-to-
    # month variation (every point "special"); the limits are then widened by the spread of the
    # standardised points, sigma_z, and still follow each month's denominator.
    laney = (pl.col("chart") == "p") & pl.lit(options.laney) & (pl.col("_sz") > 1)
    frame = frame.with_columns(pl.when(laney).then(pl.lit("p′")).otherwise(pl.col("chart")).alias("chart"))
    p_chart = pl.col("chart").is_in(["p", "p′"])
    sigma = pl.when(p_chart).then(pl.col("_sp") * pl.when(pl.col("chart") == "p′").then(pl.col("_sz")).otherwise(1.0)).otherwise(pl.col("_mrbar") / D2)
    half = pl.when(p_chart).then(3 * sigma).otherwise(XMR_LIMIT * pl.col("_mrbar"))
    centre = pl.when(p_chart).then(pl.col("_pbar") * 100).otherwise(pl.col("_mean"))
    non_negative = pl.col("value_kind").is_in(["share", "count"])
    floor = pl.when(non_negative).then(0.0).otherwise(float("-inf"))
    ceiling = pl.when(pl.col("value_kind") == "share").then(100.0).otherwise(float("inf"))
    # No limit where none exists (a phase too short for limits, a p-chart month without a
    # denominator): null, never the floor or ceiling (max_horizontal would skip the null and give 0).
    exists = (centre - half).is_not_null()
    frame = frame.with_columns(
        centre.alias("centre"),
        pl.when(exists).then(pl.max_horizontal(centre - half, floor)).alias("lower"),
        pl.when(exists).then(pl.min_horizontal(centre + half, ceiling)).alias("upper"),
        (centre - 2 * sigma).alias("lower_2s"),
        (centre + 2 * sigma).alias("upper_2s"),
    )

    # A month at 0 % (or 100 %) where that is what p̄ makes most likely (a median of its binomial
    # distribution: (1 − p̄)ⁿ ≥ ½, or p̄ⁿ ≥ ½) lies on the centre line for the runs: with rare
    # events most months have none, and a row of such months is what p̄ predicts, not a shift.
    n_months = pl.col("denominator")
    likely_edge = (
        p_chart
        & (n_months > 0)
        & (
            ((v <= EPS) & ((1 - pl.col("_pbar")).log() * n_months >= -LN2))
            | ((v >= 100 - EPS) & (pl.col("_pbar").log() * n_months >= -LN2))
        )
    ).fill_null(False)
    above, below = v > pl.col("centre") + EPS, v < pl.col("centre") - EPS
    side = pl.when(likely_edge).then(0).when(above).then(1).when(below).then(-1).otherwise(0).cast(pl.Int8)
    step = pl.when(pl.col("_gap")).then(0).when(v > v.shift(1) + EPS).then(1).when(v < v.shift(1) - EPS).then(-1).otherwise(0).over(g).cast(pl.Int8)
    frame = frame.with_columns(side.alias("_side"), step.alias("_step"))
    # Runs and trends end at a change of side (or step), and at a gap.
    new_run = (pl.col("_side") != pl.col("_side").shift(1)).over(g).fill_null(True) | pl.col("_gap")
    frame = frame.with_columns(new_run.cast(pl.Int32).cum_sum().over(g).alias("_run"), pl.col("_step").rle_id().over(g).alias("_trend"))
    frame = frame.with_columns(pl.len().over([*g, "_run"]).alias("_run_len"), pl.len().over([*g, "_trend"]).alias("_trend_len"))
    # A trend of k points is k − 1 steps the same way; a point belongs to it through its own step
    # (from the point before) or through the next point's step (it is where the trend starts). A
    # point where one trend turns into the other (the bottom of a fall that becomes a rise) belongs
    # to both and takes the later trend's direction: that is the trend still under way, the one
    # that says where the process is heading.
    long_step = (pl.col("_step") != 0) & (pl.col("_trend_len") >= options.trend_length - 1)
    frame = frame.with_columns(long_step.alias("_long_step"))
    next_long = pl.col("_long_step").shift(-1).over(g).fill_null(False)
    next_step = pl.col("_step").shift(-1).over(g)
    high2 = (v > pl.col("upper_2s") + EPS).fill_null(False)
    low2 = (v < pl.col("lower_2s") - EPS).fill_null(False)
    frame = frame.with_columns(high2.alias("_h2"), low2.alias("_l2"))

    # Two of three: a window is three consecutive real points of one phase (no gap, no masked
    # month, no phase start inside), so "two of the first two" of a new phase, or two points on
    # either side of a gap, is no window. A point beyond 2σ is flagged when a window holding it
    # (ending here, at the next point, or the one after) has two beyond on the same side.
    link = ~pl.col("_gap") & (pl.col("phase") == pl.col("phase").shift(1)).over(SERIES_KEY).fill_null(False)
    frame = frame.with_columns(link.alias("_link"))
    complete = pl.col("_link") & pl.col("_link").shift(1).over(SERIES_KEY).fill_null(False)

    def window(flag: str) -> pl.Expr:
        f = pl.col(flag).cast(pl.Int8)
        return pl.when(complete).then((f + f.shift(1) + f.shift(2)).over(SERIES_KEY)).otherwise(0)

    frame = frame.with_columns(window("_h2").alias("_h2w"), window("_l2").alias("_l2w"))

    def two_of_three(flag: str) -> pl.Expr:
        w = pl.col(f"{flag}w")
        holding = pl.max_horizontal(w, w.shift(-1).over(SERIES_KEY).fill_null(0), w.shift(-2).over(SERIES_KEY).fill_null(0))
        return pl.col(flag) & (holding >= 2)

    has_limits = pl.col("centre").is_not_null() & has_value
    run = has_limits & (pl.col("_side") != 0) & (pl.col("_run_len") >= options.run_length)
    frame = frame.with_columns(
        pl.when(has_limits & (v > pl.col("upper") + EPS)).then(1).when(has_limits & (v < pl.col("lower") - EPS)).then(-1).otherwise(0).cast(pl.Int8).alias("rule_outside"),
        pl.when(run).then(pl.col("_side")).otherwise(0).cast(pl.Int8).alias("rule_run"),
        pl.when(has_limits & next_long)
        .then(next_step)
        .when(has_limits & pl.col("_long_step"))
        .then(pl.col("_step"))
        .otherwise(0)
        .cast(pl.Int8)
        .alias("rule_trend"),
        pl.when(has_limits & two_of_three("_h2")).then(1).when(has_limits & two_of_three("_l2")).then(-1).otherwise(0).cast(pl.Int8).alias("rule_two_of_three"),
    )
    high = pl.any_horizontal([pl.col(r) == 1 for r in RULES])
    low = pl.any_horizontal([pl.col(r) == -1 for r in RULES])
    d = pl.col("direction")
    # Rules pointing both ways at one point (a point above the 2σ line in a falling trend) read
    # as concern: a warning is never hidden behind a good sign.
    frame = frame.with_columns(
        pl.when((high & (d == -1)) | (low & (d == 1))).then(pl.lit(CONCERN)).when(high | low).then(pl.lit(IMPROVEMENT)).alias("signal"),
    )
    return frame.select(POINT_COLUMNS).collect()


SUMMARY_COLUMNS = [
    *SERIES_KEY, "last_period", "points", "phase_start", "chart", "centre", "lower", "upper", "provisional", "variation",
    "assurance", "target", "is_demo",
]  # fmt: skip


def spc_summary(points: pl.DataFrame, monthly: pl.DataFrame) -> pl.DataFrame:
    """Per series: the variation verdict at the latest month with a value, and the assurance
    verdict of the latest limits against that month's target.

    A phase that holds masked months gets no variation verdict: the hidden months are the small
    ones, so the months left over would tell a biased story. Assurance needs a level (a level,
    an annual volume per month, or a band); "Öka/Minska" and base-year targets have none.
    ``monthly`` supplies the target columns (target_kind, target_effective, band_lower,
    band_upper); ``points`` is ``spc_points``'s output.
    """
    valued = points.filter(pl.col("value").is_not_null())
    last = valued.group_by(SERIES_KEY).agg(
        pl.col("period").last().alias("last_period"),
        pl.len().alias("points"),
        pl.col("phase").last().alias("_phase"),
        pl.col("phase_start", "chart", "centre", "lower", "upper", "provisional", "signal", "direction").last(),
        pl.col("is_demo").fill_null(False).any(),
    )
    masked = points.filter(pl.col("masked")).select(*SERIES_KEY, pl.col("phase").alias("_phase"), pl.lit(True).alias("_masked")).unique()
    targets = monthly.select(
        *SERIES_KEY, pl.col("period").alias("last_period"), "target_kind", pl.col("target_effective").alias("target"), "band_lower", "band_upper"
    )
    frame = last.join(targets, on=[*SERIES_KEY, "last_period"], how="left").join(masked, on=[*SERIES_KEY, "_phase"], how="left")
    d, lower, upper, t = pl.col("direction"), pl.col("lower"), pl.col("upper"), pl.col("target")
    level = pl.col("target_kind").is_in(["level", "annual_volume"]) & t.is_not_null()
    band = (pl.col("target_kind") == "band") & (pl.col("band_lower").is_not_null() | pl.col("band_upper").is_not_null())
    lo_b, up_b = pl.col("band_lower"), pl.col("band_upper")
    passes = pl.when(level).then(pl.when(d == 1).then(lower >= t - EPS).otherwise(upper <= t + EPS)).otherwise(
        (lo_b.is_null() | (lower >= lo_b - EPS)) & (up_b.is_null() | (upper <= up_b + EPS))
    )
    fails = pl.when(level).then(pl.when(d == 1).then(upper < t - EPS).otherwise(lower > t + EPS)).otherwise(
        (lo_b.is_not_null() & (upper < lo_b - EPS)) | (up_b.is_not_null() & (lower > up_b + EPS))
    )
    return frame.with_columns(
        pl.when(pl.col("centre").is_null())
        .then(pl.lit(TOO_FEW))
        .when(pl.col("_masked").fill_null(False))
        .then(pl.lit(MASKED_MONTHS))
        .otherwise(pl.col("signal").fill_null(COMMON))
        .alias("variation"),
        pl.when(pl.col("centre").is_null() | ~(level | band))
        .then(pl.lit(NO_ASSURANCE))
        .when(passes)
        .then(pl.lit(PASSES))
        .when(fails)
        .then(pl.lit(FAILS))
        .otherwise(pl.lit(HIT_AND_MISS))
        .alias("assurance"),
        # The level drawn and compared with; a target that moves with last year's value has none.
        pl.when(band).then(pl.coalesce("band_lower", "band_upper")).when(level).then(t).alias("target"),
    ).select(SUMMARY_COLUMNS)


MONTHLY_COLUMNS = [
    *SERIES_KEY, "period", "value", "masked", "numerator", "denominator", "value_kind", "direction", "is_demo", "target_kind",
    "target_effective", "band_lower", "band_upper",
]  # fmt: skip


def monthly_rows(long: pl.DataFrame, *, through: str | None = None) -> pl.DataFrame:
    """The monthly rows of an evaluated long table (``Evaluation.long``), up to ``through``
    ("YYYY-MM") when given: a report per August 2022 judges variation with no later month."""
    frame = long.filter(pl.col("period_kind") == "månad")
    if through is not None:
        frame = frame.filter(pl.col("period") <= through)
    return frame.select(MONTHLY_COLUMNS)


def flagged_periods(points: pl.DataFrame) -> dict[str, list[str]]:
    """For one series: each rule with the months it flags, in time order."""
    return {rule: points.filter(pl.col(rule) != 0)["period"].to_list() for rule in RULES}
