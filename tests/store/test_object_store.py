"""Issue 16: the store in S3-compatible object storage, end to end against a local S3 server.

moto's server (``tests/store/s3_server.py``) runs on loopback with authentication on: an IAM user
with a key made for the test, so wrong credentials are refused as S3 refuses them. Each test gets
its own prefix in one bucket, filled from the bundled ``data/store`` (a copy of its files, history
included) or by ``python -m kpi build-data``. The data directory of each "machine" holds only the
catalogue and settings (and its own evaluation cache); ``STYRKORT_STORE`` names the store.

What is proved: the scorecard read from object storage is the local one; ``build-data`` into an
empty prefix gives the bundled store; an import through the command line is seen by a reader with
another data directory; two imports started at once in two processes both land one after the
other, or one is refused with the Swedish busy message, and nothing is lost; an importer killed
half-way keeps its lease until it expires (readers read around it meanwhile), then the next
reader rolls it back; a write under a lease another has taken over is refused; an unreachable
endpoint, wrong credentials and a missing bucket are Swedish messages on the command line, and an
unreachable one on the dashboard. Marked ``s3``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpi.cli import run
from kpi.evaluation.cache import store_fingerprint
from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset, scorecard
from kpi.imports import pipeline
from kpi.model.errors import StoreError
from kpi.model.periods import parse_period
from kpi.model.view import View
from kpi.store import journal, objects
from kpi.store.delta import Store, store_for

pytestmark = pytest.mark.s3

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
BUCKET = "styrkort"
UTFALL = "styrmått;enhet;period;kön;värde;täljare;nämnare;källa"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the S3 server stopped: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("the S3 server did not start")


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The server logs every request: into a file, since a pipe nobody reads would fill and stop it.
    return tmp_path_factory.mktemp("s3") / "server.log"


@pytest.fixture(scope="module")
def s3(server_log: Path) -> Iterator[dict[str, str]]:
    """A moto server on a free loopback port, with a user, a key and the bucket; yields the
    connection environment (without STYRKORT_STORE)."""
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    log = server_log
    # The first three requests (user, policy, key) are made without credentials; every later one
    # is checked against IAM, so a wrong key is refused.
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("s3_server.py")), str(port)],
            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(port, server, log)
        endpoint = f"http://127.0.0.1:{port}"
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        iam.create_user(UserName="styrkort")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="styrkort", PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="styrkort")["AccessKey"]
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        }
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]
        ).create_bucket(Bucket=BUCKET)
        yield env
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def machine(base: Path, name: str) -> Path:
    """A data directory as a server on another machine has it: catalogue and settings, no store."""
    target = base / name
    target.mkdir(parents=True)
    shutil.copytree(DATA / "catalogue", target / "catalogue")
    for settings in ("styrkort.toml", "access.toml"):
        if (DATA / settings).is_file():
            shutil.copy2(DATA / settings, target / settings)
    return target


@pytest.fixture
def store_uri(s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh prefix holding a copy of the bundled store; the environment points at it."""
    uri = f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}"
    for name, value in s3.items():
        monkeypatch.setenv(name, value)
    objects.upload_directory(DATA / "store", objects.parse_location(uri))  # only read from
    monkeypatch.setenv(objects.STORE_VARIABLE, uri)
    return uri


def cli(data: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi", "--data", str(data), *args],
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def figure(data: Path, unit: str) -> float | None:
    rows = store_for(data).read("observations").filter(
        (pl.col("measure_id") == "med_telefon_samma_dag") & (pl.col("unit_id") == unit) & (pl.col("period") == "2026-01") & (pl.col("sex") == "T")
    )
    return rows["value"][0] if rows.height else None


def one_figure(tmp_path: Path, unit: str, value: str) -> Path:
    path = tmp_path / f"{unit}.csv"
    path.write_text(f"{UTFALL}\nmed_telefon_samma_dag;{unit};2026-01;Totalt;{value} %;;;Prov\n", encoding="utf-8")
    return path


# --- reading -------------------------------------------------------------------------------------


def test_the_scorecard_from_object_storage_is_the_local_one(
    store_uri: str, bundled: tuple[Dataset, Evaluation], tmp_path: Path
) -> None:
    remote = load_dataset(machine(tmp_path, "server-b"))
    assert_frame_equal(remote.observations, bundled[0].observations, check_row_order=False)  # file order may differ
    evaluation = evaluate_dataset(remote)
    assert_frame_equal(evaluation.reports.long, bundled[1].reports.long, check_row_order=False)
    view = View("vo_pitea", parse_period("2022-DÅ08"), "T")
    assert_frame_equal(scorecard(evaluation, view), scorecard(bundled[1], view))
    # The history, read without a _delta_log directory, is the local one, commit by commit.
    for table in ("observations", "imports", "units"):
        assert Store(store_uri).history(table).equals(Store(DATA / "store").history(table))
    assert Store(store_uri).version("observations") == Store(DATA / "store").version("observations")


def test_every_commit_is_a_conditional_put(store_uri: str, server_log: Path) -> None:
    """deltalake writes each version's commit file only if it is absent (If-None-Match: *), which
    S3 enforces: of two writers of one version, one gets 412 and commits after the other."""
    Store(store_uri).write("comments", Store(store_uri).read("comments").head(1).with_columns(pl.lit("Ny").alias("text")), message="prov")
    prefix = store_uri.removeprefix("s3:/")
    commits = [line.split() for line in server_log.read_text(errors="replace").splitlines() if line.startswith(f"commit {prefix}/")]
    assert any("/comments/_delta_log/" in path for _, path, _ in commits)
    assert {condition for _, _, condition in commits} == {"If-None-Match=*"}


def test_build_data_fills_an_empty_prefix_with_the_bundled_store(s3: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = f"s3://{BUCKET}/bygge-{uuid.uuid4().hex[:8]}"
    data = machine(tmp_path, "server-a")
    shutil.copytree(DATA / "build", data / "build")
    built = cli(data, "build-data", env={**s3, objects.STORE_VARIABLE: uri})
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"Byggde {uri}:")
    for name, value in s3.items():
        monkeypatch.setenv(name, value)
    # The bundled store's commits, one by one (its content per version is compared with a fresh
    # build by tests/store/test_bundled.py), and its figures as they stand now.
    for table in ("units", "observations", "comments", "actions"):
        assert Store(uri).history(table).equals(Store(DATA / "store").history(table))
    keys = ["measure_id", "unit_id", "period", "sex"]
    assert Store(uri).read("observations").sort(keys).equals(Store(DATA / "store").read("observations").sort(keys))


def test_copy_store_moves_a_local_store_with_its_history_into_an_empty_prefix(
    s3: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"s3://{BUCKET}/flytt-{uuid.uuid4().hex[:8]}"
    for name, value in {**s3, objects.STORE_VARIABLE: uri}.items():
        monkeypatch.setenv(name, value)
    local = tmp_path / "lokal"
    shutil.copytree(DATA / "store", local / "store")
    data = machine(tmp_path, "server-a")
    capsys.readouterr()
    assert run(["--data", str(data), "copy-store", str(local / "store")]) == 0
    assert capsys.readouterr().out.startswith(f"Kopierade 12 filer från {local / 'store'} till {uri}.")
    assert Store(uri).history("observations").equals(Store(local / "store").history("observations"))
    # Never over a store that is there already.
    assert run(["--data", str(data), "copy-store", str(local / "store")]) == 2
    error = capsys.readouterr().err
    assert f"{uri} har redan tabellen" in error and "Traceback" not in error


# --- importing -----------------------------------------------------------------------------------


def test_an_import_through_the_command_line_is_seen_by_a_reader_on_another_machine(
    store_uri: str, s3: dict[str, str], tmp_path: Path
) -> None:
    writer, reader = machine(tmp_path, "server-a"), machine(tmp_path, "server-b")
    seen_before = store_fingerprint(reader)
    env = {**s3, objects.STORE_VARIABLE: store_uri}
    done = cli(writer, "import", str(DATA / "exempel" / "utfall.csv"), "--user", "Anna Analytiker", env=env)
    assert done.returncode == 0, done.stderr
    assert "Inläst som" in done.stdout
    # The dashboard's follow_store compares this fingerprint on every run: it moved.
    assert store_fingerprint(reader) != seen_before
    assert figure(reader, "hc_hortlax") == 91.0
    log = pipeline.imports(reader)
    assert log["user"].to_list() == ["Anna Analytiker"] and log["status"].to_list() == ["inläst"]
    assert "utfall.csv (Anna Analytiker)" in Store(store_uri).history("observations")["message"][-1]
    # And back: an undo on the second machine is seen on the first.
    assert "är ångrad" in pipeline.undo(reader, user="Bo")
    assert figure(writer, "hc_hortlax") is None and pipeline.imports(writer)["status"].to_list() == ["ångrad"]


# An import through the command line that says when it first finds the lease taken.
WAITING = textwrap.dedent(
    """
    import sys
    from kpi.cli import run
    from kpi.store import objects

    try_lease, said = objects.try_lease, []

    def saying(*args, **kwargs):
        try:
            return try_lease(*args, **kwargs)
        except objects.LeaseBusy:
            if not said:
                said.append(print("väntar", flush=True))
            raise

    objects.try_lease = saying
    sys.exit(run(["--data", sys.argv[1], "import", sys.argv[2], "--user", sys.argv[3]]))
    """
)


def _start_import(data: Path, path: Path, user: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WAITING, str(data), str(path), user],
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _settings(data: Path, **values: float) -> None:
    lines = "\n".join(f"{name} = {value}" for name, value in values.items())
    (data / "styrkort.toml").write_text(f"[settings]\n{lines}\n", encoding="utf-8")


def test_two_imports_at_once_in_two_processes_one_lands_the_other_is_refused_cleanly(
    store_uri: str, s3: dict[str, str], tmp_path: Path
) -> None:
    a, b = machine(tmp_path, "server-a"), machine(tmp_path, "server-b")
    for data in (a, b):
        _settings(data, import_lock_wait_seconds=120)
    env = {**s3, objects.STORE_VARIABLE: store_uri}
    start = Store(store_uri).version("observations")
    # Both start while a third party holds the lease, and it is let go only when both have made
    # their preview and wait for it: they race for one lease object, not one after the other by
    # chance.
    blocker = objects.take_lease(objects.parse_location(store_uri), "Testet, håller låset", 30, 0)
    try:
        first = _start_import(a, one_figure(tmp_path, "hc_hortlax", "81"), "Anna", env)
        second = _start_import(b, one_figure(tmp_path, "hc_pitea", "82"), "Bo", env)
        for process in (first, second):  # both have made their preview and wait for the lease
            assert process.stdout is not None
            assert any(line.strip() == "väntar" for line in iter(process.stdout.readline, "")), process.communicate()
    finally:
        blocker.release()
    outcomes = {"Anna": first.communicate(timeout=300), "Bo": second.communicate(timeout=300)}
    codes = {"Anna": first.returncode, "Bo": second.returncode}
    # One waited for the other and then found that its preview was made before the other's
    # import landed: refused, in Swedish, with nothing written. (A process that finds the lease
    # still held after import_lock_wait_seconds gets "En annan inläsning pågår" instead.)
    assert sorted(codes.values()) == [0, 2], outcomes
    winner = next(user for user, code in codes.items() if code == 0)
    loser_err = outcomes["Bo" if winner == "Anna" else "Anna"][1]
    assert loser_err.startswith("Fel: ") and "Traceback" not in loser_err, loser_err
    assert "Data har ändrats sedan förhandsgranskningen (utfall). Inget har skrivits" in loser_err or "En annan inläsning pågår" in loser_err
    figures = {unit: figure(a, unit) for unit in ("hc_hortlax", "hc_pitea")}
    assert figures == ({"hc_hortlax": 81.0, "hc_pitea": None} if winner == "Anna" else {"hc_hortlax": None, "hc_pitea": 82.0})
    log = pipeline.imports(b)
    assert log["status"].to_list() == ["inläst"] and log["user"].to_list() == [winner]
    assert json.loads(log["versions_before"][0])["observations"] == start
    assert json.loads(log["versions_after"][0])["observations"] == start + 1
    assert Store(store_uri).history("observations")["version"].to_list() == list(range(start + 2))
    assert journal.settle(store_for(a)).running == [] and objects.read_lease(objects.parse_location(store_uri)) is None


def test_an_import_while_another_holds_the_lease_is_refused_in_swedish_and_writes_nothing(
    store_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = machine(tmp_path, "server-a")
    _settings(data, import_lock_wait_seconds=0)
    before = {t: Store(store_uri).version(t) for t in ("observations", "imports")}
    # Held as another machine would hold it: this process is only the one refused.
    blocker = objects.take_lease(objects.parse_location(store_uri), "Cecilia, stor.xlsx, startad 10:00:00", 30, 0)
    try:
        capsys.readouterr()
        assert run(["--data", str(data), "import", str(one_figure(tmp_path, "hc_hortlax", "81")), "--user", "Bo"]) == 2
    finally:
        blocker.release()
    error = capsys.readouterr().err
    assert "En annan inläsning pågår (Cecilia, stor.xlsx, startad 10:00:00). Inget har ändrats" in error
    assert "Traceback" not in error
    assert {t: Store(store_uri).version(t) for t in before} == before
    assert objects.read_lease(objects.parse_location(store_uri)) is None  # the refused one took nothing


# --- an importer that dies -----------------------------------------------------------------------

DYING = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kpi.cli import run
    from kpi.store.delta import Store

    write, count = Store.write, {"n": 0}

    def stopping(self, table, frame, **kwargs):
        version = write(self, table, frame, **kwargs)
        count["n"] += 1
        if count["n"] == 2:  # the journal entry and the observations are written: stand still here
            print("skrivet", flush=True)
            while True:
                time.sleep(1)
        return version

    Store.write = stopping
    sys.exit(run(["--data", sys.argv[1], "import", sys.argv[2], "--user", "Dörte"]))
    """
)


def test_a_killed_importer_is_read_around_until_its_lease_expires_then_rolled_back(
    store_uri: str, s3: dict[str, str], tmp_path: Path
) -> None:
    writer, reader = machine(tmp_path, "server-a"), machine(tmp_path, "server-b")
    _settings(writer, import_lease_seconds=4)  # renewed every 1.3 s while it lives
    before = Store(store_uri).version("observations")
    importer = subprocess.Popen(
        [sys.executable, "-c", DYING, str(writer), str(one_figure(tmp_path, "hc_hortlax", "77"))],
        cwd=ROOT, env={**os.environ, **s3, objects.STORE_VARIABLE: store_uri, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert importer.stdout is not None
        assert any(line.strip() == "skrivet" for line in iter(importer.stdout.readline, "")), importer.communicate()
        assert Store(store_uri).version("observations") == before + 1  # its figure is in the table …
        # … but while it lives (its lease is renewed) a reader on another machine reads around it.
        settled = journal.settle(store_for(reader))
        assert [u.user for u in settled.running] == ["Dörte"] and "Dörte" in settled.holder
        assert settled.store.version("observations") == before
        assert figure(reader, "hc_hortlax") == 77.0 and settled.store.read("observations").filter(
            (pl.col("unit_id") == "hc_hortlax") & (pl.col("period") == "2026-01")
        ).is_empty()
    finally:
        importer.kill()  # SIGKILL: no rollback, no release of the lease
        importer.communicate(timeout=30)
    # Until the lease expires the dead importer still counts as alive; then the next reader rolls back.
    location = objects.parse_location(store_uri)
    while (found := objects.read_lease(location)) is not None and float(found[0]["expires"]) > time.time():
        time.sleep(0.1)
    settled = journal.settle(store_for(reader))
    assert [u.user for u in settled.recovered] == ["Dörte"] and settled.running == []
    assert figure(reader, "hc_hortlax") is None
    assert pipeline.imports(reader)["status"].to_list() == ["avbruten"]
    assert Store(store_uri).version("observations") == before + 2  # the rollback is a new version; history keeps the attempt
    assert objects.read_lease(location) is None  # the reader let its own lease go


def test_a_write_under_a_lease_another_has_taken_over_is_refused(store_uri: str) -> None:
    import obstore

    location = objects.parse_location(store_uri)
    lease = objects.take_lease(location, "Anna, fil.csv", 0.6, 0)
    try:
        # Another machine took it over, as it may once it finds the lease expired (this process
        # stood still, or its clock is behind): the next renewal here finds the lease changed.
        _, etag = objects.read_lease(location)  # type: ignore[misc]
        taken = json.dumps({"owner": "någon annan", "holder": "Bo, återställning", "expires": time.time() + 60})
        obstore.put(objects.client(location), objects.LEASE_NAME, taken.encode(), mode={"e_tag": etag})
        deadline = time.monotonic() + 60
        while not lease.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.lost
        before = Store(store_uri).version("comments")
        with pytest.raises(StoreError, match="Inläsningens lås i objektlagringen gick förlorat"):
            Store(store_uri).write("comments", Store(store_uri).read("comments").head(1), message="efter låset")
        assert Store(store_uri).version("comments") == before
    finally:
        lease.release()
    assert objects.read_lease(location)[0]["holder"] == "Bo, återställning"  # type: ignore[index]  # left to its new owner


# --- failures in Swedish -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing bucket", "hinken finns inte i objektlagringen (S3)"),
        ("wrong credentials", "objektlagringen (S3) godtar inte inloggningsuppgifterna"),
        ("unreachable endpoint", "objektlagringen (S3) svarar inte"),
    ],
)
def test_a_store_that_cannot_be_reached_is_a_swedish_message(
    store_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], case: str, expected: str
) -> None:
    if case == "missing bucket":
        monkeypatch.setenv(objects.STORE_VARIABLE, "s3://finns-inte/styrkort")
    elif case == "wrong credentials":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fel-nyckel")
    else:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    data = machine(tmp_path, "server-a")
    capsys.readouterr()
    for command in (["scorecard", "--period", "2022-DÅ08"], ["import", str(one_figure(tmp_path, "hc_hortlax", "81")), "--user", "Bo"]):
        assert run(["--data", str(data), *command]) == 2
        error = capsys.readouterr().err
        assert error.startswith("Fel: ") and expected in error, error
        assert "Traceback" not in error and "Error performing" not in error


def test_the_dashboard_names_an_unreachable_store_in_swedish(store_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("STYRKORT_DATA", str(machine(tmp_path, "server-a")))
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not app.exception
    [shown] = [e.value for e in app.error]
    assert shown.startswith("Styrkortet kunde inte visas. Tabellen ") and "objektlagringen (S3) svarar inte" in shown
