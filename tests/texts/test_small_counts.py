"""Free text that names small counts of people is found (kpi/texts/small_counts.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.texts.small_counts import small_count_mentions, small_count_warning

CASES = [
    ("Under perioden föll fem män och två kvinnor på avdelningen.", ["fem män", "två kvinnor"]),  # 2, and its complement
    ("Fem män föll. Under året vårdades 40 kvinnor.", []),
    ("Fallskador: fyra män och två kvinnor.", ["fyra män", "två kvinnor"]),
    ("3 patienter fick vänta mer än 90 dagar.", ["3 patienter"]),
    ("En kvinna och ett barn drabbades.", ["En kvinna", "ett barn"]),
    ("Två äldre kvinnor vårdades på sjukhus.", ["Två äldre kvinnor"]),
    ("Det inträffade 2 fall under januari.", ["2 fall"]),
    ("25 patienter fick en tid samma dag.", []),
    ("Två av tre hälsocentraler når målet.", []),
    ("Fyra åtgärder är genomförda.", []),
    ("Andelen ökade med 2,5 procentenheter bland kvinnor.", []),
    ("Målet är 4 %. Kvinnor 92 %, män 90 %.", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_small_counts_of_people_are_found(text: str, expected: list[str]) -> None:
    assert small_count_mentions(text) == expected


def test_the_threshold_decides_what_is_small() -> None:
    assert small_count_mentions("fem män och sju kvinnor", threshold=6) == ["fem män", "sju kvinnor"]
    assert small_count_mentions("fem män och sju kvinnor") == []
    assert small_count_mentions("fyra män", threshold=4) == []


def test_the_warning_names_the_phrases_in_swedish() -> None:
    warning = small_count_warning("Fallskador: fyra män och två kvinnor.")
    assert warning is not None
    assert warning.startswith("Texten verkar ange få personer (”fyra män”, ”två kvinnor”).")
    assert small_count_warning("Inga avvikelser.") is None


@given(st.integers(5, 10_000), st.sampled_from(["patienter", "kvinnor", "män", "personer", "barn"]))
def test_counts_at_or_above_the_threshold_never_warn(n: int, who: str) -> None:
    assert small_count_mentions(f"Totalt {n} {who} under året.") == []


@given(st.integers(1, 4), st.sampled_from(["patienter", "kvinnor", "män", "personer", "barn"]))
def test_counts_below_the_threshold_always_warn(n: int, who: str) -> None:
    assert small_count_mentions(f"Totalt {n} {who} under året.") == [f"{n} {who}"]
