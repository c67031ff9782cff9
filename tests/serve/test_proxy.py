"""Two app processes behind nginx (``deploy/nginx.conf``) on loopback, sharing one store.

- Affinity: a browser's first request gets a cookie, and every later request with it reaches the
  same process (an upload or a download is a plain HTTP request to the process holding the
  session); new visitors are spread over both processes.
- A session works through the proxy (the websocket upgrade), filter changes included.
- An import confirmed in Chromium on one process is seen by a session on the other process on
  its next run: the store is shared on disk, and each run starts by comparing the store's commits
  (``ui.data.follow_store``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.servers import Cluster, proxied_servers
from bench.streamlit_client import StreamlitSession
from kpi.store.bundled import copy_data
from tests.browser.support import ROOT, no_error_on, settle, wait_for_text
from tests.serve.apart import loop_apart, run_apart
from ui.components import read_cards

pytestmark = [pytest.mark.proxy, pytest.mark.serve, pytest.mark.browser]
pytest.importorskip("playwright.sync_api")

GOOD = "styrmått;enhet;period;kön;värde;källa\nmed_telefon_samma_dag;Hortlax hälsocentral;DÅ08 2022;Totalt;87,5 %;Proxytest\n"
HORTLAX = "/styrmatt?matt=med_telefon_samma_dag&ar=2022&period=DÅ08&org=hc_hortlax"

@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data = copy_data(ROOT / "data", tmp_path_factory.mktemp("data"))
    with proxied_servers(2, data_dir=data, reveal_upstream=True) as running:
        yield running


def visit(url: str, cookie: str = "") -> tuple[str, str]:
    """(the process that answered, the affinity cookie set, if any) for one page request."""
    request = urllib.request.Request(url + "/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        set_cookie = response.headers.get("Set-Cookie") or ""
        return response.headers["X-Styrkort-Upstream"], set_cookie.split(";", 1)[0]


def cookie_for_each_process(cluster: Cluster) -> dict[str, str]:
    """An affinity cookie that lands on each process, found as new visitors find them."""
    found: dict[str, str] = {}
    for _ in range(64):
        upstream, cookie = visit(cluster.url)
        found.setdefault(upstream, cookie)
        if len(found) == len(cluster.servers):
            break
    return found


def test_the_proxy_compresses_streamlits_javascript_for_a_browser_that_accepts_it(cluster: Cluster) -> None:
    with urllib.request.urlopen(cluster.url + "/", timeout=30) as response:
        index = response.read().decode()
    script = index.split('src="', 1)[1].split('"', 1)[0].removeprefix(".")  # ./static/js/index.….js
    request = urllib.request.Request(cluster.url + script, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        assert "immutable" in (response.headers.get("Cache-Control") or "")  # fetched once per browser
    with urllib.request.urlopen(cluster.url + script, timeout=30) as response:
        assert response.headers.get("Content-Encoding") is None  # never to a client that did not ask


def test_the_proxy_serves_streamlits_files_itself_exactly_as_the_app_would(cluster: Cluster) -> None:
    """nginx answers /static/ from the installed Streamlit: the same bytes as an app process sends,
    with a type a browser runs as a module, and without asking a process."""
    with urllib.request.urlopen(cluster.url + "/", timeout=30) as response:
        index = response.read().decode()
    files = [part.split('"', 1)[0].removeprefix(".") for part in index.split('href="')[1:] + index.split('src="')[1:]]
    files = sorted({f for f in files if f.startswith("/static/")})
    assert any(f.endswith(".js") for f in files) and any(f.endswith(".woff2") for f in files)
    for path in files:
        with urllib.request.urlopen(cluster.url + path, timeout=30) as proxied, urllib.request.urlopen(cluster.servers[0].url + path, timeout=30) as direct:
            assert proxied.read() == direct.read(), path
            assert "X-Styrkort-Upstream" not in proxied.headers, f"{path} went to an app process"
            assert proxied.headers.get_content_type().split("/")[-1] == direct.headers.get_content_type().split("/")[-1], path
            assert "immutable" in (proxied.headers.get("Cache-Control") or "")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(cluster.url + "/static/js/../../index.html", timeout=30)
    assert missing.value.code in (400, 404)


def test_a_visitor_stays_on_one_process_and_visitors_are_spread(cluster: Cluster) -> None:
    processes = {s.url.removeprefix("http://") for s in cluster.servers}
    found = cookie_for_each_process(cluster)
    assert set(found) == processes  # new visitors reach both
    for upstream, cookie in found.items():
        assert cookie.startswith("styrkort_affinity=")
        assert {visit(cluster.url, cookie)[0] for _ in range(8)} == {upstream}
        assert visit(cluster.url, cookie)[1] == ""  # a visitor with the cookie is not given another


def test_a_session_and_its_filter_changes_work_through_the_proxy(cluster: Cluster) -> None:
    async def converse() -> list[str]:
        session = StreamlitSession(cluster.url)
        runs = [await session.open(HORTLAX)]
        for option in session.options("Organisation")[:3]:
            runs.append(await session.choose("Organisation", option))
        await session.close()
        assert any("Telefon-TeleQ" in t for t in runs[0].texts)
        assert "styrkort_affinity=" in session.cookies  # the websocket carried the cookie
        return [e for r in runs for e in r.errors]

    assert run_apart(converse()) == []


async def _outcome_on_next_run(session: StreamlitSession) -> str:
    """Run the page again as a user would (another organisation, then Hortlax) and return the outcome card."""
    await session.choose("Organisation", session.options("Organisation")[0])
    run = await session.choose("Organisation", next(o for o in session.options("Organisation") if o.startswith("Hortlax")))
    assert run.errors == []
    return next(c.value for t in run.texts for c in read_cards(t))


def test_an_import_through_one_process_is_seen_by_the_other_on_its_next_run(cluster: Cluster, browser: object, tmp_path: Path) -> None:
    found = cookie_for_each_process(cluster)
    (writer, writer_cookie), (reader, reader_cookie) = sorted(found.items())
    assert writer != reader

    async def open_reader() -> tuple[StreamlitSession, str]:
        session = StreamlitSession(cluster.url, cookies=reader_cookie)
        run = await session.open(HORTLAX)
        assert run.errors == []
        return session, next(c.value for t in run.texts for c in read_cards(t))

    with loop_apart() as loop:
        session, before = loop.run(open_reader())
        assert before.startswith("93,1\u00a0%")  # the demo value, derived from Hortlax's months

        file = tmp_path / "utfall.csv"
        file.write_text(GOOD, encoding="utf-8")
        name, value = writer_cookie.split("=", 1)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="sv-SE")
        context.add_cookies([{"name": name, "value": value, "url": cluster.url}])
        page = context.new_page()
        response = page.goto(f"{cluster.url}/import")
        assert response is not None and response.headers["x-styrkort-upstream"] == writer
        wait_for_text(page, "Läs in data")
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(file))  # an HTTP upload: the same process
        wait_for_text(page, "utfall.csv: 1 rad utan fel.")
        settle(page)
        page.get_by_role("button", name="Läs in 1 ändring").click()
        wait_for_text(page, "Inläst: 1")
        settle(page)
        no_error_on(page)
        context.close()

        assert loop.run(_outcome_on_next_run(session)).startswith("87,5\u00a0%")  # on the other process
        loop.run(session.close())
