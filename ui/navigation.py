"""Where the views live, and how one view opens another (a measure, for a unit).

Widget values (the organisation) can only be set before their widgets are drawn, so a click
records the wish in a callback and the frame follows it at the start of the next run.
"""

from __future__ import annotations

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
_PENDING = "_open_page"


def request_open(page: str, *, measure_id: str | None = None, unit_id: str | None = None) -> None:
    """Callback: remember to open ``page`` for the measure and unit on the next run."""
    if measure_id is not None:
        st.session_state["_choice_matt"] = measure_id
    if unit_id is not None:
        st.session_state["f_org"] = unit_id
    st.session_state[_PENDING] = page


def follow_request() -> None:
    """In the frame, before any widget: open the page a click asked for."""
    page = st.session_state.pop(_PENDING, None)
    if page is not None:
        st.switch_page(page)
