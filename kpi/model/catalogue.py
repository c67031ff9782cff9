"""The scorecard catalogue: perspectives, goals, success factors, styrmått and their targets.

The catalogue is data, declared in one YAML file per year under ``data/catalogue/``. It is read
into strict, frozen Pydantic models, so a typo fails at start-up with a Swedish message that
names the measure and the field, never at render time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kpi.model.errors import CatalogueError

PERSPECTIVES: tuple[str, ...] = ("Samhälle", "Medborgare", "Verksamhet", "Medarbetare", "Ekonomi")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeasureUnit(StrEnum):
    PERCENT = "%"
    COUNT = "antal"
    MNKR = "mnkr"
    KR = "kr"
    INDEX = "index"


class ValueKind(StrEnum):
    SHARE = "share"  # numerator / denominator, shown in percent
    COUNT = "count"
    AMOUNT = "amount"
    INDEX = "index"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Accumulation(StrEnum):
    ACCUMULATED = "accumulated"  # January up to the end of the report period
    PER_PERIOD = "per_period"  # the report period's own months (tertial 2 = May–August)


class ReportKind(StrEnum):
    DA04 = "DÅ04"
    DA08 = "DÅ08"
    AR = "ÅR"


class UnitType(StrEnum):
    REGION = "region"
    DIVISION = "division"
    AREA = "verksamhetsområde"
    HEALTH_CENTRE = "hälsocentral"
    DENTAL_CLINIC = "tandvårdsklinik"


REPORTING_UNIT_TYPES: frozenset[UnitType] = frozenset({UnitType.HEALTH_CENTRE, UnitType.DENTAL_CLINIC})


# --- targets -------------------------------------------------------------------------------


class LevelTarget(Strict):
    """A level to reach (or stay under, for lower-is-better), optionally one per sex."""

    kind: Literal["level"]
    text: str
    value: float | None = None
    women: float | None = None
    men: float | None = None

    @model_validator(mode="after")
    def _one_level(self) -> LevelTarget:
        per_sex = self.women is not None or self.men is not None
        if per_sex and (self.women is None or self.men is None):
            raise ValueError("målnivå per kön kräver både 'women' och 'men'")
        if not per_sex and self.value is None:
            raise ValueError("målnivå saknar 'value' (eller 'women' och 'men')")
        return self


class AnnualVolumeTarget(Strict):
    """A volume for the whole year; an accumulated value is compared pro rata to months covered."""

    kind: Literal["annual_volume"]
    text: str
    value: float


class DirectionTarget(Strict):
    """'Öka', 'Minska', 'Minska jämfört med 2021', 'Förbättrat värde från senaste mätning'."""

    kind: Literal["direction"]
    text: str
    reference: Literal["same_period_previous_year", "year", "previous_measurement"]
    reference_year: int | None = None

    @model_validator(mode="after")
    def _year_given(self) -> DirectionTarget:
        if (self.reference == "year") != (self.reference_year is not None):
            raise ValueError("'reference_year' ska anges precis när reference är 'year'")
        return self


class RelativeChangeTarget(Strict):
    """'Minska med 50 % jämfört med 2020': the target level is the base year's value changed by a share."""

    kind: Literal["relative_change"]
    text: str
    change_percent: float
    base_year: int
    base_report: ReportKind = ReportKind.AR


class BandTarget(Strict):
    """'+/-0 mnkr': the value must lie inside [lower, upper]; an open end is None."""

    kind: Literal["band"]
    text: str
    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> BandTarget:
        if self.lower is None and self.upper is None:
            raise ValueError("ett intervallmål behöver 'lower' eller 'upper'")
        return self


class NoTarget(Strict):
    """No target: 'Efter behov', an empty cell, 'Följs upp fr om 2023', 'Inte relevant mått'."""

    kind: Literal["none"]
    text: str = ""


Target = Annotated[
    LevelTarget | AnnualVolumeTarget | DirectionTarget | RelativeChangeTarget | BandTarget | NoTarget,
    Field(discriminator="kind"),
]


class Baseline(Strict):
    """Ingångsvärde as printed, plus the parts of it that are unambiguous."""

    text: str
    year: int | None = None
    value: float | None = None
    women: float | None = None
    men: float | None = None


# --- the tree ------------------------------------------------------------------------------


# --- what a text calls a measure -------------------------------------------------------------

SUBJECT_MAX_LENGTH = 60
_DETERMINERS = {"den": False, "det": True}  # "den totala kostnaden", "det ekonomiska resultatet": neuter?


def check_subject(subject: str) -> str:
    """A measure's ``subject`` as the analysis text names it ("Sjukfrånvaron är 7,6 procent"):
    a short singular noun phrase in definite form, in lower case (it is put inside sentences).

    The head noun is the first word, or a determiner ("den"/"det") leads the phrase; a definite
    singular noun ends in -n (common gender: "andelen", "sjukfrånvaron") or -t (neuter:
    "antalet", "kontinuitetsindexet"). "Kontinuitetsindex", "andel" or a plural in -na fail; an
    indefinite noun that happens to end so ("lön") or a neuter plural ("talen") is the editor's to catch.
    """
    if not subject.strip():
        raise ValueError("subject får inte vara tomt")
    if subject != subject.strip() or "  " in subject:
        raise ValueError("subject får inte ha mellanslag först, sist eller två i rad")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValueError(f"subject får vara högst {SUBJECT_MAX_LENGTH} tecken (texten läses i en mening)")
    if not subject[0].islower():
        raise ValueError("subject ska börja med liten bokstav (det står inne i meningar)")
    if subject[-1] in ".,;:":
        raise ValueError("subject ska inte sluta med skiljetecken")
    head = subject.split(" ")[0]
    if head not in _DETERMINERS and not head.endswith(("n", "t")):
        raise ValueError(
            f"subject ska vara en bestämd form i singular ('andelen …', 'antalet …', 'sjukfrånvaron'); "
            f"'{head}' slutar inte på -n eller -t"
        )
    return subject


def subject_is_neuter(subject: str) -> bool:
    """Whether the subject's head noun is neuter, so an adjective after it takes -t: "antalet är
    oförändrat", "kontinuitetsindexet är oförändrat", but "andelen är oförändrad". Read from the
    definite ending of the head noun (``check_subject``), or from a leading "den"/"det"."""
    head = subject.split(" ")[0]
    if head in _DETERMINERS:
        return _DETERMINERS[head]
    return head.endswith("t")


class Measure(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=3)
    # What the analysis text calls the measure: "sjukfrånvaron", "andelen digitala vårdbesök".
    # None: named by its unit ("andelen", "antalet", "utfallet", "indexvärdet").
    subject: str | None = None
    report_row: str | None = None  # when one printed row is split into several measures
    unit: MeasureUnit
    value_kind: ValueKind
    direction: Direction
    accumulation: Accumulation
    follow_up: tuple[ReportKind, ...] = Field(min_length=1)
    monthly: bool = False
    split_by_sex: bool
    reported_by: tuple[UnitType, ...] = Field(min_length=1)
    target: Target
    baseline: Baseline | None = None
    neutral_band: float | None = None  # None: the settings' default for the value kind
    partial_band: float | None = None  # None: the settings' default (relative, 0.05)
    decimals: int = Field(default=0, ge=0, le=2)
    source: str = Field(min_length=3)
    note: str | None = None

    @field_validator("subject")
    @classmethod
    def _subject(cls, subject: str | None) -> str | None:
        return None if subject is None else check_subject(subject)

    @model_validator(mode="after")
    def _consistent(self) -> Measure:
        if self.value_kind is ValueKind.SHARE and self.unit is not MeasureUnit.PERCENT:
            raise ValueError("en andel ska ha enheten '%'")
        if isinstance(self.target, LevelTarget) and self.target.women is not None and not self.split_by_sex:
            raise ValueError("mål per kön kräver split_by_sex: true")
        if isinstance(self.target, AnnualVolumeTarget) and self.accumulation is not Accumulation.ACCUMULATED:
            raise ValueError("ett helårsmål jämförs pro rata och kräver accumulation: accumulated")
        return self

    @property
    def row_id(self) -> str:
        return self.report_row or self.id


class SuccessFactor(Strict):
    name: str
    measures: tuple[Measure, ...]


class Perspective(Strict):
    name: Literal["Samhälle", "Medborgare", "Verksamhet", "Medarbetare", "Ekonomi"]
    strategic_goal: str
    description: str = ""
    success_factors: tuple[SuccessFactor, ...]


class ActionFollowUp(Strict):
    period: str
    status: Literal["ej_påbörjad", "pågår", "genomförd", "okänd"]
    comment: str = ""


class Action(Strict):
    id: str
    perspective: Literal["Samhälle", "Medborgare", "Verksamhet", "Medarbetare", "Ekonomi"]
    nr: str | None = None
    goal: str
    action: str
    measures: tuple[str, ...] = ()
    followup: tuple[ActionFollowUp, ...] = ()
    source: str


class Catalogue(Strict):
    year: int
    organisation: str
    source: str
    perspectives: tuple[Perspective, ...]
    actions: tuple[Action, ...] = ()

    @model_validator(mode="after")
    def _integrity(self) -> Catalogue:
        names = [p.name for p in self.perspectives]
        if sorted(names, key=PERSPECTIVES.index) != names or len(set(names)) != len(names):
            raise ValueError(f"perspektiven ska stå i ordningen {', '.join(PERSPECTIVES)}")
        ids = [m.id for m in self.measures()]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"styrmått-id förekommer flera gånger: {', '.join(duplicates)}")
        known = set(ids)
        for action in self.actions:
            unknown = [m for m in action.measures if m not in known]
            if unknown:
                raise ValueError(f"åtgärd {action.id} pekar på okända styrmått: {', '.join(unknown)}")
        return self

    def measures(self) -> Iterator[Measure]:
        for perspective in self.perspectives:
            for factor in perspective.success_factors:
                yield from factor.measures

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures():
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def rows(self) -> Iterator[tuple[Perspective, SuccessFactor, Measure]]:
        """Every measure with its place in the tree, in the report's order."""
        for perspective in self.perspectives:
            for factor in perspective.success_factors:
                for m in factor.measures:
                    yield perspective, factor, m


class CatalogueSet:
    """All catalogue versions; a year uses the newest version not newer than itself.

    Years before the first version use the first version: the reports compare with earlier
    years using the definitions of the report itself.
    """

    def __init__(self, catalogues: dict[int, Catalogue], overrides: dict[int, Catalogue] | None = None) -> None:
        if not catalogues:
            raise CatalogueError("Ingen katalog hittades.")
        self._by_year = dict(sorted(catalogues.items()))
        self._overrides = overrides or {}  # one year's catalogue with imported targets

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self._by_year)

    def for_year(self, year: int) -> Catalogue:
        if year in self._overrides:
            return self._overrides[year]
        chosen = next(iter(self._by_year.values()))
        for version_year, catalogue in self._by_year.items():
            if version_year <= year:
                chosen = catalogue
        return chosen

    def all_measure_ids(self) -> set[str]:
        return {m.id for c in self._by_year.values() for m in c.measures()}

    def with_targets(self, rows: Iterable[dict[str, Any]]) -> CatalogueSet:
        """The catalogues with imported targets (rows of the store's ``targets`` table) for their year only."""
        by_year: dict[int, dict[str, dict[str, Any]]] = {}
        for row in rows:
            by_year.setdefault(int(row["year"]), {})[str(row["measure_id"])] = row
        if not by_year:
            return self
        overrides = dict(self._overrides)
        for year, targets in by_year.items():
            overrides[year] = _with_targets(self.for_year(year), year, targets)
        return CatalogueSet(self._by_year, overrides)


def imported_target(measure: Measure, row: dict[str, Any]) -> Target:
    """An imported target row (checked by ``kpi.imports.check.TargetRow``) as a target.

    A number is a level (per sex when women and men are given), or a year's volume where the
    catalogue's target is one; without a number, the catalogue's own text keeps its target,
    "Öka"/"Minska" is a direction against the same period the year before, "inget mål" none.
    """
    text = (row.get("text") or "").strip()
    value, women, men = row.get("value"), row.get("women"), row.get("men")
    plain = "".join(text.casefold().split())
    if value is None and women is None:
        if plain == "".join(measure.target.text.casefold().split()):
            return measure.target
        if plain in ("öka", "minska"):
            return DirectionTarget(kind="direction", text=text, reference="same_period_previous_year")
        return NoTarget(kind="none", text="" if plain == "ingetmål" else text)
    if not text:
        from kpi.model.formatting import format_value

        def shown(number: float) -> str:
            decimals = next(d for d in (0, 1, 2) if round(number, d) == number or d == 2)
            return format_value(number, measure.unit.value, decimals)

        text = shown(value) if women is None else f"K {shown(women)}, M {shown(men)}"
    if isinstance(measure.target, AnnualVolumeTarget) and value is not None:
        return AnnualVolumeTarget(kind="annual_volume", text=text, value=value)
    return LevelTarget(kind="level", text=text, value=value if women is None else None, women=women, men=men)


def _with_targets(base: Catalogue, year: int, targets: dict[str, dict[str, Any]]) -> Catalogue:
    raw = base.model_dump()
    for perspective in raw["perspectives"]:
        for factor in perspective["success_factors"]:
            for measure in factor["measures"]:
                if measure["id"] in targets:
                    measure["target"] = imported_target(base.measure(measure["id"]), targets[measure["id"]]).model_dump()
    raw["year"] = year
    return Catalogue.model_validate(raw)


# --- loading -------------------------------------------------------------------------------

_SWEDISH_ERRORS: dict[str, str] = {
    "missing": "saknas",
    "extra_forbidden": "är inte ett känt fält (stavfel?)",
    "enum": "har ett otillåtet värde",
    "literal_error": "har ett otillåtet värde",
    "float_parsing": "måste vara ett tal",
    "float_type": "måste vara ett tal",
    "int_parsing": "måste vara ett heltal",
    "int_type": "måste vara ett heltal",
    "bool_parsing": "måste vara true eller false",
    "bool_type": "måste vara true eller false",
    "string_type": "måste vara text",
    "string_pattern_mismatch": "får bara innehålla små bokstäver a–z, siffror och understreck",
    "string_too_short": "är för kort",
    "too_short": "får inte vara tom",
    "union_tag_invalid": "har en okänd målsort (kind)",
    "union_tag_not_found": "saknar målsort (kind)",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "tuple_type": "måste vara en lista",
}


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Walk the raw YAML along a Pydantic error location; return (where, field path)."""
    where = "katalogen"
    node = raw
    field_start = 0
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            if "id" in node and ("name" in node or "goal" in node):
                label = "styrmått" if "name" in node else "åtgärd"
                where = f"{label} '{node['id']}'"
                field_start = i + 1
            elif "strategic_goal" in node and where == "katalogen":
                where = f"perspektivet '{node.get('name', '?')}'"
                field_start = i + 1
    field = ".".join(str(p) for p in loc[field_start:] if not isinstance(p, int)) or "(hela posten)"
    return where, field


def _swedish_validation_message(path: Path, raw: Any, error: ValidationError) -> str:
    lines = [f"Katalogen {path.name} innehåller fel:"]
    for item in error.errors():
        where, field = _describe_location(raw, tuple(item["loc"]))
        what = _SWEDISH_ERRORS.get(item["type"])
        if item["type"] == "value_error":
            what = str(item["msg"]).removeprefix("Value error, ")
        elif what is None:
            what = item["msg"]
        found = item.get("input")
        shown = "" if item["type"] == "missing" or isinstance(found, dict | list) else f" (fann {found!r})"
        allowed = item.get("ctx", {}).get("expected")
        hint = f"; tillåtet: {allowed}" if allowed else ""
        lines.append(f"- {where}, fält '{field}': {what}{shown}{hint}")
    return "\n".join(lines)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there; both are safe


def load_catalogue(path: Path) -> Catalogue:
    """Read one year's catalogue (and the actions file beside it, if any)."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise CatalogueError(f"Katalogfilen {path} finns inte.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" på rad {mark.line + 1}" if mark is not None else ""
        raise CatalogueError(f"Katalogen {path.name} går inte att läsa{where}: felaktig YAML.") from exc
    if not isinstance(raw, dict):
        raise CatalogueError(f"Katalogen {path.name} ska vara en YAML-mappning med year, perspectives …")
    actions_path = path.with_name(f"actions_{raw.get('year')}.yaml")
    if actions_path.exists() and "actions" not in raw:
        actions_raw = yaml.load(actions_path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        raw = {**raw, "actions": actions_raw.get("actions", [])}
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(_swedish_validation_message(path, raw, exc)) from None


def load_catalogues(directory: Path) -> CatalogueSet:
    """Every ``YYYY.yaml`` in the directory."""
    files = sorted(p for p in directory.glob("*.yaml") if p.stem.isdigit())
    return CatalogueSet({int(p.stem): load_catalogue(p) for p in files})
