"""Läs in: the analyst loads a period's figures: template → upload → validation report → preview → confirm; and undo."""

from __future__ import annotations

import hashlib

import streamlit as st

from kpi.imports import isolate, pipeline
from kpi.model.access import Action
from kpi.model.errors import StyrkortError
from kpi.reports.files import to_csv
from ui import data
from ui.identity import current_access
from ui.filters import current

_PLAN = "_import_plan"
_RECEIPT = "_import_receipt"
_UPLOAD_ROUND = "_import_round"
_SHOWN_PROBLEMS = 200
_CONFIRMED, _UNDO = (
    "_import_confirmed",
    "_import_undo",
)  # set by the buttons' callbacks  # a new key empties the uploader after a successful import

filters = current()
access = current_access()
# Who writes is the signed-in person (or, in local mode, the login name on this computer), never a typed name.
# The page is the analysts' (import, undo and the import log go together); anyone else is refused
# here too, not only left out of the menu.
for action in (Action.IMPORT, Action.UNDO, Action.IMPORT_LOG):
    access.require_action(action)
user = access.identity.shown
isolate.warm_up()  # the workbook reader's process starts while the analyst picks a file
# Clicks recorded by the buttons' callbacks, taken once (a click never waits for a later file).
confirmed, undo_asked = st.session_state.pop(_CONFIRMED, False), st.session_state.pop(_UNDO, False)
st.title("Läs in data")
st.caption(
    "Utfall, mål, analyskommentarer och åtgärdsuppföljning för en ny period. Inget skrivs förrän filen är helt utan fel "
    "och du har bekräftat; varje inläsning kan ångras."
)

receipt = st.session_state.pop(_RECEIPT, None)
if receipt:
    st.success(receipt, icon=":material/check_circle:")

# 1. The template.
st.subheader("1. Hämta mallen", anchor=False)
left, right = st.columns([1, 2], vertical_alignment="center")
left.download_button(
    "Ladda ner Excelmallen",
    data=lambda: data.template_bytes(filters.year),
    file_name=f"styrkort_mall_{filters.year}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
)
right.caption(
    "Bladen Utfall, Mål, Kommentarer och Åtgärder fylls i; styrmått, enheter, perioder och kön väljs i listor. "
    "Skriv värden som i rapporten (92 %, 17,1, 43 000). Skriv .. där uppgift saknas – aldrig 0 och aldrig en tom cell."
)

# 2. The file.
st.subheader("2. Välj fil", anchor=False)
round_ = st.session_state.setdefault(_UPLOAD_ROUND, 0)
settings = data.dataset().settings
upload = st.file_uploader(
    "Ifylld mall (.xlsx), CSV (.csv, semikolon eller komma, UTF-8 eller Windows-1252) eller Kolada-data (.json)",
    type=["xlsx", "csv", "txt", "json"],
    key=f"import_file_{round_}",
    help=f"Högst {settings.import_max_megabytes:g} MB och {settings.import_max_rows:,} rader.".replace(",", "\u00a0"),
)
mapping = None
if upload is not None and pipeline.looks_like_kolada(upload.name, upload.getvalue()):
    mapping_file = st.file_uploader(
        "Mappningsfil för Kolada (.yaml): vilket styrmått varje Kolada-KPI är och vilken enhet varje kommun eller enhet är",
        type=["yaml", "yml", "json"],
        key=f"import_mapping_{round_}",
    )
    mapping = mapping_file.getvalue() if mapping_file is not None else None
st.caption(f"Inläsningen sparas i loggen med ditt namn, {user}, filen och tiden.")

if upload is None:
    st.session_state.pop(_PLAN, None)
else:
    content = upload.getvalue()
    # The preview is remade when the file or the store changes (another session's import or an undo).
    fingerprint = (hashlib.sha256(content + (mapping or b"")).hexdigest(), pipeline.store_versions(data.data_dir()))
    cached = st.session_state.get(_PLAN)
    if cached is None or cached[0] != fingerprint:
        with st.spinner("Kontrollerar filen …"):
            cached = (fingerprint, pipeline.prepare(data.data_dir(), upload.name, content, mapping=mapping, settings=settings))
        st.session_state[_PLAN] = cached
    plan: pipeline.Plan = cached[1]

    # 3. The validation report, or the preview.
    st.subheader("3. Kontroll och förhandsgranskning", anchor=False)
    if not plan.ok:
        st.error(
            f"**{len(plan.problems)} fel i {plan.file_name}. Inget har lästs in.** "
            "Rätta felen i filen och välj den igen; alla fel visas på en gång.",
            icon=":material/error:",
        )
        problems = pipeline.problems_frame(plan.problems)
        shown = problems.head(_SHOWN_PROBLEMS)
        st.table(shown, hide_index=True)  # a static table: long texts wrap
        if problems.height > shown.height:
            st.caption(f"Visar de första {shown.height} felen av {problems.height}; felrapporten nedan har alla.")
        st.download_button(
            "Ladda ner felrapporten (CSV)",
            data=to_csv(problems),
            file_name=f"fel_{plan.file_name}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
    else:
        head, _, rest = plan.sentence().partition(" utan fel. ")
        st.success(f"**{head} utan fel.** {rest}", icon=":material/task_alt:")
        tables = list(plan.changes)
        tabs = st.tabs([pipeline.TABLE_WORDS[t].capitalize() for t in tables]) if len(tables) > 1 else [st.container()]
        for table, tab in zip(tables, tabs, strict=True):
            counts = plan.counts(table)
            with tab:
                a, b, c = st.columns(3)
                a.metric("Nya", f"{counts[pipeline.CHANGE_NEW]:,}".replace(",", "\u00a0"))
                b.metric("Ändrade", f"{counts[pipeline.CHANGE_CHANGED]:,}".replace(",", "\u00a0"))
                c.metric("Oförändrade", f"{counts[pipeline.CHANGE_SAME]:,}".replace(",", "\u00a0"))
                preview = pipeline.preview_table(plan, table, data.measure_names(), data.unit_names(), data.measure_units())
                st.dataframe(
                    preview,
                    hide_index=True,
                    width="stretch",
                    height=min(38 + 35 * preview.height, 420),
                    column_config={
                        "Styrmått": st.column_config.TextColumn(width="medium"),
                        "Ändring": st.column_config.TextColumn(width="small"),
                    },
                )
                if sum(counts.values()) > preview.height:
                    st.caption(f"Visar de första {preview.height:,} raderna (ändrade först).".replace(",", "\u00a0"))
        if plan.to_write == 0:
            st.info("Allt i filen finns redan i styrkortet; det finns inget att läsa in.", icon=":material/info:")
        else:
            # A click is remembered in a callback, so it survives a rerun of the frame (ui.filters.current).
            st.button(
                f"Läs in {plan.to_write:,} {'ändring' if plan.to_write == 1 else 'ändringar'}".replace(",", "\u00a0"),
                type="primary",
                icon=":material/upload:",
                on_click=st.session_state.__setitem__,
                args=(_CONFIRMED, True),
            )
        if confirmed and plan.to_write:
            try:
                with st.spinner("Skriver …"):
                    record = pipeline.apply(data.data_dir(), plan, user=user, settings=settings)
            except StyrkortError as error:
                st.session_state.pop(_PLAN, None)  # a refused write makes a fresh preview on the next run
                st.error(str(error), icon=":material/error:")
            else:
                data.reload()
                st.session_state.pop(_PLAN, None)
                st.session_state[_UPLOAD_ROUND] = round_ + 1
                st.session_state[_RECEIPT] = (
                    f"Inläst: {record.summary} Inläsningen heter {record.import_id} och kan ångras nedan."
                )
                st.rerun()

# 4. The log and undo.
st.subheader("Inläsningar", anchor=False)
log = pipeline.imports(data.data_dir())
if log.is_empty():
    st.caption("Inga inläsningar ännu. Data som följer med är de publicerade värdena ur rapporterna och demodata.")
else:
    st.dataframe(pipeline.log_table(log), hide_index=True, width="stretch")
    active = pipeline.undoable(log)["import_id"].to_list()
    if active:
        with st.container(border=True):
            st.markdown("**Ångra en inläsning**")
            chosen = st.selectbox(
                "Inläsning",
                active,
                key="import_undo_choice",
                help="Den senaste står först. En äldre inläsning kan ångras om ingen senare har ändrat samma värden.",
            )
            sure = st.checkbox(
                "Ja, ta bort det som inläsningen skrev och återställ det som fanns före inläsningen", key="import_undo_sure"
            )
            st.button(
                "Ångra inläsningen",
                disabled=not sure,
                icon=":material/undo:",
                on_click=st.session_state.__setitem__,
                args=(_UNDO, True),
            )
            if undo_asked and sure:
                try:
                    text = pipeline.undo(data.data_dir(), chosen, user=user, settings=settings)
                except StyrkortError as error:
                    st.error(str(error), icon=":material/error:")
                else:
                    data.reload()
                    st.session_state.pop("import_undo_sure", None)
                    st.session_state.pop(_PLAN, None)
                    st.session_state[_RECEIPT] = text
                    st.rerun()
