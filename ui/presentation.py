"""The presentation view's look: large type for a projector, no sidebar, slides drawn as HTML.

Sizes follow the window width (``vw``), so the same slide fills 1280×720 and 1920×1080 alike;
every slide is laid out to fit 16:9 without scrolling (at most six measures per table).
"""

from __future__ import annotations

from html import escape

import streamlit as st

from kpi.reports.pack import MeasureEntry
from kpi.texts.legend import ATTAINMENT, ATTAINMENT_ORDER, DEMO_TEXT, TREND

STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"] {display:none !important}
[data-testid="stMainBlockContainer"] {padding: 1.2vw 2.6vw 0.6vw 2.6vw !important; max-width: 100% !important}
.pr-title {font-size: 2.7vw; font-weight: 700; line-height: 1.15; margin: 0 0 0.2vw 0; color: #1F2933}
.pr-title.long {font-size: 2.05vw}
.pr-sub {font-size: 1.25vw; color: #5F6B76; margin-bottom: 1.0vw}
.pr-demo {display:inline-block; background:#FFF4D6; border:1px solid #E69F00; border-radius:0.4vw; padding:0.1vw 0.6vw;
  font-size:1.0vw; font-weight:700; margin-left:0.8vw; vertical-align: middle}
.pr-tiles {display:flex; gap:1vw}
.pr-tile {flex:1; background:#F5F7F9; border:1px solid #C8CED4; border-radius:0.6vw; padding:1vw 1.1vw}
.pr-tile h3 {font-size:1.7vw; margin:0 0 0.2vw 0; padding:0}
.pr-tile .goal {font-size:1.05vw; color:#5F6B76; min-height:2.8vw}
.pr-tile .count {font-size:1.45vw; line-height:1.75}
.pr-tile .count b {font-size:1.6vw}
.pr-table {width:100%; border-collapse:collapse; font-size:1.65vw; line-height:1.3}
.pr-table th {text-align:left; background:#E8EDF2; padding:0.45vw 0.6vw; font-size:1.3vw}
.pr-table td {padding:0.6vw 0.6vw; border-bottom:1px solid #C8CED4; vertical-align:top}
.pr-table td.value {font-weight:700}
.pr-table td.missing {color:#5F6B76}
.pr-big {font-size:2.9vw; font-weight:700; line-height:1.1}
.pr-label {font-size:1.05vw; color:#5F6B76; margin-top:0.7vw}
.pr-fact {font-size:1.45vw; line-height:1.45}
.pr-text {font-size:1.2vw; line-height:1.45; margin-top:0.4vw}
.pr-counter {font-size:1.2vw; text-align:center; padding-top:0.35vw; color:#5F6B76}
.pr-head {font-size:1.0vw; color:#5F6B76; padding-top:0.5vw}
.pr-attention {margin-top:1.4vw}
.pr-attention h4 {font-size:1.6vw; font-weight:700; margin:0 0 0.5vw 0; padding:0; color:#1F2933}
.pr-attention ol {margin:0; padding-left:2.2vw}
.pr-attention li {font-size:1.35vw; line-height:1.45; margin:0 0 0.35vw 0}
</style>
"""


def presentation_style() -> None:
    st.html(STYLE)


def badge_html(badge: object) -> str:
    return f'<span style="color:{badge.colour};font-weight:700">{escape(badge.symbol)}</span> {escape(badge.word)}'  # type: ignore[attr-defined]


def title_html(title: str, subtitle: str, *, demo: bool) -> str:
    size = " long" if len(title) > 60 else ""
    flag = f'<span class="pr-demo">{DEMO_TEXT}</span>' if demo else ""
    return f'<div class="pr-title{size}">{escape(title)}{flag}</div><div class="pr-sub">{escape(subtitle)}</div>'


def tiles_html(summary: list[dict[str, object]]) -> str:
    """The five perspectives with their verdict counts, as on the overview."""
    tiles = []
    for row in summary:
        counts = "".join(
            f'<div class="count"><span style="color:{ATTAINMENT[s].colour};font-weight:700">{ATTAINMENT[s].symbol}</span> '
            f"<b>{row[s]}</b> {escape(ATTAINMENT[s].word)}</div>"
            for s in ATTAINMENT_ORDER
        )
        tiles.append(
            f'<div class="pr-tile"><h3>{escape(str(row["perspective"]))}</h3><div class="goal">{escape(str(row["strategic_goal"]))}</div>'
            f"{counts}<div class='goal'>{row['measures']} styrmått</div></div>"
        )
    return f'<div class="pr-tiles">{"".join(tiles)}</div>'


def table_html(rows: list[tuple[str, str, str, str, str, bool]]) -> str:
    """(measure, target, outcome, attainment state, trend state, has value) per row."""
    head = "".join(f"<th>{h}</th>" for h in ("Styrmått", "Mål", "Periodens utfall", "Måluppfyllelse", "Utveckling"))
    body = "".join(
        f"<tr><td>{escape(m)}</td><td>{escape(t)}</td><td class='{'value' if has else 'missing'}'>{escape(o)}</td>"
        f"<td>{badge_html(ATTAINMENT[a])}</td><td>{badge_html(TREND[tr])}</td></tr>"
        for m, t, o, a, tr, has in rows
    )
    return f'<table class="pr-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def facts_html(entry: MeasureEntry, outcome: str, comparison: str | None) -> str:
    row = entry.row
    analysis = entry.analysis
    label = analysis.label
    compared = f'<div class="pr-label">Jämfört med {escape(comparison)}</div>' if comparison else ""
    return (
        f'<div class="pr-label">Periodens utfall</div><div class="pr-big">{escape(outcome)}</div>'
        f'<div class="pr-fact">Mål: {escape(entry.table["Mål"])}</div>'
        f'<div class="pr-fact">{badge_html(ATTAINMENT[row["attainment"]])} &nbsp; {badge_html(TREND[row["trend"]])}</div>{compared}'
        f'<div class="pr-label"><b>{escape(label)}</b></div><div class="pr-text">{escape(analysis.text)}</div>'
    )


def attention_html(rows: list[dict[str, str]]) -> str:
    """The overview's 'Längst från målet' (``kpi.texts.display.attention_table`` rows) as a short list."""
    if not rows:
        return ""
    items = "".join(
        f"<li><b>{escape(r['Styrmått'])}</b>: {escape(r['Periodens utfall'])}, mål {escape(r['Mål'])} ({escape(r['Avstånd'])})</li>"
        for r in rows
    )
    return f'<div class="pr-attention"><h4>Längst från målet</h4><ol>{items}</ol></div>'
