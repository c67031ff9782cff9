"""Åtgärder: the strategic actions per perspective with status and the latest follow-up."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi.catalogue import PERSPECTIVES
from kpi.display import short_period
from kpi.legend import ACTION_STATUS
from ui import data
from ui.components import heading
from ui.filters import current

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
    followed = actions.filter(pl.col("follow_up_period").is_not_null())
    if followed.is_empty():
        st.warning(f"Åtgärderna har ingen uppföljning för {filters.period_label} eller tidigare under {filters.year}; status visas som okänd.")
    else:
        st.caption(f"Status och kommentar enligt senaste uppföljningen: {', '.join(sorted({short_period(p) for p in followed['follow_up_period'].to_list()}))}.")
    counts = dict(actions.group_by("status").len().iter_rows())
    st.markdown(" · ".join(f"{badge.symbol} **{counts[status]}** {badge.word}" for status, badge in ACTION_STATUS.items() if status in counts))
    show_nr = actions["nr"].is_not_null().any()
    for perspective in PERSPECTIVES:
        rows = actions.filter(pl.col("perspective") == perspective)
        if rows.is_empty():
            continue
        st.subheader(perspective, anchor=False)
        table = pl.DataFrame(
            [
                ({"Nr": r["nr"] or "–"} if show_nr else {})
                | {
                    "Mål": r["goal"],
                    "Åtgärd": r["action"],
                    "Status": ACTION_STATUS[r["status"]].text,
                    "Kommentar": r["comment"] or "–",
                    "Styrmått": "; ".join(measure_names.get(m, m) for m in r["measures"]) or "–",
                }
                for r in rows.iter_rows(named=True)
            ]
        )
        st.table(table, hide_index=True)  # a static table: long texts wrap instead of being cut
    st.caption("Källa: Division Nära, uppföljning av divisionens strategiska åtgärder (bilaga till delårsrapport per augusti 2022). Status är härledd ur kommentaren, eftersom statussymbolen saknas i textversionen av rapporten.")
