"""The production launcher turns Nagle's algorithm off on every connection (``ui.serve.send_at_once``):
a run's messages leave as they are made instead of waiting for the browser to acknowledge the first."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket

import pytest
from streamlit.web.server.starlette import starlette_server

from ui import serve

STREAMLIT_BIND = getattr(starlette_server._bind_socket, "original", starlette_server._bind_socket)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


ADDRESSES = [
    pytest.param("127.0.0.1", id="IPv4"),
    pytest.param("::1", id="IPv6", marks=pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback here")),
]


def _no_delay_of_an_accepted_connection(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection accepted by ``listener`` when asyncio serves it, as uvicorn does
    (``loop.create_server(sock=…)``), seen from the server's side."""

    async def serve() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Protocol(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                if not seen.done():
                    seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Protocol, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    # A thread of its own: a test process that drives Chromium already runs Playwright's event loop here.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, serve()).result(timeout=30)


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_connection_the_launcher_s_socket_accepts_sends_at_once(address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette_server, "_bind_socket", STREAMLIT_BIND)
    serve.send_at_once()
    listener = starlette_server._bind_socket(address, 0, 8)
    assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert _no_delay_of_an_accepted_connection(listener) != 0


def test_the_launcher_wraps_streamlit_s_bind_once_and_keeps_what_it_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette_server, "_bind_socket", STREAMLIT_BIND)
    serve.send_at_once()
    serve.send_at_once()  # a second call wraps nothing twice
    bind = starlette_server._bind_socket
    assert bind.original is STREAMLIT_BIND  # type: ignore[attr-defined]
    with bind("127.0.0.1", 0, 8) as listener:
        # Still Streamlit's socket: listening, non-blocking, reusable address.
        assert listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        assert listener.getblocking() is False
        assert listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0


def test_the_launcher_sets_it_up_before_the_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.web import bootstrap

    monkeypatch.setattr(starlette_server, "_bind_socket", STREAMLIT_BIND)
    seen: list[bool] = []
    for step in ("warm_up", "keep_session_settings", "hand_over_sooner", "wake_once_per_burst", "serve_prepared_index"):
        monkeypatch.setattr(serve, step, lambda: None)
    monkeypatch.setattr(bootstrap, "load_config_options", lambda flag_options: None)
    monkeypatch.setattr(bootstrap, "run", lambda *args, **kwargs: seen.append(hasattr(starlette_server._bind_socket, "original")))
    serve.main(["--server.port=8599"])
    assert seen == [True]
