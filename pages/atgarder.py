"""Åtgärder: the strategic actions per perspective with status and the latest follow-up."""

from __future__ import annotations

import streamlit as st

from kpi.model.catalogue import PERSPECTIVES
from kpi.texts.display import actions_display, short_period
from kpi.texts.legend import ACTION_STATUS
from ui import data
from ui.components import heading
from ui.filters import current
from ui.writing import action_follow_up_editor

filters = current()
heading("Strategiska åtgärder", filters)
actions = data.actions_for(filters.period)
catalogue = data.catalogue(filters.year)
measure_names = {m.id: m.name for m in catalogue.measures()}

if actions.is_empty():
    st.info(f"Katalogen för {filters.year} har inga strategiska åtgärder.")
else:
    if filters.unit_id != "div_nara":
        st.caption("Åtgärderna är divisionens och gäller alla verksamhetsområden och enheter.")
    followed = sorted({short_period(p) for p in actions["follow_up_period"].drop_nulls().to_list()})
    if not followed:
        st.warning(f"Åtgärderna har ingen uppföljning för {filters.period_label} eller tidigare under {filters.year}; status visas som okänd.")
    else:
        st.caption(f"Status och kommentar enligt senaste uppföljningen: {', '.join(followed)}.")
    counts = dict(actions.group_by("status").len().iter_rows())
    st.markdown(" · ".join(f"{badge.symbol} **{counts[status]}** {badge.word}" for status, badge in ACTION_STATUS.items() if status in counts))
    show_nr = actions["nr"].is_not_null().any()
    for perspective in PERSPECTIVES:
        table = actions_display(actions, perspective, measure_names, with_nr=show_nr)
        if table.is_empty():
            continue
        st.subheader(perspective, anchor=False)
        st.table(table, hide_index=True)  # a static table: long texts wrap instead of being cut
    action_follow_up_editor([(a["action_id"], f"{a['perspective']}: {a['goal'][:90]}") for a in actions.iter_rows(named=True)], filters.period)
    st.caption("Källa: Division Nära, uppföljning av divisionens strategiska åtgärder (bilaga till delårsrapport per augusti 2022). Status är härledd ur kommentaren, eftersom statussymbolen saknas i textversionen av rapporten.")
