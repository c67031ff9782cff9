"""What a file becomes before it is checked: sheets of raw rows with their place in the file.

Kept apart from the reader (``kpi.imports.read``) so that the workbook's child process
(``kpi.imports.isolate``, ``kpi.imports.child``) can send these values back to the server without
the reader and the isolation importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpi.model.errors import StyrkortError

UNREADABLE = "Filen {name} går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ."


class ImportFileError(StyrkortError):
    """The file as a whole cannot be read (type, size, encoding, structure)."""


@dataclass(frozen=True)
class Cell:
    """A problem spot before validation: a formula, or a column that is not expected."""

    sheet: str
    row: int
    column: str
    found: str
    expected: str


@dataclass
class RawSheet:
    """One sheet's rows: ``rows`` are (row number in the file, {column: cell value})."""

    name: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Cell] = field(default_factory=list)
    formula_rows: set[int] = field(default_factory=set)  # rows already reported for a formula
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)  # column index → the template's column name
    not_read: list[str] = field(default_factory=list)  # rows not read, and why (Swedish sentences)


@dataclass
class RawFile:
    name: str
    kind: str  # "xlsx", "csv", "kolada"
    sheets: dict[str, RawSheet]
    problems: list[Cell] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sheets not read, and why (Swedish sentences)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets.values())

    @property
    def not_read(self) -> list[str]:
        """Everything in the file that is not read although it is not empty, for the preview."""
        return [*self.skipped, *(line for s in self.sheets.values() for line in s.not_read)]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
