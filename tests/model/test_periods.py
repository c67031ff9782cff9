from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.model.errors import PeriodError
from kpi.model.periods import months_covered, parse_period, period_sort_key, periods_for_years


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2022-DÅ04", "2022-DÅ04"),
        ("2022-DÅ08", "2022-DÅ08"),
        ("2022-ÅR", "2022-ÅR"),
        ("2022-T1", "2022-DÅ04"),
        ("2022-T2", "2022-DÅ08"),
        ("2022-t2", "2022-DÅ08"),
        ("2022-DA08", "2022-DÅ08"),
        ("2022-AR", "2022-ÅR"),
        ("2022-04", "2022-04"),
        ("2022-4", "2022-04"),
        (" 2022-DÅ08 ", "2022-DÅ08"),
    ],
)
def test_canonical_ids_and_aliases(text: str, canonical: str) -> None:
    assert parse_period(text).id == canonical


@pytest.mark.parametrize("text", ["2022", "DÅ08", "2022-13", "2022-00", "2022-T3", "22-DÅ08", "", "2022-DÅ12"])
def test_unreadable_periods_get_a_swedish_message(text: str) -> None:
    with pytest.raises(PeriodError, match="går inte att läsa|en månad är 01–12"):
        parse_period(text)


@pytest.mark.parametrize(
    ("period", "accumulation", "months"),
    [("2022-DÅ04", "accumulated", 4), ("2022-DÅ08", "accumulated", 8), ("2022-ÅR", "accumulated", 12), ("2022-DÅ08", "per_period", 4), ("2022-ÅR", "per_period", 12), ("2022-05", "accumulated", 1)],
)
def test_months_covered(period: str, accumulation: str, months: int) -> None:
    assert months_covered(period, accumulation) == months


def test_comparison_periods() -> None:
    p = parse_period("2022-DÅ08")
    assert p.same_period_previous_year().id == "2021-DÅ08"
    assert p.previous_of_same_kind().id == "2022-DÅ04"
    assert parse_period("2022-DÅ04").previous_of_same_kind().id == "2021-ÅR"
    assert parse_period("2022-01").previous_of_same_kind().id == "2021-12"
    assert parse_period("2022-DÅ08").label == "DÅ08 2022 (jan–aug)"


@given(st.sampled_from(periods_for_years(range(2018, 2030))))
def test_every_canonical_id_parses_back_to_itself(period) -> None:
    assert parse_period(period.id) == period


def test_sort_order_within_a_year() -> None:
    ids = ["2022-ÅR", "2022-05", "2022-DÅ04", "2022-04", "2021-ÅR"]
    assert sorted(ids, key=period_sort_key) == ["2021-ÅR", "2022-04", "2022-DÅ04", "2022-05", "2022-ÅR"]
