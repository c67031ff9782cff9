"""Översikt: the five perspectives as tiles and the measures that need attention."""

from __future__ import annotations

import streamlit as st

from kpi.signals.variation import VARIATION_HEADING
from ui import data
from ui.components import attainment_counts_text, demo_notice, heading, measure_list, overview_tile, spc_expander
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
    with tile.container(border=True, height="stretch"):
        # One element for the tile's text (each element is a message and work on the server, for
        # every person's every run): the perspective, its goal, the bar and the counts.
        st.markdown(overview_tile(row), unsafe_allow_html=True)
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
