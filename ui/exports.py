"""Download buttons for the board pack (PDF, PowerPoint, Excel), with progress while it builds.

A file is built when asked for (a click on "Skapa …"), with a progress bar, and then offered for
download; it is kept in the session for the same choice (organisation, period, sex,
perspective, format and store version), so asking again costs nothing. Only the last few files
are kept, so a session does not collect megabytes.
"""

from __future__ import annotations

import logging

import streamlit as st

from kpi.model.errors import StyrkortError
from kpi.reports.files import FORMAT_NAMES, MIME_TYPES, BoardPackFormat, render_board_pack
from kpi.reports.pack import build_board_pack
from ui import data
from ui.filters import Filters

_KEPT = "_export_files"
_ASKED = "_export_asked"
_KEEP_AT_MOST = 3
FORMATS: tuple[BoardPackFormat, ...] = ("pdf", "pptx", "xlsx")
_ICONS = {"pdf": ":material/picture_as_pdf:", "pptx": ":material/slideshow:", "xlsx": ":material/table_view:"}


def _ask(key: str) -> None:
    st.session_state[_ASKED] = key


def export_buttons(filters: Filters, *, perspective: str | None = None, key: str) -> None:
    """One row per format: 'Skapa …' (with progress), then 'Ladda ner …'."""
    scope = f"perspektivet {perspective}" if perspective else "alla perspektiv"
    st.caption(f"{filters.unit_name} · {filters.period_label} · {scope}. Samma siffror, texter och skydd för små tal som här.")
    kept: dict[str, tuple[str, bytes]] = st.session_state.setdefault(_KEPT, {})
    version = data.store_version()
    for fmt in FORMATS:
        # The person's scope is part of the key: a file made before a sign-out is never offered after it.
        wanted = f"{filters.unit_id}|{filters.period.id}|{filters.sex}|{perspective}|{fmt}|{version}|{hash(data.current_scope())}"
        slot = st.empty()
        if wanted not in kept and st.session_state.get(_ASKED) == wanted:
            # The request is forgotten only once answered: a run stopped during the build (another
            # click, the drawer closed) builds again on the next run that shows this row.
            _build(filters, perspective, fmt, wanted, slot, kept)
            st.session_state.pop(_ASKED, None)
        if wanted in kept:
            name, content = kept[wanted]
            slot.download_button(
                f"Ladda ner {FORMAT_NAMES[fmt]}", content, file_name=name, mime=MIME_TYPES[fmt], icon=_ICONS[fmt],
                key=f"{key}_dl_{fmt}", on_click="ignore", type="primary", width="stretch",
            )  # fmt: skip
        else:
            slot.button(
                f"Skapa {FORMAT_NAMES[fmt]}",
                key=f"{key}_make_{fmt}",
                icon=_ICONS[fmt],
                on_click=_ask,
                args=(wanted,),
                width="stretch",
            )


def _build(
    filters: Filters, perspective: str | None, fmt: BoardPackFormat, wanted: str, slot: object, kept: dict[str, tuple[str, bytes]]
) -> None:
    bar = slot.progress(0.0, text=f"Skapar {FORMAT_NAMES[fmt]} …")  # type: ignore[attr-defined]

    def step(share: float, text: str) -> None:
        bar.progress(min(max(share, 0.0), 1.0), text=text)

    try:
        dataset, evaluation = data.scoped_source(filters.view)
        pack = build_board_pack(
            dataset, evaluation, filters.view, perspective=perspective,
            progress=lambda share, text: step(share * 0.3, text),
        )  # fmt: skip
        content = render_board_pack(pack, fmt, lambda share, text: step(0.3 + share * 0.7, text))
    except StyrkortError as error:
        bar.empty()
        st.error(str(error), icon=":material/error:")
        return
    except Exception:
        logging.getLogger("styrkort").exception("Styrkort: export failed")
        bar.empty()
        st.error(
            f"{FORMAT_NAMES[fmt]} kunde inte skapas. Försök igen; om felet finns kvar, kontakta förvaltningen av Styrkort.",
            icon=":material/error:",
        )
        return
    while len(kept) >= _KEEP_AT_MOST:
        kept.pop(next(iter(kept)))
    kept[wanted] = (f"{pack.file_stem(perspective)}.{fmt}", content)
    bar.empty()


def export_popover(filters: Filters, *, perspective: str | None = None, key: str) -> None:
    """The export buttons behind one 'Ladda ner underlag' button, out of the way of the view. They
    are made only while it is open (opening it is a rerun): closed, a run sends none of its
    elements, and a file made earlier is not hashed and registered again on every run."""
    drawer = st.popover("Ladda ner underlag", icon=":material/download:", key=f"{key}_open", on_change="rerun")
    if drawer.open:
        with drawer:
            export_buttons(filters, perspective=perspective, key=key)
