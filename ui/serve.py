"""Serve Styrkort in production: ``python -m ui.serve [--server.port=8501] [--server.address=…]``.

``streamlit run app.py`` is the development server: it watches the source files and reloads a
page when one changes, and Streamlit runs a full garbage collection after every script run. This
launcher starts the same app with the production settings below (``PRODUCTION``), and only after
everything a page needs has been imported and the data set has been loaded and evaluated, so the
first sessions on a just-started server neither wait for that nor race each other through
half-imported modules (Plotly importing a pandas that another session's thread is still
importing fails with "partially initialized module 'pandas'").

Any ``--section.option=value`` of ``streamlit run`` may follow and wins over ``PRODUCTION`` and
``.streamlit/config.toml``; the README's deployment section names the ones a server sets
(address, port, base URL path).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parent.parent / "app.py"
log = logging.getLogger("styrkort")


@dataclass(frozen=True)
class Setting:
    """A Streamlit option the production server sets, and why."""

    option: str
    value: object
    why: str


PRODUCTION = (
    Setting(
        "runner.postScriptGC",
        False,
        "Streamlit's full garbage collection after every run held the interpreter 60–75 % of the time under load "
        "(about 120 ms a run); Python's own generational collection still runs.",
    ),
    Setting(
        "server.fileWatcherType",
        "none",
        "No watching of source files: the watcher scans every loaded module for each new session on the event loop.",
    ),
    Setting("server.runOnSave", False, "No rerun when a source file changes: production code does not change under a running server."),
    Setting("global.developmentMode", False, "Never Streamlit's own development mode."),
    Setting("server.headless", True, "No browser window and no e-mail prompt on a server."),
    Setting("browser.gatherUsageStats", False, "No usage statistics sent to Streamlit."),
)


def parse_flags(argv: list[str]) -> dict[str, object]:
    """``--server.port=8502`` or ``--server.port 8502`` → ``{"server_port": "8502"}`` (bootstrap's form)."""
    flags: dict[str, object] = {}
    args = iter(argv)
    for arg in args:
        if not arg.startswith("--") or "." not in arg:
            raise SystemExit(f"Okänt argument: {arg}. Ange Streamlit-inställningar som --server.port=8501.")
        name, _, value = arg[2:].partition("=")
        if not _:
            value = next(args, "")
        flags[name.replace(".", "_")] = value
    return flags


# Streamlit warns that a cache or a spinner is used outside a script run; before the server starts
# that is the point, so those two loggers are quiet during the warm-up.
_QUIET = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context")


def warm_up() -> None:
    """Import what every page needs and load the data set, once, before any session exists."""
    import streamlit  # noqa: F401  (creates its loggers, with their levels, first)

    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        _warm_up()
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _warm_up() -> None:
    started = time.perf_counter()
    import pandas  # noqa: F401  (Plotly and Streamlit's dataframes use it: imported whole, first)
    import plotly.graph_objects  # noqa: F401
    import plotly.io  # noqa: F401
    import polars  # noqa: F401
    import pyarrow  # noqa: F401

    import kpi.reports.files  # noqa: F401  (the downloads)
    import kpi.reports.narrative  # noqa: F401
    import kpi.reports.pack  # noqa: F401
    import ui.components  # noqa: F401
    import ui.exports  # noqa: F401
    import ui.filters  # noqa: F401
    import ui.navigation  # noqa: F401
    import ui.perspective  # noqa: F401
    import ui.presentation  # noqa: F401
    from ui import charts, data

    charts.warm_up()
    data.follow_store()
    data.dataset_and_evaluation()  # cache_resource: the process-wide cache every session then reads
    data.opening_period()
    data.unit_labels()
    import ui.identity  # noqa: F401

    if data.access_config().local_mode:  # also checks the mapping: a typo stops the start here
        log.warning(
            "Styrkort: LOCAL MODE (access.toml: local_mode = true): no sign-in, everyone has every role. "
            "A deployment sets STYRKORT_ACCESS to its own mapping with local_mode = false (README, 'Sign-in and roles')."
        )
    log.info("Styrkort: warmed up in %.1f s", time.perf_counter() - started)


# Streamlit starts every script run with a "new session" message that carries the server's settings
# and theme, built again from the config each time: under 25 sessions that was a fifth of the
# time the server held the interpreter, two thirds of it the six theme sections (each a scan of
# every config option). Settings and theme change only when the config is parsed again, so each
# part is built once and copied into every message (``keep_session_settings``).
_KEPT_PARTS = ("_populate_config_msg", "_populate_theme_msg")


def kept(populate: Callable[..., None]) -> Callable[..., None]:
    """``populate(msg, *args)``, which fills a protobuf message from the config, as a function that
    fills one template per ``args`` and copies it into ``msg``; an empty template copies nothing, so
    a section that sets no option leaves its message absent, as before. ``forget`` drops the templates."""
    templates: dict[tuple[Any, ...], Any] = {}

    def populate_from_template(msg: Any, *args: Any) -> None:
        template = templates.get(args)
        if template is None:
            template = type(msg)()
            populate(template, *args)
            templates[args] = template
        if template.ListFields():
            msg.MergeFrom(template)

    populate_from_template.forget = templates.clear  # type: ignore[attr-defined]
    populate_from_template.original = populate  # type: ignore[attr-defined]
    return populate_from_template


def keep_session_settings() -> None:
    """Build the settings and theme parts of Streamlit's new-session message once per config
    parse, not once per script run (``kept``). A Streamlit without those functions runs as it is."""
    from streamlit import config
    from streamlit.runtime import app_session

    for name in _KEPT_PARTS:
        populate = getattr(app_session, name, None)
        if populate is None or hasattr(populate, "forget"):
            if populate is None:
                log.warning("Styrkort: Streamlit %s has no %s; its new-session message is built as usual", app_session.STREAMLIT_VERSION_STRING, name)
            continue
        fast = kept(populate)
        setattr(app_session, name, fast)
        config.on_config_parsed(fast.forget, force_connect=True)  # type: ignore[attr-defined]


# Every page run is a thread of its own, and each message it sends wakes the event loop thread:
# under 25 sessions the interpreter changes hands thousands of times a second, and a thread that
# gave it up (for a socket write, a lock) waited up to Python's default 5 ms to get it back. At
# 1 ms, 25 sessions on one process ran 61–83 page runs a second instead of 54–76, with p95 404–646
# ms instead of 473–910 ms (three alternating pairs on this 2-core machine); 0,2 ms was no better.
SWITCH_INTERVAL_S = 0.001


def hand_over_sooner() -> None:
    """Let a thread that waits for the interpreter get it after ``SWITCH_INTERVAL_S``."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


# Streamlit binds its listening socket itself, as socket.socket(family) with protocol number 0, and
# asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections whose socket says
# IPPROTO_TCP. So a run's first message left at once and the rest waited for the receiver (nginx in
# front of the app, or a client) to acknowledge it, which a receiver may delay by up to 40 ms: a
# filter change took at least 44–48 ms, where the page's run took 12–19 ms. Set on the listening
# socket, the option is inherited by every connection it accepts (Linux).
def send_at_once() -> None:
    """Turn Nagle's algorithm off on the connections the server accepts (``TCP_NODELAY`` on the
    socket Streamlit binds). A Streamlit that binds otherwise runs as it is."""
    import socket

    from streamlit.web.server.starlette import starlette_server

    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None or hasattr(bind, "original"):
        if bind is None:
            log.warning("Styrkort: this Streamlit binds its socket otherwise; its connections keep Nagle's algorithm")
        return

    def bind_without_delay(address: str, port: int, backlog: int) -> socket.socket:
        sock = bind(address, port, backlog)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    bind_without_delay.original = bind  # type: ignore[attr-defined]
    starlette_server._bind_socket = bind_without_delay


# A page run's thread hands every message to the event loop with call_soon_threadsafe, and each
# call writes a byte to the loop's self-pipe to wake it: under 25 sessions a fifth of the process's
# samples (py-spy, all threads) were in that write. One wake-up per burst is enough: the messages
# queue per session, and the loop takes all that have come when it gets to them.
def wake_once_per_burst() -> None:
    """Hand a session's script-runner events to the event loop in bursts: the first event of a
    burst schedules one drain (``call_soon_threadsafe``, one self-pipe write); the events that come
    before it runs join it. Order is kept per session, and each event is still handled on the event
    loop, one after the other, an exception logged as asyncio logs one. A Streamlit without
    ``AppSession._call_soon_on_event_loop`` runs as it is."""
    from streamlit.runtime.app_session import AppSession

    call_soon = getattr(AppSession, "_call_soon_on_event_loop", None)
    if call_soon is None or hasattr(call_soon, "original"):
        if call_soon is None:
            log.warning("Styrkort: this Streamlit hands its events to the event loop otherwise; one wake-up per event")
        return

    def call_soon_in_bursts(self: Any, callback: Callable[[], None]) -> None:
        burst = self.__dict__.get("_styrkort_burst")
        if burst is None:
            burst = self.__dict__.setdefault("_styrkort_burst", Burst(self._event_loop))
        if burst.add(callback):
            try:
                call_soon(self, burst.drain)
            except BaseException:
                burst.unschedule()  # not scheduled after all: the next event tries again
                raise

    call_soon_in_bursts.original = call_soon  # type: ignore[attr-defined]
    AppSession._call_soon_on_event_loop = call_soon_in_bursts


class Burst:
    """Callbacks for one event loop, gathered from other threads and run on the loop in order."""

    def __init__(self, loop: Any) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self._scheduled = False

    def add(self, callback: Callable[[], None]) -> bool:
        """Queue ``callback``; True when the caller must schedule ``drain`` (none is pending)."""
        with self._lock:
            self._callbacks.append(callback)
            if self._scheduled:
                return False
            self._scheduled = True
            return True

    def unschedule(self) -> None:
        """The drain ``add`` asked for could not be scheduled."""
        with self._lock:
            self._scheduled = False

    def drain(self) -> None:
        """Run the callbacks queued so far (on the loop); those queued meanwhile get another turn of
        the loop, after what else is waiting there (the websocket writes), as separate calls would."""
        with self._lock:
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as error:  # noqa: BLE001  (as asyncio's Handle does: logged, the others still run)
                self._loop.call_exception_handler({"message": f"Exception in callback {callback!r}", "exception": error})
        with self._lock:
            if self._callbacks:
                self._loop.call_soon(self.drain)
            else:
                self._scheduled = False


def serve_prepared_index() -> None:
    """Serve Streamlit's web files with the prepared first page (``ui.index_page``): from a folder
    of this process's own, removed when it ends. A Streamlit without its web folder serves as usual."""
    import atexit
    import shutil
    import tempfile

    from streamlit import file_util

    from ui.index_page import prepared_web_folder

    installed = Path(file_util.get_static_dir())
    if not (installed / "index.html").is_file():
        log.warning("Styrkort: no index.html in %s; Streamlit's own first page is served", installed)
        return
    folder = Path(tempfile.mkdtemp(prefix="styrkort-web-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    web = prepared_web_folder(installed, folder / "web", page_names())
    file_util.get_static_dir = lambda: str(web)


def page_names() -> list[str]:
    """The pages' addresses: each page's file name in ``pages/`` (``app.py`` gives them so)."""
    return sorted(path.stem for path in (APP.parent / "pages").glob("*.py"))


def main(argv: list[str] | None = None) -> None:
    from streamlit import config
    from streamlit.web import bootstrap

    flags: dict[str, object] = {s.option.replace(".", "_"): s.value for s in PRODUCTION}
    flags |= parse_flags(sys.argv[1:] if argv is None else argv)
    config._main_script_path = str(APP)  # as `streamlit run` does, so .streamlit/config.toml next to app.py is read
    bootstrap.load_config_options(flag_options=flags)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    warm_up()
    keep_session_settings()
    hand_over_sooner()
    send_at_once()
    wake_once_per_burst()
    serve_prepared_index()
    bootstrap.run(str(APP), False, [], flags)


if __name__ == "__main__":
    main()
