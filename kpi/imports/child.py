"""The program the isolated workbook reader runs: ``python -m kpi.imports.child``.

It reads one request from the parent (``kpi.imports.isolate``) on stdin, lowers its own memory
and time limits, reads the workbook with ``kpi.imports.read.read_xlsx_unfinished`` and answers
on stdout; the server reads the template sheets' rows from the answer (``finish_workbook``).
"""

from __future__ import annotations

import gc
import io
import os
import pickle
import sys

from kpi.imports.isolate import _EXIT_MEMORY, _address_space_for, _lower_limits
from kpi.imports.raw import ImportFileError
from kpi.imports.read import read_xlsx_unfinished


def main() -> int:
    """The child: one request on stdin, one answer on stdout."""
    answer_to = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not end up in the answer
    try:
        name, content, limits, memory, seconds, overlap = pickle.load(sys.stdin.buffer)  # from the parent, not the upload
    except EOFError:  # nothing asked
        return 0
    _lower_limits(memory, seconds)
    gc.disable()  # the reader makes millions of objects and no cycles (as pipeline._no_gc_pauses)
    try:
        try:
            read = read_xlsx_unfinished(name, content, limits, overlap=_address_space_for() if overlap else None)
            answer: tuple[str, object] = ("ok", read)
        except ImportFileError as exc:
            answer = ("error", str(exc))
        del content
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: the answer shares no objects worth sharing and has no cycles, and the memo
        # costs more than the values (0,19 s against 0,01 s for 100 000 rows).
        pickler.fast = True
        pickler.dump(answer)
        answer_to.write(buffer.getbuffer())
        answer_to.flush()
    except MemoryError:
        code = _EXIT_MEMORY
    else:
        code = 0
    # Without waiting for a calamine thread still parsing a sheet the scan has refused.
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
