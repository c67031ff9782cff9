"""Styrkort: router and frame. The views arrive with the dashboard issue; this placeholder shows
that the data set loads and the division's scorecard for DÅ08 2022 evaluates."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi.errors import StyrkortError
from kpi.evaluation import ATTAINMENT_LABELS, TREND_LABELS
from kpi.formatting import format_outcome

st.set_page_config(page_title="Styrkort – Division Nära", page_icon="📊", layout="wide")

try:
    from ui.data import dataset_and_evaluation, scorecard_for

    dataset, _ = dataset_and_evaluation()
    card = scorecard_for("div_nara", "2022-DÅ08")
except StyrkortError as error:
    st.error(f"Styrkortet kunde inte läsas in. {error}")
    st.stop()
except Exception:  # noqa: BLE001 - a manager never sees a traceback
    st.error("Något gick fel när styrkortet lästes in. Försök igen om en stund eller kontakta förvaltningen av Styrkort.")
    st.stop()

st.title("Styrkort – Division Nära")
st.caption("Delårsrapport per augusti 2022 (DÅ08). Värden som publicerats i rapporten visas som de publicerades, med källa.")

rows = []
for r in card.iter_rows(named=True):
    decimals = int(r["decimals"]) if r["decimals"] is not None else 0
    outcome = format_outcome(r["value"], r["value_women"], r["value_men"], r["unit"], decimals, masked=r["masked"])
    rows.append(
        {
            "Perspektiv": r["perspective"],
            "Framgångsfaktor": r["success_factor"],
            "Styrmått": r["measure"],
            "Mål": r["target"] or "–",
            "Uppföljningsperiod": r["follow_up"].replace(",", ", "),
            "Periodens utfall": outcome,
            "Måluppfyllelse": ATTAINMENT_LABELS[r["attainment"]],
            "Utveckling": TREND_LABELS[r["trend"]],
            "Källa": ("Demodata – " if r["is_demo"] else "") + r["source"],
        }
    )
narrow = st.column_config.TextColumn(width="small")
medium = st.column_config.TextColumn(width="medium")
st.dataframe(
    pl.DataFrame(rows),
    hide_index=True,
    width="stretch",
    column_config={"Perspektiv": narrow, "Framgångsfaktor": medium, "Styrmått": medium, "Mål": narrow, "Uppföljningsperiod": narrow, "Källa": medium},
)
st.caption(f"{dataset.units.height} enheter i enhetsträdet · {dataset.observations.height:,} utfall i lagret".replace(",", " "))
