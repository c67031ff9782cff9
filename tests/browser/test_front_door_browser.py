"""The front door (issue 13): starting the dashboard as a new user would, and its first seconds.

``python3 -m streamlit run app.py`` on a desktop (a terminal, ``DISPLAY`` set) with a home that has
no ``~/.streamlit`` must serve at once and never stop at Streamlit's first-run "Email:" prompt. And
from the first paint of a fresh server the sidebar never lists the raw file names of ``pages/``
(Streamlit's legacy pages-folder menu), only Styrkort's own menu.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.support import ROOT, RUN_DONE, SHOTS, WAIT_MS, _free_port, streamlit_server

START_SECONDS = 60


class Terminal:
    """``python3 -m streamlit run app.py`` (the README's start command) under a pseudo-terminal.

    As on a desktop: stdin, stdout and stderr are a terminal, ``DISPLAY`` is set, and HOME is the
    given (empty) directory, so there is no ``~/.streamlit/credentials.toml`` and no user config.
    Nothing is ever typed into the terminal.
    """

    def __init__(self, home: Path, *flags: str) -> None:
        self.port = _free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
        env.update(HOME=str(home), DISPLAY=":0", TERM="xterm-256color")
        env.pop("WAYLAND_DISPLAY", None)
        self._fd, terminal = pty.openpty()
        self._output = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", f"--server.port={self.port}", *flags],
            cwd=ROOT,
            env=env,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            start_new_session=True,
        )
        os.close(terminal)

    @property
    def text(self) -> str:
        return self._output.decode(errors="replace")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def read(self, seconds: float) -> None:
        """Collect what the server prints for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self._fd], [], [], min(left, 0.1))
            if not ready:
                continue
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:  # the server exited and the terminal closed
                return
            if not chunk:
                return
            self._output += chunk

    def wait_until(self, done: Callable[[], bool]) -> bool:
        """Read the terminal until ``done()`` (at most START_SECONDS, or until the server exits)."""
        started = time.monotonic()
        while time.monotonic() - started < START_SECONDS:
            self.read(0.25)
            if done():
                return True
            if self.process.poll() is not None:
                self.read(0.5)
                return done()
        return False

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        os.close(self._fd)


@contextlib.contextmanager
def started_in_a_terminal(home: Path, *flags: str) -> Iterator[Terminal]:
    home.mkdir(exist_ok=True)
    terminal = Terminal(home, *flags)
    try:
        yield terminal
    finally:
        terminal.close()


def test_streamlit_run_on_a_desktop_serves_without_asking_for_an_email(tmp_path: Path) -> None:
    with started_in_a_terminal(tmp_path / "home") as terminal:
        assert terminal.wait_until(terminal.healthy), f"the server never became healthy; it printed:\n{terminal.text}"
        with urllib.request.urlopen(f"http://127.0.0.1:{terminal.port}/", timeout=10) as response:
            assert response.status == 200
        terminal.read(1.0)  # anything printed just after the start
        assert terminal.process.poll() is None
        assert "Email" not in terminal.text
        assert "Welcome to Streamlit" not in terminal.text
        assert "localhost" in terminal.text  # it says where to open the dashboard
    assert not (tmp_path / "home" / ".streamlit" / "credentials.toml").exists()


def test_the_terminal_harness_sees_the_prompt_when_the_project_settings_are_overridden(tmp_path: Path) -> None:
    """The check above is real: with Streamlit's own defaults the same start waits at the prompt."""
    flags = ("--server.headless=false", "--server.showEmailPrompt=true")
    with started_in_a_terminal(tmp_path / "home", *flags) as terminal:
        assert terminal.wait_until(lambda: "Email" in terminal.text), f"no prompt; it printed:\n{terminal.text}"
        terminal.read(2.0)
        assert not terminal.healthy()  # it waits for input and serves nothing


# The names Streamlit's legacy pages-folder menu shows: the main script and every file in pages/.
RAW_NAMES = {"app"} | {path.stem for path in (ROOT / "pages").glob("*.py")}

# Records the visible link texts of the sidebar at every DOM change and every 50 ms, from before
# the first paint (an init script runs before any of the page's own scripts).
SAMPLER = """
(() => {
  const started = performance.now();
  window.__sidebarSamples = [];
  const take = (why) => {
    const links = [...document.querySelectorAll('[data-testid="stSidebar"] a')]
      .map((a) => a.innerText.trim())
      .filter(Boolean);
    const app = !!document.querySelector('[data-testid="stApp"]');
    window.__sidebarSamples.push({ms: Math.round(performance.now() - started), why, app, links});
  };
  take('start');
  setInterval(() => take('tick'), 50);
  new MutationObserver(() => take('change')).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})();
"""


def _lines(links: list[str]) -> set[str]:
    # A link's text is its icon's ligature name and its label on separate lines.
    return {line.strip() for link in links for line in link.splitlines() if line.strip()}


@pytest.mark.parametrize("path", ["", "samhalle"])
def test_a_fresh_server_never_shows_the_raw_page_file_names(browser: object, path: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = path or "oversikt"
    with streamlit_server() as url:  # a fresh server: the legacy menu only comes before app.py's first run
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="sv-SE")  # type: ignore[attr-defined]
        page.add_init_script(SAMPLER)
        page.goto(f"{url}/{path}", wait_until="commit")
        page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=WAIT_MS)
        page.screenshot(path=str(SHOTS / f"start_first_paint_{name}.png"))
        page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=WAIT_MS)
        page.screenshot(path=str(SHOTS / f"start_first_sidebar_{name}.png"))  # when the old list used to show
        page.get_by_role("link", name="Samhälle").first.wait_for(timeout=WAIT_MS)
        page.get_by_text("Division Nära").first.wait_for(timeout=WAIT_MS)
        page.wait_for_function(RUN_DONE, timeout=WAIT_MS)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / f"start_loaded_{name}.png"))
        samples = page.evaluate("window.__sidebarSamples")
        page.close()

    assert samples[0]["links"] == []  # sampling began before any menu was drawn
    assert len([s for s in samples if s["why"] == "tick"]) >= 10
    shown = [(s["ms"], sorted(_lines(s["links"]) & RAW_NAMES)) for s in samples if _lines(s["links"]) & RAW_NAMES]
    assert shown == [], f"raw page file names in the sidebar (ms, names): {shown[:5]}"
    menu = _lines(samples[-1]["links"])
    assert {"Översikt", "Samhälle", "Styrmått", "Åtgärder", "Läs in data"} <= menu
