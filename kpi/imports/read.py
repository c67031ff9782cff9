"""Reading an import file into raw sheets: the template (xlsx), CSV, or Kolada API v3 JSON.

Nothing here judges the content; it only turns bytes into rows of cells with their place in the
file (sheet, row number, column name), so that every later message can say where a problem is.
A file that cannot be read at all raises ``ImportFileError`` with a Swedish message.

Safety: formulas are never evaluated. The workbook is opened without cached results, and a cell
holding a formula is reported, not read. Files beyond the configured size or row limits stop here.
"""

from __future__ import annotations

import csv
import html
import io
import json
import operator
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

import yaml

from kpi.model.errors import StyrkortError

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


class ImportFileError(StyrkortError):
    """The file as a whole cannot be read (type, size, encoding, structure)."""


@dataclass(frozen=True)
class Cell:
    """A problem spot before validation: a formula, or a column that is not expected."""

    sheet: str
    row: int
    column: str
    found: str
    expected: str


@dataclass
class RawSheet:
    """One sheet's rows: ``rows`` are (row number in the file, {column: cell value})."""

    name: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Cell] = field(default_factory=list)
    formula_rows: set[int] = field(default_factory=set)  # rows already reported for a formula
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)  # column index → the template's column name


@dataclass
class RawFile:
    name: str
    kind: str  # "xlsx", "csv", "kolada"
    sheets: dict[str, RawSheet]
    problems: list[Cell] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets.values())


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


def read_file(name: str, content: bytes, limits: Limits, mapping: bytes | None = None) -> RawFile:
    """Dispatch on the file's extension and contents; raise ImportFileError if unreadable."""
    if len(content) > limits.max_bytes:
        size, limit = _megabytes(len(content), limits.max_bytes)
        raise ImportFileError(f"Filen {name} är {size} MB; största tillåtna storlek är {limit} MB. Dela upp den i flera filer.")
    if not content.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportFileError(f"Filen {name} är tom.")
    suffix = PurePath(name).suffix.casefold()
    if content[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        raw = read_xlsx(name, content, limits)
    elif suffix == ".json" or content.lstrip()[:1] == b"{":
        if mapping is None:
            raise ImportFileError(
                f"Filen {name} ser ut att vara Kolada-data (JSON). Ange också en mappningsfil som säger vilket "
                "styrmått varje Kolada-KPI motsvarar och vilken enhet varje kommun eller organisatorisk enhet är."
            )
        raw = read_kolada(name, content, mapping)
    elif suffix in (".csv", ".txt", ""):
        raw = read_csv(name, content, limits)
    elif suffix == ".xls":
        raise ImportFileError(
            f"Filen {name} är i det gamla Excelformatet .xls. Spara den som .xlsx (Excel-arbetsbok) och försök igen."
        )
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


def _find_header(sheet: str, rows: list[tuple[int, list[Any]]]) -> tuple[int, list[str]] | None:
    """The index of the header row among the first rows: the first holding a required column."""
    for index, (_, cells) in enumerate(rows[:_MAX_HEADER_SEARCH]):
        names = [_column_name(c) if c not in (None, "") else "" for c in cells]
        if all(r in names for r in REQUIRED[sheet]):
            return index, names
    return None


def _sheet_from_rows(sheet: str, rows: list[tuple[int, list[Any]]], label: str) -> RawSheet:
    """Header detection, unknown and missing columns, and the data rows as dicts."""
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
    wanted = [(i, name) for i, name in enumerate(names) if name in known]
    if not wanted:
        return out
    width = max(i for i, _ in wanted) + 1
    pick = operator.itemgetter(*(i for i, _ in wanted))
    fields = [name for _, name in wanted]
    one = len(wanted) == 1
    for row_number, cells in rows[index + 1 :]:
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        values = (pick(cells),) if one else pick(cells)
        if not any(v.strip() if isinstance(v, str) else v is not None for v in values):
            continue  # empty rows between blocks are allowed
        record = {f: None if v == "" else v for f, v in zip(fields, values, strict=True)}
        out.rows.append((row_number, record))
    return out


def _letter(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return f"kolumn {name}"


# --- xlsx -------------------------------------------------------------------------------------


_FORMULA_EXPECTED = "ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden)"
_MAX_UNPACKED = 400_000_000  # bytes inside the zip: more is a zip bomb, not a spreadsheet
_ERROR_EXPECTED = "ett värde, inte ett felvärde från Excel (lämna cellen tom om uppgift saknas)"
_HAS_ERROR = re.compile(rb"\bt\s*=\s*[\"']e[\"']")
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def read_xlsx(name: str, content: bytes, limits: Limits) -> RawFile:
    """Values through calamine (Rust, fast); formulas and percent formats found in the sheet XML.

    A cell holding a formula is reported and its cached result ignored: nothing in the file is
    ever calculated. A number formatted as percent (0,92 shown as 92 %) is read as 92 %.
    """
    from python_calamine import CalamineWorkbook

    unreadable = f"Filen {name} går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ."
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(info.file_size for info in archive.infolist()) > _MAX_UNPACKED:
            raise ImportFileError(f"Filen {name} packas upp till mer än {_MAX_UNPACKED // 1_000_000} MB och läses inte in.")
        paths = _sheet_paths(archive)
        percent_styles = _percent_styles(archive)
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except ImportFileError:
        raise
    except Exception as exc:  # any parser failure on a damaged or hostile file is an unreadable file
        raise ImportFileError(unreadable) from exc
    present = {_sheet_key(s): s for s in book.sheet_names}
    if not any(s.casefold() in present for s in SHEETS):
        raise ImportFileError(
            f"Arbetsboken {name} har inget av bladen {', '.join(SHEETS)} (den har {', '.join(book.sheet_names) or 'inga blad'}). Använd mallen."
        )
    sheets: dict[str, RawSheet] = {}
    problems: list[Cell] = []
    total = 0
    for sheet in SHEETS:
        actual = present.get(sheet.casefold())
        if actual is None:
            continue
        try:
            values = book.get_sheet_by_name(actual).to_python(skip_empty_area=False)
            xml = archive.read(paths[actual]) if actual in paths else b""
        except Exception as exc:
            raise ImportFileError(unreadable) from exc
        total += len(values)
        if total > limits.max_rows + _MAX_HEADER_SEARCH * len(SHEETS):
            raise ImportFileError(
                f"Arbetsboken {name} har fler än {limits.max_rows:,} rader; dela upp den i flera filer.".replace(",", "\u00a0")
            )
        formulas, percents, errors = _special_cells(xml, percent_styles)
        rows: list[tuple[int, list[Any]]] = list(enumerate(values, start=1))  # empty cells are "" until picked
        for row_number, col in percents:
            cells = rows[row_number - 1][1] if row_number <= len(rows) else []
            if col < len(cells) and isinstance(cells[col], float):
                cells[col] = f"{cells[col] * 100:.10g} %".replace(".", ",")
        for row_number, col, _ in formulas + errors:  # reported below; never read
            if row_number <= len(rows) and col < len(rows[row_number - 1][1]):
                rows[row_number - 1][1][col] = None
        sheets[sheet] = _sheet_from_rows(sheet, rows, actual)
        sheets[sheet].formula_rows = {row for row, _, _ in formulas} | {row for row, _, _ in errors}
        problems += [
            Cell(actual, row, _column_label(sheets[sheet], row, col), found, expected)
            for row, col, found, expected in [(r, c, "=" + f[:60], _FORMULA_EXPECTED) for r, c, f in formulas]
            + [(r, c, e, _ERROR_EXPECTED) for r, c, e in errors]
        ]
    return RawFile(name, "xlsx", sheets, problems)


def _column_label(sheet: RawSheet, row: int, col: int) -> str:
    """The template's column name for a cell below the header, else the column letter."""
    return sheet.columns.get(col, _letter(col)) if row > sheet.header_row > 0 else _letter(col)


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from workbook.xml and its relationships."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<(?:\w+:)?Relationship\b(?=[^>]*\bId="([^"]+)")(?=[^>]*\bTarget="([^"]+)")', rels)
    }
    out = {}
    for m in re.finditer(r'<(?:\w+:)?sheet\b(?=[^>]*\bname="([^"]+)")(?=[^>]*\br:id="([^"]+)")', workbook):
        target = targets.get(m.group(2), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[html.unescape(m.group(1))] = path
    return out


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles whose number format shows percent (built-in 9 and 10, or custom with %)."""
    try:
        styles = archive.read("xl/styles.xml").decode("utf-8", "replace")
    except KeyError:
        return set()
    custom = {
        int(m.group(1))
        for m in re.finditer(r'<(?:\w+:)?numFmt\b(?=[^>]*\bnumFmtId="(\d+)")(?=[^>]*\bformatCode="[^"]*%)', styles)
    }
    percent_ids = {9, 10} | custom
    xfs = re.search(r"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.DOTALL)
    if not xfs:
        return set()
    ids = [int(m.group(1)) for m in re.finditer(r'<(?:\w+:)?xf\b[^>]*?\bnumFmtId="(\d+)"', xfs.group(0))]
    return {index for index, fmt in enumerate(ids) if fmt in percent_ids}


def _special_cells(
    xml: bytes, percent_styles: set[int]
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]], list[tuple[int, int, str]]]:
    """Formula cells (row, column, formula), percent-formatted cells (row, column) and error
    cells such as #N/A (row, column, error), found in the sheet XML.

    The sheet is only parsed cell by cell when it has a formula or an error value, or the
    workbook a percent style; positions follow the format's rules (``r`` is optional).
    """
    formulas: list[tuple[int, int, str]] = []
    percents: list[tuple[int, int]] = []
    errors: list[tuple[int, int, str]] = []
    # Byte searches first: a regular expression over a 20 MB sheet costs a tenth of a second.
    maybe_formula = (b"<f" in xml or b":f" in xml) and _HAS_FORMULA.search(xml) is not None
    maybe_error = (b"e\"" in xml or b"e'" in xml) and _HAS_ERROR.search(xml) is not None
    if not (maybe_formula or maybe_error or percent_styles):
        return formulas, percents, errors
    row, col = 0, -1
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = element.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    number = element.get("r")
                    row = int(number) if number and number.isdigit() else row + 1
                    col = -1
                continue
            if tag == "row":
                element.clear()
            if tag != "c":
                continue
            ref = _REF.fullmatch(element.get("r") or "")
            if ref:
                col, row = _column_index(ref.group(1).encode()), int(ref.group(2))
            else:
                col += 1
            children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            if "f" in children:
                formulas.append((row, col, children["f"].text or "(delad formel)"))
            elif element.get("t") == "e":
                errors.append((row, col, (children["v"].text if "v" in children else "") or "#FEL"))
            elif percent_styles and (element.get("s") or "").isdigit() and int(element.get("s") or -1) in percent_styles:
                percents.append((row, col))
    except ElementTree.ParseError as exc:
        raise ImportFileError("Arbetsbokens blad går inte att läsa: XML-innehållet är skadat.") from exc
    return formulas, percents, errors


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def _sheet_key(sheet_name: str) -> str:
    return " ".join(sheet_name.split()).casefold()


# --- CSV --------------------------------------------------------------------------------------

# A UTF-8 multi-byte character (2 or 3 bytes). In a Windows-1252 file these byte pairs would read
# as "Ã¥", "â€“" and the like, which Swedish text does not contain.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


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


def read_csv(name: str, content: bytes, limits: Limits) -> RawFile:
    text = decode_text(name, content)
    if "\x00" in text:
        raise ImportFileError(f"Filen {name} innehåller binära tecken och är ingen textfil (CSV).")
    lines = text.splitlines()[:_MAX_HEADER_SEARCH]
    header_line, delimiter = _header_and_delimiter(lines)
    if not header_line:
        raise ImportFileError(
            f"Filen {name} har ingen avgränsare i rubrikraden; kolumnerna ska skiljas med semikolon eller komma."
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportFileError(
            f'Filen {name} går inte att läsa som CSV: citattecknen (") stämmer inte på rad {reader.line_num}. '
            "En cell som innehåller avgränsaren ska stå inom citattecken."
        ) from exc
    if len(rows) > limits.max_rows + _MAX_HEADER_SEARCH:
        raise ImportFileError(
            f"Filen {name} har {len(rows) - 1:,} rader; högst {limits.max_rows:,} kan läsas in åt gången.".replace(",", "\u00a0")
        )
    names = set()
    for _, cells in rows[:_MAX_HEADER_SEARCH]:
        names |= {_column_name(c) for c in cells}
    sheet = _csv_sheet(names)
    if sheet is None:
        shown = header_line[:120]
        raise ImportFileError(
            f"Rubrikraden i {name} (”{shown}”) passar inget av mallens blad. Utfall behöver styrmått;enhet;period;värde, "
            "Mål år;styrmått;målvärde, Kommentarer styrmått;enhet;period;kommentar och Åtgärder åtgärd;period;status."
        )
    return RawFile(name, "csv", {sheet: _sheet_from_rows(sheet, rows, PurePath(name).name)})


def _header_and_delimiter(lines: list[str]) -> tuple[str, str]:
    """The header line and its delimiter: the first line that, split by ; , or tab, names a sheet's
    columns (a title line above it may hold commas); failing that, the first line with a delimiter."""
    for line in lines:
        for delimiter in (";", ",", "\t"):
            if delimiter in line:
                cells = next(csv.reader([line], delimiter=delimiter), [])
                names = {_column_name(c) for c in cells}
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
