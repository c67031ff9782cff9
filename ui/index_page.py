"""The page a browser loads first (Streamlit's ``index.html``), prepared by the production launcher.

From a page's address (``/styrmatt``) Streamlit's frontend looks for its server first at
``/styrmatt/_stcore/health``, and only after that fails, and a pause, at the app's root. The
prepared page tells it where the server is (``window.__streamlit.BACKEND_BASE_URL``, the setting
Streamlit's frontend reads for a page served from elsewhere): the page's address without the
page's name. The frontend still falls back one level, as before, so a proxy that serves the app
under a path prefix keeps working. Chromium drew Styrmått for a fresh session in 1,92 s instead
of 2,26 s (median of eight, the servers before and after side by side, on the 2-core machine).

Also tried and left out: naming the modules of the elements every page draws (select box, HTML,
segmented control, components, Markdown with HTML) for preloading, so they need not wait for the
first run's messages. On two cores their compiling competed with Streamlit's own start-up: 1,9 s
with them against 1,7 s without, and no better as a low-priority prefetch or for the select box
alone (1,8–1,9 s).

The launcher serves the prepared page from a folder of its own (``prepared_web_folder``): every
installed web file linked, ``index.html`` replaced.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_ENTRY = re.compile(r"""<script type="module"[^>]*src="\./static/js/""")


def page_locator(page_names: list[str]) -> str:
    """The script that sets the server's address from the page's: its path without a trailing page name."""
    names = json.dumps(sorted(page_names)).replace("<", "\\u003c")  # no name can end the script
    return (
        "<script>(function(){"
        'var path=window.location.pathname.replace(/\\/+$/,""),cut=path.lastIndexOf("/");'
        f"if({names}.indexOf(decodeURIComponent(path.slice(cut+1)))>=0)path=path.slice(0,cut);"
        'window.__streamlit=Object.assign({BACKEND_BASE_URL:window.location.origin+path+"/"},window.__streamlit||{});'
        "})()</script>"
    )


def prepared_index(index_html: str, page_names: list[str]) -> str:
    """Streamlit's ``index.html`` with the server's address set just before Streamlit's own module
    script. A page without that script (another Streamlit build) is returned as it is."""
    entry = _ENTRY.search(index_html)
    if entry is None:
        return index_html
    return index_html[: entry.start()] + page_locator(page_names) + "\n    " + index_html[entry.start() :]


def prepared_web_folder(installed: Path, target: Path, page_names: list[str]) -> Path:
    """``target`` with a link to every entry of Streamlit's web folder ``installed`` but
    ``index.html``, which is the prepared page. Returns ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in installed.iterdir():
        if entry.name != "index.html":
            (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    html = (installed / "index.html").read_text(encoding="utf-8")
    (target / "index.html").write_text(prepared_index(html, page_names), encoding="utf-8")
    return target
