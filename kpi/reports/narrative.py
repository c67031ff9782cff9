"""The short written analysis per measure, in the reports' own style, from the evaluated numbers.

``analysis_text`` turns one scorecard row into a few Swedish sentences: the value (with women and
men), the target and whether it is met, the change against the comparison period, and the spread
between units. For example::

    Andelen är 92 % (kvinnor 92 %, män 92 %). Målet 100 % är ej uppfyllt. Jämfört med samma
    period 2021 är andelen oförändrad. Mellan enheterna skiljer det 26 procentenheter (73–99 %).

Differences are computed from the values as printed, so the text never contradicts itself
("från 91 % till 92 %, en ökning med 1 procentenhet"). Shares change in percentage points,
counts in percent (or in the count itself when it is small), amounts in their own unit. A masked
or missing value is said to be so; nothing is ever written as 0.

``analysis_for`` puts the analyst's own comment first where one exists, keeping the generated
text beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kpi.model.formatting import format_number, format_value
from kpi.model.periods import parse_period
from kpi.model.verdicts import IMPROVED, MET, NOT_ASSESSED, NOT_MET, PARTLY, UNCHANGED, WORSENED
from kpi.texts.display import short_period
from kpi.texts.legend import DEMO_TEXT


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

# The subject of the sentences, by the measure's unit: "Andelen är …", "Antalet har ökat …".
_SUBJECT = {"%": "andelen", "antal": "antalet", "mnkr": "utfallet", "kr": "utfallet", "index": "indexvärdet"}
_TREND_WORDS = {IMPROVED: "förbättrad", UNCHANGED: "oförändrad", WORSENED: "försämrad"}
_NEUTER = {"antalet", "utfallet", "indexvärdet", "värdet"}  # "oförändrat", not "oförändrad"
_ATTAINMENT_WORDS = {MET: "uppfyllt", PARTLY: "delvis uppfyllt", NOT_MET: "ej uppfyllt", NOT_ASSESSED: "inte bedömt"}
_SEX_PHRASE = {"K": "för kvinnor", "M": "för män"}


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
    row: Mapping[str, Any], comment: Mapping[str, Any] | None, *, sex: str = "T", units: UnitNoun = UNITS
) -> Analysis:
    own = str(comment["text"]).strip() if comment and comment.get("text") else None
    author = str(comment["author"]) if comment and comment.get("author") else None
    return Analysis(generated=analysis_text(row, sex=sex, units=units), own=own or None, author=author)


def analysis_text(row: Mapping[str, Any], *, sex: str = "T", units: UnitNoun = UNITS) -> str:
    """A few Swedish sentences about one scorecard row (``kpi.evaluation.scorecard.scorecard``).

    ``sex`` is the scorecard's sex ("K" or "M" puts that sex's value in the total's place);
    ``units`` names the units below the organisation for the spread sentence.
    """
    unit = row["unit"]
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    subject = _SUBJECT.get(unit, "värdet")
    sentences = [_value_sentence(row, subject, unit, decimals, sex)]
    has_value = row["value"] is not None or row.get("value_women") is not None or row.get("value_men") is not None
    if has_value:
        sentences.append(_target_sentence(row, unit, decimals, sex))
        sentences.append(_comparison_sentence(row, subject, unit, decimals))
    if sex == "T":
        sentences.append(_spread_sentence(row, unit, decimals, units))
        if has_value:
            sentences.append(_gender_sentence(row, decimals))
    if row.get("is_demo") and has_value:
        sentences.append(f"Värdena är {DEMO_TEXT.lower()} (genererade, inte publicerade).")
    return " ".join(s for s in sentences if s)


def _value_sentence(row: Mapping[str, Any], subject: str, unit: str, decimals: int, sex: str) -> str:
    Subject = subject.capitalize()
    for_sex = f" {_SEX_PHRASE[sex]}" if sex in _SEX_PHRASE else ""
    if sex in _SEX_PHRASE and not row.get("split_by_sex"):
        return "Styrmåttet är inte uppdelat på kön."
    if row.get("masked"):
        return f"Värdet{for_sex} är skyddat eftersom det bygger på för få personer."
    value, women, men = row["value"], row.get("value_women"), row.get("value_men")
    if value is None and (women is not None or men is not None):
        if women is None or men is None:
            given, label, other = (women, "kvinnor", "män") if women is not None else (men, "män", "kvinnor")
            return f"{Subject} är {format_value(given, unit, decimals)} för {label}; för {other} saknas uppgift, och någon total anges inte."
        return f"{Subject} är {format_value(women, unit, decimals)} för kvinnor och {format_value(men, unit, decimals)} för män; någon total anges inte."
    if value is None and (row.get("masked_women") or row.get("masked_men")):
        return "Värdena för kvinnor och män är skyddade eftersom de bygger på för få personer."
    if value is None:
        return f"Uppgift saknas{for_sex} för perioden."
    text = f"{Subject}{for_sex} är {format_value(value, unit, decimals)}"
    if row.get("masked_women") or row.get("masked_men"):
        return f"{text}; uppdelningen på kvinnor och män är skyddad eftersom grupperna är för små."
    if women is not None and men is not None:
        return f"{text} (kvinnor {format_value(women, unit, decimals)}, män {format_value(men, unit, decimals)})."
    return f"{text}."


def _target_sentence(row: Mapping[str, Any], unit: str, decimals: int, sex: str = "T") -> str:
    kind = row.get("target_kind") or "none"
    attainment = row["attainment"]
    word = _ATTAINMENT_WORDS[attainment]
    text = (row.get("target") or "").strip()
    lower = row.get("direction") == -1
    if kind == "none":
        return f"Styrmåttet har inget mål som bedöms (”{text}”)." if text else "Styrmåttet har inget mål."
    if kind == "level" and (row.get("target_women") is not None or row.get("target_men") is not None):
        return _per_sex_target_sentence(row, unit, decimals, lower, sex)
    if kind == "level" and row.get("target_value") is not None:
        target = format_value(row["target_value"], unit, _decimals_for(row["target_value"], decimals))
        named = f"Målet, högst {target}," if lower else f"Målet {target}"
        return f"{named} är {word}." if attainment != NOT_ASSESSED else f"{named} kan inte bedömas."
    if kind == "annual_volume" and row.get("target_value") is not None:
        yearly = format_value(row["target_value"], unit, 0)
        effective = row.get("target_effective")
        if effective is None or attainment == NOT_ASSESSED:
            return f"Årsmålet {yearly} kan inte bedömas för perioden."
        return f"Årsmålet {yearly} motsvarar {format_value(effective, unit, 0)} för perioden och är {word}."
    if kind == "relative_change" and row.get("target_effective") is not None and attainment != NOT_ASSESSED:
        effective = row["target_effective"]
        bound = "högst" if lower else "minst"
        return f"Målet ”{text}” motsvarar {bound} {format_value(effective, unit, _decimals_for(effective, decimals))} för perioden och är {word}."
    if attainment == NOT_ASSESSED:
        needs = ": värdet från samma period året innan saknas" if kind in ("direction", "relative_change") else ""
        return f"Målet ”{text}” kan inte bedömas{needs}."
    return f"Målet ”{text}” är {word}."


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
        parts.append(f"målet för {label}, {bound}{format_value(target, unit, _decimals_for(target, decimals))}, är {verdict}")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _decimals_for(value: float, decimals: int) -> int:
    """Enough decimals to print a target as it was set: 17,2 % keeps its decimal, 95 % has none."""
    if float(value).is_integer():
        return 0
    return max(decimals, 1 if abs(value) >= 1 else 2)


def _same_period_last_year(period: str, comparison: str) -> bool:
    p, q = parse_period(period), parse_period(comparison)
    return q.year == p.year - 1 and q.kind == p.kind and q.month == p.month


def _comparison_sentence(row: Mapping[str, Any], subject: str, unit: str, decimals: int) -> str:
    value, reference, period = row["value"], row.get("comparison_value"), row.get("comparison_period")
    if value is not None and reference is None and period is not None and row["trend"] in _TREND_WORDS:
        # The comparison value is masked (too few): the verdict in the table stands, the number is not given.
        when = (
            f"samma period {parse_period(period).year}" if _same_period_last_year(row["period"], period) else short_period(period)
        )
        return f"Jämförelsevärdet för {when} är skyddat (för få); utvecklingen bedöms som {_TREND_WORDS[row['trend']]}."
    if value is None or reference is None or period is None or row["trend"] not in (IMPROVED, UNCHANGED, WORSENED):
        return "Det finns inget jämförbart värde från samma period året innan."
    when = f"samma period {parse_period(period).year}" if _same_period_last_year(row["period"], period) else short_period(period)
    lead = f"Jämfört med {when} ({format_value(reference, unit, decimals)})"
    if row["trend"] == UNCHANGED:
        state = "oförändrat" if subject in _NEUTER else "oförändrad"
        if _change(value, reference, unit, decimals, must_differ=False) is None:
            return f"Jämfört med {when} är {subject} {state}."
        return f"{lead} är {subject} i stort sett {state}."
    change = _change(value, reference, unit, decimals, must_differ=True)
    verb = "ökat" if value > reference else "minskat"
    verdict = "en förbättring" if row["trend"] == IMPROVED else "en försämring"
    amount = f" med {change[1]}" if change else ""
    return f"{lead} har {subject} {verb}{amount}, {verdict}."


def _change(value: float, reference: float, unit: str, decimals: int, *, must_differ: bool) -> tuple[str, str] | None:
    """The change as (signed, unsigned) text, from the values as printed; ``None`` when the
    printed values are equal and ``must_differ`` is false. A verdict beyond the neutral band
    whose printed values agree gets one more decimal, so 'ökat med 0' is never written."""
    if unit == "%" or unit in ("mnkr", "kr") or abs(reference) < 20:
        difference, shown = _printed_difference(value, reference, decimals, must_differ)
        if difference is None:
            return None
        if unit == "%":
            amount = format_number(abs(difference), shown)
            amount = f"{amount} {'procentenhet' if amount == '1' else 'procentenheter'}"
        else:
            amount = format_value(abs(difference), unit, shown)
        return (f"{_sign(difference)}{amount}", amount)
    if reference == 0:
        return None
    relative = (value - reference) / abs(reference) * 100
    shown = 0
    while must_differ and round(relative, shown) == 0 and shown < 2:
        shown += 1
    if round(relative, shown) == 0:
        return None
    amount = f"{format_number(abs(relative), shown)}\u00a0%"
    return (f"{_sign(relative)}{amount}", amount)


def _printed_difference(value: float, reference: float, decimals: int, must_differ: bool) -> tuple[float | None, int]:
    """The difference of the two values as printed with ``decimals`` (up to two more when it
    must not read 0), and the decimals used; ``None`` when the printed values agree."""
    shown = decimals
    difference = round(value, shown) - round(reference, shown)
    while must_differ and round(difference, shown) == 0 and shown < decimals + 2:
        shown += 1
        difference = round(value, shown) - round(reference, shown)
    return (None if round(difference, shown) == 0 else difference), shown


def _sign(difference: float) -> str:
    return "+" if difference > 0 else "\u2212"


def _spread_sentence(row: Mapping[str, Any], unit: str, decimals: int, units: UnitNoun) -> str:
    n = row.get("units_with_value")
    if not n or n < 2:
        return ""
    sentences = []
    low, high = row.get("spread_min"), row.get("spread_max")
    if unit in ("%", "index") and low is not None and high is not None:
        difference = round(high, decimals) - round(low, decimals)
        if round(difference, decimals) == 0:
            sentences.append(f"Alla {n} {units.plural} har samma värde ({format_value(low, unit, decimals)}).")
        else:
            amount = format_number(difference, decimals)
            if unit == "%":
                noun = "procentenhet" if amount == "1" else "procentenheter"
                span = f"{format_number(low, decimals)}–{format_value(high, unit, decimals)}"
                sentences.append(f"Mellan {units.definite_plural} skiljer det {amount} {noun} ({span}).")
            else:
                sentences.append(
                    f"Mellan {units.definite_plural} skiljer det {amount} ({format_number(low, decimals)}–{format_number(high, decimals)})."
                )
    meeting = row.get("units_meeting_target")
    judged = row.get("target_kind") not in (None, "none")
    if meeting is not None and judged:
        if meeting == n:
            sentences.append(f"Alla {n} {units.plural} når målet." if n > 2 else f"Båda {units.definite_plural} når målet.")
        elif meeting == 0:
            sentences.append(f"Ingen av de {n} {units.definite_plural} når målet.")
        else:
            sentences.append(f"{meeting} av {n} {units.plural} når målet.")
    if row.get("spread_is_demo") and sentences:
        sentences.append(f"{units.definite_plural.capitalize()}s värden är {DEMO_TEXT.lower()} (genererade, inte publicerade).")
    return " ".join(sentences)


def _gender_sentence(row: Mapping[str, Any], decimals: int) -> str:
    """The flagged gap between women and men, computed from the values as printed."""
    women, men = row.get("value_women"), row.get("value_men")
    if not row.get("gender_gap_flag") or women is None or men is None:
        return ""
    gap = round(women, decimals) - round(men, decimals)
    if round(gap, decimals) == 0:
        return ""
    amount = format_number(abs(gap), decimals)
    noun = "procentenhet" if amount == "1" else "procentenheter"
    higher = "kvinnor" if gap > 0 else "män"
    return f"Andelen är {amount} {noun} högre för {higher}, en skillnad mellan kvinnor och män som bör följas upp."
