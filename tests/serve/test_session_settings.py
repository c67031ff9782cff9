"""The production launcher builds the settings and theme of Streamlit's new-session message once
(``ui.serve.kept``): every message must still be what Streamlit itself would build."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from streamlit import config
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import app_session

from ui import serve

ORIGINAL_THEME = getattr(app_session._populate_theme_msg, "original", app_session._populate_theme_msg)
ORIGINAL_CONFIG = getattr(app_session._populate_config_msg, "original", app_session._populate_config_msg)
SECTIONS = ("theme", "theme.light", "theme.dark", "theme.sidebar", "theme.light.sidebar", "theme.dark.sidebar")

# Per case, what the config holds per theme section (a section left out sets nothing).
CASES = {
    "the bundled theme": {"theme": {"primaryColor": "#0072B2"}},
    "nothing set": {},
    "several sections": {
        "theme": {"primaryColor": "#0072B2", "base": "dark", "textColor": "#111111", "baseRadius": "small"},
        "theme.sidebar": {"backgroundColor": "#eeeeee"},
        "theme.dark": {"primaryColor": "#56B4E9", "chartCategoricalColors": ["#0072B2", "#E69F00"]},
        "theme.light.sidebar": {"linkColor": "#005a8c"},
    },
    "a font with its source": {"theme": {"font": "Inter:https://fonts.example/inter.css", "codeFont": "monospace"}},
}


def _theme_message(populate: Any, sections: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> ForwardMsg:
    monkeypatch.setattr(config, "get_options_for_section", lambda section: dict(sections.get(section, {"primaryColor": None})))
    msg = ForwardMsg()
    theme = msg.new_session.custom_theme
    targets = {
        "theme": theme, "theme.light": theme.light, "theme.dark": theme.dark, "theme.sidebar": theme.sidebar,
        "theme.light.sidebar": theme.light.sidebar, "theme.dark.sidebar": theme.dark.sidebar,
    }  # fmt: skip
    for section in SECTIONS:  # in Streamlit's order (AppSession._create_new_session_message)
        if section == "theme":
            populate(targets[section])
        else:
            populate(targets[section], section)
    return msg


def _presence(msg: ForwardMsg) -> list[bool]:
    theme = msg.new_session.custom_theme
    return [msg.new_session.HasField("custom_theme")] + [theme.HasField(f) for f in ("light", "dark", "sidebar")] + [
        theme.light.HasField("sidebar"), theme.dark.HasField("sidebar")
    ]  # fmt: skip


@pytest.mark.parametrize("sections", CASES.values(), ids=CASES.keys())
def test_a_kept_theme_is_the_message_streamlit_builds_every_time(sections: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _theme_message(ORIGINAL_THEME, sections, monkeypatch)
    fast = serve.kept(ORIGINAL_THEME)
    for _ in range(3):  # the first builds the templates, the others copy them
        got = _theme_message(fast, sections, monkeypatch)
        assert got.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
        assert _presence(got) == _presence(expected)


def test_a_config_parsed_again_is_seen_after_forget(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = serve.kept(ORIGINAL_THEME)
    before = _theme_message(fast, {"theme": {"primaryColor": "#0072B2"}}, monkeypatch)
    stale = _theme_message(fast, {"theme": {"primaryColor": "#D55E00"}}, monkeypatch)
    assert stale.new_session.custom_theme.primary_color == before.new_session.custom_theme.primary_color == "#0072B2"
    fast.forget()  # type: ignore[attr-defined]
    fresh = _theme_message(fast, {"theme": {"primaryColor": "#D55E00"}}, monkeypatch)
    assert fresh.new_session.custom_theme.primary_color == "#D55E00"


def test_kept_settings_are_the_message_streamlit_builds() -> None:
    expected, got = ForwardMsg(), ForwardMsg()
    ORIGINAL_CONFIG(expected.new_session.config)
    fast = serve.kept(ORIGINAL_CONFIG)
    fast(ForwardMsg().new_session.config)
    fast(got.new_session.config)
    assert got.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
    assert got.new_session.config.toolbar_mode == expected.new_session.config.toolbar_mode


def test_the_launcher_keeps_both_parts_once_and_forgets_them_when_the_config_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    connected: list[Any] = []
    monkeypatch.setattr(config, "on_config_parsed", lambda func, force_connect=False, lock=False: connected.append((func, force_connect)))
    for name in serve._KEPT_PARTS:
        monkeypatch.setattr(app_session, name, getattr(app_session, name))  # restored after the test
    serve.keep_session_settings()
    serve.keep_session_settings()  # a second call wraps nothing twice
    for name in serve._KEPT_PARTS:
        fast = getattr(app_session, name)
        assert hasattr(fast, "forget") and not hasattr(fast.original, "forget")
    assert [force for _, force in connected] == [True, True]
    assert {func for func, _ in connected} == {getattr(app_session, name).forget for name in serve._KEPT_PARTS}


def test_the_launcher_hands_the_interpreter_over_sooner_than_pythons_default() -> None:
    before = sys.getswitchinterval()
    try:
        serve.hand_over_sooner()
        assert sys.getswitchinterval() == pytest.approx(serve.SWITCH_INTERVAL_S)
        assert serve.SWITCH_INTERVAL_S < 0.005  # Python's default
    finally:
        sys.setswitchinterval(before)
