"""Malformed and hostile files: ``prepare`` always answers with a Plan, refuses in Swedish, and never
touches the store.

The store is copied once per module, because prepare never writes; every example checks that it
did not (the Delta version of every table, the files under the store, the observations). The corrupt
inputs at the bottom once made ``prepare`` raise; each is now refused with a Swedish message.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from polars.testing import assert_frame_equal

from kpi.imports import pipeline
from kpi.model.errors import StyrkortError
from kpi.store.bundled import copy_data
from kpi.store.delta import TABLES, Store

DATA = Path(__file__).resolve().parents[2] / "data"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW_FUZZ = settings(FUZZ, max_examples=40)  # examples that get as far as validation against the catalogue
MAPPING = 'styrmått:\n  N00001: med_digitala_vardbesok\nenheter:\n  "2581": hc_pitea\n'.encode()
# A refusal of the whole file opens the way the reader's messages do; every other problem has a place.
OPENINGS = ("Filen ", "Filtypen ", "Arbetsboken ", "Rubrikraden ", "Mappningsfilen ")
# Texts that mean an exception's own (English) message reached the report.
INTERNALS = ("Traceback", "object at 0x", "invalid literal", "out of range", "Errno", "NoneType")


# --- the store, copied once, and what "untouched" means ---------------------------------------------


def _state(root: Path) -> tuple[dict[str, int], list[tuple[str, int]], pl.DataFrame]:
    store = Store(root / "store")
    files = sorted(
        (str(Path(d, f).relative_to(root)), os.path.getsize(Path(d, f))) for d, _, names in os.walk(root) for f in names
    )
    return {t: store.version(t) for t in TABLES}, files, store.read("observations")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("fuzz") / "data")


@pytest.fixture(scope="module")
def baseline(data: Path) -> tuple[dict[str, int], list[tuple[str, int]], pl.DataFrame]:
    return _state(data)


def assert_untouched(data: Path, baseline: tuple[dict[str, int], list[tuple[str, int]], pl.DataFrame]) -> None:
    versions, files, observations = _state(data)
    assert versions == baseline[0]
    assert files == baseline[1]
    assert_frame_equal(observations, baseline[2])


def assert_answered(data: Path, plan: pipeline.Plan) -> None:
    """A Plan; if refused, every problem is Swedish and placed, and the plan cannot be written."""
    assert isinstance(plan, pipeline.Plan)
    if plan.ok:
        assert plan.changes and all(set(f["change"].to_list()) <= {"ny", "ändrad", "oförändrad"} for f in plan.changes.values())
        return
    lines = pipeline.report_text(plan).splitlines()
    assert lines[0] == f"{len(plan.problems)} fel i {plan.file_name}. Inget har lästs in."
    for problem in plan.problems:
        if problem.row:
            assert str(problem).startswith(f"{problem.sheet}, rad {problem.row}, {problem.column}: ")
            assert "; förväntat " in str(problem) and ("fann ”" in str(problem) or "tomt;" in str(problem))
        else:
            assert problem.expected.startswith(OPENINGS), problem.expected
        assert not any(word in problem.expected for word in INTERNALS), problem.expected
    with pytest.raises(StyrkortError, match="rätta felen i rapporten först"):
        pipeline.apply(data, plan, user="fuzz")


def prepare_checked(data: Path, baseline: object, name: str, content: bytes, mapping: bytes | None = None) -> pipeline.Plan:
    plan = pipeline.prepare(data, name, content, mapping=mapping)
    if currently_in_test_context():  # how far the examples get, for --hypothesis-show-statistics
        event("written as is" if plan.ok else "refused row by row" if any(p.row for p in plan.problems) else "refused as a whole")
    assert_answered(data, plan)
    assert_untouched(data, baseline)  # type: ignore[arg-type]
    return plan


# --- building files ---------------------------------------------------------------------------------


def workbook(sheets: dict[str, list[list[object]]], *, title: str | None = None, percent: tuple[str, ...] = ()) -> bytes:
    """An xlsx with the given sheets (rows from row 1, or from row 2 under a merged title)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        if title is not None:
            sheet.append([title])
            sheet.merge_cells("A1:H1")
        for row in rows:
            sheet.append(row)
        for coordinate in percent:
            sheet[coordinate].number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _patched_sheet(content: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with bytes of its first worksheet's XML replaced: what no spreadsheet program writes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            target.writestr(name, part.replace(old, new) if name == "xl/worksheets/sheet1.xml" else part)
    return out.getvalue()


UTFALL = ["styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"]
VALID_ROW = ["med_triage_digitalen", "div_nara", "DÅ08 2022", "", "43 000"]
SMALL = workbook({"Utfall": [UTFALL, VALID_ROW]})


def csv_text(*rows: str) -> bytes:
    return "\n".join((";".join(UTFALL), *rows, "")).encode()


def kolada_value(value: str) -> bytes:
    entry = '{"kpi": "N00001", "municipality": "2581", "period": 2022, "values": [{"gender": "T", "status": "", "value": %s}]}'
    return ('{"values": [' + entry % value + "]}").encode()


# --- a table of hostile files and what the analyst is told ------------------------------------------

HOSTILE = [
    (
        "random-bytes",
        "fil.csv",
        b"\x81\x8d\x8f\x90\x9d\xff\xfe",
        None,
        "Filen fil.csv är varken UTF-8 eller Windows-1252 (byte 1 går inte att läsa). Spara den som CSV UTF-8.",
    ),
    ("empty", "tom.csv", b"", None, "Filen tom.csv är tom."),
    ("blank", "tom.csv", b" \r\n\t\n", None, "Filen tom.csv är tom."),
    ("bom-only", "bom.csv", b"\xef\xbb\xbf", None, "Filen bom.csv "),
    (  # a stray NUL is named by row and column (test_read_hostile.py); a file full of them is not text
        "nul-bytes",
        "fil.csv",
        "styrmått;enhet;period\n".encode("utf-16-le"),
        None,
        "Filen fil.csv innehåller binära tecken och är ingen textfil (CSV).",
    ),
    (
        "no-delimiter",
        "fil.csv",
        "styrmått enhet period värde\nx y z 1\n".encode(),
        None,
        "Filen fil.csv har ingen avgränsare i rubrikraden; kolumnerna ska skiljas med semikolon eller komma.",
    ),
    ("unknown-header", "fil.csv", b"a;b;c\n1;2;3\n", None, "Rubrikraden i fil.csv (”a;b;c”) passar inget av mallens blad."),
    (
        "mixed-encodings",
        "fil.csv",
        csv_text("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;") + "Råneå;Luleå\n".encode("cp1252"),
        None,
        "Filen fil.csv blandar teckenkodningar",
    ),
    (
        "xls",
        "gammal.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
        None,
        "Filen gammal.xls är i det gamla Excelformatet .xls. Spara den som .xlsx (Excel-arbetsbok) och försök igen.",
    ),
    (
        "pdf",
        "rapport.pdf",
        b"%PDF-1.7\n",
        None,
        "Filtypen .pdf kan inte läsas in. Använd mallen (.xlsx), CSV (.csv) eller Kolada-data (.json).",
    ),
    (
        "truncated-xlsx",
        "mall.xlsx",
        SMALL[: len(SMALL) // 2],
        None,
        "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ.",
    ),
    (
        "zip-not-xlsx",
        "fil.csv",
        b"PK\x03\x04" + bytes(60),
        None,
        "Filen fil.csv är en zip-fil (som en Excel-arbetsbok), inte en textfil: filändelsen .csv stämmer inte.",
    ),
    (
        "no-template-sheet",
        "bok.xlsx",
        workbook({"Blad1": [UTFALL, VALID_ROW]}),
        None,
        "Arbetsboken bok.xlsx har inget av bladen Utfall, Mål, Kommentarer, Åtgärder (den har Blad1). Använd mallen.",
    ),
    (
        "empty-utfall",
        "mall.xlsx",
        workbook({"Utfall": []}),
        None,
        "Filen mall.xlsx innehåller inga rader att läsa in (bladen Utfall, Mål, Kommentarer, Åtgärder är tomma).",
    ),
    ("header-only", "mall.xlsx", workbook({"Utfall": [UTFALL]}), None, "Filen mall.xlsx innehåller inga rader att läsa in"),
    (
        "json-not-kolada",
        "data.json",
        b'{"kpi": "N00001", "data": [1, 2]}',
        MAPPING,
        "Filen data.json är inte Kolada-data: listan ”values” saknas.",
    ),
    ("json-list", "data.json", b"[1, 2, 3]", MAPPING, "Filen data.json är inte Kolada-data: listan ”values” saknas."),
    ("json-broken", "data.json", b'{"values": [', MAPPING, "Filen data.json är inte giltig JSON (rad 1, tecken 13)."),
    (
        "mapping-broken",
        "data.json",
        kolada_value("1"),
        b"styrm\xc3\xa5tt: [\n",
        "Mappningsfilen går inte att läsa (felaktig YAML/JSON).",
    ),
]


@pytest.mark.parametrize(("name", "content", "mapping", "message"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_refused_with_a_swedish_message(
    data: Path, baseline: object, name: str, content: bytes, mapping: bytes | None, message: str
) -> None:
    plan = prepare_checked(data, baseline, name, content, mapping)
    assert [(p.row, p.column) for p in plan.problems] == [(0, "filen")]
    assert plan.problems[0].expected.startswith(message)


def test_text_huge_numbers_and_formulas_in_numeric_cells_are_each_refused(data: Path, baseline: object) -> None:
    values = ["tolv", "1e300", "9" * 400, "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "43.000", "NaN", "inf", "1,2,3"]
    rows = [f"med_triage_digitalen;div_nara;{2019 + i} T2;;{v};;;" for i, v in enumerate(values)]
    plan = prepare_checked(data, baseline, "utfall.csv", csv_text(*rows))
    found = [(p.row, p.column, p.found, p.expected) for p in plan.problems]
    number = "ett tal, t.ex. 17,1, 43 000 eller 92 %"
    assert found == [
        (2, "värde", "tolv", number),
        (3, "värde", "1e300", number),
        (4, "värde", "9" * 80, "ett tal av rimlig storlek (högst 10¹²)"),
        (5, "värde", "=1+1", number),
        (6, "värde", "+cmd|' /C calc'!A0", number),
        (7, "värde", "@SUM(A1)", number),
        (8, "värde", "-2+3", number),
        (9, "värde", "43.000", "ett entydigt tal: punkten kan betyda både tusental och decimaler; skriv 43 000 eller 43,0"),
        (10, "värde", "NaN", number),
        (11, "värde", "inf", number),
        (12, "värde", "1,2,3", number),
    ]


def test_real_formulas_and_huge_numbers_in_a_workbook_are_refused(data: Path, baseline: object) -> None:
    rows = [
        UTFALL,
        [*VALID_ROW[:4], "=1+1"],
        [*VALID_ROW[:2], "ÅR 2022", "", 1e300],
        [*VALID_ROW[:2], "DÅ04 2022", "", '=HYPERLINK("http://x")'],
    ]
    plan = prepare_checked(data, baseline, "mall.xlsx", workbook({"Utfall": rows}))
    assert [(p.sheet, p.row, p.column) for p in plan.problems] == [
        ("Utfall", 2, "värde"),
        ("Utfall", 3, "värde"),
        ("Utfall", 4, "värde"),
    ]
    formula, huge, link = plan.problems
    assert (formula.found, link.found) == ("=1+1", '=HYPERLINK("http://x")')
    assert formula.expected == "ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden)"
    assert huge.found == "1e+300" and huge.expected == "ett tal av rimlig storlek (högst 10¹²)"


def test_a_huge_number_is_shown_briefly_in_the_report(data: Path, baseline: object) -> None:
    plan = prepare_checked(data, baseline, "mall.xlsx", workbook({"Utfall": [UTFALL, [*VALID_ROW[:4], 1e300]]}))
    assert [p.column for p in plan.problems] == ["värde"] and len(plan.problems[0].found) <= 80


# --- property tests ---------------------------------------------------------------------------------

NAMES = ["fil.csv", "fil.xlsx", "FIL.XLSX", "fil.json", "fil.xls", "fil.txt", "fil", "fil.pdf", "fil.xlsm"]
PREFIXES = [b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"{", b"\xd0\xcf\x11\xe0", "styrmått;enhet;period;värde\n".encode()]


@FUZZ
@given(
    name=st.sampled_from(NAMES),
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=3000),
    mapping=st.one_of(st.none(), st.just(MAPPING), st.binary(max_size=200)),
)
def test_random_bytes_are_answered_not_raised(
    data: Path, baseline: object, name: str, prefix: bytes, body: bytes, mapping: bytes | None
) -> None:
    prepare_checked(data, baseline, name, prefix + body, mapping)


LIKELY = [
    "med_telefon_samma_dag", "med_triage_digitalen", "med_digitala_vardbesok", "sam_kommuner_levnadsvanor", "hc_hortlax",
    "Division Nära", "Öjebyns hälsocentral", "hc_mjolkudden", "DÅ08 2022", "2022 T2", "aug 2022", "ÅR 2022", "DÅ04 2021",
    "Kvinnor", "Män", "T", "91,5 %", "43 000", "17,1", "\u221231", "0", "100 %", "12", "400",
]  # fmt: skip
NASTY = [
    "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", '=HYPERLINK("http://x")', "1e300", "9" * 400, "-" + "9" * 400,
    "43.000", "NaN", "inf", "1,2,3", "%", "tolv", "'", '"', "\u202e", "😀", "a;b", "x,y", "NULL", "None", "TRUE", " " * 5,
    "x" * 5000,
]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(LIKELY),
    st.sampled_from(NASTY),
    st.text(max_size=15),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats().map(str),
)
HEADERS = [
    UTFALL,
    ["styrmått", "enhet", "period", "värde"],
    ["styrmått", "enhet", "period", "kommentar", "författare"],
    ["år", "styrmått", "mål (text)", "målvärde", "mål kvinnor", "mål män"],
    ["åtgärd", "period", "status", "kommentar"],
    ["styrmått", "enhet", "period", "värde", "okänd kolumn"],
    ["värde", "värde", "styrmått", "enhet", "period"],
    ["a", "b", "c"],
]


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.sampled_from(HEADERS))
    rows = draw(st.lists(st.lists(CELLS, max_size=9), max_size=6))
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    if draw(st.booleans()):  # well-formed, quoted where needed
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
        text = buffer.getvalue()
    else:  # cells joined as they are: stray quotes and delimiters inside cells
        text = "\n".join(delimiter.join(r) for r in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "mixed"]))
    if encoding == "mixed":
        head, _, tail = text.partition("\n")
        return head.encode() + b"\n" + tail.encode("cp1252", errors="replace")
    return text.encode(encoding, errors="replace")


@SLOW_FUZZ
@given(content=csv_files())
def test_malformed_csv_is_answered_not_raised(data: Path, baseline: object, content: bytes) -> None:
    prepare_checked(data, baseline, "utfall.csv", content)


XLSX_CELLS = st.one_of(
    st.none(),
    st.sampled_from(LIKELY),
    st.sampled_from(NASTY),
    st.text(max_size=15).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 12, 31)),
)
SHEET_NAMES = ["Utfall", "utfall", "Mål", "Kommentarer", "Åtgärder", "Blad1"]


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    names = draw(st.lists(st.sampled_from(SHEET_NAMES), min_size=1, max_size=3, unique=True))
    sheets = {}
    for name in names:
        header = draw(st.sampled_from([*HEADERS, []]))
        rows = draw(st.lists(st.lists(XLSX_CELLS, max_size=9), max_size=5))
        sheets[name] = [header, *rows] if header or rows else []
    title = draw(st.sampled_from([None, "Utfall DÅ08 2022, Division Nära"]))
    percent = tuple(draw(st.lists(st.sampled_from(["E2", "E3", "F2"]), max_size=2, unique=True)))
    content = workbook(sheets, title=title, percent=percent)
    cut = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(content) - 1)))
    return content if cut is None else content[:cut]


@SLOW_FUZZ
@given(content=workbooks())
def test_malformed_workbooks_are_answered_not_raised(data: Path, baseline: object, content: bytes) -> None:
    prepare_checked(data, baseline, "mall.xlsx", content)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
KOLADA_ITEMS = st.fixed_dictionaries(
    {
        "gender": st.one_of(st.sampled_from(["T", "K", "M", "X", "", None]), JSON_VALUES),
        "status": st.sampled_from(["", "Missing", "missing", "Saknas", None, "Ok"]),
        "value": st.one_of(st.none(), st.floats(), st.integers(min_value=-(10**30), max_value=10**30), JSON_VALUES),
    }
)
KOLADA_ENTRIES = st.fixed_dictionaries(
    {
        "kpi": st.sampled_from(["N00001", "N99999", ""]),
        "municipality": st.one_of(st.sampled_from(["2581", "0180", None]), st.text(max_size=5)),
        "period": st.one_of(st.sampled_from([2022, "2022", 2021, "aug", -1, 10**20, None]), JSON_VALUES),
        "values": st.one_of(st.lists(KOLADA_ITEMS, max_size=4), JSON_VALUES),
    }
)


@SLOW_FUZZ
@given(
    document=st.one_of(
        st.fixed_dictionaries({"values": st.lists(st.one_of(KOLADA_ENTRIES, JSON_VALUES), max_size=4)}), JSON_VALUES
    ),
    mapping=st.sampled_from([MAPPING, b"styrm\xc3\xa5tt: {}\nenheter: {}\n", b"- a\n- b\n", b"", b"{{{"]),
)
def test_kolada_look_alikes_are_answered_not_raised(data: Path, baseline: object, document: object, mapping: bytes) -> None:
    prepare_checked(data, baseline, "kolada.json", json.dumps(document).encode(), mapping)


# --- corrupt workbooks: refused, not raised ---------------------------------------------------------

CORRUPT_WORKBOOKS = [
    (
        "broken-sheet-xml",
        _patched_sheet(SMALL, b"</sheetData>", b"<row"),
        "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx)",
    ),
    (
        "text-in-numeric-cell-xml",
        _patched_sheet(workbook({"Utfall": [UTFALL, [*VALID_ROW[:4], 123456789]]}), b"<v>123456789</v>", b"<v>tolv</v>"),
        "Filen mall.xlsx går inte att öppna som en Excel-arbetsbok (.xlsx)",
    ),
    (
        "400-digit-integer",
        _patched_sheet(
            workbook({"Utfall": [UTFALL, [*VALID_ROW[:4], 123456789]]}), b"<v>123456789</v>", b"<v>" + b"9" * 400 + b"</v>"
        ),
        "ett tal av rimlig storlek (högst 10¹²)",
    ),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in CORRUPT_WORKBOOKS], ids=[c[0] for c in CORRUPT_WORKBOOKS])
def test_a_workbook_with_corrupt_sheet_xml_is_refused(data: Path, baseline: object, content: bytes, message: str) -> None:
    plan = prepare_checked(data, baseline, "mall.xlsx", content)
    assert len(plan.problems) == 1 and plan.problems[0].expected.startswith(message)


@pytest.mark.parametrize(
    "cell",
    [b"<c><f>SUM(1,2)</f><v>45000</v></c>", b"<c r='E2'><f>SUM(1,2)</f><v>45000</v></c>"],
    ids=["no-reference", "single-quotes"],
)
def test_a_formula_cell_is_reported_however_its_xml_is_written(data: Path, baseline: object, cell: bytes) -> None:
    content = _patched_sheet(
        workbook({"Utfall": [UTFALL, [*VALID_ROW[:4], 123456789]]}), b'<c r="E2" t="n"><v>123456789</v></c>', cell
    )
    plan = prepare_checked(data, baseline, "mall.xlsx", content)
    assert not plan.ok, plan.changes["observations"]["value"].to_list()  # today: [45000.0], the cached result


# --- inputs that make prepare raise today ------------------------------------------------------------

RAISING = [
    pytest.param(
        "kolada.json", kolada_value("9" * 400), MAPPING,
        id="400-digit-integer-kolada",
    ),
    pytest.param(
        "kolada.json", kolada_value("9" * 5000), MAPPING,
        id="5000-digit-integer-kolada",
    ),
    pytest.param(
        "kolada.json", b'{"values": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", MAPPING,
        id="deeply-nested-json",
    ),
    pytest.param(
        "kolada.json", kolada_value("1"), "styrmått: ".encode() + b"[" * 5_000 + b"]" * 5_000 + b"\nenheter: {}\n",
        id="deeply-nested-mapping",
    ),
    pytest.param(
        "kolada.json", kolada_value("1"), "styrmått:\n  N00001: 2022-13-45\nenheter: {}\n".encode(),
        id="impossible-date-in-mapping",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "mapping"), RAISING)
def test_prepare_never_raises_on_corrupt_content(
    data: Path, baseline: object, name: str, content: bytes, mapping: bytes | None
) -> None:
    prepare_checked(data, baseline, name, content, mapping)
