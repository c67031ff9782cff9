"""Importing a period's figures: read → validate → preview → write, and undo.

``prepare`` reads and validates a file and compares it with the store: a ``Plan`` says, per table,
which rows are new, which change (old and new value) and which are unchanged, or lists every
problem. Nothing is written unless the whole file is valid. ``apply`` writes a valid plan under
the store's import lock, as one Delta version per table touched, and records who, when and which
file in the import log; if any write fails, the tables already written are put back. ``undo``
restores the rows an import changed, from the table versions before it, unless a later import
changed the same rows. ``value_history`` lists every version of one value.
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from kpi.imports.check import CheckContext, Problem, check_file
from kpi.imports.read import ImportFileError, Limits, read_file
from kpi.model.catalogue import CatalogueSet, imported_target, load_catalogues
from kpi.model.errors import StoreError, StyrkortError
from kpi.model.formatting import format_number
from kpi.model.settings import Settings, load_settings
from kpi.store.delta import TABLES, Store
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

    def sentence(self) -> str:
        """'utfall.csv: 12 rader utan fel. 3 nya utfall …' for the page and the command line."""
        rows = "1 rad" if self.row_count == 1 else f"{format_number(self.row_count, 0)} rader"
        summary = self.summary()
        return f"{self.file_name}: {rows} utan fel. {summary[0].upper()}{summary[1:]}" + "".join(f" {n}" for n in self.not_read)

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
        return f"{text}."


@dataclass(frozen=True)
class ImportRecord:
    import_id: str
    version_after: dict[str, int]
    summary: str


def store_versions(data_dir: Path) -> tuple[int, ...]:
    """The version of every table an import writes: a preview made at other versions is stale."""
    store = Store(data_dir / "store")
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
    try:
        raw = read_file(name, content, limits_from(settings), mapping)
    except ImportFileError as exc:
        return Plan(name, sha, [Problem(name, 0, "filen", "", str(exc))])
    store = Store(data_dir / "store")
    catalogues = load_catalogues(data_dir / "catalogue")
    checked = check_file(raw, CheckContext(catalogues, store.read("units")))
    plan = Plan(name, sha, checked.problems, row_count=raw.row_count, not_read=raw.not_read)
    if not checked.ok:
        return plan
    for sheet, rows in checked.rows.items():
        if not rows:
            continue
        table = SHEET_TABLES[sheet]
        plan.versions[table] = store.version(table)
        incoming = _frame(table, [r for _, r in rows], catalogues)
        changes = compare(store.read(table), incoming, table, default_source=f"Inläsning av {name}")
        if table == "targets":  # what the dashboard shows today where no target was imported before
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
    return plan


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


def _frame(table: str, rows: list, catalogues: CatalogueSet) -> pl.DataFrame:
    """The checked rows as the store table's columns; ``source`` is null where the file gives none."""
    source = None
    if table == "observations":
        records = []
        for r in rows:
            decimals = (
                r.typed_decimals
                if r.typed_decimals is not None
                else catalogues.for_year(int(r.period[:4])).measure(r.measure_id).decimals
            )
            records.append(
                (
                    r.measure_id,
                    r.unit_id,
                    r.period,
                    r.sex,
                    r.value,
                    r.numerator,
                    r.denominator,
                    decimals,
                    r.source or source,
                    False,
                )
            )
        columns = ["measure_id", "unit_id", "period", "sex", "value", "numerator", "denominator", "decimals", "source", "is_demo"]
        frame = pl.DataFrame(records, schema={c: TABLES[table].schema[c] for c in columns}, orient="row")
    elif table == "targets":
        frame = pl.DataFrame([{**r.model_dump(), "source": source} for r in rows])
    elif table == "comments":
        frame = pl.DataFrame([{**r.model_dump(), "source": source, "is_demo": False} for r in rows])
    else:
        frame = pl.DataFrame([{**r.model_dump(), "source": source} for r in rows])
    spec = TABLES[table]
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in spec.schema.items()])


def _compared(table: str) -> list[str]:
    spec = TABLES[table]
    return [c for c in spec.schema if c not in spec.keys and c != "recorded_at"]


def compare(current: pl.DataFrame, incoming: pl.DataFrame, table: str, default_source: str = "Inläsning") -> pl.DataFrame:
    """Incoming rows with ``change`` (ny/ändrad/oförändrad) and the old values as ``old_<column>``.

    A row without a source of its own keeps the stored source when nothing else in it changes
    (the same figures from a renamed file are unchanged), and gets ``default_source`` otherwise.
    """
    spec = TABLES[table]
    compared = _compared(table)
    old = current.select(*spec.keys, *[pl.col(c).alias(f"old_{c}") for c in compared], pl.lit(True).alias("_exists"))
    joined = incoming.join(old, on=list(spec.keys), how="left", nulls_equal=True)
    # Texts the file leaves out keep what is stored: the source when nothing else changes (the same
    # figures from a renamed file stay unchanged), an action's comment and a comment's author always.
    kept = {c for c in ("comment", "author") if c in compared}
    others_same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in compared if c not in kept | {"source"}])
    exists = pl.col("_exists").is_not_null()
    joined = joined.with_columns(
        pl.when(pl.col("source").is_not_null())
        .then(pl.col("source"))
        .when(exists & others_same)
        .then(pl.col("old_source"))
        .otherwise(pl.lit(default_source))
        .alias("source"),
        *[pl.coalesce(c, f"old_{c}", pl.lit("")).alias(c) for c in kept],
    )
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"old_{c}")) for c in compared])
    return joined.with_columns(
        pl.when(pl.col("_exists").is_null())
        .then(pl.lit(CHANGE_NEW))
        .when(same)
        .then(pl.lit(CHANGE_SAME))
        .otherwise(pl.lit(CHANGE_CHANGED))
        .alias("change")
    ).drop("_exists")


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
    store = Store(data_dir / "store")
    with import_lock(store.root, settings.import_lock_wait_seconds, f"{user}, {file_name}"):
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
    return Store(data_dir / "store").read("imports").sort("imported_at", descending=True)


def undo(data_dir: Path, import_id: str | None = None, *, user: str | None = None, settings: Settings | None = None) -> str:
    """Undo one import (default: the newest not yet undone) as new versions; returns a Swedish receipt."""
    settings = settings or load_settings(data_dir / "styrkort.toml")
    user = log_text(user) or _default_user()
    store = Store(data_dir / "store")
    with import_lock(store.root, settings.import_lock_wait_seconds, f"{user}, ångra"):
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
    store = Store(data_dir / "store")
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
