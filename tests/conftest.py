"""Shared fixtures: the bundled data set, loaded and evaluated once per test session, and one
Chromium per session for every test that drives a browser.

Playwright's sync API keeps an event loop in the main thread while it is open, and a second
``sync_playwright()`` in the same session is refused ("using Playwright Sync API inside the asyncio
loop"); so there is one, here, and the browser and proxy tests share it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset

DATA = Path(__file__).resolve().parent.parent / "data"

# A deployment's STYRKORT_STORE in the shell that runs the tests would send every test's reads and
# writes to that bucket; the object-storage tests set their own (tests/store/test_object_store.py).
os.environ.pop("STYRKORT_STORE", None)


@pytest.fixture(scope="session")
def bundled() -> tuple[Dataset, Evaluation]:
    dataset = load_dataset(DATA)
    return dataset, evaluate_dataset(dataset)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser.support import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium saknas på {CHROMIUM}: installera Debians paket chromium (se .ci/run).")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
