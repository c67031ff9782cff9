"""The board pack as an Excel workbook: the scorecard with numbers as numbers, the actions, and
a sheet that says what the file is.

Values are written as numbers with a display format ("92 %", "43 000"), never as text, so an
analyst can compute with them; a missing or masked value is an empty cell (the "Skyddat" column
says which), never 0. Every text cell goes through ``kpi.reports.files.neutralise``, so a comment that
starts with = + − @, a tab or a carriage return can never run as a formula.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from kpi.model.verdicts import ATTAINMENT_LABELS, TREND_LABELS
from kpi.reports.narrative import shows_spread, states_units_meeting
from kpi.reports.pack import BoardPack, Progress, outcome_cell
from kpi.reports.safety import FORMULA_STARTS, neutralise
from kpi.texts.display import comparison_decimals, short_period
from kpi.texts.legend import DEMO_TEXT

# (heading, width, kind): kind "text", "value" (the measure's own format), "int" or "flag".
COLUMNS: list[tuple[str, int, str]] = [
    ("Perspektiv", 13, "text"),
    ("Framgångsfaktor", 28, "text"),
    ("Styrmått", 48, "text"),
    ("Mål", 16, "text"),
    ("Mål för perioden", 12, "value"),
    ("Enhet", 8, "text"),
    ("Periodens utfall", 14, "text"),
    ("Utfall", 11, "value"),
    ("Kvinnor", 11, "value"),
    ("Män", 11, "value"),
    ("Måluppfyllelse", 15, "text"),
    ("Utveckling", 13, "text"),
    ("Jämförelseperiod", 13, "text"),
    ("Jämförelsevärde", 13, "value"),
    ("Lägst bland enheterna", 12, "value"),
    ("Högst bland enheterna", 12, "value"),
    ("Enheter som når målet", 11, "int"),
    ("Enheter med värde", 11, "int"),
    ("Enheternas värden demodata", 12, "flag"),
    ("Skyddat (för få)", 10, "flag"),
    ("Demodata", 10, "flag"),
    ("Källa", 50, "text"),
    ("Analys", 80, "text"),
    ("Analysen skriven av", 24, "text"),
]
_FORMATTED = {"Periodens utfall"}  # text made by kpi.model.formatting, not by a person
# The catalogue's own texts ("+/-0 mnkr"): Excel's quote prefix keeps them text, without a visible
# apostrophe. Text written by people (analyses, authors, actions) gets the apostrophe, as in CSV.
_CATALOGUE = {"Perspektiv", "Framgångsfaktor", "Styrmått", "Mål", "Enhet"}
HEADER_ROW = 5  # rows above the table: title, period, created, demo note


def _number_format(unit: str, decimals: int) -> str:
    digits = "0" if decimals == 0 else "0." + "0" * decimals
    if unit == "%":
        return f'{digits}" %"'
    grouped = "#,##" + digits
    return f'{grouped}" {unit}"' if unit in ("mnkr", "kr") else grouped


def scorecard_rows(pack: BoardPack) -> list[dict[str, Any]]:
    """One dict per measure in the columns of ``COLUMNS``: numbers as numbers, ``None`` empty."""
    rows = []
    for entry in pack.measures:
        r = entry.row
        rows.append(
            {
                "Perspektiv": r["perspective"],
                "Framgångsfaktor": r["success_factor"],
                "Styrmått": r["measure"],
                "Mål": r["target"] or None,
                "Mål för perioden": r["target_effective"],
                "Enhet": r["unit"],
                "Periodens utfall": outcome_cell(entry, pack.sex),
                "Utfall": r["value"],
                "Kvinnor": r["value_women"],
                "Män": r["value_men"],
                "Måluppfyllelse": ATTAINMENT_LABELS[r["attainment"]],
                "Utveckling": TREND_LABELS[r["trend"]] if r["trend"] != "saknas" else "jämförelse saknas",
                "Jämförelseperiod": short_period(r["comparison_period"]) if r["comparison_period"] else None,
                "Jämförelsevärde": r["comparison_value"],
                # The units' spread is the total's: left empty when the pack is for women or men,
                # and beside a masked value; the count meeting the target as the analysis says it.
                "Lägst bland enheterna": r["spread_min"] if shows_spread(r, pack.sex) else None,
                "Högst bland enheterna": r["spread_max"] if shows_spread(r, pack.sex) else None,
                "Enheter som når målet": r["units_meeting_target"] if states_units_meeting(r, pack.sex) else None,
                "Enheter med värde": r["units_with_value"] if shows_spread(r, pack.sex) else None,
                "Enheternas värden demodata": bool(r["spread_is_demo"]) if shows_spread(r, pack.sex) and r["units_with_value"] else None,
                "Skyddat (för få)": bool(r["masked"] or r["masked_women"] or r["masked_men"]),
                "Demodata": entry.value_is_demo,
                "Källa": entry.source,
                "Analys": entry.analysis.text if entry.has_value or entry.analysis.is_own else None,
                "Analysen skriven av": (entry.analysis.author or "analytiker")
                if entry.analysis.is_own
                else ("Styrkort (automatisk text)" if entry.has_value else None),
                "_decimals": int(r["decimals"]) if r["decimals"] is not None else 0,
                "_comparison_decimals": comparison_decimals(r),
            }
        )
    return rows


def board_pack_xlsx(pack: BoardPack, progress: Progress | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    book.set_properties(
        {"title": f"{pack.title} – {pack.period_label}", "author": "Styrkort, Region Norrbotten", "language": "sv-SE"}
    )
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format(
        {"bold": True, "bg_color": "#E8EDF2", "text_wrap": True, "valign": "top", "border": 1, "border_color": "#C8CED4"}
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    demo = book.add_format({"bg_color": "#FFF4D6", "bold": True})
    quoted = book.add_format({"quote_prefix": True, "valign": "top", "text_wrap": True})
    formats: dict[str, Any] = {}

    sheet = book.add_worksheet("Styrkort")
    sheet.write_string(0, 0, neutralise(pack.title), title)
    sheet.write_string(1, 0, neutralise(pack.subtitle))
    sheet.write_string(2, 0, f"Skapad {pack.created:%Y-%m-%d %H:%M} i Styrkort. {pack.source_line}")
    if pack.has_demo:
        sheet.write_string(3, 0, f"{DEMO_TEXT}: rader med Demodata = Ja har genererade värden som inte är publicerade.", demo)
    for c, (name, width, _) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, c, name, head)
        sheet.set_column(c, c, width)
    rows = scorecard_rows(pack)
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for c, (name, _, kind) in enumerate(COLUMNS):
            value = row[name]
            if value is None:
                continue  # empty: missing or masked, never 0
            if kind == "value":
                # Each figure with the decimals it was given: a published 11,7 % last year keeps its decimal.
                decimals = row["_comparison_decimals"] if name == "Jämförelsevärde" else row["_decimals"]
                key = _number_format(row["Enhet"], decimals)
                if key not in formats:
                    formats[key] = book.add_format({"num_format": key, "valign": "top"})
                # Rounded as printed: the file shows no finer ratio than the dashboard does.
                sheet.write_number(
                    i,
                    c,
                    round(float(value), decimals if name != "Mål för perioden" else max(decimals, 1)),
                    formats[key],
                )
            elif kind == "int":
                sheet.write_number(i, c, int(value), top)
            elif kind == "flag":
                sheet.write_string(i, c, "Ja" if value else "Nej", top)
            elif name in _CATALOGUE and str(value).startswith(FORMULA_STARTS):
                sheet.write_string(i, c, str(value), quoted)
            elif name in _FORMATTED:
                # Styrkort's own number text ("−31 mnkr"): written as a string cell, so it can never be a
                # formula, and without the apostrophe that would otherwise show before a minus.
                sheet.write_string(i, c, str(value), top)
            else:
                sheet.write_string(i, c, neutralise(str(value)), wrap if name in ("Styrmått", "Analys", "Källa") else top)
        if progress:
            progress((i - HEADER_ROW) / max(len(rows), 1) * 0.8, "Skriver styrkortet")
    sheet.freeze_panes(HEADER_ROW + 1, 3)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), len(COLUMNS) - 1)

    actions = book.add_worksheet("Åtgärder")
    columns = ["Perspektiv", "Nr", "Mål", "Åtgärd", "Status", "Kommentar"]
    for c, (name, width) in enumerate(zip(columns, (13, 6, 40, 50, 14, 60))):
        actions.write_string(0, c, name, head)
        actions.set_column(c, c, width)
    r = 1
    for section in pack.sections:
        for a in section.actions.iter_rows(named=True):
            values = [section.perspective] + [str(a[k]) for k in columns[1:]]
            for c, value in enumerate(values):
                actions.write_string(r, c, neutralise(value), wrap)
            r += 1
    actions.freeze_panes(1, 0)

    about = book.add_worksheet("Om filen")
    about.set_column(0, 0, 110)
    lines = [
        (pack.title, title),
        (pack.subtitle, bold),
        (f"Skapad {pack.created:%Y-%m-%d %H:%M} ur Styrkort.", None),
        (
            "Talen är tal: räkna med kolumnerna Utfall, Kvinnor, Män, Mål för perioden och Jämförelsevärde. Andelar anges i procent (92 betyder 92 %).",
            None,
        ),
        (
            "En tom cell betyder att uppgift saknas – den är aldrig 0. Skyddat (för få) = Ja betyder att värdet bygger på för få personer och inte visas.",
            None,
        ),
        (
            "Måluppfyllelse och utveckling bedöms med styrkortets regler (se Styrkort, ”Så bedöms måluppfyllelse och utveckling”).",
            None,
        ),
        ("Text som börjar med = + − @ har ett inledande ' så att Excel aldrig läser den som en formel.", None),
        (pack.source_line, None),
    ]
    for i, (text, style) in enumerate(lines):
        about.write_string(i, 0, neutralise(text), *([style] if style else []))
    book.close()
    if progress:
        progress(1.0, "Excel klar")
    return buffer.getvalue()
