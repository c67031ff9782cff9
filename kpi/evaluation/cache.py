"""The evaluated tables kept on disk, so a new dashboard process starts without re-evaluating.

The cache is keyed by everything the evaluation depends on: the catalogue files, the version of
every store table (its Delta log), the settings and the source of ``kpi/`` itself. Any change
gives a new key and a fresh evaluation; a stale result can never be read. Writing is best effort:
a read-only deployment simply evaluates in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import polars as pl

from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset

log = logging.getLogger(__name__)
KPI_DIR = Path(__file__).resolve().parents[1]
TABLES = ("long", "wide", "spread", "measures")


def evaluation_key(data_dir: Path, dataset: Dataset) -> str:
    digest = hashlib.sha256()
    sources = sorted((data_dir / "catalogue").glob("*.yaml")) + sorted(KPI_DIR.rglob("*.py"))
    for path in sources:
        # The source's place, not only its name: kpi/ has packages, and a module may move.
        digest.update((path.name if path.suffix == ".yaml" else path.relative_to(KPI_DIR).as_posix()).encode())
        digest.update(path.read_bytes())
    digest.update(store_fingerprint(data_dir).encode())
    digest.update(dataset.settings.model_dump_json().encode())
    return digest.hexdigest()[:20]


def store_fingerprint(data_dir: Path) -> str:
    """Which commits every store table has: changes with any write (an import, an undo, a rebuild)."""
    parts = []
    for log_dir in sorted((data_dir / "store").glob("*/_delta_log")):
        parts.append(f"{log_dir.parent.name}:{'|'.join(sorted(p.name for p in log_dir.glob('*.json')))}")
    return ";".join(parts)


def cached_evaluation(dataset: Dataset, data_dir: Path, cache_dir: Path | None = None) -> Evaluation:
    """The evaluation of ``dataset`` from the cache if present, else evaluated and stored."""
    cache_dir = cache_dir or data_dir / "cache"
    target = cache_dir / evaluation_key(data_dir, dataset)
    if all((target / f"{name}.parquet").exists() for name in TABLES):
        try:
            return Evaluation(**{name: pl.read_parquet(target / f"{name}.parquet") for name in TABLES})
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
            log.warning("Styrkort: the evaluation cache %s could not be read; evaluating again", target)
    evaluation = evaluate_dataset(dataset)
    _store(evaluation, cache_dir, target)
    return evaluation


def _store(evaluation: Evaluation, cache_dir: Path, target: Path) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.iterdir():  # one data set is cached at a time; a damaged one goes too
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".tmp-"))
        for name in TABLES:
            getattr(evaluation, name).write_parquet(staging / f"{name}.parquet", compression="lz4")
        os.replace(staging, target)  # atomic: readers see all tables or none
    except OSError as error:
        log.warning("Styrkort: the evaluation cache could not be written (%s); continuing without it", error)
