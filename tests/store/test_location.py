"""Issue 14, class 9: the dashboard and the command line find the data directory the same way.

One function, ``kpi.store.location.data_dir``: ``--data`` beats ``STYRKORT_DATA`` beats the
bundled data/. The command line used to ignore ``STYRKORT_DATA`` and wrote into the checkout's
data/ while the app read elsewhere. The rule is checked as a table over every combination, for
both callers (``ui.data.data_dir`` and the command line's ``--data``), and end to end: an import
from the command line with only ``STYRKORT_DATA`` set lands where the dashboard reads.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kpi.evaluation.scorecard import load_dataset
from kpi.store import location
from kpi.store.delta import Store

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data"

OPTION = [None, "", "   ", "/srv/från-flaggan"]
ENVIRONMENT = [None, "", "  ", "/srv/från miljön", "~/styrkort"]


def _expected(option: str | None, environment: str | None) -> tuple[Path, str]:
    if option is not None and option.strip():
        return Path(option), "--data"
    if environment is not None and environment.strip():
        return Path(os.path.expanduser(environment)), "STYRKORT_DATA"
    return BUNDLED, "inbyggd"


@pytest.mark.parametrize(("option", "environment"), list(itertools.product(OPTION, ENVIRONMENT)))
def test_option_beats_environment_beats_bundled(option: str | None, environment: str | None) -> None:
    environ = {} if environment is None else {"STYRKORT_DATA": environment}
    found = location.locate(option, environ)
    assert (found.path, found.origin) == _expected(option, environment)
    assert found.path.is_absolute()


@pytest.mark.parametrize("environment", ENVIRONMENT)
def test_the_dashboard_uses_the_same_function(monkeypatch: pytest.MonkeyPatch, environment: str | None) -> None:
    ui_data = pytest.importorskip("ui.data")
    if environment is None:
        monkeypatch.delenv("STYRKORT_DATA", raising=False)
    else:
        monkeypatch.setenv("STYRKORT_DATA", environment)
    assert ui_data.data_dir() == location.data_dir() == _expected(None, environment)[0]


def test_load_dataset_without_a_directory_follows_the_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = shutil.copytree(BUNDLED, tmp_path / "kopia", ignore=shutil.ignore_patterns("cache"))
    Store(copy / "store").write("units", load_dataset(BUNDLED).units.head(3), message="Bara tre enheter", replace=True)
    monkeypatch.setenv("STYRKORT_DATA", str(copy))
    assert load_dataset().units.height == 3


def _kpi(args: list[str], environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STYRKORT_DATA"} | {"PYTHONPATH": str(ROOT)} | environment
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_the_command_line_writes_where_the_dashboard_reads(tmp_path: Path) -> None:
    """STYRKORT_DATA alone: the import lands in that directory, and the bundled data/ is untouched."""
    served = shutil.copytree(BUNDLED, tmp_path / "served data", ignore=shutil.ignore_patterns("cache"))
    bundled_before = Store(BUNDLED / "store").version("observations")
    result = _kpi(["import", str(BUNDLED / "exempel" / "utfall.csv"), "--user", "Anna"], {"STYRKORT_DATA": str(served)}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert Store(served / "store").read("imports").height == 1
    assert Store(BUNDLED / "store").version("observations") == bundled_before
    assert not Store(BUNDLED / "store").exists("imports")
    listed = _kpi(["imports"], {"STYRKORT_DATA": str(served)}, tmp_path)
    assert "utfall.csv" in listed.stdout and "Anna" in listed.stdout


def test_the_option_beats_the_environment_on_the_command_line(tmp_path: Path) -> None:
    chosen = shutil.copytree(BUNDLED, tmp_path / "vald", ignore=shutil.ignore_patterns("cache"))
    other = shutil.copytree(BUNDLED, tmp_path / "annan", ignore=shutil.ignore_patterns("cache"))
    env = {"STYRKORT_DATA": str(other)}
    result = _kpi(["--data", str(chosen), "import", str(BUNDLED / "exempel" / "utfall.csv"), "--user", "Bo"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert Store(chosen / "store").exists("imports") and not Store(other / "store").exists("imports")


@pytest.mark.parametrize("where", ["--data", "STYRKORT_DATA"])
def test_a_directory_that_does_not_exist_is_named_in_swedish(tmp_path: Path, where: str) -> None:
    missing = tmp_path / "finns inte"
    args = ["--data", str(missing)] if where == "--data" else []
    result = _kpi([*args, "scorecard", "--period", "2022-DÅ08"], {"STYRKORT_DATA": str(missing)} if where != "--data" else {}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Fel: Datakatalogen") and "finns inte" in result.stderr and str(missing) in result.stderr


def test_a_directory_without_a_store_is_named_not_an_unknown_organisation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(BUNDLED / "catalogue", data / "catalogue")
    result = _kpi(["--data", str(data), "scorecard", "--period", "2022-DÅ08"], {}, tmp_path)
    assert result.returncode == 2
    assert "ingen tabell enheter" in result.stderr and "Organisationen" not in result.stderr
