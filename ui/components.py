"""Small pieces every view uses: the heading, the demo notice, verdict counts, the scorecard table."""

from __future__ import annotations

import html

import pyarrow as pa
import streamlit as st

from kpi.signals.variation import VARIATION_HEADING, VARIATION_HELP
from kpi.texts.display import SCORECARD_HEADINGS, funnel_reading_text, rules_text, spc_reading_text
from kpi.texts.legend import ATTAINMENT, ATTAINMENT_ORDER, DEMO_TEXT
from ui import data
from ui.filters import Filters
from ui.navigation import MEASURE_PAGE, request_open


# A card's value in large type that is not a heading: a heading would put every figure in the
# page's outline, with a "link to heading" anchor each, between a keyboard user and the tabs.
_VALUE_OPEN = '<p class="styrkort-value" style="font-size:1.5rem;font-weight:600;line-height:1.3;margin:0 0 0.25rem 0">'
_VALUE_CLOSE = "</p>"


def value_markup(text: str) -> str:
    """The Markdown (HTML) of a card's value ``text``."""
    return f"{_VALUE_OPEN}{html.escape(text, quote=False)}{_VALUE_CLOSE}"


def value_text(markup: str) -> str | None:
    """The value a card shows, read back from its Markdown; None for any other Markdown."""
    if markup.startswith(_VALUE_OPEN) and markup.endswith(_VALUE_CLOSE):
        return html.unescape(markup[len(_VALUE_OPEN) : -len(_VALUE_CLOSE)])
    return None


def card_value(text: str) -> None:
    """A card's value, large (see ``value_markup``)."""
    st.markdown(value_markup(text), unsafe_allow_html=True)


def heading(title: str, filters: Filters) -> None:
    st.title(title)
    st.caption(filters.heading)


def rules_expander(filters: Filters) -> None:
    """How the verdicts are reached, one click away; and which year's targets apply."""
    settings = data.dataset().settings
    first = min(data.dataset().catalogues.years)
    with st.expander("Så bedöms måluppfyllelse och utveckling"):
        st.markdown(rules_text(settings.partial_band_relative, settings.neutral_band_share_pp, settings.neutral_band_relative))
        if filters.year < first:
            st.markdown(f"För {filters.year} finns ingen egen katalog: styrmått och mål är {first} års, som i rapportens egna jämförelser.")


def spc_expander() -> None:
    """How to read a control chart and the variation column, one click away, for board members
    who have never seen one."""
    options = data.spc_options()
    with st.expander("Så läser du styrdiagram och variation"):
        st.markdown(spc_reading_text(options.baseline_points, options.min_points, options.run_length, options.trend_length))


def funnel_expander() -> None:
    """How to read the funnel plot, one click away."""
    with st.expander("Så läser du trattdiagrammet"):
        st.markdown(funnel_reading_text())


def demo_notice(has_demo: bool) -> None:
    """The visible label wherever a shown value is demo data."""
    if has_demo:
        st.info(
            f"**{DEMO_TEXT}** – vissa värden på den här sidan är genererade för att visa funktionerna och är inte publicerade. "
            "De är märkta demodata i tabeller, diagram och källa.",
            icon=":material/science:",
        )


def attainment_bar(counts: dict[str, int]) -> str:
    """A stacked bar of the attainment states with symbol and count in each part (HTML)."""
    total = sum(counts.values()) or 1
    parts = []
    for state in ATTAINMENT_ORDER:
        n = counts.get(state, 0)
        if not n:
            continue
        badge = ATTAINMENT[state]
        parts.append(
            f'<div title="{n} {badge.word}" style="flex:{n / total:.4f};background:{badge.colour};color:#111;'
            f'padding:2px 4px;text-align:center;font-weight:600;white-space:nowrap;overflow:hidden">{badge.symbol} {n}</div>'
        )
    return f'<div style="display:flex;gap:2px;border-radius:4px;overflow:hidden;font-size:0.95rem">{"".join(parts)}</div>'


def attainment_counts_text(counts: dict[str, int]) -> str:
    return " · ".join(f"{ATTAINMENT[s].symbol} {counts.get(s, 0)} {ATTAINMENT[s].word}" for s in ATTAINMENT_ORDER)


# Pixel widths chosen so the report's seven columns fit a 1280 px screen with the sidebar open.
_WIDTHS: dict[str, str | int] = {
    "Framgångsfaktor": 100, "Styrmått": 245, "Mål": 65, "Uppföljningsperiod": 90, "Periodens utfall": 165,
    "Måluppfyllelse": 120, "Utveckling": 110, "Variation": 152, "Jämförelse": 140, "Källa": 300,
}  # fmt: skip
ROW_HEIGHT = 35
COLUMN_HELP = {VARIATION_HEADING: VARIATION_HELP}


# Caption text (labels of the cards, context lines) in a full-opacity grey that reads at 5,3:1 or more on white,
# on the sidebar's #f8f8f7 and on the widgets' #f1f0ee: Streamlit's own #828180 is 3,9:1 on white,
# (the text colour at 60 % opacity), below WCAG 2.1 AA's 4,5:1 for body text.
CAPTION_GREY = "#646361"

def page_style() -> None:
    """Less padding than Streamlit's wide layout (room for the report's columns), no element
    toolbar (its English tooltips, and its CSV download that would bypass kpi.reports.files) and
    captions with enough contrast."""
    st.html(
        "<style>"
        "[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem;padding-top:2.5rem;max-width:100%}"
        "[data-testid='stElementToolbar']{display:none}"
        f"[data-testid='stCaptionContainer']{{opacity:1;color:{CAPTION_GREY}}}"
        "[data-testid='stElementContainer']:has(#styrkort-document){display:none}"
        "</style>"
    )


def measure_dataframe(
    table: pa.Table, *, key: str, columns: list[str], widths: dict[str, str | int] | None = None, labels: dict[str, str] | None = None
) -> None:
    """A table with one measure per row (``measure_id`` hidden); selecting a row opens the
    measure's detail view with the current filters. The table is Arrow (``ui.data``): Streamlit
    sends an Arrow table as it is, while a Polars frame would go through pandas on every run."""

    def open_selected() -> None:
        selected = st.session_state[key].selection.rows
        if selected:
            request_open(MEASURE_PAGE, measure_id=table.column("measure_id")[selected[0]].as_py())

    widths, labels = widths or {}, labels or {}
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=ROW_HEIGHT * (table.num_rows + 1) + 3,  # every row visible: no scrolling inside the table
        column_order=columns,
        column_config={c: st.column_config.TextColumn(labels.get(c, c), width=widths.get(c, "small"), help=COLUMN_HELP.get(c)) for c in columns},
        on_select=open_selected,
        selection_mode="single-row",
        key=key,
    )


def scorecard_dataframe(table: pa.Table, *, key: str, labels: dict[str, str] | None = None) -> None:
    """The scorecard table in the report's column order; selecting a row opens that measure."""
    headings = list(SCORECARD_HEADINGS)
    headings.insert(headings.index("Utveckling") + 1, VARIATION_HEADING)
    measure_dataframe(table, key=key, columns=[c for c in headings if c in table.column_names], widths=_WIDTHS, labels=labels)
