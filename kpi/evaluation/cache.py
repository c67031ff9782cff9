"""The evaluation as a materialised, versioned artefact of the store: ``<data>/cache/<key>/``.

The key covers everything the evaluation depends on: the catalogue files, the version of every
store table (its Delta log), the settings and the source of ``kpi/`` itself. Any change gives a
new key: a stale artefact is never read, and a missing or damaged one is evaluated again and
rewritten. The artefact holds the report periods evaluated (``long``, ``wide``, ``spread``), the
catalogue rows (``measures``), what the months need from the report periods (``report_lookup``),
the keys of every masked cell, months included (``suppressed``), how they were decided per
measure-year (``suppression_blocks``, which the next evaluation reuses where a measure-year is
unchanged: ``known_blocks``), and the unit tree (``units``); the months are evaluated from the
observations when a view asks.

Every write of the store refreshes it (``materialise``: ``python -m kpi build-data``, an import,
an undo), so the dashboard, the command line and the exports read it instead of evaluating.
Writing is best effort: a read-only deployment simply evaluates in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from kpi.evaluation.engine import MonthEngine, Prepared
from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset
from kpi.evaluation.suppression import known_from
from kpi.model.settings import Settings
from kpi.store.delta import TABLES as STORE_TABLES
from kpi.store.delta import library_errors, store_for
from kpi.store.objects import list_names

log = logging.getLogger(__name__)
KPI_DIR = Path(__file__).resolve().parents[1]
TABLES = ("long", "wide", "spread", "measures", "report_lookup")
_STORED = (*TABLES, "suppressed", "units")
BLOCKS = "suppression_blocks"  # the masking per measure-year, for the next evaluation (optional)


def evaluation_key(data_dir: Path, dataset: Dataset | None = None, *, settings: Settings | None = None) -> str:
    """The artefact's version: of the catalogue, the store, the settings and the code."""
    settings = settings if settings is not None else dataset.settings if dataset is not None else Settings()
    digest = hashlib.sha256()
    sources = sorted((data_dir / "catalogue").glob("*.yaml")) + sorted(KPI_DIR.rglob("*.py"))
    for path in sources:
        # The source's place, not only its name: kpi/ has packages, and a module may move.
        digest.update((path.name if path.suffix == ".yaml" else path.relative_to(KPI_DIR).as_posix()).encode())
        digest.update(path.read_bytes())
    digest.update(store_fingerprint(data_dir).encode())
    digest.update(settings.model_dump_json().encode())
    return digest.hexdigest()[:20]


def store_fingerprint(data_dir: Path) -> str:
    """Which commits every store table has, by their content: changes with any write (an import,
    an undo, a rebuild). Names alone are not enough: a rebuilt store has commits named as before
    (version 0, 1, …) but other contents and times. For a store in object storage
    (``STYRKORT_STORE``) the same, from a listing of each table's log."""
    digest = hashlib.sha256()
    store = store_for(data_dir)
    if store.location is not None:
        # Object storage: one listing per table, and each commit file's ETag (a digest of its
        # content) stands for its bytes, so nothing is downloaded on a dashboard run.
        for table in sorted(STORE_TABLES):
            with library_errors(STORE_TABLES[table], store.path(table), "läsa"):
                for name, etag in sorted(list_names(store.location, f"{table}/_delta_log")):
                    if name.endswith(".json"):
                        digest.update(f"{table}/{name} {etag}\n".encode())
        return digest.hexdigest()[:32]
    for log_dir in sorted((data_dir / "store").glob("*/_delta_log")):
        for commit in sorted(log_dir.glob("*.json")):
            digest.update(f"{log_dir.parent.name}/{commit.name}\n".encode())
            try:
                digest.update(commit.read_bytes())
            except OSError:  # gone while listing (a rebuild swapping the store in): differs anyway
                digest.update(b"?")
    return digest.hexdigest()[:32]


# A folder's times are as fine as its file system keeps them: a log changed shortly before its
# stamp was taken could change again within the same tick and keep its time (git's "racy" index
# entries). A stamp is trusted only once every time in it is this much older than the stamp.
STAMP_SETTLE_NS = 2_000_000_000


@dataclass(frozen=True)
class LogStamp:
    """What a store in a directory looks like from outside, without reading a file: the identity
    (device, inode) and times (modified, changed) of its folder and of every table's log folder.
    A commit adds a file to its table's log folder, and a rebuild swaps the folders in: either
    gives another stamp. ``settled``: every time in it is ``STAMP_SETTLE_NS`` older than the
    moment it was taken, so an equal stamp later means an unchanged store."""

    folders: tuple[tuple[int, int, int, int] | None, ...]
    settled: bool


def log_stamp(data_dir: Path) -> LogStamp:
    """The stamp of the store in ``data_dir`` (one ``stat`` per folder; a missing folder is None).
    ``store_fingerprint`` reads the logs themselves; a process that saw a settled stamp and its
    fingerprint need not read them again while the stamp stays the same (``ui.data.follow_store``)."""
    taken = time.time_ns()
    store = data_dir / "store"
    folders = []
    for folder in (store, *(store / spec.name / "_delta_log" for _, spec in sorted(STORE_TABLES.items()))):
        try:
            st = os.stat(folder)
        except OSError:
            folders.append(None)
            continue
        folders.append((st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    newest = max((max(f[2], f[3]) for f in folders if f is not None), default=0)
    return LogStamp(tuple(folders), settled=newest < taken - STAMP_SETTLE_NS)


def read_artefact(
    data_dir: Path, settings: Settings, dataset: Callable[[], Dataset], cache_dir: Path | None = None
) -> tuple[Evaluation, pl.DataFrame] | None:
    """The stored evaluation and unit tree for the store as it is now, or None when there is none
    for this version. ``dataset`` loads the data set when a month is first asked for."""
    target = (cache_dir or data_dir / "cache") / evaluation_key(data_dir, settings=settings)
    if not all((target / f"{name}.parquet").exists() for name in _STORED):
        return None
    try:
        tables = {name: pl.read_parquet(target / f"{name}.parquet") for name in _STORED}
    except Exception:  # noqa: BLE001 - a damaged artefact is rebuilt, never trusted
        log.warning("Styrkort: the stored evaluation %s could not be read; evaluating again", target)
        return None

    def prepared() -> Prepared:
        data = dataset()
        return Prepared.of(data.observations, data.units, tables["measures"], data.years)

    suppressed = tables["suppressed"]["key"]
    months = MonthEngine(prepared, settings, tables["report_lookup"], suppressed)
    evaluation = Evaluation(
        tables["long"], tables["wide"], tables["spread"], tables["measures"], months=months, report_lookup=tables["report_lookup"], suppressed=suppressed
    )
    return evaluation, tables["units"]


def cached_evaluation(dataset: Dataset, data_dir: Path, cache_dir: Path | None = None) -> Evaluation:
    """The evaluation of ``dataset`` (the store as it is now) from its artefact if present, else
    evaluated and stored."""
    found = read_artefact(data_dir, dataset.settings, lambda: dataset, cache_dir)
    if found is not None:
        return found[0]
    key = evaluation_key(data_dir, dataset)
    cache_dir = cache_dir or data_dir / "cache"
    damaged = (cache_dir / key).is_dir()  # there, but it could not be read
    evaluation = evaluate_dataset(dataset, known_blocks(cache_dir, but=key))
    _store(evaluation, dataset.units, cache_dir, key, replace=damaged)
    return evaluation


def materialise(data_dir: Path, cache_dir: Path | None = None) -> Path | None:
    """After a write of the store: evaluate it and store the artefact (best effort). Returns its
    directory, or None when it could not be written."""
    dataset = load_dataset(data_dir)
    cache_dir = cache_dir or data_dir / "cache"
    key = evaluation_key(data_dir, dataset)
    if (cache_dir / key).is_dir():
        return cache_dir / key
    return _store(evaluate_dataset(dataset, known_blocks(cache_dir, but=key)), dataset.units, cache_dir, key)


def known_blocks(cache_dir: Path, *, but: str | None = None) -> dict[str, list[int]] | None:
    """The masking decided per measure-year by the stored artefact (the previous version of the
    store, before a write), for the next evaluation to reuse where a measure-year is unchanged:
    an import of one period decides only the measure-years it touched again. Each decision is keyed
    by a digest of everything it depends on (``kpi.evaluation.suppression.decide``), so a stale or
    foreign entry is never used; an unreadable one is ignored."""
    try:
        folders = [f for f in cache_dir.iterdir() if f.is_dir() and not f.name.startswith(".") and f.name != but]
    except OSError:
        return None
    for folder in sorted(folders, key=_modified, reverse=True):
        try:
            return known_from(pl.read_parquet(folder / f"{BLOCKS}.parquet"))
        except Exception:  # noqa: BLE001 - only a speed-up: evaluate every block instead
            continue
    return None


def _modified(folder: Path) -> float:
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0


def _staging_in_use(folder: Path, seconds: float = 600) -> bool:
    """A staging folder another process is still writing (recently changed), not one left behind."""
    import time

    try:
        return folder.name.startswith(".tmp-") and time.time() - folder.stat().st_mtime < seconds
    except OSError:
        return False


def _store(evaluation: Evaluation, units: pl.DataFrame, cache_dir: Path, key: str, *, replace: bool = False) -> Path | None:
    """Write the artefact of version ``key``; ``replace``: the one there is damaged, write over it."""
    if evaluation.report_lookup is None or evaluation.suppressed is None:
        return None
    tables = {
        "long": evaluation.reports.long, "wide": evaluation.reports.wide, "spread": evaluation.reports.spread,
        "measures": evaluation.measures, "report_lookup": evaluation.report_lookup,
        "suppressed": evaluation.suppressed.to_frame("key"), "units": units,
    }  # fmt: skip
    if evaluation.suppression_blocks is not None:
        tables[BLOCKS] = evaluation.suppression_blocks
    target = cache_dir / key
    staging: Path | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".tmp-"))
        for name, frame in tables.items():
            frame.write_parquet(staging / f"{name}.parquet", compression="lz4")
        # One version is kept at a time. Another process sharing the store (a second server, a
        # test worker) may have stored this same version meanwhile and be reading it: that one is
        # left alone, and this copy is dropped. Only other (older) versions and stale staging go.
        for old in cache_dir.iterdir():
            if old.is_dir() and old not in (staging, target) and not _staging_in_use(old):
                shutil.rmtree(old, ignore_errors=True)
        if target.is_dir():
            if not replace:
                shutil.rmtree(staging, ignore_errors=True)
                return target
            shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)  # atomic: readers see all tables or none
        return target
    except (OSError, pl.exceptions.PolarsError) as error:  # a full disk reaches Polars' writer as its own error
        log.warning("Styrkort: the evaluation could not be stored (%s); continuing without it", error)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        return None
