"""The short written analysis per measure, in the reports' own style, from the evaluated numbers.

``analysis_text`` turns one scorecard row into a few Swedish sentences: the value (with women and
men), the target and whether it is met, the change against the comparison period, and the spread
between units. For example::

    Andelen medicinska bedömningar inom tre dagar är 92 procent (kvinnor 92 %, män 92 %). Målet
    100 procent är ej uppfyllt. Jämfört med samma period 2021 (92 %) är andelen medicinska
    bedömningar inom tre dagar oförändrad. Under januari–augusti 2022 skiljer det 26
    procentenheter mellan enheterna (73–99 %).

The measure is named by the row's ``subject`` (the catalogue's, ``kpi.model.catalogue.check_subject``),
or, without one, by its unit ("Andelen", "Antalet"); adjectives agree with the subject's head noun
("oförändrad"/"oförändrat", ``subject_is_neuter``).

Every statement is checked against its own row, so no text says what its row contradicts:

- differences are computed from the values as printed, and the verdicts are judged on them too
  (``kpi.evaluation.rules.printed``), so two equal printed values are never called a change, and
  a change inside the neutral band is given with its size and the band;
- a "delvis uppfyllt" says why (near the target, or improved since the year before); a
  direction target that is not met because the change stayed inside the band says so;
- the spread names the months it covers ("Under januari–augusti 2022 …"), and how many units
  meet the target is said only where the row's own verdict is assessed and its value is not
  masked (a count beside a masked total would point at where the few cases are);
- a missing comparison says why: published values and demo data are never compared;
- demo data is named once, in the last sentence.

Shares change in percentage points, counts in percent (or in the count itself when it is small),
amounts in their own unit. A masked or missing value is said to be so; nothing is ever written
as 0.

``analysis_for`` puts the analyst's own comment first where one exists, keeping the generated
text beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import re

from kpi.model.catalogue import subject_is_neuter
from kpi.model.formatting import format_number, format_value, printed_value
from kpi.model.periods import FULL_MONTH_NAMES, Period, parse_period
from kpi.model.verdicts import IMPROVED, MET, NOT_ASSESSED, NOT_MET, PARTLY, UNCHANGED, WORSENED
from kpi.texts.display import comparison_decimals


@dataclass(frozen=True)
class UnitNoun:
    """How the units below an organisation are named: 'hälsocentral', 'hälsocentraler',
    'hälsocentralerna'."""

    singular: str
    plural: str
    definite_plural: str


UNITS = UnitNoun("enhet", "enheter", "enheterna")
UNIT_NOUNS = {
    "hälsocentral": UnitNoun("hälsocentral", "hälsocentraler", "hälsocentralerna"),
    "tandvårdsklinik": UnitNoun("tandvårdsklinik", "tandvårdskliniker", "tandvårdsklinikerna"),
}

# The subject of the sentences where the catalogue names none (a measure's ``subject``,
# "Sjukfrånvaron är …"), by the measure's unit: "Andelen är …", "Antalet har ökat …".
_SUBJECT = {"%": "andelen", "antal": "antalet", "mnkr": "utfallet", "kr": "utfallet", "index": "indexvärdet"}
_TREND_WORDS = {IMPROVED: "förbättrad", UNCHANGED: "oförändrad", WORSENED: "försämrad"}
_ATTAINMENT_WORDS = {MET: "uppfyllt", PARTLY: "delvis uppfyllt", NOT_MET: "ej uppfyllt", NOT_ASSESSED: "inte bedömt"}
_SEX_PHRASE = {"K": "för kvinnor", "M": "för män"}
_DEMO = "demodata (genererade, inte publicerade)"
_PER_PERIOD_START = {"DÅ04": 1, "DÅ08": 5, "ÅR": 1}


@dataclass(frozen=True)
class Analysis:
    """What a view or an export shows as a measure's analysis: the analyst's own comment where
    one exists (``own``), else the generated text; the generated text is always kept."""

    generated: str
    own: str | None = None
    author: str | None = None

    @property
    def text(self) -> str:
        return self.own or self.generated

    @property
    def is_own(self) -> bool:
        return self.own is not None

    @property
    def label(self) -> str:
        """The heading every view and export puts above the text."""
        if self.is_own:
            return f"Analys – {self.author}" if self.author else "Analys"
        return "Analys – automatisk text utifrån siffrorna"


def analysis_for(
    row: Mapping[str, Any],
    comment: Mapping[str, Any] | None,
    *,
    sex: str = "T",
    units: UnitNoun = UNITS,
    applies: bool = True,
) -> Analysis:
    own = str(comment["text"]).strip() if comment and comment.get("text") else None
    author = str(comment["author"]) if comment and comment.get("author") else None
    return Analysis(generated=analysis_text(row, sex=sex, units=units, applies=applies), own=own or None, author=author)


def analysis_text(row: Mapping[str, Any], *, sex: str = "T", units: UnitNoun = UNITS, applies: bool = True) -> str:
    """A few Swedish sentences about one scorecard row (``kpi.evaluation.scorecard.scorecard``).

    ``sex`` is the scorecard's sex ("K" or "M" puts that sex's value in the total's place);
    ``units`` names the units below the organisation for the spread sentence; ``applies`` is
    false where the organisation holds no unit that reports the measure.
    """
    unit = row["unit"]
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    subject = row.get("subject") or _SUBJECT.get(unit, "värdet")
    has_value = row["value"] is not None or row.get("value_women") is not None or row.get("value_men") is not None
    if not applies and not has_value and not row.get("masked"):
        where = "" if units is UNITS else f"; det följs upp på {units.plural}"
        return f"Styrmåttet rapporteras inte av enheten{where}."
    sentences = [_value_sentence(row, subject, unit, decimals, sex)]
    if sex == "T" and has_value:
        sentences.append(_gender_sentence(row, subject, decimals))
    if has_value:
        sentences.append(_target_sentence(row, subject, unit, decimals, sex))
        if not _target_says_no_comparison(row):
            sentences.append(_comparison_sentence(row, subject, unit, decimals))
    spread = _spread_sentence(row, unit, decimals, units) if shows_spread(row, sex) else ""
    sentences.append(spread)
    value_is_demo = bool(row.get("is_demo")) and has_value
    spread_is_demo = bool(spread) and bool(row.get("spread_is_demo"))
    if value_is_demo and spread_is_demo:
        sentences.append(f"Värdena, även {units.definite_plural}s, är {_DEMO}.")
    elif value_is_demo:
        sentences.append(f"Värdena är {_DEMO}.")
    elif spread_is_demo:
        sentences.append(f"{_first_upper(units.definite_plural)}s värden är {_DEMO}.")
    return " ".join(s for s in sentences if s)


# --- what may be said about the units below -----------------------------------------------------


def shows_spread(row: Mapping[str, Any], sex: str = "T") -> bool:
    """Whether the units' spread belongs beside this row: it is the total's (not a sex's), and
    never beside a masked value (the units' values would point at where the few cases are)."""
    return sex == "T" and not row.get("masked")


def states_units_meeting(row: Mapping[str, Any], sex: str = "T") -> bool:
    """Whether 'n av N enheter når målet' may be said beside this row: as ``shows_spread``, the
    measure has a target, and the row's own verdict is assessed where it has a value (not 'kan
    inte bedömas' followed by 'alla 25 når målet')."""
    has_value = row.get("value") is not None or row.get("value_women") is not None or row.get("value_men") is not None
    return (
        shows_spread(row, sex)
        and row.get("units_meeting_target") is not None
        and row.get("target_kind") not in (None, "none")
        and not (has_value and row.get("attainment") == NOT_ASSESSED)
    )


# --- periods in the reports' words -------------------------------------------------------------


def covered_months(period_id: str, accumulation: str | None) -> str:
    """The months a value for the period covers, as the reports write them: 'januari–augusti
    2022', 'maj–augusti 2022', 'april 2024', 'helåret 2022'."""
    p = parse_period(period_id)
    if p.kind == "månad":
        return f"{FULL_MONTH_NAMES[p.end_month - 1]} {p.year}"
    if p.kind == "ÅR":
        return f"helåret {p.year}"
    first = 1 if accumulation != "per_period" else _PER_PERIOD_START[p.kind]
    return f"{FULL_MONTH_NAMES[first - 1]}–{FULL_MONTH_NAMES[p.end_month - 1]} {p.year}"


def _when(period: str, comparison: str, accumulation: str | None) -> str:
    """The comparison period after 'jämfört med': 'samma period 2021', '2021' (a whole year),
    'april 2021', or the months of an earlier report ('januari–april 2022')."""
    p, q = parse_period(period), parse_period(comparison)
    if q.year == p.year - 1 and q.kind == p.kind and q.month == p.month:
        if p.kind == "ÅR":
            return str(q.year)
        if p.kind == "månad":
            return f"{FULL_MONTH_NAMES[q.end_month - 1]} {q.year}"
        return f"samma period {q.year}"
    return covered_months(comparison, accumulation)


# --- the sentences -----------------------------------------------------------------------------


def _value_sentence(row: Mapping[str, Any], subject: str, unit: str, decimals: int, sex: str) -> str:
    Subject = _first_upper(subject)
    for_sex = f" {_SEX_PHRASE[sex]}" if sex in _SEX_PHRASE else ""
    if sex in _SEX_PHRASE and not row.get("split_by_sex"):
        return "Styrmåttet är inte uppdelat på kön."
    if row.get("masked"):
        return f"Värdet{for_sex} är skyddat eftersom det bygger på för få personer."
    value, women, men = row["value"], row.get("value_women"), row.get("value_men")
    if value is None and (women is not None or men is not None):
        if women is None or men is None:
            given, label, other = (women, "kvinnor", "män") if women is not None else (men, "män", "kvinnor")
            return f"{Subject} är {_prose(given, unit, decimals)} för {label}; för {other} saknas uppgift, och någon total anges inte."
        return f"{Subject} är {_prose(women, unit, decimals)} för kvinnor och {_prose(men, unit, decimals)} för män; någon total anges inte."
    if value is None and (row.get("masked_women") or row.get("masked_men")):
        return "Värdena för kvinnor och män är skyddade eftersom de bygger på för få personer."
    if value is None:
        return f"Uppgift saknas{for_sex} för perioden."
    text = f"{Subject}{for_sex} är {_prose(value, unit, decimals)}"
    if row.get("masked_women") or row.get("masked_men"):
        return f"{text}; uppdelningen på kvinnor och män är skyddad eftersom grupperna är för små."
    if women is not None and men is not None:
        return f"{text} (kvinnor {format_value(women, unit, decimals)}, män {format_value(men, unit, decimals)})."
    return f"{text}."


def _per_sex_target_sentence(row: Mapping[str, Any], unit: str, decimals: int, lower: bool, sex: str) -> str:
    bound = "högst " if lower else ""
    parts = []
    for code, label, target, attainment in (
        ("K", "kvinnor", row.get("target_women"), row.get("attainment_women")),
        ("M", "män", row.get("target_men"), row.get("attainment_men")),
    ):
        if target is None or sex not in ("T", code):
            continue
        if sex != "T":
            attainment = row["attainment"]  # the chosen sex's verdict is in the total's place
        verdict = _ATTAINMENT_WORDS.get(attainment or NOT_ASSESSED, "inte bedömt")
        parts.append(f"målet för {label}, {bound}{_prose(target, unit, _decimals_for(target, decimals))}, är {verdict}")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _prose(value: float, unit: str, decimals: int) -> str:
    """A value in running prose, as the reports write it: '7,6 procent' ('(7,6 %)' in brackets)."""
    if unit == "%":
        return f"{format_number(value, decimals)}\u00a0procent"
    return format_value(value, unit, decimals)


def _decimals_for(value: float, decimals: int) -> int:
    """Enough decimals to print a target as it was set: 17,2 % keeps its decimal, 95 % has none."""
    if float(value).is_integer():
        return 0
    return max(decimals, 1 if abs(value) >= 1 else 2)


def _first_upper(text: str) -> str:
    """The first letter in upper case and nothing else: 'antalet insatser från Företagshälsan'
    keeps its capital F ('str.capitalize' would lower it)."""
    return text[:1].upper() + text[1:]


def _head(subject: str) -> str:
    """The subject's head noun, for where the whole phrase would be heavy ('att jämföra andelen
    med'); a phrase led by 'den'/'det' ('den totala kostnaden') has no one-word head and is kept."""
    head = subject.split(" ")[0]
    return subject if head in ("den", "det") else head


def _sign(difference: float) -> str:
    return "+" if difference > 0 else "\u2212"



def _target_sentence(row: Mapping[str, Any], subject: str, unit: str, decimals: int, sex: str = "T") -> str:
    kind = row.get("target_kind") or "none"
    attainment = row["attainment"]
    word = _ATTAINMENT_WORDS[attainment]
    text = (row.get("target") or "").strip()
    lower = row.get("direction") == -1
    if kind == "none":
        return _no_target_sentence(text, parse_period(row["period"]))
    if kind == "level" and (row.get("target_women") is not None or row.get("target_men") is not None):
        return _per_sex_target_sentence(row, unit, decimals, lower, sex)
    named = _target_in_words(row, text, unit, decimals)
    if kind == "annual_volume" and row.get("target_value") is not None:
        yearly = format_value(row["target_value"], unit, 0)
        effective = row.get("target_effective")
        if effective is None or attainment == NOT_ASSESSED:
            return f"Årsmålet {yearly} kan inte bedömas för perioden."
        return f"Årsmålet {yearly} motsvarar {format_value(effective, unit, 0)} för perioden och är {word}{_why(row, subject, decimals)}."
    if kind == "relative_change" and row.get("target_effective") is not None and attainment != NOT_ASSESSED:
        effective = row["target_effective"]
        bound = "högst" if lower else "minst"
        return f"{named} motsvarar {bound} {_prose(effective, unit, _decimals_for(effective, decimals))} för perioden och är {word}{_why(row, subject, decimals)}."
    if attainment == NOT_ASSESSED:
        if _target_says_no_comparison(row):
            # One sentence for both: the target and the trend lack the same value.
            value, these, other = (
                ("värde i demodata", "demodata", "publicerade värden") if row.get("is_demo") else ("publicerat värde", "publicerade värden", "demodata")
            )
            return f"{named} kan inte bedömas, och jämförelse saknas: det finns inget tidigare {value} att jämföra med ({these} jämförs inte med {other})."
        if kind in ("direction", "relative_change"):
            origin = "publicerat " if not row.get("is_demo") else ""
            when = "samma period året innan" if kind == "direction" else "basåret"
            return f"{named} kan inte bedömas: det finns inget jämförbart {origin}värde från {when}."
        return f"{named} kan inte bedömas."
    return f"{named} är {word}{_why(row, subject, decimals)}."


def _target_says_no_comparison(row: Mapping[str, Any]) -> bool:
    """A direction target that cannot be judged and no comparison either: said once."""
    return (
        row.get("target_kind") == "direction"
        and row["attainment"] == NOT_ASSESSED
        and row["value"] is not None
        and (row.get("comparison_period") is None or row["trend"] not in (IMPROVED, UNCHANGED, WORSENED))
    )


def _target_in_words(row: Mapping[str, Any], text: str, unit: str, decimals: int) -> str:
    """'Målet 95 %', 'Målet, högst 7 %,', 'Målet att minska', 'Målet att minska med 50 procent jämfört
    med 2020', 'Målet, en budget i balans (±0 mnkr),'."""
    kind = row.get("target_kind")
    if kind == "level" and row.get("target_value") is not None:
        target = _prose(row["target_value"], unit, _decimals_for(row["target_value"], decimals))
        return f"Målet, högst {target}," if row.get("direction") == -1 else f"Målet {target}"
    if kind == "direction" and re.match(r"(?i)(öka|minska)\b", text):
        return f"Målet att {text[0].lower()}{text[1:]}"
    change = re.fullmatch(r"(?i)(.*?)\s*\b(öka|minska)\s+med\s+(\d+(?:[.,]\d+)?)\s*%\s*(.*)", text)
    if kind == "relative_change" and change:
        # '[På regionnivå] Minska med 50% jämfört med 2020' in prose: 'Målet att [på regionnivå]
        # minska med 50 procent jämfört med 2020'.
        where, verb, size, rest = (g.strip() for g in change.groups())
        where = f"{where[:1].lower()}{where[1:]} " if where else ""
        return f"Målet att {where}{verb.lower()} med {size.replace('.', ',')} procent" + (f" {rest}" if rest else "")
    if kind == "direction" and re.match(r"(?i)förbättrat värde", text):
        return "Målet, ett förbättrat värde jämfört med senaste mätningen,"
    if _balanced_budget(row, unit):
        return f"Målet, en budget i balans (±0 {unit}),"
    return f"Målet ”{text}”"


def _balanced_budget(row: Mapping[str, Any], unit: str) -> bool:
    """A budget in balance as the target ('+/-0 mnkr'): the value is a surplus or a deficit."""
    text = (row.get("target") or "").strip()
    return row.get("target_kind") == "band" and unit in ("mnkr", "kr") and re.fullmatch(r"\+/-\s*0\s*(mnkr|kr)", text) is not None


def _no_target_sentence(text: str, period: Period) -> str:
    """No target. A catalogue text that has gone stale ('Följs upp fr om 2023' read in 2025) is
    not quoted: the measure simply has no target to judge."""
    stale = re.search(r"(?i)fr(?:\.|ån)?\s*o(?:\.|ch)?\s*m(?:ed)?\.?\s*(\d{4})", text)
    if not text or (stale and period.year >= int(stale.group(1))):
        return "Styrmåttet har inget mål som bedöms."
    return f"Styrmåttet har inget mål som bedöms (”{text}”)."


def _why(row: Mapping[str, Any], subject: str, decimals: int) -> str:
    """Why a verdict that needs a reason has it: 'delvis uppfyllt' near the target or because the
    value improved; a direction target not met because the change stayed inside the band."""
    attainment, kind = row["attainment"], row.get("target_kind")
    if attainment == PARTLY:
        if kind != "direction" and _within_partial_band(row, decimals):
            return f", eftersom {subject} ligger nära målet (inom {_percent(row.get('partial_band') or 0.05).replace(chr(0xa0) + '%', chr(0xa0) + 'procent')} av det)"
        if row.get("trend") == IMPROVED and row.get("comparison_period"):
            return f", eftersom {subject} har förbättrats jämfört med {_when(row['period'], row['comparison_period'], row.get('accumulation'))}"
    if attainment == NOT_MET and kind == "direction" and row.get("trend") == UNCHANGED:
        return ": förändringen ligger inom det som räknas som oförändrat"
    return ""


def _within_partial_band(row: Mapping[str, Any], decimals: int) -> bool:
    value, target = row.get("value"), row.get("target_effective")
    if value is None or target is None:
        return True  # a band target: 'near' is the only reason the rule gives without a trend
    direction = row.get("direction") or 1
    band = row.get("partial_band") if row.get("partial_band") is not None else 0.05
    return (printed_value(value, decimals) - target) * direction >= -band * abs(target) - 1e-9


def _percent(share: float) -> str:
    return f"{format_number(share * 100, 0 if float(share * 100).is_integer() else 1)}\u00a0%"


def _band_text(row: Mapping[str, Any], unit: str, reference: float, decimals: int) -> str:
    """The neutral band as the reader meets it: '±0,5 procentenheter', '±1 %', and for an amount
    the band in its own unit where one printed step is more than the relative band ('±0,01 mnkr',
    ``kpi.evaluation.rules.neutral_band``)."""
    band = row.get("neutral_band")
    if band is None:
        band = 0.5 if unit == "%" else 0.01
    if row.get("neutral_is_absolute", unit == "%"):
        amount = format_number(band, 0 if float(band).is_integer() else 1)
        return f"±{amount} {'procentenhet' if amount == '1' else 'procentenheter'}"
    step = 10.0**-decimals
    if unit in ("mnkr", "kr") and band * abs(printed_value(reference, decimals)) < step:
        return f"±{format_value(step, unit, decimals)}"
    return f"±{_percent(band)}"


def _comparison_sentence(row: Mapping[str, Any], subject: str, unit: str, decimals: int) -> str:
    value = row["value"]
    if value is None and (row.get("value_women") is not None or row.get("value_men") is not None):
        return _per_sex_comparison(row, subject, unit, decimals)
    if value is None:
        return ""
    reference = (row.get("comparison_value"), row.get("comparison_period"), comparison_decimals(row))
    return _compared(row, value, reference, row["trend"], subject, unit, decimals)


def _per_sex_comparison(row: Mapping[str, Any], subject: str, unit: str, decimals: int) -> str:
    """Where only women and men are given, the comparison is made for each (as the table shows it)."""
    parts, missing = [], []
    for suffix, label in (("_women", "kvinnor"), ("_men", "män")):
        value = row.get(f"value{suffix}")
        if value is None:
            continue
        reference, period = row.get(f"comparison_value{suffix}"), row.get(f"comparison_period{suffix}")
        trend = row.get(f"trend{suffix}") or "saknas"
        if period is None or trend not in (IMPROVED, UNCHANGED, WORSENED):
            missing.append(label)
            continue
        parts.append(_compared(row, value, (reference, period, comparison_decimals(row, suffix)), trend, f"{subject} för {label}", unit, decimals))
    if missing and not parts:
        return _compared(row, 0.0, (None, None, decimals), "saknas", subject, unit, decimals)  # the one sentence saying why
    if missing:
        parts.append(f"För {missing[0]} saknas jämförelse.")
    return " ".join(parts)


def _compared(
    row: Mapping[str, Any],
    value: float,
    compared_with: tuple[float | None, str | None, int],
    trend: str,
    subject: str,
    unit: str,
    decimals: int,
) -> str:
    """The comparison sentence; ``compared_with`` is the comparison's value, period and decimals
    (its own: a published 11,7 % keeps its decimal beside this year's 15 %)."""
    reference, period, reference_decimals = compared_with
    judged = trend in (IMPROVED, UNCHANGED, WORSENED)
    if reference is None and period is not None and judged:
        # The comparison value is masked (too few): the verdict in the table stands, the number is not given.
        return f"Jämförelsevärdet för {_when(row['period'], period, row.get('accumulation'))} är skyddat (för få); utvecklingen bedöms som {_TREND_WORDS[trend]}."
    noun = _head(subject)
    if reference is None or period is None or not judged:
        if row.get("is_demo"):
            return f"Jämförelse saknas: det finns inget tidigare värde i demodata att jämföra {noun} med, och demodata jämförs inte med publicerade värden."
        return f"Jämförelse saknas: det finns inget tidigare publicerat värde att jämföra {noun} med, och publicerade värden jämförs inte med demodata."
    when = _when(row["period"], period, row.get("accumulation"))
    lead = f"Jämfört med {when} ({format_value(reference, unit, reference_decimals)})"
    change = _change(value, reference, unit, decimals, reference_decimals)
    state = "oförändrat" if subject_is_neuter(subject) else "oförändrad"
    if change is None:
        return f"{lead} är {subject} {state}."
    shown_value, shown_reference = printed_value(value, decimals), printed_value(reference, reference_decimals)
    verb = "ökat" if shown_value > shown_reference else "minskat"
    if _balanced_budget(row, unit) and (shown_value < 0) == (shown_reference < 0) and shown_value != 0 and shown_reference != 0:
        # As the reports say it: from −12 to −31 mnkr the deficit has grown; "the deviation has
        # decreased, a deterioration" would read as a contradiction.
        subject = "underskottet" if shown_value < 0 else "överskottet"
        verb = "ökat" if abs(shown_value) > abs(shown_reference) else "minskat"
    if trend == UNCHANGED:
        band = _band_text(row, unit, reference, max(decimals, reference_decimals))
        return f"{lead} har {subject} {verb} med {change}, vilket räknas som oförändrat (inom {band})."
    verdict = "en förbättring" if trend == IMPROVED else "en försämring"
    return f"{lead} har {subject} {verb} med {change}, {verdict}."


def _change(value: float, reference: float, unit: str, decimals: int, reference_decimals: int) -> str | None:
    """The size of the change, from the values as printed (each with its own decimals); ``None``
    when they print the same."""
    shown_value, shown_reference = printed_value(value, decimals), printed_value(reference, reference_decimals)
    decimals = max(decimals, reference_decimals)
    difference = printed_value(shown_value - shown_reference, decimals)
    if difference == 0:
        return None
    if unit == "%":
        amount = format_number(abs(difference), decimals)
        return f"{amount} {'procentenhet' if amount == '1' else 'procentenheter'}"
    if unit in ("mnkr", "kr") or abs(shown_reference) < 20 or shown_reference == 0:
        return format_value(abs(difference), unit, decimals)
    relative = abs(difference) / abs(shown_reference) * 100
    shown = 0
    while round(relative, shown) == 0 and shown < 2:
        shown += 1
    return f"{format_number(relative, shown)}\u00a0%"


def _spread_sentence(row: Mapping[str, Any], unit: str, decimals: int, units: UnitNoun) -> str:
    """The spread between the units, for the months the value covers, and how many of them meet
    the target (only where the row's own verdict stands: not beside 'kan inte bedömas')."""
    n = row.get("units_with_value")
    if not n or n < 2:
        return ""
    months = covered_months(row["period"], row.get("accumulation"))
    sentences = []
    low, high = row.get("spread_min"), row.get("spread_max")
    if unit in ("%", "index") and low is not None and high is not None:
        difference = printed_value(printed_value(high, decimals) - printed_value(low, decimals), decimals)
        if difference == 0:
            sentences.append(f"Under {months} har alla {n} {units.plural} samma värde ({format_value(low, unit, decimals)}).")
        else:
            amount = format_number(difference, decimals)
            if unit == "%":
                noun = "procentenhet" if amount == "1" else "procentenheter"
                span = f"{format_number(low, decimals)}–{format_value(high, unit, decimals)}"
                sentences.append(f"Under {months} skiljer det {amount} {noun} mellan {units.definite_plural} ({span}).")
            else:
                sentences.append(
                    f"Under {months} skiljer det {amount} mellan {units.definite_plural} ({format_number(low, decimals)}–{format_number(high, decimals)})."
                )
    meeting = row.get("units_meeting_target")
    if states_units_meeting(row):
        if meeting == n:
            who = f"alla {n} {units.plural}" if n > 2 else f"båda {units.definite_plural}"
        elif meeting == 0:
            who = f"ingen av de {n} {units.definite_plural}"
        else:
            who = f"{meeting} av {n} {units.plural}"
        # After the spread sentence the months are known; alone, the sentence names them.
        sentences.append(f"{who[0].upper()}{who[1:]} når målet." if sentences else f"Under {months} når {who} målet.")
    return " ".join(sentences)


def _gender_sentence(row: Mapping[str, Any], subject: str, decimals: int) -> str:
    """The flagged gap between women and men, computed from the values as printed."""
    women, men = row.get("value_women"), row.get("value_men")
    if not row.get("gender_gap_flag") or women is None or men is None:
        return ""
    gap = printed_value(printed_value(women, decimals) - printed_value(men, decimals), decimals)
    if gap == 0:
        return ""
    amount = format_number(abs(gap), decimals)
    noun = "procentenhet" if amount == "1" else "procentenheter"
    higher = "kvinnor" if gap > 0 else "män"
    sentence = f"{_first_upper(subject)} är {amount} {noun} högre för {higher}"
    return f"{sentence}, en skillnad mellan kvinnor och män som bör följas upp."
