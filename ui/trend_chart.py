"""Styrmått's *Över tid* chart drawn on the server as HTML and SVG: no chart library in the browser.

It is the first thing a measure's page shows, so it must draw at once: a Plotly chart makes the
browser fetch and evaluate Plotly's 4,7 MB of JavaScript before the first chart appears, which
doubled the time to a fully drawn first page. This chart is plain markup:

- the x positions are percentages of the plot's width and the y positions pixels of its fixed
  height, so the chart fills any width without scaling its text or its dots;
- the axes' labels and the legend are HTML beside the SVG, in the page's font;
- every point carries its value as a ``<title>`` (shown on hover), the chosen period's value is
  written beside its point (where one line is drawn) and is in the chart's accessible name with
  its target (a screen reader reads the name, not the points: the table is under *Siffror*);
- it is put in the page by a small component of our own (Streamlit's ``st.html`` removes SVG),
  without an iframe, as the measure tables are (``ui.tables``);
- Swedish number formats (``kpi.model.formatting``), demo values as open rings, missing and
  masked values as gaps, never 0 (as the Plotly charts).

The markup is well-formed XML, so tests can read it back.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import polars as pl
import streamlit as st

from kpi.model.formatting import format_number, format_value
from kpi.texts.display import short_period
from kpi.texts.legend import SEX_COLOURS, SEX_LABELS, TARGET_COLOUR
from ui.tables import PUT_MARKUP

PLOT_HEIGHT = 300  # px
TOP, BOTTOM = 30, 10  # px kept free inside the plot above the highest and below the lowest tick
MAX_LABELS = 12  # x labels shown at most (every k-th, counted from the latest); half on a phone
_SUFFIX = {"T": "", "K": "_women", "M": "_men"}

CSS = """
.sk-trend{margin:0;font-size:14px;color:#31333F}
.sk-trend .sk-legend{display:flex;flex-wrap:wrap;gap:.2rem 1.1rem;margin:0 0 .4rem 0;padding:0;list-style:none}
.sk-trend .sk-legend li{display:flex;align-items:center;gap:.4rem;margin:0}
.sk-trend .sk-frame{position:relative}
.sk-trend .sk-yaxis{position:absolute;left:0;top:0;bottom:0;color:#555}
.sk-trend .sk-yaxis span{position:absolute;right:0;transform:translateY(-50%);white-space:nowrap;line-height:1}
.sk-trend .sk-unit{position:absolute;left:0;top:-2px;font-size:12px;color:#555}
.sk-trend svg.sk-plot{display:block;overflow:visible}
.sk-trend .sk-xaxis{position:relative;height:2.7em;color:#555;line-height:1.25}
.sk-trend .sk-xaxis span{position:absolute;top:.35em;transform:translateX(-50%);text-align:center;white-space:nowrap}
.sk-trend .sk-grid{stroke:#E5E5E5;stroke-width:1}
.sk-trend .sk-zero{stroke:#BDBDBD;stroke-width:1}
.sk-trend .sk-value{font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.sk-trend .sk-note{fill:#555;font-size:12px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
@media (max-width:640px){.sk-trend .sk-xaxis span.sk-minor{display:none}}
"""

JS = "export default function ({ data, parentElement }) {" + PUT_MARKUP + "}"

_component = st.components.v2.component("styrkort_chart", css=CSS, js=JS, isolate_styles=False)


def show(markup: str, *, key: str) -> None:
    """Put a chart's markup (``trend_html``) in the page."""
    _component(key=key, data={"html": markup})


@dataclass(frozen=True)
class _Line:
    sex: str
    values: list[float | None]
    targets: list[float | None]
    demo: list[bool]
    masked: list[bool]


def trend_html(series: pl.DataFrame, *, sex: str, unit: str, decimals: int, period: str, comparison_period: str | None) -> str:
    """The line over the periods for the chosen sex (or the total) with its target as a dashed step
    line, the chosen period and its comparison period marked. A measure printed only for women
    and men (no total) gets one line and one target per sex. ``series``: one row per period as
    ``measure_series`` gives it."""
    sexes = [sex]
    only_by_sex = series.filter(pl.col("value").is_null() & (pl.col("value_women").is_not_null() | pl.col("value_men").is_not_null()))
    if sex == "T" and only_by_sex.height:
        # Some periods give women and men but no total (as the report prints them): draw the sexes too.
        sexes = ["T", "K", "M"] if series["value"].is_not_null().any() else ["K", "M"]
    periods = series["period"].to_list()
    lines = [
        _Line(
            s,
            _finite(series[f"value{_SUFFIX[s]}"].to_list()),
            _finite(series[f"target_effective{_SUFFIX[s]}"].to_list()),
            series[f"is_demo{_SUFFIX[s]}"].fill_null(False).to_list(),
            series[f"masked{_SUFFIX[s]}"].fill_null(False).to_list(),
        )
        for s in sexes
    ]
    known = [v for line in lines for v in (*line.values, *line.targets) if v is not None]
    ticks = nice_ticks(known, from_zero=unit != "mnkr")
    low, high = ticks[0], ticks[-1]
    n = len(periods)

    def x(i: int) -> str:
        return f"{(i + 0.5) / n * 100:.3f}%"

    def y(v: float) -> float:
        share = 0.5 if high == low else (v - low) / (high - low)
        return round(TOP + (1 - share) * (PLOT_HEIGHT - TOP - BOTTOM), 1)

    def tick_text(v: float) -> str:
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        places = next(d for d in range(5) if d == 4 or abs(step * 10**d - round(step * 10**d)) < 1e-6)  # 2,5 → 1
        return format_number(v, places) + ("\u00a0%" if unit == "%" else "")

    svg: list[str] = []
    for v in ticks:
        svg.append(f'<line class="{"sk-zero" if v == 0 else "sk-grid"}" x1="0" x2="100%" y1="{y(v)}" y2="{y(v)}"/>')
    if comparison_period is not None and comparison_period in periods:
        at = x(periods.index(comparison_period))
        svg.append(f'<line x1="{at}" x2="{at}" y1="0" y2="{PLOT_HEIGHT}" stroke="#999999" stroke-width="1" stroke-dasharray="2 3"/>')
        svg.append(f'<text class="sk-note" x="{at}" dx="4" y="{PLOT_HEIGHT - BOTTOM - 6}">jämförelse</text>')
    radius = 5 if n <= 24 else 3.5  # month by month, smaller dots: on a phone 80 months share 300 px
    legend: list[tuple[str, str, bool, bool]] = []  # label, colour, dashed, open ring
    any_demo = False
    values_on_top: list[str] = []
    spoken: list[str] = []  # the chosen period's value (and target) in the chart's accessible name
    spoken_target = ""
    for line in lines:
        colour, label = SEX_COLOURS[line.sex], SEX_LABELS[line.sex]
        prefix = "" if line.sex == "T" else f"{label} "
        legend.append((label, colour, False, False))
        if any(t is not None for t in line.targets):
            target_colour = TARGET_COLOUR if line.sex == "T" else colour
            dashes = f'stroke="{target_colour}" stroke-width="2" stroke-dasharray="6 4"'
            # A step line, as Plotly's "hv": along at this period's target, then up or down to the
            # next; a target with none beside it is a short dash across its period.
            for i, t in enumerate(line.targets):
                if t is None:
                    continue
                before = line.targets[i - 1] if i > 0 else None
                after = line.targets[i + 1] if i + 1 < n else None
                title = f"<title>{html.escape(f'Mål {short_period(periods[i])}: {format_value(t, unit, decimals)}')}</title>"
                if after is not None:
                    svg.append(f'<line x1="{x(i)}" x2="{x(i + 1)}" y1="{y(t)}" y2="{y(t)}" {dashes}>{title}</line>')
                    if after != t:
                        svg.append(f'<line x1="{x(i + 1)}" x2="{x(i + 1)}" y1="{y(t)}" y2="{y(after)}" {dashes}/>')
                else:  # the last of a run (on a little into its period) or one alone (across its period)
                    left, right = f"{(i + (0.2 if before is None else 0.5)) / n * 100:.3f}%", f"{(i + 0.8) / n * 100:.3f}%"
                    svg.append(f'<line x1="{left}" x2="{right}" y1="{y(t)}" y2="{y(t)}" {dashes}>{title}</line>')
                if periods[i] == period and len(lines) == 1:
                    spoken_target = f"mål {format_value(t, unit, decimals)}"
            legend.append(("Mål" if line.sex == "T" else f"Mål {label.lower()}", target_colour, True, False))
        for i in range(n - 1):
            a, b = line.values[i], line.values[i + 1]
            if a is not None and b is not None:  # a missing value breaks the line: a gap, never 0
                svg.append(f'<line x1="{x(i)}" x2="{x(i + 1)}" y1="{y(a)}" y2="{y(b)}" stroke="{colour}" stroke-width="3" stroke-linecap="round"/>')
        for i, v in enumerate(line.values):
            if v is None:
                continue
            demo = line.demo[i]
            any_demo = any_demo or demo
            chosen = periods[i] == period
            text = f"{prefix}{short_period(periods[i])}: {format_value(v, unit, decimals, masked=line.masked[i])}" + (" (demodata)" if demo else "")
            fill = "#FFFFFF" if demo else colour
            svg.append(
                f'<circle cx="{x(i)}" cy="{y(v)}" r="{7.5 if chosen else radius}" fill="{fill}" stroke="{colour}" stroke-width="{2.5 if radius > 4 else 2}">'
                f"<title>{html.escape(text)}</title></circle>"
            )
            if chosen and len(lines) == 1:  # beside one line only: several would write over each other
                chosen_text = format_value(v, unit, decimals, masked=line.masked[i]) + (" (demodata)" if demo else "")
                spoken.append(f"{short_period(periods[i])}: {chosen_text}")
                values_on_top.append(
                    f'<text class="sk-value" x="{x(i)}" y="{y(v) - 14}" text-anchor="middle" fill="{colour}">{html.escape(chosen_text)}</text>'
                )
    if any_demo:
        legend.append(("Demodata (öppen ring)", "#555555", False, True))

    tick_labels = [tick_text(v) for v in ticks]
    axis_width = max(len(t) for t in tick_labels) * 8 + 10
    shown_every = max(1, math.ceil(n / MAX_LABELS))
    x_labels = []
    for i, p in enumerate(periods):
        back = n - 1 - i  # counted from the latest period, which is always labelled
        if back % shown_every:
            continue
        first, _, second = short_period(p).partition(" ")
        minor = " sk-minor" if back % (2 * shown_every) else ""
        x_labels.append(f'<span class="sk-x{minor}" style="left:{x(i)}">{html.escape(first)}<br/>{html.escape(second)}</span>')
    summary = f"Linjediagram över {n} {'period' if n == 1 else 'perioder'}" + (f", {short_period(periods[0])} till {short_period(periods[-1])}" if n > 1 else "")
    if spoken:
        summary += ". Vald period " + spoken[0] + (f", {spoken_target}" if spoken_target else "")
    summary += ". Varje punkts värde visas när pekaren hålls över den; alla värden finns under fliken Siffror."
    unit_caption = f'<span class="sk-unit">{html.escape(unit)}</span>' if unit != "%" else ""
    return (
        '<figure class="sk-trend styrkort-chart">'
        f'<ul class="sk-legend" aria-label="Förklaring">{"".join(_legend_item(*item) for item in legend)}</ul>'
        f'<div class="sk-frame" style="height:{PLOT_HEIGHT}px;margin:0 28px 0 {axis_width}px">'
        f'<div class="sk-yaxis" style="left:-{axis_width}px;width:{axis_width - 8}px" aria-hidden="true">{unit_caption}'
        + "".join(f'<span style="top:{y(v)}px">{html.escape(t)}</span>' for v, t in zip(ticks, tick_labels, strict=True))
        + "</div>"
        f'<svg class="sk-plot" width="100%" height="{PLOT_HEIGHT}" role="img" aria-label="{html.escape(summary)}">'
        + "".join(svg)
        + "".join(values_on_top)
        + "</svg></div>"
        f'<div class="sk-xaxis" style="margin:0 28px 0 {axis_width}px" aria-hidden="true">{"".join(x_labels)}</div>'
        "</figure>"
    )


def _finite(values: list[float | None]) -> list[float | None]:
    """None for a value that is missing or not a number: a gap, never a point."""
    return [v if v is not None and math.isfinite(v) else None for v in values]


def _legend_item(label: str, colour: str, dashed: bool, ring: bool) -> str:
    if ring:
        mark = f'<circle cx="11" cy="7" r="4.5" fill="#FFFFFF" stroke="{colour}" stroke-width="2"/>'
    else:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        dot = "" if dashed else f'<circle cx="11" cy="7" r="4" fill="{colour}"/>'
        mark = f'<line x1="0" x2="22" y1="7" y2="7" stroke="{colour}" stroke-width="{2 if dashed else 3}"{dash}/>{dot}'
    return f'<li><svg width="22" height="14" aria-hidden="true">{mark}</svg>{html.escape(label)}</li>'


def nice_ticks(values: list[float], *, from_zero: bool, count: int = 5) -> list[float]:
    """About ``count`` evenly spaced round values (steps of 1, 2, 2,5 or 5 × 10ⁿ) covering
    ``values`` (and 0 when ``from_zero``); one tick either side of a single value (or of values
    that differ only by rounding noise), 0–1 with none. Values that are not finite are left out."""
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return [0.0, 1.0]
    low, high = min(values), max(values)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):  # equal, or a sum's rounding noise (4e-16)
        low, high = (low - 1, high + 1) if abs(low) > 1e-9 else (0.0, 1.0)
    rough = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    # Counted in steps, not added up: a sum of steps drifts, and a rounded one can stop growing.
    # The slack only absorbs a division's rounding (1e-16 of a few steps): a slack of 1e-9 steps was
    # a thousandth at a step of a million, and left 1 000 000,001 above the last tick.
    first, last = math.floor(low / step + 1e-12), math.ceil(high / step - 1e-12)
    places = max(0, 1 - math.floor(math.log10(step))) + 1
    return [round(k * step, places) + 0.0 for k in range(first, max(last, first + 1) + 1)]
