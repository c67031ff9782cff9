"""The versioned data store: Delta Lake tables (Parquet files plus a transaction log) in ``data/``.

Every write is one atomic Delta commit. Nothing is overwritten in place: a corrected value is a
MERGE that makes a new table version, and every earlier version stays readable. Each commit
carries Styrkort metadata: a message and the date the data is valid "as reported" (``as_of``),
so that "the tables as they stood in DÅ08" is a lookup of the newest commit on or before a date,
independent of when the files happened to be copied or cloned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import DeltaError

from kpi.model.errors import StoreError


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: dict[str, pl.DataType]
    keys: tuple[str, ...]
    label: str  # Swedish, for messages


_TS = pl.Datetime("us", "UTC")

UNITS = TableSpec(
    "units",
    {
        "unit_id": pl.String(),
        "name": pl.String(),
        "unit_type": pl.String(),
        "parent_id": pl.String(),
        "valid_from": pl.Date(),
        "valid_to": pl.Date(),
        "is_demo": pl.Boolean(),
        "source": pl.String(),
    },
    ("unit_id",),
    "enheter",
)
OBSERVATIONS = TableSpec(
    "observations",
    {
        "measure_id": pl.String(),
        "unit_id": pl.String(),
        "period": pl.String(),
        "sex": pl.String(),  # "K", "M" or "T" (totalt)
        "value": pl.Float64(),
        "numerator": pl.Float64(),
        "denominator": pl.Float64(),
        "decimals": pl.Int8(),
        "source": pl.String(),
        "is_demo": pl.Boolean(),
        "recorded_at": _TS,
    },
    ("measure_id", "unit_id", "period", "sex"),
    "utfall",
)
COMMENTS = TableSpec(
    "comments",
    {
        "measure_id": pl.String(),
        "unit_id": pl.String(),
        "period": pl.String(),
        "text": pl.String(),
        "author": pl.String(),
        "source": pl.String(),
        "is_demo": pl.Boolean(),
        "recorded_at": _TS,
    },
    ("measure_id", "unit_id", "period"),
    "analyskommentarer",
)
ACTIONS = TableSpec(
    "actions",
    {
        "action_id": pl.String(),
        "period": pl.String(),
        "status": pl.String(),
        "comment": pl.String(),
        "source": pl.String(),
        "recorded_at": _TS,
    },
    ("action_id", "period"),
    "åtgärdsuppföljning",
)
TARGETS = TableSpec(
    "targets",
    {
        "year": pl.Int32(),
        "measure_id": pl.String(),
        "text": pl.String(),
        "value": pl.Float64(),
        "women": pl.Float64(),
        "men": pl.Float64(),
        "source": pl.String(),
        "recorded_at": _TS,
    },
    ("year", "measure_id"),
    "mål",
)
IMPORTS = TableSpec(
    "imports",
    {
        "import_id": pl.String(),
        "file_name": pl.String(),
        "file_sha256": pl.String(),
        "user": pl.String(),
        "imported_at": _TS,
        "summary": pl.String(),
        "versions_before": pl.String(),  # JSON {table: version before the import, -1 if none}
        "versions_after": pl.String(),
        "status": pl.String(),  # pågår, inläst, ångras, ångrad, avbruten (kpi.imports.pipeline)
        "undo_versions_before": pl.String(),  # JSON: table versions before an undo started
        "undone_at": _TS,
        "undone_by": pl.String(),
        "recorded_at": _TS,
    },
    ("import_id",),
    "inläsningslogg",
)
TABLES: dict[str, TableSpec] = {t.name: t for t in (UNITS, OBSERVATIONS, COMMENTS, ACTIONS, TARGETS, IMPORTS)}

_META_AS_OF = "styrkort.as_of"
_META_MESSAGE = "styrkort.message"


def empty(spec: TableSpec) -> pl.DataFrame:
    return pl.DataFrame(schema=spec.schema)


def conform(spec: TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Exactly the table's columns, in order and type; missing optional columns become null."""
    unknown = sorted(set(frame.columns) - set(spec.schema))
    if unknown:
        raise StoreError(f"Tabellen {spec.label} har inga kolumner som heter {', '.join(unknown)}.")
    missing_keys = [k for k in spec.keys if k not in frame.columns]
    if missing_keys:
        raise StoreError(f"Tabellen {spec.label} saknar nyckelkolumnerna {', '.join(missing_keys)}.")
    return frame.select(
        [
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype, strict=True).alias(c)
            for c, dtype in spec.schema.items()
        ]
    )


class Store:
    """Delta tables under one directory: ``<root>/<table>/``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, table: str) -> Path:
        return self.root / TABLES[table].name

    def exists(self, table: str) -> bool:
        return (self.path(table) / "_delta_log").is_dir()

    # --- reading ------------------------------------------------------------------------

    def read(self, table: str, *, version: int | None = None, as_of: date | datetime | None = None) -> pl.DataFrame:
        """The table now, at a version, or as it stood on a date (by the commits' as_of)."""
        spec = TABLES[table]
        if not self.exists(table):
            return empty(spec)
        if as_of is not None:
            version = self.version_as_of(table, as_of)
            if version is None:
                return empty(spec)
        try:
            return conform(spec, pl.read_delta(str(self.path(table)), version=version))
        except (DeltaError, OSError) as exc:
            raise StoreError(f"Tabellen {spec.label} i {self.path(table)} går inte att läsa: {exc}") from exc

    def history(self, table: str) -> pl.DataFrame:
        """One row per version, oldest first, with Styrkort's commit metadata."""
        if not self.exists(table):
            return pl.DataFrame(schema={"version": pl.Int64, "as_of": pl.String, "message": pl.String, "operation": pl.String})
        rows = []
        for entry in DeltaTable(str(self.path(table))).history():
            rows.append(
                {
                    "version": int(entry["version"]),
                    "as_of": str(entry.get(_META_AS_OF) or _timestamp_iso(entry.get("timestamp"))),
                    "message": str(entry.get(_META_MESSAGE) or ""),
                    "operation": str(entry.get("operation", "")),
                }
            )
        return pl.DataFrame(rows).sort("version")

    def version(self, table: str) -> int:
        """The table's current version; -1 when it does not exist yet."""
        return DeltaTable(str(self.path(table))).version() if self.exists(table) else -1

    def version_as_of(self, table: str, moment: date | datetime) -> int | None:
        cutoff = moment.isoformat() if isinstance(moment, datetime) else f"{moment.isoformat()}T23:59:59.999999+00:00"
        eligible = self.history(table).filter(pl.col("as_of") <= cutoff)
        return None if eligible.is_empty() else int(eligible["version"].max())  # type: ignore[arg-type]

    # --- writing ------------------------------------------------------------------------

    def write(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        message: str,
        as_of: datetime | None = None,
        replace: bool = False,
    ) -> int:
        """Upsert rows by the table's keys (or replace the table) in one atomic commit.

        Rows whose key exists and whose content differs are updated; identical rows are left as
        they are, so ``recorded_at`` keeps telling when a value last changed. Returns the new
        table version.
        """
        spec = TABLES[table]
        moment = as_of or datetime.now(UTC)
        data = conform(spec, frame)
        if "recorded_at" in spec.schema:
            data = data.with_columns(pl.col("recorded_at").fill_null(pl.lit(moment).cast(_TS)))
        duplicated = data.select(spec.keys).is_duplicated()
        if duplicated.any():
            first = data.filter(duplicated).row(0, named=True)
            key = ", ".join(f"{k}={first[k]}" for k in spec.keys)
            raise StoreError(f"Samma nyckel förekommer flera gånger i {spec.label}: {key}.")
        properties = CommitProperties(custom_metadata={_META_AS_OF: moment.isoformat(), _META_MESSAGE: message})
        target = str(self.path(table))
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            if replace or not self.exists(table):
                data.write_delta(
                    target,
                    mode="overwrite" if self.exists(table) else "error",
                    delta_write_options={"commit_properties": properties},
                )
            else:
                compared = [c for c in spec.schema if c not in spec.keys and c != "recorded_at"]
                changed = " OR ".join(f"NOT (s.{c} <=> t.{c})" for c in compared)
                (
                    data.write_delta(
                        target,
                        mode="merge",
                        delta_merge_options={
                            "predicate": " AND ".join(f"s.{k} = t.{k}" for k in spec.keys),
                            "source_alias": "s",
                            "target_alias": "t",
                            "commit_properties": properties,
                        },
                    )
                    .when_matched_update_all(predicate=changed)
                    .when_not_matched_insert_all()
                    .execute()
                )
        except (DeltaError, OSError) as exc:
            raise StoreError(f"Det gick inte att skriva {spec.label}: {exc}. Inget har ändrats.") from exc
        return DeltaTable(target).version()

    def delete(self, table: str, predicate: str, *, message: str, as_of: datetime | None = None) -> int:
        """Remove rows matching a Delta SQL predicate as a new version (they stay in history)."""
        moment = as_of or datetime.now(UTC)
        properties = CommitProperties(custom_metadata={_META_AS_OF: moment.isoformat(), _META_MESSAGE: message})
        table_ = DeltaTable(str(self.path(table)))
        table_.delete(predicate, commit_properties=properties)
        return table_.version()


def _timestamp_iso(millis: object) -> str:
    if isinstance(millis, int | float):
        return datetime.fromtimestamp(millis / 1000, UTC).isoformat()
    return ""

