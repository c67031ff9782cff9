"""Secondary suppression: no masked cell can be worked out from what is shown.

A property test over generated unit trees, months and sex splits, at two thresholds: for every
masked cell, no relation the product shows (total = women + men, a unit = the units below it, a
report period = its months) has it as its single unknown, and the linear system of all relations
together, with the shown cells known, does not fix it (a rank check with NumPy, independent of the
engine's own exact check). Then the bundled data through the command line's JSON and a view's
table.
"""

from __future__ import annotations

import json
import math
from datetime import date
from itertools import product

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.cli import run as cli
from kpi.evaluation.comparison import unit_grid
from kpi.evaluation.suppression import FreeCells, Relation, complete, determined, time_templates
from kpi.evaluation.suppression import intervals as engine_intervals
from kpi.model.periods import parse_period
from kpi.model.settings import Settings
from kpi.model.view import View
from kpi.store.delta import UNITS, conform
from tests.helpers import measure, run

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MONTHS = [f"2022-{m:02d}" for m in range(1, 13)]
REPORTS = {"accumulated": {"2022-DÅ04": MONTHS[:4], "2022-DÅ08": MONTHS[:8], "2022-ÅR": MONTHS}, "per_period": {"2022-DÅ04": MONTHS[:4], "2022-DÅ08": MONTHS[4:8], "2022-ÅR": MONTHS}}


# --- generated trees ---------------------------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, str | None]]:
    """(unit, parent): a division with 1–3 areas of 1–3 health centres each."""
    out: list[tuple[str, str | None]] = [("r", None), ("d", "r")]
    for a in range(draw(st.integers(1, 3))):
        out.append((f"v{a}", "d"))
        out += [(f"h{a}{h}", f"v{a}") for h in range(draw(st.integers(1, 3)))]
    return out


def unit_frame(tree: list[tuple[str, str | None]]) -> pl.DataFrame:
    kind = {"r": "region", "d": "division", "v": "verksamhetsområde", "h": "hälsocentral"}
    rows = [
        {"unit_id": u, "name": u, "unit_type": kind[u[0]], "parent_id": p, "valid_from": date(2015, 1, 1), "valid_to": None, "is_demo": False, "source": "test"}
        for u, p in tree
    ]
    return conform(UNITS, pl.DataFrame(rows))


small_or_not = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def data_sets(draw: st.DrawFn) -> tuple[list[tuple[str, str | None]], str, str, list[dict[str, object]]]:
    tree = draw(trees())
    kind = draw(st.sampled_from(["count", "share"]))
    accumulation = draw(st.sampled_from(["accumulated", "per_period"]))
    leaves = [u for u, _ in tree if u.startswith("h")]
    rows: list[dict[str, object]] = []
    for unit, month, sex in product(leaves, MONTHS, ["K", "M"]):
        n = draw(small_or_not)
        if kind == "count":
            rows.append({"measure_id": "m", "unit_id": unit, "period": month, "sex": sex, "value": float(n), "is_demo": True})
        elif n > 0:
            k = draw(st.integers(0, n))
            rows.append({"measure_id": "m", "unit_id": unit, "period": month, "sex": sex, "value": 100 * k / n, "numerator": float(k), "denominator": float(n), "is_demo": True})
    return tree, kind, accumulation, rows


def _measure(kind: str, accumulation: str):  # noqa: ANN202
    if kind == "count":
        return measure(unit="antal", value_kind="count", split_by_sex=True, accumulation=accumulation, target={"kind": "level", "text": "10", "value": 10})
    return measure(split_by_sex=True, accumulation=accumulation)


# --- the relations, written out independently of the engine ------------------------------------


Cell = tuple[str, str, str]  # unit, period, sex


def shown_relations(tree: list[tuple[str, str | None]], accumulation: str, truth: dict[Cell, tuple[float, float]]) -> list[tuple[Cell, list[Cell]]]:
    """(total, parts) over the cells present: sexes, the unit tree, report periods and months; the
    ones that hold in the true figures (``truth``: a count's value, a share's numerator and
    denominator), which are the ones a reader can use."""
    cells = set(truth)
    out = []
    units = {u for u, _, _ in cells}
    periods = {p for _, p, _ in cells}
    for u, p in product(units, periods):
        if (u, p, "T") in cells:
            out.append(((u, p, "T"), [(u, p, s) for s in "KM" if (u, p, s) in cells]))
    for parent in units:
        children = [u for u, up in tree if up == parent]
        for p, s in product(periods, "TKM"):
            if children and (parent, p, s) in cells:
                out.append(((parent, p, s), [(c, p, s) for c in children if (c, p, s) in cells]))
    for u, s in product(units, "TKM"):
        for report, months in REPORTS[accumulation].items():
            if (u, report, s) in cells:
                out.append(((u, report, s), [(u, m, s) for m in months if (u, m, s) in cells]))
    def holds(total: Cell, parts: list[Cell]) -> bool:
        return all(abs(truth[total][i] - sum(truth[p][i] for p in parts)) < 0.5 for i in (0, 1))

    return [(t, parts) for t, parts in out if parts and holds(t, parts)]


def intervals(relations: list[tuple[Cell, list[Cell]]], masked: set[Cell], size: dict[Cell, float]) -> dict[Cell, tuple[float, float]]:
    """Each masked cell's range as a reader narrows it down from the shown figures, relation by
    relation and again until nothing changes: every figure is a whole number of at least 0; a
    total lies between its parts' lowest and highest sums; a part between the total's bounds less
    the other parts' highest and lowest sums."""
    bound = {c: (0.0, math.inf) if c in masked else (size[c], size[c]) for rel in relations for c in [rel[0], *rel[1]]}
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            lows, highs = [bound[p][0] for p in parts], [bound[p][1] for p in parts]
            new = {total: (sum(lows), sum(highs))}
            for n, p in enumerate(parts):
                other_high = sum(h for m, h in enumerate(highs) if m != n)
                other_low = sum(lo for m, lo in enumerate(lows) if m != n)
                new[p] = (bound[total][0] - other_high, bound[total][1] - other_low)
            for c, (lo, hi) in new.items():
                if c in masked and (max(lo, bound[c][0]), min(hi, bound[c][1])) != bound[c]:
                    bound[c] = (max(lo, bound[c][0]), min(hi, bound[c][1]))
                    changed = True
    return {c: b for c, b in bound.items() if c in masked}


def fixed_by_rank(relations: list[tuple[object, list[object]]], masked: set[object]) -> set[object]:
    """Masked cells the relations determine, with the shown cells known: those on which the null
    space of the masked cells' system is zero."""
    cells = sorted(masked, key=str)
    column = {c: j for j, c in enumerate(cells)}
    rows = []
    for total, parts in relations:
        row = np.zeros(len(cells))
        for c, sign in [(total, 1.0), *[(p, -1.0) for p in parts]]:
            if c in column:
                row[column[c]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    a = np.array(rows)
    _, singular, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((singular > 1e-8).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return set(cells)
    return {c for c, j in column.items() if np.abs(null[:, j]).max() < 1e-8}


@PROPERTY
@given(data_sets(), st.sampled_from([3, 5]))
def test_no_masked_cell_can_be_worked_out_from_the_shown_ones(data, threshold: int) -> None:
    tree, kind, accumulation, rows = data
    evaluation = run([_measure(kind, accumulation)], rows, settings=Settings(mask_threshold=threshold), unit_rows=unit_frame(tree))
    unmasked = run([_measure(kind, accumulation)], rows, settings=Settings(mask_threshold=0), unit_rows=unit_frame(tree)).long
    truth = {
        (r["unit_id"], r["period"], r["sex"]): (r["value"], 0.0) if kind == "count" else (r["numerator"], r["denominator"])
        for r in unmasked.filter(pl.col("value").is_not_null()).iter_rows(named=True)
    }
    long = evaluation.long.filter(pl.col("period").str.starts_with("2022"))
    present = long.filter(pl.col("value").is_not_null() | pl.col("masked"))
    assert {(r["unit_id"], r["period"], r["sex"]) for r in present.iter_rows(named=True)} == set(truth)
    masked = {(r["unit_id"], r["period"], r["sex"]) for r in present.filter(pl.col("masked")).iter_rows(named=True)}
    relations = shown_relations(tree, accumulation, truth)
    # By subtraction along each relation: never exactly one unknown.
    for total, parts in relations:
        unknown = [c for c in [total, *parts] if c in masked]
        assert len(unknown) != 1, (total, parts, unknown)
    # All relations together: no masked cell is fixed by the shown ones.
    fixed = fixed_by_rank(relations, masked) if masked else set()
    assert not fixed, sorted(fixed)
    # Intervals: a small count (a share's denominator) can still be any of at least `threshold`
    # whole numbers, first per relation alone (the masked parts under a shown total add up to at
    # least threshold - 1), then with the relations applied again and again.
    size = {c: t[0] if kind == "count" else t[1] for c, t in truth.items()}
    small = {c for c in masked if 0 < size[c] < threshold} if kind == "count" else {c for c in masked if size[c] < threshold}
    for total, parts in relations:
        hidden = [p for p in parts if p in masked]
        if total not in masked and small & set(hidden):
            assert size[total] - sum(size[p] for p in parts if p not in masked) >= threshold - 1, (total, parts)
    bounds = intervals(relations, masked, size)
    narrow = {c: bounds[c] for c in small if c in bounds and bounds[c][1] - bounds[c][0] < threshold - 1}
    assert not narrow, narrow
    # Nothing small is shown, and a masked cell's verdicts say nothing.
    shown = present.filter(~pl.col("masked"))
    if kind == "count":
        assert shown.filter((pl.col("value") > 0) & (pl.col("value") < threshold)).is_empty()
    else:
        assert shown.filter(pl.col("denominator") < threshold).is_empty()
    hidden = present.filter(pl.col("masked"))
    assert set(hidden["attainment"].to_list()) <= {"ej_bedomd"} and set(hidden["trend"].to_list()) <= {"saknas"}
    assert hidden["value"].is_null().all() and hidden["comparison_value"].is_null().all()


def test_the_months_a_view_asks_for_are_masked_as_in_the_whole_evaluation() -> None:
    tree = [("r", None), ("d", "r"), ("v0", "d"), ("h00", "v0"), ("h01", "v0")]
    rows = [
        {"measure_id": "m", "unit_id": u, "period": m, "sex": s, "value": 2.0 if (u, m) == ("h00", "2022-03") else 20.0, "is_demo": True}
        for u, m, s in product(["h00", "h01"], MONTHS, ["K", "M"])
    ]
    evaluation = run([_measure("count", "accumulated")], rows, settings=Settings(mask_threshold=5), unit_rows=unit_frame(tree))
    whole = evaluation.long.filter(pl.col("masked")).select("unit_id", "period", "sex").sort(pl.all())
    one_series = [
        evaluation.long_for(measure_ids=["m"], unit_id=u).filter(pl.col("masked")).select("unit_id", "period", "sex") for u in ["d", "v0", "h00", "h01"]
    ]
    assert_equal = pl.concat(one_series).sort(pl.all())
    assert whole.equals(assert_equal)
    masked = set(whole.iter_rows())
    # The small month, its sibling's same month (the area's month minus it), and a second month
    # of the same unit (DÅ04 minus the other months), with the sexes.
    assert {("h00", "2022-03", "K"), ("h01", "2022-03", "K")} <= masked
    assert any(u == "h00" and p != "2022-03" and p in MONTHS[:4] for u, p, _ in masked)


# --- the engine's pieces -------------------------------------------------------------------------


def test_report_periods_are_written_as_sums_of_months_and_shorter_periods() -> None:
    templates = time_templates()
    assert (13, (12, 4, 5, 6, 7)) in templates["accumulated"]  # DÅ08 = DÅ04 + May–August
    assert (14, (12, 13, 8, 9, 10, 11)) in templates["per_period"]  # ÅR = DÅ04 + DÅ08 + Sep–Dec
    assert (12, (0, 1, 2, 3)) in templates["accumulated"]


@pytest.mark.parametrize(
    ("masked", "relations", "fixed"),
    [
        ({1, 2, 3, 4}, [Relation(10, (1, 2)), Relation(11, (3, 4)), Relation(12, (1, 3)), Relation(13, (2, 4))], set()),  # a cycle
        ({1, 2, 3}, [Relation(10, (1, 2)), Relation(11, (1, 2, 3))], {3}),  # a total minus another total
        ({1, 2, 3, 4, 5, 6, 7}, [Relation(10, (1, 2)), Relation(11, (1, 2, 7)), Relation(12, (3, 4)), Relation(13, (5, 6))], {7}),
    ],
)
def test_the_exact_check_finds_cells_fixed_by_relations_together(masked: set[int], relations: list[Relation], fixed: set[int]) -> None:
    assert determined(masked, relations) == fixed


@st.composite
def systems(draw: st.DrawFn) -> tuple[list[Relation], list[int]]:
    """Random relations over a few cells, and the order in which the cells get masked."""
    n = draw(st.integers(2, 14))
    rels = []
    for _ in range(draw(st.integers(1, 12))):
        members = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=5, unique=True))
        rels.append(Relation(members[0], tuple(sorted(members[1:]))))
    order = draw(st.permutations(range(n)))
    return rels, order[: draw(st.integers(1, n))]


@PROPERTY
@given(systems())
def test_the_cells_kept_free_as_they_are_masked_one_by_one_agree_with_a_rank_check(system) -> None:
    rels, order = system
    free = FreeCells(sorted(set(rels), key=lambda r: (r.total, r.parts)))
    as_pairs = [(r.total, list(r.parts)) for r in rels]
    for n in range(1, len(order) + 1):
        free.add(order[n - 1])  # masking a cell adds it, and only it, to the system
        masked = set(order[:n])
        assert masked - free.free == fixed_by_rank(as_pairs, masked) == determined(masked, rels)


@PROPERTY
@given(systems(), st.lists(st.integers(0, 9), min_size=14, max_size=14))
def test_the_engines_intervals_are_the_ones_propagated_here(system, figures: list[int]) -> None:
    rels, order = system
    # Figures that make every relation hold: a total is its parts' sum, in key order (a cell that
    # is a total in two relations keeps the first), and only relations that hold are kept.
    size = {k: float(v) for k, v in enumerate(figures)}
    for r in sorted(set(rels), key=lambda r: (r.total, r.parts)):
        if all(p < r.total for p in r.parts):
            size[r.total] = sum(size[p] for p in r.parts)
    rels = [r for r in rels if size[r.total] == sum(size[p] for p in r.parts)]
    masked = set(order)
    low, high = engine_intervals(masked, sorted(set(rels), key=lambda r: (r.total, r.parts)), size)
    ours = intervals([(r.total, list(r.parts)) for r in rels], masked, size)
    for c in masked:
        assert (low[c], high[c]) == ours.get(c, (0.0, math.inf)), c


def test_two_small_siblings_under_a_shown_total_get_a_third_masked_so_neither_is_narrowed_down() -> None:
    # 6 = 4 + 1 + 1: with the two ones masked, each is 0, 1 or 2 (6 − 4 between them): at
    # threshold 5 that says too much, so the 4 goes too and each can be anything from 0 to 6.
    size = {0: 6.0, 4: 4.0, 8: 1.0, 12: 1.0}
    rels = [Relation(0, (4, 8, 12))]
    assert complete({8, 12}, rels, size, {}) == {8, 12}
    assert complete({8, 12}, rels, size, {}, sensitive={8, 12}, width=4) == {4, 8, 12}
    # The smallest shown part that is enough alone (here 3 of the 2 missing, not 4), but never a
    # figure from the region's printed report (anyone can read it there), nor a zero.
    size = {0: 9.0, 4: 4.0, 8: 1.0, 12: 1.0, 16: 3.0, 20: 0.0}
    rels = [Relation(0, (4, 8, 12, 16, 20))]
    assert complete({8, 12}, rels, size, {}, sensitive={8, 12}, width=4) == {8, 12, 16}
    assert complete({8, 12}, rels, size, {16: True}, sensitive={8, 12}, width=4) == {4, 8, 12}
    assert complete({8, 12}, rels, size, {4: True, 16: True}, sensitive={8, 12}, width=4) == {0, 8, 12}  # the total, when no part will do
    assert complete({8, 12}, rels, size, {0: True, 4: True, 16: True}, sensitive={8, 12}, width=4) == {8, 12}  # stays 0–2


# --- the bundled data, through the command line and a view --------------------------------------


def _scorecard_json(capsys: pytest.CaptureFixture[str], org: str, period: str) -> dict[str, dict[str, object]]:
    assert cli(["scorecard", "--org", org, "--period", period, "--format", "json"]) == 0
    return {r["measure_id"]: r for r in json.loads(capsys.readouterr().out)}


def _members(row: dict[str, object] | None) -> dict[str, bool | None]:
    """Per sex: True masked, False shown, None absent."""
    if row is None:
        return {"T": None, "K": None, "M": None}
    out: dict[str, bool | None] = {}
    for sex, value, masked in [("T", "value", "masked"), ("K", "value_women", "masked_women"), ("M", "value_men", "masked_men")]:
        out[sex] = True if row[masked] else (False if row[value] is not None else None)
    return out


def _single_unknowns(total: dict[str, bool | None], parts: list[dict[str, bool | None]], sexes: str = "TKM") -> list[str]:
    bad = []
    for s in sexes:
        members = [total[s], *[p[s] for p in parts]]
        if total[s] is not None and sum(m is True for m in members) == 1 and any(p[s] is not None for p in parts):
            bad.append(s)
    return bad


def test_the_command_lines_figures_give_no_masked_count_away(bundled, capsys: pytest.CaptureFixture[str]) -> None:
    dataset, evaluation = bundled
    units = dataset.units
    wide = evaluation.wide_for(period="2022-DÅ08", months=False)
    masked_units = set(wide.filter(pl.col("masked"))["unit_id"].to_list())
    parents = units.filter(pl.col("unit_id").is_in(list(masked_units)))["parent_id"].drop_nulls().unique().sort().to_list()
    parents = [p for p in parents if p not in units.filter(pl.col("unit_type") == "region")["unit_id"].to_list()][:2]
    assert parents, "the bundled data has masked health centres"
    checked = 0
    for parent in parents:
        children = units.filter((pl.col("parent_id") == parent) & pl.col("valid_to").is_null())["unit_id"].to_list()
        top = _scorecard_json(capsys, parent, "2022-DÅ08")
        below = [_scorecard_json(capsys, child, "2022-DÅ08") for child in children]
        for measure_id, row in top.items():
            if row["value_kind"] not in ("count", "share"):
                continue
            total, parts = _members(row), [_members(b.get(measure_id)) for b in below]
            assert not _single_unknowns(total, parts), (parent, measure_id)
            for member in [total, *parts]:  # women + men = total
                assert sum(member[s] is True for s in "TKM") != 1 or member["K"] is None, (parent, measure_id)
            checked += any(p["T"] for p in parts)
    assert checked > 0

    # A report period and its months: DÅ04 = January–April for the unit with the most masked months.
    months = evaluation.long_for(measure_ids=["ver_fallskador"], months=True).filter(pl.col("period").is_in(MONTHS[:4]) & pl.col("masked"))
    unit_id = months.group_by("unit_id").len().sort("len", "unit_id", descending=[True, False])["unit_id"][0]
    period_row = _members(_scorecard_json(capsys, unit_id, "2022-DÅ04").get("ver_fallskador"))
    month_rows = [_members(_scorecard_json(capsys, unit_id, m).get("ver_fallskador")) for m in MONTHS[:4]]
    assert any(m["T"] for m in month_rows)
    assert not _single_unknowns(period_row, month_rows)


def test_the_units_table_gives_no_masked_count_away(bundled) -> None:
    dataset, evaluation = bundled
    for measure_id in ["ver_fallskador", "ver_palliativ_strategi"]:
        for period in ["2022-DÅ04", "2022-DÅ08"]:
            grid = unit_grid(evaluation, dataset.units, [measure_id], View("div_nara", parse_period(period), "T"))
            rows = {r["unit_id"]: r for r in grid.iter_rows(named=True)}
            for parent in rows:
                children = dataset.units.filter(pl.col("parent_id") == parent)["unit_id"].to_list()
                parts = [rows[c] for c in children if c in rows and (rows[c]["value"] is not None or rows[c]["masked"])]
                if not parts or (rows[parent]["value"] is None and not rows[parent]["masked"]):
                    continue
                hidden = sum(bool(r["masked"]) for r in [rows[parent], *parts])
                assert hidden != 1, (measure_id, period, parent)
