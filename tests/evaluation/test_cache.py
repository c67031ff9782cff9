"""The evaluation cache: the same tables as a fresh evaluation, and never stale."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from kpi.evaluation import cache
from kpi.evaluation.cache import TABLES, cached_evaluation, evaluation_key
from kpi.evaluation.scorecard import load_dataset
from kpi.model.settings import Settings
from kpi.store.bundled import copy_data
from kpi.store.delta import store_for

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


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """The clock ``log_stamp`` reads, ``seconds`` ahead (a folder's change time cannot be set back)."""
    ahead = time.time_ns() + int(seconds * 1e9)
    monkeypatch.setattr(cache.time, "time_ns", lambda: ahead)


def _commit(data_dir: Path) -> None:
    store = store_for(data_dir)
    comments = store.read("comments")
    store.write("comments", comments, message="test: the same rows again", replace=True)


def _rebuild(data_dir: Path) -> None:
    """A store swapped in as a whole, as build-data does (the same commit names, other folders)."""
    built = data_dir.parent / "built"
    shutil.copytree(data_dir / "store", built, copy_function=shutil.copy2)
    (data_dir / "store").rename(data_dir.parent / "old")
    built.rename(data_dir / "store")


def _nothing(data_dir: Path) -> None:
    (data_dir / "cache").mkdir(exist_ok=True)  # outside the store
    (data_dir / "store" / "observations" / "part-x.parquet").write_bytes(b"")  # a data file, not a commit


@pytest.mark.parametrize(
    ("change", "differs"),
    [(_commit, True), (_rebuild, True), (_nothing, False)],
    ids=["a commit", "a rebuilt store swapped in", "no commit"],
)
def test_a_stamp_changes_with_every_commit_and_rebuild(data_dir: Path, monkeypatch: pytest.MonkeyPatch, change: Any, differs: bool) -> None:
    _later(monkeypatch, 10)
    before = cache.log_stamp(data_dir)
    fingerprint = cache.store_fingerprint(data_dir)
    change(data_dir)
    after = cache.log_stamp(data_dir)
    assert (after != before) is differs
    # The logs' content is the authority: a commit changes it; a copy swapped in may not, and then
    # the caches are not emptied even though the stamp made follow_store read the logs again.
    assert (cache.store_fingerprint(data_dir) != fingerprint) is (change is _commit)


def test_a_stamp_is_trusted_only_once_its_folders_are_older_than_the_file_systems_times_can_tell(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _commit(data_dir)
    assert not cache.log_stamp(data_dir).settled  # just written: a second commit could keep its time
    _later(monkeypatch, cache.STAMP_SETTLE_NS / 1e9 + 1)
    assert cache.log_stamp(data_dir).settled


def test_a_store_folder_that_is_missing_is_a_stamp_too(tmp_path: Path) -> None:
    stamp = cache.log_stamp(tmp_path)
    assert set(stamp.folders) == {None}
    assert stamp == cache.log_stamp(tmp_path)
