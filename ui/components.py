"""Small pieces every view uses: the heading, the demo notice, verdict counts, the scorecard table."""

from __future__ import annotations

import html
import re
from typing import NamedTuple

import pyarrow as pa
import streamlit as st

from kpi.model.view import View
from kpi.signals.variation import VARIATION_HEADING
from kpi.texts.display import SCORECARD_HEADINGS, funnel_reading_text, rules_text, spc_reading_text
from kpi.texts.legend import ATTAINMENT, ATTAINMENT_ORDER, DEMO_TEXT
from ui import data
from ui.filters import GLOBAL_PARAMS, Filters
from ui.navigation import MEASURE_PAGE, follow_request, request_open
from ui.tables import measure_table

# A card's value in large type that is not a heading: a heading would put every figure in the
# page's outline, with a "link to heading" anchor each, between a keyboard user and the tabs.
_VALUE_OPEN = '<p class="styrkort-value" style="font-size:1.5rem;font-weight:600;line-height:1.3;margin:0 0 0.25rem 0">'
_VALUE_CLOSE = "</p>"


def value_markup(text: str) -> str:
    """The Markdown (HTML) of a card's value ``text``."""
    return f"{_VALUE_OPEN}{html.escape(text, quote=False)}{_VALUE_CLOSE}"


class Card(NamedTuple):
    label: str
    value: str
    notes: tuple[str, ...] = ()


_LINE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")  # a line break with the spaces around it (``_one_line``)
_CARDS_OPEN = '<div class="sk-cards">'
_CARD_OPEN = '<div class="sk-card"><p class="sk-label">'
_NOTE_OPEN = '<p class="sk-note">'


def read_cards(markup: str) -> list[Card]:
    """The cards one Markdown shows (``cards``), in order, read back from it; none for any other
    Markdown (for the tests and the load client, which see the page as Streamlit sends it)."""
    if not markup.startswith(_CARDS_OPEN):
        return []
    found = []
    for part in markup.split(_CARD_OPEN)[1:]:
        label, rest = part.split("</p>", 1)
        value, rest = rest.removeprefix(_VALUE_OPEN).split(_VALUE_CLOSE, 1)
        notes = tuple(html.unescape(n.split("</p>", 1)[0]) for n in rest.split(_NOTE_OPEN)[1:])
        found.append(Card(html.unescape(label), html.unescape(value), notes))
    return found


def cards(*shown: Card) -> None:
    """Cards side by side (wrapping on a narrow screen), each a bordered box with its label, its
    value large (``value_markup``) and notes under it, as one element: the four cards at the top of
    Styrmått were 17 elements (columns, containers, captions), each a message of its own on every
    run. Every text is escaped and on one line (``_one_line``)."""
    body = "".join(
        f"{_CARD_OPEN}{_one_line(card.label)}</p>{value_markup(_LINE_BREAK.sub(' ', card.value))}"
        + "".join(f"{_NOTE_OPEN}{_one_line(note)}</p>" for note in card.notes)
        + "</div>"
        for card in shown
    )
    st.markdown(f"{_CARDS_OPEN}{body}</div>", unsafe_allow_html=True)


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
            # A part is never narrower than its label ("✗ 1" beside "– 10" was cut to "✗").
            f'<div title="{n} {badge.word}" style="flex:{n / total:.4f} 1 0;min-width:{1.6 + 0.6 * len(str(n)):.1f}em;background:{badge.colour};color:#111;'
            f'padding:2px 4px;text-align:center;font-weight:600;white-space:nowrap;overflow:hidden">{badge.symbol} {n}</div>'
        )
    return f'<div style="display:flex;gap:2px;border-radius:4px;overflow:hidden;font-size:0.95rem">{"".join(parts)}</div>'


def overview_tile(row: dict[str, object]) -> str:
    """An overview tile's text as one piece of HTML (``summary_for``'s row): the perspective, its
    strategic goal, the bar, the counts and how many measures (and whether demo data is among them)."""
    counts = {k: int(row[k]) for k in ATTAINMENT_ORDER}  # type: ignore[call-overload]
    lines = "<br>".join(f"{ATTAINMENT[s].symbol} <b>{counts[s]}</b> {ATTAINMENT[s].word}" for s in ("uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd"))
    small = f"font-size:0.875rem;color:{CAPTION_GREY};line-height:1.4"
    measures = f"{row['measures']} styrmått" + (" · innehåller demodata" if row["has_demo"] else "")
    return (
        f"<div style='display:flex;flex-direction:column;gap:0.55rem'>"
        f"<div style='font-weight:600'>{_one_line(row['perspective'])}</div>"
        f"<div style='{small}'>{_one_line(row['strategic_goal'])}</div>"
        f"{attainment_bar(counts)}"
        f"<div style='font-size:0.9rem;line-height:1.5'>{lines}</div>"
        f"<div style='{small}'>{html.escape(measures)}</div>"
        "</div>"
    )


def _one_line(text: object) -> str:
    """``text`` escaped, its line breaks as spaces: a blank line would end the Markdown HTML block
    and let the rest be read as Markdown. Other spaces stay as they are (a number's no-break space)."""
    return html.escape(_LINE_BREAK.sub(" ", str(text or "")))


def attainment_counts_text(counts: dict[str, int]) -> str:
    return " · ".join(f"{ATTAINMENT[s].symbol} {counts.get(s, 0)} {ATTAINMENT[s].word}" for s in ATTAINMENT_ORDER)




# Caption text (labels of the cards, context lines) in a full-opacity grey that reads at 5,3:1 or more on white,
# on the sidebar's #f8f8f7 and on the widgets' #f1f0ee: Streamlit's own #828180 is 3,9:1 on white,
# (the text colour at 60 % opacity), below WCAG 2.1 AA's 4,5:1 for body text.
CAPTION_GREY = "#646361"

# A strong focus ring on what the keyboard reaches (WCAG 2.4.7): Streamlit's own is a faint shadow
# on links and none on some buttons. #0063a0 is 6,4:1 on white and 6,0:1 on the sidebar's #f8f8f7,
# well above the 3:1 a focus indicator needs. Only on keyboard focus (:focus-visible), not on a click.
FOCUS_RING = "#0063a0"
FOCUSABLE = ",".join(
    f"{element}:focus-visible"
    for element in ("a", "button", "summary", "[role='tab']", "[role='button']", "[role='option']", "[role='radio']", "[tabindex='0']", "input[type='checkbox']")
)


def page_style() -> None:
    """Less padding than Streamlit's wide layout (room for the report's columns), no element
    toolbar (its English tooltips, and its CSV download that would bypass kpi.reports.files),
    captions with enough contrast and a visible focus ring."""
    st.html(
        "<style>"
        "[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem;padding-top:2.5rem;max-width:100%}"
        "[data-testid='stElementToolbar']{display:none}"
        f"[data-testid='stCaptionContainer']{{opacity:1;color:{CAPTION_GREY}}}"
        "[data-testid='stElementContainer']:has(#styrkort-document){display:none}"
        f"{FOCUSABLE}{{outline:3px solid {FOCUS_RING} !important;outline-offset:2px !important}}"
        # ``cards``: as Streamlit's bordered containers in columns, which stack on a phone.
        ".sk-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:1rem;margin-bottom:1rem}"
        ".sk-card{border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;padding:calc(1rem - 1px)}"
        f".sk-card .sk-label,.sk-card .sk-note{{font-size:0.875rem;color:{CAPTION_GREY};margin:0 0 0.25rem 0}}"
        "</style>"
    )


OUTCOME = "Periodens utfall"  # the sparkline is drawn under the period's value


def measure_list(table: pa.Table, view: View, *, key: str, columns: list[str], caption: str, labels: dict[str, str] | None = None) -> None:
    """A table with one measure per row (``ui.tables``), a sparkline of its last periods under the
    period's value; a click, Enter or Space on a measure's name opens its detail view with the current
    filters. The table is Arrow (``ui.data``), cached once for every session."""
    # The link of each measure carries the view's filters, as the address shows them.
    params = tuple((name, st.query_params[name]) for name in GLOBAL_PARAMS if name in st.query_params)
    _, markup = data.measure_list_markup(table, view, tuple(columns), caption, tuple((labels or {}).items()), params, OUTCOME)
    opened = measure_table(table, key=key, markup=markup)
    if opened is not None:
        request_open(MEASURE_PAGE, measure_id=opened)
        follow_request()


def scorecard_list(table: pa.Table, view: View, *, key: str, caption: str, labels: dict[str, str] | None = None) -> None:
    """The scorecard table in the report's column order; a measure's name opens it."""
    headings = list(SCORECARD_HEADINGS)
    headings.insert(headings.index("Utveckling") + 1, VARIATION_HEADING)
    measure_list(table, view, key=key, columns=[c for c in headings if c in table.column_names], caption=caption, labels=labels)
