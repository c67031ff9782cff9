"""The value cards (``ui.components.cards``): one element for a row of cards, every text escaped,
and what a test or the load client reads back is what was shown."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import streamlit as st
from hypothesis import given, settings
from hypothesis import strategies as strat

from tests.app.test_app import open_app
from ui.components import Card, cards, read_cards

TEXT = strat.text(min_size=0, max_size=40)
CARD = strat.builds(Card, TEXT, TEXT, strat.lists(TEXT, max_size=3).map(tuple))


def shown(monkeypatch: pytest.MonkeyPatch, *given: Card) -> str:
    markups: list[str] = []
    monkeypatch.setattr(st, "markdown", lambda body, **_: markups.append(body))
    cards(*given)
    assert len(markups) == 1  # one element, however many cards
    return markups[0]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(attrs)))


@settings(max_examples=60, deadline=None)
@given(strat.lists(CARD, min_size=1, max_size=4))
def test_what_is_read_back_is_what_was_shown_whatever_the_text(given_cards: list[Card]) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        markup = shown(monkeypatch, *given_cards)
    # A line break would end the Markdown HTML block: each is a space (a no-break space stays).
    one_line = [Card(*(one(t) for t in (c.label, c.value)), tuple(one(n) for n in c.notes)) for c in given_cards]
    assert read_cards(markup) == one_line
    assert "\n" not in markup and "\r" not in markup


def one(text: str) -> str:
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text)


@pytest.mark.parametrize("hostile", ['<b onmouseover="x">"u&', "</p></div><script>alert(1)</script>", "<!-- x", "&amp; &lt;", "a\n\n**b**", "81\u00a0%"])
def test_no_text_becomes_an_element_or_an_attribute(monkeypatch: pytest.MonkeyPatch, hostile: str) -> None:
    markup = shown(monkeypatch, Card(hostile, hostile, (hostile,)), Card("Mål", "95 %"))
    parser = _Tags()
    parser.feed(markup)
    assert {tag for tag, _ in parser.tags} == {"div", "p"}
    assert {name for _, attrs in parser.tags for name, _ in attrs} == {"class", "style"}
    assert read_cards(markup) == [Card(one(hostile), one(hostile), (one(hostile),)), Card("Mål", "95 %")]


def test_other_markdown_holds_no_cards() -> None:
    assert read_cards("**Urval**") == []
    assert read_cards('<p class="styrkort-value">81 %</p>') == []


def test_the_top_of_a_measure_is_one_element_with_its_four_cards_in_the_reports_order() -> None:
    app = open_app("pages/styrmatt.py", matt="med_telefon_samma_dag", org="hc_hortlax")
    rows = [found for m in app.main.markdown if (found := read_cards(m.value))]
    assert [card.label for card in rows[0]] == ["Periodens utfall", "Mål", "Måluppfyllelse", "Utveckling"]
    assert rows[0][3].notes and rows[0][3].notes[0].startswith(("Jämfört med", "Inget jämförbart värde"))
