"""The first page the production launcher serves (``ui.index_page``): Streamlit's own, with the
server's address set, so a page opened by its address finds the server at the first try.

The page itself is checked here without a server; ``test_first_page_browser`` opens every page of a
real server in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ui import navigation
from ui.index_page import page_locator, prepared_index, prepared_web_folder
from ui.serve import page_names

INSTALLED = Path(__import__("streamlit").__file__).resolve().parent / "static"


def test_the_installed_streamlit_still_reads_the_servers_address_from_the_page() -> None:
    """An upgrade of Streamlit whose frontend no longer reads ``window.__streamlit`` fails here:
    the prepared page would then do nothing (no harm, but the half second is back)."""
    bundles = " ".join(
        path.read_text(encoding="utf-8", errors="replace") for path in (INSTALLED / "static" / "js").glob("index.*.js")
    )
    assert "window.__streamlit" in bundles
    assert "BACKEND_BASE_URL" in bundles


def test_the_prepared_page_is_streamlits_own_with_the_locator_before_its_module_script() -> None:
    original = (INSTALLED / "index.html").read_text(encoding="utf-8")
    prepared = prepared_index(original, page_names())
    locator = page_locator(page_names())
    assert prepared.count(locator) == 1
    assert prepared.index(locator) < prepared.index('<script type="module"')
    assert prepared.replace(locator + "\n    ", "", 1) == original


def test_a_page_without_streamlits_module_script_is_left_as_it_is() -> None:
    page = "<html><head><script src='other.js'></script></head></html>"
    assert prepared_index(page, ["styrmatt"]) == page


def test_the_page_names_are_the_addresses_of_every_page_of_the_navigation() -> None:
    constants = [value for name, value in vars(navigation).items() if name.endswith("_PAGE") and isinstance(value, str)]
    assert constants, "ui.navigation names its pages"
    for path in constants:
        assert Path(path).stem in page_names()
    for perspective in ("samhalle", "medborgare", "verksamhet", "medarbetare", "ekonomi"):
        assert perspective in page_names()


@pytest.mark.parametrize("name", ["styrmatt", 'a"b', "</script><script>alert(1)</script>", "Å\\"])
def test_the_locator_keeps_every_page_name_one_string_inside_its_script(name: str) -> None:
    """The names are written into a script: each stays one JSON string, and none can end the script."""
    body = page_locator(["oversikt", name]).removeprefix("<script>").removesuffix("</script>")
    assert "<" not in body
    names = re.search(r"if\((\[.*?\])\.indexOf", body)
    assert names is not None and json.loads(names[1]) == sorted(["oversikt", name])


def test_the_web_folder_links_every_installed_file_and_replaces_only_the_page(tmp_path: Path) -> None:
    before = (INSTALLED / "index.html").read_bytes()
    web = prepared_web_folder(INSTALLED, tmp_path / "web", page_names())
    assert sorted(p.name for p in web.iterdir()) == sorted(p.name for p in INSTALLED.iterdir())
    for entry in web.iterdir():
        if entry.name == "index.html":
            assert not entry.is_symlink() and "BACKEND_BASE_URL" in entry.read_text(encoding="utf-8")
        else:
            assert entry.is_symlink() and entry.resolve() == (INSTALLED / entry.name).resolve()
    assert (INSTALLED / "index.html").read_bytes() == before
