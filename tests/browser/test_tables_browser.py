"""The measure tables read in a real Chromium (ui/tables.py): whole names, every column on a 1280 px
screen with the sidebar open, sparklines drawn, and cards instead of cut columns on a phone."""

from __future__ import annotations

import pytest

from tests.browser.support import open_page, wait_for_text
from tests.browser.test_accessibility_browser import drawn

MEASURE = """() => [...document.querySelectorAll('table.styrkort-table')].map(table => ({
    overflow: table.scrollWidth - table.parentElement.clientWidth,
    right: table.getBoundingClientRect().right,
    cut: [...table.querySelectorAll('a[data-measure], td')].filter(e => e.scrollWidth > e.clientWidth + 1).length,
    lines: table.querySelectorAll('svg.styrkort-spark polyline').length,
    rows: [...table.querySelectorAll('tbody tr:not(.styrkort-group)')].map(r => getComputedStyle(r).display),
}))"""


@pytest.mark.parametrize(("path", "shows"), [("/", "Längst från målet"), ("/medborgare", "Strategiskt mål:"), ("/verksamhet", "Strategiskt mål:")])
def test_every_column_fits_at_1280_and_a_phone_shows_cards(server: str, browser: object, path: str, shows: str) -> None:
    found = {}
    for width in (1280, 390):
        page = open_page(browser, f"{server}{path}", width, 900)
        wait_for_text(page, shows)
        drawn(page)
        page.locator("table.styrkort-table").first.wait_for()  # type: ignore[attr-defined]
        found[width] = page.evaluate(MEASURE)  # type: ignore[attr-defined]
        found[f"page {width}"] = page.evaluate("() => document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    for table in found[1280]:
        assert table["overflow"] <= 0 and table["right"] <= 1280, table  # Källa and Jämförelse on screen
        assert table["cut"] == 0, table  # no name or cell cut: they wrap
        assert table["lines"] > 0, table  # sparklines drawn
        assert set(table["rows"]) == {"table-row"}
    for table in found[390]:
        assert set(table["rows"]) == {"block"}, table  # one card per measure
        assert table["overflow"] <= 0 and table["cut"] == 0, table
    assert found["page 390"] <= 390  # nothing wider than the phone
