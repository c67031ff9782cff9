"""Re-evaluation after a write reuses the masking of every measure-year the write left unchanged,
and the result is exactly a fresh evaluation's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpi.evaluation import suppression
from kpi.evaluation.cache import BLOCKS, cached_evaluation, known_blocks, materialise
from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset
from kpi.model.settings import Settings
from kpi.store.bundled import copy_data

DATA = Path(__file__).resolve().parents[2] / "data"

# An import of one tertial: its report period and its months.
TERTIAL = ["2025-DÅ04", "2025-01", "2025-02", "2025-03", "2025-04"]


def without(dataset: Dataset, periods: list[str]) -> Dataset:
    return dataclasses.replace(dataset, observations=dataset.observations.filter(~pl.col("period").is_in(periods)))


def known_of(evaluation: Evaluation) -> dict[str, list[int]]:
    blocks = evaluation.suppression_blocks
    assert blocks is not None
    return suppression.known_from(blocks)


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The primary cells of every measure-year decided afresh (``complete`` called)."""
    calls: list[set[int]] = []
    original = suppression.complete

    def spy(masked: set[int], *args: object, **kwargs: object) -> set[int]:
        calls.append(set(masked))
        return original(masked, *args, **kwargs)

    monkeypatch.setattr(suppression, "complete", spy)
    return calls


def test_after_an_import_of_one_tertial_only_that_year_is_decided_again_and_the_result_is_a_fresh_one(bundled, decided) -> None:
    dataset, fresh = bundled
    before = evaluate_dataset(without(dataset, TERTIAL))
    decided.clear()
    after = evaluate_dataset(dataset, known_of(before))
    assert after.suppressed.to_list() == fresh.suppressed.to_list()
    assert_frame_equal(after.reports.long, fresh.reports.long, check_row_order=False)
    # Only measure-years of 2025 were decided again, and not all measure-years.
    assert decided, "the tertial's measure-years must be decided again"
    codes = fresh.months.prepared.codes
    years = {codes.y0 + (k // 4) % codes.n_periods // 16 for cells in decided for k in cells}
    assert years == {2025}
    assert len(decided) < len(fresh.suppression_blocks)


@pytest.mark.parametrize("column", ["value", "is_demo"])
def test_one_changed_month_decides_only_its_measure_year_again(bundled, decided, column: str) -> None:
    dataset, fresh = bundled
    # A month of a measure with small numbers, at a health centre, in a year before the last.
    small = fresh.reports.long.filter(pl.col("masked"))["measure_id"].unique().sort()[0]
    month = dataset.observations.filter(
        (pl.col("measure_id") == small) & (pl.col("period").str.len_chars() == 7) & pl.col("period").str.starts_with("2023")
    ).sort("unit_id", "period", "sex")
    assert month.height, "the bundled data has months of that measure in 2023"
    target = month.row(0, named=True)
    changed = pl.col("measure_id").eq(target["measure_id"]) & pl.col("unit_id").eq(target["unit_id"]) & pl.col("period").eq(target["period"]) & pl.col("sex").eq(target["sex"])
    new_value = pl.col("value") + 1 if column == "value" else ~pl.col("is_demo").fill_null(False)
    edited = dataclasses.replace(dataset, observations=dataset.observations.with_columns(pl.when(changed).then(new_value).otherwise(pl.col(column)).alias(column)))
    decided.clear()
    again = evaluate_dataset(edited, known_of(fresh))
    codes = fresh.months.prepared.codes
    measure = codes.measure_ids.index(small)
    blocks = {((k // 4) // codes.n_periods // len(codes.unit_ids), codes.y0 + (k // 4) % codes.n_periods // 16) for cells in decided for k in cells}
    assert blocks == {(measure, 2023)}
    assert again.suppressed.to_list() == evaluate_dataset(edited).suppressed.to_list()


def test_every_block_reused_when_nothing_changed(bundled, decided) -> None:
    dataset, fresh = bundled
    decided.clear()
    again = evaluate_dataset(dataset, known_of(fresh))
    assert decided == []
    assert again.suppressed.to_list() == fresh.suppressed.to_list()


def decided_afresh(dataset: Dataset, decided: list[set[int]]) -> int:
    """How many measure-years an evaluation from nothing decides (those with a small number)."""
    decided.clear()
    evaluate_dataset(dataset)
    count = len(decided)
    decided.clear()
    return count


def test_a_decision_for_another_threshold_is_never_reused(bundled, decided) -> None:
    dataset, fresh = bundled
    other = evaluate_dataset(dataclasses.replace(dataset, settings=Settings(mask_threshold=3)))
    every = decided_afresh(dataset, decided)
    again = evaluate_dataset(dataset, known_of(other))
    assert len(decided) == every > 0
    assert again.suppressed.to_list() == fresh.suppressed.to_list()


def test_a_wrong_decision_under_a_digest_that_does_not_match_is_ignored(bundled) -> None:
    dataset, fresh = bundled
    forged = {digest[::-1]: [] for digest in known_of(fresh)}  # digests of nothing there
    assert evaluate_dataset(dataset, forged).suppressed.to_list() == fresh.suppressed.to_list()


def test_the_artefact_keeps_the_decisions_and_the_next_write_reads_them(bundled, tmp_path: Path) -> None:
    _, fresh = bundled
    data_dir = copy_data(DATA, tmp_path)
    from kpi.evaluation.scorecard import load_dataset

    stored = materialise(data_dir)
    assert stored is not None and (stored / f"{BLOCKS}.parquet").exists()
    # The next version (another key) finds the stored decisions; the version itself is skipped.
    known = known_blocks(data_dir / "cache", but="another-version")
    assert known == known_of(fresh)
    assert known_blocks(data_dir / "cache", but=stored.name) is None
    assert cached_evaluation(load_dataset(data_dir), data_dir).suppressed.to_list() == fresh.suppressed.to_list()


def test_an_unreadable_stored_decision_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "v1"
    folder.mkdir(parents=True)
    (folder / f"{BLOCKS}.parquet").write_bytes(b"not parquet")
    assert known_blocks(tmp_path / "cache") is None
    assert known_blocks(tmp_path / "missing") is None


def test_a_decision_made_under_another_unit_tree_is_never_reused(bundled, decided) -> None:
    dataset, fresh = bundled
    units = dataset.units
    # Move one health centre to another area: the same cells, other relations.
    centre = units.filter(pl.col("parent_id").str.starts_with("vo_"))["unit_id"][0]
    here = units.filter(pl.col("unit_id") == centre)["parent_id"][0]
    elsewhere = units.filter(pl.col("unit_id").str.starts_with("vo_") & (pl.col("unit_id") != here))["unit_id"][0]
    moved = dataclasses.replace(dataset, units=units.with_columns(pl.when(pl.col("unit_id") == centre).then(pl.lit(elsewhere)).otherwise(pl.col("parent_id")).alias("parent_id")))
    every = decided_afresh(moved, decided)
    reused = evaluate_dataset(moved, known_of(fresh))
    assert len(decided) == every > 0
    assert reused.suppressed.to_list() == evaluate_dataset(moved).suppressed.to_list()
