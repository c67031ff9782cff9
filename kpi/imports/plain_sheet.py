"""Telling a plain worksheet from the rest with byte counts, so the reader can skip its slow scan.

Why: ``kpi.imports.read`` scans every sheet's XML with expat for what calamine does not report
(formulas, error values, percent styles, cells beyond the limits). For a 100 000-row sheet that
scan costs about as long as the rest of the import, nearly all of it in the Python handler called
for each of its 1,6 million elements. Yet almost every sheet an analyst sends is *plain*: inside
``<sheetData>`` nothing but rows, cells with their reference first, values and inline strings, in
the form Excel, LibreOffice, openpyxl and XlsxWriter write; and for a plain sheet the scan's answer
is known in advance: no formulas, no error values, no percent cells, nothing beyond the limits.

``plain_cells`` decides plainness with ``bytes.count`` and ``bytes.find`` (C speed) and one regular
expression. It is exact, not a heuristic, because of what it may assume and what it checks:

* The caller has parsed the part with expat, so it is well-formed XML without a DTD: the only
  entities are the five predefined ones and character references.
* No ``<!`` (comment, CDATA), no ``<?`` after the XML declaration, no ``&#`` anywhere: so every
  ``<`` in the part starts a tag, and no attribute value is spelled with a character reference.
* Inside ``<sheetData>``, the number of ``<`` equals the sum of the counts of the allowed tags
  (``<row ``, ``</row>``, ``<c ``, ``</c>``, ``<v>``, ``</v>``, ``<is>``, ``<t>``, …). Those
  literals start with ``<`` and differ by their next bytes, so no two count the same ``<``:
  every tag there is one of them. No formula (``<f``, ``<x:f``), no prefixed or unknown element.
* No tab, carriage return or line feed inside ``<sheetData>``, no ``='`` and no space beside an
  ``=``: every attribute there is written ``name="value"`` after one space.
* Every ``<c `` is ``<c r="``, and no reference falls outside the readable area (a regular
  expression finds the first cell whose reference is not columns A–``max_columns``, rows
  1–``max_row`` without a leading zero).
* No quoted value ``"e"`` (an error cell is ``t="e"``), and no ``s="n"`` for a percent style.
* Outside ``<sheetData>`` no element named c, row, v or f, with or without a prefix, and a
  ``<dimension ref="…">`` within the limits.

Whatever fails a check is not plain, and the reader scans it with expat exactly as before. A
false "not plain" (a text value that happens to hold ``"e"``, a sheet from a program that writes
its attributes differently) costs only time; the tests compare both paths on generated sheets.
"""

from __future__ import annotations

import re
from functools import cache

# Tags allowed inside <sheetData>: each literal starts with "<" and no two match at one position.
_ALLOWED_TAGS = (
    b"<c ", b"</c>", b"<v>", b"</v>", b"<row ", b"</row>",  # a sheet of numbers and shared strings
    b"<row>", b"<v/>", b"<is>", b"</is>", b"<t>", b"<t ", b"</t>",  # inline strings, and rarer forms
)  # fmt: skip
_NOT_CANONICAL = (b"\t", b"\r", b"\n", b"='", b" =", b"= ")
_XML_DECLARATION = re.compile(rb"<\?xml[^?>]*\?>")
_UTF8 = re.compile(rb"""encoding="(?:utf-8|UTF-8)"|encoding='(?:utf-8|UTF-8)'""")
_OUTSIDE = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.\-]*:)?(?:c|row|v|f)[\s/>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][A-Za-z0-9_.\-]*:)?dimension[\s/>]")
_DIMENSION_REF = re.compile(rb'<dimension ref="([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?"\s*/>')


def plain_cells(xml: bytes, *, max_row: int, max_columns: int, percent_styles: frozenset[str]) -> int | None:
    """The number of cells of a plain sheet, or None when the sheet needs the full scan.

    ``xml`` is a worksheet part that expat has parsed without error."""
    body = xml.removeprefix(b"\xef\xbb\xbf")  # no copy unless there is a byte-order mark
    first = 0
    declaration = _XML_DECLARATION.match(body)
    if declaration is not None:
        if b"encoding" in declaration.group() and not _UTF8.search(declaration.group()):
            return None  # counted bytes are only characters in UTF-8 (or ASCII)
        first = declaration.end()
    elif not body.startswith(b"<"):
        return None
    if any(body.find(s, first) >= 0 for s in (b"<!", b"<?", b"&#")):
        return None
    start = body.find(b"<sheetData>", first)
    end = body.find(b"</sheetData>", first)
    if start < 0 or end < start or body.count(b"<sheetData", first) != 1 or body.count(b"</sheetData>", first) != 1:
        return None  # no data, or written another way (<sheetData/>, a prefix): the full scan decides
    outside = body[first:start] + body[end:]
    if _OUTSIDE.search(outside) or not _dimension_fits(outside, max_row, max_columns):
        return None
    # Inside <sheetData>, read in place (positions lo … hi): a sheet's XML is tens of megabytes.
    lo, hi = start + len(b"<sheetData>"), end
    if not _only_allowed_tags(body, lo, hi):
        return None
    if any(body.find(s, lo, hi) >= 0 for s in (*_NOT_CANONICAL, b'"e"')):
        return None
    cells = body.count(b"<c ", lo, hi)
    if body.count(b'<c r="', lo, hi) != cells or _outside_reference(max_row, max_columns).search(body, lo, hi):
        return None
    if any(body.find(b' s="' + style.encode() + b'"', lo, hi) >= 0 for style in percent_styles):
        return None
    return cells


def _only_allowed_tags(body: bytes, lo: int, hi: int) -> bool:
    """Whether every "<" in ``body[lo:hi]`` starts one of the allowed tags (the common ones counted
    first: each count is a pass over the bytes, and most sheets need only six)."""
    left = body.count(b"<", lo, hi)
    for tag in _ALLOWED_TAGS:
        if not left:
            return True
        left -= body.count(tag, lo, hi)
    return left == 0


def _dimension_fits(outside: bytes, max_row: int, max_columns: int) -> bool:
    declared = _DIMENSION.findall(outside)
    if not declared:
        return True
    found = _DIMENSION_REF.findall(outside)
    if len(found) != len(declared):
        return False
    for first_letters, first_row, last_letters, last_row in found:
        letters, row = (last_letters, last_row) if last_letters else (first_letters, first_row)
        if column_index(letters.decode()) >= max_columns or int(row) > max_row:
            return False
    return True


def column_index(letters: str) -> int:
    """A 0-based column index from its capital letters (A → 0, Z → 25, AA → 26)."""
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def column_letters(index: int) -> str:
    """The letters of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@cache
def _outside_reference(max_row: int, max_columns: int) -> re.Pattern[bytes]:
    """Finds a cell whose reference is anything but columns A–(max_columns) and rows 1–max_row."""
    columns = "|".join(sorted((column_letters(i) for i in range(max_columns)), key=len, reverse=True))
    return re.compile(b'<c r="(?!(?:' + columns.encode() + b")(?:" + up_to(max_row).encode() + b')\")')


def up_to(n: int) -> str:
    """A regular expression matching exactly the decimal numbers 1 … n, without leading zeros."""
    if n < 1:
        raise ValueError("n must be at least 1")
    digits = str(n)
    width = len(digits)
    parts = [f"[1-9][0-9]{{0,{width - 2}}}"] if width > 1 else []  # every shorter number
    for i, digit in enumerate(digits):  # same width: equal up to i, smaller at i, anything after
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(f"{digits[:i]}[{low}-{int(digit) - 1}][0-9]{{{width - i - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")(?![0-9])"
