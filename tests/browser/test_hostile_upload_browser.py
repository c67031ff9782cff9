"""A hostile workbook uploaded through the Import page: refused in Swedish, and the server lives on.

The workbook is 2 kB but declares a cell at XFD1048576: a reader that trusts the sheet's size
would try to allocate hundreds of gigabytes and take the whole dashboard down for everyone. Here
it is uploaded as an analyst would, and then a second session opens the overview on the same
server, which must still answer.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi.store.bundled import copy_data
from tests.browser.support import ROOT, SHOTS, no_error_on, open_page, settle, streamlit_server, wait_for_text

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Utfall" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def hostile_workbook(last_cell: str = "XFD1048576") -> bytes:
    """A valid-looking Utfall sheet whose one stray cell sits at ``last_cell``."""
    header = "".join(_cell(f"{col}1", name) for col, name in zip("ABCDE", ("styrmått", "enhet", "period", "kön", "värde"), strict=True))
    row_number = "".join(ch for ch in last_cell if ch.isdigit())
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last_cell}"/><sheetData>'
        f'<row r="1">{header}</row>'
        f'<row r="{row_number}">{_cell(last_cell, "x")}</row>'
        "</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def copy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(copy_data(ROOT / "data", tmp_path_factory.mktemp("data"))) as url:
        yield url


@pytest.mark.parametrize("last_cell", ["XFD1048576", "XFD3000"])
def test_a_hostile_workbook_is_refused_and_the_server_answers_another_session(
    copy_server: str, browser: object, tmp_path: Path, last_cell: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "utfall.xlsx"
    path.write_bytes(hostile_workbook(last_cell))
    assert path.stat().st_size < 4096

    page = open_page(browser, f"{copy_server}/import", height=1000)
    wait_for_text(page, "Läs in data")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))  # type: ignore[attr-defined]
    wait_for_text(page, "Inget har lästs in")
    settle(page)
    no_error_on(page)
    text = page.locator('[data-testid="stMain"]').inner_text()  # type: ignore[attr-defined]
    assert "utfall.xlsx" in text and "Traceback" not in text
    page.screenshot(path=str(SHOTS / f"import_hostile_{last_cell}.png"), full_page=True)  # type: ignore[attr-defined]

    # Another manager opens the overview on the same server afterwards: it still answers.
    other = open_page(browser, f"{copy_server}/")
    wait_for_text(other, "Längst från målet")
    settle(other)
    no_error_on(other)
    other.close()  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
