"""The view of one perspective: its goal, the verdict counts, and the report's table."""

from __future__ import annotations

import streamlit as st

from kpi.signals.variation import VARIATION_HEADING
from ui import data
from ui.components import attainment_bar, attainment_counts_text, demo_notice, rules_expander, scorecard_list, spc_expander
from ui.exports import export_popover
from ui.filters import Filters


def render_perspective(name: str, filters: Filters) -> None:
    shown = data.perspective_table_for(name, filters.view)
    head, tools = st.columns([5, 1.6], vertical_alignment="bottom")
    head.title(name)
    head.caption(filters.heading)
    with tools:
        export_popover(filters, perspective=name, key=f"p_{name.lower()}_export")
    if shown is None:
        st.warning(f"Perspektivet {name} har inga styrmått i katalogen för {filters.year}.")
        return
    table, heading, has_demo = shown
    summary = data.summary_for(filters.view, name).row(0, named=True)
    st.markdown(f"**Strategiskt mål:** {summary['strategic_goal']}")
    counts = {k: summary[k] for k in ("uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd")}
    st.markdown(attainment_bar(counts), unsafe_allow_html=True)
    st.caption(attainment_counts_text(counts))
    demo_notice(has_demo)
    scorecard_list(table, filters.view, key=f"p_{name.lower()}_table", caption=f"Styrmått i perspektivet {name}", labels={VARIATION_HEADING: heading})
    st.caption(
        "Klicka på ett styrmåtts namn (eller tryck Enter) för att öppna det med utveckling över tid, styrdiagram, kvinnor och män och jämförelse mellan enheter. "
        "Linjen under utfallet: samma rapport de senaste åren (öppen ring: demodata). "
        "Variation: om månadsvärdena fram till periodens slut visar vanlig variation eller en särskild orsak (styrdiagram)."
    )
    rules_expander(filters)
    spc_expander()
