"""Importing a period's figures: read → validate → preview → write, and undo.

``prepare`` reads and validates a file and compares it with the store: a ``Plan`` says, per table,
which rows are new, which change (old and new value) and which are unchanged, or lists every
problem. Nothing is written unless the whole file is valid. ``apply`` writes a valid plan under
the store's import lock, as one Delta version per table touched, and records who, when and which
file in the import log; if any write fails, the tables already written are put back. ``undo``
restores the rows an import changed, from the table versions before it, unless a later import
changed the same rows. ``value_history`` lists every version of one value.

What a file means for the stored data (``compare``; the cells as ``kpi.imports.check`` reads them):

* Columns a file leaves out, and empty cells in optional columns, keep what is stored, in every
  table: täljare/nämnare (Utfall), mål (text)/målvärde/mål kvinnor/mål män (Mål), författare
  (Kommentarer), kommentar (Åtgärder), and the source of an unchanged figure. ``..`` in such a
  column removes the stored value on purpose. Where keeping a stored value would contradict the
  row, the row is refused with the reason and nothing is written:
  - a share whose value changes while täljare and nämnare are not given, when the stored ones do
    not give the new value (to its typed decimals): "värdet ändras men täljare och nämnare
    saknas i filen: ange dem, eller skriv .. för att ta bort dem"; likewise a value set to ..
    while täljare and nämnare are stored;
  - a target whose numbers change while the stored mål (text) is kept (it belongs to the old
    target), whose text changes while stored numbers are kept, or that would end up with both a
    målvärde and mål per kön (one given, the other stored).
  Columns that are the row's key are never kept: they say which row it is.
* A missing value replaces a stored one only when the file says so: ``..`` typed in värde (an
  empty value cell is an error). Kolada's "Missing" or null, or a value left out, is not such a
  statement: a stored row stays as it is, shown as unchanged with the note
  ``NOTE_KOLADA_MISSING``; where nothing is stored the row is new and "uppgift saknas".
* An unchanged figure is the same figure: judged on the value, to the finer of the stored and
  the new precision (16 and 16,0 are one figure; a stored 10,6537… printed 10,7 and a typed 10,7
  too; a number cell or a Kolada value counts with its own digits, so 16,4 is not 16). It keeps
  its stored value, decimals and source (unless the file types a source of its
  own), so re-typing a published figure with other decimals makes no new version. A changed
  figure takes the decimals typed (at most two), or the measure's where the cell held a number.
  A demo figure is always replaced by the file's, since it is no longer demo data.
* The source: a ``källa`` typed in the file is used; else an unchanged figure (or row, for the
  other tables) keeps the stored one, and anything new or changed gets "Inläsning av <fil>"
  (Kolada: the KPI and the municipality, which the reader makes and which count as not typed).
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import hashlib
import json
import logging
import operator
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from kpi.imports.check import CLEARED, CheckContext, Problem, check_file, sheet_label, target_text_problem
from kpi.imports.raw import RawFile
from kpi.imports.read import ImportFileError, Limits, read_file
from kpi.model.catalogue import CatalogueSet, imported_target, load_catalogues
from kpi.model.errors import StoreError, StyrkortError
from kpi.model.formatting import format_number, format_value
from kpi.model.settings import Settings, load_settings
from kpi.store.delta import TABLES, Store, store_for
from kpi.texts.small_counts import small_count_warning
from kpi.store.journal import (
    FILE_NAME_LIMIT,
    LOCK_NAME,
    STATUS_ABORTED,
    STATUS_DONE,
    STATUS_UNDOING,
    STATUS_UNDONE,
    STATUS_WRITING,
    ImportBusyError,
    import_lock,
    log_text,
    recover,
    roll_back,
    settle,
)

# Sheet → store table, in the order they are written.
SHEET_TABLES = {"Utfall": "observations", "Mål": "targets", "Kommentarer": "comments", "Åtgärder": "actions"}
TABLE_WORDS = {"observations": "utfall", "targets": "mål", "comments": "kommentarer", "actions": "åtgärdsuppföljningar"}
# (singular, plural, neuter) for "1 nytt utfall", "2 nya kommentarer".
_NOUNS = {
    "observations": ("utfall", "utfall", True),
    "targets": ("mål", "mål", True),
    "comments": ("kommentar", "kommentarer", False),
    "actions": ("åtgärdsuppföljning", "åtgärdsuppföljningar", False),
}


def counted(n: int, table: str, adjective: str) -> str:
    """'1 nytt utfall', '3 ändrade utfall', '1 ny kommentar' (adjective: "ny" or "ändrad")."""
    singular, plural, neuter = _NOUNS[table]
    if n == 1:
        word = {"ny": "nytt", "ändrad": "ändrat"}[adjective] if neuter else adjective
        return f"1 {word} {singular}"
    return f"{n} {'nya' if adjective == 'ny' else 'ändrade'} {plural}"


CHANGE_NEW, CHANGE_CHANGED, CHANGE_SAME = "ny", "ändrad", "oförändrad"
# The import log's statuses, the lock and the recovery of an unfinished import live in
# kpi.store.journal, so that every reader (the evaluation layer too) can recover before it reads;
# they are re-exported here under their old names.
__all__ = ["LOCK_NAME", "STATUS_ABORTED", "STATUS_DONE", "STATUS_UNDOING", "STATUS_UNDONE", "STATUS_WRITING"]
__all__ += ["ImportBusyError", "import_lock", "recover"]
_log = logging.getLogger("styrkort")


@dataclass
class Plan:
    """A checked file and what writing it would do."""

    file_name: str
    file_sha256: str
    problems: list[Problem]
    changes: dict[str, pl.DataFrame] = field(default_factory=dict)  # table → rows with a "change" column
    versions: dict[str, int] = field(default_factory=dict)  # table versions the preview was made against
    row_count: int = 0
    not_read: list[str] = field(default_factory=list)  # what the file holds that is not read, and why (kpi.imports.read)
    warnings: list[str] = field(default_factory=list)  # texts that seem to name small counts of people: read before writing

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self, table: str) -> dict[str, int]:
        frame = self.changes.get(table)
        counted = {CHANGE_NEW: 0, CHANGE_CHANGED: 0, CHANGE_SAME: 0}
        if frame is not None:
            for change, n in frame.group_by("change").len().iter_rows():
                counted[change] = n
        return counted

    @property
    def to_write(self) -> int:
        return sum(c[CHANGE_NEW] + c[CHANGE_CHANGED] for c in (self.counts(t) for t in self.changes))

    @property
    def notes(self) -> int:
        """Rows kept as stored although the file has them (Kolada's missing values)."""
        frame = self.changes.get("observations")
        return 0 if frame is None or "note" not in frame.columns else frame["note"].is_not_null().sum()

    def sentence(self) -> str:
        """'utfall.csv: 12 rader utan fel. 3 nya utfall …' for the page and the command line."""
        rows = "1 rad" if self.row_count == 1 else f"{format_number(self.row_count, 0)} rader"
        summary = self.summary()
        said = [*self.not_read, *self.warnings]
        return f"{self.file_name}: {rows} utan fel. {summary[0].upper()}{summary[1:]}" + "".join(f" {n}" for n in said)

    def summary(self) -> str:
        """'12 nya utfall, 3 ändrade utfall, 1 ny kommentar; 40 rader är oförändrade.'"""
        parts, same = [], 0
        for table in self.changes:
            c = self.counts(table)
            same += c[CHANGE_SAME]
            if c[CHANGE_NEW]:
                parts.append(counted(c[CHANGE_NEW], table, "ny"))
            if c[CHANGE_CHANGED]:
                parts.append(counted(c[CHANGE_CHANGED], table, "ändrad"))
        text = ", ".join(parts) if parts else "inga ändringar"
        if same:
            text += f"; {same} {'rad är oförändrad' if same == 1 else 'rader är oförändrade'}"
        notes = self.notes
        if notes:
            kept = "1 värde saknas i Kolada; det lagrade behålls" if notes == 1 else f"{notes} värden saknas i Kolada; de lagrade behålls"
            text += f" ({kept})"
        return f"{text}."


@dataclass(frozen=True)
class ImportRecord:
    import_id: str
    version_after: dict[str, int]
    summary: str


def store_versions(data_dir: Path) -> tuple[int, ...]:
    """The version of every table an import writes: a preview made at other versions is stale."""
    store = store_for(data_dir)
    return tuple(store.version(t) for t in (*SHEET_TABLES.values(), "imports"))


def looks_like_kolada(file_name: str, content: bytes) -> bool:
    """A JSON file (by name or content), which needs a mapping file to be read."""
    return file_name.casefold().endswith(".json") or content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def limits_from(settings: Settings) -> Limits:
    return Limits(int(settings.import_max_megabytes * 1_000_000), settings.import_max_rows)


def prepare(
    data_dir: Path, file_name: str, content: bytes, *, mapping: bytes | None = None, settings: Settings | None = None
) -> Plan:
    """Read, validate and compare with the store; never writes."""
    settings = settings or load_settings(data_dir / "styrkort.toml")
    with _no_gc_pauses():
        return _prepare(data_dir, Path(file_name).name, content, mapping, settings)


def _prepare(data_dir: Path, name: str, content: bytes, mapping: bytes | None, settings: Settings) -> Plan:
    sha = hashlib.sha256(content).hexdigest()
    # What is stored is read in a thread while the file is read: a workbook is read in a child
    # process, and Polars and Delta Lake release the interpreter, so the upload does not wait for it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="styrkort-import") as pool:
        ahead = pool.submit(_stored_ahead, data_dir)
        try:
            raw = read_file(name, content, limits_from(settings), mapping)
        except ImportFileError as exc:  # the read ahead's own error, if any, does not matter then
            return Plan(name, sha, [Problem(name, 0, "filen", "", str(exc))])
        store, catalogues, units, outcomes = ahead.result()
    checked = check_file(raw, CheckContext(catalogues, units))
    plan = Plan(name, sha, checked.problems, row_count=raw.row_count, not_read=raw.not_read)
    if not checked.ok:
        return plan
    plan.warnings = _small_count_warnings(raw, checked.rows, settings.mask_threshold)
    # Kolada's missing values are Kolada's silence, not an analyst's "..", and its source is made
    # by the reader, not typed: both only fill in where the stored data has nothing better.
    from_kolada = raw.kind == "kolada"
    refused: list[Problem] = []
    for sheet, rows in checked.rows.items():
        if not rows:
            continue
        table = SHEET_TABLES[sheet]
        plan.versions[table], current = outcomes if table == "observations" else (store.version(table), store.read(table))
        incoming = _frame(table, rows, catalogues)
        if from_kolada:
            incoming = incoming.with_columns(pl.col("source").alias("_default_source"), pl.lit(None, pl.String).alias("source"))
        changes = compare(current, incoming, table, default_source=f"Inläsning av {name}", missing_is_explicit=not from_kolada)
        refused += _refusals(sheet_label(raw, sheet), table, changes, catalogues, from_kolada=from_kolada)
        if table == "targets":
            refused += _target_texts(sheet_label(raw, sheet), changes, catalogues)
        changes = changes.drop("_row", "_refusal")
        if table == "targets" and not refused:  # what the dashboard shows today where no target was imported before
            measures = [catalogues.for_year(r["year"]).measure(r["measure_id"]) for r in changes.iter_rows(named=True)]
            changes = changes.with_columns(
                pl.Series("catalogue_text", [m.target.text for m in measures], dtype=pl.String),
                pl.Series(
                    "new_text",
                    [imported_target(m, r).text for m, r in zip(measures, changes.iter_rows(named=True), strict=True)],
                    dtype=pl.String,
                ),
            )
        plan.changes[table] = changes
    if refused:  # rows that would contradict what is stored: nothing of the file can be written
        return Plan(name, sha, refused, row_count=raw.row_count, not_read=plan.not_read)
    return plan


def _stored_ahead(data_dir: Path) -> tuple[Store, CatalogueSet, pl.DataFrame, tuple[int, pl.DataFrame]]:
    """What the check and the preview read whatever the file holds: the store to read the others
    through, the catalogues, the units and the stored outcomes with their version (the version
    first: a write in between makes the preview stale, never wrong). The store is settled first,
    as for every read: an import whose process died is rolled back, one still running in another
    process is read around (the preview then shows the data before it)."""
    store = settle(store_for(data_dir)).store
    return store, load_catalogues(data_dir / "catalogue"), store.read("units"), (store.version("observations"), store.read("observations"))


@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Reading and validating make a few million short-lived objects and no cycles; the cyclic
    collector would otherwise run hundreds of times and cost about a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Columns a file may leave out, per table, and what a missing text becomes in the store.
KEPT_COLUMNS: dict[str, tuple[str, ...]] = {
    "observations": ("numerator", "denominator"),
    "targets": ("text", "value", "women", "men"),
    "comments": ("author",),
    "actions": ("comment",),
}
_EMPTY_TEXT = {"author": "", "comment": ""}  # stored as "" (not null) when there is none, as before
NOTE_KOLADA_MISSING = "Saknas i Kolada; det lagrade värdet behålls."


def _frame(table: str, rows: list[tuple[int, Any]], catalogues: CatalogueSet) -> pl.DataFrame:
    """The checked rows as the store table's columns, plus ``_row`` (the row in the file) and, for
    each column a file may leave out, ``_clear_<column>`` (the file wrote ..). In the columns
    themselves null is "nothing given" (an empty cell or a column left out) or ..; ``source`` is
    null where the file gives none."""
    spec = TABLES[table]
    kept = KEPT_COLUMNS[table]
    objects = [r for _, r in rows]
    columns: dict[str, Sequence[Any]] = {"_row": [n for n, _ in rows]}
    if table == "observations":
        names = ("measure_id", "unit_id", "period", "sex", "value", "source", "typed_decimals")
        columns |= dict(zip(names, zip(*map(operator.attrgetter(*names), objects), strict=True), strict=True))
        typed = columns.pop("typed_decimals")
        if None in typed:  # the measure's decimals where the value was not typed as text (a number in Excel, computed)
            defaults: dict[tuple[str, str], int] = {}
            for measure_id, period in {(m, p) for m, p, d in zip(columns["measure_id"], columns["period"], typed) if d is None}:
                defaults[measure_id, period] = catalogues.for_year(int(period[:4])).measure(measure_id).decimals
            typed = [defaults[m, p] if d is None else d for m, p, d in zip(columns["measure_id"], columns["period"], typed)]
        columns["decimals"] = typed
        columns["is_demo"] = [False] * len(objects)
    else:
        dumped = [r.model_dump() for r in objects]
        columns |= {c: [d[c] for d in dumped] for c in spec.schema if c in dumped[0] and c not in kept}
        if table == "comments":
            columns["is_demo"] = [False] * len(objects)
    for c in kept:
        given = [getattr(r, c) for r in objects]
        if CLEARED in given:
            columns[f"_clear_{c}"] = [v == CLEARED for v in given]
            given = [None if v == CLEARED else v for v in given]
        else:
            columns[f"_clear_{c}"] = [False] * len(given)
        columns[c] = given
    frame = pl.DataFrame(
        [pl.Series(c, v, dtype=spec.schema.get(c, pl.Boolean if c.startswith("_clear_") else pl.Int64), strict=False) for c, v in columns.items()]
    )
    return frame.select(
        *[pl.col(c) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in spec.schema.items()],
        pl.col("_row"),
        *[pl.col(f"_clear_{c}") for c in kept],
    )


def _compared(table: str) -> list[str]:
    spec = TABLES[table]
    return [c for c in spec.schema if c not in spec.keys and c != "recorded_at"]


def compare(
    current: pl.DataFrame,
    incoming: pl.DataFrame,
    table: str,
    default_source: str = "Inläsning",
    *,
    missing_is_explicit: bool = True,
) -> pl.DataFrame:
    """Incoming rows merged with the stored ones, with ``change`` (ny/ändrad/oförändrad), the old
    values as ``old_<column>`` and ``_refusal`` (why the row cannot be written, else null).

    The rules (module docstring, "What a file means for the stored data") in one place: columns
    the file leaves out keep what is stored, or the row is refused; an unchanged figure keeps its
    value, decimals and source; a missing value that is not explicit never replaces a stored row.
    ``incoming`` is ``_frame``'s; the helper columns are optional (a plain table frame compares as
    a file that gives every column). ``missing_is_explicit`` is False for Kolada data.
    """
    spec = TABLES[table]
    compared = _compared(table)
    kept = KEPT_COLUMNS[table]
    helpers = [
        *[pl.lit(False).alias(f"_clear_{c}") for c in kept if f"_clear_{c}" not in incoming.columns],
        *([pl.lit(None, pl.Int64).alias("_row")] if "_row" not in incoming.columns else []),
        *([pl.lit(None, pl.String).alias("_default_source")] if "_default_source" not in incoming.columns else []),
    ]
    incoming = incoming.with_columns(helpers) if helpers else incoming
    old = current.select(*spec.keys, *[pl.col(c).alias(f"old_{c}") for c in compared], pl.lit(True).alias("_exists"))
    # Lazily, so that Polars runs the merge's expressions as one plan.
    joined = incoming.lazy().join(old.lazy(), on=list(spec.keys), how="left", nulls_equal=True)
    exists = pl.col("_exists").is_not_null()
    fallback = pl.coalesce(pl.col("_default_source"), pl.lit(default_source))
    # Which columns the file gave, before they are merged with the stored ones.
    joined = joined.with_columns(pl.col(c).is_not_null().alias(f"_given_{c}") for c in kept)
    joined = joined.with_columns(
        pl.when(pl.col(f"_given_{c}"))
        .then(pl.col(c))
        .when(pl.col(f"_clear_{c}"))
        .then(pl.lit(_EMPTY_TEXT.get(c)))
        .when(exists)
        .then(pl.col(f"old_{c}"))
        .otherwise(pl.lit(_EMPTY_TEXT.get(c)))
        .cast(spec.schema[c])
        .alias(c)
        for c in kept
    )
    if table == "observations":
        joined = _merge_observations(joined, exists, fallback, missing_is_explicit)
    else:
        others_same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in compared if c != "source"])
        joined = joined.with_columns(
            pl.when(pl.col("source").is_not_null())
            .then(pl.col("source"))
            .when(exists & others_same)
            .then(pl.col("old_source"))
            .otherwise(fallback)
            .alias("source"),
            (_target_refusal(exists) if table == "targets" else pl.lit(None, pl.String)).alias("_refusal"),
        )
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in compared])
    return joined.with_columns(
        pl.when(pl.col("_exists").is_null())
        .then(pl.lit(CHANGE_NEW))
        .when(same)
        .then(pl.lit(CHANGE_SAME))
        .otherwise(pl.lit(CHANGE_CHANGED))
        .alias("change")
    ).drop("_exists", "_default_source", *[f"_{w}_{c}" for c in kept for w in ("given", "clear")]).collect()


def _merge_observations(joined: pl.LazyFrame, exists: pl.Expr, fallback: pl.Expr, missing_is_explicit: bool) -> pl.LazyFrame:
    """Value, decimals, source and the numerator/denominator kept from the store, for outcomes."""
    value, old_value = pl.col("value"), pl.col("old_value")
    decimals = pl.col("decimals").cast(pl.Float64)
    # The same figure: equal at the finer of the stored and the typed precision (16 and 16,0; a
    # stored 10,6537… printed 10,7 and a typed 10,7). A number with more digits than that (a number
    # cell 16,4 on a measure shown without decimals, a Kolada 75,04) is the same only if equal.
    finer = pl.max_horizontal(decimals, pl.coalesce(pl.col("old_decimals").cast(pl.Float64), decimals))
    scaled = value * pl.lit(10.0).pow(finer)
    more_digits = (scaled - scaled.round(0)).abs() > 1e-6 * (1 + scaled.abs())
    close = (value - old_value).abs() <= 0.5 * pl.lit(10.0).pow(-finer) + 1e-9 * (1 + old_value.abs())
    equal = (value - old_value).abs() <= 1e-9 * (1 + old_value.abs())
    value_same = exists & ((value.is_null() & old_value.is_null()) | (close & (~more_digits | equal)).fill_null(False))
    silent = exists & value.is_null() & pl.lit(not missing_is_explicit)  # Kolada has no value: keep the stored row
    keep_figure = value_same & ~pl.col("old_is_demo").fill_null(False)  # a demo figure is replaced by a real one
    numerator, denominator = pl.col("old_numerator"), pl.col("old_denominator")
    ratio_agrees = (denominator > 0) & (
        (numerator / denominator * 100 - value).abs() <= 0.5 * pl.lit(10.0).pow(-decimals) + 1e-9
    )
    counts_not_given = ~pl.col("_given_numerator") & ~pl.col("_clear_numerator")
    counts_stay = numerator.is_null() | denominator.is_null() | value_same | (value.is_not_null() & ratio_agrees).fill_null(False)
    refused = exists & ~silent & counts_not_given & ~counts_stay
    stored = silent | keep_figure
    return joined.with_columns(
        pl.when(stored).then(old_value).otherwise(value).alias("value"),
        pl.when(stored).then(pl.col("old_decimals")).otherwise(pl.col("decimals")).alias("decimals"),
        *[pl.when(silent).then(pl.col(f"old_{c}")).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator")],
        pl.when(silent)
        .then(pl.col("old_source"))
        .when(pl.col("source").is_not_null())
        .then(pl.col("source"))
        .when(keep_figure)
        .then(pl.col("old_source"))
        .otherwise(fallback)
        .alias("source"),
        pl.when(silent).then(pl.col("old_is_demo")).otherwise(pl.col("is_demo")).alias("is_demo"),
        pl.when(silent).then(pl.lit(NOTE_KOLADA_MISSING)).otherwise(pl.lit(None, pl.String)).alias("note"),
        pl.when(refused & value.is_null())
        .then(pl.lit("counts_without_value"))
        .when(refused)
        .then(pl.lit("counts_disagree"))
        .otherwise(pl.lit(None, pl.String))
        .alias("_refusal"),
    )


def _target_refusal(exists: pl.Expr) -> pl.Expr:
    """Why a merged target row would contradict itself (null when it does not)."""
    numbers = ("value", "women", "men")
    numbers_changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"old_{c}")) for c in numbers])
    numbers_said = pl.any_horizontal([pl.col(f"_given_{c}") | pl.col(f"_clear_{c}") for c in numbers])
    text_said = pl.col("_given_text") | pl.col("_clear_text")
    old_numbers = pl.col("old_value").is_not_null() | pl.col("old_women").is_not_null()
    return (
        pl.when(pl.col("value").is_not_null() & pl.col("women").is_not_null())
        .then(pl.when(pl.col("_given_value")).then(pl.lit("target_sexes_stored")).otherwise(pl.lit("target_value_stored")))
        .when(exists & ~text_said & pl.col("old_text").is_not_null() & numbers_changed)
        .then(pl.lit("target_text_stale"))
        .when(exists & ~numbers_said & old_numbers & pl.col("text").ne_missing(pl.col("old_text")))
        .then(pl.lit("target_numbers_stale"))
        .otherwise(pl.lit(None, pl.String))
    )


def _small_count_warnings(raw: RawFile, rows: dict[str, list[tuple[int, Any]]], threshold: int) -> list[str]:
    """A warning per comment that seems to name fewer people than the masking threshold (the
    figures are masked, so the words must not give them away); the analyst decides."""
    out = []
    for sheet, attribute in (("Kommentarer", "text"), ("Åtgärder", "comment")):
        for row, record in rows.get(sheet, []):
            text = getattr(record, attribute, None)
            warning = small_count_warning(text, threshold) if isinstance(text, str) else None
            if warning:
                out.append(f"Varning, {sheet_label(raw, sheet)} rad {row}: {warning}")
    return out


def _refusals(
    label: str, table: str, changes: pl.DataFrame, catalogues: CatalogueSet, *, from_kolada: bool = False
) -> list[Problem]:
    """The rows ``compare`` refused, as problems with row, column and the reason in Swedish; for
    Kolada, what to do says how, since a Kolada file cannot hold täljare and nämnare."""
    refused = changes.filter(pl.col("_refusal").is_not_null()).sort("_row")
    out = []
    for r in refused.iter_rows(named=True):
        year = r["year"] if table == "targets" else int(r["period"][:4])
        measure = catalogues.for_year(year).measure(r["measure_id"])
        column, found, expected = _refusal_text(r, measure.unit.value, measure.decimals)
        if from_kolada and r["_refusal"] in ("counts_disagree", "counts_without_value"):
            expected = expected.partition("; ")[0] + "; " + _KOLADA_COUNTS
        out.append(Problem(label, r["_row"] or 0, column, found, expected))
    return out


def _target_texts(label: str, changes: pl.DataFrame, catalogues: CatalogueSet) -> list[Problem]:
    """Targets left without a number once merged with the stored ones: their text must be one a
    target without a number may have (the check leaves these to here when the row said nothing
    about the numbers, since stored numbers may hold)."""
    out = []
    without = changes.filter(pl.col("_refusal").is_null() & pl.col("value").is_null() & pl.col("women").is_null())
    for r in without.iter_rows(named=True):
        measure = catalogues.for_year(r["year"]).measure(r["measure_id"])
        problem = target_text_problem(measure, r["text"] or "", r["year"])
        if problem:
            out.append(Problem(label, r["_row"] or 0, "mål (text)", r["text"] or "", problem))
    return out


_KOLADA_COUNTS = (
    "Kolada ger bara värdet, inte täljare och nämnare, så läs in den raden med mallen (Utfall) och ange där "
    "täljare och nämnare, eller skriv .. i dem för att ta bort de lagrade"
)


def _refusal_text(r: dict[str, Any], unit: str, decimals: int) -> tuple[str, str, str]:
    """(column, found, expected) for one refused row."""

    def shown(value: float | None, places: int | None = None) -> str:
        return format_value(value, unit, decimals if places is None else places)

    def counts(numerator: float | None, denominator: float | None) -> str:
        return f"{format_number(numerator, 0)}/{format_number(denominator, 0)}"

    def target(text: str | None, value: float | None, women: float | None, men: float | None) -> str:
        if women is not None or men is not None:
            return f"K {shown(women, 2)}, M {shown(men, 2)}".replace(",00", "")
        return shown(value, 2).replace(",00", "") if value is not None else f"”{text}”" if text else "inget"

    code = r["_refusal"]
    if code == "counts_disagree":
        stored = counts(r["old_numerator"], r["old_denominator"])
        return (
            "täljare",
            "",
            f"täljare och nämnare: värdet ändras ({shown(r['old_value'], r['old_decimals'])} → {shown(r['value'], r['decimals'])}) "
            f"men täljare och nämnare saknas i filen, och de lagrade ({stored}) stämmer inte med det nya värdet; "
            "ange dem, eller skriv .. för att ta bort dem",
        )
    if code == "counts_without_value":
        stored = counts(r["old_numerator"], r["old_denominator"])
        return (
            "täljare",
            "",
            f"täljare och nämnare: värdet tas bort (..) men täljare och nämnare saknas i filen, och de lagrade ({stored}) "
            "skulle stå kvar utan värde; skriv .. också i täljare och nämnare, eller ange värdet",
        )
    old = target(None, r["old_value"], r["old_women"], r["old_men"])
    if code == "target_sexes_stored":
        return (
            "mål kvinnor",
            "",
            f"mål kvinnor och mål män: målvärde anges, men målen per kön ({old}) finns lagrade och kan inte gälla samtidigt; "
            "skriv .. i mål kvinnor och mål män för att ta bort dem",
        )
    if code == "target_value_stored":
        return (
            "målvärde",
            "",
            f"målvärde: mål per kön anges, men målvärdet {old} finns lagrat och kan inte gälla samtidigt; "
            "skriv .. i målvärde för att ta bort det",
        )
    new = target(None, r["value"], r["women"], r["men"])
    if code == "target_text_stale":
        return (
            "mål (text)",
            "",
            f"mål (text): målets tal ändras ({old} → {new}) men mål (text) saknas i filen, och den lagrade texten "
            f"”{r['old_text']}” hör till det gamla målet; ange texten, eller skriv .. så görs texten av målets tal",
        )
    was = f" (från ”{r['old_text']}”)" if r["old_text"] else ""
    if r["old_value"] is not None:
        return (
            "målvärde",
            "",
            f"målvärde: mål (text) ändras till ”{r['text']}”{was} men målvärdet saknas i filen, och det lagrade ({old}) hör "
            "till det gamla målet; ange målvärdet, eller skriv .. i målvärde för att ta bort det",
        )
    return (
        "mål kvinnor",
        "",
        f"mål kvinnor och mål män: mål (text) ändras till ”{r['text']}”{was} men målen per kön saknas i filen, och de "
        f"lagrade ({old}) hör till det gamla målet; ange dem, eller skriv .. i mål kvinnor och mål män för att ta bort dem",
    )


# --- writing ------------------------------------------------------------------------------------


def apply(
    data_dir: Path, plan: Plan, *, user: str | None = None, settings: Settings | None = None, now: datetime | None = None
) -> ImportRecord:
    """Write a valid plan: one Delta version per table, then the log entry; all or nothing."""
    if not plan.ok:
        raise StyrkortError("Filen har fel och kan inte läsas in; rätta felen i rapporten först.")
    settings = settings or load_settings(data_dir / "styrkort.toml")
    # Names typed by people go into the log and the commit messages on one line each (log_text).
    user = log_text(user) or _default_user()
    file_name = log_text(plan.file_name, FILE_NAME_LIMIT) or "namnlös fil"
    moment = now or datetime.now(UTC)
    store = store_for(data_dir)
    with import_lock(
        store.root, settings.import_lock_wait_seconds, f"{user}, {file_name}", lease_seconds=settings.import_lease_seconds
    ):
        recover(store)
        import_id = _new_import_id(store, moment, plan.file_sha256)
        message = f"Inläsning {import_id}: {file_name} ({user})"
        moved = [t for t, v in plan.versions.items() if store.version(t) != v]
        if moved:
            raise StoreError(
                f"Data har ändrats sedan förhandsgranskningen ({', '.join(TABLE_WORDS[t] for t in moved)}). "
                "Inget har skrivits; läs in filen igen för en ny förhandsgranskning."
            )
        writes = {
            t: f.filter(pl.col("change") != CHANGE_SAME).select([c for c in TABLES[t].schema if c != "recorded_at"])
            for t, f in plan.changes.items()
        }
        writes = {t: rows for t, rows in writes.items() if not rows.is_empty()}
        before = {t: store.version(t) for t in writes}
        entry = {
            "import_id": import_id,
            "file_name": file_name,
            "file_sha256": plan.file_sha256,
            "user": user,
            "imported_at": moment,
            "summary": plan.summary(),
            "versions_before": json.dumps(before),
            "versions_after": "{}",
            "status": STATUS_WRITING,
        }
        # The log entry first: a process that dies before the end leaves an entry that the next
        # import or undo finds (``recover``) and rolls back.
        try:
            store.write("imports", pl.DataFrame([entry]), message=message, as_of=moment)
            for table, rows in writes.items():
                store.write(table, rows, message=message, as_of=moment)
            after = {t: store.version(t) for t in writes}
            done = {**entry, "versions_after": json.dumps(after), "status": STATUS_DONE}
            store.write("imports", pl.DataFrame([done]), message=message, as_of=moment)
        except BaseException as exc:
            _roll_back(store, before, f"Återställd efter avbruten inläsning {import_id}")
            with contextlib.suppress(Exception):
                store.write("imports", pl.DataFrame([{**entry, "status": STATUS_ABORTED}]), message=message)
            if isinstance(exc, StyrkortError) or not isinstance(exc, Exception):  # ours, or an interrupt
                raise
            _log.exception("Styrkort: import %s failed", import_id)
            raise StoreError("Inläsningen avbröts av ett oväntat fel; allt som hann skrivas är återställt.") from exc
    return ImportRecord(import_id, after, plan.summary())


def _new_import_id(store: Store, moment: datetime, sha: str) -> str:
    """'20261122-101500-3acc37' (time and file); '-2', '-3' … when the same file comes twice in one second."""
    base = f"{moment.strftime('%Y%m%d-%H%M%S')}-{sha[:6]}"
    taken = set(store.read("imports")["import_id"].to_list())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# A module-level name, so that a test can stand in for a process that dies before it rolls back.
_roll_back = roll_back


def _default_user() -> str:
    try:
        return log_text(getpass.getuser()) or "okänd användare"
    except (OSError, KeyError):
        return "okänd användare"


# --- undo and history ---------------------------------------------------------------------------


def undoable(log: pl.DataFrame) -> pl.DataFrame:
    """The imports that can be undone (written and not yet undone), newest first."""
    return log.filter(pl.col("status") == STATUS_DONE)


def imports(data_dir: Path) -> pl.DataFrame:
    """The import log, newest first."""
    return store_for(data_dir).read("imports").sort("imported_at", descending=True)


def undo(data_dir: Path, import_id: str | None = None, *, user: str | None = None, settings: Settings | None = None) -> str:
    """Undo one import (default: the newest not yet undone) as new versions; returns a Swedish receipt."""
    settings = settings or load_settings(data_dir / "styrkort.toml")
    user = log_text(user) or _default_user()
    store = store_for(data_dir)
    with import_lock(
        store.root, settings.import_lock_wait_seconds, f"{user}, ångra", lease_seconds=settings.import_lease_seconds
    ):
        recover(store)
        log = imports(data_dir)
        active = undoable(log)
        if import_id is None:
            if active.is_empty():
                raise StyrkortError("Det finns ingen inläsning att ångra.")
            import_id = active["import_id"][0]
        found = log.filter(pl.col("import_id") == import_id)
        if found.is_empty():
            raise StyrkortError(f"Inläsningen {import_id} finns inte i loggen (se python -m kpi imports).")
        entry = found.row(0, named=True)
        if entry["status"] == STATUS_UNDONE:
            raise StyrkortError(
                f"Inläsningen {import_id} är redan ångrad ({entry['undone_by']}, {entry['undone_at'].astimezone():%Y-%m-%d %H:%M})."
            )
        if entry["status"] != STATUS_DONE:
            raise StyrkortError(f"Inläsningen {import_id} avbröts och skrev inget; det finns inget att ångra.")
        before, after = json.loads(entry["versions_before"]), json.loads(entry["versions_after"])
        replacements: dict[str, pl.DataFrame] = {}
        for table, version_after in after.items():
            keys = list(TABLES[table].keys)
            old = store.read(table, version=before[table]) if before[table] >= 0 else pl.DataFrame(schema=TABLES[table].schema)
            new = store.read(table, version=version_after)
            touched = new.join(old, on=list(new.columns), how="anti", nulls_equal=True).select(keys)
            current = store.read(table)
            now_rows = current.join(touched, on=keys, how="semi", nulls_equal=True).sort(keys)
            then_rows = new.join(touched, on=keys, how="semi", nulls_equal=True).sort(keys)
            if not now_rows.equals(then_rows):
                later = log.filter((pl.col("imported_at") > entry["imported_at"]) & (pl.col("status") == STATUS_DONE))[
                    "import_id"
                ].to_list()
                named = f" av {', '.join(later)}" if later else ""
                raise StyrkortError(
                    f"Inläsningen {import_id} kan inte ångras: {TABLE_WORDS[table]} som den skrev har ändrats senare{named}. "
                    "Ångra den senare inläsningen först. Inget har ändrats."
                )
            restored = current.join(touched, on=keys, how="anti", nulls_equal=True)
            replacements[table] = pl.concat([restored, old.join(touched, on=keys, how="semi", nulls_equal=True)])
        message = f"Ångrar inläsning {import_id} ({user})"
        versions_now = {t: store.version(t) for t in replacements}
        journal = {**entry, "status": STATUS_UNDOING, "undo_versions_before": json.dumps(versions_now)}
        store.write("imports", pl.DataFrame([journal]), message=message)  # first, so a crash can be rolled back
        try:
            for table, frame in replacements.items():
                store.write(table, frame, message=message, replace=True)
            done = {**journal, "status": STATUS_UNDONE, "undone_at": datetime.now(UTC), "undone_by": user}
            store.write("imports", pl.DataFrame([done]), message=message)
        except BaseException as exc:
            _roll_back(store, versions_now, f"Återställd efter avbruten ångring av {import_id}")
            with contextlib.suppress(Exception):
                store.write("imports", pl.DataFrame([{**entry}]), message=message)
            if isinstance(exc, StyrkortError) or not isinstance(exc, Exception):  # ours, or an interrupt
                raise
            _log.exception("Styrkort: undo of %s failed", import_id)
            raise StoreError("Ångringen avbröts av ett oväntat fel; allt är som före ångringen.") from exc
    shown = f"{log_text(entry['file_name'], FILE_NAME_LIMIT)}, {log_text(entry['user'])}"
    return f"Inläsningen {import_id} ({shown}) är ångrad: {entry['summary']}"


_HISTORY_SCHEMA = {
    "version": pl.Int64,
    "as_of": pl.String,
    "value": pl.Float64,
    "decimals": pl.Int8,
    "source": pl.String,
    "message": pl.String,
}


def value_history(data_dir: Path, measure_id: str, unit_id: str, period: str, sex: str = "T") -> pl.DataFrame:
    """Every version of one value, oldest first: version, date, value (and its decimals), source, the commit's message."""
    store = store_for(data_dir)
    if not store.exists("observations"):
        return pl.DataFrame(schema=_HISTORY_SCHEMA)
    key = (
        (pl.col("measure_id") == measure_id)
        & (pl.col("unit_id") == unit_id)
        & (pl.col("period") == period)
        & (pl.col("sex") == sex)
    )
    rows, last = [], None
    for version, as_of, message in store.history("observations").select("version", "as_of", "message").iter_rows():
        # Through the Store, which reads any data directory (å, ä, ö, # …) and words its failures in Swedish.
        found = (
            store.read("observations", version=version)
            .filter(key)
            .select("value", "numerator", "denominator", "decimals", "source")
        )
        state = found.row(0) if found.height else None
        if state != last:
            value, _, _, decimals, source = state if state else (None, None, None, None, "(borttaget)")
            rows.append(
                {
                    "version": version,
                    "as_of": as_of[:19].replace("T", " "),
                    "value": value,
                    "decimals": decimals,
                    "source": source,
                    "message": message,
                }
            )
            last = state
    return pl.DataFrame(rows, schema=_HISTORY_SCHEMA)


def problems_frame(problems: list[Problem]) -> pl.DataFrame:
    """The validation report as a table with Swedish headings."""
    return pl.DataFrame(
        [(p.sheet, str(p.row) if p.row else "–", p.column, p.found, p.expected) for p in problems],
        schema={"Blad/fil": pl.String, "Rad": pl.String, "Kolumn": pl.String, "Fann": pl.String, "Förväntat": pl.String},
        orient="row",
    )


def report_text(plan: Plan, limit: int = 200) -> str:
    """The plain-text validation report (CLI and golden tests): every problem, one per line."""
    lines = [f"{len(plan.problems)} fel i {plan.file_name}. Inget har lästs in."]
    lines += [f"- {p}" if p.row else f"- {p.expected}" for p in plan.problems[:limit]]
    if len(plan.problems) > limit:
        lines.append(f"… och {len(plan.problems) - limit} fel till.")
    return "\n".join(lines)


# --- tables for the Import page -----------------------------------------------------------------

_CHANGE_ORDER = {CHANGE_CHANGED: 0, CHANGE_NEW: 1, CHANGE_SAME: 2}
_SEX_WORDS = {"T": "totalt", "K": "kvinnor", "M": "män"}


def preview_table(
    plan: Plan,
    table: str,
    measure_names: dict[str, str],
    unit_names: dict[str, str],
    measure_units: dict[str, str] | None = None,
    limit: int = 2000,
) -> pl.DataFrame:
    """What writing would do to one table, with Swedish headings: changed rows first, then new, then unchanged.
    Values carry the measure's unit ("87,5 %", "−31 mnkr") when ``measure_units`` gives it."""
    from kpi.model.formatting import format_number, format_value
    from kpi.model.periods import parse_period

    frame = (
        plan.changes[table]
        .with_columns(pl.col("change").replace_strict(_CHANGE_ORDER, return_dtype=pl.Int8).alias("_order"))
        .sort("_order")
        .head(limit)
    )
    notes = "note" in frame.columns and frame["note"].is_not_null().any()  # Kolada's missing values kept as stored
    rows = []
    for r in frame.iter_rows(named=True):
        row: dict[str, object] = {"Ändring": r["change"]}
        if "measure_id" in r:
            row["Styrmått"] = measure_names.get(r["measure_id"], r["measure_id"])
        if table == "actions":
            row["Åtgärd"] = r["action_id"]
        if "unit_id" in r:
            row["Enhet"] = unit_names.get(r["unit_id"], r["unit_id"])
        if "period" in r:
            row["Period"] = parse_period(r["period"]).label
        if table == "targets":
            row["År"] = str(r["year"])
        if table == "observations":
            row["Kön"] = _SEX_WORDS[r["sex"]]
            unit = (measure_units or {}).get(r["measure_id"], "")
            row["Tidigare värde"] = (
                "–" if r["change"] == CHANGE_NEW else format_value(r["old_value"], unit, r["old_decimals"] or 0)
            )
            row["Nytt värde"] = format_value(r["value"], unit, r["decimals"] or 0)
            row["Täljare/nämnare"] = (
                "" if r["denominator"] is None else f"{format_number(r['numerator'], 0)}/{format_number(r['denominator'], 0)}"
            )
            if notes:
                row["Anmärkning"] = r["note"] or ""
        elif table == "targets":
            row["Tidigare"] = (r["catalogue_text"] or "inget mål") if r["change"] == CHANGE_NEW else (r["old_text"] or "")
            row["Nytt mål"] = r["new_text"] or "inget mål"
        elif table == "comments":
            new = r["change"] == CHANGE_NEW
            row["Tidigare"] = "–" if new else f"{r['old_text'] or ''} ({r['old_author'] or 'ingen författare'})"
            row["Ny kommentar"] = f"{r['text']} ({r['author'] or 'ingen författare'})"
        else:
            row["Tidigare status"] = "–" if r["change"] == CHANGE_NEW else (r["old_status"] or "").replace("_", " ")
            row["Ny status"] = r["status"].replace("_", " ")
            row["Tidigare kommentar"] = "–" if r["change"] == CHANGE_NEW else (r["old_comment"] or "")
            row["Ny kommentar"] = r["comment"] or ""
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


def log_table(log: pl.DataFrame) -> pl.DataFrame:
    """The import log with Swedish headings and local times."""

    def when(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")

    return pl.DataFrame(
        [
            {
                # Again when shown: entries stored before names were cleaned, or by another tool,
                # can no more forge a line than new ones (kpi.store.journal.log_text).
                "Inläsning": log_text(r["import_id"]),
                "När": when(r["imported_at"]),
                "Vem": log_text(r["user"]),
                "Fil": log_text(r["file_name"], FILE_NAME_LIMIT),
                "Ändringar": log_text(r["summary"], 400),
                "Status": (
                    f"ångrad {when(r['undone_at'])} av {log_text(r['undone_by'])}"
                    if r["status"] == STATUS_UNDONE
                    else "avbruten – inget skrevs"
                    if r["status"] == STATUS_ABORTED
                    else log_text(r["status"])
                ),
            }
            for r in log.iter_rows(named=True)
        ],
        schema={
            "Inläsning": pl.String,
            "När": pl.String,
            "Vem": pl.String,
            "Fil": pl.String,
            "Ändringar": pl.String,
            "Status": pl.String,
        },
    )
