"""Tables as files people open: CSV for Swedish Excel, XLSX with numbers as numbers, and the
board pack in the format asked for.

Text cells that a spreadsheet would read as a formula are neutralised (``kpi.reports.safety``),
so an exported comment can never run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import polars as pl
import xlsxwriter

from kpi.reports.safety import neutralise

if TYPE_CHECKING:
    from kpi.reports.pack import BoardPack

BoardPackFormat = Literal["pdf", "pptx", "xlsx"]
MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_NAMES: dict[str, str] = {"pdf": "PDF-rapport", "pptx": "PowerPoint", "xlsx": "Excel"}


def neutralised(table: pl.DataFrame) -> pl.DataFrame:
    """Every text cell of ``table`` neutralised (``kpi.reports.safety``): what each CSV the
    product writes goes through, whatever its separator."""
    text_cols = [c for c, t in table.schema.items() if t == pl.String]
    return table.with_columns(pl.col(c).map_elements(neutralise, return_dtype=pl.String) for c in text_cols)


def to_csv(table: pl.DataFrame) -> bytes:
    """Semicolon-separated, decimal comma, UTF-8 with BOM: what Excel in Swedish opens directly."""
    return b"\xef\xbb\xbf" + neutralised(table).write_csv(separator=";", decimal_comma=True).encode("utf-8")


def records_csv(records: list[dict[str, object]]) -> str:
    """Rows as plain CSV for scripts (comma, decimal point, a header of field names, as Python's
    csv module writes them; ``python -m kpi scorecard --format csv``), with text cells neutralised
    like every other file: a CSV is opened in a spreadsheet whoever it was written for.

    Lines end in CRLF (RFC 4180): the csv module quotes a field holding a character of the line
    terminator, so with "\n" alone a carriage return inside a text went out unquoted and a
    spreadsheet broke the row there."""
    if not records:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()} for row in records)
    return buffer.getvalue()


def to_xlsx(table: pl.DataFrame, sheet: str = "Styrkort") -> bytes:
    """One sheet with a bold header row; numbers stay numbers, text is written as text."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for col, name in enumerate(table.columns):
        worksheet.write_string(0, col, name, bold)
        worksheet.set_column(col, col, min(max(len(name), 12), 60))
    for r, row in enumerate(table.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue  # an empty cell, never 0
            if isinstance(value, bool):
                worksheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                worksheet.write_number(r, c, value)
            else:
                worksheet.write_string(r, c, neutralise(str(value)))
    workbook.close()
    return buffer.getvalue()


def render_board_pack(pack: BoardPack, fmt: BoardPackFormat, progress: Callable[[float, str], None] | None = None) -> bytes:
    """The board pack as a PDF report, a PowerPoint deck or an Excel workbook."""
    if fmt == "pdf":
        from kpi.reports.pdf import board_pack_pdf

        return board_pack_pdf(pack, progress)
    if fmt == "pptx":
        from kpi.reports.powerpoint import board_pack_pptx

        return board_pack_pptx(pack, progress)
    if fmt == "xlsx":
        from kpi.reports.excel import board_pack_xlsx

        return board_pack_xlsx(pack, progress)
    raise ValueError(f"unknown format {fmt!r}")
