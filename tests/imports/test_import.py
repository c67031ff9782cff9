"""The import as an analyst meets it: the Swedish error report, the template round trip with preview,
write and undo, limits, Kolada, CSV dialects, two imports at once and the command line.

Every test that writes works on its own copy of the bundled catalogue and store (``data``); tests
that only prepare read the module's pristine copy. Nothing here writes to the repository's data/.
Each bug these tests found in ``kpi/`` has a test of its own (see the bottom of the module).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpi.cli import run
from kpi.evaluation.scorecard import evaluate_dataset, load_dataset, scorecard
from kpi.imports import pipeline
from kpi.imports.template import build_template
from kpi.model.catalogue import imported_target, load_catalogues
from kpi.model.errors import StoreError, StyrkortError
from kpi.model.settings import Settings
from kpi.model.view import View
from kpi.store.bundled import copy_data
from kpi.store.delta import TABLES, Store

DATA = Path(__file__).resolve().parents[2] / "data"
UTFALL = "styrmått;enhet;period;kön;värde;täljare;nämnare;källa"
KOMMENTARER = "styrmått;enhet;period;kommentar;författare"
OBSERVATION_KEYS = list(TABLES["observations"].keys)
WRITTEN = ("observations", "targets", "comments", "actions", "imports")


# --- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the bundled catalogue and store per module: read by tests that only prepare."""
    return copy_data(DATA, tmp_path_factory.mktemp("pristine") / "data")


@pytest.fixture
def data(pristine: Path, tmp_path: Path) -> Path:
    """A test's own copy, for everything that writes."""
    target = tmp_path / "data"
    shutil.copytree(pristine, target)
    return target


@pytest.fixture(scope="module")
def template(pristine: Path) -> bytes:
    catalogues = load_catalogues(pristine / "catalogue")
    return build_template(catalogues.for_year(2022), Store(pristine / "store").read("units"), [2022, 2023])


def csv_file(*rows: str, header: str = UTFALL, encoding: str = "utf-8") -> bytes:
    return "\n".join((header, *rows, "")).encode(encoding)


def fill(template: bytes, sheets: dict[str, list[list[object]]], *, title: str | None = None) -> bytes:
    """The template with rows typed into its sheets from row 2 (a row of None stays empty)."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    for name, rows in sheets.items():
        sheet = book[name]
        if title is not None:
            sheet.insert_rows(1)
            sheet["A1"] = title
            sheet.merge_cells("A1:H1")
        first = 3 if title is not None else 2
        for r, row in enumerate(rows, start=first):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot(data: Path) -> tuple[dict[str, int], dict[str, pl.DataFrame]]:
    """Every table's Delta version and the contents of the tables an import writes."""
    store = Store(data / "store")
    return {t: store.version(t) for t in TABLES}, {t: store.read(t) for t in WRITTEN}


def assert_unchanged(data: Path, before: tuple[dict[str, int], dict[str, pl.DataFrame]]) -> None:
    versions, frames = snapshot(data)
    assert versions == before[0]
    for table, frame in before[1].items():
        assert_frame_equal(frames[table], frame)


def observation(data: Path, measure: str, unit: str, period: str, sex: str = "T") -> dict[str, object] | None:
    rows = (
        Store(data / "store")
        .read("observations")
        .filter(
            (pl.col("measure_id") == measure)
            & (pl.col("unit_id") == unit)
            & (pl.col("period") == period)
            & (pl.col("sex") == sex)
        )
    )
    return rows.row(0, named=True) if rows.height else None


def card_row(card: pl.DataFrame, measure: str) -> dict[str, object]:
    return card.filter(pl.col("measure_id") == measure).row(0, named=True)


def cards(data: Path) -> dict[tuple[str, str], pl.DataFrame]:
    evaluation = evaluate_dataset(load_dataset(data))
    return {
        (u, p): scorecard(evaluation, View.parse(u, p))
        for u, p in (("hc_hortlax", "2022-DÅ08"), ("div_nara", "2022-DÅ08"), ("hc_hortlax", "2022-08"))
    }


# --- 1. the Swedish error report, golden ----------------------------------------------------------

GOLDEN_CSV = csv_file(
    "med_okänt;hc_hortlax;DÅ08 2022;;50;;;",  # unknown measure
    "med_telefon_samma_dag;hc_okänd;DÅ08 2022;;90 %;;;",  # unknown unit
    "sam_kommuner_levnadsvanor;div_nara;DÅ08 2022;;12;;;",  # followed up ÅR only
    "med_telefon_samma_dag;hc_hortlax;DÅ08 2022;Kvinnor;90 %;;;",  # not split by sex
    "med_telefon_samma_dag;hc_pitea;DÅ08 2022;;140 %;;;",  # a share above 100
    "med_triage_digitalen;div_nara;DÅ08 2022;;43.000;;;",  # thousands or decimals?
    "ver_sip_deltagit;hc_hortlax;DÅ08 2022;;50 %;12;10;",  # numerator above denominator
    "ver_sip_deltagit;hc_pitea;DÅ08 2022;;75 %;3;6;",  # 3/6 is 50 %
    "med_telefon_samma_dag;hc_arvidsjaur;DÅ08 2022;;80 %;;;",  # valid
    "med_telefon_samma_dag;Arvidsjaurs hälsocentral;2022 T2;;81 %;;;",  # the same key, by name and alias
    "med_triage_digitalen;div_nara;ÅR 2022;;tolv;;;",  # text in a numeric cell
    "med_triage_digitalen;hc_hortlax;DÅ04 2022;;=SUM(A1:A3);;;",  # a formula typed into a CSV
)

GOLDEN_CSV_REPORT = """\
11 fel i utfall.csv. Inget har lästs in.
- utfall.csv, rad 2, styrmått: fann ”med_okänt”; förväntat ett styrmått-id som finns i katalogen (se bladet Listor), t.ex. med_telefon_samma_dag.
- utfall.csv, rad 3, enhet: fann ”hc_okänd”; förväntat en enhet som finns i enhetsträdet (id eller namn, se bladet Listor), t.ex. hc_hortlax.
- utfall.csv, rad 4, period: fann ”DÅ08 2022”; förväntat en period som styrmåttet följs upp för (ÅR enligt katalogen).
- utfall.csv, rad 5, kön: fann ”Kvinnor”; förväntat Totalt: styrmåttet redovisas inte per kön.
- utfall.csv, rad 6, värde: fann ”140 %”; förväntat en andel mellan 0 och 100 %.
- utfall.csv, rad 7, värde: fann ”43.000”; förväntat ett entydigt tal: punkten kan betyda både tusental och decimaler; skriv 43 000 eller 43,0.
- utfall.csv, rad 8, nämnare: fann ”10”; förväntat en nämnare som är minst lika stor som täljaren (12).
- utfall.csv, rad 9, värde: fann ”75 %”; förväntat ett värde som stämmer med täljare/nämnare (50,0 %).
- utfall.csv, rad 11, raden: fann ”med_telefon_samma_dag, hc_arvidsjaur, 2022-DÅ08, T”; förväntat en rad per styrmått, enhet, period och kön (samma finns redan på rad 10).
- utfall.csv, rad 12, värde: fann ”tolv”; förväntat ett tal, t.ex. 17,1, 43 000 eller 92 %.
- utfall.csv, rad 13, värde: fann ”=SUM(A1:A3)”; förväntat ett tal, t.ex. 17,1, 43 000 eller 92 %."""


def test_every_problem_in_a_csv_is_reported_at_once_in_swedish(pristine: Path) -> None:
    before = snapshot(pristine)
    plan = pipeline.prepare(pristine, "utfall.csv", GOLDEN_CSV)
    assert not plan.ok and plan.changes == {}
    assert pipeline.report_text(plan) == GOLDEN_CSV_REPORT
    with pytest.raises(StyrkortError, match="rätta felen i rapporten först"):
        pipeline.apply(pristine, plan, user="Anna")
    assert_unchanged(pristine, before)


GOLDEN_XLSX_ROWS = {
    "Utfall": [
        ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "Totalt", "91,5 %"],  # valid
        ["med_telefon_samma_dag", "Hortlax hälsocentral", "2022 T2", None, "92 %"],  # the same key
        [None],  # an empty row between blocks is allowed
        ["med_fraga_vald", "hc_hortlax", "DÅ08 2022", "Kvinnor", "12 %"],  # a count with a percent sign
        ["med_digitala_vardbesok", "hc_hortlax", "DÅ09 2022", "Män", "10 %"],  # no such period
        ["med_digitala_vardbesok", "hc_hortlax", "DÅ08 2022", "Män", "=1+1"],  # a real formula
        ["med_digitala_vardbesok", "hc_hortlax", "DÅ08 2022", "övriga", "1e300"],  # two problems in one row
        ["med_telefon_samma_dag", "hc_mjolkudden", "DÅ08 2022", None, "90 %"],  # merged into another unit in 2022
    ],
    "Mål": [["2022", "med_telefon_samma_dag", None, "140 %"], ["tjugotjugotvå", "med_triage_digitalen", "Öka"]],
    "Kommentarer": [["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", None, "Anna Analytiker"]],  # no comment
    "Åtgärder": [["med-99", "DÅ08 2022", "klar"]],
}

GOLDEN_XLSX_REPORT = """\
12 fel i mall.xlsx. Inget har lästs in.
- Utfall, rad 3, raden: fann ”med_telefon_samma_dag, hc_hortlax, 2022-DÅ08, T”; förväntat en rad per styrmått, enhet, period och kön (samma finns redan på rad 2).
- Utfall, rad 5, värde: fann ”12 %”; förväntat ett värde i antal utan %-tecken (styrmåttet är inte en andel).
- Utfall, rad 6, period: fann ”DÅ09 2022”; förväntat en period, t.ex. DÅ08 2022, 2022 T2, ÅR 2022 eller aug 2022.
- Utfall, rad 7, värde: fann ”=1+1”; förväntat ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden).
- Utfall, rad 8, kön: fann ”övriga”; förväntat Kvinnor, Män eller Totalt (eller K, M, T).
- Utfall, rad 8, värde: fann ”1e300”; förväntat ett tal, t.ex. 17,1, 43 000 eller 92 %.
- Utfall, rad 9, period: fann ”DÅ08 2022”; förväntat en period då enheten fanns (Mjölkuddens hälsocentral upphörde 2021-12-31).
- Mål, rad 2, målvärde: fann ”140 %”; förväntat ett mål för en andel mellan 0 och 100 %.
- Mål, rad 3, år: fann ”tjugotjugotvå”; förväntat ett årtal mellan 2000 och 2100, t.ex. 2023.
- Kommentarer, rad 2, kommentar: tomt; förväntat en kommentar (text).
- Åtgärder, rad 2, åtgärd: fann ”med-99”; förväntat en åtgärd som finns i katalogen (se bladet Listor), t.ex. med-01.
- Åtgärder, rad 2, status: fann ”klar”; förväntat ej påbörjad, pågår eller genomförd."""


def test_every_problem_in_the_template_is_reported_with_sheet_and_excel_row(pristine: Path, template: bytes) -> None:
    plan = pipeline.prepare(pristine, "mall.xlsx", fill(template, GOLDEN_XLSX_ROWS))
    assert pipeline.report_text(plan) == GOLDEN_XLSX_REPORT


def test_a_merged_title_row_above_the_header_keeps_excel_row_numbers(pristine: Path, template: bytes) -> None:
    rows = {
        "Utfall": [
            ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "Totalt", "91,5 %"],
            ["med_telefon_samma_dag", "hc_pitea", "DÅ08 2022", None, "tolv"],
        ]
    }
    plan = pipeline.prepare(pristine, "mall.xlsx", fill(template, rows, title="Utfall DÅ08 2022, Division Nära"))
    assert [str(p) for p in plan.problems] == [
        "Utfall, rad 4, värde: fann ”tolv”; förväntat ett tal, t.ex. 17,1, 43 000 eller 92 %."
    ]


# --- 2. round trip through the template: preview, write, scorecard, undo ---------------------------

ROUND_TRIP = {
    "Utfall": [
        ["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "Totalt", "91,5 %", None, None, "Delårsrapport per augusti 2022"],
        ["med_triage_digitalen", "Division Nära", "2022 T2", None, "43 000"],
        ["med_digitala_vardbesok", "Hortlax hälsocentral", "DÅ08 2022", "Kvinnor", "12,5 %", "50", "400"],
        ["med_digitala_vardbesok", "hc_hortlax", "aug 2022", "Kvinnor", "11,0 %", "44", "400"],
    ],
    "Mål": [["2022", "med_telefon_samma_dag", "Minst 96 %", "96 %"]],
    "Kommentarer": [["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", "Bättre bemanning i telefon.", "Anna Analytiker"]],
    "Åtgärder": [["med-01", "DÅ08 2022", "genomförd", "Infört i hela divisionen."]],
}


def test_the_filled_template_is_previewed_written_shown_and_undone(data: Path, template: bytes) -> None:
    before_cards = cards(data)
    before = snapshot(data)
    plan = pipeline.prepare(data, "mall.xlsx", fill(template, ROUND_TRIP))
    assert plan.ok, pipeline.report_text(plan)
    assert plan.summary() == "2 nya utfall, 2 ändrade utfall, 1 nytt mål, 1 ny kommentar, 1 ändrad åtgärdsuppföljning."
    preview = (
        plan.changes["observations"].sort(OBSERVATION_KEYS).select(*OBSERVATION_KEYS, "old_value", "value", "decimals", "change")
    )
    assert preview.rows() == [
        ("med_digitala_vardbesok", "hc_hortlax", "2022-08", "K", pytest.approx(10.653753, abs=1e-6), 11.0, 1, "ändrad"),
        ("med_digitala_vardbesok", "hc_hortlax", "2022-DÅ08", "K", None, 12.5, 1, "ny"),
        ("med_telefon_samma_dag", "hc_hortlax", "2022-DÅ08", "T", None, 91.5, 1, "ny"),
        ("med_triage_digitalen", "div_nara", "2022-DÅ08", "T", 29191.0, 43000.0, 0, "ändrad"),
    ]
    assert_unchanged(data, before)  # a preview writes nothing

    record = pipeline.apply(data, plan, user="Anna Analytiker")
    assert record.summary == plan.summary()
    after = cards(data)
    phone = card_row(after["hc_hortlax", "2022-DÅ08"], "med_telefon_samma_dag")
    assert (phone["value"], phone["target"], phone["source"]) == (91.5, "Minst 96\u00a0%", "Delårsrapport per augusti 2022")
    assert card_row(after["hc_hortlax", "2022-DÅ08"], "med_digitala_vardbesok")["value_women"] == 12.5
    assert card_row(after["hc_hortlax", "2022-08"], "med_digitala_vardbesok")["value_women"] == 11.0
    triage = card_row(after["div_nara", "2022-DÅ08"], "med_triage_digitalen")
    assert (triage["value"], triage["source"]) == (43000.0, "Inläsning av mall.xlsx")
    assert card_row(after["div_nara", "2022-DÅ08"], "med_telefon_samma_dag")["target"] == "Minst 96\u00a0%"
    store = Store(data / "store")
    comment = store.read("comments").filter((pl.col("unit_id") == "hc_hortlax") & (pl.col("period") == "2022-DÅ08"))
    assert comment.select("measure_id", "text", "author").rows() == [
        ("med_telefon_samma_dag", "Bättre bemanning i telefon.", "Anna Analytiker")
    ]
    action = store.read("actions").filter((pl.col("action_id") == "med-01") & (pl.col("period") == "2022-DÅ08"))
    assert action.select("status", "comment").rows() == [("genomförd", "Infört i hela divisionen.")]
    log = pipeline.imports(data)
    assert log.select("import_id", "file_name", "user", "status").rows() == [
        (record.import_id, "mall.xlsx", "Anna Analytiker", "inläst")
    ]

    receipt = pipeline.undo(data, user="Anna Analytiker")
    assert receipt == f"Inläsningen {record.import_id} (mall.xlsx, Anna Analytiker) är ångrad: {plan.summary()}"
    restored = cards(data)
    for key, card in before_cards.items():
        assert restored[key].equals(card), key
    _, frames = snapshot(data)
    for table in ("observations", "comments", "actions", "targets"):
        keys = list(TABLES[table].keys)
        assert_frame_equal(frames[table].sort(keys), before[1][table].sort(keys), check_dtypes=True)
    assert pipeline.imports(data)["status"].to_list() == ["ångrad"]


def test_reimporting_the_same_file_finds_nothing_to_write(data: Path, template: bytes) -> None:
    content = fill(template, ROUND_TRIP)
    pipeline.apply(data, pipeline.prepare(data, "mall.xlsx", content), user="Anna")
    again = pipeline.prepare(data, "mall.xlsx", content)
    assert again.ok and again.to_write == 0
    assert again.summary() == "inga ändringar; 7 rader är oförändrade."
    assert {c for frame in again.changes.values() for c in frame["change"].to_list()} == {"oförändrad"}


def test_a_changed_value_is_previewed_with_its_old_and_new_value(data: Path) -> None:
    first = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;", "sam_nya_filialer;div_nara;ÅR 2022;;30;;;")
    pipeline.apply(data, pipeline.prepare(data, "utfall.csv", first), user="Anna")
    plan = pipeline.prepare(
        data,
        "utfall.csv",
        csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;45 500;;;", "sam_nya_filialer;div_nara;ÅR 2022;;30;;;"),
    )
    assert plan.ok and plan.summary() == "1 ändrat utfall; 1 rad är oförändrad."
    changes = plan.changes["observations"].sort("measure_id").select("measure_id", "old_value", "value", "change")
    assert changes.rows() == [
        ("med_triage_digitalen", 43000.0, 45500.0, "ändrad"),
        ("sam_nya_filialer", 30.0, 30.0, "oförändrad"),
    ]


def test_value_history_lists_every_version_of_a_value(data: Path) -> None:
    first = pipeline.apply(
        data, pipeline.prepare(data, "a.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")), user="Anna"
    )
    second = pipeline.apply(
        data, pipeline.prepare(data, "b.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;45 500;;;")), user="Bo"
    )
    pipeline.undo(data, second.import_id, user="Bo")
    history = pipeline.value_history(data, "med_triage_digitalen", "div_nara", "2022-DÅ08")
    assert history["value"].to_list() == [29191.0, 43000.0, 45500.0, 43000.0]
    assert history["version"].to_list() == [0, 3, 4, 5]
    assert history["source"].to_list()[1:] == ["Inläsning av a.csv", "Inläsning av b.csv", "Inläsning av a.csv"]
    assert history["message"].to_list()[1:] == [
        f"Inläsning {first.import_id}: a.csv (Anna)",
        f"Inläsning {second.import_id}: b.csv (Bo)",
        f"Ångrar inläsning {second.import_id} (Bo)",
    ]
    assert pipeline.value_history(data, "med_triage_digitalen", "div_nara", "2030-ÅR").is_empty()


def test_undo_is_refused_while_a_later_import_holds_the_same_rows_and_never_twice(data: Path) -> None:
    original = Store(data / "store").read("observations")
    first = pipeline.apply(
        data, pipeline.prepare(data, "a.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")), user="Anna"
    )
    second = pipeline.apply(
        data, pipeline.prepare(data, "b.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;45 500;;;")), user="Bo"
    )
    before = snapshot(data)
    with pytest.raises(StyrkortError) as refused:
        pipeline.undo(data, first.import_id, user="Anna")
    assert str(refused.value) == (
        f"Inläsningen {first.import_id} kan inte ångras: utfall som den skrev har ändrats senare av {second.import_id}. "
        "Ångra den senare inläsningen först. Inget har ändrats."
    )
    assert_unchanged(data, before)

    pipeline.undo(data, second.import_id, user="Bo")
    with pytest.raises(
        StyrkortError, match=rf"^Inläsningen {second.import_id} är redan ångrad \(Bo, \d{{4}}-\d\d-\d\d \d\d:\d\d\)\.$"
    ):
        pipeline.undo(data, second.import_id, user="Bo")
    assert observation(data, "med_triage_digitalen", "div_nara", "2022-DÅ08")["value"] == 43000.0
    pipeline.undo(data, first.import_id, user="Anna")  # the later import is undone, so the earlier one may be
    assert_frame_equal(Store(data / "store").read("observations").sort(OBSERVATION_KEYS), original.sort(OBSERVATION_KEYS))
    with pytest.raises(StyrkortError, match="^Det finns ingen inläsning att ångra.$"):
        pipeline.undo(data, user="Anna")
    with pytest.raises(StyrkortError, match="finns inte i loggen"):
        pipeline.undo(data, "20990101-000000-abcdef", user="Anna")


def test_a_failed_write_puts_back_the_tables_already_written(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")
    plan = pipeline.prepare(data, "utfall.csv", content)
    before = snapshot(data)
    write = Store.write
    log_writes = []

    def failing(self: Store, table: str, frame: pl.DataFrame, **kwargs: object) -> int:
        if table == "imports":
            log_writes.append(frame)
            if len(log_writes) > 1:  # the journal entry lands; the final one fails
                raise OSError("disken är full")
        return write(self, table, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "write", failing)
    with pytest.raises(StoreError, match=r"^Inläsningen avbröts av ett oväntat fel; allt som hann skrivas är återställt\.$"):
        pipeline.apply(data, plan, user="Anna")
    monkeypatch.undo()
    _, frames = snapshot(data)
    assert_frame_equal(frames["observations"].sort(OBSERVATION_KEYS), before[1]["observations"].sort(OBSERVATION_KEYS))
    assert frames["imports"]["status"].to_list() == ["pågår"]  # the journal entry: the abort note failed as well
    assert pipeline.recover(Store(data / "store")) == frames["imports"]["import_id"].to_list()
    assert pipeline.imports(data)["status"].to_list() == ["avbruten"]
    assert pipeline.undoable(pipeline.imports(data)).is_empty()


@pytest.mark.parametrize("dies_at", ["comments", "final-log"])
def test_an_import_killed_midway_is_rolled_back_by_the_next_one(
    data: Path, monkeypatch: pytest.MonkeyPatch, dies_at: str
) -> None:
    """As if the process died: no rollback runs; the journal entry lets the next import put things back."""
    both = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")
    comment = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;Ny text;Bo", header=KOMMENTARER)
    before = snapshot(data)
    plan_values, plan_comment = pipeline.prepare(data, "a.csv", both), pipeline.prepare(data, "k.csv", comment)
    merged = pipeline.Plan(
        "ak.csv",
        "ab" * 32,
        [],
        {**plan_values.changes, **plan_comment.changes},
        {**plan_values.versions, **plan_comment.versions},
        2,
    )
    write = Store.write
    calls = {"imports": 0}

    class Died(BaseException):
        pass

    def dying(self: Store, table: str, frame: pl.DataFrame, **kwargs: object) -> int:
        if table == "imports":
            calls["imports"] += 1
        if (
            calls.get("dead")
            or (dies_at == "comments" and table == "comments")
            or (dies_at == "final-log" and calls["imports"] == 2)
        ):
            calls["dead"] = 1  # nothing runs after the process died
            raise Died
        return write(self, table, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "write", dying)
    monkeypatch.setattr(pipeline, "_roll_back", lambda *args, **kwargs: None)  # a dead process rolls nothing back
    with pytest.raises(Died):
        pipeline.apply(data, merged, user="Anna")
    monkeypatch.undo()
    assert pipeline.imports(data)["status"].to_list() == ["pågår"]
    assert pipeline.recover(Store(data / "store"))
    _, frames = snapshot(data)
    for table in ("observations", "comments"):
        keys = list(TABLES[table].keys)
        assert_frame_equal(frames[table].drop("recorded_at").sort(keys), before[1][table].drop("recorded_at").sort(keys))
    assert pipeline.imports(data)["status"].to_list() == ["avbruten"]


def test_an_undo_killed_midway_is_reverted_and_can_be_done_again(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    both = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")
    comment = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;Ny text;Bo", header=KOMMENTARER)
    pipeline.apply(data, pipeline.prepare(data, "a.csv", both), user="Anna")
    pipeline.apply(data, pipeline.prepare(data, "k.csv", comment), user="Anna")
    after_imports = snapshot(data)[1]
    write = Store.write

    class Died(BaseException):
        pass

    dead = []

    def dying(self: Store, table: str, frame: pl.DataFrame, **kwargs: object) -> int:
        if dead or (table == "imports" and frame["status"][0] == "ångrad"):
            dead.append(table)  # nothing runs after the process died
            raise Died
        return write(self, table, frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "write", dying)
    monkeypatch.setattr(pipeline, "_roll_back", lambda *args, **kwargs: None)
    with pytest.raises(Died):
        pipeline.undo(data, user="Anna")
    monkeypatch.undo()
    assert "ångras" in pipeline.imports(data)["status"].to_list()
    pipeline.recover(Store(data / "store"))
    frames = snapshot(data)[1]
    assert_frame_equal(
        frames["comments"].sort("measure_id", "unit_id", "period"),
        after_imports["comments"].sort("measure_id", "unit_id", "period"),
    )
    assert sorted(pipeline.imports(data)["status"].to_list()) == ["inläst", "inläst"]
    assert "ångrad" in pipeline.undo(data, user="Anna")


# --- what a workbook cell holds: percent formats and formulas ------------------------------------


def test_a_cell_formatted_as_percent_showing_100_is_read_as_100(pristine: Path, template: bytes) -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(fill(template, {"Utfall": [["ver_sip_deltagit", "hc_hortlax", "DÅ08 2022", None, None]]}))
    )
    book["Utfall"]["E2"] = 1
    book["Utfall"]["E2"].number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    plan = pipeline.prepare(pristine, "mall.xlsx", out.getvalue())
    assert plan.ok and plan.changes["observations"]["value"].to_list() == [100.0]


def test_a_cell_formatted_as_percent_with_decimals_is_read_as_percent(pristine: Path, template: bytes) -> None:
    book = openpyxl.load_workbook(
        io.BytesIO(fill(template, {"Utfall": [["ver_sip_deltagit", "hc_hortlax", "DÅ08 2022", None, None]]}))
    )
    book["Utfall"]["E2"] = 0.915
    book["Utfall"]["E2"].number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    plan = pipeline.prepare(pristine, "mall.xlsx", out.getvalue())
    assert plan.ok and plan.changes["observations"].select("value", "decimals").rows() == [(91.5, 1)]


def test_a_formula_in_the_header_row_is_shown_as_the_formula(pristine: Path, template: bytes) -> None:
    content = fill(template, {"Utfall": [["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", None, "90 %"]]})
    book = openpyxl.load_workbook(io.BytesIO(content))
    book["Utfall"]["I1"] = "=A1"
    out = io.BytesIO()
    book.save(out)
    plan = pipeline.prepare(pristine, "mall.xlsx", out.getvalue())
    assert [str(p) for p in plan.problems] == [
        "Utfall, rad 1, kolumn I: fann ”=A1”; förväntat ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden)."
    ]


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!"])
def test_an_error_cell_is_refused_not_read_as_missing(pristine: Path, template: bytes, error: str) -> None:
    plan = pipeline.prepare(
        pristine, "mall.xlsx", fill(template, {"Utfall": [["med_triage_digitalen", "div_nara", "DÅ08 2022", None, error]]})
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "värde")], (
        plan.changes["observations"].select("old_value", "value").rows()
    )


# --- 4. limits ------------------------------------------------------------------------------------


def test_a_file_above_the_size_limit_is_refused_naming_the_limit(pristine: Path) -> None:
    content = csv_file(*["med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"] * 40)
    plan = pipeline.prepare(pristine, "utfall.csv", content, settings=Settings(import_max_megabytes=0.001))
    assert [(p.sheet, p.row, p.column) for p in plan.problems] == [("utfall.csv", 0, "filen")]
    assert re.fullmatch(
        r"Filen utfall\.csv är [\d,]+ MB; största tillåtna storlek är [\d,]+ MB\. Dela upp den i flera filer\.",
        plan.problems[0].expected,
    )
    assert plan.row_count == 0 and plan.changes == {}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_above_the_row_limit_is_refused_naming_the_limit(pristine: Path, template: bytes, kind: str) -> None:
    rows = [
        ["med_telefon_samma_dag", unit, "DÅ08 2022", None, "90 %"]
        for unit in ("hc_hortlax", "hc_pitea", "hc_kalix", "hc_kiruna", "hc_ranea")
    ]
    if kind == "csv":
        name, content = "utfall.csv", csv_file(*(";".join(c or "" for c in r) + ";;;" for r in rows))
    else:
        name, content = "mall.xlsx", fill(template, {"Utfall": rows})
    plan = pipeline.prepare(pristine, name, content, settings=Settings(import_max_rows=3))
    report = pipeline.report_text(plan)
    assert (
        report
        == f"1 fel i {name}. Inget har lästs in.\n- Filen {name} har 5 rader; högst 3 rader kan läsas in åt gången. Dela upp den i flera filer."
    )


# --- 5. Kolada ------------------------------------------------------------------------------------

MAPPING = 'styrmått:\n  N00001: med_digitala_vardbesok\nenheter:\n  "2581": hc_pitea\n'.encode()


def kolada(*entries: dict[str, object]) -> bytes:
    return json.dumps({"values": list(entries)}).encode()


def kolada_entry(kpi: str = "N00001", municipality: str = "2581", missing_value: object = None) -> dict[str, object]:
    return {
        "kpi": kpi,
        "municipality": municipality,
        "period": 2022,
        "values": [
            {"gender": "T", "count": 1, "status": "", "value": 91.5},
            {"gender": "K", "count": 1, "status": "", "value": 90.0},
            {"gender": "M", "count": 0, "status": "Missing", "value": missing_value},
        ],
    }


@pytest.mark.parametrize("missing_value", [None, 0])
def test_kolada_values_import_through_the_mapping_and_missing_stays_missing(data: Path, missing_value: object) -> None:
    plan = pipeline.prepare(data, "kolada.json", kolada(kolada_entry(missing_value=missing_value)), mapping=MAPPING)
    assert plan.ok, pipeline.report_text(plan)
    rows = plan.changes["observations"].sort("sex").select(*OBSERVATION_KEYS, "value", "source", "change").rows()
    source = "Kolada, KPI N00001, 2581"
    assert rows == [
        ("med_digitala_vardbesok", "hc_pitea", "2022-ÅR", "K", 90.0, source, "ny"),
        ("med_digitala_vardbesok", "hc_pitea", "2022-ÅR", "M", None, source, "ny"),
        ("med_digitala_vardbesok", "hc_pitea", "2022-ÅR", "T", 91.5, source, "ny"),
    ]
    pipeline.apply(data, plan, user="Kolada-hämtning")
    men = observation(data, "med_digitala_vardbesok", "hc_pitea", "2022-ÅR", "M")
    assert men is not None and men["value"] is None  # a missing value, never 0
    assert observation(data, "med_digitala_vardbesok", "hc_pitea", "2022-ÅR", "T")["value"] == 91.5


@pytest.mark.parametrize(
    ("content", "mapping", "expected"),
    [
        (
            kolada(kolada_entry()),
            None,
            (
                "- Filen kolada.json ser ut att vara Kolada-data (JSON). Ange också en mappningsfil som säger vilket styrmått varje "
                "Kolada-KPI motsvarar och vilken enhet varje kommun eller organisatorisk enhet är."
            ),
        ),
        (
            kolada(kolada_entry(kpi="N99999")),
            MAPPING,
            "- kolada.json, rad 1, kpi: fann ”N99999”; förväntat en Kolada-KPI som finns i mappningsfilen (N00001).",
        ),
        (
            kolada(kolada_entry(municipality="0180")),
            MAPPING,
            "- kolada.json, rad 1, municipality/ou: fann ”0180”; förväntat ett kommun- eller enhets-id som finns i mappningsfilen (2581).",
        ),
        (
            kolada(kolada_entry()),
            b"N00001: med_digitala_vardbesok\n",
            "- Mappningsfilen ska ha två avsnitt: ”styrmått” (Kolada-KPI → styrmått-id) och ”enheter” (kommun- eller enhets-id i Kolada → enhets-id).",
        ),
    ],
    ids=["no-mapping", "unmapped-kpi", "unmapped-municipality", "mapping-without-sections"],
)
def test_kolada_without_a_fitting_mapping_is_explained_in_swedish(
    pristine: Path, content: bytes, mapping: bytes | None, expected: str
) -> None:
    plan = pipeline.prepare(pristine, "kolada.json", content, mapping=mapping)
    assert pipeline.report_text(plan).splitlines() == ["1 fel i kolada.json. Inget har lästs in.", expected]


# --- 6. CSV dialects ------------------------------------------------------------------------------

DIALECT_ROWS = [
    ("med_telefon_samma_dag", "Öjebyns hälsocentral", "DÅ08 2022", "", "91,5 %", "", ""),
    ("med_telefon_samma_dag", "Råneå hälsocentral", "2022 T2", "Totalt", "88 %", "", ""),
    ("med_triage_digitalen", "Division Nära", "ÅR 2022", "", "43 000", "", ""),
    # A changed share with stored counts gives its own (empty ones would keep 62/462, which disagree).
    ("med_digitala_vardbesok", "Älvsbyns hälsocentral", "aug 2022", "Kvinnor", "12,5 %", "50", "400"),
]


def _dialect(separator: str, encoding: str, quote_all: bool = False) -> bytes:
    def cell(text: str) -> str:
        return f'"{text}"' if quote_all or separator in text else text

    lines = [separator.join(("styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare"))]
    lines += [separator.join(cell(c) for c in row) for row in DIALECT_ROWS]
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


@pytest.mark.parametrize(
    "content",
    [
        _dialect(";", "utf-8"),
        _dialect(",", "utf-8"),
        _dialect(",", "utf-8", quote_all=True),
        _dialect(";", "cp1252"),
        _dialect(";", "utf-8-sig"),
        _dialect("\t", "utf-8-sig"),
    ],
    ids=["semicolon", "comma-quoted-decimals", "comma-all-quoted", "windows-1252", "utf-8-bom", "tab"],
)
def test_csv_dialects_and_encodings_read_the_same_values(pristine: Path, content: bytes) -> None:
    plan = pipeline.prepare(pristine, "utfall.csv", content)
    assert plan.ok, pipeline.report_text(plan)
    rows = plan.changes["observations"].sort(OBSERVATION_KEYS).select(*OBSERVATION_KEYS, "value").rows()
    assert rows == [
        ("med_digitala_vardbesok", "hc_alvsbyn", "2022-08", "K", 12.5),
        ("med_telefon_samma_dag", "hc_ojebyn", "2022-DÅ08", "T", 91.5),
        ("med_telefon_samma_dag", "hc_ranea", "2022-DÅ08", "T", 88.0),
        ("med_triage_digitalen", "div_nara", "2022-ÅR", "T", 43000.0),
    ]


@pytest.mark.parametrize(
    "title",
    [
        "Utfall DÅ08 2022",
        "Utfall DÅ08 2022, Division Nära;;;;;;;",  # as Excel saves a title cell
        pytest.param(
            "Utfall DÅ08 2022, Division Nära",
        ),
    ],
    ids=["plain", "padded", "with-comma"],
)
def test_a_csv_title_line_above_the_header_keeps_line_numbers(pristine: Path, title: str) -> None:
    content = f"{title}\n".encode() + csv_file(
        "sam_nya_filialer;div_nara;DÅ08 2022;;31;;;", "sam_nya_filialer;div_nara;ÅR 2022;;tolv;;;"
    )
    plan = pipeline.prepare(pristine, "utfall.csv", content)
    assert [str(p) for p in plan.problems] == [
        "utfall.csv, rad 4, värde: fann ”tolv”; förväntat ett tal, t.ex. 17,1, 43 000 eller 92 %."
    ]


def test_a_file_mixing_utf8_and_windows_1252_letters_is_refused(pristine: Path) -> None:
    content = UTFALL.encode("utf-8") + b"\n" + "med_telefon_samma_dag;Råneå hälsocentral;DÅ08 2022;;90 %;;;\n".encode("cp1252")
    plan = pipeline.prepare(pristine, "utfall.csv", content)
    assert [p.expected for p in plan.problems] == [
        "Filen utfall.csv blandar teckenkodningar (både UTF-8 och Windows-1252), så tecken som å, ä, ö och – kan inte läsas säkert. Spara filen på nytt som CSV UTF-8."
    ]


# --- 7. two imports at once -------------------------------------------------------------------------


def test_an_import_waits_for_the_lock_and_then_gives_up_without_writing(data: Path) -> None:
    plan = pipeline.prepare(data, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"))
    before = snapshot(data)
    quick = Settings(import_lock_wait_seconds=0.2)
    busy = r"^En annan inläsning pågår \(Anna Analytiker, mall\.xlsx, startad \d\d:\d\d:\d\d\)\. Inget har ändrats; försök igen om en stund\.$"
    with (
        pipeline.import_lock(data / "store", 0, "Anna Analytiker, mall.xlsx"),
        pytest.raises(pipeline.ImportBusyError, match=busy),
    ):
        pipeline.apply(data, plan, user="Bo", settings=quick)
    assert_unchanged(data, before)
    pipeline.apply(data, plan, user="Bo", settings=quick)  # the lock is free again
    assert observation(data, "med_triage_digitalen", "div_nara", "2022-DÅ08")["value"] == 43000.0


def test_undo_also_waits_for_the_lock(data: Path) -> None:
    pipeline.apply(
        data, pipeline.prepare(data, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")), user="Anna"
    )
    before = snapshot(data)
    with pipeline.import_lock(data / "store", 0, "Bo"), pytest.raises(pipeline.ImportBusyError, match="En annan inläsning pågår"):
        pipeline.undo(data, user="Anna", settings=Settings(import_lock_wait_seconds=0.1))
    assert_unchanged(data, before)


def _apply_together(data: Path, plans: list[pipeline.Plan]) -> list[pipeline.ImportRecord | StyrkortError]:
    """Start every apply at the same moment in its own thread; a StyrkortError is a clean refusal."""
    start = threading.Barrier(len(plans))
    patient = Settings(import_lock_wait_seconds=60)

    def one(plan: pipeline.Plan) -> pipeline.ImportRecord | StyrkortError:
        start.wait()
        try:
            return pipeline.apply(data, plan, user=plan.file_name, settings=patient)
        except StyrkortError as error:
            return error

    with ThreadPoolExecutor(len(plans)) as pool:
        return list(pool.map(one, plans))


def test_two_imports_at_the_same_moment_into_different_tables_both_land(data: Path) -> None:
    figures = pipeline.prepare(
        data,
        "utfall.csv",
        csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;", "sam_nya_filialer;div_nara;ÅR 2022;;30;;;"),
    )
    notes = pipeline.prepare(
        data, "kommentarer.csv", csv_file("sam_nya_filialer;div_nara;ÅR 2022;Två nya filialer.;Bo", header=KOMMENTARER)
    )
    before = snapshot(data)[0]
    results = _apply_together(data, [figures, notes])
    assert all(isinstance(r, pipeline.ImportRecord) for r in results), results
    after = snapshot(data)[0]
    assert (after["observations"], after["comments"]) == (before["observations"] + 1, before["comments"] + 1)  # one version each
    log = pipeline.imports(data)
    assert sorted(log.select("import_id", "status").rows()) == sorted((r.import_id, "inläst") for r in results)  # type: ignore[union-attr]
    assert observation(data, "med_triage_digitalen", "div_nara", "2022-DÅ08")["value"] == 43000.0
    assert observation(data, "sam_nya_filialer", "div_nara", "2022-ÅR")["value"] == 30.0
    comments = Store(data / "store").read("comments").filter(pl.col("period") == "2022-ÅR")
    assert comments.select("measure_id", "text", "author").rows() == [("sam_nya_filialer", "Två nya filialer.", "Bo")]


def test_two_imports_at_the_same_moment_into_one_table_let_exactly_one_win(data: Path, pristine: Path) -> None:
    first = pipeline.prepare(data, "a.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"))
    second = pipeline.prepare(
        data, "b.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;45 500;;;", "sam_nya_filialer;div_nara;ÅR 2022;;30;;;")
    )
    results = _apply_together(data, [first, second])
    assert sorted(type(r).__name__ for r in results) == ["ImportRecord", "StoreError"], results
    lost = next(r for r in results if isinstance(r, StoreError))
    assert str(lost).startswith("Data har ändrats sedan förhandsgranskningen (utfall). Inget har skrivits")
    winner, record = next((p, r) for p, r in zip([first, second], results, strict=True) if isinstance(r, pipeline.ImportRecord))
    assert pipeline.imports(data).select("import_id", "file_name").rows() == [(record.import_id, winner.file_name)]
    written = winner.changes["observations"].select(Store(pristine / "store").read("observations").drop("recorded_at").columns)
    untouched = Store(pristine / "store").read("observations").drop("recorded_at").join(written, on=OBSERVATION_KEYS, how="anti")
    actual = Store(data / "store").read("observations").drop("recorded_at")
    assert_frame_equal(actual.sort(OBSERVATION_KEYS), pl.concat([untouched, written]).sort(OBSERVATION_KEYS))


def test_a_preview_made_before_another_import_landed_is_refused(data: Path) -> None:
    stale = pipeline.prepare(data, "a.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"))
    pipeline.apply(data, pipeline.prepare(data, "b.csv", csv_file("sam_nya_filialer;div_nara;ÅR 2022;;30;;;")), user="Bo")
    before = snapshot(data)
    with pytest.raises(StoreError) as refused:
        pipeline.apply(data, stale, user="Anna")
    assert str(refused.value) == (
        "Data har ändrats sedan förhandsgranskningen (utfall). Inget har skrivits; läs in filen igen för en ny förhandsgranskning."
    )
    assert_unchanged(data, before)


# --- 8. the command line ----------------------------------------------------------------------------


def test_cli_dry_run_previews_and_writes_nothing(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "utfall.csv"
    file.write_bytes(csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;", "sam_nya_filialer;div_nara;ÅR 2022;;30;;;"))
    before = snapshot(data)
    assert run(["--data", str(data), "import", str(file), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "utfall.csv: 2 rader utan fel. 1 nytt utfall, 1 ändrat utfall.\n"
        "  ändras: med_triage_digitalen div_nara 2022-DÅ08 T: 29\u00a0191 → 43\u00a0000\n"
        "Provkörning: inget har skrivits.\n"
    )
    assert_unchanged(data, before)
    assert not (data / "store" / "imports").exists()


def test_cli_prints_the_report_and_exits_1_on_errors(pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "utfall.csv"
    file.write_bytes(GOLDEN_CSV)
    before = snapshot(pristine)
    assert run(["--data", str(pristine), "import", str(file)]) == 1
    assert capsys.readouterr().out == GOLDEN_CSV_REPORT + "\n"
    assert_unchanged(pristine, before)


def test_cli_import_imports_value_history_and_undo_speak_swedish(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data", str(data)]
    assert run([*args, "imports"]) == 0
    assert capsys.readouterr().out == "Inga inläsningar ännu.\n"

    file = tmp_path / "utfall.csv"
    file.write_bytes(csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"))
    assert run([*args, "import", str(file), "--user", "Anna Analytiker"]) == 0
    out = capsys.readouterr().out.splitlines()
    import_id = pipeline.imports(data)["import_id"][0]
    assert out[-1] == f"Inläst som {import_id}. Ångra med: python -m kpi undo {import_id}"
    assert run([*args, "import", str(file), "--user", "Anna Analytiker"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Inget att skriva: allt i filen finns redan."

    assert run([*args, "imports"]) == 0
    line = capsys.readouterr().out.strip()
    assert re.fullmatch(
        rf"{import_id}  \d{{4}}-\d\d-\d\d \d\d:\d\d  Anna Analytiker  utfall\.csv  1 ändrat utfall\.  \[inläst\]", line
    ), line

    assert (
        run([*args, "value-history", "--measure", "med_triage_digitalen", "--org", "Division Nära", "--period", "2022-T2"]) == 0
    )
    history = capsys.readouterr().out.splitlines()
    assert len(history) == 2
    assert history[0].startswith("version 0  2022-10-03 00:00:00  29\u00a0191  Division Nära, bilaga till delårsrapport per augusti 2022, ")
    assert re.fullmatch(
        rf"version 3  \S+ \S+  43\u00a0000  Inläsning av utfall\.csv  \(Inläsning {import_id}: utfall\.csv \(Anna Analytiker\)\)",
        history[1],
    )

    assert run([*args, "undo", "--user", "Bo"]) == 0
    assert capsys.readouterr().out == f"Inläsningen {import_id} (utfall.csv, Anna Analytiker) är ångrad: 1 ändrat utfall.\n"
    assert run([*args, "imports"]) == 0
    assert re.search(r"\[ångrad \d{4}-\d\d-\d\d \d\d:\d\d av Bo\]$", capsys.readouterr().out.strip())
    assert run([*args, "undo", import_id]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Fel: Inläsningen {import_id} är redan ångrad (Bo, ") and err.count("\n") == 1
    # A value never stored: said so, and exit code 1 (the figure shown is computed from months or units).
    assert run([*args, "value-history", "--measure", "med_triage_digitalen", "--org", "div_nara", "--period", "2030-ÅR"]) == 1
    assert capsys.readouterr().out.startswith("Inget värde är lagrat för med_triage_digitalen, div_nara, helår 2030: ")


# --- known bugs in kpi/: each test fails today and states what should happen -------------------------


def test_an_ambiguous_thousands_point_is_explained(pristine: Path) -> None:
    plan = pipeline.prepare(pristine, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43.000;;;"))
    assert len(plan.problems) == 1 and "tusental" in plan.problems[0].expected


def test_the_size_message_tells_the_file_size_from_the_limit(pristine: Path) -> None:
    content = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;") + b" " * 1_000_000
    plan = pipeline.prepare(pristine, "utfall.csv", content, settings=Settings(import_max_megabytes=1))
    size, limit = re.search(r"är ([\d,]+) MB; största tillåtna storlek är ([\d,]+) MB", plan.problems[0].expected).groups()
    assert size != limit


def test_a_mixture_without_utf8_swedish_letters_is_not_stored_garbled(pristine: Path) -> None:
    content = UTFALL.encode("cp1252") + b"\n" + "med_telefon_samma_dag;Öjebyns hälsocentral;DÅ08 2022;;90 %;;;".encode("cp1252")
    content += "Delarsrapport – augusti\n".encode()
    plan = pipeline.prepare(pristine, "utfall.csv", content)
    assert not plan.ok or plan.changes["observations"]["source"].to_list() == ["Delarsrapport – augusti"]


@pytest.mark.parametrize("period", ["aug 0000", "aug ²²²²"])
def test_an_impossible_year_is_explained_in_swedish(pristine: Path, period: str) -> None:
    plan = pipeline.prepare(pristine, "utfall.csv", csv_file(f"sam_besok_filialer;hc_hortlax;{period};;31;;;"))
    assert [p.column for p in plan.problems] == ["period"] and plan.problems[0].expected.startswith("en period")


def test_a_comment_for_year_0000_is_refused(pristine: Path) -> None:
    plan = pipeline.prepare(
        pristine, "kommentarer.csv", csv_file("sam_besok_filialer;hc_hortlax;aug 0000;Text;Bo", header=KOMMENTARER)
    )
    assert not plan.ok, plan.changes["comments"]["period"].to_list()  # today: ["0-08"]


def test_a_typo_year_far_in_the_future_is_refused(pristine: Path) -> None:
    plan = pipeline.prepare(pristine, "utfall.csv", csv_file("sam_nya_filialer;div_nara;DÅ08 2202;;31;;;"))
    assert [p.column for p in plan.problems] == ["period"]


def test_a_waiting_import_does_not_erase_who_holds_the_lock(data: Path) -> None:
    root = data / "store"
    with pipeline.import_lock(root, 0, "Anna Analytiker, mall.xlsx"):
        for _ in range(2):
            with pytest.raises(pipeline.ImportBusyError, match="Anna Analytiker"), pipeline.import_lock(root, 0, "Bo"):
                pass


def test_two_imports_of_one_file_in_the_same_second_keep_two_log_rows(data: Path) -> None:
    moment = datetime(2024, 1, 15, 12, 0, 0, tzinfo=UTC)
    content = csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;")
    pipeline.apply(data, pipeline.prepare(data, "utfall.csv", content), user="Anna", now=moment)
    pipeline.undo(data, user="Anna")
    pipeline.apply(data, pipeline.prepare(data, "utfall.csv", content), user="Anna", now=moment)
    assert sorted(pipeline.imports(data)["status"].to_list()) == ["inläst", "ångrad"]


def test_cli_missing_file_is_reported_in_swedish(pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--data", str(pristine), "import", str(tmp_path / "saknas.csv")]) == 2
    err = capsys.readouterr().err
    assert "saknas.csv" in err and "No such file" not in err


# --- imported targets: which row gives which target ---------------------------------------------

MAL = "år;styrmått;mål (text);målvärde;mål kvinnor;mål män"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("2022;med_telefon_samma_dag;95%;;;", None),  # the catalogue's own text: kept as it is
        ("2023;med_telefon_samma_dag;;96;;", None),
        ("2023;ver_akutbesok_80;Minska;;;", None),
        ("2023;ver_akutbesok_80;Öka;;;", ("mål (text)", "ett mål i styrmåttets riktning (lägre är bättre)")),
        ("2023;mba_inhyrda_kostnad;Minska jämfört med 2020;;;", ("mål (text)", "ett målvärde (tal); utan tal")),
        ("2023;eko_budgetavvikelse;;0;;", ("målvärde", "inget målvärde: målet är ett intervall (+/-0 mnkr)")),
        ("2023;ver_fallskador;;40;;", ("målvärde", "inget målvärde: målet är en förändring mot ett basår")),
        ("2023;ver_aterinskrivningar_65;;16;15;17", ("mål kvinnor", "antingen målvärde eller mål kvinnor och mål män")),
        ("2023;ver_utskrivningsklara;;7 %;;", None),
        ("2023;med_triage_digitalen;;45 000 %;;", ("målvärde", "ett mål utan %-tecken (styrmåttet mäts i antal)")),
    ],
)
def test_which_target_rows_are_accepted(pristine: Path, row: str, problem: tuple[str, str] | None) -> None:
    plan = pipeline.prepare(pristine, "mal.csv", csv_file(row, header=MAL))
    if problem is None:
        assert plan.ok, pipeline.report_text(plan)
    else:
        assert [(p.column, p.expected[: len(problem[1])]) for p in plan.problems] == [problem]


@pytest.mark.parametrize(
    ("row", "kind", "text"),
    [
        ({"text": "95%"}, "level", "95%"),  # the catalogue's own target, unchanged
        ({"value": 96.0}, "level", "96\u00a0%"),
        ({"value": 96.5}, "level", "96,5\u00a0%"),
        ({"text": "Minst 96 %", "value": 96.0}, "level", "Minst 96 %"),
        ({"text": "Öka"}, "direction", "Öka"),
        ({"text": "inget mål"}, "none", ""),
    ],
)
def test_an_imported_target_becomes_the_right_kind(row: dict[str, object], kind: str, text: str) -> None:
    measure = load_catalogues(DATA / "catalogue").for_year(2022).measure("med_telefon_samma_dag")
    target = imported_target(measure, row)
    assert (target.kind, target.text) == (kind, text)


def test_a_years_volume_stays_a_years_volume_with_a_swedish_number() -> None:
    measure = load_catalogues(DATA / "catalogue").for_year(2022).measure("med_triage_digitalen")
    target = imported_target(measure, {"value": 45000.0})
    assert (target.kind, target.text) == ("annual_volume", "45\u00a0000")


def test_importing_the_catalogues_own_target_text_changes_no_verdict(data: Path) -> None:
    before = scorecard(evaluate_dataset(load_dataset(data)), View.parse("div_nara", "2022-DÅ08"))
    pipeline.apply(
        data, pipeline.prepare(data, "mal.csv", csv_file("2022;med_telefon_samma_dag;95%;;;", header=MAL)), user="Anna"
    )
    after = scorecard(evaluate_dataset(load_dataset(data)), View.parse("div_nara", "2022-DÅ08"))
    assert after.equals(before)


def test_an_empty_value_cell_is_refused_and_dots_mark_a_missing_value(pristine: Path) -> None:
    """A stored figure is never erased by a blank cell; ".." says on purpose that it is missing."""
    blank = pipeline.prepare(pristine, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;;;;"))
    assert [(p.column, p.expected) for p in blank.problems] == [("värde", "ett värde; skriv .. om uppgift saknas")]
    dots = pipeline.prepare(pristine, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;..;;;"))
    row = dots.changes["observations"].row(0, named=True)
    assert (row["change"], row["value"], row["old_value"]) == ("ändrad", None, 29191.0)


def test_texts_the_file_leaves_out_keep_what_is_stored(pristine: Path) -> None:
    """An action's follow-up without a comment, or a comment without an author, erases nothing."""
    action = pipeline.prepare(
        pristine, "atgarder.csv", csv_file("med-01;DÅ08 2022;pågår;", header="åtgärd;period;status;kommentar")
    )
    assert action.changes["actions"].row(0, named=True)["change"] == "oförändrad"
    stored = Store(pristine / "store").read("comments").row(0, named=True)
    quoted = '"' + stored["text"].replace('"', '""') + '"'
    line = f"{stored['measure_id']};{stored['unit_id']};{stored['period']};{quoted};"
    comment = pipeline.prepare(pristine, "kommentarer.csv", csv_file(line, header=KOMMENTARER))
    row = comment.changes["comments"].row(0, named=True)
    assert (row["change"], row["author"]) == ("oförändrad", stored["author"])


def test_a_date_in_the_period_column_is_read_as_that_month(pristine: Path, template: bytes) -> None:
    """Excel turns "aug 2022" typed in a cell into a date; it means the month."""
    plan = pipeline.prepare(
        pristine,
        "mall.xlsx",
        fill(template, {"Utfall": [["med_telefon_samma_dag", "hc_hortlax", datetime(2022, 8, 1), None, "90 %", "1800", "2000"]]}),
    )
    assert plan.ok, pipeline.report_text(plan)
    assert plan.changes["observations"]["period"].to_list() == ["2022-08"]


def test_a_lock_file_that_cannot_be_opened_gives_a_swedish_message(data: Path) -> None:
    (data / "store" / pipeline.LOCK_NAME).mkdir()
    plan = pipeline.prepare(data, "utfall.csv", csv_file("med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"))
    with pytest.raises(StoreError, match="går inte att skriva i"):
        pipeline.apply(data, plan, user="Anna")


@pytest.mark.parametrize(
    ("comment", "warned"),
    [
        ("Fallskador under perioden: fem män och två kvinnor.", "(”fem män”, ”två kvinnor”)"),
        ("3 patienter väntade för länge.", "(”3 patienter”)"),
        ("Bättre bemanning i telefon.", None),
        ("Två av tre hälsocentraler når målet.", None),
    ],
)
def test_a_comment_naming_few_people_is_warned_about_before_writing(pristine: Path, template: bytes, comment: str, warned: str | None) -> None:
    content = fill(template, {"Kommentarer": [["med_telefon_samma_dag", "hc_hortlax", "DÅ08 2022", comment, "Anna Analytiker"]]})
    plan = pipeline.prepare(pristine, "mall.xlsx", content)
    assert plan.ok, pipeline.report_text(plan)  # a warning, not a refusal: the analyst decides
    if warned is None:
        assert plan.warnings == []
    else:
        assert plan.warnings == [plan.warnings[0]] and plan.warnings[0].startswith(f"Varning, Kommentarer rad 2: Texten verkar ange få personer {warned}.")
        assert plan.sentence().endswith(plan.warnings[0])
