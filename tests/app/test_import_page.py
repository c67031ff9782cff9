"""The Import page (Läs in data) through Streamlit's AppTest, on a copy of the bundled data:
report → preview → confirm → the new value on the measure page → undo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kpi.cli import run
from kpi.store.bundled import copy_data
from ui.components import read_cards
from ui.navigation import IMPORT_PAGE, MEASURE_PAGE

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
BAD = "styrmått;enhet;period;kön;värde\nmed_telefon_samma_dag;hc_hortlax;DÅ08 2022;Totalt;140 %\nokänt_mått;hc_hortlax;DÅ08 2022;;1\n"
GOOD = "styrmått;enhet;period;kön;värde;källa\nmed_telefon_samma_dag;Hortlax hälsocentral;DÅ08 2022;Totalt;87,5 %;Testfil\n"


@pytest.fixture
def copied_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app reads and writes a copy of data/; the process-wide caches are emptied around the test."""
    copy_data(ROOT / "data", tmp_path)
    monkeypatch.setenv("STYRKORT_DATA", str(tmp_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


def _run(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _measure_outcome(app: AppTest) -> str:
    app.switch_page(MEASURE_PAGE)
    _run(app)
    next(s for s in app.main.selectbox if s.label == "Styrmått").set_value("med_telefon_samma_dag")
    _run(app)
    app.sidebar.selectbox(key="f_org").set_value("hc_hortlax")
    _run(app)
    return next(c.value for m in app.markdown for c in read_cards(m.value))


ANNA = {"is_logged_in": True, "sub": "anna-oid", "name": "Anna Analytiker", "email": "anna.analytiker@nll.se", "roles": ["Styrkort.Analytiker"]}


def test_report_preview_confirm_and_undo(copied_data: Path) -> None:
    # Signed in as an analyst (local mode off): the log records the signed-in person, not a typed name.
    access = (copied_data / "access.toml").read_text(encoding="utf-8").replace("local_mode = true", "local_mode = false")
    (copied_data / "access.toml").write_text(access, encoding="utf-8")
    app = AppTest.from_file(APP, default_timeout=120)
    app.user = ANNA
    _run(app)
    before = _measure_outcome(app)
    assert "93,1" in before

    app.switch_page(IMPORT_PAGE)
    _run(app)
    assert app.title[0].value == "Läs in data"
    assert "Inga inläsningar ännu" in " ".join(c.value for c in app.caption)

    # A file with errors: every problem, in Swedish, and nothing to confirm.
    app.file_uploader[0].set_value(("fel.csv", BAD.encode(), "text/csv"))
    _run(app)
    assert app.error[0].value.startswith("**2 fel i fel.csv. Inget har lästs in.**")
    report = app.table[0].value
    assert list(report.columns) == ["Blad/fil", "Rad", "Kolumn", "Fann", "Förväntat"]
    assert report["Förväntat"].tolist()[0] == "en andel mellan 0 och 100 %"
    assert not [b for b in app.button if b.label.startswith("Läs in")]

    # A valid file: the preview, then confirm.
    app.file_uploader[0].set_value(("utfall.csv", GOOD.encode(), "text/csv"))
    _run(app)
    assert "utfall.csv: 1 rad utan fel." in app.success[0].value and "1 nytt utfall" in app.success[0].value
    preview = app.dataframe[0].value
    assert preview.iloc[0]["Ändring"] == "ny" and preview.iloc[0]["Nytt värde"] == "87,5\u00a0%"
    assert not [t for t in app.text_input if "namn" in t.label]  # nobody types a name
    next(b for b in app.button if b.label == "Läs in 1 ändring").click()
    _run(app)
    assert app.success[0].value.startswith("Inläst: 1 nytt utfall.")
    log = app.dataframe[0].value
    assert log.iloc[0]["Vem"] == "Anna Analytiker <anna.analytiker@nll.se>" and log.iloc[0]["Status"] == "inläst"

    # Every view reads the new value.
    assert "87,5" in _measure_outcome(app)

    # Undo, after saying yes.
    app.switch_page(IMPORT_PAGE)
    _run(app)
    undo = next(b for b in app.button if b.label == "Ångra inläsningen")
    assert undo.disabled
    app.checkbox(key="import_undo_sure").check()
    _run(app)
    next(b for b in app.button if b.label == "Ångra inläsningen").click()
    _run(app)
    assert "är ångrad" in app.success[0].value
    assert app.dataframe[0].value.iloc[0]["Status"].startswith("ångrad")
    assert _measure_outcome(app) == before


def test_an_import_from_the_command_line_shows_on_the_next_run(copied_data: Path, tmp_path: Path) -> None:
    app = _run(AppTest.from_file(APP, default_timeout=120))
    assert "93,1" in _measure_outcome(app)
    file = tmp_path / "cli.csv"
    file.write_text("styrmått;enhet;period;kön;värde\nmed_telefon_samma_dag;hc_hortlax;DÅ08 2022;T;77 %\n", encoding="utf-8")
    assert run(["--data", str(copied_data), "import", str(file), "--user", "Bo"]) == 0
    _run(app)  # any interaction: the frame sees the store's new commits and reloads
    assert next(c.value for m in app.markdown for c in read_cards(m.value)) == "77\u00a0%"
