"""A page opened by its address on the production server finds the server at the first try.

Streamlit's frontend, opened at ``/styrmatt``, used to ask ``/styrmatt/_stcore/health`` first and
the app's root only after that failed. The production launcher's first page (``ui.index_page``)
tells it where the server is. Here pages of the navigation are opened in a fresh Chromium
context on ``python -m ui.serve``: the only health check it makes is the server's own, and the page
draws without an error. The same holds under a path prefix (``--server.baseUrlPath``), and moving
to another page from the menu keeps the prefix.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.servers import Server, app_server, wait_until_healthy
from tests.browser.support import WAIT_MS, no_error_on, settle, wait_for_text

pytestmark = [pytest.mark.serve, pytest.mark.browser]
pytest.importorskip("playwright.sync_api")

PREFIX = "styrkort"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with app_server() as running:
        yield running


@pytest.fixture(scope="module")
def prefixed() -> Iterator[Server]:
    with app_server(args=(f"--server.baseUrlPath={PREFIX}",), wait=False) as running:
        wait_until_healthy(f"{running.url}/{PREFIX}", running.process)
        yield running


def open_and_watch(browser: object, url: str) -> tuple[object, list[str]]:
    """``url`` in a fresh context; returns the page and every health check it asked for."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
    page = context.new_page()
    checks: list[str] = []
    page.on(
        "request",
        lambda request: (
            checks.append(request.url.split("?")[0]) if request.url.split("?")[0].endswith("/_stcore/health") else None
        ),
    )
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=WAIT_MS)
    settle(page)
    return page, checks


# The main page, a perspective, Styrmått and a page of the analyst's: the rule is the same for every
# name in ``page_names`` (``test_index_page`` checks that they are the navigation's addresses).
@pytest.mark.parametrize("name", ["", "medborgare", "styrmatt", "import"])
def test_every_page_by_its_address_asks_the_servers_own_health_check_only(server: Server, browser: object, name: str) -> None:
    page, checks = open_and_watch(browser, f"{server.url}/{name}")
    assert checks and set(checks) == {f"{server.url}/_stcore/health"}, checks
    no_error_on(page)
    page.context.close()  # type: ignore[attr-defined]


def test_under_a_path_prefix_the_page_finds_the_server_and_the_menu_keeps_the_prefix(prefixed: Server, browser: object) -> None:
    base = f"{prefixed.url}/{PREFIX}"
    page, checks = open_and_watch(browser, f"{base}/styrmatt?matt=med_telefon_samma_dag&org=hc_hortlax")
    wait_for_text(page, "Periodens utfall")
    assert set(checks) == {f"{base}/_stcore/health"}, checks
    page.locator('[data-testid="stSidebarNav"] a[href$="/enheter"]').first.click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/enheter**", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settle(page)
    no_error_on(page)
    page.context.close()  # type: ignore[attr-defined]
    page, checks = open_and_watch(browser, base)
    wait_for_text(page, "Längst från målet")
    assert set(checks) == {f"{base}/_stcore/health"}, checks
    page.context.close()  # type: ignore[attr-defined]
