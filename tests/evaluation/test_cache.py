"""The evaluation cache: the same tables as a fresh evaluation, and never stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from kpi.evaluation.cache import TABLES, cached_evaluation, evaluation_key
from kpi.evaluation.scorecard import load_dataset
from kpi.model.settings import Settings
from kpi.store.bundled import copy_data

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_data(DATA, tmp_path)


def test_a_cached_evaluation_equals_a_fresh_one(bundled, data_dir: Path) -> None:
    _, fresh = bundled
    dataset = load_dataset(data_dir)
    first = cached_evaluation(dataset, data_dir)
    again = cached_evaluation(dataset, data_dir)
    for name in TABLES:
        assert_frame_equal(getattr(again, name), getattr(fresh, name), check_row_order=False)
        assert_frame_equal(getattr(first, name), getattr(fresh, name), check_row_order=False)
    # The cells masked by secondary suppression come back with it: the months read them.
    assert again.suppressed.sort().to_list() == fresh.suppressed.sort().to_list()
    assert len(fresh.suppressed) > 0
    assert len(list((data_dir / "cache").iterdir())) == 1


def test_the_key_changes_with_the_catalogue_the_store_and_the_settings(data_dir: Path) -> None:
    dataset = load_dataset(data_dir)
    key = evaluation_key(data_dir, dataset)
    assert evaluation_key(data_dir, dataset) == key
    other_settings = load_dataset(data_dir, settings=Settings(mask_threshold=3))
    assert evaluation_key(data_dir, other_settings) != key
    catalogue = data_dir / "catalogue" / "2022.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    changed = evaluation_key(data_dir, dataset)
    assert changed != key
    (data_dir / "store" / "observations" / "_delta_log" / "00000000000000000099.json").write_text("{}")
    assert evaluation_key(data_dir, dataset) != changed


def test_a_damaged_cache_is_evaluated_again(bundled, data_dir: Path) -> None:
    _, fresh = bundled
    dataset = load_dataset(data_dir)
    cached_evaluation(dataset, data_dir)
    [entry] = list((data_dir / "cache").iterdir())
    (entry / "wide.parquet").write_bytes(b"not parquet")
    assert_frame_equal(cached_evaluation(dataset, data_dir).wide, fresh.wide, check_row_order=False)
    assert (entry / "wide.parquet").read_bytes()[:4] == b"PAR1"  # rewritten


def test_a_second_process_storing_the_same_version_leaves_the_first_ones_artefact(bundled, data_dir: Path) -> None:
    """Two servers (or test workers) sharing a store may both evaluate a new version: the second
    drops its copy instead of removing the one the first may be reading; an older version goes,
    and a staging folder another process is writing right now stays."""
    from kpi.evaluation.cache import _store

    dataset = load_dataset(data_dir)
    cached_evaluation(dataset, data_dir)
    [entry] = list((data_dir / "cache").iterdir())
    before = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    (data_dir / "cache" / "0ldversion").mkdir()
    (data_dir / "cache" / ".tmp-another-writer").mkdir()
    _, fresh = bundled
    assert _store(fresh, dataset.units, data_dir / "cache", entry.name) == entry
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == before  # untouched
    assert sorted(p.name for p in (data_dir / "cache").iterdir()) == sorted([entry.name, ".tmp-another-writer"])
