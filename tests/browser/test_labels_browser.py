"""Labels that fit, looked up in a real Chromium: every column heading of the Enheter heatmap (the
last ones were dropped), the heatmap readable on a phone (it scrolls sideways), the title slide's
list in projector type, and the overview tiles' parts never narrower than their label."""

from __future__ import annotations

from tests.browser.support import open_page, settle, wait_for_text
from tests.browser.test_accessibility_browser import drawn

HEADINGS = """() => {
    const chart = document.querySelector('.st-key-e_grid .js-plotly-plot');
    const shown = [...chart.querySelectorAll('.xtick text')].filter(t => t.textContent && getComputedStyle(t).display !== 'none');
    const cells = chart._fullData[0].x.length;
    const box = chart.getBoundingClientRect();
    const inside = shown.every(t => t.getBoundingClientRect().right <= box.right + 1);
    return {shown: shown.length, cells, inside, width: box.width};
}"""


def test_every_heatmap_column_has_its_heading_and_a_phone_scrolls_the_grid(server: str, browser: object) -> None:
    found = {}
    for width in (1280, 1920, 390):
        page = open_page(browser, f"{server}/enheter", width, 900)
        wait_for_text(page, "Klicka på en cell")
        drawn(page)
        page.locator(".st-key-e_grid g.xtick text").first.wait_for(state="attached")  # type: ignore[attr-defined]
        settle(page)
        found[width] = page.evaluate(HEADINGS)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    for width, headings in found.items():
        assert headings["shown"] == headings["cells"] > 8, (width, headings)  # Medborgare: every column named
        assert headings["inside"], (width, headings)
    assert found[390]["width"] >= 250 + 50 * found[390]["cells"]  # wider than the phone: scrolled, not squeezed


def test_the_title_slide_list_is_projector_type_and_tile_parts_fit_their_labels(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/presentation", 1920, 1080)
    wait_for_text(page, "Längst från målet")
    settle(page)
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.pr-attention li')).fontSize)")  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    assert size >= 24  # was 15 px, beside tiles in 28 px
    page = open_page(browser, f"{server}/", 1280, 900)
    wait_for_text(page, "Längst från målet")
    drawn(page)
    cut = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('div[title]')].filter(d => /uppfyllt|bedömd/.test(d.title) && d.scrollWidth > d.clientWidth).map(d => d.title)"
    )
    page.close()  # type: ignore[attr-defined]
    assert cut == []  # "✗ 1" beside "– 10" was cut to "✗"
