"""Issue 14's reader classes, each tested by the rule it breaks with generated files, not by the
tester's examples alone. Every case asserts that the Swedish message names the row (and the
column where there is one) and that nothing was read silently: the row or sheet in question is
either refused or named as not read, and every other row is read with exactly its values.

2. a row whose cells do not line up with the header (CSV cell counts; workbook values in columns
   without a heading);
3. rows above the header and sheets that are not the template's;
7. workbooks that would make the cell reader allocate beyond the limits, and the child process
   that reads every workbook with memory and time limits;
12. workbook XML as the format allows it to be written (quotes, prefixes, formulas of every
    kind, error values, DTDs);
14. CSV reading errors named where they start and by their real cause;
and files that are not what their extension says.

Most cases call the reader in this process (``read_csv``, ``read_xlsx``: the same function the
child process runs) to keep the run short; the ``read_file`` and ``prepare`` cases go through the
child process as an upload does.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi.imports import isolate, pipeline
from kpi.imports.read import (
    COLUMNS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_REPORTED,
    SHEETS,
    ImportFileError,
    Limits,
    RawFile,
    read_csv,
    read_file,
    read_xlsx,
)
from kpi.store.bundled import copy_data
from tests.imports.handmade_xlsx import C, Sheet, Style, letters, workbook

DATA = Path(__file__).resolve().parents[2] / "data"
LIMITS = Limits(25_000_000, 200_000)
CASES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UTFALL = list(COLUMNS["Utfall"])
NBSP = "\u00a0"

# Cell texts without the characters that structure a CSV (delimiters, quotes, line breaks) and
# without control characters: what an analyst types into a cell.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp"), blacklist_characters=';,\t"\r\n'),
    min_size=1,
    max_size=12,
).filter(lambda t: t.strip() != "")
TYPED = st.sampled_from(
    ["med_telefon_samma_dag", "hc_hortlax", "Division Nära", "DÅ08 2022", "2022 T2", "Kvinnor", "91,5 %", "43 000", "−31", ".."]
)
CELL = st.one_of(TYPED, TEXT)


def plain(value: object) -> object:
    """A cell value as the reader hands it on: an empty cell is None."""
    return None if value == "" else value


def csv_rows(raw: RawFile) -> dict[int, dict[str, Any]]:
    (sheet,) = raw.sheets.values()
    return dict(sheet.rows)


def problems(raw: RawFile) -> list[tuple[str, int, str, str, str]]:
    cells = [*raw.problems, *(c for s in raw.sheets.values() for c in s.problems)]
    return sorted((c.sheet, c.row, c.column, c.found, c.expected) for c in cells)


# --- 2. cells that do not line up with the header --------------------------------------------------


@st.composite
def misaligned_csv(draw: st.DrawFn) -> tuple[bytes, dict[int, int], dict[int, list[str]]]:
    """A CSV of Utfall rows where some rows have more or fewer cells than the header: an unquoted
    decimal comma in a comma-separated file, the delimiter inside an unquoted text, extra
    delimiters at the end, or cells left out. Returns the file, {line: cell count} of the bad
    rows and {line: cells} of the good ones."""
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    rows = draw(st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=2, max_size=10))
    bad = draw(st.sets(st.integers(0, len(rows) - 1), min_size=1))
    lines = ["Utfall DÅ08 2022"] if draw(st.booleans()) else []
    lines.append(delimiter.join(UTFALL))
    wrong: dict[int, int] = {}
    good: dict[int, list[str]] = {}
    for index, cells in enumerate(rows):
        number = len(lines) + 1
        # Written as a CSV writer would (a cell holding the delimiter, "91,5 %", within quotes),
        # but for one defect in a bad row.
        quoted = [f'"{c}"' if delimiter in c else c for c in cells]
        if index in bad:
            how = draw(st.sampled_from(["decimal", "text", "trailing", "short"]))
            if how == "decimal" and delimiter == ",":
                quoted[4] = f"−{draw(st.integers(0, 99))},{draw(st.integers(1, 9))}"
                count = 9
            elif how in ("decimal", "text"):
                column = draw(st.integers(0, 7))
                pieces = draw(st.integers(1, 3))
                quoted[column] = delimiter.join([cells[column].replace(delimiter, " ")] * (pieces + 1))
                count = 8 + pieces
            elif how == "trailing":
                quoted += [""] * draw(st.integers(1, 3))
                count = len(quoted)
            else:
                quoted = quoted[: draw(st.integers(1, 7))]
                count = len(quoted)
            wrong[number] = count
        else:
            good[number] = cells
        line = delimiter.join(quoted)
        lines.append(line)
        if draw(st.booleans()):
            lines.append("")  # an empty line between blocks: allowed, and it keeps its number
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return (ending.join(lines) + ending).encode(draw(st.sampled_from(["utf-8", "utf-8-sig"]))), wrong, good


@CASES
@given(case=misaligned_csv())
def test_a_csv_row_with_more_or_fewer_cells_than_the_header_is_refused_naming_it(
    case: tuple[bytes, dict[int, int], dict[int, list[str]]],
) -> None:
    content, wrong, good = case
    raw = read_csv("utfall.csv", content, LIMITS)
    found = {(row, column): expected for _, row, column, _, expected in problems(raw)}
    assert set(found) == {(line, "raden") for line in wrong}
    for line, count in wrong.items():
        assert f"rad {line} har {count} celler men rubrikraden har 8" in found[line, "raden"]
    read = csv_rows(raw)
    assert not set(read) & set(wrong)  # a refused row is not read, not even in part
    assert read == {line: {name: plain(v) for name, v in zip(UTFALL, cells, strict=True)} for line, cells in good.items()}


def test_the_testers_decimal_comma_is_refused_and_a_quoted_one_read() -> None:
    header = ",".join(UTFALL)
    raw = read_csv("utfall.csv", f'{header}\nmed_x,hc_a,DÅ08 2022,,−0,3,,,\nmed_x,hc_a,DÅ08 2022,,"−0,3",,,\n'.encode(), LIMITS)
    ((_, row, column, found, expected),) = problems(raw)
    assert (row, column, found) == (2, "raden", "med_x,hc_a,DÅ08 2022,,−0,3,,,")
    assert expected.startswith("lika många celler som rubrikraden: rad 2 har 9 celler men rubrikraden har 8.")
    assert csv_rows(raw) == {3: dict(zip(UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "−0,3", None, None, None], strict=True))}


def test_trailing_cells_may_be_missing_only_where_the_header_has_no_column() -> None:
    content = "styrmått;enhet;period;värde;;\nmed_x;hc_a;DÅ08 2022;12\nmed_x;hc_b;DÅ08 2022\n".encode()
    raw = read_csv("utfall.csv", content, LIMITS)
    assert [(row, column) for _, row, column, _, _ in problems(raw)] == [(3, "raden")]
    assert list(csv_rows(raw)) == [2]


@st.composite
def stray_values(draw: st.DrawFn) -> tuple[Sheet, set[tuple[int, int]], dict[int, list[object]]]:
    """An Utfall sheet whose header may have a gap (an empty header cell), with values typed in
    columns that have no heading: in the gap, or right of the last header column."""
    width = draw(st.integers(3, 8))
    header: list[object] = list(UTFALL[:width])
    gap = draw(st.one_of(st.none(), st.integers(1, width - 1)))
    if gap is not None:
        header.insert(gap, None)
    unnamed = [i for i, h in enumerate(header) if h is None] + list(range(len(header), MAX_COLUMNS))
    rows = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=8))
    sheet = Sheet("Utfall", {1: {c: h for c, h in enumerate(header) if h is not None}})
    strays: set[tuple[int, int]] = set()
    good: dict[int, list[object]] = {}
    for number, values in enumerate(rows, start=2):
        cells = list(values)
        if gap is not None:
            cells.insert(gap, None)
        sheet.rows[number] = {c: v for c, v in enumerate(cells) if v is not None}
        if draw(st.booleans()):
            for column in draw(st.sets(st.sampled_from(unnamed), min_size=1, max_size=3)):
                sheet.rows[number][column] = draw(CELL)
                strays.add((number, column))
        else:
            good[number] = list(values)
    assume(strays)
    return sheet, strays, good


@CASES
@given(case=stray_values())
def test_a_workbook_value_in_a_column_without_a_heading_is_refused_naming_the_cell(
    case: tuple[Sheet, set[tuple[int, int]], dict[int, list[object]]],
) -> None:
    sheet, strays, good = case
    raw = read_xlsx("mall.xlsx", workbook([sheet]), LIMITS)
    found = problems(raw)
    by_row: dict[int, list[int]] = {}
    for row, col in sorted(strays):
        by_row.setdefault(row, []).append(col)
    # One line per row, at its first value without a heading, listing the others.
    assert {(row, column) for _, row, column, _, _ in found} == {
        (row, f"kolumn {letters(cols[0])}") for row, cols in by_row.items()
    }
    for _, row, column, _, expected in found:
        assert expected.startswith(f"en tom cell: {column} har ingen rubrik i rubrikraden (rad 1")
        for col in by_row[row][1:]:
            assert letters(col) in expected.split("även i kolumn")[1]
    read = dict(raw.sheets["Utfall"].rows)
    assert set(read) == set(good)  # the rows with a stray value are not read
    for number, values in good.items():
        assert [read[number][name] for name in UTFALL[: len(values)]] == values


# --- 3. rows above the header, and sheets that are not the template's -----------------------------


@st.composite
def rows_above_the_header(draw: st.DrawFn) -> tuple[list[list[object]], int]:
    """Up to 8 rows above the header, each empty, a title (one filled cell, in any column) or
    several filled cells; then the header and a few data rows."""
    above = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["empty", "title", "cells"]))
        if kind == "empty":
            above.append([])
        elif kind == "title":
            above.append([None] * draw(st.integers(0, 4)) + [draw(TEXT)])
        else:
            above.append(draw(st.lists(TEXT, min_size=2, max_size=5)))
    data = draw(st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=4))
    return [*above, UTFALL, *data], len(above)


def _above_the_header_is_named(raw: RawFile, label: str, rows: list[list[object]], above: int) -> None:
    header_row = above + 1
    refused = {(row, column) for _, row, column, _, _ in problems(raw)}
    named = set()
    for line in raw.not_read:
        match = re.fullmatch(
            rf"{re.escape(label)}, rad (\d+) läses inte: den står ovanför rubrikraden \(rad {header_row}\) .*", line
        )
        assert match, line
        named.add(int(match.group(1)))
    for number, cells in enumerate(rows[:above], start=1):
        filled = [c for c in cells if c not in (None, "")]
        assert (number in named) == (len(filled) == 1), (number, cells)
        assert ((number, "raden") in refused) == (len(filled) > 1), (number, cells)
    (sheet,) = raw.sheets.values()
    assert [n for n, _ in sheet.rows] == list(range(header_row + 1, len(rows) + 1))


@CASES
@given(case=rows_above_the_header(), delimiter=st.sampled_from([";", "\t"]))
def test_every_row_above_a_csv_header_is_read_as_a_title_or_refused(case: tuple[list[list[object]], int], delimiter: str) -> None:
    rows, above = case
    text = "\n".join(delimiter.join("" if c is None else str(c) for c in cells) for cells in rows) + "\n"
    _above_the_header_is_named(read_csv("utfall.csv", text.encode(), LIMITS), "utfall.csv", rows, above)


@CASES
@given(case=rows_above_the_header())
def test_every_row_above_a_workbook_header_is_read_as_a_title_or_refused(case: tuple[list[list[object]], int]) -> None:
    rows, above = case
    raw = read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", rows)]), LIMITS)
    _above_the_header_is_named(raw, "Utfall", rows, above)


HEADERS = {sheet: list(columns) for sheet, columns in COLUMNS.items()}
COPY_NAMES = st.one_of(
    st.sampled_from(SHEETS).flatmap(lambda s: st.sampled_from([f"{s} (2)", f"{s} (3)", f"Kopia av {s}", f"{s}_gammal"])),
    st.sampled_from(["Blad1", "Sheet1", "Data", "Tertial 2"]),
)


@st.composite
def workbooks_with_other_sheets(draw: st.DrawFn) -> tuple[list[Sheet], dict[str, str], set[str], dict[str, str], int]:
    """The template's Utfall and some other sheets: copies of a template sheet's header under
    another name, sheets with other content, empty sheets, the template's Listor and
    Instruktioner; some hidden. Returns the sheets, {copy: its kind}, the sheets with other
    content and the number of Utfall rows."""
    data = draw(st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=3))
    sheets = [Sheet.from_rows("Utfall", [UTFALL, *data])]
    copies: dict[str, str] = {}
    empty_copies: dict[str, str] = {}
    others: set[str] = set()
    used = {"utfall"}
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["copy", "other", "empty", "template"]))
        if kind == "copy":
            name, of = draw(COPY_NAMES), draw(st.sampled_from(SHEETS))
            rows = [HEADERS[of], *draw(st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=3))]
            if len(rows) == 1:  # a copy of the empty template sheet: named as not read, nothing to lose
                kind = "empty copy"
        elif kind == "other":
            name, of = draw(st.sampled_from(["Anteckningar", "Diagramdata", "Pivot", "Blad2"])), ""
            rows = draw(st.lists(st.lists(TEXT, min_size=1, max_size=3), min_size=1, max_size=3))
        elif kind == "empty":
            name, of, rows = draw(st.sampled_from(["Blad3", "Tom"])), "", []
        else:
            name, of = draw(st.sampled_from(["Listor", "Instruktioner"])), ""
            rows = [["styrmått", "styrmått (namn)", "enhet"], ["med_x", "Ett styrmått", "hc_a"]]
        if name.casefold() in used:
            continue
        used.add(name.casefold())
        sheet = Sheet.from_rows(name, rows)
        sheet.state = draw(st.sampled_from([None, "hidden"]))
        sheets.insert(draw(st.integers(0, len(sheets))), sheet)
        if kind == "copy":
            copies[name] = of
        elif kind == "other":
            others.add(name)
        elif kind == "empty copy":
            empty_copies[name] = of
    return sheets, copies, others, empty_copies, len(data)


@CASES
@given(case=workbooks_with_other_sheets())
def test_every_other_sheet_with_data_is_refused_as_a_copy_or_named_as_not_read(
    case: tuple[list[Sheet], dict[str, str], set[str], dict[str, str], int],
) -> None:
    sheets, copies, others, empty_copies, utfall_rows = case
    raw = read_xlsx("mall.xlsx", workbook(sheets), LIMITS)
    refused = problems(raw)
    assert {(sheet, row, column, found) for sheet, row, column, found, _ in refused} == {
        (name, 1, "bladet", name) for name in copies
    }
    for name, _, _, _, expected in refused:
        kind = copies[name]
        assert f"”{name}” har " in expected and f"rubrikraden för {kind}" in expected or f"samma rubrikrad som {kind}" in expected

    def which(name: str) -> str:
        return "Det dolda bladet" if next(s for s in sheets if s.name == name).state else "Bladet"

    assert sorted(raw.not_read) == sorted(
        [
            *(
                f"{which(n)} ”{n}” läses inte: det är inget av mallens blad (Utfall, Mål, Kommentarer, Åtgärder) och har "
                "ingen rubrikrad som dem."
                for n in others
            ),
            *(
                f"{which(n)} ”{n}” läses inte: det har bara rubrikraden för {kind}, inga rader."
                for n, kind in empty_copies.items()
            ),
        ]
    )
    assert list(raw.sheets) == ["Utfall"] and raw.row_count == utfall_rows  # nothing from any other sheet


@pytest.mark.parametrize("name", ["Utfall (2)", "Blad1", "Kopia av Utfall"])
def test_a_workbook_whose_only_utfall_is_a_renamed_copy_says_which_sheet_to_rename(name: str) -> None:
    content = workbook([Sheet.from_rows(name, [UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "12"]])])
    with pytest.raises(ImportFileError) as refused:
        read_xlsx("mall.xlsx", content, LIMITS)
    assert str(refused.value) == (
        f"Arbetsboken mall.xlsx har inget av bladen Utfall, Mål, Kommentarer, Åtgärder (den har {name}). Använd mallen. "
        f"Bladet ”{name}” har rubrikraden för Utfall: byt namn på det till Utfall."
    )


def test_two_sheets_that_both_count_as_utfall_are_refused() -> None:
    rows = [UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "12"]]
    with pytest.raises(ImportFileError, match="har två blad som båda räknas som Utfall"):
        read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", rows), Sheet.from_rows("utfall ", rows)]), LIMITS)


# --- 7. what the cell reader would allocate, and the child process ---------------------------------

FAR = st.one_of(
    st.tuples(st.integers(1, 5000), st.integers(MAX_COLUMNS, 16383)),  # too far right
    st.tuples(st.integers(LIMITS.max_rows + 1011, 1_048_576), st.integers(0, 16383)),  # too far down
)


@st.composite
def far_cells(draw: st.DrawFn) -> tuple[bytes, str, str]:
    """A small valid workbook with one cell (a value, a formula or only a style), or a declared
    dimension, beyond the limits, in a template sheet or another one, written with r on the cell
    or only on its row. Returns the file, the sheet and the reference the message must name."""
    row, col = draw(FAR)
    how = draw(st.sampled_from(["value", "formula", "style", "row-only", "dimension"]))
    if how == "row-only":  # <row r="N"><c>…</c></row>: the cell's place comes from its row
        row, col = draw(st.integers(LIMITS.max_rows + 1011, 1_048_576)), 0
    sheet_name = draw(st.sampled_from(["Utfall", "Mål", "Blad1"]))
    body = Sheet.from_rows("Utfall", [UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "12"]])
    target = body if sheet_name == "Utfall" else Sheet(sheet_name, {1: {0: "x"}})
    ref = f"{letters(col)}{row}"
    if how == "dimension":
        target.dimension = f"A1:{ref}"
        shown = f"anger sitt omfång som A1:{ref}"
    else:
        cell = {"value": C(1), "formula": C(1, formula="1+1"), "style": C(style=0), "row-only": C(1, ref=False)}[how]
        target.rows[row] = {col: cell}
        shown = f"har en cell i {ref}"
    sheets = [body] if target is body else [body, target]
    return workbook(sheets, Style(quote=draw(st.sampled_from(['"', "'"])))), sheet_name, shown


@CASES
@given(case=far_cells())
def test_a_sheet_reaching_beyond_the_limits_is_refused_before_the_cell_reader_sees_it(case: tuple[bytes, str, str]) -> None:
    content, sheet, shown = case
    import python_calamine

    class Never:
        @staticmethod
        def from_filelike(*_: object) -> None:
            raise AssertionError("calamine must not see a sheet beyond the limits")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(python_calamine, "CalamineWorkbook", Never)
        with pytest.raises(ImportFileError) as refused:
            read_xlsx("mall.xlsx", content, LIMITS)
    assert str(refused.value).startswith(f"Arbetsboken mall.xlsx: bladet ”{sheet}” {shown}, utanför det område som kan läsas in")


@pytest.mark.parametrize(
    ("row", "col"), [(1_048_576, 16383), (3000, 16383), (2, MAX_COLUMNS)], ids=["XFD1048576", "XFD3000", "AG2"]
)
def test_the_testers_far_cells_are_refused_through_the_child_process(row: int, col: int) -> None:
    content = workbook([Sheet("Utfall", {1: {0: "styrmått", 1: "enhet", 2: "period"}, row: {col: 1}})])
    assert len(content) < 2_000
    with pytest.raises(
        ImportFileError, match=f"bladet ”Utfall” har en cell i {letters(col)}{row}, utanför det område som kan läsas in"
    ):
        read_file("mall.xlsx", content, LIMITS)


SMALL = workbook([Sheet.from_rows("Utfall", [UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "12"]])])
LIMIT_MESSAGE = re.compile(
    r"Filen mall\.xlsx kunde inte läsas inom gränserna för minne och tid \(högst [\d,]+ [GM]B och [\d,]+ sekunder\)\. "
)


def test_a_workbook_is_read_in_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from kpi.imports import read

    def not_here(*_: object) -> None:
        raise AssertionError("the server process must not read a workbook itself")

    monkeypatch.setattr(read, "read_xlsx", not_here)
    raw = read_file("mall.xlsx", SMALL, LIMITS)
    assert raw.sheets["Utfall"].rows == [
        (2, dict(zip(UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, "12", None, None, None], strict=True)))
    ]


def test_a_child_out_of_memory_becomes_a_swedish_message(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [[f"med_{i}", "hc_a", "DÅ08 2022", "Totalt", i, i, i + 1, f"källa {i}"] for i in range(20_000)]
    content = workbook([Sheet.from_rows("Utfall", [UTFALL, *rows])])
    assert len(read_file("mall.xlsx", content, LIMITS).sheets["Utfall"].rows) == 20_000  # within the usual limits
    monkeypatch.setattr(isolate, "memory_limit", lambda limits: 40_000_000)  # too little for 20 000 rows
    with pytest.raises(ImportFileError) as refused:
        read_file("mall.xlsx", content, LIMITS)
    assert LIMIT_MESSAGE.match(str(refused.value)), str(refused.value)


def test_a_child_out_of_time_becomes_a_swedish_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolate, "TIME_LIMIT", 0.001)
    with pytest.raises(ImportFileError) as refused:
        read_file("mall.xlsx", SMALL, LIMITS)
    assert LIMIT_MESSAGE.match(str(refused.value)), str(refused.value)


RAW_FILE = "import pickle, sys; from kpi.imports.raw import RawFile; raw = RawFile('mall.xlsx', 'xlsx', {})"


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],  # killed
        [sys.executable, "-c", "import os; os.abort()"],  # aborted, as Rust does when an allocation fails
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'not a pickle')"],  # a garbled answer
        [sys.executable, "-c", "import pickle, sys; sys.stdout.buffer.write(pickle.dumps(('ok', print)))"],  # a foreign one
        [sys.executable, "-c", "raise SystemExit(1)"],
        *(  # the classes of a RawFile, in a shape the reader never sends
            [sys.executable, "-c", f"{RAW_FILE}; sys.stdout.buffer.write(pickle.dumps(('ok', {answer})))"]
            for answer in (
                "(raw, 'Utfall')",
                "(raw, [('Utfall', 'Utfall', 'A1')])",
                "(raw, [('Utfall', 'Utfall', [1, 2], [], [], 0, 0)])",
                "(raw, [('Utfall', 'Utfall', [[1, 2]], [('A', 1, '=1')], [], 0, 0)])",
                "(raw, [('Utfall', 'Utfall', [[1, 2]], [], [], '1', 0)])",
            )
        ),
    ],
    ids=[
        *("killed", "aborted", "garbled", "foreign-object", "failed"),
        *("no-sheet-list", "short-sheet", "rows-not-lists", "formula-spot", "count-not-int"),
    ],
)
def test_whatever_becomes_of_the_child_the_server_gets_a_swedish_message(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolate, "child_command", lambda: command)
    with pytest.raises(ImportFileError) as refused:
        read_file("mall.xlsx", SMALL, LIMITS)
    assert str(refused.value).startswith(
        ("Filen mall.xlsx kunde inte läsas inom gränserna", "Filen mall.xlsx går inte att öppna")
    )


def test_the_answer_is_unpickled_with_only_the_classes_of_a_rawfile() -> None:
    for hostile in (os.system, print, eval, zipfile.ZipFile):
        with pytest.raises(pickle.UnpicklingError):
            isolate._AnswerUnpickler(io.BytesIO(pickle.dumps(hostile))).load()


LARGE_ROWS = [[f"med_{i}", "hc_hortlax", "DÅ08 2022", "Totalt", i, i, i + 1, f"Delårsrapport, rad {i}"] for i in range(25_000)]
LARGE = workbook([Sheet.from_rows("Utfall", [UTFALL, *LARGE_ROWS])])


def test_a_large_sheet_read_beside_its_scan_reads_as_when_scanned_first() -> None:
    sheet_xml = zipfile.ZipFile(io.BytesIO(LARGE)).getinfo("xl/worksheets/sheet1.xml").file_size
    assert sheet_xml > 1_000_000  # large enough for calamine to start beside the scan in the child
    assert (
        read_file("mall.xlsx", LARGE, LIMITS).sheets["Utfall"].rows == read_xlsx("mall.xlsx", LARGE, LIMITS).sheets["Utfall"].rows
    )


@pytest.mark.parametrize(("row", "col"), [(25_002, 16383), (300_000, 0), (25_002, MAX_COLUMNS)], ids=["XFD", "row-300000", "AG"])
def test_a_far_cell_at_the_end_of_a_large_sheet_is_refused_however_the_race_goes(row: int, col: int) -> None:
    """Calamine parses beside the scan here: it either aborts against the lowered address space
    (XFD: 25 000 × 16 384 cells), and the file is read again scan first, or the scan refuses first."""
    sheet = Sheet.from_rows("Utfall", [UTFALL, *LARGE_ROWS])
    sheet.rows[row] = {col: 1}
    with pytest.raises(ImportFileError, match=f"bladet ”Utfall” har en cell i {letters(col)}{row}, utanför det område"):
        read_file("mall.xlsx", workbook([sheet]), LIMITS)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("hostile") / "data")


@pytest.mark.parametrize("ref", ["XFD1048576", "XFD3000"])
def test_the_import_answers_a_far_cell_with_a_plan_in_swedish(data: Path, ref: str) -> None:
    content = workbook([Sheet("Utfall", {1: {0: "styrmått"}, int(ref[3:]): {16383: 1}})])
    plan = pipeline.prepare(data, "mall.xlsx", content)
    assert [(p.row, p.column) for p in plan.problems] == [(0, "filen")] and plan.changes == {}
    assert f"har en cell i {ref}" in plan.problems[0].expected


# --- 12. workbook XML however it is written -------------------------------------------------------

XML_STYLES = st.builds(
    Style,
    quote=st.sampled_from(['"', "'"]),
    prefix=st.sampled_from(["", "x", "main"]),
    spaces=st.booleans(),
    row_refs=st.booleans(),
)
ERRORS = st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])


@st.composite
def formula_workbooks(
    draw: st.DrawFn,
) -> tuple[bytes, dict[tuple[int, int], str], dict[tuple[int, int], str], dict[int, list[object]]]:
    """An Utfall sheet written in a random XML style, whose value cells hold numbers, texts,
    formulas (plain, shared with and without text, array formulas spilling down, data tables) or
    error values. Returns the file, {(row, column): formula shown}, {(row, column): error} and
    the values every row must be read with."""
    style = draw(XML_STYLES)
    n = draw(st.integers(1, 8))
    sheet = Sheet("Utfall", {1: {c: C(h, shared_string=draw(st.booleans())) for c, h in enumerate(UTFALL)}})
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    expected: dict[int, list[object]] = {}
    spill_until = 0
    for row in range(2, n + 2):
        values: list[object] = [draw(TYPED), draw(TYPED), "DÅ08 2022", "Totalt", draw(st.integers(0, 10_000))]
        cells: dict[int, object] = {c: C(v, shared_string=draw(st.booleans())) for c, v in enumerate(values)}
        kind = (
            "spilled" if row <= spill_until else draw(st.sampled_from(["value", "formula", "shared", "array", "table", "error"]))
        )
        text = draw(st.sampled_from(["SUM(10,2)", "A1*2", 'IF(B2="x",1,2)', "'Blad 2'!A1", "&quot;<>&amp;"]))
        if kind == "formula":
            cells[4] = C(12, formula=text)
            formulas[row, 4] = f"={text}"
        elif kind == "shared":
            first = draw(st.booleans())
            cells[4] = C(
                12, formula=text if first else "", formula_type="shared", shared_index=0, formula_ref="E2:E9" if first else None
            )
            formulas[row, 4] = f"={text}" if first else "=(delad formel)"
        elif kind in ("array", "table"):
            spill_until = min(row + draw(st.integers(0, 3)), n + 1)
            cells[4] = C(
                12, formula=text, formula_type="array" if kind == "array" else "dataTable", formula_ref=f"E{row}:E{spill_until}"
            )
            formulas[row, 4] = f"={text}"
            shown = formulas[row, 4]
        elif kind == "spilled":
            cells[4] = C(13)  # only the cached result of the array formula above
            formulas[row, 4] = "{" + shown + "}"
        elif kind == "error":
            errors[row, 4] = draw(ERRORS)
            cells[4] = C(error=errors[row, 4])
        if draw(st.booleans()):  # a row written without r on its cells: the positions come from the order
            cells = {c: (v if isinstance(v, C) else C(v)) for c, v in cells.items()}
            for cell in cells.values():
                cell.ref = False
        sheet.rows[row] = cells
        expected[row] = [*values[:4], None if (row, 4) in formulas or (row, 4) in errors else values[4]]
    return workbook([sheet], style), formulas, errors, expected


@CASES
@given(case=formula_workbooks())
def test_every_formula_and_error_value_is_reported_however_the_xml_is_written(
    case: tuple[bytes, dict[tuple[int, int], str], dict[tuple[int, int], str], dict[int, list[object]]],
) -> None:
    content, formulas, errors, expected = case
    raw = read_xlsx("mall.xlsx", content, LIMITS)
    found = {(row, column): (shown, why) for _, row, column, shown, why in problems(raw)}
    assert set(found) == {(row, "värde") for row, _ in [*formulas, *errors]}
    for (row, _), shown in formulas.items():
        assert found[row, "värde"][0] == shown
        assert found[row, "värde"][1].startswith("ett värde, inte en formel")
    for (row, _), error in errors.items():
        assert found[row, "värde"] == (error, "ett värde, inte ett felvärde från Excel (lämna cellen tom om uppgift saknas)")
    sheet = raw.sheets["Utfall"]
    assert sheet.formula_rows == {row for row, _ in [*formulas, *errors]}  # not validated as values either
    read = dict(sheet.rows)
    for row, values in expected.items():
        assert [read[row][name] for name in UTFALL[:5]] == [plain(v) if isinstance(v, str) else v for v in values]


@CASES
@given(style=XML_STYLES, rows=st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=6))
def test_a_valid_workbook_reads_the_same_whatever_its_quotes_and_prefixes(style: Style, rows: list[list[str]]) -> None:
    plain_book = read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", [UTFALL, *rows])]), LIMITS)
    styled = read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", [UTFALL, *rows])], style), LIMITS)
    assert styled.sheets["Utfall"].rows == plain_book.sheets["Utfall"].rows
    assert [r for _, r in styled.sheets["Utfall"].rows] == [dict(zip(UTFALL, r, strict=True)) for r in rows]
    assert not problems(styled)


@CASES
@given(
    style=XML_STYLES,
    values=st.lists(st.floats(0.0001, 1, allow_nan=False), min_size=1, max_size=5),
    percent=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_a_percent_format_is_found_however_the_styles_are_written(style: Style, values: list[float], percent: list[bool]) -> None:
    rows = [["med_x", "hc_a", "DÅ08 2022", None, C(v, style=1 if p else 0)] for v, p in zip(values, percent, strict=False)]
    raw = read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", [UTFALL, *rows])], style, percent_styles=1), LIMITS)
    read = [r["värde"] for _, r in raw.sheets["Utfall"].rows]
    assert read == [f"{v * 100:.10g} %".replace(".", ",") if p else v for v, p in zip(values, percent, strict=False)]


DTDS = {
    "entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    "external": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    "parameter": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]>',
    "doctype-only": b'<?xml version="1.0"?><!DOCTYPE x>',
}


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]
)
@pytest.mark.parametrize("dtd", list(DTDS), ids=list(DTDS))
def test_a_dtd_or_entity_anywhere_in_the_workbook_xml_is_refused(part: str, dtd: str) -> None:
    rows = [UTFALL, ["med_x", C("hc_a", shared_string=True), "DÅ08 2022", None, "12"]]
    clean = workbook([Sheet.from_rows("Utfall", rows)])
    original = zipfile.ZipFile(io.BytesIO(clean)).read(part)
    hostile = DTDS[dtd] + original[original.index(b"?>") + 2 :]
    with pytest.raises(ImportFileError, match=r"^Filen mall\.xlsx innehåller en dokumenttypdeklaration \(DTD\)"):
        read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", rows)], replace={part: hostile}), LIMITS)


def test_the_testers_single_quoted_formula_is_reported_through_the_child_process() -> None:
    sheet = Sheet.from_rows("Utfall", [UTFALL, ["med_x", "hc_a", "DÅ08 2022", None, C(12, formula="SUM(10,2)")]])
    raw = read_file("mall.xlsx", workbook([sheet], Style(quote="'")), LIMITS)
    assert [(c.row, c.column, c.found) for c in raw.problems] == [(2, "värde", "=SUM(10,2)")]
    assert raw.sheets["Utfall"].rows[0][1]["värde"] is None


# --- 14. CSV errors named where they start, by their real cause -----------------------------------

KOMMENTARER = list(COLUMNS["Kommentarer"])


@st.composite
def broken_quotes(draw: st.DrawFn) -> tuple[bytes, int, str, str]:
    """A CSV whose one cell opens a quote that is never closed, or closed only lines later (so
    that the rows between would vanish into the cell), or followed by text after it closes.
    Some rows before it hold a legitimate quoted comment over several lines, which shifts the
    line numbers. Returns the file, the line and column the message must name, and its cause."""
    rows = draw(st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=2, max_size=8))
    broken = draw(st.integers(0, len(rows) - 1))
    column = draw(st.integers(0, 4))
    how = draw(st.sampled_from(["never", "later", "after"] if broken < len(rows) - 1 else ["never", "after"]))
    lines = [";".join(KOMMENTARER)]
    cause = ""
    line_of_broken = 0
    for index, cells in enumerate(rows):
        cells = list(cells)
        if index < broken and draw(st.booleans()):
            cells[3] = '"' + "\n".join(draw(st.lists(TEXT, min_size=2, max_size=3))) + '"'  # a comment over lines
        if index == broken:
            line_of_broken = len(lines) + 1
            if how == "after":
                cells[column] = f'"{cells[column]}"{draw(TEXT)}'
                cause = "avgränsaren (semikolon) direkt efter ett avslutande citattecken"
            else:
                cells[column] = '"' + cells[column]
                cause = f"citattecknet som öppnar cellen på rad {line_of_broken} stängs aldrig"
        if how == "later" and index == broken + 1:
            cells[4] = cells[4] + '"'  # closes the quote opened above: the lines between would be one cell
        lines += ";".join(cells).split("\n")
    if how == "later":
        cause = f"citattecknet som öppnar cellen på rad {line_of_broken} stängs först på rad {line_of_broken + 1}"
    return ("\n".join(lines) + "\n").encode(), line_of_broken, KOMMENTARER[column], cause


@CASES
@given(case=broken_quotes())
def test_a_broken_quote_is_named_on_the_line_where_it_opened(case: tuple[bytes, int, str, str]) -> None:
    content, line, column, cause = case
    raw = read_csv("kommentarer.csv", content, LIMITS)
    found = problems(raw)
    assert [(row, col) for _, row, col, _, _ in found] == [(line, column)], found
    assert cause in found[0][4]
    assert line not in csv_rows(raw)  # the broken row is not read


@CASES
@given(
    rows=st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=5),
    where=st.tuples(st.integers(0, 4), st.integers(0, 7)),
    length=st.one_of(st.integers(MAX_CELL_CHARS + 1, MAX_CELL_CHARS + 10), st.integers(131_073, 1_100_000)),
    quoted=st.booleans(),
)
def test_a_cell_too_long_is_named_as_too_long_with_the_limit(
    rows: list[list[str]], where: tuple[int, int], length: int, quoted: bool
) -> None:
    index, column = where[0] % len(rows), where[1]
    rows[index][column] = ('"{}"' if quoted else "{}").format("x" * length)
    content = "\n".join(";".join(r) for r in [UTFALL, *rows]).encode() + b"\n"
    raw = read_csv("utfall.csv", content, LIMITS)
    ((_, row, name, found, expected),) = problems(raw)
    assert (row, name) == (index + 2, UTFALL[column])
    assert found.endswith(f"({length:,} tecken)".replace(",", NBSP))
    assert expected == f"en cell på högst 32{NBSP}767 tecken (samma gräns som i Excel)"
    assert index + 2 not in csv_rows(raw)


def test_a_cell_of_exactly_the_limit_is_read() -> None:
    content = (";".join(UTFALL) + "\nmed_x;hc_a;DÅ08 2022;;12;;;" + "x" * MAX_CELL_CHARS + "\n").encode()
    raw = read_csv("utfall.csv", content, LIMITS)
    assert not problems(raw) and len(csv_rows(raw)[2]["källa"]) == MAX_CELL_CHARS


CONTROLS = st.sampled_from([chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]])


@CASES
@given(
    rows=st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=5),
    where=st.tuples(st.integers(0, 4), st.integers(0, 7), st.integers(0, 12)),
    control=CONTROLS,
    quoted=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_a_control_character_is_named_by_row_and_column(
    rows: list[list[str]], where: tuple[int, int, int], control: str, quoted: bool, encoding: str
) -> None:
    index, column, at = where[0] % len(rows), where[1], where[2]
    text = rows[index][column]
    at = min(at, len(text))
    rows[index][column] = ('"{}"' if quoted else "{}").format(text[:at] + control + text[at:])
    content = ("\n".join(";".join(r) for r in [UTFALL, *rows]) + "\n").encode(encoding)
    raw = read_csv("utfall.csv", content, LIMITS)
    ((_, row, name, found, expected),) = problems(raw)
    assert (row, name) == (index + 2, UTFALL[column])
    assert f"[U+{ord(control):04X}]" in found
    assert (
        expected.startswith(f"text utan styrtecken: tecknet [U+{ord(control):04X}]") and f"på plats {at + 1} i cellen" in expected
    )
    assert index + 2 not in csv_rows(raw)


def test_a_file_that_is_mostly_nul_bytes_is_binary_and_says_so() -> None:
    for content in ("styrmått;enhet;period\n".encode("utf-16-le"), bytes(500), b"a;b\n" + bytes(100)):
        with pytest.raises(ImportFileError, match=r"^Filen fil\.csv innehåller binära tecken och är ingen textfil \(CSV\)\."):
            read_csv("fil.csv", content, LIMITS)


def test_the_testers_csv_errors_name_the_right_row_and_cause() -> None:
    header = ";".join(UTFALL)
    quote = f'{header}\nmed_x;hc_a;"DÅ08 2022;;12;;;\nmed_y;hc_a;DÅ08 2022;;12;;;\nmed_z;hc_a;DÅ08 2022;;12;;;\n'
    ((_, row, column, _, expected),) = problems(read_csv("utfall.csv", quote.encode(), LIMITS))
    assert (row, column) == (2, "period") and "öppnar cellen på rad 2 stängs aldrig" in expected
    long = f"{header}\nmed_x;hc_a;DÅ08 2022;;12;;;{'x' * 1_000_000}\n"
    ((_, row, column, _, expected),) = problems(read_csv("utfall.csv", long.encode(), LIMITS))
    assert (row, column) == (2, "källa") and "högst 32" in expected and "citattecken" not in expected
    nul = f"{header}\nmed_x;hc_a;DÅ08 2022;;1\x002;;;\n"
    ((_, row, column, found, _),) = problems(read_csv("utfall.csv", nul.encode(), LIMITS))
    assert (row, column, found) == (2, "värde", "1[U+0000]2")


def test_csv_problems_reach_the_report_with_row_and_column(data: Path) -> None:
    content = f"{';'.join(UTFALL)}\nmed_telefon_samma_dag;hc_hortlax;DÅ08 2022;;9\x001 %;;;\n".encode()
    plan = pipeline.prepare(data, "utfall.csv", content)
    assert [(p.sheet, p.row, p.column) for p in plan.problems] == [("utfall.csv", 2, "värde")] and plan.changes == {}


# --- a file wrong everywhere costs no more than a file wrong once -----------------------------------


def test_a_csv_wrong_on_every_row_lists_the_first_errors_and_counts_the_rest() -> None:
    body = "".join(f"med_x;hc_{i}\x01;DÅ08 2022;;1\x02;;;\n" for i in range(MAX_REPORTED))  # two per row
    raw = read_csv("utfall.csv", f"{';'.join(UTFALL)}\n{body}".encode(), LIMITS)
    found = problems(raw)
    assert len(found) == MAX_REPORTED + 1 and csv_rows(raw) == {}
    summary = next(p for p in found if p[2] == "raden")
    assert summary[3] == f"{MAX_REPORTED:,} fel till".replace(",", NBSP) and summary[1] == MAX_REPORTED // 2 + 2


def test_a_csv_line_of_millions_of_delimiters_is_refused_with_its_count_without_splitting_it_all() -> None:
    content = f"{';'.join(UTFALL)}\nmed_x;hc_a;DÅ08 2022;;12{';' * 2_000_000}\n".encode()
    raw = read_csv("utfall.csv", content, LIMITS)
    ((_, row, column, found, expected),) = problems(raw)
    assert (row, column) == (2, "raden") and len(found) <= 80
    assert f"rad 2 har 2{NBSP}000{NBSP}005 celler men rubrikraden har 8" in expected


def test_a_workbook_of_formulas_lists_the_first_and_counts_the_rest() -> None:
    rows = [["med_x", "hc_a", "DÅ08 2022", None, C(1, formula="1"), C(1, formula="1")] for _ in range(MAX_REPORTED)]
    raw = read_xlsx("mall.xlsx", workbook([Sheet.from_rows("Utfall", [UTFALL, *rows])]), LIMITS)
    found = problems(raw)
    assert len(found) == MAX_REPORTED + 1
    ((_, row, _, shown, _),) = [p for p in found if p[2] == "raden"]
    assert (row, shown) == (MAX_REPORTED // 2 + 2, f"{MAX_REPORTED:,} fel till".replace(",", NBSP))


# --- files that are not what their name says ------------------------------------------------------

ZIP_OF_TEXT = io.BytesIO()
with zipfile.ZipFile(ZIP_OF_TEXT, "w") as _archive:
    _archive.writestr("utfall.csv", ";".join(UTFALL))
ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(60)
OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)
ODS = io.BytesIO()
with zipfile.ZipFile(ODS, "w") as _archive:
    _archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    _archive.writestr("content.xml", "<office:document-content/>")
CSV_TEXT = (";".join(UTFALL) + "\nmed_x;hc_a;DÅ08 2022;;12;;;\n").encode()

NOT_WHAT_THEY_SAY = [
    ("xlsx-named-csv", "utfall.csv", SMALL, "Filen utfall.csv är en zip-fil (som en Excel-arbetsbok), inte en textfil: filändelsen .csv stämmer inte."),
    ("xlsx-named-txt", "utfall.txt", SMALL, "Filen utfall.txt är en zip-fil (som en Excel-arbetsbok), inte en textfil: filändelsen .txt stämmer inte."),
    ("zip-named-json", "kolada.json", ZIP_OF_TEXT.getvalue(), "Filen kolada.json är en zip-fil"),
    ("zip-of-csv-named-xlsx", "mall.xlsx", ZIP_OF_TEXT.getvalue(), "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ (zip-filen har ingen arbetsbok"),
    ("csv-named-xlsx", "mall.xlsx", CSV_TEXT, "Filen mall.xlsx är en textfil, ingen Excel-arbetsbok, trots filändelsen .xlsx."),
    ("csv-named-xls", "mall.xls", CSV_TEXT, "Filen mall.xls är en textfil, ingen Excel-arbetsbok, trots filändelsen .xls."),
    ("html-named-xls", "export.xls", b"<html><table><tr><td>1</td></tr></table></html>", "Filen export.xls är en webbsida eller XML-fil (text), ingen Excel-arbetsbok"),
    ("encrypted-xlsx", "mall.xlsx", ENCRYPTED, "Filen mall.xlsx är lösenordsskyddad (krypterad) och kan inte läsas."),
    ("encrypted-named-xls", "mall.xls", ENCRYPTED, "Filen mall.xls är lösenordsskyddad (krypterad)"),
    ("xls", "gammal.xls", OLD_XLS, "Filen gammal.xls är i det gamla Excelformatet .xls."),
    ("xls-named-xlsx", "mall.xlsx", OLD_XLS, "Filen mall.xlsx är i Excels gamla binära format (.xls) eller ett annat äldre Office-format, trots filändelsen .xlsx."),
    ("xls-named-csv", "utfall.csv", OLD_XLS, "Filen utfall.csv är i Excels gamla binära format (.xls)"),
    ("xlsb", "mall.xlsb", workbook([Sheet.from_rows("Utfall", [UTFALL])], extra={"xl/workbook.bin": b"\x00"}), "Filen mall.xlsb är en binär Excel-arbetsbok (.xlsb)."),
    ("ods", "mall.ods", ODS.getvalue(), "Filen mall.ods är ett OpenDocument-dokument"),
    ("ods-named-xlsx", "mall.xlsx", ODS.getvalue(), "Filen mall.xlsx är ett OpenDocument-dokument"),
    ("random-named-xlsx", "mall.xlsx", b"\x81\x8d\x8f\x90\x9d" * 20, "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ."),
    ("truncated-xlsx", "mall.xlsx", SMALL[: len(SMALL) // 3], "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx)"),
] + [
    (f"empty-{suffix.strip('.')}", f"fil{suffix}", content, f"Filen fil{suffix} är tom.")
    for suffix in (".csv", ".xlsx", ".xls", ".json", ".txt")
    for content in (b"", b"\xef\xbb\xbf", b" \r\n")
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "message"), [c[1:] for c in NOT_WHAT_THEY_SAY], ids=[c[0] for c in NOT_WHAT_THEY_SAY]
)
def test_a_file_that_is_not_what_its_name_says_gets_a_swedish_message(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        read_file(name, content, LIMITS, mapping=b"styrm\xc3\xa5tt: {}\nenheter: {}\n")
    assert str(refused.value).startswith(message), str(refused.value)


def test_what_is_not_read_is_named_in_the_preview(data: Path) -> None:
    row = ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", None, "91,5 %"]
    csv = f"Utfall DÅ08 2022\n{';'.join(UTFALL)}\nmed_telefon_samma_dag;hc_hortlax;DÅ08 2022;;91,5 %;;;\n".encode()
    book = workbook([Sheet.from_rows("Utfall", [UTFALL, row]), Sheet.from_rows("Anteckningar", [["Att göra: kolla Råneå"]])])
    for name, content, named in [
        (
            "utfall.csv",
            csv,
            "utfall.csv, rad 1 läses inte: den står ovanför rubrikraden (rad 2) och räknas som rubrik (”Utfall DÅ08 2022”).",
        ),
        (
            "mall.xlsx",
            book,
            "Bladet ”Anteckningar” läses inte: det är inget av mallens blad (Utfall, Mål, Kommentarer, Åtgärder) och har ingen rubrikrad som dem.",
        ),
    ]:
        plan = pipeline.prepare(data, name, content)
        assert plan.ok, pipeline.report_text(plan)
        assert plan.sentence().endswith(named)
