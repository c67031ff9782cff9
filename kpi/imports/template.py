"""The analyst's Excel template: sheets to fill, and the valid choices listed beside them.

Sheets: Instruktioner, Utfall (styrmått, enhet, period, kön, värde, täljare, nämnare, källa), Mål,
Kommentarer, Åtgärder, and Listor with the catalogue's measure ids, the units, the periods and the
statuses, which the fill-in sheets offer as drop-down lists so that the analyst picks rather than
types. The workbook holds no formulas; the lists are plain ranges.
"""

from __future__ import annotations

import io

import polars as pl
import xlsxwriter

from kpi.model.catalogue import Catalogue
from kpi.model.periods import periods_for_years
from kpi.texts.spreadsheet import FORMULA_STARTS

OUTCOME_COLUMNS = ["styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"]
TARGET_COLUMNS = ["år", "styrmått", "mål (text)", "målvärde", "mål kvinnor", "mål män"]
COMMENT_COLUMNS = ["styrmått", "enhet", "period", "kommentar", "författare"]
ACTION_COLUMNS = ["åtgärd", "period", "status", "kommentar"]
SEXES = ["Totalt", "Kvinnor", "Män"]
STATUSES = ["ej påbörjad", "pågår", "genomförd"]
ROWS = 5000  # how far down the drop-down lists reach

INSTRUCTIONS = [
    "Mall för Styrkort – fyll i ett blad i taget och läs in filen med python -m kpi import FIL eller på sidan Läs in data.",
    "",
    "Utfall: en rad per styrmått, enhet, period och kön. Välj styrmått, enhet, period och kön i listorna.",
    "Värde skrivs som det står i rapporten: 92 %, 17,1, 43 000 eller −31. Skriv .. om uppgift saknas – skriv aldrig 0 för saknat.",
    "En tom värdecell räknas som ett fel, så att inget som redan finns skrivs över av misstag.",
    "Täljare och nämnare (för andelar) gör att andelen kan summeras rätt uppåt i organisationen.",
    "Källa: var värdet kommer ifrån, t.ex. 'Delårsrapport per augusti 2022, Medborgare-tabellen'.",
    "Mål: ett år och styrmått per rad, med målet som det står i rapporten och målvärdet som tal.",
    "Kommentarer: analystexten per styrmått, enhet och period.",
    "Åtgärder: status och kommentar per åtgärd och uppföljningsperiod.",
    "",
    "Bladet Listor visar giltiga styrmått, enheter, perioder och statusar. Formler i cellerna räknas aldrig ut vid inläsning.",
]


def template_years(years_in_data: set[int], year: int) -> list[int]:
    """The periods offered: every year with data or the catalogue's, and the year after (the next report)."""
    years = years_in_data | {year}
    return list(range(min(years), max(years) + 2))


def build_template(catalogue: Catalogue, units: pl.DataFrame, years: list[int]) -> bytes:
    """The template for the catalogue's measures, the units in the tree and the given years."""
    measures = [(m.id, m.name) for _, _, m in catalogue.rows()]
    unit_rows = units.select("unit_id", "name").rows()
    periods = [p.id for p in periods_for_years(years)]
    actions = [(a.id, a.goal) for a in catalogue.actions]

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#DCE6F0", "border": 1})
    text = book.add_format({"num_format": "@"})
    # A catalogue text that starts like a formula is shown as text and never runs: Excel's quote
    # prefix, which keeps the value itself as it is (an id or a name picked from the list must
    # read back exactly).
    quoted = book.add_format({"quote_prefix": True})

    sheet = book.add_worksheet("Instruktioner")
    sheet.set_column(0, 0, 120)
    for row, line in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, line, bold if row == 0 else None)

    list_columns = {
        "styrmått": [m[0] for m in measures],
        "styrmått (namn)": [m[1] for m in measures],
        "enhet": [u[0] for u in unit_rows],
        "enhet (namn)": [u[1] for u in unit_rows],
        "period": periods,
        "kön": SEXES,
        "status": STATUSES,
        "åtgärd": [a[0] for a in actions],
        "åtgärd (mål)": [a[1] for a in actions],
    }
    ranges = {
        name: f"=Listor!${xlsxwriter.utility.xl_col_to_name(col)}$2:${xlsxwriter.utility.xl_col_to_name(col)}${max(len(values), 1) + 1}"
        for col, (name, values) in enumerate(list_columns.items())
    }

    def fill_sheet(title: str, columns: list[str], choices: dict[str, str]) -> None:
        ws = book.add_worksheet(title)
        for col, name in enumerate(columns):
            ws.write_string(0, col, name, bold)
            ws.set_column(col, col, 40 if name in ("kommentar", "källa", "mål (text)") else 18, text if name not in ("värde",) else None)
            if name in choices:
                ws.data_validation(1, col, ROWS, col, {
                    "validate": "list", "source": choices[name], "error_title": "Ogiltigt val",
                    "error_message": f"Välj {name} ur listan (se bladet Listor).",
                })  # fmt: skip
        ws.freeze_panes(1, 0)

    fill_sheet("Utfall", OUTCOME_COLUMNS, {"styrmått": ranges["styrmått"], "enhet": ranges["enhet"], "period": ranges["period"], "kön": ranges["kön"]})
    fill_sheet("Mål", TARGET_COLUMNS, {"styrmått": ranges["styrmått"]})
    fill_sheet("Kommentarer", COMMENT_COLUMNS, {"styrmått": ranges["styrmått"], "enhet": ranges["enhet"], "period": ranges["period"]})
    fill_sheet("Åtgärder", ACTION_COLUMNS, {"åtgärd": ranges["åtgärd"], "period": ranges["period"], "status": ranges["status"]})
    lists = book.add_worksheet("Listor")  # last, after the sheets to fill
    for col, (name, values) in enumerate(list_columns.items()):
        lists.write_string(0, col, name, bold)
        lists.set_column(col, col, 48 if "namn" in name or "mål" in name else 22)
        for row, value in enumerate(values, start=1):
            lists.write_string(row, col, value, quoted if value.startswith(FORMULA_STARTS) else None)
    book.close()
    return buffer.getvalue()
