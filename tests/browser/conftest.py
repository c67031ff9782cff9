"""Fixtures of the browser tests: a server on the bundled data per module (the one Chromium per
session, ``browser``, is in ``tests/conftest.py``: the proxy tests use it too).

Needs Debian's ``chromium`` (``.ci/run`` installs it) and Playwright for Python, which drives that
browser through ``executable_path``; Playwright's own browser download is not used.

Every test in this folder carries the marker ``browser``, so a quick loop can leave them out:
``pytest -m "not browser"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.support import streamlit_server

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected under tests/browser/ as ``browser`` (the hook sees all items)."""
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with streamlit_server() as url:
        yield url
