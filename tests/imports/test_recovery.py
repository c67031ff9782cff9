"""Issue 14, class 11: an import or undo killed half-way is never shown, and never blocks the next one.

An import killed right after its first table commit left its rows visible (and ``validate`` said
all was well) until the next import, which failed once with a misleading message. The rule: the
import journal is settled before every read and write (``kpi.store.journal``). A journal entry
still ``pågår`` or ``ångras`` whose process has died is rolled back by whoever reads or writes
next; one whose process is alive (it holds the flock on ``store/.import.lock``) is left alone and
read around, at the table versions before it.

The kill is simulated as in tests/imports/test_import.py: ``Store.write`` raises at a chosen
write and the dying process rolls nothing back. Generated cases: every kill point of an import
(after the journal entry, after each table, before the final log entry) and of an undo, times
every kind of reader (the dashboard's load, an import's preview, ``validate``, the command line,
the next import).
A second process that really holds the lock, and one really importing, check the concurrency.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from kpi.cli import run
from kpi.evaluation.scorecard import load_dataset
from kpi.imports import pipeline
from kpi.store import journal
from kpi.store.bundled import copy_data
from kpi.store.delta import Store
from kpi.store.validation import validate_all

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
UTFALL = "styrmått;enhet;period;kön;värde;täljare;nämnare;källa"
KOMMENTARER = "styrmått;enhet;period;kommentar;författare"
VALUE = "med_triage_digitalen;div_nara;DÅ08 2022;;43 000;;;"
COMMENT = "med_triage_digitalen;div_nara;DÅ08 2022;Ny text;Bo"
OLD, NEW = 29191.0, 43000.0


def csv_file(*rows: str, header: str = UTFALL) -> bytes:
    return "\n".join((header, *rows, "")).encode("utf-8")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("pristine") / "data")


@pytest.fixture
def data(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(pristine, target)
    return target


def stored_value(store: Store) -> float | None:
    rows = store.read("observations").filter(
        (pl.col("measure_id") == "med_triage_digitalen") & (pl.col("unit_id") == "div_nara") & (pl.col("period") == "2022-DÅ08") & (pl.col("sex") == "T")
    )
    return rows["value"][0] if rows.height else None


def loaded_value(data: Path) -> float | None:
    rows = load_dataset(data).observations.filter(
        (pl.col("measure_id") == "med_triage_digitalen") & (pl.col("unit_id") == "div_nara") & (pl.col("period") == "2022-DÅ08") & (pl.col("sex") == "T")
    )
    return rows["value"][0] if rows.height else None


def statuses(data: Path) -> list[str]:
    return pipeline.imports(data)["status"].to_list()


class Died(BaseException):
    """The process is killed: nothing after this runs."""


def merged_plan(data: Path) -> pipeline.Plan:
    """One import writing two tables (utfall, then kommentarer), so there is a first and a second table commit."""
    values = pipeline.prepare(data, "a.csv", csv_file(VALUE))
    comment = pipeline.prepare(data, "k.csv", csv_file(COMMENT, header=KOMMENTARER))
    return pipeline.Plan("ak.csv", "ab" * 32, [], {**values.changes, **comment.changes}, {**values.versions, **comment.versions}, 2)


# The writes of that import, in order; "kill after N" means the first N landed.
IMPORT_WRITES = ["imports (pågår)", "observations", "comments", "imports (inläst)"]


def kill_import(data: Path, monkeypatch: pytest.MonkeyPatch, landed: int) -> None:
    """Run the import and kill it after ``landed`` writes: the journal entry says pågår."""
    plan = merged_plan(data)
    write = Store.write
    count = {"n": 0}

    def dying(self: Store, table: str, frame: pl.DataFrame, **kwargs: object) -> int:
        if count["n"] >= landed:
            raise Died
        count["n"] += 1
        return write(self, table, frame, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(Store, "write", dying)
        patched.setattr(pipeline, "_roll_back", lambda *args, **kwargs: None)  # a dead process rolls nothing back
        with pytest.raises(Died):
            pipeline.apply(data, plan, user="Anna")
    assert statuses(data) == ["pågår"]


def reader_load(data: Path) -> float | None:
    return loaded_value(data)


def reader_validate(data: Path) -> float | None:
    validate_all(data)
    return stored_value(Store(data / "store"))


def reader_cli_scorecard(data: Path) -> float | None:
    assert run(["--data", str(data), "scorecard", "--period", "2022-DÅ08", "--format", "json"]) == 0
    return stored_value(Store(data / "store"))


def reader_cli_imports(data: Path) -> float | None:
    assert run(["--data", str(data), "imports"]) == 0
    return stored_value(Store(data / "store"))


def reader_preview(data: Path) -> float | None:
    plan = pipeline.prepare(data, "b.csv", csv_file(VALUE))
    assert plan.ok, plan.problems
    settled = stored_value(Store(data / "store"))
    assert plan.changes["observations"]["old_value"].to_list() == [settled]  # compared with the settled figures
    return settled


READERS: dict[str, Callable[[Path], float | None]] = {
    "load_dataset": reader_load,
    "preview": reader_preview,
    "validate": reader_validate,
    "scorecard": reader_cli_scorecard,
    "imports": reader_cli_imports,
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("landed", [1, 2, 3], ids=[f"killed after {w}" for w in IMPORT_WRITES[:3]])
def test_a_killed_import_is_rolled_back_before_anything_is_read(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], landed: int, reader: str
) -> None:
    kill_import(data, monkeypatch, landed)
    if landed >= 2:
        assert stored_value(Store(data / "store")) == NEW  # the half-written rows are there …
    assert READERS[reader](data) == OLD  # … until the next reader, which shows the old figures
    assert statuses(data) == ["avbruten"]
    assert Store(data / "store").read("comments").filter(pl.col("text") == "Ny text").is_empty()
    capsys.readouterr()


@pytest.mark.parametrize("landed", [1, 2, 3])
def test_validate_reports_the_unfinished_import_once_and_then_finds_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], landed: int
) -> None:
    kill_import(data, monkeypatch, landed)
    assert run(["--data", str(data), "validate"]) == 1
    out = capsys.readouterr().out
    assert "inläsningslogg" in out and "ak.csv" in out and "Anna" in out and "avbröts innan den var klar" in out
    assert run(["--data", str(data), "validate"]) == 0
    assert "Inga fel hittades." in capsys.readouterr().out


@pytest.mark.parametrize("landed", [1, 2, 3])
@pytest.mark.parametrize("how", ["command line", "page (load, then prepare and apply)"])
def test_the_next_import_works_the_first_time(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], landed: int, how: str
) -> None:
    kill_import(data, monkeypatch, landed)
    file = data.parent / "a.csv"
    file.write_bytes(csv_file(VALUE))
    if how == "command line":
        assert run(["--data", str(data), "import", str(file), "--user", "Bo"]) == 0
        out, err = capsys.readouterr()
        assert "Inläst som" in out and "avbröts innan den var klar" in err, out + err
    else:  # the app loads the data set on every run before the page prepares the preview
        load_dataset(data)
        plan = pipeline.prepare(data, "a.csv", csv_file(VALUE))
        assert plan.ok and plan.to_write == 1
        pipeline.apply(data, plan, user="Bo")
    assert stored_value(Store(data / "store")) == NEW
    assert sorted(statuses(data)) == ["avbruten", "inläst"]


# --- an undo killed half-way ------------------------------------------------------------------------


@pytest.mark.parametrize("landed", [1, 2], ids=["killed after the journal entry", "killed after the first table"])
@pytest.mark.parametrize("reader", list(READERS))
def test_a_killed_undo_is_reverted_before_anything_is_read(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], landed: int, reader: str
) -> None:
    pipeline.apply(data, merged_plan(data), user="Anna")
    write = Store.write
    count = {"n": 0}

    def dying(self: Store, table: str, frame: pl.DataFrame, **kwargs: object) -> int:
        if count["n"] >= landed:
            raise Died
        count["n"] += 1
        return write(self, table, frame, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(Store, "write", dying)
        patched.setattr(pipeline, "_roll_back", lambda *args, **kwargs: None)
        with pytest.raises(Died):
            pipeline.undo(data, user="Anna")
    assert statuses(data) == ["ångras"]
    assert READERS[reader](data) == NEW  # as before the undo started
    assert statuses(data) == ["inläst"]
    assert "ångrad" in pipeline.undo(data, user="Anna")  # and it can be done again, the first time
    assert stored_value(Store(data / "store")) == OLD
    capsys.readouterr()


# --- an import alive in another process is not rolled back ------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kpi.store.journal import import_lock
    with import_lock(Path(sys.argv[1]), 0, "Cecilia, pågående.csv"):
        print("låst", flush=True)
        while not Path(sys.argv[2]).exists():
            time.sleep(0.02)
    """
)


@pytest.fixture
def lock_held_elsewhere(data: Path, tmp_path: Path) -> Iterator[Path]:
    """Another process holds the import lock until the test lets go."""
    release = tmp_path / "släpp"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data / "store"), str(release)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "låst"
    try:
        yield release
    finally:
        release.touch()
        holder.wait(timeout=30)


@pytest.mark.parametrize("landed", [2, 3])
def test_an_import_whose_process_holds_the_lock_is_read_around_not_rolled_back(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, landed: int
) -> None:
    kill_import(data, monkeypatch, landed)  # the journal says pågår …
    versions = {t: Store(data / "store").version(t) for t in ("observations", "comments", "imports")}
    release = tmp_path / "släpp"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(data / "store"), str(release)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "låst"  # … and its process is alive
        assert loaded_value(data) == OLD  # read as before it
        problems = validate_all(data)
        notes = [p for p in problems if not p.is_error]
        assert [p for p in problems if p.is_error] == []
        assert len(notes) == 1 and "pågår just nu" in notes[0].message and "Cecilia, pågående.csv" in notes[0].message
        assert run(["--data", str(data), "scorecard", "--period", "2022-DÅ08", "--format", "json"]) == 0
        assert "pågår" in capsys.readouterr().err
        # Nothing was rolled back: an import still running must finish undisturbed.
        assert statuses(data) == ["pågår"]
        assert {t: Store(data / "store").version(t) for t in versions} == versions
        assert stored_value(Store(data / "store")) == NEW
    finally:
        release.touch()
        holder.wait(timeout=30)
    assert loaded_value(data) == OLD and statuses(data) == ["avbruten"]  # the lock is free: now it is rolled back


RUNNING_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kpi.imports import pipeline
    from kpi.store.delta import Store

    data, step, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    content = Path(sys.argv[4]).read_bytes()
    write = Store.write

    def paused(self, table, frame, **kwargs):
        version = write(self, table, frame, **kwargs)
        if table == "observations":  # the first table is committed: wait here until the test says go
            step.write_text("skrivet")
            while not go.exists():
                time.sleep(0.02)
        return version

    Store.write = paused
    plan = pipeline.prepare(data, "pågående.csv", content)
    pipeline.apply(data, plan, user="Cecilia")
    print("klar", flush=True)
    """
)


def test_an_import_running_in_another_process_is_invisible_until_it_is_done(data: Path, tmp_path: Path) -> None:
    """A real second process mid-import: readers see the old figures, roll nothing back, then the new ones."""
    file, step, go = tmp_path / "pågående.csv", tmp_path / "steg", tmp_path / "fortsätt"
    file.write_bytes(csv_file(VALUE))
    importer = subprocess.Popen(
        [sys.executable, "-c", RUNNING_IMPORT, str(data), str(step), str(go), str(file)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not step.exists():
            assert importer.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        assert stored_value(Store(data / "store")) == NEW and statuses(data) == ["pågår"]
        assert loaded_value(data) == OLD
        assert [p.message for p in validate_all(data) if p.is_error] == []
        assert statuses(data) == ["pågår"]
    finally:
        go.touch()
    assert importer.wait(timeout=60) == 0
    assert loaded_value(data) == NEW and statuses(data) == ["inläst"]


# --- reading never mixes an import's first table with the state before it ---------------------------


def test_a_reader_reads_again_when_an_import_begins_while_it_reads(data: Path) -> None:
    store = Store(data / "store")
    calls: list[float | None] = []

    def reader(settled: Store) -> float | None:
        value = stored_value(settled)
        calls.append(value)
        if len(calls) == 1:  # an import begins in the middle of this reading: its journal entry lands
            entry = {
                "import_id": "20260101-000000-abcdef",
                "file_name": "mitt-i.csv",
                "user": "Cecilia",
                "versions_before": json.dumps({"observations": store.version("observations")}),
                "status": journal.STATUS_WRITING,
            }
            store.write("imports", pl.DataFrame([entry]), message="Inläsning mitt i")
        return value

    with journal.import_lock(store.root, 0, "Cecilia"):  # and its process is alive
        value, settled = journal.read_consistently(store, reader)
    assert len(calls) == 2 and value == OLD
    assert [u.import_id for u in settled.running] == ["20260101-000000-abcdef"] and "Cecilia" in settled.holder


def test_a_dead_import_in_a_directory_that_cannot_be_written_is_read_around_and_reported(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_import(data, monkeypatch, 2)

    def unwritable(root: Path) -> object:
        raise PermissionError(13, "Permission denied", str(root / journal.LOCK_NAME))

    monkeypatch.setattr(journal, "_open_lock", unwritable)
    assert loaded_value(data) == OLD
    stuck = [p for p in validate_all(data) if p.table == "inläsningslogg"]
    assert len(stuck) == 1 and stuck[0].is_error and "kan inte återställas" in stuck[0].message
    assert statuses(data) == ["pågår"]
