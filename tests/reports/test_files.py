"""Downloads: CSV for Swedish Excel and XLSX with numbers as numbers and formulas neutralised."""

from __future__ import annotations

import io

import openpyxl
import polars as pl
import pytest

from kpi.reports.files import to_csv, to_xlsx
from kpi.reports.safety import neutralise


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), ("+46 70", "'+46 70"), ("-5", "'-5"), ("\u22125", "'\u22125"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Pilot genomförd", "Pilot genomförd"), ("", ""), ("92 %", "92 %"),
])  # fmt: skip
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe


TABLE = pl.DataFrame(
    {"Period": ["DÅ08 2021", "DÅ08 2022"], "Utfall": [82.0, None], "Antal": [29191, 3], "Demodata": [True, False], "Kommentar": ["=HYPERLINK(\"x\")", "ok"]}
)


def test_xlsx_keeps_numbers_as_numbers_leaves_missing_empty_and_neutralises_formulas() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Period", "Utfall", "Antal", "Demodata", "Kommentar")
    assert rows[1] == ("DÅ08 2021", 82, 29191, True, "'=HYPERLINK(\"x\")")
    assert rows[2][1] is None  # missing stays missing, never 0
    assert sheet.cell(2, 5).data_type == "s"


def test_csv_is_semicolon_separated_with_decimal_comma_and_a_bom() -> None:
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Period;Utfall;Antal;Demodata;Kommentar"
    assert lines[1].startswith("DÅ08 2021;82,0;29191;true;")
    assert lines[1].endswith("'=HYPERLINK(\"\"x\"\")\"") or "'=HYPERLINK" in lines[1]
    assert lines[2].startswith("DÅ08 2022;;3;")
