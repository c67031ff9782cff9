"""Ändringslogg: every write (imports, undos, analyses written in the browser) with who, when and
the units it touched; for förvaltare and ledning, filterable by unit and person."""

from __future__ import annotations

import streamlit as st

from kpi.model.access import Action
from ui import data
from ui.identity import current_access

current_access().require_action(Action.AUDIT_LOG)
st.title("Ändringslogg")
st.caption(
    "Varje ändring i styrkortet: inlästa filer, ångrade inläsningar och analyser skrivna i Styrkort, med vem som gjorde "
    "ändringen (den inloggade personen), när, och vilka enheter den rörde."
)
log = data.audit_log()
if log.is_empty():
    st.info("Inga ändringar ännu. Data som följer med är de publicerade värdena ur rapporterna och demodata.", icon=":material/info:")
else:
    names = data.unit_names()
    touched = sorted({u for units in log["unit_ids"].to_list() for u in units}, key=list(names).index)
    people = sorted({p for p in log["Vem"].to_list() if p})
    left, right = st.columns(2)
    chosen_units = left.multiselect("Enhet", touched, format_func=lambda u: names.get(u, u), placeholder="Alla enheter", key="log_units")
    person = right.selectbox("Person", people, index=None, placeholder="Alla personer", key="log_person")
    table = data.audit_table(tuple(chosen_units), person)
    st.caption(f"{table.height} av {log.height} ändringar.")
    st.dataframe(table, hide_index=True, width="stretch", column_config={"Ändringar": st.column_config.TextColumn(width="large")})

if current_access().may(Action.MANAGE_ACCESS):
    st.subheader("Vem har vilken roll", anchor=False)
    config = data.access_config()
    st.caption(
        "Approllerna i Entra ID och vad de ger i Styrkort, ur den granskade filen access.toml. Vilka personer som har en "
        "approll bestäms i Entra ID (Företagsprogram → Användare och grupper)."
        + (" Lokalt läge är på: utan inloggning har den lokala användaren alla roller." if config.local_mode else "")
    )
    st.dataframe(data.grants_table(), hide_index=True, width="stretch")
