"""Keyboard only, in a real Chromium: from the overview to a measure by its name and back, and a
measure opened from a perspective table with Space (WCAG 2.1.1, keyboard)."""

from __future__ import annotations

from tests.browser.support import WAIT_MS, no_error_on, open_page, settle, wait_for_text
from tests.browser.test_accessibility_browser import drawn

TABS = 150  # more than the page has focusable elements before the lists


def tab_to(page: object, condition: str, *, backwards: bool = False) -> dict[str, str]:
    """Press Tab (Shift+Tab) until the focused element meets ``condition`` (a JS expression on
    ``element``); return its text, address and measure."""
    for _ in range(TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")  # type: ignore[attr-defined]
        found = page.evaluate(  # type: ignore[attr-defined]
            f"""() => {{ const element = document.activeElement;
                return element && ({condition})
                    ? {{text: element.textContent.trim(), href: element.getAttribute('href') || '', measure: element.dataset.measure || ''}} : null; }}"""
        )
        if found:
            return found  # type: ignore[no-any-return]
    raise AssertionError(f"Inget element med {condition} nåddes med tangentbordet")


def test_from_the_overview_to_a_measure_and_back_by_keyboard_only(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/?org=vo_pitea", 1280, 900)
    wait_for_text(page, "Längst från målet")
    drawn(page)
    link = tab_to(page, "element.matches('a[data-measure]')")  # the first name in "Längst från målet"
    assert link["href"].startswith(f"styrmatt?matt={link['measure']}&")  # a real address too, for a new tab
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/styrmatt?*matt={link['measure']}*", timeout=WAIT_MS)  # type: ignore[attr-defined]
    wait_for_text(page, "Periodens utfall")
    drawn(page)
    no_error_on(page)
    assert page.get_by_role("heading", name=link["text"]).count() == 1  # type: ignore[attr-defined]
    assert "org=vo_pitea" in page.url  # type: ignore[attr-defined]  # the filters came along
    # Back through the menu: its first entries come right after the skip link.
    page.locator("body").focus()  # type: ignore[attr-defined]
    tab_to(page, "element.closest('[data-testid=\"stSidebarNav\"]') && element.textContent.includes('Översikt')")
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    wait_for_text(page, "Längst från målet")
    settle(page)
    no_error_on(page)
    assert "/styrmatt" not in page.url  # type: ignore[attr-defined]
    assert "org=vo_pitea" in page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_space_on_a_name_in_a_perspective_table_opens_the_measure(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/medborgare", 1280, 900)
    wait_for_text(page, "Strategiskt mål:")
    drawn(page)
    link = tab_to(page, "element.matches('a[data-measure]') && element.textContent.startsWith('Telefon-TeleQ')")
    page.keyboard.press(" ")  # type: ignore[attr-defined]
    page.wait_for_url("**/styrmatt?*matt=med_telefon_samma_dag*", timeout=WAIT_MS)  # type: ignore[attr-defined]
    wait_for_text(page, "Periodens utfall")
    settle(page)
    no_error_on(page)
    assert link["measure"] == "med_telefon_samma_dag"
    page.close()  # type: ignore[attr-defined]


def test_clicking_a_name_opens_the_measure(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/medborgare?org=vo_pitea", 1280, 900)
    wait_for_text(page, "Strategiskt mål:")
    drawn(page)
    page.locator("a[data-measure='med_telefon_samma_dag']").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/styrmatt?*matt=med_telefon_samma_dag*", timeout=WAIT_MS)  # type: ignore[attr-defined]
    wait_for_text(page, "Periodens utfall")
    settle(page)
    no_error_on(page)
    assert "org=vo_pitea" in page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
