"""What one view shows, as a typed value, and reading it from a shared link.

A page, an export or a command shows one organisation unit, one period and one sex. That choice
is read once, at the edge (the link, the sidebar, the command line), into a ``View``; everything
below takes the ``View`` (or its ``Period``) and never parses the text again.

A link's filters: ``?ar=2022&period=DÅ08&org=hc_hortlax&kon=kvinnor``. People paste links, edit
them by hand and write periods the way they speak, so each parameter accepts the usual
spellings; anything else is reported in Swedish and left at its default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kpi.model.periods import Period, parse_period

Sex = Literal["T", "K", "M"]
# The sex choice as people write it (link, sidebar, command line) → the stored code.
SEX_CODES: dict[str, Sex] = {"alla": "T", "kvinnor": "K", "män": "M"}


@dataclass(frozen=True, slots=True)
class View:
    """One organisation unit, one period, one sex: what a page, an export or a command shows."""

    unit_id: str
    period: Period
    sex: Sex = "T"

    @classmethod
    def parse(cls, unit_id: str, period: str, sex: Sex = "T") -> View:
        """The view for a period written as text (``2022-DÅ08``, ``2022-T2``); raises PeriodError."""
        return cls(unit_id, parse_period(period), sex)

REPORTS: tuple[str, ...] = ("DÅ04", "DÅ08", "ÅR") + tuple(f"{m:02d}" for m in range(1, 13))
SEX_CHOICES: tuple[str, ...] = ("alla", "kvinnor", "män")
_REPORT_ALIASES = {"T1": "DÅ04", "T2": "DÅ08", "DA04": "DÅ04", "DA08": "DÅ08", "DÅ4": "DÅ04", "DÅ8": "DÅ08", "AR": "ÅR", "HELÅR": "ÅR"}
_SEX_ALIASES = {"k": "kvinnor", "m": "män", "t": "alla", "man": "män", "totalt": "alla"}


@dataclass
class LinkChoice:
    year: int | None = None
    report: str | None = None
    unit_id: str | None = None
    sex: str | None = None
    problems: list[str] = field(default_factory=list)


def read_link(params: Mapping[str, str], years: list[int], unit_names: Mapping[str, str]) -> LinkChoice:
    """The filters a link asks for; ``None`` where the link says nothing or something unreadable."""
    choice = LinkChoice()
    if (text := params.get("ar")) is not None:
        if re.fullmatch(r"[0-9]{4}", text.strip()) and int(text) in years:
            choice.year = int(text)
        else:
            span = f" (finns: {years[0]}–{years[-1]})" if years else ""
            choice.problems.append(f"året ”{text}” finns inte i data{span}")
    if (text := params.get("period")) is not None:
        choice.report = read_report(text)
        if choice.report is None:
            choice.problems.append(f"perioden ”{text}” går inte att läsa (skriv DÅ04, DÅ08, ÅR eller en månad 01–12)")
    if (text := params.get("org")) is not None:
        by_name = {name.casefold(): unit_id for unit_id, name in unit_names.items()}
        choice.unit_id = text if text in unit_names else by_name.get(text.strip().casefold())
        if choice.unit_id is None:
            choice.problems.append(f"organisationen ”{text}” finns inte i enhetsträdet")
    if (text := params.get("kon")) is not None:
        wanted = text.strip().casefold()
        choice.sex = _SEX_ALIASES.get(wanted, wanted) if _SEX_ALIASES.get(wanted, wanted) in SEX_CHOICES else None
        if choice.sex is None:
            choice.problems.append(f"kön ”{text}” går inte att läsa (skriv alla, kvinnor eller män)")
    return choice


def read_report(text: str) -> str | None:
    """'DÅ08', 'T2', 'då8', '8', '08', 'ÅR', 'helår' → the report or month id; else None."""
    token = text.strip().upper().replace(" ", "")
    token = _REPORT_ALIASES.get(token, token)
    if token.isdigit() and token.isascii():
        return f"{int(token):02d}" if 1 <= int(token) <= 12 else None
    return token if token in REPORTS else None
