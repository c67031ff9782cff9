"""SPC for the views: the variation column of a scorecard, and one measure's chart and funnel.

The rules are ``kpi.signals.spc``'s and ``kpi.signals.funnel``'s; this module cuts the evaluated tables down to
what one view needs (one organisation, one period, one sex) and gives the words to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.evaluation.comparison import compared_units
from kpi.evaluation.scorecard import Evaluation
from kpi.model.changes import RecordedChange
from kpi.model.formatting import format_value
from kpi.model.periods import Period
from kpi.model.verdicts import COMMON, CONCERN, FAILS, IMPROVEMENT, MASKED_MONTHS, NO_ASSURANCE, PASSES, TOO_FEW
from kpi.model.view import View
from kpi.signals.funnel import Funnel, rate_funnel, share_funnel
from kpi.signals.spc import RULES, PhaseStart, SpcOptions, flagged_periods, monthly_rows, phase_starts, spc_points, spc_summary
from kpi.texts.display import short_period
from kpi.texts.legend import VARIATION

_SUFFIX = {"T": "", "K": "_women", "M": "_men"}


def through_month(p: Period) -> str:
    """The last month a period covers (2022-DÅ08 → "2022-08"): no later month is judged."""
    return f"{p.year}-{p.end_month:02d}"


def scorecard_variation(
    evaluation: Evaluation, view: View, options: SpcOptions, changes: tuple[RecordedChange, ...]
) -> pl.DataFrame:
    """Per measure with a monthly series for the organisation and sex: variation and assurance
    verdicts at the period's last month. Columns: measure_id, variation, assurance, is_demo,
    last_period, chart, centre, lower, upper, target."""
    long = evaluation.long_for(unit_id=view.unit_id, sex=view.sex)
    monthly = monthly_rows(long, through=through_month(view.period))
    points = spc_points(monthly, options, phase_starts(changes))
    return spc_summary(points, monthly).drop("unit_id", "sex")


# Table cells are narrow: "särskild orsak" is said in the column's help and beside the chart.
_SHORT_WORDS = {
    COMMON: "vanlig variation", IMPROVEMENT: "förbättring", CONCERN: "försämring", TOO_FEW: "för få månader", MASKED_MONTHS: "skyddade månader",
}  # fmt: skip
VARIATION_HELP = (
    "Styrdiagram över månaderna fram till periodens slut: ∿ vanlig variation, ⊕ förbättring eller ⊖ försämring "
    "(en särskild orsak, inte bara brus), · för få månader eller skyddade månader (för få patienter) för att bedöma."
)


def variation_text(variation: str | None, is_demo: bool) -> str:
    """The table cell: '⊖ försämring (demodata)'; '–' without a monthly series."""
    if variation is None:
        return "–"
    return f"{VARIATION[variation].symbol} {_SHORT_WORDS[variation]}" + (" (demodata)" if is_demo else "")


@dataclass(frozen=True)
class MeasureSpc:
    """One measure's control chart for one organisation and sex, up to the period's last month."""

    points: pl.DataFrame  # kpi.signals.spc.spc_points for the one series
    variation: str
    assurance: str
    target: float | None
    is_demo: bool
    flagged: dict[str, list[str]]  # rule → months it flags
    starts: tuple[PhaseStart, ...]  # the phase starts that fall inside the series
    options: SpcOptions
    last_period: str  # the latest month with a value: the one the verdicts speak of

    @property
    def has_gaps(self) -> bool:
        """A month without a value (missing, or masked as too few) inside the series."""
        return bool(self.points["value"].is_null().any())


def measure_spc(
    evaluation: Evaluation,
    measure_id: str,
    view: View,
    options: SpcOptions,
    changes: tuple[RecordedChange, ...],
    recalculate_from: str | None = None,
) -> MeasureSpc | None:
    """The chart for one measure, or None when it has no monthly values for this choice."""
    long = evaluation.long_for(measure_ids=[measure_id], unit_id=view.unit_id, sex=view.sex)
    monthly = monthly_rows(long, through=through_month(view.period))
    if monthly.filter(pl.col("value").is_not_null()).is_empty():
        return None
    starts = phase_starts(changes, recalculate_from)
    points = spc_points(monthly, options, starts)
    summary = spc_summary(points, monthly).row(0, named=True)
    first, last = points["period"].min(), points["period"].max()
    inside = tuple(s for s in starts if first < s.first_month <= last and (s.measures is None or measure_id in s.measures))  # type: ignore[operator]
    return MeasureSpc(
        points=points,
        variation=summary["variation"],
        assurance=summary["assurance"],
        target=summary["target"],
        is_demo=bool(summary["is_demo"]),
        flagged=flagged_periods(points),
        starts=inside,
        options=options,
        last_period=summary["last_period"],
    )


MIN_FUNNEL_UNITS = 3  # two units are "above" and "below" each other; a funnel needs a few more


def unit_funnel(
    evaluation: Evaluation, units: pl.DataFrame, measure_id: str, view: View, reported_by: tuple[str, ...]
) -> tuple[Funnel | None, str | None]:
    """The units of the comparison (as in the sorted bars) on a funnel plot: shares with their
    numerators and denominators, or counts with an exposure. Returns the funnel, or None and why
    not (in Swedish; None when the measure is not one a funnel is made for).

    No funnel is drawn when a unit of the group is masked: the others' denominators, with the
    group's own figure, would give the masked unit's numbers back.
    """
    measure = evaluation.measures.filter((pl.col("measure_id") == measure_id) & (pl.col("year") == view.period.year)).row(0, named=True)
    value_kind, direction = measure["value_kind"], int(measure["direction"])
    if value_kind not in ("share", "count"):
        return None, None
    _, group = compared_units(evaluation, units, measure_id, view, reported_by)
    s = _SUFFIX[view.sex]
    counts = evaluation.wide_for(measure_ids=[measure_id], period=view.period.id).select(
        "unit_id", pl.col(f"numerator{s}").alias("numerator"), pl.col(f"denominator{s}").alias("denominator")
    )
    frame = group.select("unit_id", "name", "masked", "is_demo", "value").join(counts, on="unit_id", how="left")
    if value_kind == "count" and (frame["denominator"].fill_null(0) <= 0).all():
        return None, None  # a count without an exposure: the sorted bars are the comparison
    if bool(frame["masked"].any()):
        return None, "Trattdiagrammet visas inte när en enhet är skyddad (för få): de andra enheternas underlag skulle kunna avslöja den."
    plotted = frame.filter(pl.col("numerator").is_not_null() & (pl.col("denominator").fill_null(0) > 0)).height
    if plotted < MIN_FUNNEL_UNITS:
        return None, f"Trattdiagram visas när minst {MIN_FUNNEL_UNITS} enheter har täljare och nämnare för perioden."
    funnel = share_funnel(frame, direction=direction) if value_kind == "share" else rate_funnel(frame, direction=direction)
    return funnel, None


VARIATION_HEADING = "Variation"


def with_variation(table: pl.DataFrame, verdicts: dict[str, tuple[str, str, bool]]) -> tuple[pl.DataFrame, str]:
    """A table with ``measure_id`` (``kpi.texts.display.scorecard_table``, ``attention_table``) plus the
    column 'Variation': each measure's SPC verdict at the period's last month, '–' without a
    monthly series. Returns the table and the column's heading: 'Variation (demodata)' when every
    verdict shown comes from demo data (the cells are then short), else 'Variation' with
    '(demodata)' in each demo cell."""
    ids = table["measure_id"].to_list()
    shown = [verdicts[m] for m in ids if m in verdicts]
    all_demo = bool(shown) and all(v[2] for v in shown)
    cells = [variation_text(verdicts[m][0], verdicts[m][2] and not all_demo) if m in verdicts else "–" for m in ids]
    heading = f"{VARIATION_HEADING} (demodata)" if all_demo else VARIATION_HEADING
    return table.with_columns(pl.Series(VARIATION_HEADING, cells, dtype=pl.String)), heading


# --- the words beside the charts ------------------------------------------------------------


def _month_ranges(months: list[str]) -> str:
    """'jan–aug 2019, mar 2020, nov 2021–feb 2022': consecutive months as one range."""
    groups: list[list[str]] = []
    for m in sorted(months):
        if groups and _next_month(groups[-1][-1]) == m:
            groups[-1].append(m)
        else:
            groups.append([m])
    parts = []
    for g in groups:
        first, last = short_period(g[0]), short_period(g[-1])
        if len(g) == 1:
            parts.append(first)
        elif g[0][:4] == g[-1][:4]:
            parts.append(f"{first.split()[0]}–{last}")
        else:
            parts.append(f"{first}–{last}")
    return ", ".join(parts)


def _months(n: int) -> str:
    return f"{n} månad" if n == 1 else f"{n} månader"


def _next_month(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year + m // 12}-{m % 12 + 1:02d}"


def signal_lines(spc: MeasureSpc) -> list[str]:
    """One line (Markdown) per rule that flags months, naming them; or one line saying none does."""
    lines = []
    for rule, months in spc.flagged.items():
        if months:
            lines.append(f"- **{spc.options.rule_label(rule).capitalize()}** ({_months(len(months))}): {_month_ranges(months)}")
    if not lines and spc.variation not in (TOO_FEW, MASKED_MONTHS):
        return ["Inga särskilda orsaker: alla månader visar vanlig variation."]
    return (["**Signaler**", *lines]) if lines else []


def _latest_start(spc: MeasureSpc) -> PhaseStart | None:
    last = spc.points.filter(pl.col("value").is_not_null())["period"][-1]
    return next((s for s in reversed(spc.starts) if s.first_month <= last), None)


def variation_explanation(spc: MeasureSpc) -> str:
    """Why the chart reads as it does, in a sentence or two."""
    valued = spc.points.filter(pl.col("value").is_not_null())
    last = valued.row(-1, named=True)
    phase = spc.points.filter(pl.col("phase") == last["phase"])
    shown, hidden = phase["value"].is_not_null().sum(), int(phase["masked"].sum())
    hidden_text = f" ({_months(hidden)} skyddade: för få patienter)" if hidden else ""
    if spc.variation == TOO_FEW:
        return (
            f"Sedan {short_period(last['phase_start'])} finns {_months(shown)} med värden{hidden_text}; styrgränser kräver minst "
            f"{spc.options.min_points}. Bedömningen kommer när fler månader finns."
        )
    if spc.variation == MASKED_MONTHS:
        return (
            f"{hidden} av månaderna sedan {short_period(last['phase_start'])} är skyddade (för få patienter). De skyddade månaderna är "
            "de minsta, så de övriga skulle ge en skev bild: ingen bedömning görs."
        )
    provisional = ""
    if last["provisional"]:
        start = _latest_start(spc)
        since = f"{start.label} ({short_period(start.first_month)})" if start else short_period(last["phase_start"])
        provisional = (
            f" Preliminärt: sedan {since} finns {_months(shown)}, färre än de {spc.options.min_points} som behövs för egna "
            "gränser, så de jämförs med gränserna från tiden före."
        )
    if spc.variation == COMMON:
        return "Den senaste månaden ligger inom gränserna och ingår inte i något mönster: förändringen mot förra månaden är vanligt brus." + provisional
    good = "högre är bättre" if last["direction"] == 1 else "lägre är bättre"
    rules = [spc.options.rule_label(r) for r in RULES if last[r]]
    return f"Den senaste månaden ingår i en signal ({'; '.join(rules)}), läst med styrmåttets riktning: {good}." + provisional


def assurance_explanation(spc: MeasureSpc, unit: str, decimals: int) -> str:
    last = spc.points.filter(pl.col("value").is_not_null()).row(-1, named=True)
    if last["centre"] is None:
        return "Inga styrgränser ännu, så målsäkerheten kan inte bedömas."
    if spc.assurance == NO_ASSURANCE or spc.target is None:
        return (
            "Målet jämförs med ett tidigare värde (t.ex. ”Öka” eller ”Minska med 50 % jämfört med 2020”) eller saknas: "
            "det finns ingen fast nivå att jämföra gränserna med."
        )
    limits = f"{format_value(last['lower'], unit, decimals)}–{format_value(last['upper'], unit, decimals)}"
    target = format_value(spc.target, unit, decimals)
    if spc.assurance == PASSES:
        return f"Hela intervallet mellan gränserna ({limits}) ligger på rätt sida om målet ({target}): målet nås varje månad så länge processen är densamma."
    if spc.assurance == FAILS:
        return f"Hela intervallet mellan gränserna ({limits}) ligger på fel sida om målet ({target}): målet nås inte utan att något i arbetet ändras."
    return f"Målet ({target}) ligger mellan gränserna ({limits}): vissa månader nås det, andra inte, av vanlig variation."


def funnel_summary(funnel: Funnel) -> str:
    """The funnel in words: how many units, the overall share, who lies outside the limits."""
    p = funnel.points
    unit = "%" if funnel.kind == "share" else ""
    overall = format_value(funnel.overall, unit, 1) + ("" if funnel.kind == "share" else f" per {format_value(funnel.per, 'antal', 0)}")
    together = "de visade enheterna tillsammans" if funnel.left_out_missing else "alla enheter tillsammans"
    parts = [f"{p.height} enheter; {together} {overall}."]
    for reading, words in (("bättre", "Bättre än förväntat (utanför 99,8 %)"), ("sämre", "Sämre än förväntat (utanför 99,8 %)")):
        names = p.filter(pl.col("reading") == reading)["name"].to_list()
        if names:
            parts.append(f"{words}: {', '.join(names)}.")
    watch = p.filter((pl.col("reading") == "inom") & (pl.col("reading_95") != "inom"))["name"].to_list()
    if watch:
        parts.append(f"Mellan 95 % och 99,8 %: {', '.join(watch)}.")
    if p.filter(pl.col("reading") != "inom").is_empty():
        parts.append(
            "Alla enheter ligger inom 99,8 %-gränserna: "
            + ("ingen avviker mer än enheterna brukar skilja sig åt." if funnel.tau > 0 else "skillnaderna kan vara slump.")
        )
    if funnel.tau > 0:
        spread = format_value(funnel.tau, "", 1) + (" procentenheter" if funnel.kind == "share" else "")
        parts.append(
            "Enheterna skiljer sig mer åt än slumpen och underlagens storlek förklarar, så gränserna är vidgade med den "
            f"vanliga skillnaden mellan enheter (överspridning: en standardavvikelse på {spread}). Bara de mest avvikande markeras."
        )
    if funnel.left_out_masked:
        parts.append(f"Skyddat (för få): {', '.join(funnel.left_out_masked)}.")
    if funnel.left_out_missing:
        parts.append(f"Uppgift saknas: {', '.join(funnel.left_out_missing)}.")
    if bool(p["is_demo"].any()):
        parts.append("Enheternas värden är demodata (öppna markörer).")
    return " ".join(parts)
