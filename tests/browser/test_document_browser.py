"""What axe-core cannot check, in a real Chromium: a strong focus ring on what the keyboard reaches,
one history entry per view, and no English text of Streamlit's on the page (ui/document.py,
ui/components.py page_style)."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import ROOT, WAIT_MS, no_error_on, open_page, settle, wait_for_text
from tests.browser.test_accessibility_browser import drawn
from tests.browser.test_keyboard_browser import tab_to

# Where the keyboard lands → how to recognise it (a JS expression on ``element``).
FOCUSED = {
    "a link in the menu": "element.closest('[data-testid=\"stSidebarNav\"]') && element.matches('a')",
    "a button": "element.matches('button') && element.textContent.includes('Ladda ner underlag')",
    "a measure's name in a table": "element.matches('a[data-measure]')",
}


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


def ring(page: object) -> dict[str, str]:
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """() => { const style = getComputedStyle(document.activeElement);
            return {style: style.outlineStyle, width: style.outlineWidth, colour: style.outlineColor}; }"""
    )


def assert_strong(found: dict[str, str], where: str) -> None:
    assert found["style"] == "solid", (where, found)
    assert float(found["width"].removesuffix("px")) >= 3, (where, found)
    # At least 3:1 against white and against the sidebar's #f8f8f7 (WCAG 1.4.11, non-text contrast).
    assert contrast(rgb(found["colour"]), (255, 255, 255)) >= 3, (where, found)
    assert contrast(rgb(found["colour"]), (248, 248, 247)) >= 3, (where, found)


def test_keyboard_focus_shows_a_strong_ring_on_links_buttons_table_names_and_tabs(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/", 1280, 900)
    wait_for_text(page, "Längst från målet")
    drawn(page)
    rings = {}
    for where, condition in FOCUSED.items():
        tab_to(page, condition)
        rings[where] = ring(page)
    page.goto(f"{server}/styrmatt?matt=med_telefon_samma_dag")  # type: ignore[attr-defined]
    wait_for_text(page, "Periodens utfall")
    drawn(page)
    tab_to(page, "element.matches('[role=\"tab\"]')")
    rings["a tab"] = ring(page)
    page.close()  # type: ignore[attr-defined]
    for where, found in rings.items():
        assert_strong(found, where)


def history_length(page: object) -> int:
    return page.evaluate("() => history.length")  # type: ignore[attr-defined, no-any-return]


def test_a_filter_change_replaces_the_history_entry_and_a_view_adds_one(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/", 1280, 900)
    wait_for_text(page, "Längst från målet")
    drawn(page)
    start = history_length(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name="Kvinnor").click()  # type: ignore[attr-defined]
    page.wait_for_url("**kon=kvinnor**", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settle(page)
    assert history_length(page) == start  # a filter: the entry is replaced
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Medborgare").click()  # type: ignore[attr-defined]
    wait_for_text(page, "Strategiskt mål:")
    drawn(page)
    assert history_length(page) == start + 1  # a view: one entry
    page.locator("a[data-measure='med_telefon_samma_dag']").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/styrmatt?*", timeout=WAIT_MS)  # type: ignore[attr-defined]
    wait_for_text(page, "Periodens utfall")
    drawn(page)
    assert history_length(page) == start + 2
    page.go_back()  # type: ignore[attr-defined]  # one press: the previous view
    wait_for_text(page, "Strategiskt mål:")
    settle(page)
    assert "/medborgare" in page.url  # type: ignore[attr-defined]
    page.go_back()  # type: ignore[attr-defined]
    wait_for_text(page, "Längst från målet")
    settle(page)
    no_error_on(page)
    assert "/medborgare" not in page.url and "/styrmatt" not in page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


ENGLISH = re.compile(r"Upload|Drag and drop|per file|Limit|Page not found|Running the app|requested|\d(\.\d)?(B|KB|MB)\b")


def english_on(page: object) -> list[str]:
    """Streamlit's English on the page: visible text and accessible names."""
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    names = page.evaluate("() => [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))")  # type: ignore[attr-defined]
    return [line for line in [*text.splitlines(), *names] if ENGLISH.search(line)]


def test_the_file_uploader_speaks_swedish_before_and_after_a_file(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/import", 1280, 900)
    wait_for_text(page, "2. Välj fil")
    drawn(page)
    before = english_on(page)
    assert page.get_by_text("25 MB per fil").count() == 1  # type: ignore[attr-defined]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(ROOT / "data" / "build" / "units.csv"))  # type: ignore[attr-defined]
    page.locator('[data-testid="stFileChip"]').first.wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    settle(page)
    after = english_on(page)
    size = page.locator('[data-testid="stFileChip"]').first.inner_text()  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    assert before == [] and after == []
    assert re.search(r"\d+(,\d)?\u00a0kB", size), size  # "6,2 kB", not "6.2KB"


@pytest.mark.parametrize(("path", "message"), [("/finnsinte", "Sidan finns inte i Styrkort. Startsidan visas i stället."), ("/oversikt", None)])
def test_an_unknown_address_says_so_in_swedish_and_the_overview_s_own_address_says_nothing(
    server: str, browser: object, path: str, message: str | None
) -> None:
    page = open_page(browser, f"{server}{path}", 1280, 900)
    wait_for_text(page, "Längst från målet")
    drawn(page)
    dialogs = page.locator('[role="dialog"]').all_inner_texts()  # type: ignore[attr-defined]
    english = english_on(page)
    page.close()  # type: ignore[attr-defined]
    assert english == []
    assert [d for d in dialogs if "Sidan finns inte" in d] == ([] if message is None else [f"Sidan finns inte\n{message}"])
