"""The production launcher wakes the event loop once per burst of a page run's events
(``ui.serve.wake_once_per_burst``), not once per message: every event still runs on the loop, once,
in order, and an exception in one is logged as asyncio logs one while the others run."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest
from streamlit.runtime.app_session import AppSession

from ui import serve

STREAMLIT_CALL_SOON = getattr(AppSession._call_soon_on_event_loop, "original", AppSession._call_soon_on_event_loop)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running on a thread of its own, as the server's does beside the script threads."""
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    running.call_soon_threadsafe(running.stop)
    thread.join(timeout=10)
    running.close()


def settle(loop: asyncio.AbstractEventLoop) -> None:
    """Wait until the loop has run everything scheduled so far (twice: a drain may schedule another)."""
    for _ in range(3):
        done = threading.Event()
        loop.call_soon_threadsafe(done.set)
        assert done.wait(timeout=10)


def test_events_from_several_threads_run_once_each_in_each_thread_s_order_with_fewer_wakeups(loop: asyncio.AbstractEventLoop) -> None:
    burst = serve.Burst(loop)
    ran: list[tuple[int, int]] = []
    wakeups = 0
    lock = threading.Lock()

    def send(thread: int) -> None:
        nonlocal wakeups
        for i in range(2000):
            if burst.add(lambda thread=thread, i=i: ran.append((thread, i))):
                with lock:
                    wakeups += 1
                loop.call_soon_threadsafe(burst.drain)

    threads = [threading.Thread(target=send, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settle(loop)
    assert sorted(ran) == [(t, i) for t in range(3) for i in range(2000)]
    for t in range(3):
        assert [i for thread, i in ran if thread == t] == list(range(2000))  # each thread's order kept
    assert 1 <= wakeups < 6000


def test_an_event_that_fails_is_logged_and_the_others_still_run(loop: asyncio.AbstractEventLoop) -> None:
    burst = serve.Burst(loop)
    logged: list[BaseException] = []
    loop.set_exception_handler(lambda _loop, context: logged.append(context["exception"]))
    ran: list[int] = []

    def fail() -> None:
        raise ValueError("broken event")

    callbacks: list[Callable[[], None]] = [lambda: ran.append(1), fail, lambda: ran.append(3)]
    scheduled = [burst.add(callback) for callback in callbacks]
    assert scheduled == [True, False, False]  # one wake-up for the three
    loop.call_soon_threadsafe(burst.drain)
    settle(loop)
    assert ran == [1, 3]
    assert [str(e) for e in logged] == ["broken event"]
    # The burst is over: the next event schedules a drain again.
    assert burst.add(lambda: ran.append(4)) is True
    loop.call_soon_threadsafe(burst.drain)
    settle(loop)
    assert ran == [1, 3, 4]


def test_an_event_added_while_a_burst_runs_gets_a_later_turn_not_a_second_wakeup(loop: asyncio.AbstractEventLoop) -> None:
    burst = serve.Burst(loop)
    ran: list[str] = []
    extra: list[bool] = []

    def first() -> None:
        ran.append("first")
        extra.append(burst.add(lambda: ran.append("late")))  # from inside the drain: joins the burst

    assert burst.add(first) is True
    loop.call_soon_threadsafe(burst.drain)
    settle(loop)
    assert ran == ["first", "late"]
    assert extra == [False]


def test_the_launcher_wraps_streamlit_s_hand_over_once(monkeypatch: pytest.MonkeyPatch, loop: asyncio.AbstractEventLoop) -> None:
    monkeypatch.setattr(AppSession, "_call_soon_on_event_loop", STREAMLIT_CALL_SOON)
    serve.wake_once_per_burst()
    wrapped = AppSession._call_soon_on_event_loop
    serve.wake_once_per_burst()
    assert AppSession._call_soon_on_event_loop is wrapped and wrapped.original is STREAMLIT_CALL_SOON

    class Session:  # what the wrapper reads of an AppSession: its loop
        _event_loop = loop

    session, ran = Session(), []
    for i in range(100):
        wrapped(session, lambda i=i: ran.append(i))
    settle(loop)
    assert ran == list(range(100))


def test_a_drain_that_could_not_be_scheduled_is_asked_for_again(monkeypatch: pytest.MonkeyPatch, loop: asyncio.AbstractEventLoop) -> None:
    refusals = [RuntimeError("refused once")]

    def call_soon(session: object, callback: Callable[[], None]) -> None:
        if refusals:
            raise refusals.pop()
        loop.call_soon_threadsafe(callback)

    monkeypatch.setattr(AppSession, "_call_soon_on_event_loop", call_soon)
    serve.wake_once_per_burst()
    wrapped = AppSession._call_soon_on_event_loop

    class Session:
        _event_loop = loop

    session, ran = Session(), []
    with pytest.raises(RuntimeError):
        wrapped(session, lambda: ran.append(1))
    wrapped(session, lambda: ran.append(2))  # schedules a drain again, which runs both
    settle(loop)
    assert ran == [1, 2]
