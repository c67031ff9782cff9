"""Start Styrkort servers on loopback for the load benchmark and the serving tests.

- ``app_server``: one app process on a free port, either the production launcher
  (``python -m ui.serve``, the default) or the development server (``streamlit run app.py``),
  optionally from another checkout (``app_dir``, e.g. main's for a before/after comparison);
- ``proxied_servers``: several app processes behind nginx rendered from ``deploy/nginx.conf``.

Every process is started here and stopped here, by its own id. Loopback only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    """Resident memory of one process, from /proc (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_until_healthy(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT_S) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server at {url} stopped with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not start within {timeout:.0f} s")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _command(launcher: str, port: int, args: tuple[str, ...] = ()) -> list[str]:
    if launcher == "production":
        return [sys.executable, "-m", "ui.serve", f"--server.port={port}", "--server.address=127.0.0.1", *args]
    if launcher == "development":
        return [
            sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
            f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", *args,
        ]  # fmt: skip
    raise ValueError(f"unknown launcher {launcher!r}")


@contextlib.contextmanager
def app_server(
    *,
    launcher: str = "production",
    app_dir: Path = ROOT,
    data_dir: Path | None = None,
    wait: bool = True,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[Server]:
    """One app process on a free loopback port (more Streamlit ``args`` if given); stopped (by its id) on exit."""
    port = free_port()
    environment = dict(os.environ) | (env or {})
    if data_dir is not None:
        environment["STYRKORT_DATA"] = str(data_dir)
    log_dir = Path(tempfile.mkdtemp(prefix="styrkort-server-"))
    log = log_dir / "server.log"
    with log.open("wb") as out:
        command = _command(launcher, port, args)
        process = subprocess.Popen(command, cwd=app_dir, env=environment, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        if wait:
            wait_until_healthy(server.url, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(log_dir, ignore_errors=True)


@dataclass
class Cluster:
    url: str
    servers: list[Server]
    nginx: subprocess.Popen[bytes]
    runtime: Path = field(repr=False)

    def rss_kb(self) -> int:
        return sum(s.rss_kb() for s in self.servers)


def streamlit_static() -> Path:
    """The installed Streamlit's folder of its web files (``index.html`` and ``static/``), which
    nginx serves ``/static/`` from: the same Streamlit the app processes run."""
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static"


def render_nginx_conf(listen_port: int, upstream_urls: list[str], runtime: Path, *, reveal_upstream: bool = False) -> str:
    """``deploy/nginx.conf`` with its fields filled in; ``reveal_upstream`` adds a response header
    naming the process that answered (for the tests: which process a session landed on)."""
    upstreams = "\n".join(f"        server {u.removeprefix('http://')};" for u in upstream_urls)
    text = NGINX_CONF.read_text()
    text = text.replace("@UPSTREAMS@", upstreams).replace("@LISTEN@", f"127.0.0.1:{listen_port}").replace("@RUNTIME@", str(runtime))
    text = text.replace("@STATIC@", str(streamlit_static()))
    if reveal_upstream:
        text = text.replace("        location / {\n", "        location / {\n            add_header X-Styrkort-Upstream $upstream_addr always;\n")
    return text


@contextlib.contextmanager
def proxied_servers(count: int = 2, *, reveal_upstream: bool = False, **kwargs: object) -> Iterator[Cluster]:
    """``count`` app processes behind nginx (``deploy/nginx.conf``) on loopback."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx saknas: installera Debians paket nginx-light (se .ci/run).")
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(app_server(wait=False, **kwargs)) for _ in range(count)]  # type: ignore[arg-type]
        for server in servers:
            wait_until_healthy(server.url, server.process)
        runtime = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="styrkort-nginx-")))
        runtime.chmod(0o755)  # nginx's workers drop root for an unprivileged user and need their temp paths
        port = free_port()
        conf = runtime / "nginx.conf"
        conf.write_text(render_nginx_conf(port, [s.url for s in servers], runtime, reveal_upstream=reveal_upstream))
        process = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(runtime), "-e", str(runtime / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, process, timeout=30)
            yield Cluster(url, servers, process, runtime)
        finally:
            process.terminate()
            process.wait(timeout=20)
