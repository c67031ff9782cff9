"""A chef writes the analysis of a measure in the browser (AppTest, signed in with a stubbed
identity): saved with their identity, shown on Styrmått and in the board pack beside the
generated text, warned about small counts, logged in Ändringslogg, undone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kpi.evaluation.scorecard import evaluate_dataset, load_dataset
from kpi.model.view import View
from kpi.reports.pack import build_board_pack
from kpi.store.bundled import copy_data
from ui.navigation import ACTIONS_PAGE, AUDIT_PAGE, MEASURE_PAGE

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
CHEF = {"is_logged_in": True, "sub": "karin-oid", "name": "Karin Chef", "email": "karin@nll.se", "roles": ["Styrkort.Chef.HcHortlax"]}
LEDNING = {"is_logged_in": True, "sub": "lena-oid", "name": "Lena Ledning", "email": "lena@nll.se", "roles": ["Styrkort.Ledning"]}
TEXT = "Telefontillgängligheten har ökat sedan bemanningen stärktes under våren."


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy_data(ROOT / "data", tmp_path)
    access = (tmp_path / "access.toml").read_text(encoding="utf-8").replace("local_mode = true", "local_mode = false")
    (tmp_path / "access.toml").write_text(access, encoding="utf-8")
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


def open_analysis(user: dict[str, object], org: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.user = user
    app.query_params.update({"org": org, "ar": "2022", "period": "DÅ08"})
    _run(app)
    app.switch_page(MEASURE_PAGE)
    _run(app)
    next(s for s in app.main.selectbox if s.label == "Styrmått").set_value("med_telefon_samma_dag")
    _run(app)
    app.session_state["sm_tab"] = "Analys och åtgärder"
    return _run(app)


def _editor(app: AppTest) -> object | None:
    return next((t for t in app.text_area if t.label == "Analys"), None)


def _submit(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "Spara analysen").click()
    return _run(app)


def test_a_chef_writes_sees_and_undoes_their_analysis(data_dir: Path) -> None:
    app = open_analysis(CHEF, "hc_hortlax")
    _editor(app).set_value(TEXT)  # type: ignore[union-attr]
    _submit(app)
    shown = " ".join(m.value for m in app.markdown)
    assert TEXT in shown
    assert "Karin Chef <karin@nll.se>" in " ".join(c.value for c in app.caption)
    assert "Automatisk text utifrån siffrorna" in " ".join(c.value for c in app.caption)  # the generated text beside it

    # The board pack (presentation, PDF, PowerPoint) carries it too.
    dataset = load_dataset(data_dir)
    pack = build_board_pack(dataset, evaluate_dataset(dataset), View.parse("hc_hortlax", "2022-DÅ08"))
    assert any(TEXT in str(m.analysis) for m in pack.measures if m.measure_id == "med_telefon_samma_dag")

    next(b for b in app.button if b.label == "Ångra min senaste ändring").click()
    _run(app)
    assert TEXT not in " ".join(m.value for m in app.markdown)


def test_a_text_naming_few_patients_is_saved_only_after_the_warning_is_confirmed(data_dir: Path) -> None:
    app = open_analysis(CHEF, "hc_hortlax")
    risky = "Under perioden föll fem män och två kvinnor på avdelningen."
    _editor(app).set_value(risky)  # type: ignore[union-attr]
    _submit(app)
    assert app.warning and "Läs texten igen" in app.warning[0].value
    assert risky not in " ".join(m.value for m in app.markdown)  # not saved yet
    app.checkbox(key="analysis_ok_med_telefon_samma_dag|hc_hortlax|2022-DÅ08").check()
    _submit(app)
    assert risky in " ".join(m.value for m in app.markdown)


@pytest.mark.parametrize(("user", "org", "editable"), [(CHEF, "hc_hortlax", True), (CHEF, "vo_pitea", False), (LEDNING, "hc_hortlax", False)])
def test_only_a_chef_of_the_unit_gets_the_editor(data_dir: Path, user: dict[str, object], org: str, editable: bool) -> None:
    assert (_editor(open_analysis(user, org)) is not None) == editable


def test_the_write_is_in_the_log_of_changes_with_the_signed_in_person(data_dir: Path) -> None:
    app = open_analysis(CHEF, "hc_hortlax")
    _editor(app).set_value(TEXT)  # type: ignore[union-attr]
    _submit(app)
    log = AppTest.from_file(APP, default_timeout=120)
    log.user = LEDNING
    _run(log)
    log.switch_page(AUDIT_PAGE)
    _run(log)
    table = log.dataframe[0].value
    assert table.iloc[0]["Vem"] == "Karin Chef <karin@nll.se>"
    assert table.iloc[0]["Enheter"] == "Hortlax hälsocentral"
    log.selectbox(key="log_person").set_value("Karin Chef <karin@nll.se>")
    _run(log)
    assert len(log.dataframe[0].value) == 1


DIVISION_CHEF = {"is_logged_in": True, "sub": "dora-oid", "name": "Dora Division", "email": "dora@nll.se", "roles": ["Styrkort.Chef.Division"]}


def open_actions(user: dict[str, object]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.user = user
    app.query_params.update({"org": "div_nara", "ar": "2022", "period": "DÅ08"})
    _run(app)
    app.switch_page(ACTIONS_PAGE)
    return _run(app)


def test_the_divisions_chef_follows_up_an_action_and_others_cannot(data_dir: Path) -> None:
    assert not [t for t in open_actions(CHEF).text_area if t.label == "Kommentar"]  # a health centre's chef
    app = open_actions(DIVISION_CHEF)
    key = "actions|2022-DÅ08"
    app.selectbox(key=f"follow_up_action_{key}").set_value("med-02")
    next(t for t in app.text_area if t.label == "Kommentar").set_value("Metoden är införd vid fyra hälsocentraler.")
    next(b for b in app.button if b.label == "Spara uppföljningen").click()
    _run(app)
    tables = " ".join(str(t.value.to_dict()) for t in app.table)
    assert "Metoden är införd vid fyra hälsocentraler." in tables
    assert "Uppföljningen är sparad." in " ".join(s.value for s in app.success)
