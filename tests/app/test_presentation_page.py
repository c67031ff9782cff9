"""The presentation view and the download buttons, run through Streamlit's AppTest."""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_app import open_app, texts
from ui.navigation import MEASURE_PAGE, OVERVIEW_PAGE, PRESENTATION_PAGE

NBSP = "\u00a0"


def slide_html(app: AppTest) -> str:
    """The slide's own HTML (titles, tiles, table, facts), without the page's style sheets."""
    return "\n".join(
        h.proto.body for h in app.get("html") if not h.proto.body.startswith("<style") and "<style>" not in h.proto.body[:20]
    )


def counter(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "pr-counter" in str(m.value))


def click(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_first_slide_shows_the_five_perspectives_with_organisation_and_period() -> None:
    app = open_app(PRESENTATION_PAGE)
    html = slide_html(app)
    assert "Styrkort – Division Nära" in html and "Uppföljning DÅ08 2022 (jan–aug)" in html
    for perspective in ("Samhälle", "Medborgare", "Verksamhet", "Medarbetare", "Ekonomi"):
        assert f"<h3>{perspective}</h3>" in html
    assert ">1 / 25<" in counter(app)
    assert next(b for b in app.button if b.label == "Föregående").disabled


def test_next_and_previous_step_through_the_slides_and_the_number_is_in_the_link() -> None:
    app = open_app(PRESENTATION_PAGE)
    click(app, "Nästa")
    assert ">2 / 25<" in counter(app)
    assert app.query_params["bild"] == "2"
    html = slide_html(app)
    assert "Samhälle" in html and "Antal besök på filialer och servicepunkter" in html and f"6{NBSP}171" in html
    click(app, "Föregående")
    assert ">1 / 25<" in counter(app)


def test_a_measure_slide_has_the_chart_the_verdicts_and_the_analysis() -> None:
    app = open_app(PRESENTATION_PAGE, bild="12")
    html = slide_html(app)
    assert "Andel digitala vårdbesök" in html
    assert f"14{NBSP}%" in html and "ej uppfyllt" in html and "försämrad" in html
    assert "Analys – automatisk text utifrån siffrorna" in html and "Ingen av de 25 hälsocentralerna når målet." in html
    assert "Demodata" in html  # earlier years in the chart are demo values
    assert len(app.get("plotly_chart")) == 1
    assert next(b for b in app.button if b.label == "Nästa").disabled is False


def test_the_last_slide_cannot_go_further() -> None:
    app = open_app(PRESENTATION_PAGE, bild="25")
    assert ">25 / 25<" in counter(app)
    assert next(b for b in app.button if b.label == "Nästa").disabled


@pytest.mark.parametrize(("mode", "slides"), [("none", 11), ("all_with_value", 11 + 24)])
def test_the_presenter_chooses_which_measures_get_a_slide(mode: str, slides: int) -> None:
    app = open_app(PRESENTATION_PAGE, bild="3")
    app.radio(key="pr_mode").set_value(mode).run()
    assert not app.exception
    assert f">1 / {slides}<" in counter(app)  # a new choice starts from the first slide


def test_the_dashboard_filters_are_carried_over() -> None:
    app = open_app(PRESENTATION_PAGE, org="hc_hortlax", kon="kvinnor", bild="2")
    html = slide_html(app)
    assert "Hortlax hälsocentral · DÅ08 2022 (jan–aug) · kvinnor" in html
    assert "Styrkort · Hortlax hälsocentral · DÅ08 2022 · kvinnor" in texts(app)


def test_a_link_to_a_slide_that_does_not_exist_opens_the_first() -> None:
    app = open_app(PRESENTATION_PAGE, bild="999")
    assert ">1 / 25<" in counter(app)


def open_exports(app: AppTest, key: str) -> AppTest:
    """Open the 'Ladda ner underlag' popover, as a click on it does (a rerun with it open)."""
    app.session_state[f"{key}_open"] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_overview_builds_an_excel_file_on_request_and_offers_it_for_download() -> None:
    app = open_app(OVERVIEW_PAGE)
    assert not app.get("download_button")
    # Closed, the popover's buttons are not made at all (a run sends none of them).
    assert not [b for b in app.button if b.label.startswith("Skapa")]
    open_exports(app, "o_export")
    assert {b.label for b in app.button if b.label.startswith("Skapa")} == {"Skapa Excel", "Skapa PDF-rapport", "Skapa PowerPoint"}
    click(app, "Skapa Excel")
    buttons = app.get("download_button")
    assert [b.proto.label for b in buttons] == ["Ladda ner Excel"]
    assert [b.label for b in app.button if b.label.startswith("Skapa")] == ["Skapa PDF-rapport", "Skapa PowerPoint"]


@pytest.mark.parametrize("stopped_by", ["a new run", "an error"])
def test_a_file_asked_for_is_built_even_when_its_run_is_stopped(monkeypatch: pytest.MonkeyPatch, stopped_by: str) -> None:
    """A run stopped while the file is built (another click, the drawer closed) leaves the request
    standing: the next run builds it without a second click. A build that fails is not retried."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    import ui.exports

    render = ui.exports.render_board_pack
    calls: list[str] = []

    def interrupted(pack: object, fmt: str, progress: object) -> bytes:
        calls.append(fmt)
        if len(calls) == 1:
            raise StopException() if stopped_by == "a new run" else ValueError("trasig")
        return render(pack, fmt, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(ui.exports, "render_board_pack", interrupted)
    app = open_exports(open_app(OVERVIEW_PAGE), "o_export")
    click(app, "Skapa Excel")
    assert not app.get("download_button")
    app.run()
    if stopped_by == "a new run":
        assert [b.proto.label for b in app.get("download_button")] == ["Ladda ner Excel"]
        assert calls == ["xlsx", "xlsx"]
    else:
        assert not app.get("download_button") and "Skapa Excel" in {b.label for b in app.button}
        assert calls == ["xlsx"]


def test_the_export_file_is_the_views_choice() -> None:
    """The bytes offered for download are the board pack of the chosen organisation and period."""
    app = open_app("pages/ekonomi.py", org="vo_pitea")
    open_exports(app, "p_ekonomi_export")
    click(app, "Skapa Excel")
    kept = app.session_state["_export_files"]
    ((name, content),) = kept.values()
    assert name == "styrkort_vo_pitea_2022-DA08_ekonomi.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Styrkort"]
    assert {row[0] for row in sheet.iter_rows(min_row=7, values_only=True)} == {"Ekonomi"}
    assert sheet["A1"].value == "Styrkort – VO Piteå tätort"


def test_the_measure_page_shows_the_analysts_comment_and_the_generated_text_beside_it() -> None:
    app = open_app(MEASURE_PAGE, matt="med_triage_digitalen", tab="Analys och åtgärder")
    shown = texts(app)
    assert "Antal slutförda triage på digitalen minskade" in shown
    assert "Automatisk text utifrån siffrorna" in shown
    assert f"Årsmålet 43{NBSP}000 motsvarar 28{NBSP}667 för perioden och är uppfyllt." in shown


def test_the_measure_page_writes_the_analysis_where_none_is_written() -> None:
    app = open_app(MEASURE_PAGE, matt="med_digitala_vardbesok", tab="Analys och åtgärder")
    shown = texts(app)
    assert f"Andelen digitala vårdbesök är 14{NBSP}procent. Målet 40{NBSP}procent är ej uppfyllt." in shown
    assert "ingen egen analys är skriven för Division Nära DÅ08 2022" in shown


@pytest.mark.parametrize(
    ("org", "year", "report"), [("div_nara", "2022", "DÅ08"), ("vo_ftv_syd", "2022", "ÅR"), ("hc_statsviken", "2025", "03")]
)
def test_every_slide_draws_without_an_error_for_each_organisation_level(org: str, year: str, report: str) -> None:
    app = open_app(PRESENTATION_PAGE, org=org, ar=year, period=report)
    total = int(counter(app).split("/ ")[1].split("<")[0])
    for number in range(1, total + 1):
        app.session_state["_choice_bild"] = str(number)
        app.run()
        assert not app.exception, (org, number, [e.value for e in app.exception])
        assert not app.error, (org, number, [e.value for e in app.error])
        assert f">{number} / {total}<" in counter(app)
        assert "pr-title" in slide_html(app)
