"""The log of every write (ändringslogg): imports, undos and texts written in the browser, with the
units each touched, for the förvaltare and ledning to follow up who changed what.

Every write is an import (``kpi.imports.written`` turns a written analysis into one), so the
import log already says who, when, which file and what; this adds *where*: the units whose rows a
write changed, found by comparing the tables' Delta versions before and after it. That needs no
column the store does not already have, so older logs get their units too.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from kpi.imports.pipeline import imports, log_table
from kpi.store.delta import Store, store_for

_WITH_UNITS = ("observations", "comments")


def _changed_units(store: Store, table: str, before: int, after: int) -> set[str]:
    if after < 0 or after == before:
        return set()
    new = store.read(table, version=after).drop("recorded_at")
    old = store.read(table, version=before).drop("recorded_at") if before >= 0 else new.clear()
    changed = pl.concat([new.join(old, on=new.columns, how="anti", nulls_equal=True), old.join(new, on=new.columns, how="anti", nulls_equal=True)])
    return set(changed["unit_id"].unique().to_list())


def units_touched(data_dir: Path, versions_before: str, versions_after: str) -> tuple[str, ...]:
    """The units whose observations or comments a write changed, sorted; () for none (targets,
    actions) or when the versions cannot be read (a vacuumed history)."""
    store = store_for(data_dir)
    before, after = json.loads(versions_before or "{}"), json.loads(versions_after or "{}")
    found: set[str] = set()
    for table in _WITH_UNITS:
        if table in after:
            try:
                found |= _changed_units(store, table, int(before.get(table, -1)), int(after[table]))
            except Exception:  # an old version removed by maintenance: the entry stays, its units unknown
                continue
    return tuple(sorted(found))


def audit_log(data_dir: Path) -> pl.DataFrame:
    """The log with Swedish headings (``log_table``) and, per write, the unit ids it touched
    (``unit_ids``, a list), newest first."""
    log = imports(data_dir)
    shown = log_table(log)
    touched = [units_touched(data_dir, r["versions_before"], r["versions_after"]) for r in log.iter_rows(named=True)]
    return shown.with_columns(pl.Series("unit_ids", [list(t) for t in touched], dtype=pl.List(pl.String)))


def filter_log(log: pl.DataFrame, *, unit_ids: list[str] | None = None, person: str | None = None) -> pl.DataFrame:
    """The entries that touched any of ``unit_ids`` and were made (or undone) by ``person``."""
    out = log
    if unit_ids:
        out = out.filter(pl.col("unit_ids").list.eval(pl.element().is_in(unit_ids)).list.any())
    if person:
        out = out.filter((pl.col("Vem") == person) | pl.col("Status").str.ends_with(f" av {person}"))
    return out
