"""Presentation: the scorecard as slides for the board's projector, in the PowerPoint's order.

One slide at a time (the five perspectives, each perspective's table, then each measure that
misses its target, or every measure with a value), large type, no sidebar; the organisation,
period and sex chosen in the dashboard are carried over. ← and → (or the buttons) step through;
the slide number is in the link (``?bild=3``).
"""

from __future__ import annotations

import streamlit as st

from kpi.evaluation.overview import furthest_from_target, perspective_summary
from kpi.reports.pack import ROWS_PER_SLIDE, outcome_cell, slide_plan
from kpi.texts.display import attention_table, comparison_text
from ui import data, figures
from ui.exports import export_buttons
from ui.filters import current, page_choice, set_page_choice
from ui.navigation import OVERVIEW_PAGE
from ui.presentation import attention_html, facts_html, presentation_style, table_html, tiles_html, title_html

MODES = {"missing_target": "Styrmått som missar målet", "all_with_value": "Alla styrmått med värde", "none": "Bara perspektiven"}

filters = current()
presentation_style()
card = data.scorecard_for(filters.view)
pack = data.board_pack_for(filters.view)
entries = {m.measure_id: m for m in pack.measures}
mode = st.session_state.get("pr_mode") or "missing_target"
slides = slide_plan(card, measures=mode, rows_per_slide=ROWS_PER_SLIDE)
numbers = [str(i) for i in range(1, len(slides) + 1)]
number = int(page_choice("bild", numbers, "1"))


def go(to: int) -> None:
    set_page_choice("bild", str(min(max(to, 1), len(slides))))


bar = st.columns([5.2, 1.25, 0.8, 1.25, 1.5], vertical_alignment="center")
bar[0].markdown(f'<div class="pr-head">{pack.running_head} · Presentation</div>', unsafe_allow_html=True)
bar[1].button(
    "Föregående",
    icon=":material/arrow_back:",
    on_click=go,
    args=(number - 1,),
    disabled=number == 1,
    shortcut="Left",
    width="stretch",
    key="pr_prev",
)
bar[2].markdown(f'<div class="pr-counter">{number} / {len(slides)}</div>', unsafe_allow_html=True)
bar[3].button(
    "Nästa",
    icon=":material/arrow_forward:",
    icon_position="right",
    on_click=go,
    args=(number + 1,),
    disabled=number == len(slides),
    shortcut="Right",
    width="stretch",
    key="pr_next",
)
with bar[4].popover("Mer", icon=":material/tune:", width="stretch"):
    st.radio("Bilder per styrmått", list(MODES), format_func=MODES.__getitem__, key="pr_mode", on_change=go, args=(1,))
    st.caption("Organisation, period och kön väljs i styrkortet; presentationen visar samma urval.")
    st.page_link(OVERVIEW_PAGE, label="Avsluta presentationen", icon=":material/close:")
    st.markdown("**Ladda ner som underlag**")
    export_buttons(filters, key="pr_export")

slide = slides[number - 1]
subtitle = pack.subtitle.replace("Uppföljning ", f"{pack.organisation} · ")
if slide.kind == "title":
    st.html(title_html(pack.title, pack.subtitle, demo=pack.has_demo))
    summary = perspective_summary(card).to_dicts()
    st.html(tiles_html(summary) + attention_html(attention_table(furthest_from_target(card, limit=3), filters.sex).to_dicts()))
elif slide.kind == "perspective":
    section = next(s for s in pack.sections if s.perspective == slide.perspective)
    chosen = [entries[m] for m in slide.measure_ids]
    part = f" ({slide.part}/{slide.parts})" if slide.parts > 1 else ""
    demo = any(e.value_is_demo for e in chosen)
    st.html(title_html(f"{slide.perspective}{part}", f"{subtitle} · Strategiskt mål: {section.strategic_goal}", demo=demo))
    rows = [(e.name, e.table["Mål"], outcome_cell(e, pack.sex), e.row["attainment"], e.row["trend"], e.has_value) for e in chosen]
    st.html(table_html(rows))
else:
    entry = entries[slide.measure_ids[0]]
    st.html(
        title_html(entry.name, f"{subtitle} · {entry.row['perspective']} › {entry.row['success_factor']}", demo=entry.shows_demo)
    )
    left, right = st.columns([1.35, 1], gap="large")
    with left:
        chart = figures.slide_chart(filters.view, entry.measure_id, height=430)
        if chart is not None:
            st.plotly_chart(
                chart,
                config={"displayModeBar": False, "staticPlot": True},
                key="pr_chart",
                theme=None,  # the chart's own colours and large type, as in the PDF and PowerPoint
            )
        else:
            st.caption("För få perioder med värde för ett diagram.")
    comparison = comparison_text(entry.row) if entry.row["comparison_value"] is not None else None
    right.html(facts_html(entry, outcome_cell(entry, pack.sex), comparison))
