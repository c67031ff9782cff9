"""Fixtures of the browser tests: one Chromium per session, a server on the bundled data per module.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright for Python, which drives that
browser through ``executable_path``; Playwright's own browser download is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import ARGS, CHROMIUM, streamlit_server

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium saknas på {CHROMIUM}: installera Debians paket chromium (se .ci/run).")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
