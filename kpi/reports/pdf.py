"""The board pack as a PDF laid out like the region's own appendix (bilaga till delårsrapport).

Cover with organisation and period and the five perspectives at a glance; per perspective the
report's table with symbols and words, each measure with its trend chart and analysis, and the
strategic actions; page numbers ("Sida 3 av 14"), the running head and the source line on every
page, and the demo label wherever demo data is shown. Charts are vector drawings made here from
the same chart data the PowerPoint uses, so no browser is needed to build a report.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kpi.evaluation.overview import furthest_from_target
from kpi.model.errors import StyrkortError
from kpi.model.formatting import format_number
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY
from kpi.reports.pack import BoardPack, LineChart, MeasureEntry, Progress, Section, outcome_cell
from kpi.texts.display import attention_table, comparison_text
from kpi.texts.legend import ATTAINMENT, DEMO_TEXT, TREND

FONT, BOLD = "StyrkortSans", "StyrkortSans-Bold"
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))
INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#5F6B76")
RULE = colors.HexColor("#C8CED4")
HEAD_FILL = colors.HexColor("#E8EDF2")
DEMO_FILL = colors.HexColor("#FFF4D6")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
            return
    raise StyrkortError(
        "PDF-rapporten kunde inte skapas: typsnittet DejaVu Sans saknas på servern (Debian-paketet fonts-dejavu-core). "
        "Excel och PowerPoint fungerar utan det."
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12.5, textColor=INK, alignment=TA_LEFT)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=BOLD, fontSize=8, leading=10),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=18, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=9.5, leading=12.5, spaceBefore=6, spaceAfter=2),
        "cover_kicker": ParagraphStyle("kicker", parent=base, fontSize=11, leading=14, textColor=MUTED),
        "cover_title": ParagraphStyle(
            "cover_title", parent=base, fontName=BOLD, fontSize=30, leading=36, spaceBefore=6, spaceAfter=6
        ),
        "cover_sub": ParagraphStyle("cover_sub", parent=base, fontSize=15, leading=20),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _badge(badge: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f'<font color="{badge.colour}"><b>{escape(badge.symbol)}</b></font> {escape(badge.word)}', style)


# --- charts ----------------------------------------------------------------------------------


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def chart_drawing(chart: LineChart, width: float, height: float) -> Drawing:
    """A line chart in the dashboard's colours: the outcome solid with dots (open rings for demo
    values, a larger dot for the report period), the target dashed as steps; gaps stay gaps."""
    d = Drawing(width, height)
    values = [v for line in chart.lines for v in line.values if v is not None]
    low, high = min(values + [0.0]) if chart.unit != "mnkr" else min(values), max(values)
    if chart.unit == "%" and high <= 100:
        high = min(100.0, high * 1.1) if high > 0 else 1.0
    else:
        high = high + abs(high) * 0.1 if high != 0 else 1.0
    ticks = _nice_ticks(low, high)
    y0, y1 = ticks[0], ticks[-1]
    left, right, bottom, top = 34.0, 6.0, 24.0, 16.0
    plot_w, plot_h = width - left - right, height - bottom - top
    n = len(chart.categories)

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / n

    def y(v: float) -> float:
        return bottom + plot_h * (v - y0) / (y1 - y0 or 1)

    suffix = "\u00a0%" if chart.unit == "%" else ""
    tick_decimals = 0 if all(float(t).is_integer() for t in ticks) else 1
    for t in ticks:
        d.add(Line(left, y(t), width - right, y(t), strokeColor=colors.HexColor("#E5E5E5"), strokeWidth=0.5))
        d.add(
            String(
                left - 3,
                y(t) - 2.5,
                format_number(t, tick_decimals) + suffix,
                fontName=FONT,
                fontSize=6.5,
                fillColor=MUTED,
                textAnchor="end",
            )
        )
    for i, label in enumerate(chart.categories):
        first, _, second = label.partition(" ")
        bold = BOLD if i == chart.highlight else FONT
        d.add(String(x(i), bottom - 9, first, fontName=bold, fontSize=6.5, fillColor=INK, textAnchor="middle"))
        if second:
            d.add(String(x(i), bottom - 17, second, fontName=bold, fontSize=6.5, fillColor=INK, textAnchor="middle"))
    for line in chart.lines:
        colour = colors.HexColor(line.colour)
        dash = [3, 2] if line.dashed else None
        if line.step:
            # A target per period: a level across its own category, so one period's target shows too.
            half = plot_w / n * 0.45
            for i, v in enumerate(line.values):
                if v is not None:
                    d.add(Line(x(i) - half, y(v), x(i) + half, y(v), strokeColor=colour, strokeWidth=1.2, strokeDashArray=dash))
            continue
        for i in range(n - 1):
            a, b = line.values[i], line.values[i + 1]
            if a is None or b is None:
                continue
            d.add(PolyLine([x(i), y(a), x(i + 1), y(b)], strokeColor=colour, strokeWidth=1.8, strokeDashArray=dash))
        if line.dashed:
            continue
        for i, v in enumerate(line.values):
            if v is None:
                continue
            demo = bool(line.demo and line.demo[i])
            radius = 3.4 if i == chart.highlight else 2.4
            d.add(Circle(x(i), y(v), radius, fillColor=colors.white if demo else colour, strokeColor=colour, strokeWidth=1.2))
    # The legend, above the plot.
    cursor = left
    items = [(line.name, line.colour, line.dashed, False) for line in chart.lines]
    if chart.has_demo:
        items.append(("Demodata (öppen ring)", "#555555", False, True))
    for name, colour, dashed, ring in items:
        c = colors.HexColor(colour)
        if ring:
            d.add(Circle(cursor + 5, height - 7, 2.4, fillColor=colors.white, strokeColor=c, strokeWidth=1.2))
        else:
            d.add(
                Line(
                    cursor,
                    height - 7,
                    cursor + 10,
                    height - 7,
                    strokeColor=c,
                    strokeWidth=1.5,
                    strokeDashArray=[3, 2] if dashed else None,
                )
            )
        d.add(String(cursor + 13, height - 9.5, name, fontName=FONT, fontSize=6.5, fillColor=INK))
        cursor += 13 + pdfmetrics.stringWidth(name, FONT, 6.5) + 9
    return d


# --- pages -----------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):
    """Writes 'Sida n av N', the running head and the source line once the page count is known."""

    pack: BoardPack

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        pack = self.pack
        page = self._pageNumber
        width, height = A4
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        if page > 1:
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, height - 11 * mm, pack.running_head)
            self.drawRightString(width - MARGIN, height - 11 * mm, "Region Norrbotten · Hälso- och sjukvårdsnämnden")
            self.line(MARGIN, height - 12.5 * mm, width - MARGIN, height - 12.5 * mm)
        self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        self.setFont(FONT, 6.5)
        self.setFillColor(MUTED)
        source = pack.source_line
        lines = _wrap(source, WIDTH - 30 * mm, 6.5)
        for i, text in enumerate(lines[:2]):
            self.drawString(MARGIN, 10.5 * mm - i * 8, text + ("…" if i == 1 and len(lines) > 2 else ""))
        self.setFont(FONT, 7.5)
        self.drawRightString(width - MARGIN, 10.5 * mm, f"Sida {page} av {total}")


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, FONT, size) > width and current:
            lines.append(current)
            current = word
        else:
            current = trial
    return lines + ([current] if current else [])


def _table_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def _counts_line(counts: dict[str, int]) -> str:
    parts = [
        f'<font color="{ATTAINMENT[s].colour}"><b>{ATTAINMENT[s].symbol}</b></font> {counts.get(s, 0)} {ATTAINMENT[s].word}'
        for s in (MET, PARTLY, NOT_MET, NOT_ASSESSED)
    ]
    return " · ".join(parts)


def _demo_box(text: str, styles: dict[str, ParagraphStyle]) -> Table:
    box = Table([[Paragraph(f"<b>{DEMO_TEXT}</b> – {escape(text)}", styles["cell"])]], colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), DEMO_FILL),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#E69F00")),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return box


def _cover(pack: BoardPack, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        Spacer(1, 6 * mm),
        _p("Region Norrbotten · Hälso- och sjukvårdsnämnden", styles["cover_kicker"]),
        _p(pack.title, styles["cover_title"]),
        _p(pack.subtitle, styles["cover_sub"]),
        Spacer(1, 4 * mm),
        _p(
            f"Uppföljning av styrkortets fem perspektiv: måluppfyllelse, utveckling och analys per styrmått. Skapad {pack.created:%Y-%m-%d %H:%M} i Styrkort.",
            styles["body"],
        ),
        Spacer(1, 8 * mm),
    ]
    if pack.has_demo:
        story += [
            _demo_box(
                "rapporten innehåller värden som är genererade för att visa funktionerna och inte är publicerade. De är märkta demodata i tabeller, diagram och källa.",
                styles,
            ),
            Spacer(1, 6 * mm),
        ]
    header = [_p(h, styles["cell_bold"]) for h in ("Perspektiv", "Strategiskt mål", "Styrmått", "Måluppfyllelse")]
    rows = [header]
    for section in pack.sections:
        rows.append([
            _p(section.perspective, styles["cell_bold"]),
            _p(section.strategic_goal, styles["cell"]),
            _p(str(len(section.measures)), styles["cell"]),
            Paragraph(_counts_line(section.counts).replace(" · ", "<br/>"), styles["cell"]),
        ])  # fmt: skip
    table = Table(rows, colWidths=[30 * mm, 86 * mm, 18 * mm, WIDTH - 134 * mm], repeatRows=1)
    table.setStyle(TableStyle(_table_style()))
    story += [_p("Perspektiven i korthet", styles["h2"]), table]
    worst = furthest_from_target(pack.card, limit=4)
    if not worst.is_empty():
        story += [_p("Längst från målet", styles["h2"])]
        rows = [[_p(h, styles["cell_bold"]) for h in ("Styrmått", "Periodens utfall", "Mål", "Avstånd")]]
        for r in attention_table(worst, pack.sex).iter_rows(named=True):
            rows.append(
                [
                    _p(r["Styrmått"], styles["cell"]),
                    _p(r["Periodens utfall"], styles["cell"]),
                    _p(r["Mål"], styles["cell"]),
                    _p(r["Avstånd"], styles["cell"]),
                ]
            )
        t = Table(rows, colWidths=[82 * mm, 38 * mm, 22 * mm, WIDTH - 142 * mm], repeatRows=1)
        t.setStyle(TableStyle(_table_style()))
        story.append(t)
    story += [_p("Så läses tabellerna", styles["h2"]), Paragraph(_legend_text(), styles["small"]), PageBreak()]
    return story


def _legend_text() -> str:
    attainment = ", ".join(f'<font color="{b.colour}"><b>{escape(b.symbol)}</b></font> {b.word}' for b in ATTAINMENT.values())
    trend = ", ".join(f'<font color="{b.colour}"><b>{escape(b.symbol)}</b></font> {b.word}' for b in TREND.values())
    return (
        f"Måluppfyllelse: {attainment}. Utveckling jämfört med samma period året innan (annars föregående period av samma slag): {trend}. "
        "Uppgift saknas betyder att inget värde finns – det räknas aldrig som 0. Skyddat (för få) betyder att värdet bygger på så få personer "
        "att det inte visas. Analystexten är analytikerns egen där en sådan finns, annars skriven automatiskt utifrån siffrorna."
    )


def _section(section: Section, pack: BoardPack, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [
        _p(section.perspective, styles["h1"]),
        Paragraph(f"<b>Strategiskt mål:</b> {escape(section.strategic_goal)}", styles["body"]),
        Spacer(1, 2 * mm),
        Paragraph(_counts_line(section.counts), styles["body"]),
        Spacer(1, 3 * mm),
    ]
    if section.has_demo:
        story += [
            _demo_box("vissa värden i perspektivet är genererade och inte publicerade; de är märkta demodata.", styles),
            Spacer(1, 3 * mm),
        ]
    story.append(_scorecard_table(section, pack, styles))
    with_value = [m for m in section.measures if m.has_value]
    without = [m for m in section.measures if not m.has_value]
    if with_value:
        first, *rest = with_value
        story.append(KeepTogether([_p("Styrmåtten", styles["h2"]), *_measure_block(first, pack, styles)]))
        for entry in rest:
            story.append(KeepTogether(_measure_block(entry, pack, styles)))
    if without:
        names = "; ".join(m.name + ("" if m.applies else " (rapporteras inte av enheten)") for m in without)
        story += [_p("Utan värde för perioden", styles["h3"]), _p(names + ".", styles["small"])]
    if section.actions.height:
        story += [CondPageBreak(40 * mm), _p("Strategiska åtgärder", styles["h2"]), _actions_table(section, styles)]
    story.append(PageBreak())
    return story


def _scorecard_table(section: Section, pack: BoardPack, styles: dict[str, ParagraphStyle]) -> Table:
    header = [_p(h, styles["cell_bold"]) for h in ("Styrmått", "Mål", "Periodens utfall", "Måluppfyllelse", "Utveckling")]
    rows: list[list[Any]] = [header]
    commands = _table_style()
    factor = None
    for entry in section.measures:
        if entry.row["success_factor"] != factor:
            factor = entry.row["success_factor"]
            rows.append([_p(factor, styles["cell_bold"]), "", "", "", ""])
            commands += [
                ("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)),
                ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.HexColor("#F5F7F9")),
            ]
        rows.append([
            _p(entry.name, styles["cell"]),
            _p(entry.table["Mål"], styles["cell"]),
            _p(outcome_cell(entry, pack.sex), styles["cell"]),
            _badge(ATTAINMENT[entry.row["attainment"]], styles["cell"]),
            _badge(TREND[entry.row["trend"]], styles["cell"]),
        ])  # fmt: skip
    table = Table(rows, colWidths=[66 * mm, 20 * mm, 36 * mm, 27 * mm, WIDTH - 149 * mm], repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def _measure_block(entry: MeasureEntry, pack: BoardPack, styles: dict[str, ParagraphStyle]) -> list[Any]:
    row = entry.row
    facts = (
        f"<b>Utfall:</b> {escape(outcome_cell(entry, pack.sex))} · <b>Mål:</b> {escape(entry.table['Mål'])} · "
        f'<font color="{ATTAINMENT[row["attainment"]].colour}"><b>{ATTAINMENT[row["attainment"]].symbol}</b></font> {ATTAINMENT[row["attainment"]].word} · '
        f'<font color="{TREND[row["trend"]].colour}"><b>{TREND[row["trend"]].symbol}</b></font> {TREND[row["trend"]].word}'
    )
    if row["comparison_value"] is not None:
        facts += f" ({escape(comparison_text(row))})"
    analysis = entry.analysis
    label = analysis.label
    text = [
        Paragraph(facts, styles["cell"]),
        Spacer(1, 2),
        Paragraph(f"<b>{escape(label)}:</b> {escape(analysis.text)}", styles["cell"]),
    ]
    if analysis.is_own:
        text += [Spacer(1, 2), Paragraph(f"<b>Automatisk text:</b> {escape(analysis.generated)}", styles["small"])]
    text += [Spacer(1, 2), _p(f"Källa: {entry.source}", styles["small"])]
    block: list[Any] = [_p(entry.name, styles["h3"])]
    if entry.chart is not None:
        layout = Table([[chart_drawing(entry.chart, 78 * mm, 46 * mm), text]], colWidths=[80 * mm, WIDTH - 80 * mm])
        layout.setStyle(
            TableStyle(
                [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (0, 0), 6)]
            )
        )
        block.append(layout)
    else:
        block += text
    block.append(Spacer(1, 3 * mm))
    return block


def _actions_table(section: Section, styles: dict[str, ParagraphStyle]) -> Table:
    columns = ("Nr", "Mål", "Åtgärd", "Status", "Kommentar")
    rows = [[_p(c, styles["cell_bold"]) for c in columns]]
    for r in section.actions.iter_rows(named=True):
        rows.append([_p(str(r[c]), styles["cell"]) for c in columns])
    table = Table(rows, colWidths=[10 * mm, 42 * mm, 52 * mm, 24 * mm, WIDTH - 128 * mm], repeatRows=1)
    table.setStyle(TableStyle(_table_style()))
    return table


def board_pack_pdf(pack: BoardPack, progress: Progress | None = None) -> bytes:
    """The PDF as bytes."""
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=17 * mm, bottomMargin=20 * mm,
        title=f"{pack.title} – {pack.period_label}", author="Styrkort, Region Norrbotten", subject="Uppföljning av styrkortet", lang="sv-SE",
    )  # fmt: skip
    story = _cover(pack, styles)
    for i, section in enumerate(pack.sections, start=1):
        story += _section(section, pack, styles)
        if progress:
            progress(i / (len(pack.sections) + 1), f"Skriver {section.perspective}")
    if story and isinstance(story[-1], PageBreak):
        story.pop()

    class Canvas_(_NumberedCanvas):
        pass

    Canvas_.pack = pack
    doc.build(story, canvasmaker=Canvas_)
    if progress:
        progress(1.0, "PDF klar")
    return buffer.getvalue()
