"""Issue 14, class 10: every storage failure is a Swedish StoreError naming the table and what to do.

A read-only store gave a Rust panic's text and an English library message. The rule: the one place
that calls deltalake (``kpi.store.delta``) turns every failure, including a pyo3 PanicException
(a BaseException), into a ``StoreError`` with the table, the reason and the remedy; the library's
text goes to the log, and on the command line what Rust prints straight to stderr goes there too.

Generated cases: each kind of failure the libraries raise (as they word it) × each operation of
the store. Real cases: a damaged ``_delta_log`` commit, a deleted and a truncated Parquet file, a
read-only directory (as root, the capability that lets root write anyway is dropped with
``setpriv``), and a full disk (a small tmpfs, where the system allows mounting one).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError, TableNotFoundError

from kpi.model.errors import StoreError
from kpi.store import delta
from kpi.store.delta import Store, native_output_to_log

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def panic_type(tmp_path_factory: pytest.TempPathFactory) -> type[BaseException]:
    """deltalake's own PanicException class: made to panic once, directly (a table created under "[")."""
    target = tmp_path_factory.mktemp("panik") / "a[b" / "t"
    target.parent.mkdir()
    try:
        write_deltalake(str(target), pl.DataFrame({"a": [1]}), mode="error")
    except BaseException as error:  # noqa: BLE001 - the point is to catch the panic
        assert type(error).__name__ == "PanicException" and not isinstance(error, Exception)
        return type(error)
    pytest.skip("this deltalake version no longer panics there")


def _observations(value: float = 81) -> pl.DataFrame:
    return pl.DataFrame(
        {"measure_id": ["m"], "unit_id": ["d"], "period": ["2022-DÅ08"], "sex": ["T"], "value": [value], "source": ["t"], "is_demo": [False]}
    )


# How the libraries word each kind of failure (from real runs), and what the message must say.
FAILURES: list[tuple[str, Callable[[type[BaseException]], BaseException], str, str]] = [
    ("full disk", lambda _: OSError(errno.ENOSPC, "No space left on device"), "disken är full", "Frigör utrymme"),
    (
        "full disk, as deltalake says",
        lambda _: DeltaError("Failed to parse parquet: External: Generic LocalFileSystem error: Unable to copy data to file: No space left on device (os error 28)"),
        "disken är full",
        "Frigör utrymme",
    ),
    ("read-only file system", lambda _: OSError(errno.EROFS, "Read-only file system"), "skrivskyddat", "skrivbar katalog"),
    ("permission denied", lambda _: PermissionError(errno.EACCES, "Permission denied"), "saknar behörighet", "skrivrätt"),
    (
        "permission denied, as deltalake says",
        lambda _: DeltaError("Generic LocalFileSystem error: Unable to open file /x/part-0.snappy.parquet#1: Permission denied (os error 13)"),
        "saknar behörighet",
        "skrivrätt",
    ),
    ("missing table", lambda _: TableNotFoundError("Generic delta kernel error: No files in log segment"), "tabellen finns inte", "säkerhetskopian"),
    (
        "missing data file",
        lambda _: FileNotFoundError("Object at location /x/part-00000.snappy.parquet not found\n ↳ No such file or directory (os error 2)"),
        "en datafil som tabellens transaktionslogg pekar på saknas",
        "säkerhetskopian",
    ),
    ("damaged log", lambda _: DeltaError("Kernel error: Json error: Truncated record whilst reading string"), "transaktionslogg", "säkerhetskopian"),
    (
        "damaged data file",
        lambda _: OSError("Generic LocalFileSystem error\n ↳ Requested range was invalid\n ↳ Wanted range starting at 408738"),
        "datafil (Parquet)",
        "säkerhetskopian",
    ),
    ("Rust panic", lambda panic: panic("Invalid object store url.: External(InvalidDomainCharacter)"), "internt fel", "Försök igen"),
    ("anything else", lambda _: RuntimeError("something went wrong in English"), "oväntat fel", "Försök igen"),
]
LIBRARY_WORDS = ("os error", "Kernel", "Json", "Permission denied", "No space", "External", "Object at location", "Read-only file", "English", "range", "Generic")


def _seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    store.write("observations", _observations(), message="Första")
    return store


# (operation, where the library is made to fail, what it does, writes?)
OPERATIONS: list[tuple[str, str, Callable[[Store], object], bool]] = [
    ("read", "to_pyarrow_table", lambda s: s.read("observations"), False),
    ("read a version", "to_pyarrow_table", lambda s: s.read("observations", version=0), False),
    ("version", "version", lambda s: s.version("observations"), False),
    ("schema", "schema", lambda s: s.schema_json("observations"), False),
    ("merge", "merge", lambda s: s.write("observations", _observations(82), message="Rättelse"), True),
    ("new table", "write_deltalake", lambda s: s.write("targets", pl.DataFrame({"year": [2022], "measure_id": ["m"]}), message="Mål"), True),
    ("replace", "write_deltalake", lambda s: s.write("observations", _observations(1), message="Ersätt", replace=True), True),
    ("delete", "delete", lambda s: s.delete("observations", "value > 0", message="Bort"), True),
]


@pytest.mark.parametrize(("operation", "where", "act", "writes"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
@pytest.mark.parametrize(("kind", "make", "reason", "remedy"), FAILURES, ids=[f[0] for f in FAILURES])
def test_every_library_failure_is_a_swedish_store_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    panic_type: type[BaseException],
    operation: str,
    where: str,
    act: Callable[[Store], object],
    writes: bool,
    kind: str,
    make: Callable[[type[BaseException]], BaseException],
    reason: str,
    remedy: str,
) -> None:
    store = _seeded(tmp_path)
    error = make(panic_type)

    def failing(*args: object, **kwargs: object) -> object:
        raise error

    if where == "write_deltalake":
        monkeypatch.setattr(delta, "write_deltalake", failing)
    else:
        monkeypatch.setattr(DeltaTable, where, failing)
    with caplog.at_level(logging.WARNING, logger="styrkort.store"), pytest.raises(StoreError) as raised:
        act(store)
    message = str(raised.value)
    assert message.startswith("Tabellen ") and ("utfall" in message or "mål" in message)
    assert reason in message and remedy in message
    assert ("Inget har ändrats." in message) == writes
    assert not [w for w in LIBRARY_WORDS if w in message], message
    assert str(error) in caplog.text  # the library's own words are in the log, for whoever maintains it


def test_an_interrupt_is_not_turned_into_a_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _seeded(tmp_path)

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(DeltaTable, "merge", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.write("observations", _observations(82), message="Rättelse")


def test_what_rust_prints_to_stderr_goes_to_the_log_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, panic_type: type[BaseException]
) -> None:
    store = _seeded(tmp_path)

    def panicking(*args: object, **kwargs: object) -> object:
        os.write(2, b"thread 'tokio-rt-worker' panicked at object_store/src/buffered.rs:369:41:\nAlready shut down\n")
        raise panic_type("Already shut down")

    monkeypatch.setattr(DeltaTable, "merge", panicking)
    with caplog.at_level(logging.WARNING, logger="styrkort.store"), native_output_to_log(), pytest.raises(StoreError, match="internt fel"):
        store.write("observations", _observations(82), message="Rättelse")
    assert "panicked" not in capfd.readouterr().err
    assert "panicked at object_store" in caplog.text
    os.write(2, b"efter\n")  # and stderr is back
    assert "efter" in capfd.readouterr().err


# --- real damage --------------------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("cache"))


def _kpi(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(Path(args[1]).parent / "cache")}
    return subprocess.run([*prefix, sys.executable, "-m", "kpi", *args], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)


def _assert_one_swedish_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Fel: "), result.stderr
    for words in expected:
        assert words in lines[0], lines[0]
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr
    assert not [w for w in LIBRARY_WORDS if w in lines[0]], lines[0]


def test_a_damaged_log_is_named(data: Path) -> None:
    log = data / "store" / "observations" / "_delta_log"
    last = sorted(log.glob("*.json"))[-1]
    last.write_text('{"commitInfo": {"timest', encoding="utf-8")
    with pytest.raises(StoreError, match="transaktionslogg"):
        Store(data / "store").read("observations")
    with pytest.raises(StoreError, match="transaktionslogg"):
        Store(data / "store").history("observations")
    _assert_one_swedish_line(_kpi("--data", str(data), "scorecard", "--period", "2022-DÅ08"), "utfall", "transaktionslogg", "säkerhetskopian")


def test_a_deleted_data_file_is_named(data: Path) -> None:
    for part in (data / "store" / "observations").glob("*.parquet"):
        part.unlink()
    with pytest.raises(StoreError, match="datafil som tabellens transaktionslogg pekar på saknas"):
        Store(data / "store").read("observations")
    result = _kpi("--data", str(data), "scorecard", "--period", "2022-DÅ08")
    _assert_one_swedish_line(result, "utfall", "datafil", "säkerhetskopian")


def test_a_truncated_data_file_is_named(data: Path) -> None:
    for part in (data / "store" / "observations").glob("*.parquet"):
        part.write_bytes(part.read_bytes()[:100])
    with pytest.raises(StoreError, match=r"datafil \(Parquet\) i tabellen är skadad"):
        Store(data / "store").read("observations")


def test_validate_reports_a_damaged_table_as_a_problem(data: Path) -> None:
    sorted((data / "store" / "units" / "_delta_log").glob("*.json"))[-1].write_text("inte json", encoding="utf-8")
    result = _kpi("--data", str(data), "validate")
    assert result.returncode == 1 and "lagring" in result.stdout and "enheter" in result.stdout and "transaktionslogg" in result.stdout
    assert "Traceback" not in result.stderr and "Kernel" not in result.stdout


def test_a_failed_first_write_leaves_no_table_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """deltalake may leave an empty _delta_log after a failed create: that is no table, not a damaged one."""
    store = Store(tmp_path / "store")
    (store.path("targets") / "_delta_log").mkdir(parents=True)
    assert not store.exists("targets") and store.read("targets").is_empty() and store.version("targets") == -1


# --- a read-only directory and a full disk, for real ---------------------------------------------------


def _without_write_override() -> tuple[str, ...] | None:
    """How to run a command that the file permissions bind: as is for a normal user; as root, with
    the capabilities that let root ignore them dropped (setpriv); None when neither is possible."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv"):
        probe = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "true"], capture_output=True)
        if probe.returncode == 0:
            return ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner")
    return None


@pytest.mark.parametrize("writable_store_dir", [False, True], ids=["all read-only", "tables read-only, lock file writable"])
def test_a_read_only_store_gives_swedish_messages_and_still_reads(data: Path, tmp_path: Path, writable_store_dir: bool) -> None:
    prefix = _without_write_override()
    if prefix is None:
        pytest.skip("cannot run a command that file permissions bind here")
    example = tmp_path / "utfall.csv"
    shutil.copy(DATA / "exempel" / "utfall.csv", example)
    subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
    if writable_store_dir:
        (data / "store").chmod(0o755)
    try:
        read = _kpi("--data", str(data), "scorecard", "--period", "2022-DÅ08", "--format", "json", prefix=prefix)
        assert read.returncode == 0, read.stderr
        imported = _kpi("--data", str(data), "import", str(example), "--user", "Anna", prefix=prefix)
        _assert_one_swedish_line(imported, "går inte att skriva i" if not writable_store_dir else "saknar behörighet")
        rebuilt = _kpi("--data", str(data), "build-data", "--force", prefix=prefix)
        _assert_one_swedish_line(rebuilt, "går inte att skriva i", "Inget har ändrats")
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=True)


def test_a_full_disk_gives_a_swedish_message_and_changes_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    disk = tmp_path / "liten disk"
    disk.mkdir()
    size_kb = 900  # the catalogue and store (about 650 kB) fit; the store rewritten by an import does not
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)], capture_output=True).returncode != 0:
        pytest.skip("this system does not allow mounting a tmpfs")
    try:
        data = disk / "data"
        for part in ("catalogue", "store"):
            shutil.copytree(DATA / part, data / part)
        filler = disk / "fyllnad"
        with open(filler, "wb", buffering=0) as fill:  # the disk full to the last byte
            with pytest.raises(OSError) as full:
                while True:
                    fill.write(b"\0" * 4096)
            assert full.value.errno == errno.ENOSPC
        before = Store(data / "store").version("observations")
        example = tmp_path / "utfall.csv"
        shutil.copy(DATA / "exempel" / "utfall.csv", example)
        imported = _kpi("--data", str(data), "import", str(example), "--user", "Anna")
        _assert_one_swedish_line(imported, "disken är full", "Frigör utrymme")
        filler.unlink()
        assert Store(data / "store").version("observations") >= before
        reread = _kpi("--data", str(data), "scorecard", "--period", "2022-DÅ08", "--format", "json")
        assert reread.returncode == 0, reread.stderr
        assert [p for p in Store(data / "store").read("imports")["status"].to_list() if p not in ("avbruten",)] == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)
