"""The versioned data store: Delta Lake tables (Parquet files plus a transaction log) in ``data/``,
or in S3-compatible object storage when ``STYRKORT_STORE`` names a place there (``kpi.store.objects``).

Every write is one atomic Delta commit. Nothing is overwritten in place: a corrected value is a
MERGE that makes a new table version, and every earlier version stays readable. Each commit
carries Styrkort metadata: a message and the date the data is valid "as reported" (``as_of``),
so that "the tables as they stood in DÅ08" is a lookup of the newest commit on or before a date,
independent of when the files happened to be copied or cloned.

This module is the only place that calls the storage library (deltalake). Two rules are kept
here, for every caller:

- **Any directory name works** that the storage library can represent: letters of any script
  (å, ä, ö …), spaces and punctuation such as ``# % & ' ? ( ) + , ; = @``, and symlinks. Tables are
  read through deltalake's own Arrow reader, because Polars' native Delta reader opens the
  percent-encoded file URIs deltalake hands it (``Styrk%C3%B6rt%20data``) as literal file names;
  the commit history is read from the ``_delta_log`` commit files, because deltalake's own history
  comes back empty under a directory named with ``#`` or ``?``. What the library cannot represent
  at all (control characters, a backslash, ``%`` followed by two hex digits, and for writing
  ``[ ] ^ |``) is refused before the library is called, with a Swedish message naming it.
- **No library text reaches the user.** Every failure of a read or a write becomes a
  :class:`StoreError` in Swedish that names the table and what to do (read-only or full disk,
  missing permission, a missing table, a damaged log or data file); the library's own text goes
  to the log. The command line also diverts what the Rust code prints straight to the process's
  stderr (a panic's "thread … panicked at …") into the log (:func:`native_output_to_log`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import polars as pl
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError

from kpi.model.errors import StoreError, StyrkortError
from kpi.store import objects

_log = logging.getLogger("styrkort.store")


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
        "status": pl.String(),  # pågår, inläst, ångras, ångrad, avbruten (kpi.store.journal)
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


# --- paths the storage library can and cannot use ------------------------------------------------

_HEX_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# deltalake 1.x panics ("Invalid object store url") when it creates or overwrites a table under a
# directory whose name holds one of these; reading and merging there work.
_UNWRITABLE_CHARACTERS = "[]^|"


def path_problem(path: Path, *, writing: bool) -> str | None:
    """What in ``path`` the storage library cannot handle, in Swedish, or None when it is fine.

    Checked on the real path (symlinks resolved), because deltalake resolves symlinks itself
    before it turns the path into a URL. Found by trying every ASCII punctuation character and a
    range of Unicode ones (tests/store/test_paths.py): control characters are refused by the
    library's path parser, a backslash is read as a separator, and ``%41`` is decoded to ``A``.
    """
    real = os.path.realpath(path)
    for character in real:
        if ord(character) < 0x20 or ord(character) == 0x7F:
            return f"ett styrtecken (U+{ord(character):04X})"
    if os.sep == "/" and "\\" in real:
        return "tecknet \\ (omvänt snedstreck)"
    escape = _HEX_ESCAPE.search(real)
    if escape:
        return f"”{escape.group()}” (ett procenttecken följt av två hexadecimala siffror)"
    if writing:
        for character in _UNWRITABLE_CHARACTERS:
            if character in real:
                return f"tecknet {character}"
    return None


def shown_path(path: Path | str) -> str:
    """A path as it may appear in a message: control characters written as ``\\xNN`` so that a
    directory name can never break a message's line or colour the terminal."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in os.fspath(path))


# --- failures of the storage library, in Swedish ---------------------------------------------------

Doing = Literal["läsa", "skriva"]

_REASONS: dict[str, tuple[str, str]] = {
    "full": ("disken är full", "Frigör utrymme på disken och försök igen."),
    "read-only": (
        "filsystemet är skrivskyddat",
        "Låt Styrkort arbeta i en skrivbar katalog och ange den med --data eller STYRKORT_DATA.",
    ),
    "permission": (
        "Styrkort saknar behörighet till katalogen",
        (
            "Ge användaren som kör Styrkort läs- och skrivrätt till datakatalogen, eller ange en katalog med rätt "
            "behörighet med --data eller STYRKORT_DATA."
        ),
    ),
    "missing-table": (
        "tabellen finns inte (transaktionsloggen _delta_log saknas)",
        "Kontrollera att --data eller STYRKORT_DATA pekar på rätt datakatalog, eller återställ den från säkerhetskopian.",
    ),
    "missing-file": (
        "en datafil som tabellens transaktionslogg pekar på saknas",
        "Tabellen är skadad: återställ datakatalogen från säkerhetskopian.",
    ),
    "damaged-log": (
        "tabellens transaktionslogg (_delta_log) är skadad",
        "Återställ datakatalogen från säkerhetskopian; filerna i _delta_log ska aldrig ändras för hand.",
    ),
    "damaged-file": (
        "en datafil (Parquet) i tabellen är skadad",
        "Återställ datakatalogen från säkerhetskopian.",
    ),
    "unreachable": (
        "objektlagringen (S3) svarar inte",
        "Kontrollera AWS_ENDPOINT_URL och att servern nås från den här datorn (nätverk, brandvägg, proxy), och försök igen.",
    ),
    "credentials": (
        "objektlagringen (S3) godtar inte inloggningsuppgifterna",
        (
            "Kontrollera AWS_ACCESS_KEY_ID och AWS_SECRET_ACCESS_KEY (och AWS_SESSION_TOKEN om en sådan används), och att "
            "nyckeln har läs- och skrivrätt till hinken."
        ),
    ),
    "no-bucket": (
        "hinken finns inte i objektlagringen (S3)",
        "Kontrollera hinkens namn i STYRKORT_STORE (och AWS_ENDPOINT_URL), eller skapa hinken.",
    ),
    "panic": (
        "lagringsbiblioteket avbröts av ett internt fel",
        (
            "Försök igen. Står felet kvar: kontrollera att katalogen är skrivbar och att disken har plats, och "
            "kontakta förvaltningen av Styrkort (tekniska detaljer finns i loggen)."
        ),
    ),
    "other": (
        "ett oväntat fel i lagringen",
        "Försök igen. Står felet kvar: kontakta förvaltningen av Styrkort (tekniska detaljer finns i loggen).",
    ),
}


# What S3 (its error codes) and the HTTP client (object_store's reqwest) say, by failure kind.
_OBJECT_STORE_WORDS = {
    "no-bucket": ("nosuchbucket", "bucket does not exist"),
    "credentials": (
        "invalidaccesskeyid",
        "signaturedoesnotmatch",
        "accessdenied",
        "lacked the necessary privileges",
        "unauthenticated",
        "expiredtoken",
        "invalidtoken",
    ),
    "unreachable": ("error sending request", "connection refused", "dns error", "timed out", "connection reset", "tcp connect error"),
}


def _is_panic(error: BaseException) -> bool:
    # pyo3 makes one PanicException class per extension module (deltalake's, polars', pyarrow's),
    # all subclasses of BaseException and none importable, so it is known by its name.
    return type(error).__name__ == "PanicException"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def failure_kind(error: BaseException, *, remote: bool = True) -> str:
    """What went wrong, from the error's type, its errno or the library's text (which names the OS
    error as "os error 28"): one of the keys of ``_REASONS``. ``remote``: the store is in object
    storage; for a directory the object store's words ("timed out", "connection reset" from a
    network disk) are not read as an S3 endpoint's failure."""
    codes: set[int] = set()
    texts: list[str] = []
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno:
            codes.add(link.errno)
        texts.append(str(link))
    text = " ".join(texts)
    lowered = text.casefold()
    codes |= {int(n) for n in re.findall(r"os error (\d+)", text)}
    # Object storage first: its texts hold words ("not found", "permission") that mean other things on a disk.
    for kind, words in _OBJECT_STORE_WORDS.items() if remote else ():
        if any(word in lowered for word in words):
            return kind
    if codes & {errno.ENOSPC, errno.EDQUOT} or "no space left" in lowered:
        return "full"
    if errno.EROFS in codes or "read-only file system" in lowered:
        return "read-only"
    if codes & {errno.EACCES, errno.EPERM} or "permission denied" in lowered:
        return "permission"
    if _is_panic(error):
        return "panic"
    if isinstance(error, TableNotFoundError):
        return "missing-table"
    if any(isinstance(link, json.JSONDecodeError | UnicodeDecodeError) for link in _chain(error)) or "json" in lowered:
        return "damaged-log"
    if isinstance(error, FileNotFoundError) or errno.ENOENT in codes:
        return "missing-file"
    if any(word in lowered for word in ("magic", "footer", "corrupt", "requested range")):
        return "damaged-file"
    if "not found" in lowered:
        return "missing-file"
    if "parquet" in lowered:
        return "damaged-file"
    return "other"


def failure(spec: TableSpec, where: Path | str, doing: Doing, error: BaseException, *, changed: bool = False) -> StoreError:
    """The Swedish StoreError for a failed read or write of one table; the library's text is logged."""
    _log.warning("Styrkort: could not %s %s (%s)", "read" if doing == "läsa" else "write", where, spec.name, exc_info=error)
    reason, remedy = _REASONS[failure_kind(error, remote=objects.is_object_uri(where))]
    verb = "läsas" if doing == "läsa" else "skrivas"
    outcome = ""
    if doing == "skriva":
        outcome = " Inget har ändrats." if not changed else " Ändringen hann sparas men det som följer efter den misslyckades."
    return StoreError(f"Tabellen {spec.label} ({shown_path(where)}) kan inte {verb}: {reason}.{outcome} {remedy}")


def directory_failure(where: Path, error: BaseException) -> StoreError:
    """The Swedish StoreError for a failed write in the data directory outside one table (a rebuild's
    staging directory and the swap of the store); the system's text is logged."""
    _log.warning("Styrkort: could not write in %s", where, exc_info=error)
    reason, remedy = _REASONS[failure_kind(error, remote=objects.is_object_uri(where))]
    return StoreError(f"Datakatalogen {shown_path(where)} går inte att skriva i: {reason}. Inget har ändrats. {remedy}")


# --- what the Rust code prints ----------------------------------------------------------------------

_divert = {"enabled": False, "depth": 0}
_divert_lock = threading.Lock()
_diverted: dict[str, object] = {}


@contextlib.contextmanager
def native_output_to_log() -> Iterator[None]:
    """While active, what the storage library's Rust code writes straight to the process's stderr
    (file descriptor 2) during a read or write goes to the log instead. The command line turns
    this on: its stderr is the user's screen, and a panic in a background thread of deltalake
    prints "thread 'tokio-rt-worker' panicked at …" there before any exception reaches Python.
    The dashboard leaves it off: its stderr is the server's log already."""
    previous = _divert["enabled"]
    _divert["enabled"] = True
    try:
        yield
    finally:
        _divert["enabled"] = previous


@contextlib.contextmanager
def _stderr_diverted() -> Iterator[None]:
    if not _divert["enabled"]:
        yield
        return
    # Reference-counted under a lock: the descriptor is process-wide, so nested or concurrent
    # library calls share one diversion and the last one out restores it.
    with _divert_lock:
        if _divert["depth"] == 0:
            try:
                import sys

                sys.stderr.flush()
                sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed when the last call leaves
                saved = os.dup(2)
                os.dup2(sink.fileno(), 2)
                _diverted.update(sink=sink, saved=saved)
            except OSError:
                _diverted.clear()
        _divert["depth"] += 1
    try:
        yield
    finally:
        with _divert_lock:
            _divert["depth"] -= 1
            if _divert["depth"] == 0 and _diverted:
                sink, saved = _diverted.pop("sink"), _diverted.pop("saved")
                os.dup2(saved, 2)  # type: ignore[arg-type]
                os.close(saved)  # type: ignore[arg-type]
                sink.seek(0)  # type: ignore[attr-defined]
                text = sink.read().decode("utf-8", "replace").strip()  # type: ignore[attr-defined]
                sink.close()  # type: ignore[attr-defined]
                if text:
                    _log.warning("Styrkort: the storage library wrote to stderr:\n%s", text)


@contextlib.contextmanager
def library_errors(spec: TableSpec, where: Path | str, doing: Doing, changed: object = None) -> Iterator[None]:
    """Around every call into deltalake: its failures become a Swedish StoreError.

    A pyo3 PanicException is a BaseException, so it is caught by name; an interrupt (Ctrl-C,
    SystemExit) passes through untouched. ``changed`` (a callable) tells, after a failed write,
    whether the commit landed anyway, so the message never claims "Inget har ändrats" falsely.
    """
    try:
        with _stderr_diverted():
            yield
    except StyrkortError:
        raise
    except BaseException as error:
        if not isinstance(error, Exception) and not _is_panic(error):
            raise
        landed = False
        if callable(changed):
            with contextlib.suppress(BaseException):
                landed = bool(changed())
        raise failure(spec, where, doing, error, changed=landed) from error


# --- the store --------------------------------------------------------------------------------------

_COMMIT_FILE = re.compile(r"^(\d{20})\.json$")
_CHECKPOINT_FILE = re.compile(r"^\d{20}\.checkpoint(\.\d+\.\d+)?\.parquet$")
_HISTORY_SCHEMA = {"version": pl.Int64, "as_of": pl.String, "message": pl.String, "operation": pl.String}


class Store:
    """Delta tables under one directory, ``<root>/<table>/``, or under one place in object
    storage, ``s3://bucket/prefix/<table>`` (``kpi.store.objects``).

    ``pinned`` reads some tables as they stood at a given version (-1: before they existed) when
    no version or date is asked for: how a reader sees the tables while another process is in the
    middle of an import (``kpi.store.journal``). Writing ignores it.
    """

    def __init__(self, root: Path | str, pinned: Mapping[str, int] | None = None) -> None:
        self.location = objects.parse_location(root) if objects.is_object_uri(root) else None
        self.root: Path | str = self.location.uri if self.location else Path(root)
        self.pinned: dict[str, int] = dict(pinned or {})

    def pinned_to(self, versions: Mapping[str, int]) -> Store:
        return Store(self.root, {**self.pinned, **versions})

    def path(self, table: str) -> Path | str:
        """The table's directory, or its URI in object storage."""
        if self.location:
            return self.location.table_uri(TABLES[table].name)
        return Path(self.root) / TABLES[table].name

    def _options(self) -> dict[str, str] | None:
        """deltalake's storage_options: the connection for object storage, none for a directory."""
        return objects.storage_options() if self.location else None

    def exists(self, table: str) -> bool:
        """Whether the table has a commit (a first write that failed leaves at most an empty log)."""
        if self.location:
            with library_errors(TABLES[table], self.path(table), "läsa"):
                names = [name for name, _ in objects.list_names(self.location, f"{TABLES[table].name}/_delta_log")]
            return any(_COMMIT_FILE.match(n) or _CHECKPOINT_FILE.match(n) for n in names)
        log = Path(self.path(table)) / "_delta_log"
        try:
            names = os.listdir(log)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as error:
            raise failure(TABLES[table], log, "läsa", error) from error
        return any(_COMMIT_FILE.match(n) or _CHECKPOINT_FILE.match(n) for n in names)

    def _uri(self, table: str, *, writing: bool) -> str:
        """The table's path as handed to deltalake, after refusing what it cannot represent."""
        if self.location:  # checked when the location was parsed
            return str(self.path(table))
        path = Path(self.path(table))
        problem = path_problem(path, writing=writing)
        if problem:
            raise StoreError(
                f"Tabellen {TABLES[table].label} kan inte {'skrivas' if writing else 'läsas'}: sökvägen "
                f"{shown_path(os.path.realpath(path))} innehåller {problem}, som lagringsbiblioteket (Delta Lake) inte "
                "klarar. Byt namn på mappen eller flytta datakatalogen till en sökväg utan det tecknet, och ange den med "
                "--data eller STYRKORT_DATA."
            )
        return os.fspath(path)

    # --- reading ------------------------------------------------------------------------

    def read(self, table: str, *, version: int | None = None, as_of: date | datetime | None = None) -> pl.DataFrame:
        """The table now (or at its pinned version), at a version, or as it stood on a date (by the commits' as_of)."""
        spec = TABLES[table]
        if not self.exists(table):
            return empty(spec)
        if as_of is not None:
            version = self.version_as_of(table, as_of)
            if version is None:
                return empty(spec)
        elif version is None:
            version = self.pinned.get(table)
        if version is not None and version < 0:
            return empty(spec)
        uri = self._uri(table, writing=False)
        with library_errors(spec, self.path(table), "läsa"):
            frame = pl.from_arrow(DeltaTable(uri, version=version, storage_options=self._options()).to_pyarrow_table())
        assert isinstance(frame, pl.DataFrame)
        return conform(spec, frame)

    def history(self, table: str) -> pl.DataFrame:
        """One row per version, oldest first, with Styrkort's commit metadata.

        Read from the commit files in ``_delta_log`` (each holds one ``commitInfo`` line) rather
        than through deltalake, whose history is empty under a directory named with # or ?. Like
        deltalake's, it lists the commits whose files are still there. Pins do not apply: the
        history shows every commit, including those of an import still being written.
        """
        spec = TABLES[table]
        if not self.exists(table):
            return pl.DataFrame(schema=_HISTORY_SCHEMA)
        uri = self._uri(table, writing=False)
        if self.location:
            # No directory to read: deltalake's own history, which reads the same commit files
            # (the # and ? that empty it on a disk are refused in an object-storage prefix).
            with library_errors(spec, uri, "läsa"):
                commits = DeltaTable(uri, storage_options=self._options()).history()
            return pl.DataFrame([_history_row(int(info["version"]), info) for info in commits], schema=_HISTORY_SCHEMA).sort("version")
        log = Path(self.path(table)) / "_delta_log"
        rows = []
        with library_errors(spec, log, "läsa"):
            for name in sorted(os.listdir(log)):
                found = _COMMIT_FILE.match(name)
                if not found:
                    continue
                rows.append(_history_row(int(found.group(1)), _commit_info(log / name)))
        return pl.DataFrame(rows, schema=_HISTORY_SCHEMA).sort("version")

    def version(self, table: str) -> int:
        """The table's current (or pinned) version; -1 when it does not exist yet."""
        if table in self.pinned:
            return self.pinned[table]
        return self._current_version(table)

    def _current_version(self, table: str) -> int:
        if not self.exists(table):
            return -1
        uri = self._uri(table, writing=False)
        with library_errors(TABLES[table], self.path(table), "läsa"):
            return int(DeltaTable(uri, storage_options=self._options()).version())

    def version_as_of(self, table: str, moment: date | datetime) -> int | None:
        cutoff = moment.isoformat() if isinstance(moment, datetime) else f"{moment.isoformat()}T23:59:59.999999+00:00"
        eligible = self.history(table).filter(pl.col("as_of") <= cutoff)
        if table in self.pinned:
            eligible = eligible.filter(pl.col("version") <= self.pinned[table])
        return None if eligible.is_empty() else int(eligible["version"].max())  # type: ignore[arg-type]

    def schema_json(self, table: str) -> str:
        """The Delta schema as stored (column names, types and nullability), for comparing two stores."""
        uri = self._uri(table, writing=False)
        with library_errors(TABLES[table], self.path(table), "läsa"):
            return str(DeltaTable(uri, storage_options=self._options()).schema().to_json())

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
        target = self._uri(table, writing=True)
        options = self._options()
        if not self.location:
            with library_errors(spec, self.root, "skriva"):
                Path(self.root).mkdir(parents=True, exist_ok=True)
        self._check_writable(table)
        existed = self.exists(table)
        before = self._current_version(table)
        with library_errors(spec, self.path(table), "skriva", changed=lambda: self._current_version(table) != before):
            if replace or not existed:
                write_deltalake(
                    target, data, mode="overwrite" if existed else "error", commit_properties=properties, storage_options=options
                )
            else:
                compared = [c for c in spec.schema if c not in spec.keys and c != "recorded_at"]
                changed = " OR ".join(f"NOT (s.{c} <=> t.{c})" for c in compared)
                (
                    DeltaTable(target, storage_options=options)
                    .merge(
                        data,
                        predicate=" AND ".join(f"s.{k} = t.{k}" for k in spec.keys),
                        source_alias="s",
                        target_alias="t",
                        commit_properties=properties,
                    )
                    .when_matched_update_all(predicate=changed)
                    .when_not_matched_insert_all()
                    .execute()
                )
            return int(DeltaTable(target, storage_options=options).version())

    def delete(self, table: str, predicate: str, *, message: str, as_of: datetime | None = None) -> int:
        """Remove rows matching a Delta SQL predicate as a new version (they stay in history)."""
        spec = TABLES[table]
        moment = as_of or datetime.now(UTC)
        properties = CommitProperties(custom_metadata={_META_AS_OF: moment.isoformat(), _META_MESSAGE: message})
        target = self._uri(table, writing=True)
        self._check_writable(table)
        before = self._current_version(table)
        with library_errors(spec, self.path(table), "skriva", changed=lambda: self._current_version(table) != before):
            handle = DeltaTable(target, storage_options=self._options())
            handle.delete(predicate, commit_properties=properties)
            return int(handle.version())

    def _check_writable(self, table: str) -> None:
        """Try to create a file where the write will: a read-only or forbidden directory is named
        in Swedish before the library starts (and before it can panic half-way through).

        In object storage there is no directory to try: a write made under an import lease that
        this process has lost is refused instead (``objects.check_lease``); access problems come
        back from the write itself, in Swedish."""
        spec = TABLES[table]
        if self.location:
            objects.check_lease(self.location)
            return
        root, path = Path(self.root), Path(self.path(table))
        for directory in (root, path, path / "_delta_log"):
            if not directory.is_dir():
                continue
            try:
                with tempfile.NamedTemporaryFile(dir=directory, prefix=".skrivprov-"):
                    pass
            except OSError as error:
                raise failure(spec, directory, "skriva", error) from error


def _commit_info(path: Path) -> dict[str, object]:
    """The ``commitInfo`` action of one commit file ({} when a writer left none)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            action = json.loads(line)
            if "commitInfo" in action:
                return dict(action["commitInfo"])
    return {}


def _history_row(version: int, info: Mapping[str, object]) -> dict[str, object]:
    """One row of :meth:`Store.history` from a commit's ``commitInfo``."""
    return {
        "version": version,
        "as_of": str(info.get(_META_AS_OF) or _timestamp_iso(info.get("timestamp"))),
        "message": str(info.get(_META_MESSAGE) or ""),
        "operation": str(info.get("operation", "")),
    }


def _timestamp_iso(millis: object) -> str:
    if isinstance(millis, int | float):
        return datetime.fromtimestamp(millis / 1000, UTC).isoformat()
    return ""


def store_for(data_dir: Path) -> Store:
    """The store of a data directory: the place in object storage that ``STYRKORT_STORE`` names
    (shared by servers on several machines), else the directory's own ``store/``."""
    remote = objects.configured_store()
    return Store(remote) if remote else Store(Path(data_dir) / "store")
