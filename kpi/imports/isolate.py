"""Reading an uploaded workbook in a child process with memory and time limits.

Why: the cell reader (python-calamine, in Rust) allocates what a sheet claims to hold. A 1,7 kB
workbook with one cell at XFD1048576 asked it for 512 GB and aborted the process; one at XFD3000
cost 2 GB. ``kpi.imports.read`` now refuses such sheets before calamine sees them, but the import
page runs inside the web server, so one upload that slips past a check, or hits a bug in a parser
written in C or Rust, must still not take the dashboard down for everyone. So every workbook is
read by ``python -m kpi.imports.child``, a fresh interpreter (no fork of a threaded server) that
lowers its own limits before it touches the file:

* address space (``RLIMIT_AS``) of ``memory_limit(limits)`` bytes, room for the configured row
  limit at the widest sheet read, an allocation beyond it fails in the child, not in the server;
* ``TIME_LIMIT`` seconds, as CPU time (``RLIMIT_CPU``) and as wall-clock time (the parent kills
  the child when it has not answered by then);
* no core dump (``RLIMIT_CORE`` 0): a child that aborts must not write its memory to disk.

The parent writes one pickle, (file name, content, limits, memory, seconds, overlap), to the
child's stdin; the child answers with one pickle on stdout: ("ok", (the RawFile without its
template sheets, and each template sheet's cell values as calamine gave them)) or ("error",
Swedish message); the server reads the template sheets from those values (``finish_workbook``),
so the rows travel once, as lists, and become the checker's dicts in one step. The parent unpickles only the classes a RawFile is
made of (``_AnswerUnpickler``), so even a child that went wrong cannot make the server run code.
A child that dies, is killed by a limit or does not answer in time becomes an ``ImportFileError``
in Swedish, never an exception in the server.

Speed: scanning a sheet's XML in Python takes about as long as calamine's parse of it in Rust, so
for a sheet of more than 1 MB of XML the child runs both at once (``read_xlsx(overlap=…)``), with
its address space lowered meanwhile to what is in use plus 16 bytes per byte of that sheet's XML:
calamine cannot allocate for a cell far out before the scan has seen it. If it tries, Rust aborts
the child; the parent then reads the file once more with the scan first (``overlap=False``), which
refuses it with the scan's message. Small sheets, among them every workbook of a few kB built to
make the reader allocate, are always scanned before calamine starts.

On Windows there is no ``resource`` module: the child runs without limits but still apart.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import io
import logging
import math
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from kpi.imports.raw import UNREADABLE, Cell, ImportFileError, Limits, RawFile

TIME_LIMIT = 60  # seconds: 200 000 rows take a few seconds
_BASE_MEMORY = 1_000_000_000  # the interpreter, calamine, the zip and the parsed XML's bookkeeping
_MEMORY_PER_ROW = 10_000  # bytes per row allowed by the limits (calamine's cells, Python's rows)
_ROOT = Path(__file__).resolve().parents[2]  # the directory holding the kpi package
_EXIT_MEMORY = 3  # the child ran out of memory in Python code (MemoryError)
_ROOM_PER_XML_BYTE = 16  # address space per byte of sheet XML while calamine runs beside the scan
_log = logging.getLogger("styrkort")


def memory_limit(limits: Limits) -> int:
    """The child's address space: the interpreter and libraries, plus room for the row limit."""
    return _BASE_MEMORY + _MEMORY_PER_ROW * limits.max_rows


def child_command() -> list[str]:
    """The child: this interpreter, this module, no bytecode written."""
    return [sys.executable, "-B", "-m", "kpi.imports.child"]


def limit_message(name: str, memory: int, seconds: float) -> str:
    size = f"{memory / 1e9:.1f} GB" if memory >= 1e9 else f"{memory / 1e6:.0f} MB"
    shown = f"{seconds:g}".replace(".", ",")
    return (
        f"Filen {name} kunde inte läsas inom gränserna för minne och tid (högst {size.replace('.', ',')} och {shown} sekunder). "
        "En vanlig arbetsbok läses på några sekunder; den här är antingen mycket större än mallen eller byggd så att den "
        "inte går att läsa. Spara den på nytt från Excel som .xlsx, eller dela upp den i flera filer."
    )


def read_workbook_isolated(name: str, content: bytes, limits: Limits) -> tuple[RawFile, list[Any]]:
    """``read_xlsx_unfinished`` in a child process with memory and time limits; any failure is an
    ImportFileError. The caller finishes the answer with ``kpi.imports.read.finish_workbook``."""
    memory, seconds = memory_limit(limits), TIME_LIMIT
    done = _run(name, content, limits, memory, seconds, overlap=True)
    if done.returncode in (-signal.SIGABRT, _EXIT_MEMORY):
        # Calamine ran into the lowered limit while the scan of a large sheet was still going:
        # a cell far out, or a sheet denser than its size suggests. Once more, scan first.
        _log.info("Workbook reader for %s ran out of room beside the scan (%s); reading again, scan first", name, done.returncode)
        done = _run(name, content, limits, memory, seconds, overlap=False)
    if done.returncode != 0 or not done.stdout:
        _log.warning(
            "Workbook reader for %s ended with %s: %s", name, done.returncode, done.stderr[-2000:].decode(errors="replace")
        )
        if done.returncode < 0 or done.returncode == _EXIT_MEMORY:  # killed by a signal (a limit, an abort) or out of memory
            raise ImportFileError(limit_message(name, memory, seconds))
        raise ImportFileError(UNREADABLE.format(name=name))
    try:
        kind, payload = _AnswerUnpickler(io.BytesIO(done.stdout)).load()
        if kind == "ok":
            return _unpacked(payload)
    except Exception as exc:  # a truncated or foreign answer: the child did not finish its work
        _log.warning("Workbook reader for %s gave an unreadable answer: %s", name, exc)
        raise ImportFileError(UNREADABLE.format(name=name)) from exc
    if kind == "error" and isinstance(payload, str):
        raise ImportFileError(payload)
    raise ImportFileError(UNREADABLE.format(name=name))


def _unpacked(payload: object) -> tuple[RawFile, list[Any]]:
    """The child's ``read_xlsx_unfinished``, its shape checked before the template sheets are read
    (``finish_workbook``)."""
    raw, unfinished = payload  # type: ignore[misc]
    if not isinstance(raw, RawFile) or not isinstance(unfinished, list):
        raise TypeError("not a RawFile")
    for part in unfinished:
        if not (isinstance(part, tuple) and len(part) == 7):
            raise TypeError("not a sheet of the RawFile")
        sheet, actual, values, formulas, errors, more, more_row = part
        if not (isinstance(sheet, str) and isinstance(actual, str) and type(more) is int and type(more_row) is int):
            raise TypeError("not a sheet of the RawFile")
        if not (isinstance(values, list) and all(type(row) is list for row in values)):
            raise TypeError("not rows of cell values")
        for cells in (formulas, errors):
            if not (isinstance(cells, list) and all(_is_cell_spot(c) for c in cells)):
                raise TypeError("not cells of the sheet")
    return raw, unfinished


def _is_cell_spot(spot: object) -> bool:
    """(row, column, text): a formula or an error cell as the reader reports it."""
    return (
        isinstance(spot, tuple)
        and len(spot) == 3
        and type(spot[0]) is int
        and type(spot[1]) is int
        and isinstance(spot[2], str)
    )


# What a RawFile is made of: its dataclasses and the date and time types of cell values.
_ANSWER_CLASSES: dict[tuple[str, str], type] = {
    ("kpi.imports.raw", "RawFile"): RawFile,
    ("kpi.imports.raw", "Cell"): Cell,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "date"): datetime.date,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
}


def _run(
    name: str, content: bytes, limits: Limits, memory: int, seconds: float, *, overlap: bool
) -> subprocess.CompletedProcess[bytes]:
    request = pickle.dumps((name, content, limits, memory, seconds, overlap), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        child = _take_child()
    except OSError as exc:
        raise ImportFileError(f"Filen {name} kunde inte läsas: läsaren gick inte att starta ({exc.strerror}).") from exc
    try:
        stdout, stderr = child.communicate(request, timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        child.kill()
        child.communicate()
        raise ImportFileError(limit_message(name, memory, seconds)) from exc
    finally:
        warm_up()  # the next upload's reader starts now, while this one is read
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


# One child started ahead of need: a fresh interpreter takes a few tenths of a second to import
# the reader, which the upload need not wait for. It waits on its stdin, with no limits lowered
# and nothing read yet; a child is used for one file only, then a new one is started.
_spare: subprocess.Popen[bytes] | None = None
_spare_lock = threading.Lock()


def _start_child() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=_ROOT
    )


def warm_up() -> None:
    """Start the spare reader if there is none (the import page calls it when it is opened)."""
    global _spare
    with _spare_lock:
        if _spare is None or _spare.poll() is not None or _spare.args != child_command():
            try:
                _spare = _start_child()
            except OSError:  # started again when a file comes; the error is reported then
                _spare = None


def _take_child() -> subprocess.Popen[bytes]:
    global _spare
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None and child.poll() is None and child.args != child_command():
        child.communicate()  # started as another program (a test's, a changed interpreter): let it end
        child = None
    if child is None or child.poll() is not None:
        child = _start_child()
    return child


@atexit.register
def _end_spare() -> None:
    """The spare reads end of input and exits: no process outlives the server."""
    with _spare_lock:
        if _spare is not None and _spare.poll() is None:
            with contextlib.suppress(Exception):
                _spare.communicate(timeout=5)


class _AnswerUnpickler(pickle.Unpickler):
    """Unpickles only the classes in ``_ANSWER_CLASSES``; anything else is refused."""

    def find_class(self, module: str, name: str) -> type:
        found = _ANSWER_CLASSES.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a RawFile")
        return found


def _address_space_for() -> Callable[[int], AbstractContextManager[None]] | None:
    """For ``read_xlsx``'s overlap: a context that lowers the address space (soft limit) to what is
    in use plus room for one sheet of so many bytes of XML while calamine parses it beside the
    scan, and puts it back after the scan. Linux only (/proc/self/statm); elsewhere no overlap."""
    try:
        import resource

        page = os.sysconf("SC_PAGE_SIZE")
        with open("/proc/self/statm") as statm:
            statm.read()
    except (ImportError, OSError, ValueError):
        return None

    @contextlib.contextmanager
    def lowered(xml_bytes: int) -> Iterator[None]:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * page
        # Calamine and its Python values take about 3 bytes per byte of XML for a dense sheet;
        # 16 leaves room, and 256 MB covers a thread's stack and malloc arena.
        soft = in_use + _ROOM_PER_XML_BYTE * xml_bytes + 256_000_000
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        yield  # not in a finally: after a refusal the limit stays low until the process ends
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    return lowered


def _lower_limits(memory: int, seconds: float) -> None:
    """Memory, CPU time and core dumps, lowered for this process only; never raised."""
    # The reader's own library is loaded first: mapping it under a low limit fails as an
    # ImportError, which would read as a damaged file rather than as the limit it is.
    import python_calamine  # noqa: F401

    try:
        import resource
    except ImportError:  # Windows
        return

    def lower(which: int, soft: int, hard: int) -> None:
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        resource.setrlimit(which, (soft, hard))

    cpu = max(1, math.ceil(seconds))
    lower(resource.RLIMIT_AS, memory, memory)
    lower(resource.RLIMIT_CPU, cpu, cpu + 5)
    lower(resource.RLIMIT_CORE, 0, 0)
