"""The production launcher's settings: real Streamlit options, and each one named in the README."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
import streamlit
from streamlit import config

from ui.serve import PRODUCTION, parse_flags

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", PRODUCTION, ids=lambda s: s.option)
def test_every_production_setting_is_an_option_of_the_installed_streamlit_and_documented(setting: object) -> None:
    option = setting.option  # type: ignore[attr-defined]
    assert option in config._config_options_template, f"{option} is not an option of Streamlit {streamlit.__version__}"
    assert isinstance(setting.value, config._config_options_template[option].type), option  # type: ignore[attr-defined]
    assert f"`{option}`" in README, f"the README's deployment section does not name {option}"


def test_the_development_config_keeps_hot_reload() -> None:
    """Only the launcher turns file watching off: `streamlit run app.py` still reloads on a save."""
    text = (Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    for setting in PRODUCTION:
        if setting.option in ("server.fileWatcherType", "runner.postScriptGC", "server.runOnSave"):
            assert setting.option.split(".")[1] not in text


@pytest.mark.parametrize(
    ("argv", "flags"),
    [
        (["--server.port=8502"], {"server_port": "8502"}),
        (["--server.port", "8502", "--server.address=0.0.0.0"], {"server_port": "8502", "server_address": "0.0.0.0"}),
        ([], {}),
    ],
)
def test_streamlit_options_are_passed_through_as_streamlit_run_takes_them(argv: list[str], flags: dict[str, str]) -> None:
    assert parse_flags(argv) == flags


def test_anything_else_on_the_command_line_is_refused_in_swedish() -> None:
    with pytest.raises(SystemExit, match="Okänt argument: app.py"):
        parse_flags(["app.py"])


def bare_values(source: str) -> list[str]:
    """The lines Streamlit's magic would draw: a value on a line of its own that is neither a call
    nor a block's docstring."""
    found = []
    for node in ast.walk(ast.parse(source)):
        blocks = [getattr(node, field, None) for field in ("body", "orelse", "finalbody")]
        block = [child for statements in blocks if isinstance(statements, list) for child in statements]
        for i, child in enumerate(block):
            if not isinstance(child, ast.Expr) or isinstance(child.value, (ast.Call, ast.Yield, ast.YieldFrom, ast.Await)):
                continue
            if i == 0 and isinstance(child.value, ast.Constant) and isinstance(child.value.value, str):
                continue
            found.append(f"{child.lineno}: {ast.unparse(child)}")
    return found


@pytest.mark.parametrize(
    ("source", "found"),
    [("import streamlit as st\nst.write(1)\n", 0), ('"""Doc."""\nx = 1\nx\n', 1), ("if True:\n    'drawn'\n    (1, 2)\n", 1)],
)
def test_the_magic_check_finds_what_magic_would_draw(source: str, found: int) -> None:
    assert len(bare_values(source)) == found


def test_magic_is_off_and_no_page_relies_on_it() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["runner"]["magicEnabled"] is False
    for script in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        assert bare_values(script.read_text(encoding="utf-8")) == [], script.name
