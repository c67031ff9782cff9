"""What axe-core cannot check, in a real Chromium: a strong focus ring on what the keyboard reaches
(ui/components.py page_style)."""

from __future__ import annotations

import re

from tests.browser.support import open_page, wait_for_text
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
