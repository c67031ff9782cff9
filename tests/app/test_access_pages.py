"""Who sees what, through AppTest with a stubbed sign-in (``AppTest.user``: AppTest cannot go
through an identity provider; the real flow is in tests/browser/test_sign_in_browser.py).

The bundled ``access.toml`` with local mode off, read through ``STYRKORT_ACCESS`` as a deployment
would. Tables: role × page × organisation (a unit of one's own, one below, a level above, a
sibling); a copied link to another unit; the pages a role has; people without a role.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kpi.store.delta import Store
from ui.navigation import AUDIT_PAGE, IMPORT_PAGE, MEASURE_PAGE, OVERVIEW_PAGE, UNITS_PAGE

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DENIED = "Du har inte behörighet till"


@pytest.fixture(autouse=True)
def signed_in_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    text = (ROOT / "data" / "access.toml").read_text(encoding="utf-8").replace("local_mode = true", "local_mode = false")
    (tmp_path / "access.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("STYRKORT_ACCESS", str(tmp_path / "access.toml"))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def unit_names() -> dict[str, str]:
    units = Store(ROOT / "data" / "store").read("units")
    return dict(zip(units["unit_id"].to_list(), units["name"].to_list(), strict=True))


def person(*app_roles: str, name: str = "Test Testsson") -> dict[str, object]:
    return {"is_logged_in": True, "sub": f"sub-{name}", "name": name, "email": "test@nll.se", "roles": list(app_roles)}


LEDNING = person("Styrkort.Ledning")
ANALYTIKER = person("Styrkort.Analytiker")
FORVALTARE = person("Styrkort.Forvaltare")
CHEF_VO = person("Styrkort.Chef.VoPitea")
CHEF_HC = person("Styrkort.Chef.HcHortlax")


def open_as(user: dict[str, object], page: str | None = None, **params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    app.user = user
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "error", "info", "title", "header", "subheader") for e in getattr(app.main, kind))


def shown_figures(app: AppTest) -> int:
    """How many figure-bearing elements the page drew (tables, measure tables, metrics, charts)."""
    return len(app.main.dataframe) + len(app.main.table) + len(app.main.metric) + len(app.main.get("plotly_chart")) + len(app.main.get("bidi_component"))


# role, organisation in the link, whether it is shown
CASES = [
    (LEDNING, "hc_heden", True),
    (LEDNING, "div_nara", True),
    (ANALYTIKER, "hc_ojebyn", True),
    (CHEF_VO, "vo_pitea", True),  # their own
    (CHEF_VO, "hc_hortlax", True),  # below their own
    (CHEF_VO, "div_nara", True),  # the level above: its own figures
    (CHEF_VO, "vo_lulea_boden", False),  # a sibling VO
    (CHEF_VO, "hc_heden", False),  # another VO's unit
    (CHEF_HC, "hc_hortlax", True),
    (CHEF_HC, "vo_pitea", True),  # their VO, as the comparison
    (CHEF_HC, "hc_ojebyn", False),  # a sibling health centre
    (CHEF_HC, "vo_ftv_syd", False),
]


@pytest.mark.parametrize("page", [OVERVIEW_PAGE, UNITS_PAGE])
@pytest.mark.parametrize(("user", "org", "shown"), CASES)
def test_a_link_to_a_unit_shows_it_only_within_scope(user: dict[str, object], org: str, shown: bool, page: str) -> None:
    app = open_as(user, None, org=org, **({"period": "DÅ08", "ar": "2022"}))
    if page != OVERVIEW_PAGE:
        app.switch_page(page).run()
        assert not app.exception
    errors = " ".join(e.value for e in app.error)
    if shown:
        assert DENIED not in errors
        assert app.session_state["f_org"] == org
    else:
        # The first run refuses the link and shows no figures; the sidebar offers the person's own units.
        if page == OVERVIEW_PAGE:
            assert DENIED in errors
            assert shown_figures(app) == 0
        assert app.session_state["f_org"] != org


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (CHEF_HC, {"hc_hortlax", "vo_pitea", "div_nara", "region_nb"}),
        (CHEF_VO, {"vo_pitea", "hc_pitea", "hc_hortlax", "hc_norrfjarden", "hc_ojebyn", "div_nara", "region_nb"}),
    ],
)
def test_a_chef_picks_among_their_own_units_and_the_levels_above(user: dict[str, object], expected: set[str]) -> None:
    app = open_as(user)
    options = app.sidebar.selectbox(key="f_org").options
    names = unit_names()
    assert len(options) == len(expected), options
    for unit in expected:
        assert any(o.strip().startswith(names[unit]) for o in options), (unit, options)


def test_a_chef_of_a_health_centre_sees_no_sibling_on_the_units_page() -> None:
    app = open_as(CHEF_HC, UNITS_PAGE, org="vo_pitea", ar="2022", period="DÅ08")
    shown = texts(app) + " ".join(c.proto.spec for c in app.main.get("plotly_chart"))
    assert "Hortlax" in shown
    for sibling in ("Öjebyn", "Norrfjärden", "Piteå hälsocentral"):
        assert sibling not in shown


def test_a_chef_of_a_health_centre_gets_no_sibling_on_the_measure_page() -> None:
    app = open_as(CHEF_HC, MEASURE_PAGE, org="hc_hortlax", ar="2022", period="DÅ08", matt="med_telefon_samma_dag")
    app.session_state["sm_tab"] = "Enheter"
    app.run()
    assert not app.exception
    shown = texts(app) + " ".join(str(d.value) for d in app.main.dataframe) + " ".join(c.proto.spec for c in app.main.get("plotly_chart"))
    assert "Hortlax" in shown
    for sibling in ("Öjebyn", "Norrfjärden", "Piteå hälsocentral"):
        assert sibling not in shown


@pytest.mark.parametrize(
    ("user", "pages"),
    [
        (LEDNING, {"Ändringslogg"}),
        (ANALYTIKER, {"Läs in data"}),
        (CHEF_VO, set()),
        (FORVALTARE, {"Ändringslogg"}),
    ],
)
def test_the_managing_pages_follow_the_role(user: dict[str, object], pages: set[str]) -> None:
    app = open_as(user)
    # A page a role may not use is not registered at all: AppTest cannot switch to it, and a
    # browser asking for its address gets Streamlit's page-not-found and the start page.
    for page, title in ((IMPORT_PAGE, "Läs in data"), (AUDIT_PAGE, "Ändringslogg")):
        if title in pages:
            app.switch_page(page).run()
            assert [t.value for t in app.title] == [title], texts(app)[:300]
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(page)


def test_a_forvaltare_sees_the_log_and_no_figures() -> None:
    app = open_as(FORVALTARE)
    assert [t.value for t in app.title] == ["Ändringslogg"]
    assert "inte ger tillgång till några utfall" in " ".join(c.value for c in app.sidebar.caption)
    assert "f_org" not in app.session_state
    # Who may do what: the reviewed mapping, app role by app role.
    grants = app.dataframe[-1].value
    assert "Styrkort.Chef.HcHortlax" in grants["Approll"].tolist()
    assert grants.set_index("Approll").loc["Styrkort.Chef.HcHortlax", "Enheter (och allt under dem)"] == "Hortlax hälsocentral"


@pytest.mark.parametrize(
    ("user", "says"),
    [
        (person("Någon.Annan.Roll"), "ingen roll i Styrkort"),
        (person(), "ingen roll i Styrkort"),
    ],
)
def test_a_person_without_a_mapped_role_is_told_why_and_sees_nothing(user: dict[str, object], says: str) -> None:
    app = open_as(user)
    assert says in " ".join(i.value for i in app.info)
    assert shown_figures(app) == 0
    assert len(app.sidebar.selectbox) == 0


def test_nobody_signed_in_sees_the_sign_in_page_only() -> None:
    app = open_as({"is_logged_in": False}, None, org="hc_hortlax")
    assert shown_figures(app) == 0
    assert "Logga in med ditt konto" in texts(app)
    # No [auth] in the test's secrets: the page says so instead of a button that cannot work.
    assert "Inloggningen är inte inställd" in " ".join(e.value for e in app.error)


def test_the_local_mode_is_labelled_and_has_every_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STYRKORT_ACCESS")
    st.cache_resource.clear()
    app = open_as({})
    assert "Lokalt läge – ingen inloggning" in " ".join(m.value for m in app.sidebar.markdown)
    app.switch_page(IMPORT_PAGE).run()
    assert [t.value for t in app.title] == ["Läs in data"]
