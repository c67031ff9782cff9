"""Plotly figures for the views. Each builder takes evaluated tables and returns a figure.

Swedish number formats throughout: ``separators`` gives decimal comma and a space between
thousands on axes, and hover texts are built with ``kpi.model.formatting`` so they read exactly as the
tables do. Demo values are drawn with open markers and say "demodata" in their hover text;
published values are filled. Missing values are gaps, never 0.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
import polars as pl

from kpi.model.formatting import MASKED_TEXT, format_value
from kpi.model.verdicts import COMMON, CONCERN, IMPROVEMENT, MASKED_MONTHS, TOO_FEW
from kpi.reports.pack import LineChart
from kpi.signals.funnel import Funnel
from kpi.signals.spc import RULES
from kpi.signals.variation import MeasureSpc
from kpi.texts.display import short_period
from kpi.texts.legend import ATTAINMENT, ATTAINMENT_ORDER, SEX_COLOURS, SEX_LABELS, TARGET_COLOUR, VARIATION

FONT = "Source Sans Pro, Source Sans 3, DejaVu Sans, sans-serif"


def _layout(fig: go.Figure, *, height: int, unit: str, horizontal: bool = False) -> go.Figure:
    axis = {
        "ticksuffix": "\u00a0%" if unit == "%" else "",
        "tickformat": ",~f",  # "29 191", never Plotly's SI "29.2k"
        "rangemode": "tozero" if unit != "mnkr" else "normal",
        "gridcolor": "#E5E5E5",
    }
    fig.update_layout(
        separators=",\u00a0",
        height=height,
        yaxis_title=None if horizontal or unit == "%" else unit,
        xaxis_title=unit if horizontal and unit != "%" else None,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font={"family": FONT, "size": 14},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        plot_bgcolor="white",
    )
    if horizontal:
        fig.update_xaxes(**axis)
    else:
        fig.update_yaxes(**axis)
    return fig


def _axis_period(period: str) -> str:
    """'DÅ08<br>2022': two short lines, so the labels fit side by side in a narrow window."""
    return short_period(period).replace(" ", "<br>", 1)


def warm_up() -> None:
    """Build one throwaway figure of each kind: Plotly loads its validators on first use (about
    0,7 s), which a process should pay at start rather than on someone's first chart."""
    fig = go.Figure([go.Scatter(x=[0], y=[0], mode="lines+markers"), go.Bar(x=[0], y=["a"], orientation="h"), go.Heatmap(z=[[0]])])
    _layout(fig, height=100, unit="%").add_vline(x=0).add_annotation(x=0, y=0, text="")
    fig.to_json()


def _fmt(value: float | None, unit: str, decimals: int, masked: bool = False) -> str:
    return format_value(value, unit, decimals, masked=masked)


def sex_figure(series: pl.DataFrame, *, unit: str, decimals: int) -> go.Figure:
    """Women and men over the periods, two lines in their fixed colours."""
    fig = go.Figure()
    x = [_axis_period(p) for p in series["period"].to_list()]
    for sex, suffix in (("K", "_women"), ("M", "_men")):
        values = series[f"value{suffix}"].to_list()
        demo = series[f"is_demo{suffix}"].fill_null(False).to_list()
        masked = series[f"masked{suffix}"].fill_null(False).to_list()
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines+markers",
                name=SEX_LABELS[sex],
                line={"color": SEX_COLOURS[sex], "width": 3, "dash": "solid" if sex == "K" else "dot"},
                marker={"symbol": ["circle-open" if d else "circle" for d in demo], "size": 9, "line": {"width": 2, "color": SEX_COLOURS[sex]}},
                text=[
                    f"{SEX_LABELS[sex]} {short_period(p)}: {_fmt(v, unit, decimals, m)}" + (" (demodata)" if d and v is not None else "")
                    for p, v, d, m in zip(series["period"].to_list(), values, demo, masked)
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_xaxes(type="category", showgrid=False)
    return _layout(fig, height=320, unit=unit)


def units_figure(units: pl.DataFrame, *, unit: str, decimals: int, target: float | None, room: float = 1.18) -> go.Figure:
    """Sorted horizontal bars, one per unit with a value, coloured by attainment; the target as a
    vertical line; the selected unit in bold. Each bar's symbol and value stand in the figure's
    right margin, one column at any width: never under the target line, never cut on a phone.
    (``room`` is kept for callers; the margin is sized from the labels.)"""
    shown = units.filter(pl.col("value").is_not_null() & ~pl.col("masked")).sort("value")
    rows = shown.to_dicts()
    names = [f"<b>{r['name']}</b>" if r["selected"] else r["name"] for r in rows]
    values = [r["value"] for r in rows]
    labels = [f"{ATTAINMENT[r['attainment']].symbol} {_fmt(r['value'], unit, decimals)}" + (" demo" if r["is_demo"] else "") for r in rows]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": [ATTAINMENT[r["attainment"]].colour for r in rows], "pattern": {"shape": ["/" if r["is_demo"] else "" for r in rows], "fgcolor": "white", "size": 6}},
            customdata=[r["unit_id"] for r in rows],
            hovertext=[
                f"{r['name']}: {_fmt(r['value'], unit, decimals)}, {ATTAINMENT[r['attainment']].word}" + (" (demodata)" if r["is_demo"] else "") for r in rows
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    for name, label in zip(names, labels):
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=8, y=name, yref="y", text=label, showarrow=False, font={"size": 13})
    if target is not None:
        fig.add_vline(x=target, line={"color": TARGET_COLOUR, "dash": "dash", "width": 2})
        fig.add_annotation(x=target, y=1, yref="paper", text=f"mål {_fmt(target, unit, decimals)}", showarrow=False, yanchor="bottom", font={"size": 12})
    fig.update_yaxes(type="category", automargin=True)
    top = max(values + [target or 0, 0]) if rows else 0
    low = min(values + [0]) if rows else 0
    fig.update_xaxes(range=[low, top + ((top - low) or 1) * 0.04] if rows else None)
    fig = _layout(fig, height=max(220, 34 * len(rows) + 80), unit=unit, horizontal=True)
    fig.update_layout(margin={"r": 16 + int(max((len(label) for label in labels), default=0) * 13 * 0.6)})
    if unit == "%" and rows:
        ticks = [v for v in (0, 25, 50, 75, 100) if v <= max(top, 1) * 1.05]  # no "150 %" for a share
        fig.update_xaxes(tickvals=ticks, ticktext=[f"{v}\u00a0%" for v in ticks])
    return fig


def grid_figure(
    grid: pl.DataFrame, measures: dict[str, tuple[str, str, tuple[str, ...]]], demo_units: dict[str, bool], reporting: dict[str, frozenset[str]]
) -> go.Figure:
    """Units × measures coloured by attainment, with the symbol and the value in each cell.

    ``measures``: id → (name, unit, reported_by). A cell whose unit does not report the measure
    (a dental area for a health-centre measure) is left blank; a missing value reads "saknas".
    Rows and columns are positions with the names as tick labels, so two measures whose shortened
    names agree still get a column each.
    """
    order = {state: i for i, state in enumerate(ATTAINMENT_ORDER)}
    measure_ids = list(dict.fromkeys(grid["measure_id"].to_list()))
    unit_rows = grid.select("unit_id", "name", "depth").unique(maintain_order=True).to_dicts()
    min_depth = min((r["depth"] for r in unit_rows), default=0)
    y_labels = [
        (f"<b>{r['name']}</b>" if r["depth"] - min_depth < 2 else r["name"]) + (" (demo)" if demo_units.get(r["unit_id"]) else "")
        for r in unit_rows
    ]
    cells: dict[tuple[str, str], dict[str, Any]] = {(r["unit_id"], r["measure_id"]): r for r in grid.to_dicts()}
    z, text, hover = [], [], []
    for r in unit_rows:
        z_row, t_row, h_row = [], [], []
        for m in measure_ids:
            c = cells[(r["unit_id"], m)]
            name, unit, reported_by = measures[m]
            head = f"{r['name']}<br>{name}<br>"
            if not reporting.get(r["unit_id"], frozenset()) & set(reported_by):
                z_row.append(None)
                t_row.append("")
                h_row.append(head + "rapporteras inte av enheten")
                continue
            badge = ATTAINMENT[c["attainment"]]
            decimals = int(c["decimals"]) if c["decimals"] is not None else 0
            demo = " (demodata)" if c["is_demo"] else ""
            z_row.append(order[c["attainment"]])
            if c["masked"]:
                t_row.append("skyddat")
                h_row.append(head + MASKED_TEXT)
            elif c["value"] is None and c["attainment"] != "ej_bedomd":
                t_row.append(f"{badge.symbol} K/M")  # judged per sex; no total exists
                h_row.append(head + f"bedömt per kön (totalt anges ej) · {badge.word}{demo}")
            elif c["value"] is None:
                t_row.append("saknas")
                h_row.append(head + "uppgift saknas")
            else:
                value = _fmt(c["value"], unit, decimals)
                t_row.append(f"{badge.symbol} {value}" + ("*" if c["is_demo"] else ""))
                h_row.append(head + f"{value} · {badge.word}{demo}")
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    n = len(ATTAINMENT_ORDER)
    scale = []
    for i, state in enumerate(ATTAINMENT_ORDER):
        scale += [[i / n, ATTAINMENT[state].colour], [(i + 1) / n, ATTAINMENT[state].colour]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(len(measure_ids))),
            y=list(range(len(unit_rows))),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12 if len(measure_ids) <= 8 else 11, "color": "black"},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=scale,
            zmin=-0.5,
            zmax=n - 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
            customdata=[[[r["unit_id"], m] for m in measure_ids] for r in unit_rows],
        )
    )
    fig.update_yaxes(autorange="reversed", tickvals=list(range(len(unit_rows))), ticktext=y_labels, automargin=True, showgrid=False, zeroline=False)
    headings = [_short(measures[m][0]) for m in measure_ids]
    fig.update_xaxes(
        side="top", tickvals=list(range(len(measure_ids))), ticktext=headings,
        tickangle=-HEADING_ANGLE, automargin=True, showgrid=False, zeroline=False,
    )  # fmt: skip
    fig.update_layout(
        separators=",\u00a0", height=max(260, 34 * len(unit_rows) + 190), margin={"l": _label_room(y_labels), "r": _slanted_room(headings, angle=HEADING_ANGLE), "t": 10, "b": 10},
        font={"family": FONT, "size": 13}, plot_bgcolor="white",
    )  # fmt: skip
    return fig


def grid_min_width(columns: int, label_room: int) -> int:
    """The narrowest the heatmap reads at: the unit names' room (the figure's left margin, from
    ``_label_room``), about 50 px a column ("✗ 13,6 %*" in 11 px type) and the last headings'
    room; eleven columns fit the main area at 1280 px."""
    return label_room + 50 * columns + 110


def _label_room(labels: list[str], font: float = 13) -> int:
    """The left margin the unit names need, from their length: Plotly's automatic margin measures a
    label when it first draws it, and measured before the page's font had come it cut the first
    letter of the longest name ("Norrfjärdens hälsocentral (demo)"). A bold name is a little wider."""
    def width(label: str) -> float:
        text = label.replace("<b>", "").replace("</b>", "")
        return len(text) * font * (0.55 if "<b>" in label else 0.5)

    return int(max((width(label) for label in labels), default=0)) + 12


def _slanted_room(headings: list[str], font: float = 13, angle: float = 60) -> int:
    """The right margin the last columns' slanted headings need: Plotly hides a tick label that
    reaches past the figure, so without it the last column labels went missing."""
    longest = max((len(heading) for heading in headings[-2:]), default=0)
    return int(longest * font * 0.5 * math.cos(math.radians(angle)))  # from the last column's middle: no extra padding needed


# Column headings of the heatmap slant steeply: at 60° neighbouring headings stand apart even in
# narrow columns, and the last one reaches half as far right as at 30°.
HEADING_ANGLE = 60


def _short(text: str, width: int = 44) -> str:
    """A measure name short enough for a slanted column heading, keeping its distinguishing end
    ('… 40-åringar'), cut between words; the hover has the full name."""
    if len(text) <= width:
        return text
    head, tail = text[: width - 16], text[-13:]
    if " " in head and not text[len(head)].isspace():
        head = head[: head.rfind(" ")]
    if not text[-14].isspace():  # the tail starts inside a word: the whole word if short, else the next one
        whole = text[text.rfind(" ", 0, len(text) - 13) + 1 :]
        tail = whole if len(whole) <= 18 else tail[tail.find(" ") + 1 :] if " " in tail else tail
    return f"{head.rstrip()} … {tail.lstrip()}"


def line_chart_figure(chart: LineChart, *, height: int, font_size: int = 18) -> go.Figure:
    """A chart of the board pack (``kpi.reports.pack.LineChart``) for the presentation view: the
    same lines, target dashes and open demo rings as the PDF and PowerPoint, in large type."""
    fig = go.Figure()
    for line in chart.lines:
        if line.step:
            # The target per period as a dash across its category, as in the PDF.
            fig.add_trace(
                go.Scatter(
                    x=chart.categories, y=line.values, mode="markers", name=line.name,
                    marker={"symbol": "line-ew-open", "size": 44, "color": line.colour, "line": {"width": 3, "color": line.colour}},
                    text=[f"{line.name} {c}: {_fmt(v, chart.unit, chart.decimals)}" for c, v in zip(chart.categories, line.values)],
                    hovertemplate="%{text}<extra></extra>",
                )
            )  # fmt: skip
            continue
        fig.add_trace(
            go.Scatter(
                x=chart.categories, y=line.values, mode="lines+markers", name=line.name, connectgaps=False,
                line={"color": line.colour, "width": 4, "dash": "dash" if line.dashed else "solid"},
                marker={
                    "size": [18 if i == chart.highlight else 12 for i in range(len(line.values))],
                    "symbol": ["circle-open" if line.demo and line.demo[i] else "circle" for i in range(len(line.values))],
                    "line": {"width": 3, "color": line.colour}, "color": line.colour,
                },
                text=[f"{line.name} {c}: {_fmt(v, chart.unit, chart.decimals)}" + (" (demodata)" if line.demo and line.demo[i] else "") for i, (c, v) in enumerate(zip(chart.categories, line.values))],
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    if chart.has_demo:
        # The legend's own open ring says what it means; a longer label is cut off in large type.
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Demodata", marker={"symbol": "circle-open", "size": 12, "color": "#555555", "line": {"width": 3}}, hoverinfo="skip"))
    fig.update_xaxes(type="category", showgrid=False)
    fig = _layout(fig, height=height, unit=chart.unit)
    # Room for the large tick labels and the legend: axes grow their own margins.
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    fig.update_layout(font={"family": FONT, "size": font_size}, margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend={"font": {"size": font_size - 2}})
    return fig


_SIGNAL_STYLE = {  # marker symbol and colour per reading; the legend names each in Swedish
    None: ("circle", VARIATION[COMMON].colour, "Vanlig variation"),
    IMPROVEMENT: ("diamond", VARIATION[IMPROVEMENT].colour, "Signal: förbättring"),
    CONCERN: ("square", VARIATION[CONCERN].colour, "Signal: försämring"),
}


def spc_figure(spc: MeasureSpc, *, unit: str, decimals: int, height: int = 420) -> go.Figure:
    """A control chart: the months as a grey line, each point marked by its reading (shape and
    colour), the centre line and the limits of each phase as steps, the target, the baseline
    shaded and each phase start (a recorded change, or the chosen month) named. Demo values are
    open markers."""
    p = spc.points
    labels = [short_period(x) for x in p["period"].to_list()]
    rows = p.to_dicts()
    fig = go.Figure()
    # Each phase with limits of its own shades its baseline (a provisional phase borrows the limits before it).
    assessed = spc.variation not in (MASKED_MONTHS, TOO_FEW)
    for phase in dict.fromkeys(r["phase"] for r in rows if spc.variation != MASKED_MONTHS):
        baseline = [label for label, r in zip(labels, rows) if r["phase"] == phase and r["in_baseline"] and r["centre"] is not None and not r["provisional"]]
        if baseline:
            fig.add_vrect(x0=baseline[0], x1=baseline[-1], fillcolor="#EEF3F8", line_width=0, layer="below")
            fig.add_annotation(x=baseline[0], y=0, yref="paper", text="baslinje", showarrow=False, xanchor="left", yanchor="bottom", font={"size": 12, "color": "#555555"})
    # Phases are drawn as separate line pieces, so a new phase's limits do not join the old ones.
    # With masked months there is no verdict, and no limits are drawn that would suggest one.
    lines = () if spc.variation == MASKED_MONTHS else (("Mittlinje", "centre", "solid"), ("Styrgränser", "upper", "dash"), ("Styrgränser", "lower", "dash"))
    for i, (name, column, dash) in enumerate(lines):
        y: list[float | None] = []
        previous_phase = None
        for r in rows:
            y.append(None if previous_phase is not None and r["phase"] != previous_phase else r[column])
            previous_phase = r["phase"]
        if all(v is None for v in y):
            continue  # no limits (too few months): nothing drawn, no legend entry
        fig.add_trace(
            go.Scatter(
                x=labels, y=y, mode="lines", name=name, legendgroup=name, showlegend=i < 2,
                line={"color": "#3B4A5A" if column == "centre" else "#7F7F7F", "width": 2 if column == "centre" else 1.5, "dash": dash, "shape": "hv"},
                connectgaps=False, hoverinfo="skip",
            )
        )  # fmt: skip
    if spc.target is not None:
        fig.add_trace(
            go.Scatter(
                x=labels, y=[spc.target] * len(labels), mode="lines", name=f"Mål {_fmt(spc.target, unit, decimals)}",
                line={"color": TARGET_COLOUR, "dash": "dot", "width": 2}, hoverinfo="skip",
            )
        )  # fmt: skip
    fig.add_trace(go.Scatter(x=labels, y=p["value"].to_list(), mode="lines", line={"color": "#B0B0B0", "width": 1.5}, showlegend=False, hoverinfo="skip"))
    for signal, (symbol, colour, name) in _SIGNAL_STYLE.items():
        name = name if assessed or signal is not None else "Månadsvärde"  # no verdict: not "vanlig variation"
        chosen = [(label, r) for label, r in zip(labels, rows) if r["signal"] == signal and r["value"] is not None]
        if not chosen and signal is not None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[c[0] for c in chosen], y=[c[1]["value"] for c in chosen], mode="markers", name=name,
                marker={
                    "symbol": [f"{symbol}-open" if c[1]["is_demo"] else symbol for c in chosen], "size": 10 if signal is None else 12,
                    "color": colour, "line": {"width": 2, "color": colour},
                },
                text=[_spc_hover(c[0], c[1], unit, decimals, spc) for c in chosen],
                hovertemplate="%{text}<extra></extra>", cliponaxis=False,
            )
        )  # fmt: skip
    for start in spc.starts:
        label = short_period(start.first_month)
        fig.add_vline(x=label, line={"color": "#555555", "dash": "dot", "width": 1.5})
        fig.add_annotation(x=label, y=1, yref="paper", text=start.label, showarrow=False, xanchor="left", xshift=4, yanchor="top", font={"size": 12, "color": "#333333"}, bgcolor="rgba(255,255,255,0.85)")
    if spc.is_demo:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Demodata", marker={"symbol": "circle-open", "size": 10, "color": "#555555"}, hoverinfo="skip"))
    step = max(1, len(labels) // 12)
    fig.update_xaxes(type="category", showgrid=False, tickvals=labels[::step], ticktext=[t.replace(" ", "<br>") for t in labels[::step]])
    fig = _layout(fig, height=height, unit=unit)
    # Close to the values, as control charts are read; never below 0 for a share or a count.
    fig.update_yaxes(rangemode="normal" if unit in ("mnkr", "kr", "index") else "nonnegative")
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0}, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return fig


def _spc_hover(label: str, r: dict[str, Any], unit: str, decimals: int, spc: MeasureSpc) -> str:
    text = f"{label}: {_fmt(r['value'], unit, decimals)}" + (" (demodata)" if r["is_demo"] else "")
    if r["centre"] is not None:
        text += f"<br>mittlinje {_fmt(r['centre'], unit, decimals)}, gränser {_fmt(r['lower'], unit, decimals)}–{_fmt(r['upper'], unit, decimals)}"
    if r["provisional"]:
        text += " (preliminärt: gränserna från före)"
    rules = [spc.options.rule_label(rule) for rule in RULES if r[rule]]
    if rules:
        text += "<br>" + "<br>".join(f"• {rule}" for rule in rules)
    return text


def _log_ticks(low: float, high: float) -> list[float]:
    """Round ticks (1, 2, 5 × 10ᵏ) on a log axis, at most about five: 5 000, 10 000, 20 000."""
    ticks: list[float] = []
    k = 10 ** math.floor(math.log10(max(low, 1)))
    while k <= high * 10:
        ticks += [m * k for m in (1, 2, 5) if low <= m * k <= high]
        k *= 10
    return ticks[:: max(1, math.ceil(len(ticks) / 5))] or [low, high]


_READING_STYLE = {
    "inom": ("circle", "#8C8C8C", "Inom gränserna"),
    "bättre": ("diamond", "#0072B2", "Bättre än förväntat"),
    "sämre": ("square", "#E69F00", "Sämre än förväntat"),
}


# Where a point's name may stand, in order of preference: (Plotly's textposition, the label's box
# from the point in pixels: left, bottom, right, top as multiples of the label's width and height).
_LABEL_SPOTS = (
    ("top center", (-0.5, 0.35, 0.5, 1.35)),
    ("bottom center", (-0.5, -1.35, 0.5, -0.35)),
    ("top right", (0.05, 0.35, 1.05, 1.35)),
    ("top left", (-1.05, 0.35, -0.05, 1.35)),
    ("bottom right", (0.05, -1.35, 1.05, -0.35)),
    ("bottom left", (-1.05, -1.35, -0.05, -0.35)),
    ("middle right", (0.08, -0.5, 1.08, 0.5)),
    ("middle left", (-1.08, -0.5, -0.08, 0.5)),
)


def place_labels(
    points: list[tuple[float, float]], texts: list[str], *, width: float = 280, height: float = 260, font: float = 13
) -> list[str]:
    """A textposition per point so that names neither overlap each other nor leave the plot.

    ``points`` are positions as shares (0–1) of the plot's width and height (a phone's, 280 px, by
    default: wider plots only spread the names more); label sizes are estimated from the text's
    length in the chart's font (0,6 em a letter). Each label takes the
    first spot, in ``_LABEL_SPOTS`` order, whose box stays inside the plot and clear of every
    label placed before it and of every point; where none is clear, the one that overlaps least."""
    placed: list[tuple[float, float, float, float]] = []
    markers = [(x * width - 6, y * height - 6, x * width + 6, y * height + 6) for x, y in points]
    chosen = []

    def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    for index, ((x, y), text) in enumerate(zip(points, texts)):
        if not text:
            chosen.append("top center")
            continue
        w, h = len(text) * font * 0.6, font * 1.2
        best, best_cost = _LABEL_SPOTS[0][0], float("inf")
        for name, (left, bottom, right, top) in _LABEL_SPOTS:
            box = (x * width + left * w, y * height + bottom * h, x * width + right * w, y * height + top * h)
            outside = max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1]) + max(0.0, box[3] - height)
            cost = outside * h * 10 + sum(overlap(box, other) for other in placed) + sum(overlap(box, m) for i, m in enumerate(markers) if i != index)
            if cost < best_cost:
                best, best_cost, best_box = name, cost, box
            if cost == 0:
                break
        chosen.append(best)
        placed.append(best_box)
    return chosen


def funnel_figure(funnel: Funnel, *, unit: str, decimals: int, selected: str | None, height: int = 420) -> go.Figure:
    """Each unit's share against its denominator, with the overall share and its 95 % and
    99,8 % limits as a funnel; units marked by their reading (shape and colour), demo ones open."""
    curve = funnel.curve
    n = curve["denominator"].to_list()
    fig = go.Figure()
    for column, name, dash in (("upper_998", "99,8 %-gräns", "dash"), ("lower_998", "99,8 %-gräns", "dash"), ("upper_95", "95 %-gräns", "dot"), ("lower_95", "95 %-gräns", "dot")):
        fig.add_trace(
            go.Scatter(
                x=n, y=curve[column].to_list(), mode="lines", name=name, legendgroup=name, showlegend=column.startswith("upper"),
                line={"color": "#7F7F7F", "dash": dash, "width": 1.5}, hoverinfo="skip",
            )
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[n[0], n[-1]], y=[funnel.overall] * 2, mode="lines", name=f"Alla: {_fmt(funnel.overall, unit, decimals)}",
            line={"color": "#3B4A5A", "width": 2}, hoverinfo="skip",
        )
    )  # fmt: skip
    points = funnel.points.to_dicts()
    few = len(points) <= 10  # few enough to name every point
    # Names placed apart (place_labels), in shares of the plot: x on the log axis, y on the values
    # and the funnel's limits, as the axes are drawn.
    log_n = [math.log10(v) for v in n if v and v > 0] + [math.log10(r["denominator"]) for r in points if r["denominator"]]
    lows = [v for c in ("lower_998",) for v in curve[c].to_list() if v is not None] + [r["value"] for r in points if r["value"] is not None]
    highs = [v for c in ("upper_998",) for v in curve[c].to_list() if v is not None] + [r["value"] for r in points if r["value"] is not None]
    x_low, x_high = (min(log_n), max(log_n)) if log_n else (0.0, 1.0)
    y_low, y_high = (min(lows), max(highs)) if lows and highs else (0.0, 1.0)
    share = {
        r["unit_id"]: (
            (math.log10(r["denominator"]) - x_low) / ((x_high - x_low) or 1) if r["denominator"] else 0.5,
            (r["value"] - y_low) / ((y_high - y_low) or 1) if r["value"] is not None else 0.5,
        )
        for r in points
    }
    named = [r for r in points if few or r["unit_id"] == selected]
    spots = dict(zip((r["unit_id"] for r in named), place_labels([share[r["unit_id"]] for r in named], [r["name"] for r in named])))
    for reading, (symbol, colour, name) in _READING_STYLE.items():
        chosen = [r for r in points if r["reading"] == reading]
        if not chosen:
            continue
        fig.add_trace(
            go.Scatter(
                x=[r["denominator"] for r in chosen], y=[r["value"] for r in chosen], mode="markers+text", name=name,
                text=[r["name"] if few or r["unit_id"] == selected else "" for r in chosen],
                textposition=[spots.get(r["unit_id"], "top center") for r in chosen],
                marker={
                    "symbol": [f"{symbol}-open" if r["is_demo"] else symbol for r in chosen],
                    "size": [16 if r["unit_id"] == selected else 11 for r in chosen], "color": colour, "line": {"width": 2, "color": colour},
                },
                customdata=[r["unit_id"] for r in chosen], cliponaxis=False,
                hovertext=[
                    f"{r['name']}: {_fmt(r['value'], unit, decimals)} av {format_value(r['denominator'], 'antal', 0)}"
                    + (" (demodata)" if r["is_demo"] else "") + f"<br>{_READING_STYLE[r['reading']][2].lower()} (99,8 %)"
                    for r in chosen
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )  # fmt: skip
    if any(r["is_demo"] for r in points):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Demodata", marker={"symbol": "circle-open", "size": 10, "color": "#555555"}, hoverinfo="skip"))
    fig = _layout(fig, height=height, unit=unit)
    ticks = _log_ticks(min(n), max(n))
    fig.update_xaxes(
        type="log", title="Underlag (nämnare), logaritmisk skala", showgrid=False, tickangle=0,
        tickvals=ticks, ticktext=[format_value(t, "antal", 0) for t in ticks],
    )  # fmt: skip
    fig.update_yaxes(rangemode="normal")
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0}, margin={"l": 10, "r": 10, "t": 20, "b": 10})
    return fig
