"""The dashboard in a real headless Chromium: every page loads, a filter changes, a copied link
opens the same view. Screenshots are saved for people to look at (``STYRKORT_SCREENSHOTS``,
default ``build/screenshots``).

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright for Python, which drives that
browser through ``executable_path``; Playwright's own browser download is not used.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.support import SHOTS, choose_option, no_error_on, open_page, settle, wait_for_text

PAGES = {
    "": "Styrkort – Division Nära",
    "samhalle": "Samhälle",
    "medborgare": "Medborgare",
    "verksamhet": "Verksamhet",
    "medarbetare": "Medarbetare",
    "ekonomi": "Ekonomi",
    "styrmatt": "Antal besök på filialer",
    "enheter": "Enheter",
    "atgarder": "Strategiska åtgärder",
    "import": "Läs in data",
}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_loads_in_chromium_and_asks_only_our_own_server(server: str, browser: object, path: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="sv-SE")  # type: ignore[attr-defined]
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{server}/{path}")
    wait_for_text(page, PAGES[path])
    settle(page)
    no_error_on(page)
    page.screenshot(path=str(SHOTS / f"{path or 'oversikt'}_1280.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    ours = urlsplit(server).netloc
    elsewhere = sorted({url for url in asked if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != ours})
    assert elsewhere == []  # e.g. the tab icon from fonts.gstatic.com: a third-party request


def test_changing_the_organisation_and_following_the_copied_link(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page(browser, f"{server}/medborgare")
    wait_for_text(page, "Division Nära · DÅ08 2022")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Organisation")  # type: ignore[attr-defined]
    choose_option(page, box, "Hortlax", "Hortlax hälsocentral – VO Piteå tätort")
    wait_for_text(page, "Hortlax hälsocentral · DÅ08 2022")
    settle(page)
    no_error_on(page)
    assert "org=hc_hortlax" in page.url  # type: ignore[attr-defined]
    assert page.get_by_text("Demodata").count() > 0  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "medborgare_hortlax_1280.png"), full_page=True)  # type: ignore[attr-defined]
    copied = page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]

    fresh = open_page(browser, copied)  # a new session, as when a colleague opens the link
    wait_for_text(fresh, "Hortlax hälsocentral · DÅ08 2022")
    settle(fresh)
    no_error_on(fresh)
    assert fresh.locator("h1").first.inner_text().strip() == "Medborgare"  # type: ignore[attr-defined]
    fresh.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (480, 900)])
def test_projector_and_narrow_window(server: str, browser: object, width: int, height: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in ("", "styrmatt?matt=med_telefon_samma_dag"):
        page = open_page(browser, f"{server}/{path}", width, height)
        wait_for_text(page, PAGES["" if not path else "styrmatt"] if not path else "Telefon-TeleQ")
        settle(page)
        no_error_on(page)
        name = "oversikt" if not path else "styrmatt"
        page.screenshot(path=str(SHOTS / f"{name}_{width}.png"), full_page=True)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
