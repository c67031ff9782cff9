"""Workbooks written by hand as XML in a zip, the way a tester (or an attacker) can write them:
single or double quotes, namespace prefixes, cells with or without ``r``, formulas in ``<f>``
(plain, shared, array), error values (``t="e"``), inline and shared strings, a declared
``<dimension>``, extra parts. No spreadsheet library is involved, so the reader is tested against
the file format itself, not against what one writer happens to produce.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


@dataclass
class C:
    """One cell: a value (str, int, float or bool), or a formula, or an error value."""

    value: object = None
    formula: str | None = None  # the text of <f>; "" writes an empty <f/> (a shared formula's other cells)
    formula_type: str | None = None  # "shared", "array", "dataTable"
    formula_ref: str | None = None  # the range of an array formula or a shared formula's first cell
    shared_index: int | None = None
    error: str | None = None  # "#N/A", "#DIV/0!" … written as t="e"
    style: int | None = None
    shared_string: bool = False  # a text through sharedStrings.xml rather than inline
    ref: bool = True  # write r="A1" (a cell may leave it out)


def letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


@dataclass
class Style:
    """How the XML is written: quotes, a namespace prefix for the main namespace, spacing."""

    quote: str = '"'
    prefix: str = ""  # "x" writes <x:worksheet xmlns:x="…"><x:sheetData>…
    spaces: bool = False  # spaces around = and before >: legal XML, unusual
    row_refs: bool = True  # write r on <row>


@dataclass
class Sheet:
    name: str
    rows: dict[int, dict[int, object]] = field(default_factory=dict)  # row (1-based) → column (0-based) → value or C
    dimension: str | None = None
    state: str | None = None  # "hidden", "veryHidden"

    @staticmethod
    def from_rows(name: str, rows: list[list[object]], first_row: int = 1) -> Sheet:
        out = Sheet(name)
        for r, cells in enumerate(rows, start=first_row):
            out.rows[r] = {c: v for c, v in enumerate(cells) if v is not None}
        return out


def _attrs(style: Style, pairs: list[tuple[str, str]]) -> str:
    q = style.quote
    eq = " = " if style.spaces else "="
    return "".join(f" {k}{eq}{q}{_escape(v, q)}{q}" for k, v in pairs)


def _escape(text: str, quote: str = '"') -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace(quote, "&quot;" if quote == '"' else "&apos;")


def sheet_xml(sheet: Sheet, style: Style, shared: list[str]) -> str:
    p = f"{style.prefix}:" if style.prefix else ""
    end = " >" if style.spaces else ">"
    ns = f"xmlns:{style.prefix}" if style.prefix else "xmlns"
    parts = [
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<{p}worksheet{_attrs(style, [(ns, MAIN), ('xmlns:r', REL)])}{end}"
    ]
    if sheet.dimension:
        parts.append(f"<{p}dimension{_attrs(style, [('ref', sheet.dimension)])}/>")
    parts.append(f"<{p}sheetData{end}")
    for r in sorted(sheet.rows):
        parts.append(f"<{p}row{_attrs(style, [('r', str(r))] if style.row_refs else [])}{end}")
        for col in sorted(sheet.rows[r]):
            parts.append(_cell_xml(sheet.rows[r][col], r, col, style, p, end, shared))
        parts.append(f"</{p}row>")
    parts.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(parts)


def _cell_xml(value: object, r: int, col: int, style: Style, p: str, end: str, shared: list[str]) -> str:
    cell = value if isinstance(value, C) else C(value)
    attrs: list[tuple[str, str]] = [("r", f"{letters(col)}{r}")] if cell.ref else []
    if cell.style is not None:
        attrs.append(("s", str(cell.style)))
    inner = ""
    if cell.formula is not None:
        f_attrs = []
        if cell.formula_type:
            f_attrs.append(("t", cell.formula_type))
        if cell.formula_ref:
            f_attrs.append(("ref", cell.formula_ref))
        if cell.shared_index is not None:
            f_attrs.append(("si", str(cell.shared_index)))
        f_open = f"<{p}f{_attrs(style, f_attrs)}"
        inner += f"{f_open}/>" if cell.formula == "" else f"{f_open}{end}{_escape(cell.formula)}</{p}f>"
    if cell.error is not None:
        attrs.append(("t", "e"))
        inner += f"<{p}v{end}{_escape(cell.error)}</{p}v>"
    elif isinstance(cell.value, bool):
        attrs.append(("t", "b"))
        inner += f"<{p}v{end}{int(cell.value)}</{p}v>"
    elif isinstance(cell.value, (int, float)):
        inner += f"<{p}v{end}{cell.value!r}</{p}v>"
    elif isinstance(cell.value, str):
        if cell.shared_string:
            attrs.append(("t", "s"))
            if cell.value not in shared:
                shared.append(cell.value)
            inner += f"<{p}v{end}{shared.index(cell.value)}</{p}v>"
        else:
            attrs.append(("t", "inlineStr"))
            space = _attrs(style, [("xml:space", "preserve")]) if cell.value != cell.value.strip() else ""
            inner += f"<{p}is{end}<{p}t{space}{end}{_escape(cell.value)}</{p}t></{p}is>"
    return f"<{p}c{_attrs(style, attrs)}{end}{inner}</{p}c>"


def workbook(
    sheets: list[Sheet],
    style: Style | None = None,
    *,
    percent_styles: int = 0,
    replace: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """The xlsx: ``percent_styles`` adds that many cellXfs with the 0 % format after the default
    style (so s="1" … are percent); ``replace`` swaps a part's bytes; ``extra`` adds parts."""
    style = style or Style()
    shared: list[str] = []
    parts: dict[str, str | bytes] = {}
    for index, sheet in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{index}.xml"] = sheet_xml(sheet, style, shared)
    p = f"{style.prefix}:" if style.prefix else ""
    ns = f"xmlns:{style.prefix}" if style.prefix else "xmlns"
    end = " >" if style.spaces else ">"
    sheet_entries = "".join(
        f"<{p}sheet{_attrs(style, [('name', s.name), ('sheetId', str(i)), ('r:id', f'rId{i}')] + ([('state', s.state)] if s.state else []))}/>"
        for i, s in enumerate(sheets, start=1)
    )
    parts["xl/workbook.xml"] = (
        f"<?xml version='1.0' encoding='UTF-8'?><{p}workbook{_attrs(style, [(ns, MAIN), ('xmlns:r', REL)])}{end}"
        f"<{p}sheets{end}{sheet_entries}</{p}sheets></{p}workbook>"
    )
    rels = "".join(
        f"<Relationship{_attrs(style, [('Id', f'rId{i}'), ('Type', SHEET_TYPE), ('Target', f'worksheets/sheet{i}.xml')])}/>"
        for i in range(1, len(sheets) + 1)
    )
    rels += f"<Relationship{_attrs(style, [('Id', 'rIdS'), ('Type', SHEET_TYPE.replace('worksheet', 'styles')), ('Target', 'styles.xml')])}/>"
    if shared:
        rels += f"<Relationship{_attrs(style, [('Id', 'rIdT'), ('Type', SHEET_TYPE.replace('worksheet', 'sharedStrings')), ('Target', 'sharedStrings.xml')])}/>"
        items = "".join(
            f"<{p}si><{p}t{_attrs(style, [('xml:space', 'preserve')]) if s != s.strip() else ''}>{_escape(s)}</{p}t></{p}si>"
            for s in shared
        )
        parts["xl/sharedStrings.xml"] = (
            f"<?xml version='1.0' encoding='UTF-8'?><{p}sst{_attrs(style, [(ns, MAIN), ('count', str(len(shared)))])}{end}{items}</{p}sst>"
        )
    parts["xl/_rels/workbook.xml.rels"] = (
        f"<?xml version='1.0'?><Relationships{_attrs(style, [('xmlns', PKG_REL)])}>{rels}</Relationships>"
    )
    xfs = f"<{p}xf{_attrs(style, [('numFmtId', '0')])}/>" + f"<{p}xf{_attrs(style, [('numFmtId', '9')])}/>" * percent_styles
    parts["xl/styles.xml"] = (
        f"<?xml version='1.0'?><{p}styleSheet{_attrs(style, [(ns, MAIN)])}{end}"
        f"<{p}cellXfs{_attrs(style, [('count', str(1 + percent_styles))])}{end}{xfs}</{p}cellXfs></{p}styleSheet>"
    )
    overrides = "".join(
        f"<Override PartName='/xl/worksheets/sheet{i}.xml' ContentType='application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml'/>"
        for i in range(1, len(sheets) + 1)
    )
    parts["[Content_Types].xml"] = (
        f"<?xml version='1.0'?><Types xmlns='{TYPES}'><Default Extension='rels' ContentType='application/vnd.openxmlformats-package.relationships+xml'/>"
        "<Default Extension='xml' ContentType='application/xml'/>"
        "<Override PartName='/xl/workbook.xml' ContentType='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml'/>"
        f"{overrides}</Types>"
    )
    parts["_rels/.rels"] = (
        f"<?xml version='1.0'?><Relationships xmlns='{PKG_REL}'><Relationship Id='rId1' "
        "Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument' Target='xl/workbook.xml'/></Relationships>"
    )
    for name, content in (replace or {}).items():
        parts[name] = content
    for name, content in (extra or {}).items():
        parts[name] = content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content if isinstance(content, bytes) else content.encode())
    return out.getvalue()
