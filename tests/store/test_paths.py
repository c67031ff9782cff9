"""Issue 14, class 8: a data directory may be named with any letters and punctuation.

The cause was Polars' Delta reader, which opened the percent-encoded file URIs deltalake gives
(``Styrk%C3%B6rt%20data``) as literal file names; deltalake's own history also came back empty
under a directory named with # or ?. Every read and write now goes through ``kpi.store.delta``,
which reads through deltalake's Arrow reader and the commit files. What the library cannot
represent at all is refused up front in Swedish (``path_problem``).

Generated cases: Hypothesis draws directory names from letters of several scripts and every
ASCII punctuation character the library supports, and the store must write, merge, replace,
read (now, at a version, as of a date) and list its history there. A table of named cases runs
every command of the command line and ``load_dataset`` in such directories, one a symlink.
"""

from __future__ import annotations

import shutil
import string
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.cli import run
from kpi.evaluation.scorecard import evaluate_dataset, load_dataset, scorecard
from kpi.model.errors import StoreError
from kpi.model.view import View
from kpi.store.delta import Store, path_problem

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"

# Every printable ASCII punctuation character the storage library handles in a directory name:
# all of string.punctuation except / (a separator), \ and [ ] ^ | (see REFUSED).
SUPPORTED_PUNCTUATION = "".join(c for c in string.punctuation if c not in "/\\[]^|")
LETTERS = "abcXYZåäöÅÄÖéüßøÆçñłşğ" + "日本語中文" + "عربى" + "Ελληνικά" + "кириллица"
OTHER = " –—’“”«»…·°§½€£😀🏥\u00a0\u00ad\u200b\u0301"  # no-break space, soft hyphen, zero width, a combining accent

NAMED = [
    "Styrkört data/Åsele & Öjebyn",
    "mapp med mellanslag",
    "hash#1",
    "100% säker",
    "50%-målet",
    "fråga?",
    "(kopia) +1 = 2 @ hc",
    "citat \"dubbla\" och 'enkla'",
    "emoji 😀 och 日本語",
    "o\u0308 (NFD)",
    "{klammer}~tilde`grav`$dollar!",
    "semi;colon,comma",
]


def _observations(value: float, period: str = "2022-DÅ08") -> pl.DataFrame:
    return pl.DataFrame(
        {"measure_id": ["m"], "unit_id": ["d"], "period": [period], "sex": ["T"], "value": [value], "source": ["test"], "is_demo": [False]}
    )


def _round_trip(root: Path) -> None:
    """Create, merge, replace and delete in a store under ``root``; read it every way there is."""
    store = Store(root / "store")
    store.write("observations", _observations(81), message="Första", as_of=datetime(2022, 10, 3, tzinfo=UTC))
    store.write("observations", pl.concat([_observations(80), _observations(70, "2021-DÅ08")]), message="Rättelse", as_of=datetime(2022, 12, 1, tzinfo=UTC))
    assert store.read("observations").sort("period")["value"].to_list() == [70, 80]
    assert store.read("observations", version=0)["value"].to_list() == [81]
    assert store.read("observations", as_of=date(2022, 10, 31))["value"].to_list() == [81]
    assert store.history("observations")["message"].to_list() == ["Första", "Rättelse"]
    assert store.version("observations") == 1
    store.write("observations", _observations(79), message="Ersätter", replace=True)
    assert store.read("observations")["value"].to_list() == [79]
    store.delete("observations", "period = '2022-DÅ08'", message="Bort")
    assert store.read("observations").is_empty()
    assert store.history("observations")["operation"].to_list() == ["WRITE", "MERGE", "WRITE", "DELETE"]


@pytest.mark.parametrize("name", NAMED)
def test_the_store_reads_and_writes_under_a_named_directory(tmp_path: Path, name: str) -> None:
    _round_trip(tmp_path / name)


def _usable(name: str) -> bool:
    return name.strip(". ") != "" and len(name.encode()) <= 120 and path_problem(Path("/tmp") / name, writing=True) is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=LETTERS + SUPPORTED_PUNCTUATION + OTHER + string.digits, min_size=1, max_size=24).filter(_usable))
def test_the_store_reads_and_writes_under_any_supported_directory_name(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _round_trip(Path(tmp) / name)


@pytest.mark.parametrize("character", list(SUPPORTED_PUNCTUATION))
def test_every_supported_punctuation_character_works_in_a_directory_name(tmp_path: Path, character: str) -> None:
    _round_trip(tmp_path / f"a{character}b")


# --- what the library cannot represent: refused in Swedish, before it is called ---------------------

REFUSED = [
    # (directory name, what the message names, reading works too)
    ("kopia [2]", "tecknet [", True),
    ("pil^upp", "tecknet ^", True),
    ("rör|ledning", "tecknet |", True),
    ("procent%41", "”%41”", False),
    ("kod%2F", "”%2F”", False),
    ("omvänt\\snedstreck", "tecknet \\", False),
    ("tab\tstopp", "U+0009", False),
    ("ny\nrad", "U+000A", False),
    ("escape\x1b[31m", "U+001B", False),
    ("del\x7f", "U+007F", False),
]


@pytest.mark.parametrize(("name", "named", "reads"), REFUSED)
def test_a_directory_the_library_cannot_use_is_named_in_swedish(tmp_path: Path, name: str, named: str, reads: bool) -> None:
    built = Store(tmp_path / "plain" / "store")
    built.write("observations", _observations(81), message="Första")
    odd = tmp_path / name
    odd.mkdir()
    shutil.copytree(built.root, odd / "store")
    store = Store(odd / "store")
    with pytest.raises(StoreError) as refused:
        store.write("observations", _observations(82), message="Andra")
    message = str(refused.value)
    assert named in message and "Byt namn på mappen" in message and "utfall" in message
    assert "\n" not in message and "\t" not in message and "\x1b" not in message  # the name is shown escaped
    if reads:
        assert store.read("observations")["value"].to_list() == [81]
        assert store.history("observations").height == 1
    else:
        with pytest.raises(StoreError, match="Byt namn på mappen"):
            store.read("observations")


# --- every command and load_dataset, in named directories and through a symlink ---------------------


@pytest.fixture(scope="module")
def named_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled data copied under a few of the names, and a symlink to the first."""
    base = tmp_path_factory.mktemp("namn")
    made = {}
    for name in ("Styrkört data/Åsele & Öjebyn", "hash#1 100% fråga?", "emoji 😀 (kopia) +1"):
        target = base / name / "data"
        shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("cache"))
        made[name] = target
    link = base / "länk till data"
    link.symlink_to(made["Styrkört data/Åsele & Öjebyn"], target_is_directory=True)
    made["symlink"] = link
    return made


@pytest.mark.parametrize("which", ["Styrkört data/Åsele & Öjebyn", "hash#1 100% fråga?", "emoji 😀 (kopia) +1", "symlink"])
def test_load_dataset_reads_the_bundled_figures_there(named_data: dict[str, Path], which: str) -> None:
    here = scorecard(evaluate_dataset(load_dataset(named_data[which])), View.parse("div_nara", "2022-DÅ08"))
    bundled = scorecard(evaluate_dataset(load_dataset(DATA)), View.parse("div_nara", "2022-DÅ08"))
    assert here.select("measure_id", "value").equals(bundled.select("measure_id", "value"))
    as_reported = load_dataset(named_data[which], as_of=date(2022, 10, 3))
    assert 0 < as_reported.observations.height < load_dataset(named_data[which]).observations.height


COMMANDS = [
    ["build-data"],  # compares the built store with the one there: "redan aktuell"
    ["scorecard", "--period", "2022-DÅ08", "--format", "csv"],
    ["scorecard", "--org", "VO Piteå tätort", "--period", "2022-DÅ08", "--as-of", "2022-10-03", "--format", "json"],
    ["validate"],
    ["history", "observations"],
    ["template", "--out", "{out}/mall.xlsx"],
    ["export", "--period", "2022-DÅ08", "--format", "xlsx", "--out", "{out}/nämnd.xlsx"],
    ["import", str(DATA / "exempel" / "utfall.csv"), "--user", "Åsa Öberg"],
    ["imports"],
    ["value-history", "--measure", "med_telefon_samma_dag", "--org", "Division Nära", "--period", "2022-DÅ08"],
    ["undo", "--user", "Åsa Öberg"],
    ["build-data", "--force"],  # swaps a rebuilt store in, beside the one there
]


@pytest.mark.parametrize("which", ["Styrkört data/Åsele & Öjebyn", "hash#1 100% fråga?", "symlink"])
def test_every_command_works_there(
    named_data: dict[str, Path], which: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "arbete" / which.replace("/", "_") / "data"  # a fresh copy per test, named the same way
    shutil.copytree(named_data[which], data, symlinks=False)
    if which == "symlink":
        real, data = data, tmp_path / "länk → data"
        data.symlink_to(real, target_is_directory=True)
    for command in COMMANDS:
        argv = ["--data", str(data), *(word.replace("{out}", str(tmp_path)) for word in command)]
        code = run(argv)
        out, err = capsys.readouterr()
        assert code == 0, f"{command}: {out}\n{err}"
        assert "Traceback" not in err and "Error" not in err and "os error" not in err, (command, err)
        if command == ["undo", "--user", "Åsa Öberg"]:
            assert Store(data / "store").read("imports")["status"].to_list() == ["ångrad"]
        if command == ["build-data"]:
            assert "redan aktuell" in out
    assert not Store(data / "store").exists("imports")  # rebuilt: the import log went with --force
    assert Store(data / "store").history("observations").height == 3
