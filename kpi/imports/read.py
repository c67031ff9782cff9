"""Reading an import file into raw sheets: the template (xlsx), CSV, or Kolada API v3 JSON.

Nothing here judges the content; it only turns bytes into rows of cells with their place in the
file (sheet, row number, column name), so that every later message can say where a problem is.
A file that cannot be read at all raises ``ImportFileError`` with a Swedish message; a problem
with one row or cell becomes a ``Cell`` (and the file is refused by the check that follows).

The rules this module enforces, for every file, not for particular examples:

* **Nothing is read silently, nothing is dropped silently.** Every non-empty row and every sheet
  holding data is either read or named: as a problem (the import is refused) or, where nothing
  can be lost, as a line in ``RawFile.not_read`` that the preview shows.
  - A row above the header with one filled cell is a title or a note: named as not read. A row
    above the header with more is refused (it may be data that would be skipped).
  - Every data row has as many cells as the header. A CSV row with more cells is refused
    ("rad 7 har 9 celler men rubrikraden har 8": an unquoted decimal comma in a comma-separated
    file, or a ``;`` inside an unquoted text); so is a row with fewer, unless the missing
    trailing cells all fall under header cells that are empty (no column is left unfilled by a
    shift). A row with fewer cells is not accepted just because the missing columns are optional:
    a short row and a split decimal can add up to the header's count in either direction, and a
    row ending early is also what a shifted row looks like. A value under a column without a
    heading (in a workbook: right of the last header column) is refused, naming the cell.
    What no count can see: a row both one cell short and split by one unquoted decimal comma has
    the header's count again; in a comma-separated file every decimal must be quoted.
  - Workbook sheets: Utfall, Mål, Kommentarer and Åtgärder are read (names compared without case
    and extra spaces). The template's own Listor (the drop-down lists) and Instruktioner are never
    data. Any other sheet whose header is a template sheet's, a copy such as "Utfall (2)" or a
    renamed sheet, is **refused**, naming the sheet: only one sheet per kind is read, and two
    copies may disagree, so the analyst must say which one holds the figures by moving its rows.
    (A copy holding only the header row loses nothing and is named as not read.) Any other sheet
    with content is named as not read. Empty sheets are nothing.
* **CSV errors name the row where they start and their real cause.** Rows are the line numbers
  a text editor shows (where a record starts; the same as the Excel row unless a cell spans lines).
  The file is split here, not by Python's csv module, so that an unbalanced quote is reported on
  the line where it opened (never closed, or closed only lines later so that the lines between
  would vanish into one cell), a long cell as too long (at most 32 767 characters, Excel's own
  limit), and a NUL or other control character with its row and column. A quoted cell may run
  over several lines only in a free-text column (kommentar, källa, mål (text)) and only if none
  of those lines looks like a row of its own. A file that is mostly NUL bytes is binary (or
  UTF-16 saved without its byte order mark) and refused as a whole.
* **A workbook is read in a separate process with memory and time limits** (``kpi.imports.isolate``),
  so that no upload can take the web server down; inside it, before the cell reader (calamine)
  allocates anything, every sheet's XML is streamed with a real XML parser (expat, with DTDs and
  entity declarations refused) and a sheet whose cells or declared ``<dimension>`` reach beyond
  the row limit or ``MAX_COLUMNS`` columns is refused, naming the sheet and the cell. (A template
  sheet of more than 1 MB of XML is parsed by calamine beside its scan, under an address space
  lowered to what a sheet of that size needs; see ``_scanned_values``.)
* **Formulas are never evaluated.** Formula cells (``<f>``, shared and array formulas, the cells
  an array formula spills into) and Excel error values (``t="e"``) are found by that same parse,
  whatever the XML's quoting or namespace prefixes, and reported, never read. A number formatted
  as percent (0,92 shown as 92 %) is read as 92 %.
* **A file must be what its name says**: a zip named .csv, a text file named .xlsx, a
  password-protected workbook, .xls, .xlsb and OpenDocument files each get a Swedish message.
* **A file wrong everywhere costs no more than one wrong once**: at most ``MAX_REPORTED``
  problems of a kind per sheet are listed and one line counts the rest; a CSV row is never split
  into more than a few cells past the header's width (CSV is read in the server's own process).
"""

from __future__ import annotations

import io
import json
import operator
import posixpath
import re
import threading
import zipfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import PurePath
from typing import Any
from xml.parsers import expat


from kpi.imports.isolate import read_workbook_isolated
from kpi.imports.plain_sheet import column_letters, plain_cells
from kpi.imports.raw import UNREADABLE, Cell, ImportFileError, Limits, RawFile, RawSheet

# The sheets of the template and, for CSV, how the header tells which one a file holds.
SHEETS = ("Utfall", "Mål", "Kommentarer", "Åtgärder")
COLUMNS: dict[str, tuple[str, ...]] = {
    "Utfall": ("styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"),
    "Mål": ("år", "styrmått", "mål (text)", "målvärde", "mål kvinnor", "mål män"),
    "Kommentarer": ("styrmått", "enhet", "period", "kommentar", "författare"),
    "Åtgärder": ("åtgärd", "period", "status", "kommentar"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "Utfall": ("styrmått", "enhet", "period"),
    "Mål": ("år", "styrmått"),
    "Kommentarer": ("styrmått", "enhet", "period", "kommentar"),
    "Åtgärder": ("åtgärd", "period", "status"),
}
# The template's own sheets that never hold data to import.
TEMPLATE_OTHER_SHEETS = ("Listor", "Instruktioner")
# Headings only the template's Listor sheet has: a copy of it is not a data sheet.
_LIST_HEADINGS = {"styrmått (namn)", "enhet (namn)", "åtgärd (mål)"}
# Columns whose text may run over several lines (a quoted CSV cell with line breaks).
_FREE_TEXT = {"kommentar", "källa", "mål (text)"}
# Headers people write instead of the template's own.
_ALIASES = {
    "styrmatt": "styrmått", "mått": "styrmått", "measure_id": "styrmått", "indikator": "styrmått",
    "enhet/organisation": "enhet", "organisation": "enhet", "unit_id": "enhet", "hälsocentral": "enhet",
    "kon": "kön", "sex": "kön", "varde": "värde", "utfall": "värde", "value": "värde",
    "taljare": "täljare", "numerator": "täljare", "namnare": "nämnare", "denominator": "nämnare",
    "kalla": "källa", "source": "källa", "ar": "år", "mål": "mål (text)", "maltext": "mål (text)",
    "malvarde": "målvärde", "atgard": "åtgärd", "action_id": "åtgärd", "forfattare": "författare",
}  # fmt: skip
_MAX_HEADER_SEARCH = 10  # a title row or merged heading above the header is allowed
# Problems of one kind listed per sheet before the rest are summed up in one line: a file wrong
# on every row must not cost the server (CSV is read in its process) memory by the gigabyte.
MAX_REPORTED = 10_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# The widest template sheet has 9 columns (Listor); a sheet may use a few more for notes, but a
# cell far to the right (XFD3000) would make the cell reader allocate rows × 16 384 cells.
MAX_COLUMNS = 32
_ROW_MARGIN = 1_000  # empty rows between blocks, beyond the row limit, before a sheet is refused


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .xls, and of encrypted .xlsx
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_TEXT_SUFFIXES = (".csv", ".txt", ".json")


def read_file(name: str, content: bytes, limits: Limits, mapping: bytes | None = None) -> RawFile:
    """Dispatch on the file's contents and extension; raise ImportFileError if unreadable.

    A workbook is read in a child process with memory and time limits (``kpi.imports.isolate``)."""
    if len(content) > limits.max_bytes:
        size, limit = _megabytes(len(content), limits.max_bytes)
        raise ImportFileError(f"Filen {name} är {size} MB; största tillåtna storlek är {limit} MB. Dela upp den i flera filer.")
    if not content.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportFileError(f"Filen {name} är tom.")
    suffix = PurePath(name).suffix.casefold()
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        if suffix in _TEXT_SUFFIXES:
            raise ImportFileError(
                f"Filen {name} är en zip-fil (som en Excel-arbetsbok), inte en textfil: filändelsen {suffix} stämmer inte. "
                "Är det mallen, byt filändelsen till .xlsx och försök igen."
            )
        raw = finish_workbook(*read_workbook_isolated(name, content, limits))
    elif content[:8] == _OLE:
        raise ImportFileError(_ole_message(name, content, suffix))
    elif suffix in _WORKBOOK_SUFFIXES:
        raise ImportFileError(_not_a_workbook(name, content, suffix))
    elif suffix == ".json" or content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        if mapping is None:
            raise ImportFileError(
                f"Filen {name} ser ut att vara Kolada-data (JSON). Ange också en mappningsfil som säger vilket "
                "styrmått varje Kolada-KPI motsvarar och vilken enhet varje kommun eller organisatorisk enhet är."
            )
        raw = read_kolada(name, content, mapping)
    elif suffix in (".csv", ".txt", ""):
        raw = read_csv(name, content, limits)
    else:
        raise ImportFileError(
            f"Filtypen {suffix} kan inte läsas in. Använd mallen (.xlsx), CSV (.csv) eller Kolada-data (.json)."
        )
    if raw.row_count > limits.max_rows:
        raise ImportFileError(
            f"Filen {name} har {raw.row_count:,} rader; högst {limits.max_rows:,} rader kan läsas in åt gången. "
            "Dela upp den i flera filer.".replace(",", "\u00a0")
        )
    if raw.row_count == 0 and not raw.problems and not any(s.problems for s in raw.sheets.values()):
        raise ImportFileError(f"Filen {name} innehåller inga rader att läsa in (bladen {', '.join(SHEETS)} är tomma).")
    return raw


def _ole_message(name: str, content: bytes, suffix: str) -> str:
    """An OLE compound file: an encrypted (password-protected) workbook, or the old binary formats."""
    # Excel stores a password-protected .xlsx as a compound file with these streams (MS-OFFCRYPTO);
    # their names are in the file's directory, in UTF-16.
    if "EncryptionInfo".encode("utf-16-le") in content or "EncryptedPackage".encode("utf-16-le") in content:
        return (
            f"Filen {name} är lösenordsskyddad (krypterad) och kan inte läsas. Ta bort lösenordet i Excel "
            "(Arkiv → Info → Skydda arbetsbok → Kryptera med lösenord, töm fältet), spara och försök igen."
        )
    if suffix == ".xls":
        return f"Filen {name} är i det gamla Excelformatet .xls. Spara den som .xlsx (Excel-arbetsbok) och försök igen."
    return (
        f"Filen {name} är i Excels gamla binära format (.xls) eller ett annat äldre Office-format, trots filändelsen "
        f"{suffix or '(ingen)'}. Spara den som .xlsx (Excel-arbetsbok) och försök igen."
    )


def _not_a_workbook(name: str, content: bytes, suffix: str) -> str:
    """A file named like a workbook that is neither a zip nor a compound file: text, or damaged."""
    try:
        text = decode_text(name, content[:4096])
    except ImportFileError:
        return UNREADABLE.format(name=name)
    if "\x00" in text or not text.strip():
        return UNREADABLE.format(name=name)
    if text.lstrip().startswith("<"):
        return (
            f"Filen {name} är en webbsida eller XML-fil (text), ingen Excel-arbetsbok, trots filändelsen {suffix}. "
            "Öppna den i Excel och spara den som Excel-arbetsbok (.xlsx)."
        )
    return (
        f"Filen {name} är en textfil, ingen Excel-arbetsbok, trots filändelsen {suffix}. Är det en CSV-fil, byt "
        "filändelsen till .csv; annars öppna den i Excel och spara den som Excel-arbetsbok (.xlsx)."
    )


def _megabytes(size: int, limit: int) -> tuple[str, str]:
    """Both in MB with as many decimals as it takes to tell them apart (1,00004 MB against 1 MB)."""
    for decimals in range(1, 7):
        shown = tuple(f"{n / 1_000_000:.{decimals}f}".replace(".", ",") for n in (size, limit))
        if shown[0] != shown[1]:
            break
    return shown


def _column_name(header: object) -> str:
    text = " ".join(str(header).replace("\ufeff", "").split()).casefold()
    text = text.rstrip(":*")
    return _ALIASES.get(text, text)


def _header_names(cells: list[Any]) -> list[str]:
    return [_column_name(c) if c not in (None, "") else "" for c in cells]


def _find_header(sheet: str, rows: list[tuple[int, list[Any]]]) -> tuple[int, list[str]] | None:
    """The index of the header row among the first rows: the first holding a required column."""
    for index, (_, cells) in enumerate(rows[:_MAX_HEADER_SEARCH]):
        names = _header_names(cells)
        if all(r in names for r in REQUIRED[sheet]):
            return index, names
    return None


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(cells: Iterable[Any], limit: int = 80) -> str:
    """A row's filled cells as the report shows them."""
    text = ", ".join(str(c) for c in cells if not _is_blank(c))
    return text if len(text) <= limit else text[: limit - 1] + "…"


_EMPTY_TO_NONE = {"": None}.get  # map(get, values, values): "" → None, everything else as it is


def _sheet_from_rows(
    sheet: str,
    rows: list[tuple[int, list[Any]]],
    label: str,
    *,
    delimiter: str | None = None,
    refused: set[int] | frozenset[int] = frozenset(),
    widths: dict[int, int] | None = None,
) -> RawSheet:
    """Header detection, unknown and missing columns, rows above the header, rows that do not fit
    the header, and the data rows as dicts.

    ``delimiter`` is given for CSV, whose rows may have any number of cells; a workbook's rows all
    have the sheet's width. Rows in ``refused`` are already reported (a broken quote, a control
    character) and are not read.
    """
    out = RawSheet(sheet)
    if not rows:
        return out
    found = _find_header(sheet, rows)
    if found is None:
        first_row, first_cells = rows[0]
        shown = ", ".join(str(c) for c in first_cells if c not in (None, ""))[:120] or "tom rad"
        missing = ", ".join(REQUIRED[sheet])
        out.problems.append(Cell(label, first_row, "rubrikrad", shown, f"en rubrikrad med kolumnerna {missing} (se mallen)"))
        return out
    index, names = found
    header_row = rows[index][0]
    known = COLUMNS[sheet]
    out.header_row = header_row
    out.columns = {i: name for i, name in enumerate(names) if name in known}
    for position, name in enumerate(names):
        if name and name not in known:
            out.problems.append(Cell(label, header_row, _letter(position), name, f"en av kolumnerna {', '.join(known)}"))
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name in seen and name:
            out.problems.append(Cell(label, header_row, _letter(position), name, "varje kolumn en gång"))
        seen.add(name)
    for row_number, cells in rows[:index]:  # above the header: a title, or something that must not be lost
        filled = [c for c in cells if not _is_blank(c)]
        if len(filled) == 1 and row_number not in refused:
            out.not_read.append(
                f"{label}, rad {row_number} läses inte: den står ovanför rubrikraden (rad {header_row}) och räknas som "
                f"rubrik (”{_shown(filled, 60)}”)."
            )
        elif len(filled) > 1 and row_number not in refused:
            out.problems.append(
                Cell(
                    label,
                    row_number,
                    "raden",
                    _shown(filled),
                    f"bara en rubrik (en enda cell) ovanför rubrikraden (rad {header_row}): raden står ovanför rubrikraden och "
                    "skulle inte läsas in. Flytta uppgifterna under rubrikraden eller ta bort raden",
                )
            )
    wanted = [(i, name) for i, name in enumerate(names) if name in known]
    if not wanted:
        return out
    header_cells = len(names)
    last_named = max(i for i, name in enumerate(names) if name) + 1
    unnamed = [i for i, name in enumerate(names) if not name]  # a value here would not be read
    width = max(i for i, _ in wanted) + 1
    pick = operator.itemgetter(*(i for i, _ in wanted))
    fields = [name for _, name in wanted]
    one = len(wanted) == 1
    rows_out = out.rows
    check_count = delimiter is not None
    # This loop runs once per row of the file (200 000 at most): the common case first and cheap.
    for row_number, cells in rows[index + 1 :]:
        count = len(cells)
        if check_count and (count > header_cells or count < last_named):
            if row_number not in refused and not all(_is_blank(c) for c in cells):  # not an empty row between blocks
                real = widths.get(row_number, count) if widths else count  # a very long row was cut when split
                out.problems.append(_count_problem(label, row_number, cells, real, header_cells, delimiter))
            continue
        if unnamed:
            stray = [i for i in unnamed if i < count and not _is_blank(cells[i])]
            if stray:
                if row_number not in refused:
                    out.problems.append(
                        _unnamed_problem(label, row_number, [(i, cells[i]) for i in stray], header_row, last_named)
                    )
                continue
        if count < width:
            cells = list(cells) + [None] * (width - count)
        values = (pick(cells),) if one else pick(cells)
        mapped = list(map(_EMPTY_TO_NONE, values, values))
        lead = mapped[0]
        if (lead is None or (type(lead) is str and not lead.strip())) and all(_is_blank(v) for v in mapped):
            continue  # empty rows between blocks are allowed
        if refused and row_number in refused:
            continue
        rows_out.append((row_number, dict(zip(fields, mapped))))
    out.problems = _capped(out.problems)
    return out


def _count_problem(label: str, row: int, cells: list[Any], count: int, header_cells: int, delimiter: str) -> Cell:
    """A CSV row whose cells do not line up with the header: a value would land in the wrong column."""
    shown = delimiter.join(str(c) for c in cells[: header_cells + 1])
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    word = {";": "semikolon", ",": "komma", "\t": "tabb"}.get(delimiter, delimiter)
    cause = (
        f"En cell som innehåller avgränsaren ({word}), t.ex. ett decimaltal som −0,3 i en kommaseparerad fil eller en text "
        'med semikolon, ska stå inom citattecken ("−0,3")'
        if count > header_cells
        else "Skriv ut alla avgränsare även för tomma celler i slutet av raden"
    )
    return Cell(
        label,
        row,
        "raden",
        shown or "tom rad",
        f"lika många celler som rubrikraden: rad {row} har {_thousands(count)} celler men rubrikraden har {header_cells}. {cause}",
    )


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _unnamed_problem(label: str, row: int, strays: list[tuple[int, Any]], header_row: int, header_width: int) -> Cell:
    """A row with values in columns without a heading: named at the first, the others listed."""
    position, value = strays[0]
    letter = _letter(position)
    last = _letters(header_width - 1)
    also = ""
    if len(strays) > 1:
        listed = [_letters(p) for p, _ in strays[1:4]]
        more = len(strays) - 1 - len(listed)
        also = f" (raden har värden utan rubrik även i kolumn {', '.join(listed)}{f' och {more} kolumner till' if more else ''})"
    return Cell(
        label,
        row,
        letter,
        _shown([value]) or str(value),
        f"en tom cell: {letter} har ingen rubrik i rubrikraden (rad {header_row}, kolumn A–{last}), så värdet skulle inte "
        f"läsas in{also}. Ge kolumnen en av mallens rubriker eller ta bort värdet",
    )


def _capped(problems: list[Cell], more: int = 0, more_row: int = 0) -> list[Cell]:
    """The first ``MAX_REPORTED`` problems, and one line for the rest (``more`` found but not kept)."""
    if len(problems) > MAX_REPORTED:
        more += len(problems) - MAX_REPORTED
        more_row = problems[MAX_REPORTED].row
        problems = problems[:MAX_REPORTED]
    if not more:
        return problems
    label = problems[-1].sheet if problems else ""
    return [
        *problems,
        Cell(
            label,
            more_row or (problems[-1].row if problems else 1),
            "raden",
            f"{more:,} fel till".replace(",", "\u00a0"),
            "att de första felen rättas först: längre ned finns fler fel av samma slag, som inte räknas upp här",
        ),
    ]


def _letter(index: int) -> str:
    return f"kolumn {_letters(index)}"


_letters = column_letters  # 0 → A, 26 → AA (one definition, in plain_sheet)


# --- xlsx -------------------------------------------------------------------------------------


_FORMULA_EXPECTED = "ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden)"
_MAX_UNPACKED = 400_000_000  # bytes inside the zip: more is a zip bomb, not a spreadsheet
_ERROR_EXPECTED = "ett värde, inte ett felvärde från Excel (lämna cellen tom om uppgift saknas)"
_XML_CHUNK = 1 << 20
_WHOLE_PART = 128_000_000  # a sheet's XML up to this size is read whole, to be checked for plainness first
_DIGITS = "0123456789"
_CAPITALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PERCENT_FORMATS = {"9", "10"}  # Excel's built-in 0 % and 0,00 %


def read_xlsx(
    name: str, content: bytes, limits: Limits, *, overlap: Callable[[int], AbstractContextManager[None]] | None = None
) -> RawFile:
    """Values through calamine (Rust, fast); formulas, error values and percent formats found by
    streaming the XML first, which also refuses a sheet reaching beyond the limits before calamine
    allocates it. In the server it runs in a child process, in two halves: ``read_xlsx_unfinished``
    in the child (``kpi.imports.child``, started by ``kpi.imports.isolate``), ``finish_workbook``
    in the server.

    A cell holding a formula is reported and its cached result ignored: nothing in the file is
    ever calculated. A number formatted as percent (0,92 shown as 92 %) is read as 92 %.
    """
    return finish_workbook(*read_xlsx_unfinished(name, content, limits, overlap=overlap))


def read_xlsx_unfinished(
    name: str, content: bytes, limits: Limits, *, overlap: Callable[[int], AbstractContextManager[None]] | None = None
) -> tuple[RawFile, list[Unfinished]]:
    """``read_xlsx`` up to the template sheets' rows: the file with its other sheets decided, and
    each template sheet's cell values for ``finish_workbook``.

    ``overlap``, given by the child, lets calamine parse a large sheet while it is scanned:
    ``overlap(xml_bytes)`` is a context that lowers the process's address space to what a sheet
    of that size can need, so calamine cannot allocate for cells the scan has not yet seen; a sheet
    it refuses still never reaches calamine's result (see ``_scanned_values``).
    """
    from python_calamine import CalamineWorkbook

    unreadable = UNREADABLE.format(name=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except Exception as exc:  # any failure on a damaged or hostile zip is an unreadable file
        raise ImportFileError(unreadable) from exc
    if sum(info.file_size for info in infos) > _MAX_UNPACKED:
        raise ImportFileError(f"Filen {name} packas upp till mer än {_MAX_UNPACKED // 1_000_000} MB och läses inte in.")
    members = {info.filename for info in infos}
    _refuse_other_zips(name, archive, members)
    budget = _Budget(name)
    parts = _workbook_parts(archive, members, name, budget)
    percent_styles = _percent_styles(archive, parts.styles, name, budget) if parts.styles else set()
    for path in parts.shared_strings:  # calamine reads it: no DTD, well-formed
        _parse_part(archive, path, name, budget, _parser(name), path)

    template: dict[str, tuple[str, str]] = {}  # template sheet → (its name in the workbook, its part)
    others: list[tuple[str, str, str]] = []  # (name, part, state) of sheets that are not the template's
    template_keys = {s.casefold(): s for s in SHEETS}
    other_keys = {s.casefold() for s in TEMPLATE_OTHER_SHEETS}
    for actual, path, state in parts.sheets:
        key = _sheet_key(actual)
        if key in template_keys:
            sheet = template_keys[key]
            if sheet in template:
                raise ImportFileError(
                    f"Arbetsboken {name} har två blad som båda räknas som {sheet} (”{template[sheet][0]}” och ”{actual}”). "
                    "Ta bort det ena eller byt namn på det."
                )
            template[sheet] = (actual, path)
        elif key not in other_keys:
            others.append((actual, path, state))
    max_row = limits.max_rows + _MAX_HEADER_SEARCH + _ROW_MARGIN
    # Every sheet is scanned before calamine reads anything, except a large template sheet when
    # the child lets calamine parse it beside its scan (``_scanned_values``).
    large = {s for s, (_, path) in template.items() if overlap is not None and _xml_size(archive, path) >= _OVERLAP_FROM}
    scans = {
        actual: _scan_sheet(archive, path, name, actual, budget, percent_styles, max_row)
        for actual, path in [*((a, p) for a, p, _ in others), *(template[s] for s in SHEETS if s in template and s not in large)]
    }
    book: list[Any] = []  # opened when a scanned sheet is first read (workbook, styles, shared strings: checked above)

    def values_of(actual: str) -> list[list[Any]]:
        try:
            if not book:
                book.append(CalamineWorkbook.from_filelike(io.BytesIO(content)))
            return book[0].get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except MemoryError:
            raise
        except Exception as exc:
            raise ImportFileError(unreadable) from exc

    problems: list[Cell] = []
    skipped: list[str] = []
    hints: list[str] = []
    for actual, _, state in others:
        if not scans[actual].cells:
            continue  # an empty sheet, or a chart
        rows = list(enumerate(values_of(actual), start=1))
        if all(_is_blank(c) for _, cells in rows for c in cells):
            continue
        kind, header_row = _sheet_kind(rows)
        which = "Det dolda bladet" if state in ("hidden", "veryHidden") else "Bladet"
        below = [c for _, cells in rows[header_row:] for c in cells if not _is_blank(c)] if kind else []
        if kind and kind != "Listor" and not below:  # a copy of the empty template: nothing to lose
            skipped.append(f"{which} ”{actual}” läses inte: det har bara rubrikraden för {kind}, inga rader.")
        elif kind is None:
            skipped.append(
                f"{which} ”{actual}” läses inte: det är inget av mallens blad ({', '.join(SHEETS)}) och har ingen rubrikrad som dem."
            )
        elif kind == "Listor":
            skipped.append(f"{which} ”{actual}” läses inte: det är en kopia av mallens blad Listor.")
        elif kind not in template:
            hints.append(f"{which} ”{actual}” har rubrikraden för {kind}: byt namn på det till {kind}.")
            problems.append(
                Cell(
                    actual,
                    header_row,
                    "bladet",
                    actual,
                    f"bladet {kind}: bladet ”{actual}” har rubrikraden för {kind} men läses inte under det namnet. "
                    f"Byt namn på bladet till {kind}",
                )
            )
        else:
            problems.append(
                Cell(
                    actual,
                    header_row,
                    "bladet",
                    actual,
                    f"inga uppgifter utanför mallens blad: bladet ”{actual}” har samma rubrikrad som {kind} men läses inte, "
                    f"eftersom bara bladet {kind} läses in och två kopior kan säga olika. Flytta raderna till bladet {kind} "
                    f"och ta bort bladet ”{actual}”",
                )
            )
    if not template:
        present = ", ".join(actual for actual, _, _ in parts.sheets) or "inga blad"
        raise ImportFileError(
            " ".join([f"Arbetsboken {name} har inget av bladen {', '.join(SHEETS)} (den har {present}). Använd mallen.", *hints])
        )

    unfinished: list[Unfinished] = []
    total = 0
    for sheet in SHEETS:
        if sheet not in template:
            continue
        actual, path = template[sheet]
        if sheet in large and overlap is not None:
            scan_now = partial(_scan_sheet, archive, path, name, actual, budget, percent_styles, max_row)
            scan, values = _scanned_values(actual, _xml_size(archive, path), scan_now, values_of, overlap)
        else:
            scan, values = scans[actual], values_of(actual)
        total += len(values)
        if total > limits.max_rows + _MAX_HEADER_SEARCH * len(SHEETS):
            raise ImportFileError(
                f"Arbetsboken {name} har fler än {limits.max_rows:,} rader; dela upp den i flera filer.".replace(",", "\u00a0")
            )
        rows: list[tuple[int, list[Any]]] = list(enumerate(values, start=1))  # empty cells are "" until picked
        for row_number, col in scan.percents:
            cells = rows[row_number - 1][1] if row_number <= len(rows) else []
            if col < len(cells) and isinstance(cells[col], float):
                cells[col] = f"{cells[col] * 100:.10g} %".replace(".", ",")
        formulas = [(row, col, f"={text[:60]}") for row, col, text in scan.formulas]
        formulas += _array_cells(scan, rows)
        for row_number, col, _ in formulas + scan.errors:  # reported below; never read
            if row_number <= len(rows) and col < len(rows[row_number - 1][1]):
                rows[row_number - 1][1][col] = None
        errors = [(row, col, found) for row, col, found in scan.errors]
        unfinished.append((sheet, actual, values, formulas, errors, scan.more, scan.more_row))
    return RawFile(name, "xlsx", {}, problems, skipped), unfinished


# A template sheet as the workbook's reader leaves it for ``finish_workbook``: (template sheet,
# the sheet's own name, its rows of cell values with formula and error cells emptied, formula
# cells (row, column, text), error cells (row, column, value), and how many of those were not
# kept, from which row). Plain values only: the child process sends it as it is.
Unfinished = tuple[str, str, list[list[Any]], list[tuple[int, int, str]], list[tuple[int, int, str]], int, int]


def finish_workbook(raw: RawFile, unfinished: list[Unfinished]) -> RawFile:
    """The template sheets of ``read_xlsx(finish=False)`` read into ``raw``: header, columns and
    rows as for a CSV file, and the formula and error cells named by their column.

    Done by the process that checks the rows (the server), not by the workbook's child: the rows
    then travel once, as the lists calamine made, and become the checker's dicts in one step."""
    for sheet, actual, values, formulas, errors, more, more_row in unfinished:
        raw_sheet = _sheet_from_rows(sheet, list(enumerate(values, start=1)), actual)
        raw_sheet.formula_rows = {row for row, _, _ in formulas} | {row for row, _, _ in errors}
        raw.sheets[sheet] = raw_sheet
        raw.problems += _capped(
            [
                Cell(actual, row, _column_label(raw_sheet, row, col), found, expected)
                for row, col, found, expected in [(r, c, f, _FORMULA_EXPECTED) for r, c, f in formulas]
                + [(r, c, e, _ERROR_EXPECTED) for r, c, e in errors]
            ],
            more,
            more_row,
        )
    return raw


_OVERLAP_FROM = 1_000_000  # bytes of sheet XML: a smaller sheet is scanned before calamine starts on it


def _xml_size(archive: zipfile.ZipFile, path: str) -> int:
    """What a part can really unpack to, not only what its header claims (a legitimate sheet
    compresses about ten times; a header claiming more than fifty is not believed)."""
    info = archive.getinfo(path)
    return min(info.file_size, info.compress_size * 50)


def _scanned_values(
    sheet: str,
    size: int,
    scan: Callable[[], _Scan],
    values_of: Callable[[str], list[list[Any]]],
    overlap: Callable[[int], AbstractContextManager[None]],
) -> tuple[_Scan, list[list[Any]]]:
    """A sheet's scan and calamine's values for it.

    Scanning (Python, expat) and calamine's parse (Rust, without the GIL) take about as long, so a
    large sheet gets both at once: calamine in a thread, under the lowered address space of
    ``overlap``. If the scan refuses the sheet, the exception leaves here with the limit still low
    and calamine's work is dropped with the process; if calamine hits the limit in Rust, the
    process aborts and ``kpi.imports.isolate`` reads the file again, scan first. A small sheet,
    which is what a hostile workbook of a few kB is, is always scanned before calamine starts."""
    box: dict[str, Any] = {}

    def read() -> None:
        try:
            box["values"] = values_of(sheet)
        except Exception as exc:  # noqa: BLE001 -- handed to the scanning thread below, raised there
            box["error"] = exc

    reader = threading.Thread(target=read, name=f"calamine {sheet}", daemon=True)
    with overlap(size):
        reader.start()
        found = scan()
    reader.join()
    error = box.get("error")
    if isinstance(error, MemoryError):  # too big for the lowered limit, not for the real one
        return found, values_of(sheet)
    if error is not None:
        raise error
    return found, box["values"]


def _sheet_kind(rows: list[tuple[int, list[Any]]]) -> tuple[str | None, int]:
    """Which template sheet a sheet's header belongs to (or "Listor"), and the header's row."""
    for row_number, cells in rows[:_MAX_HEADER_SEARCH]:
        names = _header_names(cells)
        if _LIST_HEADINGS & set(names):
            return "Listor", row_number
        sheet = _csv_sheet(set(names))
        if sheet is not None and all(r in names for r in REQUIRED[sheet]):
            return sheet, row_number
    return None, 0


def _column_label(sheet: RawSheet, row: int, col: int) -> str:
    """The template's column name for a cell below the header, else the column letter."""
    return sheet.columns.get(col, _letter(col)) if row > sheet.header_row > 0 else _letter(col)


def _sheet_key(sheet_name: str) -> str:
    return " ".join(sheet_name.split()).casefold()


def _refuse_other_zips(name: str, archive: zipfile.ZipFile, members: set[str]) -> None:
    """Zips that are not an xlsx: a binary workbook, an OpenDocument file, an encrypted zip, anything else."""
    if "xl/workbook.bin" in members:
        raise ImportFileError(
            f"Filen {name} är en binär Excel-arbetsbok (.xlsb). Spara den som .xlsx (Excel-arbetsbok) och försök igen."
        )
    if "mimetype" in members and "xl/workbook.xml" not in members:
        try:
            with archive.open("mimetype") as stream:  # only its start: the part itself may be a bomb
                mimetype = stream.read(200)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError):
            mimetype = b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise ImportFileError(
                f"Filen {name} är ett OpenDocument-dokument (t.ex. .ods från LibreOffice). Spara den som .xlsx "
                "(Excel-arbetsbok) och försök igen."
            )
    if any(info.flag_bits & 0x1 for info in archive.infolist()):
        raise ImportFileError(f"Filen {name} är en lösenordsskyddad zip-fil och kan inte läsas. Spara den utan lösenord.")
    if "xl/workbook.xml" not in members:
        raise ImportFileError(
            UNREADABLE.format(name=name).removesuffix(".") + " (zip-filen har ingen arbetsbok, xl/workbook.xml)."
        )


class _Budget:
    """Bytes left to unpack: a zip's declared sizes can lie, so the bytes streamed are counted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.left = _MAX_UNPACKED

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ImportFileError(f"Filen {self.name} packas upp till mer än {_MAX_UNPACKED // 1_000_000} MB och läses inte in.")


def _parser(name: str) -> Any:
    """An expat parser that refuses any DTD, entity declaration or external entity: a workbook from
    Excel has none, and refusing them closes the door on entity expansion ("billion laughs")."""

    def refuse(*_: object) -> None:
        raise ImportFileError(
            f"Filen {name} innehåller en dokumenttypdeklaration (DTD) eller egna entiteter i sin XML. "
            "En arbetsbok från Excel har aldrig det, så filen läses inte. Spara den på nytt från Excel."
        )

    # No namespace processing: elements are matched by local name whatever their prefix (as the
    # cell reader does), and resolving namespaces would double the cost of a sheet's 1,6 million elements.
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _parse_part(
    archive: zipfile.ZipFile, path: str, name: str, budget: _Budget, parser: Any, where: str, xml: bytes | None = None
) -> None:
    """Stream one part of the zip through ``parser`` (or its ``xml``, when it has been read
    already); broken XML or zip data is a damaged file."""
    try:
        if xml is not None:
            parser.Parse(xml, True)
            return
        with archive.open(path) as stream:
            while chunk := stream.read(_XML_CHUNK):
                budget.take(len(chunk))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (ImportFileError, MemoryError):
        raise
    except expat.ExpatError as exc:
        raise ImportFileError(
            UNREADABLE.format(name=name).removesuffix(".")
            + f" ({where}: XML-koden är trasig på rad {exc.lineno}, tecken {exc.offset + 1})."
        ) from exc
    except Exception as exc:  # a missing part, bad CRC, an unknown compression method
        raise ImportFileError(UNREADABLE.format(name=name)) from exc


def _whole_part(archive: zipfile.ZipFile, path: str, name: str, budget: _Budget) -> bytes | None:
    """A part's bytes when it unpacks to at most ``_WHOLE_PART`` bytes, else None (it is streamed)."""
    if archive.getinfo(path).file_size > _WHOLE_PART:
        return None
    try:
        with archive.open(path) as stream:
            xml = stream.read(_WHOLE_PART + 1)
    except MemoryError:  # the child's limit: kpi.imports.isolate names it
        raise
    except Exception as exc:  # a bad CRC, an unknown compression method
        raise ImportFileError(UNREADABLE.format(name=name)) from exc
    budget.take(len(xml))
    return xml if len(xml) <= _WHOLE_PART else None


def _local(tag: str) -> str:
    """An element's or attribute's name without its namespace prefix (x:c → c)."""
    return tag.rpartition(":")[2]


@dataclass
class _Parts:
    sheets: list[tuple[str, str, str]]  # (sheet name, part path, state) in the workbook's order
    styles: str | None
    shared_strings: list[str]


def _workbook_parts(archive: zipfile.ZipFile, members: set[str], name: str, budget: _Budget) -> _Parts:
    """The sheets (name → part) from workbook.xml and its relationships, and the styles and shared
    strings parts, read with the XML parser whatever the quoting or namespace prefixes."""
    declared: list[tuple[str, str | None, str]] = []

    def on_workbook(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if ":" in k and _local(k) == "id"), None)  # r:id
            declared.append((attrs.get("name", ""), rid, attrs.get("state", "visible")))

    parser = _parser(name)
    parser.StartElementHandler = on_workbook
    _parse_part(archive, "xl/workbook.xml", name, budget, parser, "xl/workbook.xml")
    targets: dict[str, tuple[str, str]] = {}  # relationship id → (type, target path)

    def on_rels(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode", "Internal") == "Internal":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], path)

    rels = "xl/_rels/workbook.xml.rels"
    if rels in members:
        parser = _parser(name)
        parser.StartElementHandler = on_rels
        _parse_part(archive, rels, name, budget, parser, rels)
    sheets = []
    for sheet_name, rid, state in declared:
        path = targets.get(rid or "", ("", ""))[1]
        if path not in members:
            raise ImportFileError(UNREADABLE.format(name=name).removesuffix(".") + f" (bladet ”{sheet_name}” saknas i filen).")
        sheets.append((sheet_name, path, state))
    typed = {kind: path for kind, path in targets.values() if path in members}
    styles = typed.get("styles") or ("xl/styles.xml" if "xl/styles.xml" in members else None)
    shared = sorted({p for p in (typed.get("sharedStrings"), "xl/sharedStrings.xml") if p and p in members})
    return _Parts(sheets, styles, shared)


def _percent_styles(archive: zipfile.ZipFile, path: str, name: str, budget: _Budget) -> set[str]:
    """Indexes (as in a cell's ``s``) of cell styles whose number format shows percent: the
    built-in 9 and 10, or a custom format with %."""
    percent_ids = set(_PERCENT_FORMATS)
    formats: list[str] = []  # numFmtId of each cellXfs/xf, in order
    section = [""]

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt" and "%" in attrs.get("formatCode", ""):
            percent_ids.add(attrs.get("numFmtId", "").strip())
        elif local == "xf":
            if section[0] == "cellXfs":
                formats.append(attrs.get("numFmtId", "0").strip())
        elif local in ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"):
            section[0] = local

    parser = _parser(name)
    parser.StartElementHandler = start
    _parse_part(archive, path, name, budget, parser, path)
    return {str(index) for index, fmt in enumerate(formats) if fmt in percent_ids}


@dataclass
class _Scan:
    """What one sheet's XML holds besides values (rows 1-based, columns 0-based)."""

    cells: int = 0  # 0 for a sheet without cells (an empty sheet, or a chart)
    formulas: list[list[Any]] = field(default_factory=list)  # [row, col, text]
    errors: list[list[Any]] = field(default_factory=list)  # [row, col, error value]
    percents: list[tuple[int, int]] = field(default_factory=list)
    arrays: list[tuple[tuple[int, int, int, int], list[Any]]] = field(default_factory=list)  # (range, formula entry)
    more: int = 0  # formulas and error values beyond MAX_REPORTED: counted, not listed (the file is refused anyway)
    more_row: int = 0

    def keep(self, entries: list[Any], entry: Any) -> None:
        if len(entries) < MAX_REPORTED:
            entries.append(entry)
        else:
            self.more += 1
            self.more_row = self.more_row or entry[0]


def _scan_sheet(
    archive: zipfile.ZipFile, path: str, name: str, sheet: str, budget: _Budget, percent_styles: set[str], max_row: int
) -> _Scan:
    """One streaming pass over a sheet's XML with expat: every cell's position (``r`` on cells and
    rows, or counted where it is left out), formulas (``<f>``, whatever their type), error values,
    percent styles, and the declared ``<dimension>``. A cell or dimension beyond ``max_row`` rows
    or ``MAX_COLUMNS`` columns stops the file here, before the cell reader allocates the sheet.

    The handler runs for every element of the sheet, two per cell, and costs most of a
    workbook's reading time; so the common cell (``r`` first, in its row element's row, column
    A–Z, no error value, no percent styles to look for) takes a short path, and every other
    element the general one (``cell`` and ``other``), which checks everything."""
    xml = _whole_part(archive, path, name, budget)
    if xml is not None:
        parser = _parser(name)  # no handler but the DTD's: well-formedness at expat's own speed
        _parse_part(archive, path, name, budget, parser, f"bladet ”{sheet}”", xml)
        plain = plain_cells(xml, max_row=max_row, max_columns=MAX_COLUMNS, percent_styles=frozenset(percent_styles))
        if plain is not None:  # nothing but referenced cells and values (kpi.imports.plain_sheet)
            return _Scan(cells=plain)
    scan = _Scan()
    parser = _parser(name)
    parser.ordered_attributes = True  # [name, value, …]: cheaper than a dict per element
    fast = not percent_styles
    kinds: dict[str, str] = {}  # element name as written (x:row) → local name (row)
    columns: dict[str, int] = {}  # column letters → index
    # The current row, the column of the last cell, and the row's number as written: the short
    # path takes a cell whose reference ends with exactly these digits. NUL, which XML cannot
    # hold, stands for "no row, or one beyond the limit": every cell then takes the general path.
    row, col, row_digits = 0, -1, "\x00"
    cells = 0
    error: list[Any] | None = None  # the current cell's entry when it holds an error value
    target: list[Any] | None = None  # the formula or error entry whose text is being collected
    text: list[str] = []

    def beyond(r: int, c: int, declared: str | None = None) -> ImportFileError:
        where = f"anger sitt omfång som {declared}" if declared else f"har en cell i {_letters(c)}{r}"
        rows = f"{max_row:,}".replace(",", "\u00a0")
        return ImportFileError(
            f"Arbetsboken {name}: bladet ”{sheet}” {where}, utanför det område som kan läsas in (rad 1–{rows}, "
            f"kolumn A–{_letters(MAX_COLUMNS - 1)}). Ta bort innehåll och formatering utanför tabellen och spara igen."
        )

    def position(ref: str) -> tuple[int, int]:
        letters = ref.rstrip(_DIGITS)
        digits = ref[len(letters) :]
        c = columns.get(letters)
        if c is None:
            c = columns[letters] = _column_number(letters, ref, name, sheet)
        if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
            _bad_reference(ref, name, sheet)
        return int(digits), c

    def start(tag: str, attrs: list[str]) -> None:
        nonlocal col
        if tag == "c":
            if fast and attrs and attrs[0] == "r" and "e" not in attrs:  # no attribute is t="e"
                ref = attrs[1]
                if ref[1:] == row_digits and ref[0] in _CAPITALS:
                    col = ord(ref[0]) - 65  # an error entry of an earlier cell no longer matches (see below)
                    return
            cell(attrs)
        elif tag == "v":
            if error is not None and error[1] == col and error[0] == row:  # this cell's error value
                collect(error)
        elif tag == "row":
            new_row(attrs[1] if attrs and attrs[0] == "r" else dict(zip(attrs[0::2], attrs[1::2], strict=True)).get("r"))
        else:
            other(tag, attrs)

    def new_row(number: str | None) -> None:
        nonlocal row, col, row_digits, cells
        if col >= 0:  # the row before had a cell: counting rows with cells is enough to tell an empty sheet
            cells += 1
        if number is None:
            row += 1
        elif number.isascii() and number.isdigit():
            row = int(number)
        else:
            _bad_reference(number, name, sheet)
        row_digits = (number or str(row)) if 1 <= row <= max_row else "\x00"
        col = -1

    def cell(attrs: list[str]) -> None:
        nonlocal row, col, row_digits, error, cells
        values = dict(zip(attrs[0::2], attrs[1::2], strict=True))
        ref = values.get("r")
        if ref is None:
            col += 1
        else:
            row, col = position(ref)
            row_digits = ref[len(ref.rstrip(_DIGITS)) :] if row <= max_row else "\x00"
        if col >= MAX_COLUMNS or row > max_row:
            raise beyond(row, col)
        if row < 1:
            _bad_reference(ref or "", name, sheet)
        cells += 1
        error = None
        if values.get("t") == "e":
            error = [row, col, "#FEL"]
            scan.keep(scan.errors, error)
        if percent_styles and values.get("s") in percent_styles:
            scan.percents.append((row, col))

    def collect(entry: list[Any]) -> None:
        nonlocal target
        target = entry
        parser.CharacterDataHandler = text.append
        parser.EndElementHandler = end

    def other(tag: str, attrs: list[str]) -> None:
        nonlocal error
        kind = kinds.get(tag)
        if kind is None:
            kind = kinds[tag] = _local(tag)
        if kind == "c":  # a cell with a namespace prefix
            cell(attrs)
        elif kind == "v":
            if error is not None and error[1] == col and error[0] == row:
                collect(error)
        elif kind == "row":
            new_row(dict(zip(attrs[0::2], attrs[1::2], strict=True)).get("r"))
        elif kind == "f":
            values = dict(zip(attrs[0::2], attrs[1::2], strict=True))
            entry = [row, col, ""]
            if error is not None and error[0] == row and error[1] == col:  # a formula's error: the formula is reported
                if scan.errors and scan.errors[-1] is error:
                    scan.errors.pop()
                else:
                    scan.more -= 1
                error = None
            scan.keep(scan.formulas, entry)
            if values.get("t") in ("array", "dataTable"):  # the other cells of its range hold only cached results
                first, _, last = (values.get("ref") or "").replace("$", "").partition(":")
                spill = (*position(first), *position(last or first)) if first else (row, col, row, col)
                scan.keep(scan.arrays, (spill, entry))
            collect(entry)
        elif kind == "dimension":
            declared = dict(zip(attrs[0::2], attrs[1::2], strict=True)).get("ref", "")
            last = declared.rpartition(":")[2].replace("$", "")
            letters = last.rstrip(_DIGITS)
            digits = last[len(letters) :]
            readable = letters.isascii() and letters.isalpha() and digits.isascii() and digits.isdigit()
            if readable and (_column_number(letters, last, name, sheet) >= MAX_COLUMNS or int(digits) > max_row):
                raise beyond(0, 0, declared)

    def end(_: str) -> None:
        nonlocal target
        collected = "".join(text)
        if target is error:
            target[2] = collected or target[2]  # <v/> without text: still an error cell
        elif target is not None:
            target[2] = collected or "(delad formel)"  # a shared formula's other cells have an empty <f/>
        text.clear()
        target = None
        parser.CharacterDataHandler = None
        parser.EndElementHandler = None

    parser.StartElementHandler = start
    _parse_part(archive, path, name, budget, parser, f"bladet ”{sheet}”", xml)
    scan.cells = cells + (col >= 0)
    return scan


def _column_number(letters: str, ref: str, name: str, sheet: str) -> int:
    """A0-based column index from its letters (A, Z, AA … XFD); anything else is a damaged reference."""
    if not (letters.isascii() and letters.isalpha()) or len(letters) > 7:
        _bad_reference(ref, name, sheet)
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _bad_reference(ref: str, name: str, sheet: str) -> int:
    raise ImportFileError(
        UNREADABLE.format(name=name).removesuffix(".") + f" (bladet ”{sheet}” har en ogiltig cellreferens: ”{ref[:20]}”)."
    )


def _array_cells(scan: _Scan, rows: list[tuple[int, list[Any]]]) -> list[tuple[int, int, str]]:
    """The cells an array formula (or data table) fills besides its own: in the XML they hold only
    the cached result, so without this they would be read as typed values."""
    out = []
    for (r1, c1, r2, c2), (row, col, text) in scan.arrays:
        for r in range(min(r1, r2), min(max(r1, r2), len(rows)) + 1):
            cells = rows[r - 1][1]
            for c in range(min(c1, c2), min(max(c1, c2), len(cells) - 1) + 1):
                if (r, c) != (row, col) and not _is_blank(cells[c]):
                    out.append((r, c, f"{{={text[:60]}}}"))
                    if len(out) > MAX_REPORTED:  # enough to refuse the file; the rest is never read either
                        return out
    return out


# --- CSV --------------------------------------------------------------------------------------

# A UTF-8 multi-byte character (2 or 3 bytes). In a Windows-1252 file these byte pairs would read
# as "Ã¥", "â€“" and the like, which Swedish text does not contain.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
# Characters that have no place in a text file: C0 controls except tab, line feed and carriage
# return, DEL, and C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {0x00: "NUL", 0x1A: "SUB", 0x1B: "ESC", 0x7F: "DEL"}
_DELIMITER_WORDS = {";": "semikolon", ",": "komma", "\t": "tabb"}
_QUOTE_RULE = 'Ett citattecken inne i en cell skrivs dubbelt (""), och en cell som börjar med citattecken slutar med ett'


def decode_text(name: str, content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or Windows-1252; a mixture is refused."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"Filen {name} ser ut att vara UTF-16 men går inte att läsa. Spara den som CSV UTF-8.") from exc
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(content):
        raise ImportFileError(
            f"Filen {name} blandar teckenkodningar (både UTF-8 och Windows-1252), så tecken som å, ä, ö och – kan inte läsas säkert. "
            "Spara filen på nytt som CSV UTF-8."
        )
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"Filen {name} är varken UTF-8 eller Windows-1252 (byte {exc.start + 1} går inte att läsa). Spara den som CSV UTF-8."
        ) from exc


@dataclass(frozen=True)
class _Issue:
    """A problem found while splitting a CSV file, before the header says what the columns are."""

    record: int  # the line where the row starts: the row is not read
    row: int  # the line the message names
    col: int
    found: str
    expected: str
    spans: tuple[int, bool] | None = None  # a quoted cell over several lines: (its last line, holds row-like lines)


def read_csv(name: str, content: bytes, limits: Limits) -> RawFile:
    """Split with this module's own splitter (see the module docstring), find the header and the sheet."""
    text = decode_text(name, content)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    nuls = text.count("\x00")
    if nuls and nuls * 20 > len(text):  # not a few stray NULs but binary data
        hint = ""
        if max(text[0::2].count("\x00"), text[1::2].count("\x00")) * 3 > len(text):
            hint = " Är den sparad som Unicode-text (UTF-16) utan byte-ordningsmärke, spara den i stället som CSV UTF-8."
        raise ImportFileError(f"Filen {name} innehåller binära tecken och är ingen textfil (CSV).{hint}")
    label = PurePath(name).name
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_line, delimiter = _header_and_delimiter(lines[:_MAX_HEADER_SEARCH])
    if not header_line:
        raise ImportFileError(
            f"Filen {name} har ingen avgränsare i rubrikraden; kolumnerna ska skiljas med semikolon eller komma."
        )
    header_width = len(_split_line(header_line, delimiter))
    split = _split_records(lines, delimiter, header_width, _CONTROL.search(text) is not None)
    rows, issues = split.rows, split.issues
    if len(rows) > limits.max_rows + _MAX_HEADER_SEARCH:
        raise ImportFileError(
            f"Filen {name} har {len(rows) - 1:,} rader; högst {limits.max_rows:,} kan läsas in åt gången.".replace(",", "\u00a0")
        )
    # The header line says which sheet the file is; a value in a row above or below it ("AR", an
    # alias of "år") must not.
    sheet = _csv_sheet({_column_name(c) for c in _split_line(header_line, delimiter)})
    if sheet is None:
        shown = header_line[:120]
        message = (
            f"Rubrikraden i {name} (”{shown}”) passar inget av mallens blad. Utfall behöver styrmått;enhet;period;värde, "
            "Mål år;styrmått;målvärde, Kommentarer styrmått;enhet;period;kommentar och Åtgärder åtgärd;period;status."
        )
        if not issues:
            raise ImportFileError(message)
        # A broken quote or a control character may be what hides the header: name them too.
        cells = [Cell(label, i.row, _letter(i.col), i.found, i.expected) for i in issues]
        return RawFile(name, "csv", {}, [Cell(label, 0, "filen", "", message), *_capped(cells, split.dropped, split.dropped_row)])
    found = _find_header(sheet, rows)
    header_row, columns = (rows[found[0]][0], dict(enumerate(found[1]))) if found else (0, {})
    kept = [
        i
        for i in issues
        if i.spans is None  # a cell over several lines is a text with line breaks only in a free-text column
        or i.spans[1]
        or not (i.row > header_row > 0 and columns.get(i.col) in _FREE_TEXT)
    ]
    refused = {i.record for i in kept} | split.refused
    out = _sheet_from_rows(sheet, rows, label, delimiter=delimiter, refused=refused, widths=split.widths)
    found_cells = [Cell(label, i.row, _column_label(out, i.row, i.col), i.found, i.expected) for i in kept]
    out.problems += _capped(found_cells, split.dropped, split.dropped_row)
    return RawFile(name, "csv", {sheet: out})


@dataclass
class _Split:
    """A CSV text split into rows: (line where the row starts, cells), the problems met (at most
    ``MAX_REPORTED``, then only counted), and the real cell count of rows cut short."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    issues: list[_Issue] = field(default_factory=list)
    dropped: int = 0  # problems found beyond MAX_REPORTED
    dropped_row: int = 0  # where the first of them is
    widths: dict[int, int] = field(default_factory=dict)  # row → its cell count, where the cells were cut
    refused: set[int] = field(default_factory=set)  # rows of the problems only counted: not read either

    def add(self, issue: _Issue) -> None:
        if len(self.issues) < MAX_REPORTED:
            self.issues.append(issue)
        else:
            self.dropped += 1
            self.dropped_row = self.dropped_row or issue.row
            self.refused.add(issue.record)


def _split_records(lines: list[str], delimiter: str, header_width: int, controls: bool) -> _Split:
    """The rows of a CSV text, and every problem met.

    A line without a quote is split as it is (the fast path); a line with one goes through the
    quote rules of RFC 4180 as Excel writes them: a cell starting with ``"`` runs to the next
    single ``"`` (``""`` is a quote inside the cell), across line breaks if need be. Quotes
    inside an unquoted cell are text. A row is never split into more than a few cells past the
    header's width (it is refused for its count anyway): 25 MB of semicolons must not become
    25 million cells in the server's memory."""
    out = _Split()
    cut = max(header_width, MAX_COLUMNS) + 1  # cells kept of a row with more
    long = MAX_CELL_CHARS
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        if '"' not in line:
            cells = line.split(delimiter, cut)
            if len(cells) > cut:  # the last "cell" is the rest of the line: counted, not checked
                out.widths[index + 1] = line.count(delimiter) + 1
                line = line[: len(line) - len(cells[-1])]
                cells[-1] = ""
            if len(line) > long or (controls and _CONTROL.search(line)):
                _check_cells(index + 1, cells, out)
            out.rows.append((index + 1, cells))
            index += 1
            continue
        cells, last, found = _quoted_record(lines, index, delimiter, header_width, cut)
        for issue in found:
            out.add(issue)
        if len(cells) > cut:
            out.widths[index + 1] = len(cells)
            del cells[cut + 1 :]
        if any(len(c) > long for c in cells) or (controls and any(_CONTROL.search(c) for c in cells)):
            _check_cells(index + 1, cells, out)
        out.rows.append((index + 1, cells))
        index = last + 1
    return out


def _quoted_record(
    lines: list[str], first: int, delimiter: str, header_width: int, cut: int = 0
) -> tuple[list[str], int, list[_Issue]]:
    """One row that holds a quote, from ``lines[first]``: its cells, the index of its last line,
    and any broken quote, each named at the line where the quote opened. Past ``cut`` cells the
    rest of the line is counted, not kept: the row is refused for its count."""
    cells: list[str] = []
    issues: list[_Issue] = []
    record = first + 1
    at = first
    line = lines[at]
    pos = 0
    while True:
        if line.startswith('"', pos):
            opened, col = at, len(cells)
            parts: list[str] = []
            pos += 1
            while True:
                quote = line.find('"', pos)
                if quote < 0:  # the cell goes on past the end of the line
                    parts.append(line[pos:])
                    if at + 1 >= len(lines):
                        cell = "".join(parts)
                        issues.append(
                            _Issue(
                                record,
                                opened + 1,
                                col,
                                _excerpt('"' + cell),
                                f"ett citattecken som stänger cellen: citattecknet som öppnar cellen på rad {opened + 1} "
                                f"stängs aldrig, så resten av filen (rad {opened + 1}–{len(lines)}) skulle bli en enda cell. "
                                + _QUOTE_RULE,
                            )
                        )
                        cells.append(cell)
                        return cells, at, issues
                    at += 1
                    line = lines[at]
                    parts.append("\n")
                    pos = 0
                    continue
                parts.append(line[pos:quote])
                if line.startswith('"', quote + 1):
                    parts.append('"')
                    pos = quote + 2
                    continue
                pos = quote + 1
                break
            cell = "".join(parts)
            if at > opened:
                swallowed = "rad" if at == opened + 1 else "raderna"
                between = f"{opened + 2}" if at == opened + 1 else f"{opened + 2}–{at + 1}"
                row_like = header_width > 2 and any(part.count(delimiter) >= header_width - 1 for part in cell.split("\n")[1:])
                issues.append(
                    _Issue(
                        record,
                        opened + 1,
                        col,
                        _excerpt('"' + cell),
                        f"en cell som slutar på samma rad: citattecknet som öppnar cellen på rad {opened + 1} stängs först "
                        f"på rad {at + 1}, så {swallowed} {between} skulle läsas som en del av cellen i stället för som "
                        f"egna rader. {_QUOTE_RULE}",
                        (at + 1, row_like),
                    )
                )
            if pos < len(line) and line[pos] != delimiter:  # text after the closing quote
                end = line.find(delimiter, pos)
                end = len(line) if end < 0 else end
                if at > opened:  # the quote that closed here was meant to open: the cell above says so
                    issues[-1] = replace(issues[-1], spans=(at + 1, True))
                else:
                    word = _DELIMITER_WORDS.get(delimiter, delimiter)
                    shown = f'"{cell}"{line[pos:end]}'
                    issues.append(
                        _Issue(
                            record,
                            at + 1,
                            col,
                            _excerpt(shown if len(shown) <= 60 else "…" + shown[-59:]),
                            f"avgränsaren ({word}) direkt efter ett avslutande citattecken. {_QUOTE_RULE}",
                        )
                    )
                cell += line[pos:end]
                pos = end
            cells.append(cell)
            if pos >= len(line):
                return cells, at, issues
            pos += 1  # past the delimiter
            continue
        end = line.find(delimiter, pos)
        if end < 0:
            cells.append(line[pos:])
            return cells, at, issues
        cells.append(line[pos:end])
        pos = end + 1
        if cut and len(cells) > cut:  # as many more cells as delimiters left on the line, at least
            cells += [""] * (line.count(delimiter, pos) + 1)
            return cells, at, issues


def _check_cells(row: int, cells: list[str], out: _Split) -> None:
    """Cells too long for a spreadsheet, and control characters, each named by row and column."""
    for col, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            out.add(
                _Issue(
                    row,
                    row,
                    col,
                    f"{_visible(cell[:30])}… ({len(cell):,} tecken)".replace(",", "\u00a0"),
                    f"en cell på högst {MAX_CELL_CHARS:,} tecken (samma gräns som i Excel)".replace(",", "\u00a0"),
                )
            )
        found = _CONTROL.search(cell)
        if found:
            code = ord(found.group())
            what = f"[U+{code:04X}]" + (f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else "")
            out.add(
                _Issue(
                    row,
                    row,
                    col,
                    _excerpt(_visible(cell)) or what,
                    f"text utan styrtecken: tecknet {what} på plats {found.start() + 1} i cellen hör inte hemma i en textfil. "
                    "Ta bort det, eller spara filen på nytt som CSV UTF-8",
                )
            )


def _visible(text: str) -> str:
    """Control characters written as [U+XXXX], so that the report shows where they are."""
    return _CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def _excerpt(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_line(line: str, delimiter: str) -> list[str]:
    """One line's cells by the same quote rules (a quote left open ends with the line)."""
    return _quoted_record([line], 0, delimiter, 0)[0] if '"' in line else line.split(delimiter)


def _header_and_delimiter(lines: list[str]) -> tuple[str, str]:
    """The header line and its delimiter: the first line that, split by ; , or tab, names a sheet's
    columns (a title line above it may hold commas); failing that, the first line with a delimiter."""
    for line in lines:
        for delimiter in (";", ",", "\t"):
            if delimiter in line:
                names = {_column_name(c) for c in _split_line(line, delimiter)}
                if _csv_sheet(names) is not None and any(all(r in names for r in REQUIRED[s]) for s in SHEETS):
                    return line, delimiter
    for line in lines:
        counts = {d: line.count(d) for d in (";", ",", "\t")}
        best = max(counts, key=counts.__getitem__)
        if counts[best]:
            return line, best
    return "", ";"


def _csv_sheet(names: set[str]) -> str | None:
    if "åtgärd" in names:
        return "Åtgärder"
    if "år" in names and "styrmått" in names:
        return "Mål"
    if "kommentar" in names and "värde" not in names:
        return "Kommentarer"
    if "styrmått" in names:
        return "Utfall"
    return None


# --- Kolada -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KoladaMapping:
    measures: dict[str, str]  # Kolada KPI id → measure id
    units: dict[str, str]  # municipality or OU id → unit id


def read_mapping(content: bytes) -> KoladaMapping:
    """YAML (or JSON) with two mappings: ``styrmått: {N00945: med_…}`` and ``enheter: {"2581": vo_…}``."""
    import yaml  # only for a Kolada mapping: the workbook reader's child process never loads it
    try:
        raw = yaml.safe_load(decode_text("mappningsfilen", content))
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # dates such as 2022-13-45 raise ValueError
        raise ImportFileError("Mappningsfilen går inte att läsa (felaktig YAML/JSON).") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("styrmått"), dict) or not isinstance(raw.get("enheter"), dict):
        raise ImportFileError(
            "Mappningsfilen ska ha två avsnitt: ”styrmått” (Kolada-KPI → styrmått-id) och ”enheter” (kommun- eller enhets-id i Kolada → enhets-id)."
        )
    for section in ("styrmått", "enheter"):
        for key, value in raw[section].items():
            if not isinstance(key, (str, int)) or not isinstance(value, (str, int)) or len(str(value)) > 100:
                raise ImportFileError(
                    f"Mappningsfilen: i avsnittet ”{section}” ska varje rad vara ett id och ett id, t.ex. N00945: med_fast_lakarkontakt."
                )
    return KoladaMapping(
        {str(k): str(v) for k, v in raw["styrmått"].items()}, {str(k): str(v) for k, v in raw["enheter"].items()}
    )


_KOLADA_STATUS_MISSING = {"missing", "saknas"}


def read_kolada(name: str, content: bytes, mapping_content: bytes) -> RawFile:
    """Kolada API v3 data: each value entry becomes an Utfall row for the mapped measure and unit."""
    mapping = read_mapping(mapping_content)
    try:
        data = json.loads(decode_text(name, content))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"Filen {name} är inte giltig JSON (rad {exc.lineno}, tecken {exc.colno}).") from exc
    except (ValueError, RecursionError) as exc:  # integers over 4 300 digits, nesting beyond the stack
        raise ImportFileError(
            f"Filen {name} går inte att läsa som Kolada-data: den är för djupt nästlad eller har orimligt stora tal."
        ) from exc
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise ImportFileError(f"Filen {name} är inte Kolada-data: listan ”values” saknas.")
    sheet = RawSheet("Utfall")
    label = PurePath(name).name
    for index, entry in enumerate(values, start=1):
        if not isinstance(entry, dict):
            sheet.problems.append(
                Cell(label, index, "values", str(entry)[:60], "ett objekt med kpi, municipality/ou, period och values")
            )
            continue
        kpi = str(entry.get("kpi", ""))
        org = str(entry.get("municipality") or entry.get("ou") or "")
        measure = mapping.measures.get(kpi)
        unit = mapping.units.get(org)
        if measure is None:
            sheet.problems.append(
                Cell(
                    label,
                    index,
                    "kpi",
                    kpi,
                    f"en Kolada-KPI som finns i mappningsfilen ({', '.join(sorted(mapping.measures)) or 'inga'})",
                )
            )
        if unit is None:
            sheet.problems.append(
                Cell(
                    label,
                    index,
                    "municipality/ou",
                    org,
                    f"ett kommun- eller enhets-id som finns i mappningsfilen ({', '.join(sorted(mapping.units)) or 'inga'})",
                )
            )
        inner = entry.get("values")
        if not isinstance(inner, list):
            sheet.problems.append(Cell(label, index, "values", str(inner)[:60], "en lista med gender, status och value"))
            continue
        if measure is None or unit is None:
            continue
        period = entry.get("period")
        for item in inner:
            if not isinstance(item, dict):
                sheet.problems.append(Cell(label, index, "values", str(item)[:60], "ett objekt med gender, status och value"))
                continue
            value = item.get("value")
            if value is None or str(item.get("status") or "").casefold() in _KOLADA_STATUS_MISSING:
                value = ".."  # missing in Kolada: stored as "uppgift saknas", never as 0
            sheet.rows.append(
                (
                    index,
                    {
                        "styrmått": measure,
                        "enhet": unit,
                        "period": f"{period} ÅR" if isinstance(period, int) or str(period).isdigit() else period,
                        "kön": item.get("gender"),
                        "värde": value,
                        "källa": f"Kolada, KPI {kpi}, {org}",
                    },
                )
            )
    return RawFile(name, "kolada", {"Utfall": sheet})
