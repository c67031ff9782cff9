from __future__ import annotations

import math
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.evaluation.rules import printed
from kpi.model.formatting import (
    PERCENT_AFTER_NUMBER,
    PERCENT_SPACED,
    format_number,
    format_points,
    format_value,
    printed_value,
    printed_values,
    swedish_target_text,
)


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


# --- the printed value of many values at once ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals"),
    [
        (74.65, 1),  # a half after scaling: the float is 74,650000000000006
        (8.245, 2),  # and one below its half: 8,2449999999999992
        (2.5, 0),
        (-2.5, 0),
        (-0.675, 2),
        (-0.67499999999999993, 2),  # a sum in another order prints the same
        (0.5, 0),
        (1e16, 1),  # beyond 2⁵² after scaling
        (1e300, 2),
        (5e-324, 3),
        (-0.0, 1),
        (123456.789, -2),  # a negative number of decimals, as round allows
        (0.1 + 0.2, 30),  # 10³⁶ is not exact in a float
        (float("inf"), 1),
        (float("nan"), 1),
    ],
)
def test_printed_values_round_as_python_does(value: float, decimals: int) -> None:
    got = printed_values(np.array([value]), np.array([decimals]))[0]
    want = printed_value(value, decimals)
    assert got == want or (math.isnan(got) and math.isnan(want))
    assert math.copysign(1, got) == math.copysign(1, want)


@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True),
                st.floats(min_value=-1e6, max_value=1e6),
                # Values at a half of their last printed decimal, the hard ones.
                st.builds(lambda k, e: (k + 0.5) / 10**e, st.integers(-(10**7), 10**7), st.integers(0, 4)),
                st.builds(lambda k, e: k / 10**e, st.integers(-(10**9), 10**9), st.integers(0, 9)),
            ),
            st.integers(-3, 25),
        ),
        max_size=60,
    )
)
def test_printed_values_equal_printed_value_for_every_float(pairs: list[tuple[float, int]]) -> None:
    values = np.array([v for v, _ in pairs], np.float64)
    decimals = np.array([d for _, d in pairs], np.int64)
    got = printed_values(values, decimals).tolist()
    for (value, places), rounded in zip(pairs, got, strict=True):
        want = printed_value(value, places)
        assert rounded == want or (math.isnan(rounded) and math.isnan(want)), (value, places)


def test_the_engines_printed_values_keep_missing_and_match_printed_value() -> None:
    frame = pl.DataFrame({"v": [74.65, None, 8.245, 2.5, float("nan")], "d": [1, 1, None, 0, 1]})
    got = frame.select(printed(pl.col("v"), pl.col("d"))).to_series().to_list()
    assert got[:4] == [printed_value(74.65, 1), None, printed_value(8.245, 0), printed_value(2.5, 0)]
    assert math.isnan(got[4])
