"""The placeholder app starts and shows the division's scorecard as published."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_placeholder_app_shows_the_published_scorecard() -> None:
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value == "Styrkort – Division Nära"
    table = app.dataframe[0].value
    assert len(table) == 49
    phone = table[table["Styrmått"].str.startswith("Telefon-TeleQ")].iloc[0]
    assert phone["Periodens utfall"] == "81\u00a0%"
    assert phone["Måluppfyllelse"] == "ej uppfyllt" and phone["Utveckling"] == "försämrad"
