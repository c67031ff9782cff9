"""Reading an import file into raw sheets: the template (xlsx), CSV, or Kolada API v3 JSON.

Nothing here judges the content; it only turns bytes into rows of cells with their place in the
file (sheet, row number, column name), so that every later message can say where a problem is.
A file that cannot be read at all raises ``ImportFileError`` with a Swedish message.

Safety: formulas are never evaluated. The workbook is opened without cached results, and a cell
holding a formula is reported, not read. Files beyond the configured size or row limits stop here.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import yaml

from kpi.errors import StyrkortError

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
        raise ImportFileError(
            f"Filen {name} är {_mb(len(content))} MB; största tillåtna storlek är {_mb(limits.max_bytes)} MB. "
            "Dela upp den i flera filer."
        )
    if not content.strip():
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


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",")


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
    for position, name in enumerate(names):
        if name and name not in known:
            out.problems.append(Cell(label, header_row, _letter(position), name, f"en av kolumnerna {', '.join(known)}"))
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name in seen and name:
            out.problems.append(Cell(label, header_row, _letter(position), name, "varje kolumn en gång"))
        seen.add(name)
    for row_number, cells in rows[index + 1 :]:
        record = {name: cells[i] if i < len(cells) else None for i, name in enumerate(names) if name in known}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in record.values()):
            continue  # empty rows between blocks are allowed
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


class _Formula:
    def __init__(self, text: str) -> None:
        self.text = text


def read_xlsx(name: str, content: bytes, limits: Limits) -> RawFile:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams rows; data_only=False keeps formulas as formulas, never their results.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError(
            f"Filen {name} går inte att öppna som en Excel-arbetsbok (.xlsx): den är skadad eller av annan typ."
        ) from exc
    except Exception as exc:
        raise ImportFileError(f"Filen {name} går inte att öppna som en Excel-arbetsbok (.xlsx).") from exc
    try:
        present = {_sheet_key(s): s for s in book.sheetnames}
        sheets: dict[str, RawSheet] = {}
        problems: list[Cell] = []
        if not any(s.casefold() in present for s in SHEETS):
            raise ImportFileError(
                f"Arbetsboken {name} har inget av bladen {', '.join(SHEETS)} (den har {', '.join(book.sheetnames) or 'inga blad'}). Använd mallen."
            )
        total = 0
        for sheet in SHEETS:
            actual = present.get(sheet.casefold())
            if actual is None:
                continue
            rows: list[tuple[int, list[Any]]] = []
            for row_number, row in enumerate(book[actual].iter_rows(), start=1):
                cells: list[Any] = []
                for col, cell in enumerate(row):
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or (
                        isinstance(value, str) and value.startswith("=") and getattr(cell, "data_type", "") == "f"
                    ):
                        problems.append(
                            Cell(
                                actual,
                                row_number,
                                _letter(col),
                                str(value)[:60],
                                "ett värde, inte en formel (formler räknas aldrig ut vid inläsning; klistra in som värden)",
                            )
                        )
                        value = _Formula(str(value))
                    elif value is not None and not isinstance(value, (str, int, float)):
                        value = str(value)  # dates, times: read as the text they show
                    elif isinstance(value, float) and "%" in str(getattr(cell, "number_format", "")):
                        value = f"{value * 100:.10g} %".replace(".", ",")  # a cell formatted as percent
                    cells.append(value)
                rows.append((row_number, cells))
                total += 1
                if total > limits.max_rows + _MAX_HEADER_SEARCH * len(SHEETS):
                    raise ImportFileError(
                        f"Arbetsboken {name} har fler än {limits.max_rows:,} rader; dela upp den i flera filer.".replace(
                            ",", "\u00a0"
                        )
                    )
            sheets[sheet] = _sheet_from_rows(sheet, rows, actual)
        return RawFile(name, "xlsx", sheets, problems)
    finally:
        book.close()


def _sheet_key(sheet_name: str) -> str:
    return " ".join(sheet_name.split()).casefold()


# --- CSV --------------------------------------------------------------------------------------

_UTF8_SWEDISH = (b"\xc3\xa5", b"\xc3\xa4", b"\xc3\xb6", b"\xc3\x85", b"\xc3\x84", b"\xc3\x96")


def decode_text(name: str, content: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; a mixture of both is refused."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if any(seq in content for seq in _UTF8_SWEDISH):
        raise ImportFileError(
            f"Filen {name} blandar teckenkodningar (både UTF-8 och Windows-1252), så å, ä och ö kan inte läsas säkert. "
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
    lines = text.splitlines()
    header_line = next((line for line in lines[:_MAX_HEADER_SEARCH] if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=header_line.count)
    if header_line.count(delimiter) == 0:
        raise ImportFileError(
            f"Filen {name} har ingen avgränsare i rubrikraden; kolumnerna ska skiljas med semikolon eller komma."
        )
    try:
        parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ImportFileError(f"Filen {name} går inte att läsa som CSV: {exc}.") from exc
    if len(parsed) > limits.max_rows + _MAX_HEADER_SEARCH:
        raise ImportFileError(
            f"Filen {name} har {len(parsed) - 1:,} rader; högst {limits.max_rows:,} kan läsas in åt gången.".replace(
                ",", "\u00a0"
            )
        )
    rows = [(i, list(cells)) for i, cells in enumerate(parsed, start=1)]
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
    except yaml.YAMLError as exc:
        raise ImportFileError("Mappningsfilen går inte att läsa (felaktig YAML/JSON).") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("styrmått"), dict) or not isinstance(raw.get("enheter"), dict):
        raise ImportFileError(
            "Mappningsfilen ska ha två avsnitt: ”styrmått” (Kolada-KPI → styrmått-id) och ”enheter” (kommun- eller enhets-id i Kolada → enhets-id)."
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
            if str(item.get("status") or "").casefold() in _KOLADA_STATUS_MISSING:
                value = None
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
