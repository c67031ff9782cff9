"""Enheter: units × measures for one perspective, coloured by attainment with symbols."""

from __future__ import annotations

import streamlit as st

from kpi.model.catalogue import PERSPECTIVES
from kpi.texts.legend import ATTAINMENT, ATTAINMENT_ORDER
from ui import data, figures
from ui.charts import grid_min_width
from ui.components import demo_notice, heading
from ui.filters import current, page_choice, set_page_choice
from ui.navigation import MEASURE_PAGE, request_open

filters = current()
heading("Enheter", filters)
chosen = page_choice("perspektiv", list(PERSPECTIVES), "Medborgare")
perspective = st.segmented_control("Perspektiv", list(PERSPECTIVES), default=chosen, required=True) or chosen
if perspective != chosen:
    set_page_choice("perspektiv", perspective)
    st.rerun()

catalogue = data.catalogue(filters.year)
measures = [(m.id, m.name, m.unit.value, tuple(t.value for t in m.reported_by)) for p, _, m in catalogue.rows() if p.name == perspective]
# Measures nobody under the organisation reports for the period are left out of the grid.
reported, has_demo = data.grid_shown(tuple(m[0] for m in measures), filters.view)
shown = [m for m in measures if m[0] in reported]
if not shown:
    st.info(f"Inga styrmått i perspektivet {perspective} har värden per enhet under {filters.unit_name} för perioden.")
else:
    demo_notice(has_demo)

    def open_cell() -> None:
        points = st.session_state["e_grid"].selection.points
        if points:
            unit_id, measure_id = points[0]["customdata"]
            request_open(MEASURE_PAGE, measure_id=measure_id, unit_id=unit_id)

    # A grid of units × measures cannot shrink to a phone: below its readable width (the unit
    # names' room, as the figure's left margin has it, and the columns) it scrolls sideways
    # instead of squeezing every value into a sliver.
    grid = figures.grid(tuple(shown), filters.view)
    readable = grid_min_width(len(shown), grid.layout.margin.l)
    st.html(f"<style>.st-key-e_grid_scroll{{overflow-x:auto}} .st-key-e_grid_box{{min-width:{readable}px}}</style>")
    with st.container(key="e_grid_scroll"), st.container(key="e_grid_box"):
        st.plotly_chart(
            grid,
            config={"displayModeBar": False},
            key="e_grid",
            on_select=open_cell,
            selection_mode="points",
        )
    legend = " · ".join(f"{ATTAINMENT[s].symbol} {ATTAINMENT[s].word}" for s in ATTAINMENT_ORDER)
    st.caption(
        f"{legend} · * demodata · K/M: bedömt per kön, totalt anges ej · tom cell: enheten rapporterar inte måttet · "
        "(demo) enhet som inte nämns i rapporten. Klicka på en cell för att öppna styrmåttet för den enheten."
    )
    hidden = [m[1] for m in measures if m[0] not in reported]
    if hidden:
        st.caption(f"Utan värden per enhet för perioden: {'; '.join(hidden)}.")
