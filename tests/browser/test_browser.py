"""The dashboard in a real headless Chromium: every page loads, a filter changes, a copied link
opens the same view. Screenshots are saved for people to look at (``STYRKORT_SCREENSHOTS``,
default ``build/screenshots``).

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright for Python, which drives that
browser through ``executable_path``; Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STYRKORT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("STYRKORT_SCREENSHOTS", ROOT / "build" / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
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
}

playwright = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}", "--browser.gatherUsageStats=false"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("Streamlit did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium saknas på {CHROMIUM}: installera Debians paket chromium (se .ci/run).")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _open(browser: object, url: str, width: int = 1280, height: int = 800) -> object:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="sv-SE")  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=60_000)
    return page


def _wait_for_text(page: object, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]


def _settle(page: object) -> None:
    """Wait until Streamlit has finished the run (no running indicator) and charts have drawn."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def _no_error_on(page: object) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
    assert page.get_by_text("Traceback").count() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_loads_in_chromium(server: str, browser: object, path: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, f"{server}/{path}")
    _wait_for_text(page, PAGES[path])
    _settle(page)
    _no_error_on(page)
    page.screenshot(path=str(SHOTS / f"{path or 'oversikt'}_1280.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_changing_the_organisation_and_following_the_copied_link(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _open(browser, f"{server}/medborgare")
    _wait_for_text(page, "Division Nära · DÅ08 2022")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Organisation")  # type: ignore[attr-defined]
    box.click()
    page.keyboard.type("Hortlax")  # type: ignore[attr-defined]
    page.get_by_role("option", name="Hortlax hälsocentral – VO Piteå tätort").click()  # type: ignore[attr-defined]
    _wait_for_text(page, "Hortlax hälsocentral · DÅ08 2022")
    _settle(page)
    _no_error_on(page)
    assert "org=hc_hortlax" in page.url  # type: ignore[attr-defined]
    assert page.get_by_text("Demodata").count() > 0  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "medborgare_hortlax_1280.png"), full_page=True)  # type: ignore[attr-defined]
    copied = page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]

    fresh = _open(browser, copied)  # a new session, as when a colleague opens the link
    _wait_for_text(fresh, "Hortlax hälsocentral · DÅ08 2022")
    _settle(fresh)
    _no_error_on(fresh)
    assert fresh.locator("h1").first.inner_text().strip() == "Medborgare"  # type: ignore[attr-defined]
    fresh.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (480, 900)])
def test_projector_and_narrow_window(server: str, browser: object, width: int, height: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in ("", "styrmatt?matt=med_telefon_samma_dag"):
        page = _open(browser, f"{server}/{path}", width, height)
        _wait_for_text(page, PAGES["" if not path else "styrmatt"] if not path else "Telefon-TeleQ")
        _settle(page)
        _no_error_on(page)
        name = "oversikt" if not path else "styrmatt"
        page.screenshot(path=str(SHOTS / f"{name}_{width}.png"), full_page=True)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
