"""Översikt: the five perspectives as tiles and the measures that need attention."""

from __future__ import annotations

import streamlit as st

from kpi.signals.variation import VARIATION_HEADING
from kpi.texts.legend import ATTAINMENT
from ui import data
from ui.components import attainment_bar, attainment_counts_text, demo_notice, heading, measure_list, spc_expander
from ui.exports import export_popover
from ui.filters import current
from ui.navigation import PERSPECTIVE_PAGES, PRESENTATION_PAGE

filters = current()
head, tools = st.columns([5, 1.6], vertical_alignment="bottom")
with head:
    heading(f"Styrkort – {filters.unit_name}", filters)
with tools:
    st.page_link(PRESENTATION_PAGE, label="Presentera", icon=":material/slideshow:")
    export_popover(filters, key="o_export")
demo_notice(data.shows_demo(filters.view))

summary = data.summary_for(filters.view)
tiles = st.columns(len(summary), gap="small")
for tile, row in zip(tiles, summary.iter_rows(named=True)):
    counts = {k: row[k] for k in ("uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd")}
    with tile.container(border=True, height="stretch"):
        st.markdown(f"**{row['perspective']}**")
        st.caption(row["strategic_goal"])
        st.markdown(attainment_bar(counts), unsafe_allow_html=True)
        st.markdown(
            "<div style='font-size:0.9rem;line-height:1.5'>"
            + "<br>".join(f"{ATTAINMENT[s].symbol} <b>{counts[s]}</b> {ATTAINMENT[s].word}" for s in ("uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd"))
            + "</div>",
            unsafe_allow_html=True,
        )
        st.caption(f"{row['measures']} styrmått" + (" · innehåller demodata" if row["has_demo"] else ""))
        st.page_link(PERSPECTIVE_PAGES[row["perspective"]], label="Öppna", icon=":material/arrow_forward:")

st.caption("Alla perspektiv: " + attainment_counts_text({k: int(summary[k].sum()) for k in ("uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd")}))


ATTENTION = (
    ("Längst från målet", "furthest", "Inga styrmått missar sitt mål i det här urvalet.", "o_gap",
     ["Perspektiv", "Styrmått", "Periodens utfall", "Mål", "Avstånd", "Måluppfyllelse", "Variation"]),
    ("Störst försämring", "worsened", "Inga styrmått har försämrats mot jämförelseperioden i det här urvalet.", "o_change",
     ["Perspektiv", "Styrmått", "Periodens utfall", "Förändring", "Utveckling", "Variation"]),
)  # fmt: skip
for title, kind, nothing, key, columns in ATTENTION:
    st.subheader(title, anchor=False)
    shown = data.attention_for(filters.view, kind)
    if shown is None:
        st.caption(nothing)
    else:
        table, heading = shown
        measure_list(table, filters.view, key=key, columns=columns, caption=title, labels={VARIATION_HEADING: heading})
st.caption(
    "Klicka på ett styrmåtts namn (eller tryck Enter) för att öppna det. Längst från målet: avståndet i procent av målet, störst först "
    "(för mål per kön det kön som är längst från sitt mål); mål som bara säger ”Öka” eller ”Minska” är inte med. "
    "Ett underskott mot ett mål på 0, som budgetresultatet, står alltid först, i mnkr. "
    "Förändringen räknas i procentenheter för andelar, i mnkr för belopp och i procent för antal (i antal när talet är litet). "
    "Linjen under utfallet: samma rapport de senaste åren (öppen ring: demodata). "
    "Variation: om månadsvärdena fram till periodens slut visar vanlig variation eller en särskild orsak, enligt styrdiagram."
)
spc_expander()
