"""Measurement (not a test): server-side run time of every page, at first load and after a
filter change, at the bundled scale and at 10×.

A real Streamlit server runs the app with ``STYRKORT_TIMING=1``, which makes ``app.py`` print the
run time of each script run (frame + page) to stderr; headless Chromium (Debian's ``chromium``,
driven by Playwright) opens each page in a new session and then changes the organisation twice
back and forth four times (Division Nära ⇄ VO Piteå tätort), so the later changes are served from
the warm cache. One JSON line per scale and page:

- ``process_start_ms`` (one line per scale): the first run in a fresh server process, which loads
  the data set and evaluates it (or reads the evaluation cache, if one is there), and
  ``process_start_cached_ms``: the same in a second process, which finds the cache,
- ``first_load_ms``: the page's first run in a new session (process caches warm),
- ``change_ms``: the run after the first organisation change (view tables not cached yet),
- ``rerun_warm_median_ms`` / ``rerun_warm_max_ms``: the runs after repeating changes seen before
  (view tables cached); median and worst of six.

    python bench/bench_pages.py          # 1 and 10
    python bench/bench_pages.py 1        # chosen scales
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("STYRKORT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ["oversikt", "samhalle", "medborgare", "verksamhet", "medarbetare", "ekonomi", "styrmatt", "enheter", "atgarder"]


class Server:
    """A Streamlit server whose timing lines are collected from stderr."""

    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = os.environ | {"STYRKORT_TIMING": "1", "STYRKORT_DATA": str(data_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={self.port}", "--browser.gatherUsageStats=false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.timings: list[dict[str, object]] = []
        threading.Thread(target=self._read, daemon=True).start()
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("Streamlit did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if line.startswith('{"page"'):
                self.timings.append(json.loads(line))

    def wait_for_runs(self, count: int, timeout: float = 120) -> list[dict[str, object]]:
        end = time.time() + timeout
        while len(self.timings) < count and time.time() < end:
            time.sleep(0.05)
        return self.timings[:count]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _choose_organisation(page: object, name: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Organisation")  # type: ignore[attr-defined]
    box.click()
    page.keyboard.type(name)  # type: ignore[attr-defined]
    page.get_by_role("option", name=name, exact=True).first.click()  # type: ignore[attr-defined]
    page.get_by_text(f"{name} ·").first.wait_for(timeout=120_000)  # type: ignore[attr-defined]


def _open(browser: object, url: str) -> object:
    page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page.goto(url)
    page.get_by_text("Division Nära ·").first.wait_for(timeout=300_000)
    return page


def measure(data_dir: Path, scale: int) -> None:
    shutil.rmtree(data_dir / "cache", ignore_errors=True)  # the first start evaluates from scratch
    server = Server(data_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = _open(browser, f"{server.url}/")
            start = server.wait_for_runs(1)[-1]["ms"]
            page.close()
            # A second process on the same data reads the evaluation cache that the first one wrote.
            server.stop()
            server = Server(data_dir)
            page = _open(browser, f"{server.url}/")
            restart = server.wait_for_runs(1)[-1]["ms"]
            page.close()
            print(json.dumps({"scale": scale, "process_start_ms": start, "process_start_cached_ms": restart}), flush=True)
            for name in PAGES:
                before = len(server.timings)
                page = _open(browser, f"{server.url}/{'' if name == 'oversikt' else name}")
                first = server.wait_for_runs(before + 1)[-1]["ms"]
                changes = []
                for org in ("VO Piteå tätort", "Division Nära") * 4:
                    before = len(server.timings)
                    _choose_organisation(page, org)
                    changes.append(server.wait_for_runs(before + 1)[-1]["ms"])
                page.close()
                warm = sorted(changes[2:])
                print(json.dumps({"scale": scale, "page": name, "first_load_ms": first, "change_ms": changes[0], "rerun_warm_median_ms": warm[len(warm) // 2], "rerun_warm_max_ms": warm[-1]}), flush=True)
            browser.close()
    finally:
        server.stop()


def main(scales: list[int]) -> None:
    from kpi.store.bundled import build_store

    for scale in scales:
        if scale == 1:
            measure(ROOT / "data", 1)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            shutil.copytree(ROOT / "data" / "catalogue", data / "catalogue")
            shutil.copy2(ROOT / "data" / "access.toml", data / "access.toml")  # local mode, as the bundled data
            build_store(ROOT / "data", target=data / "store", scale=scale)
            measure(data, scale)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10])
