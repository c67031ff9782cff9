"""A chef writes their own analysis in the browser (Styrmått, *Analys och åtgärder*), and the
chef responsible for the division follows up its strategic actions (Åtgärder).

The text is saved as a one-row import (``kpi.imports.written``): checked like an imported text,
one new version per save with the previous text kept, a line in the log with the signed-in
person, and undo. A text that seems to name small counts of patients ("fem män och två kvinnor")
is not saved until the writer has read the warning and confirmed.
"""

from __future__ import annotations

import streamlit as st

from kpi.imports import pipeline
from kpi.imports.written import ACTIONS_OWNER, prepare_action_follow_up, prepare_comment
from kpi.model.access import Action
from kpi.model.errors import StyrkortError
from kpi.model.periods import Period
from kpi.texts.display import short_period
from ui import data
from ui.filters import Filters
from ui.identity import current_access

_SAVED = "_analysis_saved"  # (measure, unit, period) -> the import id of the person's last save
_WARNED = "_analysis_warned"  # (measure, unit, period) -> the small-count warning the writer must confirm


def analysis_editor(measure_id: str, filters: Filters, note: dict[str, object] | None) -> None:
    """The editor, for a person who writes analysis for the unit in view; nothing for anyone else.

    Saving and undoing run in the buttons' callbacks, before the next run draws the page: a
    click is never lost to a rerun of the frame, and the page then shows the text as stored."""
    access = current_access()
    if not access.may(Action.WRITE_ANALYSIS) or filters.unit_id not in access.writable:
        return
    key = f"{measure_id}|{filters.unit_id}|{filters.period.id}"
    saved: dict[str, str] = st.session_state.setdefault(_SAVED, {})
    with st.expander("Ändra analysen" if note else "Skriv en egen analys", icon=":material/edit_note:", expanded=key in st.session_state.get(_WARNED, {})):
        st.caption(
            f"För {filters.unit_name}, {short_period(filters.period.id)}. Sparas med ditt namn ({access.identity.shown}); "
            "den tidigare texten finns kvar och ändringen kan ångras. Skriv inte antal patienter som är så få att de kan pekas ut."
        )
        for kind, message in st.session_state.setdefault(_MESSAGES, {}).pop(key, []):
            getattr(st, kind)(message, icon=_ICONS[kind])
        warned = st.session_state.setdefault(_WARNED, {}).get(key)
        if warned:
            st.warning(f"{warned} Läs texten igen; kryssa i rutan och spara om den ändå ska sparas.", icon=":material/visibility_off:")
        with st.form(f"analysis_{key}", border=False):
            st.text_area("Analys", value=str(note["text"]) if note else "", max_chars=4000, height=160, key=f"analysis_text_{key}")
            if warned:
                st.checkbox("Jag har läst varningen: texten röjer inga enskilda patienter", key=f"analysis_ok_{key}")
            st.form_submit_button(
                "Spara analysen", type="primary", icon=":material/save:", on_click=_save, args=(measure_id, filters.unit_id, filters.period, key)
            )
        if key in saved:
            st.button("Ångra min senaste ändring", icon=":material/undo:", key=f"analysis_undo_{key}", on_click=_undo, args=(key,))


_MESSAGES = "_analysis_messages"
_ICONS = {"error": ":material/error:", "info": ":material/info:", "success": ":material/check_circle:"}


def _say(key: str, kind: str, message: str) -> None:
    st.session_state.setdefault(_MESSAGES, {}).setdefault(key, []).append((kind, message))


def _save(measure_id: str, unit_id: str, period: Period, key: str) -> None:
    access = current_access()
    text = str(st.session_state.get(f"analysis_text_{key}") or "").strip()
    confirmed = bool(st.session_state.get(f"analysis_ok_{key}"))
    warned: dict[str, str] = st.session_state.setdefault(_WARNED, {})
    try:
        plan = prepare_comment(data.data_dir(), access, measure_id, unit_id, period, text)
    except StyrkortError as error:
        _say(key, "error", str(error))
        return
    if plan.ok and plan.warnings and not confirmed:
        warned[key] = " ".join(plan.warnings)
        return
    if _write(key, plan, "Analysen", "Texten"):
        warned.pop(key, None)


def _write(key: str, plan: pipeline.Plan, what: str, same: str) -> bool:
    """Write a checked plan as the signed-in person, remember it for undo and say how it went;
    ``what``/``same``: how the message names the text ("Analysen", "Texten"). True when written."""
    if not plan.ok:
        _say(key, "error", f"{what} sparades inte: " + "; ".join(str(p) for p in plan.problems[:5]))
        return False
    if plan.to_write == 0:
        _say(key, "info", f"{same} är densamma som den sparade; inget ändrades.")
        return False
    try:
        record = pipeline.apply(data.data_dir(), plan, user=current_access().identity.shown, settings=data.dataset().settings)
    except StyrkortError as error:
        _say(key, "error", str(error))
        return False
    st.session_state.setdefault(_SAVED, {})[key] = record.import_id
    _say(key, "success", f"{what} är sparad.")
    data.reload()
    return True


def _undo(key: str) -> None:
    access = current_access()
    try:
        pipeline.undo(data.data_dir(), st.session_state[_SAVED].pop(key), user=access.identity.shown, settings=data.dataset().settings)
    except StyrkortError as error:
        _say(key, "error", str(error))
        return
    _say(key, "success", "Ändringen är ångrad; den tidigare texten gäller igen.")
    data.reload()


_STATUS_WORDS = {"ej_påbörjad": "ej påbörjad", "pågår": "pågår", "genomförd": "genomförd"}


def action_follow_up_editor(actions: list[tuple[str, str]], period: Period) -> None:
    """Status and comment of one of the division's actions for ``period``, for the person who
    writes for the division; nothing for anyone else. ``actions``: (id, label)."""
    access = current_access()
    if not access.may(Action.WRITE_ANALYSIS) or ACTIONS_OWNER not in access.writable or not actions:
        return
    key = f"actions|{period.id}"
    with st.expander(f"Följ upp en åtgärd för {short_period(period.id)}", icon=":material/edit_note:"):
        st.caption(f"Sparas med ditt namn ({access.identity.shown}) i ändringsloggen; den tidigare uppföljningen finns kvar och kan återställas genom att ångra.")
        for kind, message in st.session_state.setdefault(_MESSAGES, {}).pop(key, []):
            getattr(st, kind)(message, icon=_ICONS[kind])
        labels = dict(actions)
        with st.form(f"follow_up_{key}", border=False):
            st.selectbox("Åtgärd", list(labels), format_func=labels.__getitem__, key=f"follow_up_action_{key}")
            st.segmented_control("Status", list(_STATUS_WORDS), format_func=_STATUS_WORDS.__getitem__, key=f"follow_up_status_{key}", default="pågår")
            st.text_area("Kommentar", max_chars=2000, height=100, key=f"follow_up_comment_{key}")
            st.form_submit_button("Spara uppföljningen", type="primary", icon=":material/save:", on_click=_save_follow_up, args=(period, key))
        if key in st.session_state.get(_SAVED, {}):
            st.button("Ångra min senaste uppföljning", icon=":material/undo:", key=f"follow_up_undo_{key}", on_click=_undo, args=(key,))


def _save_follow_up(period: Period, key: str) -> None:
    access = current_access()
    action_id = st.session_state.get(f"follow_up_action_{key}")
    status = st.session_state.get(f"follow_up_status_{key}") or "pågår"
    comment = str(st.session_state.get(f"follow_up_comment_{key}") or "").strip()
    try:
        plan = prepare_action_follow_up(data.data_dir(), access, str(action_id), period, _STATUS_WORDS[status], comment)
    except StyrkortError as error:
        _say(key, "error", str(error))
        return
    _write(key, plan, "Uppföljningen", "Uppföljningen")
