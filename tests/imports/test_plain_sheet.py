"""The plain-sheet shortcut (kpi/imports/plain_sheet.py) never answers differently from the full scan.

The reader may skip its expat scan of a sheet only when the sheet is plain; these tests generate
sheets of every kind the full scan handles (formulas of each type, error values, percent styles,
cells without references, cells and dimensions beyond the limits, namespace prefixes, single
quotes, spaces around "=", comments, character references, line breaks) and check that the reader
gives the same scan, or the same refusal, with the shortcut as without it; and that the sheets
Excel-like writers produce do take the shortcut.
"""

from __future__ import annotations

import io
import re
import zipfile
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.imports import read
from kpi.imports.plain_sheet import column_index, column_letters, plain_cells, up_to
from kpi.imports.raw import ImportFileError
from tests.imports.handmade_xlsx import C, Sheet, Style, sheet_xml

MAX_ROW = 1_200
PATH = "xl/worksheets/sheet1.xml"


@given(st.integers(1, 10**8), st.integers(0, 10**9))
def test_up_to_matches_exactly_one_to_n(n: int, k: int) -> None:
    assert (re.fullmatch(up_to(n), str(k)) is not None) == (1 <= k <= n)


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_up_to_refuses_leading_zeros(n: int, k: int) -> None:
    assert re.fullmatch(up_to(n), "0" + str(k)) is None


@given(st.integers(0, 16_383))
def test_column_letters_and_index_are_inverse(index: int) -> None:
    assert column_index(column_letters(index)) == index


def scan(xml: str | bytes, percent_styles: set[str], *, shortcut: bool) -> tuple[object, ...]:
    """What the reader's sheet scan gives (its fields, or the refusal's message)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(PATH, xml)
    archive = zipfile.ZipFile(buffer)
    patch = mock.patch.object(read, "plain_cells", lambda *_, **__: None) if not shortcut else mock.MagicMock()
    try:
        with patch:
            found = read._scan_sheet(archive, PATH, "fil.xlsx", "Utfall", read._Budget("fil.xlsx"), percent_styles, MAX_ROW)
    except ImportFileError as exc:
        return ("refused", str(exc))
    return (bool(found.cells), found.formulas, found.errors, found.percents, found.arrays, found.more, found.more_row)


values = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.booleans(),
)
cells = st.one_of(
    values,
    st.builds(C, value=values, shared_string=st.booleans()),
    st.builds(C, value=st.integers(0, 99), formula=st.sampled_from(["SUM(1,2)", "A1*2", ""]),
              formula_type=st.sampled_from([None, "shared", "array"]), formula_ref=st.sampled_from([None, "A1:B2"]),
              shared_index=st.sampled_from([None, 0])),
    st.builds(C, error=st.sampled_from(["#N/A", "#DIV/0!", "#VÄRDEFEL!"])),
    st.builds(C, value=st.floats(0, 1, width=32), style=st.integers(0, 3)),
    st.builds(C, value=st.integers(0, 9), ref=st.just(False)),
)  # fmt: skip
rows = st.dictionaries(
    st.one_of(st.integers(1, 40), st.sampled_from([MAX_ROW, MAX_ROW + 1, 10**6])),
    st.dictionaries(st.one_of(st.integers(0, 12), st.sampled_from([31, 32, 16_383])), cells, max_size=5),
    max_size=8,
)
styles = st.one_of(st.just(Style()), st.builds(
    Style, quote=st.sampled_from(['"', "'"]), prefix=st.sampled_from(["", "x"]), spaces=st.booleans(), row_refs=st.booleans()
))
# Edits a writer (or an attacker) can make to otherwise plain XML.
EDITS = {
    "none": lambda x: x,
    "comment": lambda x: x.replace("<sheetData>", '<sheetData><!-- <c r="XFD1"><f>1</f></c> -->', 1),
    "character reference": lambda x: x.replace("<v>", "<v>&#49;", 1),
    "line break": lambda x: x.replace("</c>", "</c>\n", 1),
    "processing instruction": lambda x: x.replace("<sheetData>", "<sheetData><?pi x?>", 1),
    "cdata": lambda x: x.replace("<t>", '<t><![CDATA[<c r="A1">]]>', 1),
    "formula outside": lambda x: x.replace("</sheetData>", "</sheetData><f>1</f>", 1),
    "prefixed formula": lambda x: x.replace("</c>", '<y:f xmlns:y="urn:y">1</y:f></c>', 1),
    "unknown element": lambda x: x.replace("</c>", "<extLst/></c>", 1),
    "empty sheetData": lambda x: re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", x, flags=re.S),
    "far dimension": lambda x: x.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>', 1),
    "error in single quotes": lambda x: x.replace('<c r="A1"', "<c r=\"A1\" t='e'", 1),
    "style before ref": lambda x: x.replace('<c r="', '<c s="0" r="', 1),
    "utf-16": lambda x: x.replace("encoding='UTF-8'", "encoding='UTF-16'", 1),
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, styles, st.sampled_from(sorted(EDITS)), st.sampled_from([set(), {"1"}, {"1", "3"}]), st.booleans())
def test_the_shortcut_gives_the_full_scans_answer(
    grid: dict[int, dict[int, object]], style: Style, edit: str, percent_styles: set[str], dimension: bool
) -> None:
    sheet = Sheet("Utfall", grid, dimension="A1:H20" if dimension else None)
    xml = EDITS[edit](sheet_xml(sheet, style, []))
    content = xml.encode("utf-16") if edit == "utf-16" else xml.encode()
    try:
        full = scan(content, percent_styles, shortcut=False)
    except Exception as exc:  # noqa: BLE001 -- both paths must fail alike, whatever the failure
        full = ("raised", type(exc).__name__)
    try:
        quick = scan(content, percent_styles, shortcut=True)
    except Exception as exc:  # noqa: BLE001
        quick = ("raised", type(exc).__name__)
    assert quick == full


plain_rows = st.dictionaries(
    st.integers(1, MAX_ROW),
    st.dictionaries(st.integers(0, 31), st.one_of(values, st.builds(C, value=values, shared_string=st.booleans())), max_size=6),
    min_size=1,
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(plain_rows, st.sampled_from(sorted(EDITS)), st.booleans())
def test_plain_sheets_take_the_shortcut_and_every_edit_is_seen(
    grid: dict[int, dict[int, object]], edit: str, dimension: bool
) -> None:
    sheet = Sheet("Utfall", grid, dimension="A1:AF1200" if dimension else None)
    xml = sheet_xml(sheet, Style(), [])
    texts = [v.value if isinstance(v, C) else v for r in grid.values() for v in r.values()]
    unusual = any(isinstance(t, str) and any(ch in t for ch in "=\n\r\t") for t in texts)  # declined by design
    if edit == "none" and not unusual:
        assert plain_cells(xml.encode(), max_row=MAX_ROW, max_columns=32, percent_styles=frozenset()) is not None
    edited = EDITS[edit](xml).encode()
    assert scan(edited, {"1"}, shortcut=True) == scan(edited, {"1"}, shortcut=False)


def plain_workbook_sheet(n_rows: int) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Utfall")
    sheet.write_row(0, 0, ["styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"])
    for i in range(1, n_rows + 1):
        sheet.write_row(i, 0, ["med_telefon", "hc_hortlax", "2027-01", "Kvinnor", "85,2 %", 852, 1000, "Egen text"])
    sheet.write_string(n_rows + 1, 0, "  mellanslag  ")
    book.close()
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read(PATH)


def test_sheets_from_a_spreadsheet_writer_take_the_shortcut() -> None:
    assert plain_cells(plain_workbook_sheet(200), max_row=MAX_ROW, max_columns=32, percent_styles=frozenset()) == 201 * 8 + 1


@pytest.mark.parametrize(
    ("grid", "style"),
    [
        ({1: {0: "a", 1: 2.5}, 2: {0: C("b", shared_string=True), 7: True}}, Style()),
        ({3: {0: " inledande mellanslag"}}, Style()),
        ({MAX_ROW: {31: 1}}, Style()),
    ],
)
def test_hand_written_plain_sheets_take_the_shortcut(grid: dict[int, dict[int, object]], style: Style) -> None:
    xml = sheet_xml(Sheet("Utfall", grid), style, []).encode()
    assert plain_cells(xml, max_row=MAX_ROW, max_columns=32, percent_styles=frozenset()) is not None


@pytest.mark.parametrize(
    "cell",
    [
        C(1, formula="1+1"),
        C(error="#N/A"),
        C(0.5, style=1),
        C(1, ref=False),
    ],
)
def test_what_the_full_scan_must_see_is_never_plain(cell: C) -> None:
    xml = sheet_xml(Sheet("Utfall", {1: {0: "a"}, 2: {0: cell}}), Style(), []).encode()
    assert plain_cells(xml, max_row=MAX_ROW, max_columns=32, percent_styles=frozenset({"1"})) is None


@pytest.mark.parametrize("ref", ["AG1", "A1201", "XFD5", "A0", "A01"])
def test_a_reference_outside_the_readable_area_is_never_plain(ref: str) -> None:
    xml = f'<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData><row r="1"><c r="{ref}"><v>1</v></c></row></sheetData></worksheet>'
    assert plain_cells(xml.encode(), max_row=MAX_ROW, max_columns=32, percent_styles=frozenset()) is None
