"""Roll-up up the unit tree, months into report periods, masking: examples and properties."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.evaluation.engine import Codes, Tree
from kpi.model.settings import Settings
from tests.helpers import cell, measure, run, units

NOW = "2022-DÅ08"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _share(unit_id: str, period: str, num: float, den: float, sex: str = "T") -> dict:
    return {"measure_id": "m", "unit_id": unit_id, "period": period, "sex": sex, "numerator": num, "denominator": den, "value": num / den * 100}


def test_shares_roll_up_as_ratio_of_sums_not_mean_of_percentages() -> None:
    evaluation = run([measure()], [_share("h1", NOW, 9, 10), _share("h2", NOW, 1, 90)])
    area = cell(evaluation, "v1", NOW)
    assert area["value"] == pytest.approx(10.0)  # 10/100, where the mean of 90 % and 1,1 % would be 45,6 %
    assert (area["numerator"], area["denominator"]) == (10, 100)


def test_a_unit_share_without_numerator_and_denominator_keeps_its_value() -> None:
    """A share typed as "91 %" for one health centre is shown, not masked as a denominator of 0."""
    evaluation = run([measure()], [{"measure_id": "m", "unit_id": "h1", "period": NOW, "value": 91.0}])
    own = cell(evaluation, "h1", NOW)
    assert own["value"] == 91.0
    assert own["denominator"] is None
    assert not own["masked"]


def test_counts_add_up_and_indices_do_not() -> None:
    count = measure(id="c", unit="antal", value_kind="count", target={"kind": "none"})
    index = measure(id="i", unit="index", value_kind="index", target={"kind": "none"})
    rows = [
        {"measure_id": "c", "unit_id": "h1", "period": NOW, "value": 3},
        {"measure_id": "c", "unit_id": "h3", "period": NOW, "value": 4},
        {"measure_id": "i", "unit_id": "h1", "period": NOW, "value": 70},
        {"measure_id": "i", "unit_id": "h3", "period": NOW, "value": 80},
    ]
    evaluation = run([count, index], rows, settings=Settings(mask_threshold=0))
    assert cell(evaluation, "d", NOW, "c")["value"] == 7
    assert cell(evaluation, "d", NOW, "i")["value"] is None  # an index cannot be summed
    assert cell(evaluation, "v2", NOW, "i")["value"] == 80  # one unit: its own value


def test_a_value_reported_for_the_division_beats_the_roll_up() -> None:
    rows = [_share("h1", NOW, 50, 100), {"measure_id": "m", "unit_id": "d", "period": NOW, "value": 92, "decimals": 0}]
    evaluation = run([measure()], rows)
    assert cell(evaluation, "d", NOW)["value"] == 92
    assert cell(evaluation, "v1", NOW)["value"] == 50


@pytest.mark.parametrize(
    ("accumulation", "period", "months"),
    [
        ("accumulated", "2022-DÅ04", range(1, 5)),
        ("accumulated", "2022-DÅ08", range(1, 9)),
        ("per_period", "2022-DÅ08", range(5, 9)),
        ("accumulated", "2022-ÅR", range(1, 13)),
        ("per_period", "2022-ÅR", range(1, 13)),
    ],
)
def test_months_make_up_report_periods(accumulation: str, period: str, months: range) -> None:
    rows = [_share("h1", f"2022-{m:02d}", m, 100) for m in range(1, 13)]
    result = cell(run([measure(accumulation=accumulation)], rows), "h1", period)
    assert result["numerator"] == sum(months)
    assert result["denominator"] == 100 * len(months)


def test_a_report_period_needs_its_last_month() -> None:
    rows = [_share("h1", f"2022-{m:02d}", 5, 10) for m in range(1, 8)]  # January–July only
    evaluation = run([measure()], rows)
    assert evaluation.wide.filter((pl.col("unit_id") == "h1") & (pl.col("period") == NOW)).is_empty()
    assert cell(evaluation, "h1", "2022-DÅ04")["value"] == 50


def test_a_merged_unit_carries_its_predecessors_history() -> None:
    tree = units(
        [
            {"unit_id": "hm", "name": "Sammanslagen", "unit_type": "hälsocentral", "parent_id": "v2", "valid_from": date(2022, 1, 1), "valid_to": None, "is_demo": False, "source": "t"},
            {"unit_id": "ha", "name": "A", "unit_type": "hälsocentral", "parent_id": "hm", "valid_from": date(2015, 1, 1), "valid_to": date(2021, 12, 31), "is_demo": False, "source": "t"},
            {"unit_id": "hb", "name": "B", "unit_type": "hälsocentral", "parent_id": "hm", "valid_from": date(2015, 1, 1), "valid_to": date(2021, 12, 31), "is_demo": False, "source": "t"},
        ]
    )
    rows = [_share("ha", "2021-DÅ08", 30, 50), _share("hb", "2021-DÅ08", 40, 50), _share("hm", NOW, 80, 100)]
    evaluation = run([measure()], rows, unit_rows=tree)
    merged = cell(evaluation, "hm", NOW)
    assert (merged["comparison_value"], merged["trend"]) == (70, "forbattrad")
    spread_2021 = evaluation.spread.filter((pl.col("unit_id") == "v2") & (pl.col("period") == "2021-DÅ08")).row(0, named=True)
    assert spread_2021["units_with_value"] == 2  # A and B, not the merged unit that did not exist yet


def test_unit_spread_min_max_and_how_many_meet_the_target() -> None:
    rows = [_share("h1", NOW, 73, 100), _share("h2", NOW, 99, 100), _share("h3", NOW, 85, 100)]
    spread = run([measure()], rows).spread.filter((pl.col("unit_id") == "d") & (pl.col("period") == NOW)).row(0, named=True)
    assert (spread["spread_min"], spread["spread_max"], spread["spread"]) == (73, 99, 26)
    assert (spread["min_unit_id"], spread["max_unit_id"]) == ("h1", "h2")
    assert (spread["units_meeting_target"], spread["units_with_value"]) == (2, 3)


def test_the_tree_lists_every_ancestor() -> None:
    tree_units = units()
    codes = Codes.of(["m"], tree_units["unit_id"].to_list(), [2022])
    name = dict(enumerate(codes.unit_ids))
    pairs = {(name[a], name[u]) for a, u in Tree.of(tree_units, codes).ancestors().select("ancestor", "u").iter_rows()}
    assert {("v1", "h1"), ("d", "h1"), ("r", "h1")} <= pairs
    assert ("v2", "h1") not in pairs
    assert ("h1", "h1") not in pairs  # a unit's own rows are not its ancestors' business here


leaf_shares = st.lists(
    st.tuples(st.sampled_from(["h1", "h2", "h3"]), st.integers(0, 500), st.integers(1, 500)), min_size=1, max_size=3, unique_by=lambda t: t[0]
)


@FAST
@given(leaf_shares)
def test_roll_up_equals_ratio_of_sums(leaves: list[tuple[str, int, int]]) -> None:
    rows = [_share(u, NOW, min(n, d), d) for u, n, d in leaves]
    result = cell(run([measure()], rows, settings=Settings(mask_threshold=0)), "d", NOW)
    expected = sum(min(n, d) for _, n, d in leaves) / sum(d for _, _, d in leaves) * 100
    assert result["value"] == pytest.approx(expected)


def _rows_by_sex(leaves: list[tuple[str, int, int]]) -> list[dict]:
    rows = []
    for unit_id, women, men in leaves:
        rows += [
            {"measure_id": "m", "unit_id": unit_id, "period": NOW, "sex": "K", "value": women},
            {"measure_id": "m", "unit_id": unit_id, "period": NOW, "sex": "M", "value": men},
        ]
    return rows


sex_counts = st.lists(st.tuples(st.sampled_from(["h1", "h2", "h3"]), st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=3, unique_by=lambda t: t[0])


@FAST
@given(sex_counts)
def test_totals_are_women_plus_men_at_every_level(leaves: list[tuple[str, int, int]]) -> None:
    count = measure(unit="antal", value_kind="count", split_by_sex=True, target={"kind": "none"})
    rows = _rows_by_sex(leaves)
    wide = run([count], rows, settings=Settings(mask_threshold=0)).wide
    for row in wide.iter_rows(named=True):
        assert row["value"] == row["value_women"] + row["value_men"]


@FAST
@given(sex_counts, st.integers(1, 12))
def test_masking_never_reveals_a_masked_cell_through_a_total(leaves: list[tuple[str, int, int]], threshold: int) -> None:
    count = measure(unit="antal", value_kind="count", split_by_sex=True, target={"kind": "none"})
    rows = _rows_by_sex(leaves)
    long = run([count], rows, settings=Settings(mask_threshold=threshold)).long
    for (_, _, _), group in long.group_by(["measure_id", "unit_id", "period"]):
        shown = {r["sex"]: r["value"] for r in group.iter_rows(named=True) if not r["masked"]}
        hidden = {r["sex"] for r in group.iter_rows(named=True) if r["masked"]}
        for value in shown.values():
            assert value is None or value == 0 or value >= threshold
        # If one sex is hidden, it must not be derivable from the total and the other sex.
        if hidden & {"K", "M"}:
            assert not ({"T", "K"} <= shown.keys() and "M" in hidden)
            assert not ({"T", "M"} <= shown.keys() and "K" in hidden)
        if "T" in hidden:
            assert not ({"K", "M"} <= shown.keys())
