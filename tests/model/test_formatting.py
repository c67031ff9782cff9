from __future__ import annotations

import pytest

from kpi.model.formatting import format_number, format_points, format_value


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
