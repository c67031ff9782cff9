"""The import journal: the lock, recovery of an unfinished import or undo, and consistent reading.

An import (``kpi.imports.pipeline.apply``) writes its entry in the import log first, with status
``pågår``, then one Delta version per table, then completes the entry (``inläst``). An undo marks
the entry ``ångras`` first and ``ångrad`` last. A process that dies in between leaves the entry
unfinished and its tables half written. This module puts that right, and is used **before every
read and write**: by the import and the undo under the lock, and by every reader (the dashboard's
load, every command, ``validate``) through :func:`read_consistently`. It lives in ``kpi.store`` so
that the evaluation layer can use it without importing ``kpi.imports``.

Concurrency: an import holds an ``flock`` on ``store/.import.lock`` for as long as it runs (in
object storage: a lease, ``kpi.store.objects``, with the same roles below: held means alive). A
reader that finds an unfinished entry takes that lock without waiting. If it gets it, nobody is
writing, so the entry belongs to a dead process and is rolled back (under the lock). If the lock
is held, the import or undo is alive in another process (or thread): nothing is rolled back, and
the tables it touches are read as they stood before it (``Store.pinned_to``). A reader also checks
that the import log did not move while it read, and reads again if it did, so it never sees the
first table of an import without the journal entry that explains it.

Names in the log: who imported and which file are written by people (``--user``, the page's name
field, an uploaded file's name) and printed one entry per line by ``python -m kpi imports``. They
pass through :func:`log_text` when stored and again when shown, so a newline, a carriage return,
a control character, a bidi override or an ANSI escape can never forge a line or recolour the
terminal.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal, TypeVar

import polars as pl

from kpi.model.errors import StoreError
from kpi.store import objects
from kpi.store.delta import TABLES, Store, failure, shown_path

# The import log's statuses: being written, written, being undone, undone, rolled back after a crash.
STATUS_WRITING, STATUS_DONE, STATUS_UNDOING, STATUS_UNDONE, STATUS_ABORTED = "pågår", "inläst", "ångras", "ångrad", "avbruten"
UNFINISHED = (STATUS_WRITING, STATUS_UNDOING)
LOCK_NAME = ".import.lock"
_log = logging.getLogger("styrkort.journal")
T = TypeVar("T")


class ImportBusyError(StoreError):
    """Another import holds the lock."""


# --- names in the log ------------------------------------------------------------------------------

# Characters that end a line or space text out: they become one space.
_SPACING = {"\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029"}
# Joiners shape letters and emoji (Indic scripts, 👩‍💻); they cannot move or hide text.
_HARMLESS_FORMAT = {"\u200c", "\u200d"}
NAME_LIMIT = 120
FILE_NAME_LIMIT = 200


def log_text(text: str | None, limit: int = NAME_LIMIT) -> str:
    """A name or file name as it may be stored in the import log and printed on one line.

    Line and paragraph breaks and tabs become a space; every other control character (C0, DEL,
    C1 with ESC and CSI, so no ANSI escape survives) and every invisible format character (bidi
    embeddings, overrides, isolates and marks, zero-width spaces, the BOM; Unicode category Cf
    except the joiners) and lone surrogates become ``�``, so a tampered name shows that it was.
    Spaces are collapsed, the text is NFC-normalised (a macOS file name's decomposed "ö" is the
    same "ö") and cut to ``limit`` characters with "…".
    """
    if not text:
        return ""
    out = []
    for character in unicodedata.normalize("NFC", text):
        if character in _SPACING:
            out.append(" ")
        elif character in _HARMLESS_FORMAT:
            out.append(character)
        elif unicodedata.category(character) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append("\ufffd")
        else:
            out.append(character)
    cleaned = re.sub(r"\s{2,}", " ", "".join(out)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


# --- the lock --------------------------------------------------------------------------------------


def _open_lock(root: Path) -> IO[str]:
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 - the caller closes it
    handle.seek(0)  # Windows locks from the current position: always the first byte
    return handle


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return log_text(handle.read(), NAME_LIMIT + FILE_NAME_LIMIT + 20) or "någon annan"


def _busy(holder: str) -> ImportBusyError:
    return ImportBusyError(f"En annan inläsning pågår ({holder}). Inget har ändrats; försök igen om en stund.")


# How long an import lease in object storage lives without being renewed (it is renewed every
# third of this): a killed importer blocks others, and is taken for alive by readers, this long.
LEASE_SECONDS = 60.0


@contextlib.contextmanager
def import_lock(root: Path | str, wait_seconds: float, holder: str, *, lease_seconds: float = LEASE_SECONDS) -> Iterator[None]:
    """An exclusive lock on the store for one import or undo; waits, then fails with a Swedish message.

    A directory: an flock, released by the system when the process dies. Object storage: a
    lease that expires ``lease_seconds`` after the process stops renewing it."""
    if objects.is_object_uri(root):
        with _object_lock(str(root), wait_seconds, log_text(f"{holder}, startad {_clock()}", 400), lease_seconds):
            yield
        return
    root = Path(root)
    try:
        handle = _open_lock(root)
    except OSError as exc:
        raise StoreError(
            f"Datakatalogen {shown_path(root)} går inte att skriva i ({LOCK_NAME} kan inte öppnas), så inget kan läsas in. "
            "Kontrollera behörigheten eller välj en skrivbar katalog med STYRKORT_DATA."
        ) from exc
    locked = False
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                _lock(handle)
                locked = True
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise _busy(_holder(handle)) from None
                time.sleep(0.05)
        # The note of who holds the lock is for the message of the one who waits; a full disk
        # must not stop the import here (its own writes will say so, in Swedish).
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.write(log_text(f"{holder}, startad {_clock()}", 400))
            handle.flush()
        yield
    finally:
        if locked:  # only the holder clears the note of who holds the lock
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()
                _unlock(handle)
        with contextlib.suppress(OSError):  # a note that could not be written on a full disk fails again here
            handle.close()


def _clock() -> str:
    return datetime.now(UTC).astimezone().strftime("%H:%M:%S")


def _store_failure(root: str, error: BaseException) -> StoreError:
    return failure(TABLES["imports"], root, "skriva", error)


@contextlib.contextmanager
def _object_lock(root: str, wait_seconds: float, holder: str, lease_seconds: float) -> Iterator[None]:
    try:
        lease = objects.take_lease(objects.parse_location(root), holder, lease_seconds, wait_seconds)
    except objects.LeaseBusy as busy:
        raise _busy(log_text(busy.holder, NAME_LIMIT + FILE_NAME_LIMIT + 20)) from None
    except StoreError:
        raise
    except Exception as error:  # unreachable, refused, no bucket: in Swedish
        raise _store_failure(root, error) from error
    try:
        yield
    finally:
        lease.release()


LockState = Literal["taken", "busy", "unavailable"]


@contextlib.contextmanager
def lock_if_free(root: Path | str) -> Iterator[tuple[LockState, str]]:
    """The import lock without waiting: ("taken", ""), ("busy", who holds it) when an import or
    undo is running, or ("unavailable", why) when the lock file cannot be opened (a read-only
    data directory: nobody can be writing there, but nothing can be rolled back either).

    In object storage "busy" means a live lease: its holder is taken for alive until the lease
    expires, and only then is its unfinished import rolled back (under a lease of our own)."""
    if objects.is_object_uri(root):
        with _object_lock_if_free(str(root)) as state:
            yield state
        return
    root = Path(root)
    try:
        handle = _open_lock(root)
    except OSError as exc:
        yield "unavailable", type(exc).__name__
        return
    try:
        try:
            _lock(handle)
        except OSError:
            yield "busy", _holder(handle)
            return
        try:
            yield "taken", ""
        finally:
            with contextlib.suppress(OSError):
                _unlock(handle)
    finally:
        handle.close()


@contextlib.contextmanager
def _object_lock_if_free(root: str) -> Iterator[tuple[LockState, str]]:
    location = objects.parse_location(root)
    try:
        lease = objects.try_lease(location, log_text(f"återställning, startad {_clock()}", 400), LEASE_SECONDS)
    except objects.LeaseBusy as busy:
        yield "busy", log_text(busy.holder, NAME_LIMIT + FILE_NAME_LIMIT + 20)
        return
    except Exception as error:  # unreachable, refused, no bucket: in Swedish
        raise _store_failure(root, error) from error
    lease.start()
    try:
        yield "taken", ""
    finally:
        lease.release()


def _lock(handle: IO[str]) -> None:
    if os.name == "nt":  # pragma: no cover - the server runs on Linux; analysts' Windows CLI uses this
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle: IO[str]) -> None:
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --- recovery --------------------------------------------------------------------------------------


def roll_back(store: Store, versions: dict[str, int], message: str) -> None:
    """Put every table that moved since the given versions back to them, as new versions (history keeps the attempt)."""
    for table, version in versions.items():
        if store.version(table) == version:
            continue
        frame = store.read(table, version=version) if version >= 0 else pl.DataFrame(schema=TABLES[table].schema)
        store.write(table, frame, message=message, replace=True)


def recover(store: Store) -> list[str]:
    """Roll back what a process that died mid-import or mid-undo left half done; under the lock.

    An import still marked as being written is undone back to its versions before; an undo still
    marked as running is reverted back to the versions before the undo. Returns the ids handled.
    """
    if not store.exists("imports"):
        return []
    unfinished = store.read("imports").filter(pl.col("status").is_in(UNFINISHED))
    for entry in unfinished.iter_rows(named=True):
        if entry["status"] == STATUS_WRITING:
            roll_back(store, json.loads(entry["versions_before"]), f"Återställd efter avbruten inläsning {entry['import_id']}")
            store.write(
                "imports",
                pl.DataFrame([{**entry, "status": STATUS_ABORTED}]),
                message=f"Avbruten inläsning {entry['import_id']} återställd",
            )
        else:
            roll_back(
                store,
                json.loads(entry["undo_versions_before"] or "{}"),
                f"Återställd efter avbruten ångring av {entry['import_id']}",
            )
            store.write(
                "imports",
                pl.DataFrame([{**entry, "status": STATUS_DONE}]),
                message=f"Avbruten ångring av {entry['import_id']} återställd",
            )
    return unfinished["import_id"].to_list()


@dataclass(frozen=True)
class Unfinished:
    """An import or undo whose journal entry is not complete."""

    import_id: str
    status: str  # pågår or ångras
    file_name: str
    user: str
    versions_before: dict[str, int]  # the tables as they stood before it started

    def describe(self) -> str:
        what = "inläsning" if self.status == STATUS_WRITING else "ångring av inläsning"
        return f"{what} {self.import_id} ({log_text(self.file_name, FILE_NAME_LIMIT)}, {log_text(self.user)})"


def unfinished(store: Store) -> list[Unfinished]:
    """The journal entries still ``pågår`` or ``ångras``, oldest first."""
    if not store.exists("imports"):
        return []
    log = Store(store.root).read("imports").filter(pl.col("status").is_in(UNFINISHED)).sort("imported_at")
    found = []
    for entry in log.iter_rows(named=True):
        raw = entry["versions_before"] if entry["status"] == STATUS_WRITING else entry["undo_versions_before"]
        try:
            versions = {str(t): int(v) for t, v in json.loads(raw or "{}").items() if t in TABLES}
        except (ValueError, TypeError, AttributeError):
            raise StoreError(
                f"Inläsningsloggen i {shown_path(store.root)} är skadad: posten för {entry['import_id']} saknar giltiga "
                "tabellversioner. Återställ datakatalogen från säkerhetskopian."
            ) from None
        found.append(Unfinished(entry["import_id"], entry["status"], entry["file_name"] or "", entry["user"] or "", versions))
    return found


@dataclass(frozen=True)
class Settled:
    """What :func:`settle` found and did before a read."""

    store: Store  # read through this: pinned to the versions before a running import or undo
    recovered: list[Unfinished] = field(default_factory=list)  # rolled back now: their process had died
    running: list[Unfinished] = field(default_factory=list)  # alive in another process: read as before them
    holder: str = ""  # who holds the lock, when running
    stuck: list[Unfinished] = field(default_factory=list)  # dead, but the directory cannot be written to roll back


def settle(store: Store) -> Settled:
    """Before reading: roll back an import or undo whose process died, or read around one that runs.

    Without an unfinished journal entry this is one read of the (small) import log.
    """
    pending = unfinished(store)
    if not pending:
        return Settled(store)
    with lock_if_free(store.root) as (state, holder):
        if state == "taken":
            # Under the lock the log is read again: the import may have finished in the meantime.
            try:
                handled = set(recover(Store(store.root)))
            except StoreError:
                # A table that cannot be written (read-only, full disk): read around the entry
                # instead; the versions before it hold what the rollback would have restored.
                _log.warning("Styrkort: could not roll back %s", ", ".join(u.describe() for u in pending), exc_info=True)
                state = "unavailable"
            else:
                done = [u for u in pending if u.import_id in handled]
                for u in done:
                    _log.warning("Styrkort: rolled back the unfinished %s", u.describe())
                return Settled(Store(store.root, store.pinned), recovered=done)
    pins: dict[str, int] = {}
    for u in pending:
        for table, version in u.versions_before.items():
            pins[table] = min(version, pins.get(table, version))
    pinned = store.pinned_to(pins)
    if state == "busy":
        return Settled(pinned, running=pending, holder=holder)
    return Settled(pinned, stuck=pending)


def read_consistently(store: Store, reader: Callable[[Store], T], attempts: int = 5) -> tuple[T, Settled]:
    """``reader(store)`` on tables that belong together: after :func:`settle`, and again if the
    import log moved while reading (an import or undo began or ended in the middle: its journal
    entry is written before its first table and after its last)."""
    result: T
    for _ in range(attempts):
        settled = settle(store)
        before = _log_version(store)
        result = reader(settled.store)
        if _log_version(store) == before:
            return result, settled
    return result, settled  # a store busy with one import after another: the newest reading


def _log_version(store: Store) -> int:
    return Store(store.root).version("imports")
