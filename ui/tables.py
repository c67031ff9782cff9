"""The tables of measures (the overview's lists, the perspective tables) as HTML.

Streamlit's data grid draws on a canvas: names are cut at the column's edge, a row opens only
through a small selection box, and a phone shows two cut columns. Here each row is a real table
row whose header is the measure's whole name, wrapped, as a link: a click, Enter or Space opens
the measure in the app (``ui.navigation.request_open``), and the link's address is the measure's
own shareable address for a new tab. On a narrow screen each row becomes a card.

The markup is built here, in Python, from the Arrow table the page has (every text escaped); a
small component (``st.components.v2``) puts it in the page and sends the opened measure back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import pyarrow as pa
import streamlit as st

NAME_COLUMN = "Styrmått"
GROUP_COLUMN = "Framgångsfaktor"  # the report's rows come in groups of one success factor
WIDE_COLUMNS = ("Källa",)  # long texts, printed smaller
# Soft hyphens let long Swedish words in headings break on a narrow column.
_HEADINGS = {"Uppföljningsperiod": "Uppföljnings\u00adperiod", "Måluppfyllelse": "Mål\u00aduppfyllelse", "Periodens utfall": "Periodens utfall"}

CSS = """
.styrkort-table{width:100%;border-collapse:collapse;font-size:0.875rem;line-height:1.4;color:#31333f}
.styrkort-table caption{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.styrkort-table thead th{font-weight:600;color:#31333f;background:#f8f8f7;border-bottom:2px solid #d6d6d3;vertical-align:bottom}
.styrkort-table th,.styrkort-table td{padding:6px 6px;text-align:left;vertical-align:top;border-bottom:1px solid #e6e6e3;overflow-wrap:break-word}
.styrkort-table tbody th{font-weight:400;min-width:12rem}
.styrkort-table tbody tr:hover{background:#f4f8fb}
.styrkort-table .styrkort-group th{font-weight:600;background:#fbfbfa;padding-top:10px;color:#31333f}
.styrkort-table .styrkort-small{font-size:0.8rem;color:#4f4e4c;min-width:8rem}
.styrkort-table a{color:#0063a0;text-decoration:underline;text-decoration-thickness:1px;text-underline-offset:2px}
.styrkort-table a:hover{text-decoration-thickness:2px}
.styrkort-table a:focus-visible{outline:3px solid #0063a0;outline-offset:2px;border-radius:2px}
.styrkort-table .styrkort-nowrap{white-space:nowrap}
.styrkort-table .styrkort-target{min-width:4.5rem}
.styrkort-table .styrkort-spark{display:block;overflow:visible;margin-top:4px}
.styrkort-table .styrkort-spark polyline{fill:none;stroke:#31333f;stroke-width:1.5;stroke-linejoin:round;stroke-linecap:round}
.styrkort-table .styrkort-spark-last{fill:#0072b2}
.styrkort-table .styrkort-spark-demo{fill:#fff;stroke:#0072b2;stroke-width:1.4}
@media (max-width:640px){
  .styrkort-table,.styrkort-table tbody,.styrkort-table tr,.styrkort-table th,.styrkort-table td{display:block;width:auto}
  .styrkort-table thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
  .styrkort-table tbody tr{border:1px solid #d6d6d3;border-radius:8px;margin:0 0 10px 0;padding:6px 10px}
  .styrkort-table tbody tr.styrkort-group{border:none;margin:14px 0 4px 0;padding:0}
  .styrkort-table tbody tr.styrkort-group th{background:none;padding:0}
  .styrkort-table th,.styrkort-table td{border:none;padding:3px 0}
  .styrkort-table tbody th{font-size:1rem;min-width:0}
  .styrkort-table td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#4f4e4c}
  .styrkort-table .styrkort-small{min-width:0}
  .styrkort-table .styrkort-target{min-width:0}
}
"""

# The body of a component that puts ready-made markup (``data.html``, ours, every text in it escaped)
# in the page, once per change: the measure tables here and the trend chart (``ui.trend_chart``).
PUT_MARKUP = """
  let holder = parentElement.querySelector(":scope > .styrkort-holder");
  if (!holder) {
    holder = document.createElement("div");
    holder.className = "styrkort-holder";
    parentElement.appendChild(holder);
  }
  if (holder.styrkortMarkup !== data.html) {
    holder.innerHTML = data.html;
    holder.styrkortMarkup = data.html;
  }
"""

# The table's component also reports the measure a link opens. Enter on a link is a click; Space is
# not, for links, so it is handled here. A click with a modifier (a new tab or window) is left to
# the browser: the link's address opens the measure.
JS = (
    "export default function ({ data, parentElement, setTriggerValue }) {"
    + PUT_MARKUP
    + """  const measureLink = (event) => event.target.closest && event.target.closest("a[data-measure]");
  holder.onclick = (event) => {
    const link = measureLink(event);
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    setTriggerValue("open", link.dataset.measure);
  };
  holder.onkeydown = (event) => {
    const link = measureLink(event);
    if (!link || (event.key !== " " && event.key !== "Spacebar")) return;
    event.preventDefault();
    setTriggerValue("open", link.dataset.measure);
  };
}
"""
)

_component = st.components.v2.component("styrkort_measure_table", css=CSS, js=JS, isolate_styles=False)


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 64, 22, 3


def sparkline(values: Sequence[float | None], demo: Sequence[bool], label: str) -> str:
    """A small trend line (inline SVG) of ``values``, oldest first, named by ``label`` for a screen
    reader and on hover. A missing or masked value is a gap, never 0; a demo value is an open ring
    (as in the charts); the last value a filled dot. Fewer than two values draw nothing."""
    known = [v for v in values if v is not None]
    name = html.escape(label)
    if len(known) < 2:
        return ""  # one value is the cell's own; none, nothing to draw
    low, high = min(known), max(known)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)

    def point(i: int, v: float) -> tuple[float, float]:
        share = 0.5 if high == low else (v - low) / (high - low)
        return SPARK_PAD + i * step, SPARK_HEIGHT - SPARK_PAD - share * (SPARK_HEIGHT - 2 * SPARK_PAD)

    lines, run = [], []
    for i, v in enumerate([*values, None]):
        if v is None:
            if len(run) > 1:
                lines.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in run) + '"/>')
            run = []
        else:
            run.append(point(i, v))
    marks = [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" class="styrkort-spark-demo"/>'
        for i, (v, d) in enumerate(zip(values, demo))
        if v is not None and d and i != len(values) - 1
        for x, y in [point(i, v)]
    ]
    if values[-1] is not None:
        x, y = point(len(values) - 1, values[-1])
        marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.8" class="{"styrkort-spark-demo" if demo[-1] else "styrkort-spark-last"}"/>')
    return (
        f'<svg class="styrkort-spark" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" '
        f'role="img" aria-label="{name}"><title>{name}</title>{"".join(lines)}{"".join(marks)}</svg>'
    )


def measure_link(measure_id: str, params: Mapping[str, str]) -> str:
    """The measure's own address with the view's filters (relative: it works under any base path)."""
    return "styrmatt?" + urlencode({"matt": measure_id, **params})


# What must not break over two lines: a verdict's symbol and its first word ("↘ försämrad"), and a
# number's digit groups ("43 000").
_UNBROKEN = re.compile(r"^[^\w\s(+−-] [\w-]+|(?<![\w,])\d{1,3}(?: \d{3})+(?!\d)")


def _unbroken(text: str) -> str:
    """``text`` escaped, its unbreakable parts in spans (the text itself unchanged, for copying)."""
    parts, at = [], 0
    for found in _UNBROKEN.finditer(text):
        parts += [html.escape(text[at : found.start()], quote=False), f'<span class="styrkort-nowrap">{html.escape(found.group(), quote=False)}</span>']
        at = found.end()
    return "".join(parts) + html.escape(text[at:], quote=False)


def _cell(column: str, value: object, label: str, below: str = "") -> str:
    text = "–" if value is None or value == "" else str(value)
    kind = " class=\"styrkort-small\"" if column in WIDE_COLUMNS else " class=\"styrkort-target\"" if column == "Mål" else ""
    return f'<td data-label="{html.escape(label)}"{kind}>{_unbroken(text)}{below}</td>'


def table_markup(
    table: pa.Table,
    *,
    columns: Sequence[str],
    caption: str,
    params: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    below: tuple[str, Sequence[str]] | None = None,
) -> str:
    """The HTML table of ``table``'s ``columns`` (one measure a row, ``measure_id`` hidden).

    The name column is the row's header and a link to the measure; a ``Framgångsfaktor`` column
    becomes a group row above its measures, as in the report. ``below`` is a column and ready-made
    markup per row (a sparkline) drawn under that column's text: no column of its own, so the
    report's columns still fit a 1280 px screen."""
    labels = labels or {}
    rows = table.to_pylist()
    shown = [c for c in columns if c != GROUP_COLUMN]
    heads = "".join(
        f'<th scope="col" data-column="{html.escape(c)}">{html.escape(_HEADINGS.get(labels.get(c, c), labels.get(c, c)), quote=False)}</th>'
        for c in shown
    )
    body = []
    group = None
    grouped = GROUP_COLUMN in columns
    for index, row in enumerate(rows):
        if grouped and row.get(GROUP_COLUMN) != group:
            group = row.get(GROUP_COLUMN)
            body.append(
                f'<tr class="styrkort-group"><th scope="colgroup" colspan="{len(shown)}">{html.escape(str(group or ""), quote=False)}</th></tr>'
            )
        cells = []
        for c in shown:
            if c == NAME_COLUMN:
                href = html.escape(measure_link(row["measure_id"], params))
                name = html.escape(str(row[c]), quote=False)
                cells.append(f'<th scope="row"><a href="{href}" data-measure="{html.escape(row["measure_id"])}">{name}</a></th>')
            else:
                cells.append(_cell(c, row.get(c), labels.get(c, c), below[1][index] if below is not None and below[0] == c else ""))
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="styrkort-table"><caption>{html.escape(caption, quote=False)}</caption>'
        f"<thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def measure_table(table: pa.Table, *, key: str, markup: str) -> str | None:
    """Draw ``markup``, the HTML of ``table`` (see ``table_markup``); return the measure a link
    opened in this run, if any (only one of this table's measures: the value comes from the browser)."""
    result = _component(key=key, data={"html": markup}, on_open_change=lambda: None)
    opened = result.open
    if opened is None:
        return None
    return opened if opened in set(table.column("measure_id").to_pylist()) else None
