from __future__ import annotations

import re

import polars as pl
import pytest

from kpi.model.formatting import PERCENT_AFTER_NUMBER, PERCENT_SPACED, format_number, format_points, format_value, swedish_target_text


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "text"),
    [
        (17.1, "%", 1, "17,1\u00a0%"),
        (43000, "antal", 0, "43\u00a0000"),
        (-31, "mnkr", 0, "\u221231\u00a0mnkr"),
        (1234567.891, "kr", 2, "1\u00a0234\u00a0567,89\u00a0kr"),
        (92, "%", 0, "92\u00a0%"),
        (-0.04, "%", 1, "0,0\u00a0%"),
        (None, "%", 1, "uppgift saknas"),
        (float("nan"), "antal", 0, "uppgift saknas"),
        (72.4, "index", 1, "72,4"),
    ],
)
def test_swedish_number_formats(value, unit, decimals, text) -> None:
    assert format_value(value, unit, decimals) == text


def test_masked_and_missing_are_never_zero() -> None:
    assert format_value(3, "antal", 0, masked=True) == "skyddat (för få)"
    assert format_number(None) == "uppgift saknas"


@pytest.mark.parametrize(("value", "text"), [(4.0, "+4,0 procentenheter"), (-2.5, "\u22122,5 procentenheter"), (0.0, "0,0 procentenheter")])
def test_percentage_points(value, text) -> None:
    assert format_points(value) == text


@pytest.mark.parametrize(("printed", "shown"), [
    ("95%", "95\u00a0%"),
    ("95 %", "95\u00a0%"),
    ("K:16% M:17,2%", "K:16\u00a0% M:17,2\u00a0%"),
    ("På regionnivå Minska med 50% jämfört med 2020", "På regionnivå Minska med 50\u00a0% jämfört med 2020"),
    ("43 000 triage", "43 000 triage"),
    ("+/-0 mnkr", "+/-0 mnkr"),
])  # fmt: skip
def test_a_catalogues_target_text_gets_swedish_per_cent_spacing(printed: str, shown: str) -> None:
    assert swedish_target_text(printed) == shown
    # The scorecard does the same in Polars (kpi.evaluation.scorecard): one rule, two spellings.
    assert pl.Series([printed]).str.replace_all(PERCENT_AFTER_NUMBER, PERCENT_SPACED).item() == shown


def test_the_scorecard_prints_catalogue_targets_the_swedish_way(bundled) -> None:
    from kpi.evaluation.scorecard import scorecard
    from kpi.model.view import View

    _, evaluation = bundled
    targets = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))["target"].drop_nulls().to_list()
    assert "95\u00a0%" in targets and not [t for t in targets if re.search(r"\d%", t)]
