"""An event loop in a thread of its own for the websocket client.

After the Playwright tests (its sync API) an event loop may still be marked running in the main
thread, where ``asyncio.run`` and ``loop.run_until_complete`` refuse to start. The serving tests
therefore run their coroutines on a loop that lives in another thread; one loop can carry a
session across several calls (open a page, do something in Chromium, run the page again).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class LoopApart:
    """Runs coroutines to completion on a loop in its own thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="serve-test-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 300) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()


@contextmanager
def loop_apart() -> Iterator[LoopApart]:
    loop = LoopApart()
    try:
        yield loop
    finally:
        loop.close()


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """One coroutine on a loop of its own in another thread (``asyncio.run`` anywhere)."""
    with loop_apart() as loop:
        return loop.run(coroutine)
