"""Validating an import row by row with Pydantic models, every problem at once, in Swedish.

Each sheet has a model whose fields are the template's columns (by their Swedish header, as
aliases). Field validators read Swedish input (``kpi.imports.swedish``) and check the row against
the catalogue and the unit tree, which they get through Pydantic's validation context. A field
is validated after the ones before it, so ``värde`` can be checked against the measure, period,
numerator and denominator of its own row. Every failed field becomes one ``Problem`` with sheet,
row, column, the value found and what was expected; duplicates inside the file are found after.

What a cell says (the rows keep it, so that ``kpi.imports.pipeline.compare`` can apply it to the
stored row):

* a value: the new value;
* ``..`` (or ``-``, ``–``): explicitly nothing. In ``värde`` "uppgift saknas"; in an optional
  column (täljare/nämnare, författare, an action's kommentar, and the Mål columns) it removes
  what is stored. The rows hold it as ``CLEARED`` (``".."``), never as ``None``;
* an empty cell, or a column the file leaves out: nothing said (``None``). The stored value is
  kept, or the row is refused where keeping it would contradict the rest of the row (see the
  pipeline's rules). The one exception is ``värde``, the figure the row is about: an empty value
  cell is an error (so a stored figure is never erased by mistake), and a file without the
  column must give täljare and nämnare of a share, from which the value is computed.

Every field is checked as strictly as the template promises:

* numbers are what a Swedish analyst types (``kpi.imports.swedish``: ASCII digits only, no
  exponent, inf/nan, underscore or hex); a count (täljare, nämnare, the value of a count
  measure) is a whole number that is not negative;
* a share is computable from what is given: täljare and nämnare both or neither (both numbers,
  or both ``..``), only on a share, nämnare above 0, täljare ≤ nämnare, the value within 0–100 %
  and consistent with täljare/nämnare to the decimals typed; ``..`` in värde with täljare and
  nämnare given is a contradiction;
* stored text is printable: no control characters (a line break only inside a comment, as
  Excel's Alt+Enter writes it), no invisible format characters such as the bidi overrides
  U+202A–U+202E and U+2066–U+2069 or zero-width characters, no lone surrogates, private-use or
  unassigned code points, and bounded length (``MAX_TEXT`` for comments, ``MAX_LINE`` otherwise);
* years within ``FIRST_YEAR``–``LAST_YEAR``, periods inside the unit's lifetime and followed up
  for the measure, and one row per key in the file.

What the report shows of a cell is escaped the same way: an invisible character is written
``[U+202E]``, never reproduced.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kpi.imports.raw import RawFile
from kpi.imports.swedish import parse_number, parse_period_text, parse_sex
from kpi.model.catalogue import CatalogueSet, Measure, ValueKind
from kpi.model.errors import StyrkortError
from kpi.model.formatting import format_number
from kpi.model.periods import Period

_DECIMALS = re.compile(r"[,.](\d+)\s*%?\s*$")
MAX_ABS_VALUE = 1e12  # larger figures are typing errors (or hostile), never real outcomes
FIRST_YEAR, LAST_YEAR = 2000, 2100  # years outside are typing errors
MAX_TEXT = 4000  # a comment
MAX_LINE = 500  # a source, an author, a target's text: one line
MISSING_MARK = ".."  # "uppgift saknas", typed on purpose (also "-" or "–")
Cleared = Literal[".."]
CLEARED: Final[Cleared] = ".."  # what a row holds where the file wrote .. in an optional column
_MARKS = frozenset({"..", "-", "\u2013", "\u2212"})  # .., hyphen, en dash, minus sign
ACTION_STATUSES = {
    "ej påbörjad": "ej_påbörjad",
    "ej_påbörjad": "ej_påbörjad",
    "pågår": "pågår",
    "genomförd": "genomförd",
    "okänd": "okänd",
}
_DIRECTION_WORDS = {"öka": "higher", "minska": "lower"}


@dataclass(frozen=True)
class Problem:
    """One problem in the file: where it is, what was found, what was expected (Swedish)."""

    sheet: str
    row: int
    column: str
    found: str
    expected: str

    def __str__(self) -> str:
        found = f"fann ”{self.found}”" if self.found else "tomt"
        return f"{self.sheet}, rad {self.row}, {self.column}: {found}; förväntat {self.expected}."


@dataclass(frozen=True)
class UnitInfo:
    unit_id: str
    name: str
    valid_from: date | None
    valid_to: date | None


class CheckContext:
    """What the validators look things up in: catalogue, units, actions."""

    def __init__(self, catalogues: CatalogueSet, units: pl.DataFrame) -> None:
        self.catalogues = catalogues
        self.units: dict[str, UnitInfo] = {}
        self.unit_by_name: dict[str, str] = {}
        for unit_id, name, valid_from, valid_to in units.select("unit_id", "name", "valid_from", "valid_to").iter_rows():
            self.units[unit_id] = UnitInfo(unit_id, name, valid_from, valid_to)
            self.unit_by_name[unit_id.casefold()] = unit_id
            self.unit_by_name.setdefault(name.casefold(), unit_id)
        self._measures: dict[int, dict[str, Measure]] = {}
        self.measure_by_name: dict[str, str] = {}
        for year in catalogues.years:
            for m in catalogues.for_year(year).measures():
                self.measure_by_name.setdefault(m.name.casefold(), m.id)
        self.action_ids = {a.id for y in catalogues.years for a in catalogues.for_year(y).actions}
        self.all_measures = catalogues.all_measure_ids()
        # Why a period cannot be used for a measure, or for a unit ("" when it can), remembered per
        # pair (measure or unit, year, kind, month): a file repeats the same ones many times.
        self.period_checks: dict[tuple[str | None, str | None, int, str, int | None], str] = {}
        self._measure_at: dict[tuple[str | None, str | None], Measure | None] = {}

    def measures(self, year: int) -> dict[str, Measure]:
        if year not in self._measures:
            self._measures[year] = {m.id: m for m in self.catalogues.for_year(year).measures()}
        return self._measures[year]

    def measure_at(self, measure_id: str | None, period_id: str | None) -> Measure | None:
        """The measure as the catalogue of the period's year has it (None if unknown or not valid)."""
        key = (measure_id, period_id)
        try:
            return self._measure_at[key]
        except KeyError:
            found = self._measure_at[key] = _measure_in_year(self, measure_id, _year(period_id))
            return found


def _ctx(info: ValidationInfo) -> CheckContext:
    context: CheckContext = info.context  # always one: check_file passes it (no isinstance: called per cell)
    return context


def _text(value: Any) -> str:
    if value is None:
        return ""
    return _clean(value) if isinstance(value, str) else " ".join(str(value).split())


@functools.lru_cache(maxsize=1 << 12)
def _clean(text: str) -> str:
    return " ".join(text.split())


def _required(value: Any, what: str) -> str:
    text = _text(value)
    if not text:
        raise ValueError(what)
    return text


_NOT_A_NUMBER = "ett tal, t.ex. 17,1, 43 000 eller 92 %"
_AMBIGUOUS = "ett entydigt tal: punkten kan betyda både tusental och decimaler; skriv 43 000 eller 43,0"


_TOO_LARGE = "ett tal av rimlig storlek (högst 10¹²)"


@functools.lru_cache(maxsize=1 << 16)
def _parsed_text(text: str) -> tuple[float | None, bool] | str:
    """parse_number for a cell's text, checked for size and remembered: a file repeats the same
    figures many times. A text that cannot be read gives what was expected instead."""
    try:
        return _sized(*parse_number(text))
    except StyrkortError as error:
        return _AMBIGUOUS if "tusental" in str(error) else _NOT_A_NUMBER


def _sized(number: float | None, percent: bool) -> tuple[float | None, bool] | str:
    if number is None:
        return None, percent
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        return _TOO_LARGE
    return number + 0.0, percent  # "-0" is 0, not −0


def _number(value: Any, *, allow_percent: bool = True) -> float | None:
    if type(value) is float and -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:  # a number cell: the common case (NaN fails)
        return value + 0.0  # no −0
    if type(value) is str:
        parsed = _parsed_text(value)
    else:
        try:
            parsed = _sized(*parse_number(value))
        except StyrkortError:
            parsed = _NOT_A_NUMBER
    if type(parsed) is str:
        raise ValueError(parsed)  # Pydantic turns a ValueError into the row's problem
    number, percent = parsed
    if percent and not allow_percent:
        raise ValueError("ett tal utan %-tecken")
    return number


def _measure_id(value: Any, ctx: CheckContext) -> str:
    if isinstance(value, str) and value in ctx.all_measures:
        return value  # the common case: an id picked from the list
    text = _required(value, "ett styrmått-id ur listan (bladet Listor)")
    if text in ctx.all_measures:
        return text
    by_name = ctx.measure_by_name.get(text.casefold())
    if by_name:
        return by_name
    raise ValueError("ett styrmått-id som finns i katalogen (se bladet Listor), t.ex. med_telefon_samma_dag")


def _unit_id(value: Any, ctx: CheckContext) -> str:
    if isinstance(value, str) and value in ctx.units:
        return value
    text = _required(value, "en enhet ur listan (bladet Listor)")
    found = ctx.unit_by_name.get(text.casefold())
    if found is None:
        raise ValueError("en enhet som finns i enhetsträdet (id eller namn, se bladet Listor), t.ex. hc_hortlax")
    return found


def _period(value: Any) -> Period:
    if isinstance(value, date):  # Excel turns a typed "aug 2022" into a date: that month
        value = f"{value.year}-{value.month:02d}"
    text = _required(value, "en period, t.ex. DÅ08 2022, 2022 T2 eller aug 2022")
    period = _parsed_period(text)
    if period is None:
        raise ValueError("en period, t.ex. DÅ08 2022, 2022 T2, ÅR 2022 eller aug 2022")
    if not FIRST_YEAR <= period.year <= LAST_YEAR:
        raise ValueError(f"en period mellan {FIRST_YEAR} och {LAST_YEAR}")
    return period


@functools.lru_cache(maxsize=4096)
def _parsed_period(text: str) -> Period | None:
    try:
        return parse_period_text(text.replace("–", "-"))
    except StyrkortError:
        return None


def _measure_in_year(ctx: CheckContext, measure_id: str | None, year: int | None) -> Measure | None:
    if measure_id is None or year is None:
        return None
    return ctx.measures(year).get(measure_id)


def _typed_decimals(value: Any) -> int | None:
    return _decimals_in(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=1 << 16)
def _decimals_in(text: str) -> int:
    match = _DECIMALS.search(text.strip())
    return min(len(match.group(1)), 2) if match else 0


def _period_verdict(ctx: CheckContext, measure_id: str | None, unit_id: str | None, period: Period) -> str:
    """Why the period cannot be used for the measure and unit ("" when it can); remembered per combination."""
    try:
        _period_allowed(ctx, measure_id, unit_id, period)
    except ValueError as error:
        return str(error)
    return ""


@functools.lru_cache(maxsize=4096)
def _period_of_text(text: str) -> tuple[Period, str] | str:
    """``_period`` for a cell's text, remembered (a file repeats its periods): the period and its
    id, or what was expected instead."""
    try:
        return _with_id(_period(text))
    except ValueError as error:
        return str(error)


def _with_id(period: Period) -> tuple[Period, str]:
    return period, period.id


def _remembered_verdict(ctx: CheckContext, measure_id: str | None, unit_id: str | None, period: Period) -> str:
    """``_period_verdict`` for a measure (or a unit) and a period, remembered per pair."""
    key = (measure_id, unit_id, period.year, period.kind, period.month)
    verdict = ctx.period_checks.get(key)
    if verdict is None:
        verdict = ctx.period_checks[key] = _period_verdict(ctx, measure_id, unit_id, period)
    return verdict


def _period_allowed(ctx: CheckContext, measure_id: str | None, unit_id: str | None, period: Period) -> None:
    if measure_id is not None:
        measure = _measure_in_year(ctx, measure_id, period.year)
        if measure is None:
            raise ValueError(
                f"en period då styrmåttet {measure_id} finns i katalogen (det finns inte i katalogen för {period.year})"
            )
        allowed = period.kind in measure.follow_up or (period.kind == "månad" and measure.monthly)
        if not allowed:
            kinds = "/".join(k.value for k in measure.follow_up) + (" eller månad" if measure.monthly else "")
            raise ValueError(f"en period som styrmåttet följs upp för ({kinds} enligt katalogen)")
    unit = ctx.units.get(unit_id or "")
    if unit is not None:
        start, end = date(period.year, period.end_month, 1), date(period.year, period.end_month, 28)
        if unit.valid_to is not None and start > unit.valid_to:
            raise ValueError(f"en period då enheten fanns ({unit.name} upphörde {unit.valid_to.isoformat()})")
        if unit.valid_from is not None and end < unit.valid_from:
            raise ValueError(f"en period då enheten fanns ({unit.name} startade {unit.valid_from.isoformat()})")


class _Row(BaseModel):
    """A sheet's row. Every field has a "plain" validator that reads the cell and returns the field's
    own type (str, int, float, ``CLEARED`` or None), so Pydantic does not check the result again:
    that second check cost as much as the new rules of issue 14 (bench/bench_import.py)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)


class _MeasureAtUnit(_Row):
    """The first two columns of Utfall and Kommentarer: a measure and a unit, by id or name."""

    measure_id: str = Field(alias="styrmått")
    unit_id: str = Field(alias="enhet")

    @field_validator("measure_id", mode="plain")
    @classmethod
    def _measure(cls, value: Any, info: ValidationInfo) -> str:
        return _measure_id(value, _ctx(info))

    @field_validator("unit_id", mode="plain")
    @classmethod
    def _unit(cls, value: Any, info: ValidationInfo) -> str:
        return _unit_id(value, _ctx(info))


class OutcomeRow(_MeasureAtUnit):
    """One figure. ``numerator``/``denominator`` are a number, ``CLEARED`` (the file wrote ..) or
    None (nothing given: the stored ones are kept where they agree with the value); ``value`` is
    None only where the file wrote .. (an empty cell is refused)."""

    period: str = Field(alias="period")
    sex: str = Field("T", alias="kön")
    numerator: float | Cleared | None = Field(None, alias="täljare")
    denominator: float | Cleared | None = Field(None, alias="nämnare")
    typed_decimals: int | None = Field(None, validation_alias="värde")  # as many decimals as were typed; before value
    value: float | None = Field(None, alias="värde", validate_default=True)  # checked even when the column is missing
    source: str | None = Field(None, alias="källa")

    @field_validator("typed_decimals", mode="plain")
    @classmethod
    def _decimals(cls, value: Any) -> int | None:
        return _typed_decimals(value)

    @field_validator("period", mode="plain")
    @classmethod
    def _period(cls, value: Any, info: ValidationInfo) -> str:
        found = _period_of_text(value) if type(value) is str else _with_id(_period(value))
        if type(found) is str:
            raise ValueError(found)  # the text is no period
        period, period_id = found
        ctx, data = _ctx(info), info.data
        verdict = _remembered_verdict(ctx, data.get("measure_id"), None, period)
        if not verdict:
            verdict = _remembered_verdict(ctx, None, data.get("unit_id"), period)
        if verdict:
            raise ValueError(verdict)
        return period_id

    @field_validator("sex", mode="plain")
    @classmethod
    def _sex(cls, value: Any, info: ValidationInfo) -> str:
        sex = _sex_of(None if value is None else str(value))
        if sex is None:
            raise ValueError("Kvinnor, Män eller Totalt (eller K, M, T)")
        if sex != "T":
            measure = _ctx(info).measure_at(info.data.get("measure_id"), info.data.get("period"))
            if measure is not None and not measure.split_by_sex:
                raise ValueError("Totalt: styrmåttet redovisas inte per kön")
        return sex

    @field_validator("numerator", "denominator", mode="plain")
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> float | Cleared | None:
        if value is None and (info.field_name == "numerator" or info.data.get("numerator") is None):
            return None  # the common case for counts and amounts: nothing given
        number: float | Cleared | None = _number(value, allow_percent=False)
        if number is None and _is_mark(value):
            number = CLEARED
        data = info.data
        numerator_field = info.field_name == "numerator"
        if type(number) is float:
            if numerator_field or type(data.get("numerator")) is not float:  # a denominator's measure is its numerator's
                measure = _ctx(info).measure_at(data.get("measure_id"), data.get("period"))
                if measure is not None and measure.value_kind is not ValueKind.SHARE:
                    raise ValueError(
                        f"ingen {'täljare' if numerator_field else 'nämnare'}: styrmåttet är inte en andel "
                        f"(det mäts i {measure.unit.value}); lämna kolumnen tom"
                    )
            if number < 0:
                raise ValueError("ett antal som inte är negativt")
            if number != int(number):
                raise ValueError("ett heltal (ett antal), t.ex. 12")
        if not numerator_field and "numerator" in data:  # a numerator in error is reported already
            numerator = data["numerator"]
            if not (type(numerator) is float and type(number) is float) and _state(numerator) != _state(number):
                # The cell that lacks what the other has: the empty one, else the one without a number.
                lacking = "täljare" if numerator is None or (number is not None and numerator == CLEARED) else "nämnare"
                raise PydanticCustomError(
                    "counts_pair",
                    "täljare och nämnare: båda eller ingen av dem ({detail})",
                    {"column": lacking, "detail": _pair_detail(numerator, number)},
                )
            if type(number) is float:
                if number == 0:
                    raise ValueError("en nämnare större än 0 (en andel av 0 går inte att räkna ut)")
                if type(numerator) is float and numerator > number:
                    raise ValueError(f"en nämnare som är minst lika stor som täljaren ({_show(numerator)})")
        return number

    @field_validator("value", mode="plain")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> float | None:
        number = _number(value)
        measure = _ctx(info).measure_at(info.data.get("measure_id"), info.data.get("period"))
        if measure is None:
            return number
        share = measure.value_kind is ValueKind.SHARE
        if not share and _has_percent(value):
            raise ValueError(f"ett värde i {measure.unit.value} utan %-tecken (styrmåttet är inte en andel)")
        numerator, denominator = info.data.get("numerator"), info.data.get("denominator")
        counts = type(numerator) is float and type(denominator) is float and denominator > 0
        if number is None:
            if _is_mark(value):  # "uppgift saknas", on purpose
                if counts:
                    raise ValueError(
                        f"ett värde, eller .. också i täljare och nämnare: täljare och nämnare ger {_show(numerator / denominator * 100, 1)} %"
                    )
                return None
            if share and counts:
                return numerator / denominator * 100
            raise ValueError(f"ett värde; skriv {MISSING_MARK} om uppgift saknas")  # an empty cell would erase a stored value
        if share and not 0 <= number <= 100:
            raise ValueError("en andel mellan 0 och 100 %")
        if measure.value_kind is ValueKind.COUNT:
            if number < 0:
                raise ValueError("ett antal som inte är negativt")
            if number != int(number):
                raise ValueError("ett heltal: styrmåttet är ett antal")
        if share and counts:
            decimals = info.data.get("typed_decimals")
            decimals = measure.decimals if decimals is None else decimals
            ratio = numerator / denominator * 100
            if abs(ratio - number) > 0.5 * 10.0**-decimals + 1e-9:
                raise ValueError(f"ett värde som stämmer med täljare/nämnare ({_show(ratio, 1)} %)")
        return number

    @field_validator("source", mode="plain")
    @classmethod
    def _source(cls, value: Any) -> str | None:
        text = _line_cell(value) if type(value) is str else _bounded_text(value, limit=MAX_LINE)
        if text == CLEARED:
            raise ValueError("en källa i klartext; lämna cellen tom så behålls den lagrade källan")
        return text


class TargetRow(_Row):
    """A target for one year. With a number: a level (per sex with both K and M), or a year's volume
    where the catalogue's target is one. Without: the catalogue's own text (kept as it is), "Öka"
    or "Minska" (against the same period the year before, in the measure's direction), or "inget mål".
    Targets that need more than a number (an interval, a change against a base year) are changed
    in the catalogue, not here. Each of text, value, women and men is a value, ``CLEARED`` or None
    (nothing given), as for Utfall."""

    year: int = Field(alias="år")
    measure_id: str = Field(alias="styrmått")
    value: float | Cleared | None = Field(None, alias="målvärde")
    women: float | Cleared | None = Field(None, alias="mål kvinnor")
    men: float | Cleared | None = Field(None, alias="mål män")
    text: str | None = Field(None, alias="mål (text)")  # last: judged with the numbers above

    @field_validator("year", mode="plain")
    @classmethod
    def _year(cls, value: Any) -> int:
        try:
            number = _number(value, allow_percent=False)
        except ValueError:
            number = None
        if number is None or number != int(number) or not FIRST_YEAR <= number <= LAST_YEAR:
            raise ValueError(f"ett årtal mellan {FIRST_YEAR} och {LAST_YEAR}, t.ex. 2023")
        return int(number)

    @field_validator("measure_id", mode="plain")
    @classmethod
    def _measure(cls, value: Any, info: ValidationInfo) -> str:
        measure_id = _measure_id(value, _ctx(info))
        year = info.data.get("year")
        if year is not None and _measure_in_year(_ctx(info), measure_id, year) is None:
            raise ValueError(f"ett styrmått som finns i katalogen för {year}")
        return measure_id

    @field_validator("value", "women", "men", mode="plain")
    @classmethod
    def _level(cls, value: Any, info: ValidationInfo) -> float | Cleared | None:
        if _is_mark(value):
            return CLEARED
        number = _number(value)
        measure = _measure_in_year(_ctx(info), info.data.get("measure_id"), info.data.get("year"))
        if number is None or measure is None:
            return number
        if measure.value_kind is ValueKind.SHARE and not 0 <= number <= 100:
            raise ValueError("ett mål för en andel mellan 0 och 100 %")
        if _has_percent(value) and measure.value_kind is not ValueKind.SHARE:
            raise ValueError(f"ett mål utan %-tecken (styrmåttet mäts i {measure.unit.value})")
        if info.field_name in ("women", "men") and not measure.split_by_sex:
            raise ValueError("inget mål per kön: styrmåttet redovisas inte per kön")
        if info.field_name == "women" and isinstance(info.data.get("value"), float):
            raise ValueError("antingen målvärde eller mål kvinnor och mål män, inte båda")
        kind = measure.target.kind
        if kind in ("band", "relative_change"):
            what = "ett intervall" if kind == "band" else "en förändring mot ett basår"
            raise ValueError(f"inget målvärde: målet är {what} ({measure.target.text}) och ändras i katalogen")
        return number

    @field_validator("text", mode="plain")
    @classmethod
    def _target_text(cls, value: Any, info: ValidationInfo) -> str | None:
        text = _bounded_text(value, limit=MAX_LINE)
        measure = _measure_in_year(_ctx(info), info.data.get("measure_id"), info.data.get("year"))
        has_number = isinstance(info.data.get("value"), float) or isinstance(info.data.get("women"), float)
        numbers_said = info.data.get("value") is not None or info.data.get("women") is not None  # a number or ..
        if measure is None or has_number or not text or text == CLEARED or not numbers_said:
            return text  # nothing said about the numbers: judged with the stored ones (kpi.imports.pipeline)
        problem = target_text_problem(measure, text, info.data["year"])
        if problem:
            raise ValueError(problem)
        return text

    @model_validator(mode="after")
    def _complete(self) -> TargetRow:
        if _state(self.women) != _state(self.men):
            raise ValueError("mål kvinnor och mål män: antingen båda eller inget (skriv .. i båda för att ta bort dem)")
        has_number = isinstance(self.value, float) or isinstance(self.women, float)
        if not has_number and (not self.text or self.text == CLEARED):
            raise ValueError("mål (text) eller målvärde: minst ett av dem")
        return self


def target_text_problem(measure: Measure, text: str, year: int) -> str:
    """What a target without a number must say instead of ``text`` ("" when it may say that): the
    catalogue's own text, Öka or Minska in the measure's direction, or inget mål."""
    word = _plain(text)
    if word == _plain(measure.target.text) or word == "ingetmål":
        return ""
    if word in _DIRECTION_WORDS:
        if _DIRECTION_WORDS[word] != measure.direction.value:
            better = "högre" if measure.direction.value == "higher" else "lägre"
            return f"ett mål i styrmåttets riktning ({better} är bättre)"
        return ""
    return (
        "ett målvärde (tal); utan tal: katalogens egen måltext, Öka, Minska eller inget mål"
        f" (katalogens mål för {year}: {measure.target.text or 'inget'})"
    )


def _plain(text: str) -> str:
    return "".join(text.casefold().split())


class CommentRow(_MeasureAtUnit):
    period: str = Field(alias="period")
    text: str = Field(alias="kommentar")
    author: str | None = Field(None, alias="författare")  # CLEARED removes the stored author

    @field_validator("period", mode="plain")
    @classmethod
    def _period(cls, value: Any, info: ValidationInfo) -> str:
        period = _period(value)
        verdict = _period_verdict(_ctx(info), None, info.data.get("unit_id"), period)
        if verdict:
            raise ValueError(verdict)
        return period.id

    @field_validator("text", mode="plain")
    @classmethod
    def _comment(cls, value: Any) -> str:
        text = _bounded_text(value, limit=MAX_TEXT, multiline=True)
        if text == CLEARED:
            raise ValueError("en kommentar (text); en kommentar tas inte bort genom inläsning")
        if not text:
            raise ValueError("en kommentar (text)")
        return text

    @field_validator("author", mode="plain")
    @classmethod
    def _author(cls, value: Any) -> str | None:
        return _bounded_text(value, limit=MAX_LINE)


class ActionRow(_Row):
    action_id: str = Field(alias="åtgärd")
    period: str = Field(alias="period")
    status: str = Field(alias="status")
    comment: str | None = Field(None, alias="kommentar")  # CLEARED removes the stored comment

    @field_validator("action_id", mode="plain")
    @classmethod
    def _action(cls, value: Any, info: ValidationInfo) -> str:
        text = _required(value, "en åtgärd ur listan (bladet Listor)")
        if text not in _ctx(info).action_ids:
            raise ValueError("en åtgärd som finns i katalogen (se bladet Listor), t.ex. med-01")
        return text

    @field_validator("period", mode="plain")
    @classmethod
    def _period(cls, value: Any) -> str:
        return _period(value).id

    @field_validator("status", mode="plain")
    @classmethod
    def _status(cls, value: Any) -> str:
        status = ACTION_STATUSES.get(_text(value).casefold())
        if status is None:
            raise ValueError("ej påbörjad, pågår eller genomförd")
        return status

    @field_validator("comment", mode="plain")
    @classmethod
    def _comment(cls, value: Any) -> str | None:
        return _bounded_text(value, limit=MAX_TEXT, multiline=True)


def _has_percent(value: Any) -> bool:
    return isinstance(value, str) and value.strip().endswith("%")


def _year(period_id: str | None) -> int | None:
    return int(period_id[:4]) if period_id else None


@functools.lru_cache(maxsize=256)
def _sex_of(text: str | None) -> str | None:
    """parse_sex, remembered; None when the text is no sex."""
    try:
        return parse_sex(text)
    except StyrkortError:
        return None


def _is_mark(value: Any) -> bool:
    """Whether a cell says "explicitly nothing" (.., -, –, −)."""
    return isinstance(value, str) and value.strip() in _MARKS


def _state(value: float | Cleared | None) -> str:
    """'tal', '..' or '' (nothing given): täljare and nämnare, mål kvinnor and mål män come in pairs."""
    return "" if value is None else MISSING_MARK if value == CLEARED else "tal"


def _pair_detail(numerator: float | Cleared | None, denominator: float | Cleared | None) -> str:
    said = {"": "tom", MISSING_MARK: "..", "tal": "ett tal"}
    return f"täljaren är {said[_state(numerator)]}, nämnaren {said[_state(denominator)]}"


def _bounded_text(value: Any, *, limit: int, multiline: bool = False) -> str | None:
    """A text cell as stored: None when empty, ``CLEARED`` for .., else the text if it is printable
    and at most ``limit`` characters long (a ValueError says why not)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _line_cell(value) if limit == MAX_LINE and not multiline else _text_cell(value, limit, multiline)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("text")
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return _text_cell(str(value), limit, multiline)


@functools.lru_cache(maxsize=1024)
def _line_cell(value: str) -> str | None:
    """_bounded_text of a one-line text, remembered: sources and authors repeat down a file."""
    return _text_cell(value, MAX_LINE, False)


def _text_cell(value: str, limit: int, multiline: bool) -> str | None:
    text = value.strip()
    if not text:
        return None
    if text in _MARKS:
        return CLEARED
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac line ends
    if len(text) > limit:
        raise ValueError(f"en text på högst {limit} tecken (fann {len(text)})")
    why = _unprintable(text, multiline)
    if why:
        raise ValueError(why)
    return text


_INVISIBLE = {
    "Cc": "ett styrtecken",
    "Cf": "ett osynligt formateringstecken (t.ex. riktningsbyte eller nollbredd)",
    "Cs": "ett ogiltigt tecken (ett ensamt surrogat)",
    "Co": "ett tecken för privat bruk",
    "Cn": "ett tecken som inte finns i Unicode",
    "Zl": "en radavgränsare",
    "Zp": "en styckeavgränsare",
}


def _unprintable(text: str, multiline: bool) -> str:
    """Why the text cannot be stored ("" when it can): its first character that is not printable.
    Spaces of every kind are fine (a no-break space in "43 000"); a line break only in a comment."""
    if text.isprintable():
        return ""
    for position, char in enumerate(text, start=1):
        if char.isprintable() or (char == "\n" and multiline):
            continue
        category = unicodedata.category(char)
        if category == "Zs":
            continue
        what = "en radbrytning" if char == "\n" else _INVISIBLE.get(category, "ett tecken som inte kan skrivas ut")
        where = "en text på en rad" if char == "\n" else "en text med bara synliga tecken"
        return f"{where}: {what}, U+{ord(char):04X}, på plats {position}"
    return ""


def _escaped(text: str) -> str:
    """A text for the report: every character that is not visible written as [U+XXXX]."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or unicodedata.category(c) == "Zs" else f"[U+{ord(c):04X}]" for c in text
    )


def _show(number: float, decimals: int = 0) -> str:
    return format_number(number, decimals)  # 43 000, 17,1, −31


# --- running the models over a file ------------------------------------------------------------

MODELS: dict[str, type[_Row]] = {"Utfall": OutcomeRow, "Mål": TargetRow, "Kommentarer": CommentRow, "Åtgärder": ActionRow}
KEYS: dict[str, tuple[str, ...]] = {
    "Utfall": ("measure_id", "unit_id", "period", "sex"),
    "Mål": ("year", "measure_id"),
    "Kommentarer": ("measure_id", "unit_id", "period"),
    "Åtgärder": ("action_id", "period"),
}
_KEY_WORDS = {
    "Utfall": "styrmått, enhet, period och kön",
    "Mål": "år och styrmått",
    "Kommentarer": "styrmått, enhet och period",
    "Åtgärder": "åtgärd och period",
}
_ADAPTERS = {name: TypeAdapter(list[model]) for name, model in MODELS.items()}
_FIELD_COLUMNS = {name: {f: info.alias or f for f, info in model.model_fields.items()} for name, model in MODELS.items()}
_MISSING_TEXT = {
    "missing": "ett värde (kolumnen är obligatorisk)",
    "int_parsing": "ett heltal",
    "float_parsing": "ett tal",
    "string_type": "text",
}


@dataclass
class CheckedFile:
    """The rows that passed, per sheet, and every problem found."""

    rows: dict[str, list[tuple[int, _Row]]]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_file(raw: RawFile, context: CheckContext) -> CheckedFile:
    """Every row of every sheet through its model; duplicates inside the file; problems in file order."""
    problems = [Problem(c.sheet, c.row, c.column, _escaped(c.found), c.expected) for c in raw.problems]
    rows: dict[str, list[tuple[int, _Row]]] = {}
    for sheet_name, sheet in raw.sheets.items():
        label = sheet.problems[0].sheet if sheet.problems else sheet_label(raw, sheet_name)
        problems += [Problem(c.sheet, c.row, c.column, _escaped(c.found), c.expected) for c in sheet.problems]
        todo = [(n, record) for n, record in sheet.rows if n not in sheet.formula_rows]  # formulas are reported already
        try:
            # The whole sheet in one call: the fast path for a file without errors.
            validated = _ADAPTERS[sheet_name].validate_python([record for _, record in todo], context=context)
            checked = [(n, row) for (n, _), row in zip(todo, validated, strict=True)]
        except ValidationError:
            checked = []
            for row_number, record in todo:  # again row by row, to say where each problem is
                try:
                    checked.append((row_number, MODELS[sheet_name].model_validate(record, context=context)))
                except ValidationError as error:
                    problems += _problems(error, label, row_number, record, _FIELD_COLUMNS[sheet_name])
        good: list[tuple[int, _Row]] = []
        first_seen: dict[tuple[object, ...], int] = {}
        key_of = operator.attrgetter(*KEYS[sheet_name])
        for row_number, row in checked:
            key = key_of(row)
            if key in first_seen:
                problems.append(
                    Problem(
                        label,
                        row_number,
                        "raden",
                        ", ".join(str(k) for k in key),
                        f"en rad per {_KEY_WORDS[sheet_name]} (samma finns redan på rad {first_seen[key]})",
                    )
                )
                continue
            first_seen[key] = row_number
            good.append((row_number, row))
        rows[sheet_name] = good
    order = list(MODELS)
    problems.sort(key=lambda p: (order.index(p.sheet) if p.sheet in order else -1, p.row))
    return CheckedFile(rows, problems)


def _problems(
    error: ValidationError, sheet: str, row_number: int, record: dict[str, Any], columns: dict[str, str]
) -> list[Problem]:
    out = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else ""
        column = str((item.get("ctx") or {}).get("column") or columns.get(field, field) or "raden")  # a pair names the cell missing
        found = record.get(column) if item["loc"] else None
        expected = _MISSING_TEXT.get(item["type"], str(item["msg"]).removeprefix("Value error, "))
        if item["loc"] and column not in record and column in _ALL_COLUMNS:
            expected += f" (kolumnen {column} finns inte i filen)"
        out.append(Problem(sheet, row_number, column, _found(found), expected))
    return out


_ALL_COLUMNS = frozenset(c for columns in _FIELD_COLUMNS.values() for c in columns.values())


def sheet_label(raw: RawFile, sheet_name: str) -> str:
    """What messages call a sheet: the file's name for a CSV or Kolada file, else the sheet's."""
    return raw.name.rsplit("/", 1)[-1] if raw.kind in ("csv", "kolada") else sheet_name


def _found(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"  # as Swedish Excel shows it
    if isinstance(value, (dict, list)):
        return "(en lista eller ett objekt)"
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e15:
            return "för stort tal" if abs(value) == math.inf else f"{value:.3g}".replace(".", ",")
        text = _show(value, 2)  # as few decimals as the value needs: 43 000, 17,1, 17,25
        return text[:-3] if text.endswith(",00") else text.removesuffix("0")
    return _escaped(str(value)[:80])
