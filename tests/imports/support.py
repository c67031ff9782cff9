"""Building import files and looking at the store, for the generated tests of issue 14.

A file is built the way an analyst's program writes it: CSV with semicolons (quoted where needed)
or an xlsx with one sheet per table, the header in row 1, so the data's first row is row 2 in
every message. A column the test leaves out is not in the header at all; a cell given as None
is an empty cell in a column that is there.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import polars as pl
from polars.testing import assert_frame_equal

from kpi.imports import pipeline
from kpi.model.errors import StyrkortError
from kpi.model.formatting import format_number
from kpi.store.delta import TABLES, Store

DATA = Path(__file__).resolve().parents[2] / "data"
WRITTEN = ("observations", "targets", "comments", "actions")
SHEETS = {"observations": "Utfall", "targets": "Mål", "comments": "Kommentarer", "actions": "Åtgärder"}


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if c is None else c for c in row] for row in rows])
    return out.getvalue().encode()


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    ws = book.create_sheet(sheet)
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_file(kind: str, table: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> tuple[str, bytes]:
    """(file name, content) of one table as CSV or xlsx; the name tells the messages' sheet label."""
    if kind == "csv":
        return f"{SHEETS[table].lower()}.csv", csv_bytes(header, rows)
    return "mall.xlsx", xlsx_bytes(SHEETS[table], header, rows)


def label(kind: str, table: str) -> str:
    """What the messages call the sheet: the file's name for CSV, the sheet's for xlsx."""
    return f"{SHEETS[table].lower()}.csv" if kind == "csv" else SHEETS[table]


def typed(value: float, decimals: int, *, percent: bool) -> str:
    """A figure as a Swedish analyst types it: 16,0 %, 43 000."""
    text = format_number(value, decimals)
    return f"{text} %" if percent else text


def state(data: Path) -> tuple[dict[str, int], dict[str, pl.DataFrame]]:
    """Every table's Delta version and the contents (sorted by key, without recorded_at) of the tables an import writes."""
    store = Store(data / "store")
    frames = {}
    for t in WRITTEN:
        frame = store.read(t).drop("recorded_at") if store.exists(t) else pl.DataFrame(schema=TABLES[t].schema).drop("recorded_at")
        frames[t] = frame.sort(list(TABLES[t].keys))
    return {t: store.version(t) for t in TABLES}, frames


def assert_untouched(data: Path, before: tuple[dict[str, int], dict[str, pl.DataFrame]]) -> None:
    versions, frames = state(data)
    assert versions == before[0]
    for table, frame in before[1].items():
        assert_frame_equal(frames[table], frame)


def assert_refused(data: Path, before: tuple[dict[str, int], dict[str, pl.DataFrame]], plan: pipeline.Plan) -> None:
    """A refused plan cannot be written, and the store is exactly as before."""
    assert not plan.ok and plan.changes == {}
    try:
        pipeline.apply(data, plan, user="test")
    except StyrkortError as error:
        assert "rätta felen i rapporten först" in str(error)
    else:  # pragma: no cover - the assertion's message
        raise AssertionError("a refused plan was written")
    assert_untouched(data, before)


def problem_places(plan: pipeline.Plan) -> set[tuple[str, int, str]]:
    """(sheet, row, column) of every problem, each checked to be said that way in the report."""
    places = set()
    for p in plan.problems:
        assert str(p).startswith(f"{p.sheet}, rad {p.row}, {p.column}: "), str(p)
        places.add((p.sheet, p.row, p.column))
    return places


def apply_and_diff(data: Path, plan: pipeline.Plan) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Write the plan; per table, the rows that were removed or replaced and the rows that are new."""
    before = state(data)[1]
    if plan.to_write:
        pipeline.apply(data, plan, user="test")
    after = state(data)[1]
    out = {}
    for t in WRITTEN:
        gone = before[t].join(after[t], on=before[t].columns, how="anti", nulls_equal=True)
        came = after[t].join(before[t], on=after[t].columns, how="anti", nulls_equal=True)
        out[t] = (gone, came)
    return out


@contextmanager
def copy_of(pristine: Path) -> Iterator[Path]:
    """A throwaway copy of a data directory, for one generated example that writes."""
    root = Path(tempfile.mkdtemp(prefix="styrkort-test-"))
    try:
        target = root / "data"
        shutil.copytree(pristine, target)
        yield target
    finally:
        shutil.rmtree(root, ignore_errors=True)
