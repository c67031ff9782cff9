"""Shared pieces of the browser tests: a Streamlit server on a free port, and page helpers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("STYRKORT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("STYRKORT_SCREENSHOTS", ROOT / "build" / "screenshots"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    data_dir: Path | None = None, *, port: int | None = None, args: tuple[str, ...] = (), env: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """``streamlit run app.py`` on a free port (on another data directory if given, with more
    command-line ``args`` and environment ``env``); yields its URL."""
    port = port or _free_port()
    env = dict(os.environ) | (env or {})
    if data_dir is not None:
        env["STYRKORT_DATA"] = str(data_dir)
    # The server's log goes to a file: a pipe nobody reads fills up after 64 kB, and a server
    # blocked on writing its log neither answers nor stops.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://{host}:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"Streamlit did not start:\n{_tail(log)}")
        yield url
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGTERM, and SIGKILL if the process has not ended after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log: object, size: int = 4000) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return log.read().decode(errors="replace")[-size:]  # type: ignore[attr-defined]


def open_page(browser: object, url: str, width: int = 1280, height: int = 800) -> object:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="sv-SE")  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=WAIT_MS)
    return page


# How long a browser test waits for the page: generous, since the suite runs in two workers on two
# cores and a worker's Streamlit server then shares them with Chromium and the other worker.
WAIT_MS = 150_000


def wait_for_text(page: object, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]


def open_options(page: object, name: str) -> list[str]:
    """Open the select box called `name` and return its option texts.

    A click that lands while Streamlit redraws the widget (a rerun still finishing) opens nothing, so
    the list is opened again until it shows, within the page wait.
    """
    box = page.get_by_role("combobox", name=name)  # type: ignore[attr-defined]
    option = page.get_by_role("option").first  # type: ignore[attr-defined]
    for _ in range(WAIT_MS // 5_000):
        settle(page)
        box.click()
        try:
            option.wait_for(timeout=5_000)
        except Exception:  # the click did not open the list: try again
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            continue
        texts = page.get_by_role("option").all_inner_texts()  # type: ignore[attr-defined]
        page.keyboard.press("Escape")  # type: ignore[attr-defined]
        return texts
    raise AssertionError(f"Listan {name!r} öppnades inte")


def choose_option(page: object, box: object, typed: str, option: str) -> None:
    """Open the select box `box` (a locator), type `typed` to narrow the list and pick `option`.

    Like open_options: a click during a rerun opens nothing (and the typing then goes nowhere), so
    the list is opened again until the option shows, within the page wait.
    """
    wanted = page.get_by_role("option", name=option)  # type: ignore[attr-defined]
    for _ in range(WAIT_MS // 5_000):
        settle(page)
        box.click()  # type: ignore[attr-defined]
        page.keyboard.type(typed)  # type: ignore[attr-defined]
        try:
            wanted.first.wait_for(timeout=5_000)
        except Exception:  # the click did not open the list: try again
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            continue
        wanted.first.click()
        return
    raise AssertionError(f"Valet {option!r} visades inte")


# True once Streamlit has finished the run (no running indicator) and every element is on the page:
# Streamlit loads an element's code when the element first shows and draws a skeleton (stSkeleton)
# until it has come, which on a busy machine is still there after the run has ended.
RUN_DONE = """() => !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')"""


def settle(page: object) -> None:
    """Wait until Streamlit has finished the run and drawn every element (``RUN_DONE``), and charts have drawn."""
    page.wait_for_function(RUN_DONE, timeout=WAIT_MS)  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]


def no_error_on(page: object) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
    assert page.get_by_text("Traceback").count() == 0  # type: ignore[attr-defined]
