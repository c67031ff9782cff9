"""Measurement (not a test): many sessions at once against one server, and against two behind nginx.

Every session is a faithful client of Streamlit's websocket protocol (``bench/streamlit_client.py``:
the page's HTML, ``/_stcore/stream``, ``BackMsg.rerun_script`` with the query string, widget
states and the message-cache hashes the frontend would send). For each N in 1, 5, 10, 25, 50:

1. N sessions open a page by its URL at the same moment (Styrmått, a perspective, the overview and
   Enheter in turn, each for an organisation in the link): the **first page** latency;
2. every session then changes the organisation ``--changes`` times, one after the other without a
   pause (a closed loop: the worst case, a board that clicks as fast as the server answers):
   the **filter change** latency from the request to ``script_finished``, and runs per second
   (change runs finished ÷ the phase's wall time);
3. errors (an exception element, the app's "Något gick fel", a refused or closed connection, no
   answer within two minutes) and the servers' resident memory after the phase.

Before the N series, two **cold starts**: a server is started, and as soon as it answers its
health check headless Chromium opens Styrmått (a just-started server's first page, until the chart
is drawn), then three fresh browser sessions do (a fresh session's first page); then another
fresh server, on which 25 sessions open Styrmått at once (``cold 25``: errors and latency right
after a start). On the first of those servers, after its one session, **idle sessions**:
the memory that 50 more open, idle sessions cost, per session (after a first 50).

    python bench/bench_load.py                          # production launcher: one process, then two behind nginx
    python bench/bench_load.py --target single --sessions 1,5,25
    python bench/bench_load.py --launcher development --app-dir /path/to/main   # the "before" figures

Loopback only; every loop is bounded (N sessions × ``--changes``). The client runs on the same
machine and takes some of its CPU: the figures are for server and client together.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import app_server, proxied_servers  # noqa: E402
from bench.streamlit_client import Run, StreamlitSession  # noqa: E402

PAGES = (
    "/styrmatt?matt=med_telefon_samma_dag&org={org}",
    "/medborgare?org={org}",
    "/?org={org}",  # the overview is the default page, at the root (/oversikt is not its address)
    "/enheter?org={org}",
)
ORGS = ("div_nara", "vo_pitea", "hc_hortlax", "vo_lulea_boden", "hc_bjorkskatan", "vo_ostra")
COLD_SESSIONS = 25
IDLE_SESSIONS = 50


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(runs: list[Run]) -> dict[str, float]:
    ms = [r.seconds * 1000 for r in runs]
    return {
        "p50_ms": round(statistics.median(ms), 0) if ms else float("nan"),
        "p95_ms": round(percentile(ms, 0.95), 0),
        "max_ms": round(max(ms), 0) if ms else float("nan"),
    }


async def open_sessions(url: str, count: int, *, page: str | None = None) -> tuple[list[StreamlitSession], list[Run]]:
    sessions = [StreamlitSession(url) for _ in range(count)]
    paths = [page or PAGES[i % len(PAGES)].format(org=ORGS[i % len(ORGS)]) for i in range(count)]
    runs = await asyncio.gather(*(s.open(p) for s, p in zip(sessions, paths)), return_exceptions=True)
    out: list[Run] = []
    for run in runs:
        out.append(run if isinstance(run, Run) else Run(seconds=float("nan"), errors=[f"{type(run).__name__}: {run}"]))
    return sessions, out


async def change_organisation(session: StreamlitSession, index: int, changes: int) -> list[Run]:
    runs: list[Run] = []
    try:
        options = session.options("Organisation")
    except KeyError:
        return [Run(seconds=float("nan"), errors=["no organisation filter on the page"])]
    wanted = options[:8]  # the division, a VO and its units, in the picker's (tree) order
    for i in range(changes):
        option = wanted[(index + i + 1) % len(wanted)]
        if option == session.current("Organisation"):
            option = wanted[(index + i + 2) % len(wanted)]
        runs.append(await session.choose("Organisation", option))
    return runs


async def close_all(sessions: list[StreamlitSession]) -> None:
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)


async def one_level(url: str, count: int, changes: int, rss: object) -> dict[str, object]:
    sessions, opened = await open_sessions(url, count)
    started = time.perf_counter()
    batches = await asyncio.gather(*(change_organisation(s, i, changes) for i, s in enumerate(sessions)))
    wall = time.perf_counter() - started
    changed = [r for batch in batches for r in batch]
    memory = rss()  # type: ignore[operator]
    await close_all(sessions)
    errors = [e for r in opened + changed for e in r.errors]
    return {
        "sessions": count,
        "first_page": summary([r for r in opened if not r.errors]),
        "change": summary([r for r in changed if not r.errors]),
        "runs_per_s": round(len(changed) / wall, 1) if wall > 0 else None,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
        "rss_mb": round(memory / 1024, 0),
    }


async def idle_cost(url: str, rss: object) -> float:
    """kB of server memory per open, idle session: the marginal cost of the second of two batches of
    ``IDLE_SESSIONS`` sessions that open the overview and stay open (the first batch absorbs what
    running their first pages leaves in the heap)."""
    first, _ = await open_sessions(url, IDLE_SESSIONS, page="/")
    await asyncio.sleep(2)
    before = rss()  # type: ignore[operator]
    second, _ = await open_sessions(url, IDLE_SESSIONS, page="/")
    await asyncio.sleep(2)
    after = rss()  # type: ignore[operator]
    await close_all(first + second)
    return round((after - before) / IDLE_SESSIONS, 0)


def browser_first_pages(url: str) -> dict[str, float]:
    """Seconds until Chromium shows Styrmått fully (its outcome card drawn, the run finished, the
    trend chart's SVG in place): first on this server (``cold``), then in a new browser context
    (a fresh session on a warm server), median of three."""
    from playwright.sync_api import sync_playwright

    from tests.browser.support import ARGS, CHROMIUM, RUN_DONE

    def first_page(browser: object) -> float:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")  # type: ignore[attr-defined]
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url + "/styrmatt?matt=med_telefon_samma_dag&org=hc_hortlax")
        # The trend chart's points: drawn on the server now; a Plotly chart's SVG for a checkout from before.
        page.locator('.sk-trend svg.sk-plot circle, [data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=120_000)
        page.get_by_text("Periodens utfall").first.wait_for(timeout=120_000)
        page.wait_for_function(RUN_DONE, timeout=120_000)
        seconds = time.perf_counter() - started
        context.close()
        return seconds

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        cold = first_page(browser)
        warm = statistics.median(first_page(browser) for _ in range(3))
        browser.close()
    return {"cold_s": round(cold, 2), "fresh_session_s": round(warm, 2)}


async def cold_start(url: str, count: int) -> dict[str, object]:
    _, runs = await open_sessions(url, count, page="/styrmatt?matt=med_telefon_samma_dag")
    errors = [e for r in runs for e in r.errors]
    return {"sessions": count, "first_page": summary([r for r in runs if not r.errors]), "errors": len(errors), "error_examples": sorted(set(errors))[:3]}


@contextlib.contextmanager
def target(kind: str, launcher: str, app_dir: Path) -> Iterator[tuple[str, object]]:
    if kind == "single":
        with app_server(launcher=launcher, app_dir=app_dir) as server:
            yield server.url, server.rss_kb
    else:
        with proxied_servers(2, launcher=launcher, app_dir=app_dir) as cluster:
            yield cluster.url, cluster.rss_kb


def print_row(name: str, row: dict[str, object]) -> None:
    first, change = row["first_page"], row.get("change")
    text = f"{name:>10} | first page p50 {first['p50_ms']:>6} p95 {first['p95_ms']:>6} max {first['max_ms']:>6} ms"  # type: ignore[index]
    if change is not None:
        text += f" | change p50 {change['p50_ms']:>6} p95 {change['p95_ms']:>6} max {change['max_ms']:>6} ms | {row['runs_per_s']:>5} runs/s"  # type: ignore[index]
    text += f" | errors {row['errors']}"
    if "rss_mb" in row:
        text += f" | RSS {row['rss_mb']:.0f} MB"
    print(text, flush=True)
    for example in row.get("error_examples", []):  # type: ignore[union-attr]
        print(f"{'':>12} e.g. {example}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("single", "proxy", "both"), default="both")
    parser.add_argument("--sessions", default="1,5,10,25,50")
    parser.add_argument("--changes", type=int, default=8, help="organisation changes per session and level")
    parser.add_argument("--launcher", choices=("production", "development"), default="production")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (e.g. main's, for the figures before a change)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers and nginx on the way out
    levels = [int(n) for n in args.sessions.split(",")]
    results: dict[str, object] = {"launcher": args.launcher, "app_dir": str(args.app_dir), "changes": args.changes}
    for kind in ("single", "proxy") if args.target == "both" else (args.target,):
        label = "one process" if kind == "single" else "two processes behind nginx"
        print(f"\n== {label}, {args.launcher} launcher, {args.app_dir} ==", flush=True)
        started = time.perf_counter()
        with target(kind, args.launcher, args.app_dir) as (url, rss):
            print(f"{'':>10}   started (health check answers) in {time.perf_counter() - started:.1f} s", flush=True)
            cold_first = browser_first_pages(url)
            print(f"{'chromium':>10} | Styrmått fully drawn: first page of a just-started server {cold_first['cold_s']} s, "
                  f"a fresh session {cold_first['fresh_session_s']} s", flush=True)  # fmt: skip
            idle = asyncio.run(idle_cost(url, rss))
            print(f"{'idle':>10} | {idle:.0f} kB per open idle session (the second {IDLE_SESSIONS} on the overview)", flush=True)
        with target(kind, args.launcher, args.app_dir) as (url, rss):
            cold = asyncio.run(cold_start(url, COLD_SESSIONS))
            print_row(f"cold {COLD_SESSIONS}", cold)
            rows = []
            for n in levels:
                row = asyncio.run(one_level(url, n, args.changes, rss))
                print_row(f"N={n}", row)
                rows.append(row)
        results[kind] = {"cold_first_page": cold_first, "cold_burst": cold, "levels": rows, "idle_kb_per_session": idle}
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
