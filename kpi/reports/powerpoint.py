"""The board deck (python-pptx): a title slide, one slide per perspective, one per measure that
misses its target.

The slides follow ``kpi.reports.pack.slide_plan``, the same plan as the dashboard's presentation
view, so the hand-out matches what was shown. Charts are native PowerPoint charts (editable by
whoever prepares the meeting) drawn from the same chart data as the PDF: the outcome as a line
with dots (open rings for demo values), the target as a dash per period, gaps left as gaps.
Every slide carries the organisation, period and slide number; a slide showing demo data says so.
"""

from __future__ import annotations

import io
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY
from kpi.reports.pack import ROWS_PER_SLIDE, BoardPack, LineChart, MeasureEntry, Progress, Slide, outcome_cell, slide_plan
from kpi.texts.display import comparison_text
from kpi.texts.legend import ATTAINMENT, DEMO_TEXT, TREND

WIDE, HIGH = Inches(13.333), Inches(7.5)
INK, MUTED, RULE, HEAD_FILL, DEMO_FILL = "1F2933", "5F6B76", "C8CED4", "E8EDF2", "FFF4D6"
FONT = "Calibri"
DEMO_MARK = "E69F00"


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _text(slide: Any, left: float, top: float, width: float, height: float, runs: list[tuple[str, dict[str, Any]]] | str, *,
          size: int = 14, bold: bool = False, colour: str = INK, align: Any = PP_ALIGN.LEFT, anchor: Any = MSO_ANCHOR.TOP) -> Any:  # fmt: skip
    """A text box; ``runs`` is plain text or (text, {bold, colour, size, newline}) pieces."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.04)
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    for text, style in [(runs, {})] if isinstance(runs, str) else runs:
        if style.get("newline"):
            paragraph = frame.add_paragraph()
            paragraph.alignment = align
            paragraph.space_before = Pt(style.get("space", 6))
        _run(paragraph, text, style, size=size, bold=bold, colour=colour)
    return box


def _run(paragraph: Any, text: str, style: dict[str, Any], *, size: int, bold: bool = False, colour: str = INK) -> None:
    """One piece of text; ``style`` may override size, bold and colour."""
    run = paragraph.add_run()
    run.text = text
    run.font.name = FONT
    run.font.size = Pt(style.get("size", size))
    run.font.bold = style.get("bold", bold)
    run.font.color.rgb = _rgb(style.get("colour", colour))


def _frame(slide: Any, pack: BoardPack, number: int, total: int, *, demo: bool, source: str) -> None:
    line = slide.shapes.add_connector(1, Inches(0.5), Inches(6.95), WIDE - Inches(0.5), Inches(6.95))
    line.line.color.rgb = _rgb(RULE)
    line.line.width = Pt(0.75)
    _text(
        slide,
        0.5,
        7.0,
        8.6,
        0.4,
        [(pack.running_head, {}), (f"   {source}", {"colour": MUTED, "size": 9})],
        size=10,
        colour=MUTED,
    )
    _text(slide, 11.3, 7.0, 1.55, 0.4, f"{number} / {total}", size=11, colour=MUTED, align=PP_ALIGN.RIGHT)
    if demo:
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(9.2), Inches(7.02), Inches(2.0), Inches(0.34))
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(DEMO_FILL)
        box.line.color.rgb = _rgb("E69F00")
        frame = box.text_frame
        frame.margin_top = frame.margin_bottom = 0
        _run(frame.paragraphs[0], f"{DEMO_TEXT} visas", {}, size=10, bold=True)
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER


def _badge_runs(badge: Any, size: int) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{badge.symbol} ", {"bold": True, "colour": badge.colour, "size": size}), (badge.word, {"size": size})]


def _title_slide(prs: Any, pack: BoardPack) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text(slide, 0.6, 0.45, 12, 0.4, "Region Norrbotten · Hälso- och sjukvårdsnämnden", size=16, colour=MUTED)
    _text(slide, 0.6, 0.85, 12.2, 0.9, pack.title, size=40, bold=True)
    _text(slide, 0.6, 1.75, 12, 0.6, pack.subtitle, size=22, colour=MUTED)
    width, gap = 2.3, 0.17
    for i, section in enumerate(pack.sections):
        left = 0.6 + i * (width + gap)
        tile = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left), Inches(2.75), Inches(width), Inches(3.7))
        tile.adjustments[0] = 0.05
        tile.fill.solid()
        tile.fill.fore_color.rgb = _rgb("F5F7F9")
        tile.line.color.rgb = _rgb(RULE)
        runs: list[tuple[str, dict[str, Any]]] = [(section.perspective, {"bold": True, "size": 18})]
        runs.append((section.strategic_goal, {"newline": True, "size": 13, "colour": MUTED, "space": 4}))
        counts = section.counts
        for state in (MET, PARTLY, NOT_MET, NOT_ASSESSED):
            badge = ATTAINMENT[state]
            runs += [
                (f"{badge.symbol} ", {"newline": True, "bold": True, "colour": badge.colour, "size": 17, "space": 8}),
                (f"{counts[state]} ", {"bold": True, "size": 17}),
                (badge.word, {"size": 13}),
            ]
        runs.append((f"{len(section.measures)} styrmått", {"newline": True, "size": 12, "colour": MUTED, "space": 10}))
        _text(slide, left + 0.12, 2.9, width - 0.24, 3.4, runs)
    return slide


def _perspective_slide(prs: Any, pack: BoardPack, plan: Slide, entries: dict[str, MeasureEntry]) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    section = next(s for s in pack.sections if s.perspective == plan.perspective)
    part = f" ({plan.part}/{plan.parts})" if plan.parts > 1 else ""
    _text(slide, 0.5, 0.3, 12.3, 0.7, f"{plan.perspective}{part}", size=32, bold=True)
    _text(
        slide, 0.5, 0.98, 12.3, 0.45, [("Strategiskt mål: ", {"bold": True}), (section.strategic_goal, {})], size=16, colour=MUTED
    )
    chosen = [entries[m] for m in plan.measure_ids]
    headings = ("Styrmått", "Mål", "Periodens utfall", "Måluppfyllelse", "Utveckling")
    widths = (4.85, 1.3, 2.3, 1.95, 1.93)
    shape = slide.shapes.add_table(
        len(chosen) + 1, len(headings), Inches(0.5), Inches(1.55), Inches(sum(widths)), Inches(0.4 * (len(chosen) + 1))
    )
    table = shape.table
    for i, w in enumerate(widths):
        table.columns[i].width = Inches(w)
    size = 16 if len(chosen) <= 5 else 14
    for c, heading in enumerate(headings):
        _cell(table.cell(0, c), [(heading, {"bold": True})], size, fill=HEAD_FILL)
    for r, entry in enumerate(chosen, start=1):
        row = entry.row
        _cell(table.cell(r, 0), [(entry.name, {})], size)
        _cell(table.cell(r, 1), [(entry.table["Mål"], {})], size)
        _cell(table.cell(r, 2), [(outcome_cell(entry, pack.sex), {"bold": entry.has_value})], size)
        _cell(table.cell(r, 3), _badge_runs(ATTAINMENT[row["attainment"]], size), size)
        _cell(table.cell(r, 4), _badge_runs(TREND[row["trend"]], size), size)
    return slide, any(e.value_is_demo for e in chosen)


def _cell(cell: Any, runs: list[tuple[str, dict[str, Any]]], size: int, fill: str = "FFFFFF") -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)
    cell.margin_left = cell.margin_right = Inches(0.06)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    for text, style in runs:
        _run(paragraph, text, style, size=size)


def _measure_slide(prs: Any, pack: BoardPack, entry: MeasureEntry) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    row = entry.row
    title_size = 26 if len(entry.name) <= 70 else 22 if len(entry.name) <= 120 else 18
    _text(slide, 0.5, 0.3, 12.3, 1.0, entry.name, size=title_size, bold=True, anchor=MSO_ANCHOR.TOP)
    _text(slide, 0.5, 1.28, 12.3, 0.4, f"{row['perspective']} › {row['success_factor']}", size=14, colour=MUTED)
    right = 0.5
    if entry.chart is not None:
        _native_chart(slide, entry.chart, 0.5, 1.8, 7.2, 4.9)
        right = 7.95
    width = 12.83 - right
    facts: list[tuple[str, dict[str, Any]]] = [("Periodens utfall", {"size": 13, "colour": MUTED})]
    facts.append((outcome_cell(entry, pack.sex), {"newline": True, "size": 28, "bold": True, "space": 0}))
    facts.append((f"Mål: {entry.table['Mål']}", {"newline": True, "size": 16, "space": 6}))
    facts += [
        (
            f"{ATTAINMENT[row['attainment']].symbol} ",
            {"newline": True, "bold": True, "colour": ATTAINMENT[row["attainment"]].colour, "size": 18, "space": 6},
        ),
        (ATTAINMENT[row["attainment"]].word, {"size": 18}),
    ]
    facts += [
        ("   ", {"size": 18}),
        (f"{TREND[row['trend']].symbol} ", {"bold": True, "colour": TREND[row["trend"]].colour, "size": 18}),
        (TREND[row["trend"]].word, {"size": 18}),
    ]
    if row["comparison_value"] is not None:
        facts.append((f"Jämfört med {comparison_text(row)}", {"newline": True, "size": 13, "colour": MUTED, "space": 2}))
    _text(slide, right, 1.8, width, 2.0, facts)
    analysis = entry.analysis
    label = analysis.label
    text = analysis.text if len(analysis.text) <= 700 else analysis.text[:690].rsplit(" ", 1)[0] + " …"
    size = 14 if len(text) <= 380 else 12
    _text(
        slide,
        right,
        3.95,
        width,
        2.9,
        [(label, {"bold": True, "size": 13, "colour": MUTED}), (text, {"newline": True, "size": size, "space": 3})],
    )
    if analysis.is_own:
        # The whole comment (the slide may shorten it) and the generated text beside it.
        slide.notes_slide.notes_text_frame.text = f"{label}: {analysis.own}\n\nAutomatisk text: {analysis.generated}"
    elif analysis.generated:
        slide.notes_slide.notes_text_frame.text = analysis.generated
    return slide


def _native_chart(slide: Any, chart: LineChart, left: float, top: float, width: float, height: float) -> None:
    data = CategoryChartData()
    data.categories = chart.categories
    fmt = _number_format(chart.unit, chart.decimals)
    for line in chart.lines:
        data.add_series(line.name, line.values, number_format=fmt)
    if chart.has_demo:
        # Demo values again as amber dots on top of the line: a series of its own draws the same in
        # every program (LibreOffice ignores a marker's border, so an open ring would vanish) and
        # names itself in the legend.
        data.add_series("Demodata", _demo_values(chart), number_format=fmt)
    graphic = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(left), Inches(top), Inches(width), Inches(height), data)
    plot = graphic.chart
    plot.font.size = Pt(12)
    plot.font.name = FONT
    plot.has_legend = True
    plot.legend.position = XL_LEGEND_POSITION.TOP
    plot.legend.include_in_layout = False
    axis = plot.value_axis
    axis.has_major_gridlines = True
    axis.major_gridlines.format.line.color.rgb = _rgb("E5E5E5")
    axis.tick_labels.number_format = fmt
    axis.tick_labels.number_format_is_linked = False
    if chart.unit != "mnkr":
        axis.minimum_scale = 0
    if chart.unit == "%":
        top_value = max(v for line in chart.lines for v in line.values if v is not None)
        axis.maximum_scale = 100 if top_value > 80 else None
    axis.format.line.fill.background()
    all_series = list(plot.plots[0].series)
    if chart.has_demo:
        ring = all_series[-1]
        ring.smooth = False
        ring.format.line.fill.background()
        ring.marker.style = XL_MARKER_STYLE.CIRCLE
        ring.marker.size = 11
        ring.marker.format.fill.solid()
        ring.marker.format.fill.fore_color.rgb = _rgb(DEMO_MARK)
        ring.marker.format.line.color.rgb = _rgb(DEMO_MARK)
    for series, line in zip(all_series, chart.lines):
        series.smooth = False
        colour = _rgb(line.colour)
        if line.step:
            # The target per period as a dash at its level, like the PDF: no line between periods.
            series.format.line.fill.background()
            series.marker.style = XL_MARKER_STYLE.DASH
            series.marker.size = 20
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = colour
            series.marker.format.line.color.rgb = colour
            continue
        series.format.line.color.rgb = colour
        series.format.line.width = Pt(3)
        if line.dashed:
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 9
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour
        if chart.highlight is not None and line.values[chart.highlight] is not None:
            point = series.points[chart.highlight]
            point.marker.style = XL_MARKER_STYLE.CIRCLE
            point.marker.size = 13
            point.marker.format.fill.solid()
            point.marker.format.fill.fore_color.rgb = colour


def _number_format(unit: str, decimals: int) -> str:
    """An Office number format: codes are written with ',' for thousands and '.' for decimals, and
    PowerPoint shows them in the viewer's locale (43 000 and 17,1 % in Swedish)."""
    digits = "0" if decimals == 0 else "0." + "0" * decimals
    if unit == "%":
        return f'{digits}" %"'
    suffix = f'" {unit}"' if unit in ("mnkr", "kr") else ""
    return f"#,##{digits}{suffix}"


def _demo_values(chart: LineChart) -> list[float | None]:
    """Per period, the demo value of a solid line (the outcome, or a sex), else a gap."""
    lines = [line for line in chart.lines if not line.dashed]
    return [next((line.values[i] for line in lines if line.demo and line.demo[i]), None) for i in range(len(chart.categories))]


def board_pack_pptx(pack: BoardPack, progress: Progress | None = None) -> bytes:
    """The deck as bytes (16:9)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(WIDE), Emu(HIGH)
    prs.core_properties.title = f"{pack.title} – {pack.period_label}"
    prs.core_properties.author = "Styrkort, Region Norrbotten"
    prs.core_properties.language = "sv-SE"
    entries = {m.measure_id: m for m in pack.measures}
    plan = slide_plan(pack.card, rows_per_slide=ROWS_PER_SLIDE)
    source = pack.source_text
    made: list[tuple[Any, bool, str]] = []
    for i, item in enumerate(plan, start=1):
        if item.kind == "title":
            made.append((_title_slide(prs, pack), pack.has_demo, source))
        elif item.kind == "perspective":
            slide, demo = _perspective_slide(prs, pack, item, entries)
            made.append((slide, demo, source))
        else:
            entry = entries[item.measure_ids[0]]
            row_source = f"Källa: {entry.source}"
            row_source = row_source if len(row_source) <= 110 else row_source[:108].rsplit(" ", 1)[0] + " …"
            made.append((_measure_slide(prs, pack, entry), entry.shows_demo, row_source))
        if progress:
            progress(i / len(plan), f"Bild {i} av {len(plan)}")
    for number, (slide, demo, slide_source) in enumerate(made, start=1):
        _frame(slide, pack, number, len(made), demo=demo, source=slide_source)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
