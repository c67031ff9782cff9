"""Report periods: canonical ids, parsing, and the calendar tables the evaluation joins on.

Canonical ids: ``2022-DÅ04`` (January–April), ``2022-DÅ08`` (January–August), ``2022-ÅR`` and
months ``2022-04``. ``2022-T1``/``2022-T2`` are aliases of DÅ04/DÅ08.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import polars as pl

from kpi.model.errors import PeriodError

PeriodKind = Literal["DÅ04", "DÅ08", "ÅR", "månad"]
REPORT_KINDS: tuple[str, ...] = ("DÅ04", "DÅ08", "ÅR")
_END_MONTH = {"DÅ04": 4, "DÅ08": 8, "ÅR": 12}
# The months a per-period value covers: the tertial of its own report; ÅR covers the year.
_PER_PERIOD_START = {"DÅ04": 1, "DÅ08": 5, "ÅR": 1}
MONTH_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

_PATTERN = re.compile(r"^\s*(\d{4})\s*-\s*(DÅ\s*0?4|DÅ\s*0?8|DA\s*0?4|DA\s*0?8|T1|T2|ÅR|AR|\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    year: int
    kind: PeriodKind
    month: int | None = None  # only for kind "månad"

    @property
    def id(self) -> str:
        if self.kind == "månad":
            return f"{self.year}-{self.month:02d}"
        return f"{self.year}-{self.kind}"

    @property
    def end_month(self) -> int:
        return self.month if self.month is not None else _END_MONTH[self.kind]

    @property
    def label(self) -> str:
        """Swedish label for people: 'DÅ08 2022 (jan–aug)', 'april 2022', 'helår 2022'."""
        if self.kind == "månad":
            return f"{FULL_MONTH_NAMES[self.end_month - 1]} {self.year}"
        if self.kind == "ÅR":
            return f"helår {self.year}"
        return f"{self.kind} {self.year} (jan–{MONTH_NAMES[self.end_month - 1]})"

    def same_period_previous_year(self) -> Period:
        return Period(self.year - 1, self.kind, self.month)

    def previous_of_same_kind(self) -> Period:
        """The period before this one in its own sequence: DÅ08 → DÅ04, DÅ04 → ÅR the year before."""
        if self.kind == "månad":
            assert self.month is not None
            return Period(self.year, "månad", self.month - 1) if self.month > 1 else Period(self.year - 1, "månad", 12)
        index = REPORT_KINDS.index(self.kind)
        if index == 0:
            return Period(self.year - 1, "ÅR")
        return Period(self.year, REPORT_KINDS[index - 1])  # type: ignore[arg-type]


FULL_MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip


def parse_period(text: str) -> Period:
    """Read a period id; raise PeriodError with a Swedish message if it cannot be read."""
    match = _PATTERN.match(str(text))
    if not match:
        raise PeriodError(
            f"Perioden '{text}' går inte att läsa. Skriv t.ex. 2022-DÅ04, 2022-DÅ08, 2022-ÅR, "
            "2022-T2 eller en månad som 2022-04."
        )
    year = int(match.group(1))
    token = match.group(2).upper().replace(" ", "").replace("DA", "DÅ").replace("AR", "ÅR")
    if token.isdigit():
        month = int(token)
        if not 1 <= month <= 12:
            raise PeriodError(f"Perioden '{text}' har månad {month}; en månad är 01–12.")
        return Period(year, "månad", month)
    kind = {"T1": "DÅ04", "T2": "DÅ08", "DÅ4": "DÅ04", "DÅ8": "DÅ08"}.get(token, token)
    return Period(year, kind)  # type: ignore[arg-type]


def canonical(text: str) -> str:
    return parse_period(text).id


def period_sort_key(period_id: str) -> tuple[int, int, int]:
    """Order within a year: months first by month, then DÅ04, DÅ08, ÅR at their end month."""
    p = parse_period(period_id)
    return (p.year, p.end_month, 0 if p.kind == "månad" else 1)


def periods_for_years(years: range | list[int]) -> list[Period]:
    out: list[Period] = []
    for year in years:
        for month in range(1, 13):
            out.append(Period(year, "månad", month))
            if month in (4, 8, 12):
                out.append(Period(year, {4: "DÅ04", 8: "DÅ08", 12: "ÅR"}[month]))  # type: ignore[arg-type]
    return out


def period_table(years: range | list[int]) -> pl.DataFrame:
    """One row per period with what the evaluation joins on."""
    periods = periods_for_years(years)
    return pl.DataFrame(
        {
            "period": [p.id for p in periods],
            "year": [p.year for p in periods],
            "period_kind": [p.kind for p in periods],
            "end_month": [p.end_month for p in periods],
            "sort_key": [p.year * 100 + p.end_month * 2 + (0 if p.kind == "månad" else 1) for p in periods],
            "period_label": [p.label for p in periods],
            "same_period_previous_year": [p.same_period_previous_year().id for p in periods],
            "previous_of_same_kind": [p.previous_of_same_kind().id for p in periods],
        },
        schema_overrides={"year": pl.Int32, "end_month": pl.Int8, "sort_key": pl.Int32},
    )


def month_windows(years: range | list[int]) -> pl.DataFrame:
    """Which months make up each period, per accumulation.

    Columns: ``accumulation``, ``month_period`` (``2022-05``), ``period`` (``2022-DÅ08``) and
    ``end_month`` of the period. A month is also its own period, so monthly values roll up through
    the same join.
    """
    rows: dict[str, list[object]] = {"accumulation": [], "month_period": [], "period": [], "period_end_month": []}

    def add(acc: str, month_id: str, period_id: str, end: int) -> None:
        rows["accumulation"].append(acc)
        rows["month_period"].append(month_id)
        rows["period"].append(period_id)
        rows["period_end_month"].append(end)

    for year in years:
        for month in range(1, 13):
            month_id = f"{year}-{month:02d}"
            for acc in ("accumulated", "per_period"):
                add(acc, month_id, month_id, month)
                for kind in REPORT_KINDS:
                    end = _END_MONTH[kind]
                    start = 1 if acc == "accumulated" else _PER_PERIOD_START[kind]
                    if start <= month <= end:
                        add(acc, month_id, f"{year}-{kind}", end)
    return pl.DataFrame(rows, schema={"accumulation": pl.String, "month_period": pl.String, "period": pl.String, "period_end_month": pl.Int8})


def months_covered(period_id: str, accumulation: str) -> int:
    """How many months a value for the period covers; used for pro-rata annual targets."""
    p = parse_period(period_id)
    if p.kind == "månad":
        return 1  # a month's value is always the month's own
    if accumulation == "accumulated" or p.kind == "ÅR":
        return p.end_month
    return 4
