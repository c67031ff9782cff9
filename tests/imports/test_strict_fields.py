"""Every field as strict as the template promises (issue 14, class 5), generated.

Numbers in the digits a Swedish analyst types; a share computable from what is given; stored
text printable and bounded; years in range; one row per key. Each forbidden input is generated
by kind, put in a file among valid rows, and must be refused with its row and column while the
store stays exactly as it was.
"""

from __future__ import annotations

import string
import sys
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.imports import pipeline
from kpi.imports.check import MAX_LINE, MAX_TEXT, CheckContext, check_file
from kpi.imports.raw import RawFile, RawSheet
from kpi.model.catalogue import load_catalogues
from kpi.store.bundled import copy_data
from kpi.store.delta import Store
from tests.imports.support import DATA, assert_refused, import_file, label, problem_places, state

EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UTFALL = ["styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"]
MAL = ["år", "styrmått", "mål (text)", "målvärde", "mål kvinnor", "mål män"]
KOMMENTARER = ["styrmått", "enhet", "period", "kommentar", "författare"]
ATGARDER = ["åtgärd", "period", "status", "kommentar"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("strict") / "data")


@pytest.fixture(scope="module")
def before(pristine: Path) -> tuple[dict[str, int], dict[str, pl.DataFrame]]:
    return state(pristine)


# Valid rows to put the bad one among: new figures in a year nothing is stored for.
def _filler(n: int) -> list[list[object]]:
    return [["med_digitala_vardbesok", "hc_pitea", f"2030-{m:02d}", "T", "12,5 %", "50", "400", None] for m in range(1, n + 1)]


def refused_at(pristine: Path, before: object, kind: str, table: str, header: list[str], rows: list[list[object]], place: int, column: str) -> pipeline.Plan:
    """Prepare the file; the only problems are at (row, column), said that way; nothing is written."""
    name, content = import_file(kind, table, header, rows)
    plan = pipeline.prepare(pristine, name, content)
    assert problem_places(plan) == {(label(kind, table), place + 2, column)}, pipeline.report_text(plan)
    assert_refused(pristine, before, plan)  # type: ignore[arg-type]
    return plan


def with_bad_row(filler: int, position: int, bad: list[object]) -> tuple[list[list[object]], int]:
    rows = _filler(filler)
    position = min(position, len(rows))
    rows.insert(position, bad)
    return rows, position


# --- numbers --------------------------------------------------------------------------------------

# The zero of every other script's decimal digits (Arabic-Indic, Devanagari, full-width, mathematical …).
OTHER_ZEROS = sorted(
    {chr(c - unicodedata.digit(chr(c))) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd" and c > 0x7F}
)


def _in_script(number: str, zero: str, every: bool) -> str:
    digits = [i for i, c in enumerate(number) if c in string.digits]
    chosen = digits if every else digits[:1]
    return "".join(chr(ord(zero) + int(c)) if i in chosen else c for i, c in enumerate(number))


FORBIDDEN_NUMBERS = st.one_of(
    st.builds(lambda m, e, sep, sign: f"{m}{sep}{sign}{e}", st.integers(1, 999), st.integers(0, 9), st.sampled_from("eE"), st.sampled_from(["", "+", "-"])),
    st.sampled_from(["inf", "-inf", "+inf", "Infinity", "INF", "nan", "NaN", "-nan", "∞", "1e3", "1E-2", "2,5e2"]),
    st.builds(lambda a, b: f"{a}_{b:03d}", st.integers(1, 999), st.integers(0, 999)),
    st.builds(lambda n, x: f"{x}{n:x}", st.integers(1, 10**6), st.sampled_from(["0x", "0X"])),
    st.builds(_in_script, st.integers(0, 99999).map(str), st.sampled_from(OTHER_ZEROS), st.booleans()),
    st.builds(lambda n, z: _in_script(f"{n} %", z, True), st.integers(0, 100), st.sampled_from(OTHER_ZEROS)),
)


@EXAMPLES
@given(FORBIDDEN_NUMBERS, st.sampled_from(["värde", "täljare", "nämnare"]), st.sampled_from(["csv", "xlsx"]), st.integers(0, 4))
def test_a_number_not_written_as_an_analyst_writes_it_is_refused(
    pristine: Path, before: object, text: str, column: str, kind: str, position: int
) -> None:
    bad = ["med_digitala_vardbesok", "hc_pitea", "2030-12", "T", "12,5 %", "50", "400", None]
    bad[UTFALL.index(column)] = text
    if column != "värde":
        bad[4] = ".."  # the value is not checked against counts that cannot be read
        bad[5 if column == "nämnare" else 6] = ".."
    rows, place = with_bad_row(3, position, bad)
    plan = refused_at(pristine, before, kind, "observations", UTFALL, rows, place, column)
    assert plan.problems[0].expected.startswith(("ett tal", "ett entydigt tal", "ett tal av rimlig storlek"))


@EXAMPLES
@given(FORBIDDEN_NUMBERS, st.sampled_from(["år", "målvärde"]), st.sampled_from(["csv", "xlsx"]))
def test_a_forbidden_number_in_a_target_is_refused(pristine: Path, before: object, text: str, column: str, kind: str) -> None:
    row: list[object] = ["2031", "med_telefon_samma_dag", None, "96", None, None]
    row[MAL.index(column)] = text
    plan = refused_at(pristine, before, kind, "targets", MAL, [row], 0, column)
    assert plan.problems[0].expected.startswith(("ett tal", "ett årtal", "ett entydigt"))


@pytest.mark.parametrize(("typed", "value"), [("+43 000", 43000.0), ("+0,5", 0.5)])
def test_a_leading_plus_is_read_as_the_number(pristine: Path, typed: str, value: float) -> None:
    """Documented in kpi.imports.swedish: reports write positive deviations with a plus."""
    name, content = import_file("csv", "observations", UTFALL[:5], [["eko_budgetavvikelse", "region_nb", "2030-ÅR", "T", typed]])
    plan = pipeline.prepare(pristine, name, content)
    assert plan.ok, pipeline.report_text(plan)
    assert plan.changes["observations"]["value"].to_list() == [value]


# --- a share computable from what is given -----------------------------------------------------------


@st.composite
def broken_shares(draw: st.DrawFn) -> tuple[list[object], str, str]:
    """(row, column refused, the start of what is expected)."""
    row: list[object] = ["med_digitala_vardbesok", "hc_pitea", "2030-12", "T", None, None, None, None]
    case = draw(st.sampled_from(["above", "zero", "fraction", "negative", "inconsistent", "over 100", "below 0", "numerator only", "denominator only", "dots and counts", "dots half"]))
    denominator = draw(st.integers(1, 10_000))
    numerator = draw(st.integers(0, denominator))
    if case == "above":
        row[4:7] = ["12,5 %", str(denominator + draw(st.integers(1, 500))), str(denominator)]
        return row, "nämnare", "en nämnare som är minst lika stor som täljaren"
    if case == "zero":
        row[4:7] = ["0 %", "0", "0"]
        return row, "nämnare", "en nämnare större än 0"
    if case == "fraction":
        column = draw(st.sampled_from(["täljare", "nämnare"]))
        cell = f"{draw(st.integers(1, 999))},{draw(st.integers(1, 9))}"
        row[4:7] = ["0,01 %", cell if column == "täljare" else "1", cell if column == "nämnare" else "10000"]
        return row, column, "ett heltal"
    if case == "negative":
        column = draw(st.sampled_from(["täljare", "nämnare"]))
        row[4:7] = ["10 %", f"-{numerator + 1}" if column == "täljare" else "1", f"-{denominator}" if column == "nämnare" else "10"]
        return row, column, "ett antal som inte är negativt"
    if case == "inconsistent":
        decimals = draw(st.integers(0, 2))
        ratio = numerator / denominator * 100
        off = draw(st.sampled_from([-1, 1])) * (10.0**-decimals) * draw(st.integers(1, 30))
        value = min(100.0, max(0.0, round(ratio + off, decimals)))
        if abs(value - ratio) <= 0.5 * 10.0**-decimals + 1e-9:
            value = round(ratio + 10, decimals) if ratio < 50 else round(ratio - 10, decimals)
        row[4:7] = [f"{value:.{decimals}f}".replace(".", ",") + " %", str(numerator), str(denominator)]
        return row, "värde", "ett värde som stämmer med täljare/nämnare"
    if case in ("over 100", "below 0"):
        row[4] = f"{draw(st.integers(101, 10_000))} %" if case == "over 100" else f"-{draw(st.integers(1, 100))} %"
        return row, "värde", "en andel mellan 0 och 100 %"
    if case == "numerator only":
        row[4:7] = ["12,5 %", str(numerator), draw(st.sampled_from([None, ".."]))]
        return row, "nämnare", "täljare och nämnare: båda eller ingen av dem"
    if case == "denominator only":
        row[4:7] = ["12,5 %", draw(st.sampled_from([None, ".."])), str(denominator)]
        return row, "täljare", "täljare och nämnare: båda eller ingen av dem"
    if case == "dots and counts":
        row[4:7] = ["..", str(numerator), str(denominator)]
        return row, "värde", "ett värde, eller .. också i täljare och nämnare"
    row[4:7] = ["12,5 %", "..", None]  # the empty cell is named
    return row, "nämnare", "täljare och nämnare: båda eller ingen av dem"


@EXAMPLES
@given(broken_shares(), st.sampled_from(["csv", "xlsx"]), st.integers(0, 4))
def test_a_share_that_cannot_be_computed_from_what_is_given_is_refused(
    pristine: Path, before: object, drawn: tuple[list[object], str, str], kind: str, position: int
) -> None:
    bad, column, expected = drawn
    rows, place = with_bad_row(3, position, bad)
    plan = refused_at(pristine, before, kind, "observations", UTFALL, rows, place, column)
    assert plan.problems[0].expected.startswith(expected), plan.problems[0].expected


@EXAMPLES
@given(st.sampled_from(["täljare", "nämnare"]), st.integers(1, 1000), st.sampled_from(["csv", "xlsx"]))
def test_counts_are_refused_on_a_measure_that_is_not_a_share(pristine: Path, before: object, column: str, n: int, kind: str) -> None:
    row: list[object] = ["med_triage_digitalen", "div_nara", "2030-ÅR", None, "43 000", None, None, None]
    row[UTFALL.index(column)] = str(n)
    plan = refused_at(pristine, before, kind, "observations", UTFALL, [row], 0, column)
    assert "styrmåttet är inte en andel" in plan.problems[0].expected


@EXAMPLES
@given(st.integers(0, 99_999), st.integers(1, 9), st.sampled_from(["csv", "xlsx"]))
def test_a_count_measure_takes_whole_numbers_only(pristine: Path, before: object, whole: int, tenth: int, kind: str) -> None:
    row: list[object] = ["med_triage_digitalen", "div_nara", "2030-ÅR", None, f"{whole},{tenth}"]
    plan = refused_at(pristine, before, kind, "observations", UTFALL[:5], [row], 0, "värde")
    assert plan.problems[0].expected == "ett heltal: styrmåttet är ett antal"


@EXAMPLES
@given(st.integers(1, 10_000).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))), st.integers(0, 2), st.sampled_from(["csv", "xlsx"]))
def test_a_share_consistent_with_its_counts_to_the_decimals_typed_is_accepted(
    pristine: Path, counts: tuple[int, int], decimals: int, kind: str
) -> None:
    numerator, denominator = counts
    value = round(numerator / denominator * 100, decimals)
    row = ["med_digitala_vardbesok", "hc_pitea", "2030-12", "T", f"{value:.{decimals}f}".replace(".", ",") + " %", str(numerator), str(denominator), None]
    name, content = import_file(kind, "observations", UTFALL, [row])
    plan = pipeline.prepare(pristine, name, content)
    assert plan.ok, pipeline.report_text(plan)


# --- printable, bounded text ------------------------------------------------------------------------


def _category(c: str) -> str:
    return unicodedata.category(c)


# Characters that are not printable, by kind; the ones a CSV line or an xlsx cell cannot carry are
# left to the readers (a NUL, CR/LF that end a CSV line, the control characters XML forbids).
CONTROL = [chr(c) for c in (*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\r"]
FORMAT = [chr(c) for c in range(0x10000) if _category(chr(c)) == "Cf"]  # bidi overrides and isolates, zero-width, soft hyphen …
SEPARATORS = ["\u2028", "\u2029"]
PRIVATE = ["\ue000", "\uf8ff", "\U000f0000"]
UNASSIGNED = ["\u0378", "\ufffe", "\uffff", "\U0010ffff"]
XML_SAFE = [c for c in CONTROL if ord(c) >= 0x7F]  # C1 and DEL pass through XML; C0 cannot be written
TEXT_COLUMNS = {  # table → (header, a valid row, the text column's index, the column, its limit, line breaks allowed)
    "källa": ("observations", UTFALL, ["med_digitala_vardbesok", "hc_pitea", "2030-12", "T", "12,5 %", "50", "400", "x"], 7, MAX_LINE, False),
    "kommentar": ("comments", KOMMENTARER, ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "x", "Anna"], 3, MAX_TEXT, True),
    "författare": ("comments", KOMMENTARER, ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "Text.", "x"], 4, MAX_LINE, False),
    "åtgärdskommentar": ("actions", ATGARDER, ["med-01", "DÅ08 2022", "pågår", "x"], 3, MAX_TEXT, True),
    "mål (text)": ("targets", MAL, ["2031", "med_telefon_samma_dag", "x", "96", None, None], 2, MAX_LINE, False),
}
WORDS = st.text(alphabet=string.ascii_letters + "åäöÅÄÖ -,.", min_size=1, max_size=40).map(str.strip).filter(lambda t: len(t) > 1 and t not in ("..", "-"))


@st.composite
def bad_texts(draw: st.DrawFn) -> tuple[str, str, str, str, int]:
    """(field, file kind, the text, the forbidden character, its place counted from 1 in the stripped text)."""
    field = draw(st.sampled_from(sorted(TEXT_COLUMNS)))
    kind = draw(st.sampled_from(["csv", "xlsx"]))
    unassigned = UNASSIGNED if kind == "csv" else [c for c in UNASSIGNED if c not in "\ufffe\uffff"]  # not in XML
    pools = [FORMAT, SEPARATORS, PRIVATE, unassigned] + ([CONTROL] if kind == "csv" else [XML_SAFE])
    if not TEXT_COLUMNS[field][5] and kind == "xlsx":  # a line break in a CSV cell is the reader's to judge
        pools.append(["\n"])
    char = draw(st.sampled_from(draw(st.sampled_from(pools))))
    words = draw(WORDS)
    at = draw(st.integers(1, len(words) - 1))  # inside the text: the ends are stripped
    text = words[:at] + char + words[at:]
    return field, kind, text, char, at + 1


@EXAMPLES
@given(bad_texts())
def test_a_text_with_an_invisible_or_control_character_is_refused_and_escaped_in_the_report(
    pristine: Path, before: object, drawn: tuple[str, str, str, str, int]
) -> None:
    field, kind, text, char, place = drawn
    table, header, valid, index, _, _ = TEXT_COLUMNS[field]
    row = list(valid)
    row[index] = text
    column = header[index]
    plan = refused_at(pristine, before, kind, table, header, [row], 0, column)
    expected = plan.problems[0].expected
    first = "\n" if char == "\r\n" else char
    assert f"U+{ord(first):04X}" in expected or "radbrytning" in expected, expected
    assert f"på plats {place}" in expected, expected
    said = str(plan.problems[0])
    assert first not in said and f"[U+{ord(first):04X}]" in said  # shown, never reproduced


@pytest.mark.parametrize("char", ["\ud800", "\udfff", "\udbff"])
@pytest.mark.parametrize("column", ["kommentar", "författare"])
def test_a_lone_surrogate_is_refused_whichever_reader_let_it_through(pristine: Path, char: str, column: str) -> None:
    """JSON can carry one ("\\ud800"); the check refuses it, row and column named, however it came."""
    record = {"styrmått": "med_telefon_samma_dag", "enhet": "hc_hortlax", "period": "DÅ08 2022", "kommentar": "Text", "författare": "Anna"}
    record[column] = f"ab{char}cd"
    raw = RawFile("k.csv", "csv", {"Kommentarer": RawSheet("Kommentarer", rows=[(7, record)])})
    checked = check_file(raw, CheckContext(load_catalogues(pristine / "catalogue"), Store(pristine / "store").read("units")))
    assert [(p.row, p.column) for p in checked.problems] == [(7, column)]
    assert "surrogat" in checked.problems[0].expected and "på plats 3" in checked.problems[0].expected
    assert str(checked.problems[0]).encode("utf-8")  # printable and encodable: the lone half is escaped


@EXAMPLES
@given(st.sampled_from(sorted(TEXT_COLUMNS)), st.integers(1, 60), st.sampled_from(["csv", "xlsx"]))
def test_a_text_longer_than_its_column_allows_is_refused(pristine: Path, before: object, field: str, extra: int, kind: str) -> None:
    table, header, valid, index, limit, _ = TEXT_COLUMNS[field]
    row = list(valid)
    row[index] = "a" * (limit + extra)
    plan = refused_at(pristine, before, kind, table, header, [row], 0, header[index])
    assert plan.problems[0].expected == f"en text på högst {limit} tecken (fann {limit + extra})"


@pytest.mark.parametrize("field", sorted(TEXT_COLUMNS))
def test_texts_at_their_limit_no_break_spaces_and_line_breaks_in_comments_are_accepted(pristine: Path, field: str) -> None:
    table, header, valid, index, limit, multiline = TEXT_COLUMNS[field]
    for text in ("a" * limit, "43\u00a0000 besök – ”citat” é ü ß", "rad ett\nrad två" if multiline else "en rad"):
        row = list(valid)
        row[index] = text
        name, content = import_file("xlsx", table, header, [row])  # as Excel's Alt+Enter writes a line break
        plan = pipeline.prepare(pristine, name, content)
        assert plan.ok, pipeline.report_text(plan)


# --- years in range ---------------------------------------------------------------------------------

OUT_OF_RANGE = st.one_of(st.integers(1000, 1999), st.integers(2101, 9999))
PERIOD_FORMS = ["DÅ08 {y}", "{y} T2", "ÅR {y}", "aug {y}", "{y}-08"]


@EXAMPLES
@given(OUT_OF_RANGE, st.sampled_from(PERIOD_FORMS), st.sampled_from(["observations", "comments", "actions"]), st.sampled_from(["csv", "xlsx"]))
def test_a_period_outside_the_years_is_refused(pristine: Path, before: object, year: int, form: str, table: str, kind: str) -> None:
    period = form.format(y=year)
    header, row = {
        "observations": (UTFALL[:5], ["med_triage_digitalen", "div_nara", period, None, "100"]),
        "comments": (KOMMENTARER, ["med_telefon_samma_dag", "hc_hortlax", period, "Text.", "Anna"]),
        "actions": (ATGARDER, ["med-01", period, "pågår", None]),
    }[table]
    plan = refused_at(pristine, before, kind, table, header, [row], 0, "period")
    assert plan.problems[0].expected.startswith(("en period mellan 2000 och 2100", "en period, t.ex."))


@EXAMPLES
@given(OUT_OF_RANGE, st.sampled_from(["csv", "xlsx"]))
def test_a_target_year_outside_the_years_is_refused(pristine: Path, before: object, year: int, kind: str) -> None:
    plan = refused_at(pristine, before, kind, "targets", MAL, [[str(year), "med_telefon_samma_dag", None, "96", None, None]], 0, "år")
    assert plan.problems[0].expected == "ett årtal mellan 2000 och 2100, t.ex. 2023"


# --- one row per key --------------------------------------------------------------------------------

UNIT_FORMS = ["hc_hortlax", "Hortlax hälsocentral", "HORTLAX HÄLSOCENTRAL"]
DÅ08_FORMS = ["DÅ08 2022", "2022 T2", "2022-DÅ08", "T2 2022", "2022 DÅ08"]
SEX_FORMS = ["K", "Kvinnor", "kvinna", "k"]


@EXAMPLES
@given(
    st.sampled_from(UNIT_FORMS), st.sampled_from(UNIT_FORMS), st.sampled_from(DÅ08_FORMS), st.sampled_from(DÅ08_FORMS),
    st.sampled_from(SEX_FORMS), st.sampled_from(SEX_FORMS), st.integers(0, 3), st.sampled_from(["csv", "xlsx"]),
)  # fmt: skip
def test_the_same_key_twice_in_a_file_is_refused_naming_the_first_row(
    pristine: Path, before: object, unit_a: str, unit_b: str, period_a: str, period_b: str, sex_a: str, sex_b: str, gap: int, kind: str
) -> None:
    first = ["med_digitala_vardbesok", unit_a, period_a, sex_a, "12,5 %", "50", "400", None]
    second = ["med_digitala_vardbesok", unit_b, period_b, sex_b, "13,0 %", "52", "400", None]
    rows = [first, *_filler(gap), second]
    name, content = import_file(kind, "observations", UTFALL, rows)
    plan = pipeline.prepare(pristine, name, content)
    place = len(rows) + 1
    assert problem_places(plan) == {(label(kind, "observations"), place, "raden")}, pipeline.report_text(plan)
    assert plan.problems[0].expected.endswith("(samma finns redan på rad 2)")
    assert_refused(pristine, before, plan)  # type: ignore[arg-type]
