"""The analyst's import in a real headless Chromium, on a copy of the bundled data.

A file with errors gets the Swedish report and changes nothing; a valid file gets a preview, is
confirmed, and the new value shows on the perspective page; the import is then undone and the
page shows what it showed before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi.store.bundled import copy_data
from tests.browser.support import ROOT, SHOTS, WAIT_MS, no_error_on, open_page, settle, streamlit_server, wait_for_text

MEASURE = "Telefon-TeleQ"
BAD = "styrmått;enhet;period;kön;värde\nmed_telefon_samma_dag;hc_hortlax;DÅ08 2022;Totalt;140 %\nokänt_mått;hc_hortlax;DÅ08 2022;;1\n"
GOOD = "styrmått;enhet;period;kön;värde;källa\nmed_telefon_samma_dag;Hortlax hälsocentral;DÅ08 2022;Totalt;87,5 %;Webbläsartest\n"


@pytest.fixture(scope="module")
def copy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(copy_data(ROOT / "data", tmp_path_factory.mktemp("data"))) as url:
        yield url


def _upload(page: object, name: str, text: str, tmp: Path) -> None:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))  # type: ignore[attr-defined]


def _measure_card(browser: object, server: str, expected: str) -> None:
    """The measure page for Hortlax shows ``expected`` as the period's value."""
    page = open_page(browser, f"{server}/styrmatt?matt=med_telefon_samma_dag&ar=2022&period=DÅ08&org=hc_hortlax")
    wait_for_text(page, "Hortlax hälsocentral · DÅ08 2022")
    settle(page)
    no_error_on(page)
    outcome = page.locator(".styrkort-value").first.inner_text()  # type: ignore[attr-defined]
    assert expected in outcome, outcome
    page.close()  # type: ignore[attr-defined]


def test_import_report_preview_confirm_and_undo(copy_server: str, browser: object, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = "93,1\u00a0%"  # the demo value, derived from Hortlax's months
    _measure_card(browser, copy_server, before)
    page = open_page(browser, f"{copy_server}/import", height=1000)
    wait_for_text(page, "Läs in data")
    settle(page)

    _upload(page, "fel.csv", BAD, tmp_path)
    wait_for_text(page, "2 fel i fel.csv. Inget har lästs in.")
    settle(page)
    no_error_on(page)
    # The report's table draws after its heading: wait for it (on a loaded machine it can take seconds).
    report = page.locator('[data-testid="stDataFrame"]').or_(page.get_by_text("en andel mellan 0 och 100 %"))  # type: ignore[attr-defined]
    report.first.wait_for(timeout=WAIT_MS)
    assert report.count() > 0
    page.screenshot(path=str(SHOTS / "import_fel_1280.png"), full_page=True)  # type: ignore[attr-defined]

    _upload(page, "utfall.csv", GOOD, tmp_path)
    wait_for_text(page, "utfall.csv: 1 rad utan fel.")
    settle(page)
    assert page.get_by_text("1 ändrat utfall").count() + page.get_by_text("1 nytt utfall").count() == 1  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "import_forhandsgranskning_1280.png"), full_page=True)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Läs in 1 ändring").click()  # type: ignore[attr-defined]
    wait_for_text(page, "Inläst: 1")
    settle(page)
    no_error_on(page)
    assert "(lokalt läge)" in page.content()  # type: ignore[attr-defined]  # local mode: the login name on this computer
    page.screenshot(path=str(SHOTS / "import_inlast_1280.png"), full_page=True)  # type: ignore[attr-defined]

    _measure_card(browser, copy_server, "87,5\u00a0%")  # the imported value, in every session

    # Undo from the same page.
    page.get_by_text("Ja, ta bort det som inläsningen skrev").click()  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name="Ångra inläsningen").click()  # type: ignore[attr-defined]
    wait_for_text(page, "är ångrad")
    settle(page)
    no_error_on(page)
    assert "ångrad" in page.content()  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "import_angrad_1280.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    _measure_card(browser, copy_server, before)
