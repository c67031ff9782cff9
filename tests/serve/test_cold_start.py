"""A just-started server answers many first requests at once without an error.

On a cold server, concurrent first requests to Styrmått failed now and then with "partially
initialized module 'pandas' has no attribute 'Series'" (Plotly saw a pandas that another
session's thread was still importing), and the user got "Något gick fel". Here a fresh server,
from the production launcher (``python -m ui.serve``) and from the development command
(``streamlit run app.py``), gets ``SESSIONS`` first requests to four pages at the moment its health
check answers, through the websocket protocol a browser speaks (``bench/streamlit_client.py``);
every run must finish without an error and draw its page, and a filter change must work after it.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.servers import app_server
from bench.streamlit_client import Run, StreamlitSession
from tests.serve.apart import run_apart

pytestmark = pytest.mark.serve

SESSIONS = 16
PAGES = {
    "/styrmatt?matt=med_telefon_samma_dag&org=hc_hortlax": "Telefon-TeleQ",
    "/medborgare?org=vo_pitea": "Medborgare",
    "/?org=div_nara": "Längst från målet",
    "/enheter?org=vo_lulea_boden": "Enheter",
}


async def _first_requests(url: str) -> tuple[list[tuple[str, Run]], list[Run]]:
    paths = [list(PAGES)[i % len(PAGES)] for i in range(SESSIONS)]
    sessions = [StreamlitSession(url) for _ in paths]
    opened = await asyncio.gather(*(s.open(p) for s, p in zip(sessions, paths)))
    changed = await asyncio.gather(*(s.choose("Organisation", s.options("Organisation")[1]) for s in sessions[:4]))
    await asyncio.gather(*(s.close() for s in sessions))
    return list(zip(paths, opened)), list(changed)

@pytest.mark.parametrize("launcher", ["production", "development"])
def test_concurrent_first_requests_on_a_just_started_server_all_succeed(launcher: str) -> None:
    with app_server(launcher=launcher) as server:
        opened, changed = run_apart(_first_requests(server.url))
        log = server.log_text()
    errors = [f"{path}: {e}" for path, run in opened for e in run.errors] + [e for run in changed for e in run.errors]
    assert errors == [], "\n".join(errors) + "\n" + log[-3000:]
    for path, run in opened:
        assert any(PAGES[path] in t for t in run.texts), (path, run.texts[:10])
    assert "partially initialized" not in log and "Traceback" not in log, log[-3000:]
