"""Styrkort: the router and frame.

Sets the page, loads catalogue and data once per process, draws the global filters (sidebar and
URL), builds the navigation over the views in ``pages/`` and runs the chosen one inside an error
boundary: a manager sees a Swedish message and what to do, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

# pandas first, in every session's thread: an import of it in progress on another session's thread
# is then awaited (Python's import lock) before any page code runs. Plotly looks pandas up in
# sys.modules without importing it, and on a just-started server it saw a half-initialised one
# ("partially initialized module 'pandas' has no attribute 'Series'"). The production launcher
# (ui/serve.py) imports all of this before the server accepts its first session.
import pandas  # noqa: F401
import streamlit as st

from kpi.model.errors import StyrkortError
from ui.favicon import FAVICON  # a data URL, made once per process

st.set_page_config(page_title="Styrkort – Division Nära", page_icon=FAVICON, layout="wide", initial_sidebar_state="auto")

log = logging.getLogger("styrkort")
started = time.perf_counter()
page_name = "?"

try:
    from ui import data, identity
    from ui.components import page_style
    from ui.filters import DENIED_KEY, clear_page_params, sidebar_filters
    from kpi.model.access import Action
    from ui.navigation import (
        ACTIONS_PAGE,
        AUDIT_PAGE,
        IMPORT_PAGE,
        MEASURE_PAGE,
        OVERVIEW_PAGE,
        PERSPECTIVE_PAGES,
        PRESENTATION_PAGE,
        UNITS_PAGE,
        follow_request,
        menu,
        page_title,
        session_pages,
    )

    data.follow_store()
    data.dataset_and_evaluation()
    data.charts_ready()
    page_style()
    access = identity.sign_in()  # deny by default: no figure is read before this has set the scope
    follow_request()

    def build_pages() -> dict[str, list[st.Page]]:
        # Pages for what a role may do; a page not in the menu is not reachable by its address either.
        audit = st.Page(AUDIT_PAGE, title="Ändringslogg", icon=":material/history:", url_path="logg", default=not access.sees_figures)
        managing = []
        if access.may(Action.IMPORT):
            managing.append(st.Page(IMPORT_PAGE, title="Läs in data", icon=":material/upload_file:", url_path="import"))
        if access.may(Action.AUDIT_LOG):
            managing.append(audit)
        if access.sees_figures:
            figure_pages = {
                "Styrkort": [
                    st.Page(OVERVIEW_PAGE, title="Översikt", icon=":material/dashboard:", url_path="oversikt", default=True),
                    st.Page(PRESENTATION_PAGE, title="Presentation", icon=":material/slideshow:", url_path="presentation"),
                ],
                "Perspektiv": [
                    st.Page(path, title=name, icon=icon, url_path=path.removeprefix("pages/").removesuffix(".py"))
                    for (name, path), icon in zip(
                        PERSPECTIVE_PAGES.items(),
                        (
                            ":material/location_city:",
                            ":material/groups:",
                            ":material/medical_services:",
                            ":material/badge:",
                            ":material/account_balance:",
                        ),
                    )
                ],
                "Fördjupning": [
                    st.Page(MEASURE_PAGE, title="Styrmått", icon=":material/monitoring:", url_path="styrmatt"),
                    st.Page(UNITS_PAGE, title="Enheter", icon=":material/grid_view:", url_path="enheter"),
                    st.Page(ACTIONS_PAGE, title="Åtgärder", icon=":material/checklist:", url_path="atgarder"),
                ],
            }
            pages = figure_pages | ({"Förvaltning": managing} if managing else {})
        else:  # a förvaltare without a figure role: the log of changes, nothing else
            pages = {"Förvaltning": managing}
        return pages

    # Made once per process and menu, copied per run (see ui.navigation.session_pages): a menu depends only on the roles.
    pages = session_pages((access.sees_figures, access.may(Action.IMPORT), access.may(Action.AUDIT_LOG)), build_pages)
    page = menu(pages)
    page_name = page.url_path or "oversikt"
    # A title per view, naming the view first (the tab and a screen reader's first words) and the organisation.
    st.set_page_config(page_title=page_title(page.title))
    if access.sees_figures:
        sidebar_filters()
    clear_page_params()
    if (denied := st.session_state.pop(DENIED_KEY, None)) is not None:
        # A copied link to a unit outside the person's scope: say so, show no figures.
        st.error(f"Du har inte behörighet till {denied}. Välj en av dina enheter under Organisation i menyn.", icon=":material/lock:")
        st.stop()
    st.session_state["_frame_drawn"] = True  # pages check that they run inside the frame
    try:
        page.run()
    finally:
        st.session_state["_frame_drawn"] = False
        if os.environ.get("STYRKORT_TIMING"):
            # Server-side run time of this script run, for bench/bench_pages.py.
            print(
                json.dumps({"page": page_name, "ms": round((time.perf_counter() - started) * 1000, 1)}),
                file=sys.stderr,
                flush=True,
            )
except StyrkortError as error:
    st.error(f"Styrkortet kunde inte visas. {error}", icon=":material/error:")
except Exception:
    log.exception("Styrkort: unexpected error while drawing a page")
    st.error(
        "Något gick fel när sidan skulle visas. Välj en annan period eller organisation i menyn till vänster, "
        "eller ladda om sidan. Om felet finns kvar: kontakta förvaltningen av Styrkort och berätta vilken sida och vilket urval du hade.",
        icon=":material/error:",
    )
