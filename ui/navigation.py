"""Where the views live, and how one view opens another (a measure, for a unit).

Widget values (the organisation) can only be set before their widgets are drawn, so a click
records the wish in a callback and the frame follows it at the start of the next run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import streamlit as st

PERSPECTIVE_PAGES = {
    "Samhälle": "pages/samhalle.py",
    "Medborgare": "pages/medborgare.py",
    "Verksamhet": "pages/verksamhet.py",
    "Medarbetare": "pages/medarbetare.py",
    "Ekonomi": "pages/ekonomi.py",
}
OVERVIEW_PAGE = "pages/oversikt.py"
PRESENTATION_PAGE = "pages/presentation.py"
MEASURE_PAGE = "pages/styrmatt.py"
UNITS_PAGE = "pages/enheter.py"
ACTIONS_PAGE = "pages/atgarder.py"
IMPORT_PAGE = "pages/import.py"  # named as its address, /import, which a fresh server looks up by file name
AUDIT_PAGE = "pages/logg.py"  # the log of every write (ändringslogg), for förvaltare and ledning
_PENDING = "_open_page"
ORGANISATION = "Division Nära, Region Norrbotten"


def page_title(view: str) -> str:
    """The browser's title of a view: the view first, then the service and the organisation."""
    return f"{view} – Styrkort – {ORGANISATION}"


def menu(pages: dict[str, list[st.Page]]) -> st.Page:
    """``st.navigation`` over ``pages`` in the sidebar; returns the page to run.

    ``.streamlit/config.toml`` turns ``client.showSidebarNavigation`` off so that Streamlit's legacy
    list of the files in ``pages/``, which a fresh server sends before ``app.py`` has run, is never
    shown. That option also hides ``st.navigation``'s sidebar menu, so it is switched on here, just
    before the menu is sent. (``st.navigation`` ends the legacy mode for the rest of the process.)
    """
    st.set_option("client.showSidebarNavigation", True)
    return st.navigation(pages)


def session_pages(menu_key: tuple[bool, ...], build: Callable[[], dict[str, list[st.Page]]]) -> dict[str, list[st.Page]]:
    """The menu's ``st.Page`` objects for this run: shallow copies of ones made once per process and
    menu by ``build``.

    Making a page resolves its file's path on disk, a system call per directory, for each of the
    dozen pages on every run: about 5 % of the interpreter's time per run under load (py-spy). The
    objects themselves are not shared: ``st.navigation`` marks the page it chose as runnable on the
    object, and two sessions running at once would race on that mark; a copy costs microseconds and
    no memory per session. ``menu_key`` names what the menu depends on (the person's roles).
    """
    return {section: [copy.copy(page) for page in pages] for section, pages in _menu_pages(menu_key, build).items()}


@st.cache_resource(max_entries=16, show_spinner=False)
def _menu_pages(menu_key: tuple[bool, ...], _build: Callable[[], dict[str, list[st.Page]]]) -> dict[str, list[st.Page]]:
    return _build()


def request_open(page: str, *, measure_id: str | None = None, unit_id: str | None = None) -> None:
    """Callback: remember to open ``page`` for the measure and unit on the next run."""
    if measure_id is not None:
        st.session_state["_choice_matt"] = measure_id
    if unit_id is not None:
        st.session_state["f_org"] = unit_id
    st.session_state[_PENDING] = page


CARRIED = "_carried_filters"
FILTER_KEYS = ("f_ar", "f_period", "f_org", "f_kon")


def follow_request() -> None:
    """In the frame, before any widget: open the page a click asked for.

    ``st.switch_page`` starts the next run without the browser's widget values, and Streamlit then
    drops the filters' values from the session: the measure opened from a table row or a chart
    showed Division Nära instead of the chosen organisation. The filters are carried over here and
    put back before their widgets are drawn (``ui.filters.sidebar_filters``)."""
    page = st.session_state.pop(_PENDING, None)
    if page is not None:
        st.session_state[CARRIED] = {k: st.session_state[k] for k in FILTER_KEYS if k in st.session_state}
        st.switch_page(page)
