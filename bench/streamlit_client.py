"""A Streamlit client without a browser: what the frontend says on the websocket, and nothing more.

Used by ``bench/bench_load.py`` (many sessions at once) and by the serving tests
(``tests/serve/``). It speaks the protocol of the installed Streamlit (1.67) as its own frontend
does, so the server does the same work as for a person with a browser:

- fetch the page's HTML (``GET /styrmatt?…``), then open the websocket ``/_stcore/stream`` with
  the subprotocol ``streamlit`` and the page's origin;
- ask for the first run with a ``BackMsg.rerun_script`` carrying the page name, the query string
  and the browser's context (URL, time zone, locale);
- read ``ForwardMsg``s until ``script_finished`` ends the run (a run that ended early for a rerun,
  such as ``st.rerun`` or ``st.switch_page``, is followed by the next one); keep the query string
  the server writes (``page_info_changed``), the page's hash (``navigation``) and the values of
  the widgets that the server or the user has set, as the frontend does;
- change a widget (the organisation) by sending all widget values with the new one in a rerun;
- remember the hashes of cacheable messages and send them with each rerun, so the server sends a
  reference instead of an element the client already holds (Streamlit's forward-message cache),
  and forget one, as the frontend does, once it has gone unused for more than
  ``MAX_CACHED_MESSAGE_AGE`` finished runs (``global.maxCachedMessageAge``).

A run's errors are what a user would see as one: an exception element, our own error boundary's
Swedish message (``app.py``), a compile error, a closed connection or no answer within the time
limit. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

# What app.py's error boundary shows instead of a traceback: a run that draws it has failed.
ERROR_TEXTS = ("Något gick fel", "Styrkortet kunde inte visas")
RUN_TIMEOUT_S = 120.0
MAX_CACHED_MESSAGE_AGE = 2  # Streamlit's global.maxCachedMessageAge, which its frontend follows


@dataclass
class Run:
    """One script run as the client saw it: from the request to ``script_finished``."""

    seconds: float
    errors: list[str] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    texts: list[str] = field(default_factory=list)


class StreamlitSession:
    """One browser tab's conversation with the server."""

    def __init__(self, base_url: str, *, cookies: str = "") -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"loopback only, not {base_url}")
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/_stcore/stream"
        self.connection: ClientConnection | None = None
        self.query_string = ""
        self.page_name = ""
        self.page_script_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # widget id → its value as the frontend holds it
        self.selectboxes: dict[str, tuple[str, list[str]]] = {}  # label → (widget id, options)
        self.cached_hashes: dict[str, int] = {}  # message hash → the finished run that last used it
        self.cached_messages: dict[str, ForwardMsg] = {}
        self.finished_runs = 0
        self.cookies = cookies  # "name=value; …" as a browser holds them for this site

    # --- the conversation ---------------------------------------------------------------------

    async def open(self, path: str) -> Run:
        """Open ``path`` (``/styrmatt?matt=…&org=…``) as a new tab: page HTML, websocket, first run."""
        started = time.perf_counter()
        path = urllib.parse.quote(path, safe="/?&=%+,:")  # as a browser sends DÅ08: percent-encoded UTF-8
        url = urllib.parse.urlsplit(path)
        self.page_name = url.path.strip("/")
        self.query_string = url.query
        await asyncio.to_thread(self._fetch_html, path)
        self.connection = await connect(
            self.ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": self.cookies} if self.cookies else None,
            max_size=None,
            open_timeout=RUN_TIMEOUT_S,
            compression=None,  # as Chromium against Streamlit's default (no permessage-deflate)
            ping_interval=None,  # a browser never pings; the server answers pings on its event loop, late under load
        )
        run = await self._rerun(page_name=self.page_name)
        run.seconds = time.perf_counter() - started
        return run

    async def choose(self, label: str, option: str) -> Run:
        """Pick ``option`` (its text as shown) in the select box labelled ``label``; one rerun."""
        widget_id, options = self.selectboxes[label]
        if option not in options:
            raise ValueError(f"{option!r} is not an option of {label!r}")
        state = WidgetState(id=widget_id, string_value=option)
        self.widgets[widget_id] = state
        return await self._rerun()

    def options(self, label: str) -> list[str]:
        return list(self.selectboxes[label][1])

    def current(self, label: str) -> str | None:
        widget_id, _ = self.selectboxes[label]
        state = self.widgets.get(widget_id)
        return state.string_value if state is not None and state.WhichOneof("value") == "string_value" else None

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    # --- protocol -----------------------------------------------------------------------------

    def _fetch_html(self, path: str) -> None:
        headers = {"Accept": "text/html"} | ({"Cookie": self.cookies} if self.cookies else {})
        request = urllib.request.Request(self.base_url + path, headers=headers)
        with urllib.request.urlopen(request, timeout=RUN_TIMEOUT_S) as response:
            response.read()
            cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
            if cookies:  # e.g. a proxy's affinity cookie: sent back on the websocket, as a browser does
                self.cookies = "; ".join(cookies)

    async def _rerun(self, *, page_name: str = "") -> Run:
        assert self.connection is not None
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.page_name = page_name
        state.widget_states.widgets.extend(self.widgets.values())
        state.cached_message_hashes.extend(sorted(self.cached_hashes))
        state.context_info.url = f"{self.base_url}/{self.page_name}" + (f"?{self.query_string}" if self.query_string else "")
        state.context_info.timezone = "Europe/Stockholm"
        state.context_info.timezone_offset = -60
        state.context_info.locale = "sv-SE"
        started = time.perf_counter()
        await self.connection.send(message.SerializeToString())
        run = Run(seconds=0.0)
        try:
            await asyncio.wait_for(self._read_until_finished(run), RUN_TIMEOUT_S)
        except TimeoutError:
            run.errors.append(f"no answer within {RUN_TIMEOUT_S:.0f} s")
        except Exception as error:  # a closed connection is an error the user would see
            run.errors.append(f"{type(error).__name__}: {error}")
        run.seconds = time.perf_counter() - started
        return run

    async def _read_until_finished(self, run: Run) -> None:
        assert self.connection is not None
        while True:
            payload = await self.connection.recv()
            assert isinstance(payload, bytes)
            run.messages += 1
            run.bytes += len(payload)
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            if msg.metadata.cacheable and msg.hash:
                self.cached_hashes[msg.hash] = self.finished_runs
                self.cached_messages[msg.hash] = msg
            elif msg.HasField("ref_hash"):  # an element the client holds: read it as if sent again
                self.cached_hashes[msg.ref_hash] = self.finished_runs
                cached = self.cached_messages.get(msg.ref_hash)
                if cached is None:
                    run.errors.append(f"reference to a message the client does not hold: {msg.ref_hash}")
                    continue
                msg = cached
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._read_delta(msg, run)
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "navigation":
                self.page_script_hash = msg.navigation.page_script_hash
            elif kind == "new_session" and msg.new_session.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
            elif kind == "page_not_found":
                run.errors.append(f"page not found: {msg.page_not_found.page_name}")
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    run.errors.append("compile error")
                self.finished_runs += 1
                self.cached_hashes = {h: n for h, n in self.cached_hashes.items() if self.finished_runs - n <= MAX_CACHED_MESSAGE_AGE}
                self.cached_messages = {h: m for h, m in self.cached_messages.items() if h in self.cached_hashes}
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return

    def _read_delta(self, msg: ForwardMsg, run: Run) -> None:
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.errors.append(f"exception: {element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            body = element.alert.body
            if any(text in body for text in ERROR_TEXTS):
                run.errors.append(f"error shown: {body[:160]}")
            run.texts.append(body)
        elif kind == "markdown":
            run.texts.append(element.markdown.body)
        elif kind == "heading":
            run.texts.append(element.heading.body)
        elif kind == "selectbox":
            box = element.selectbox
            self.selectboxes[box.label] = (box.id, list(box.options))
            if box.set_value and box.HasField("raw_value"):  # the server set it (session state, the link)
                self.widgets[box.id] = WidgetState(id=box.id, string_value=box.raw_value)
        elif kind == "button_group":
            group = element.button_group
            if group.set_value:
                state = WidgetState(id=group.id)
                state.string_array_value.data.extend(group.raw_values)
                self.widgets[group.id] = state
