"""The command line as an analyst and a CI job use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def kpi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kpi", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_scorecard_json_has_the_agreed_fields() -> None:
    result = kpi("scorecard", "--org", "Division Nära", "--period", "2022-DÅ08", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    required = {"perspective", "strategic_goal", "success_factor", "measure_id", "measure", "target", "period", "value", "value_women", "value_men", "unit", "attainment", "trend", "comparison_period", "comparison_value", "is_demo", "source"}
    assert all(required <= row.keys() for row in rows)
    phone = next(r for r in rows if r["measure_id"] == "med_telefon_samma_dag")
    assert (phone["value"], phone["comparison_value"], phone["comparison_period"], phone["target"]) == (81, 82, "2021-DÅ08", "95\u00a0%")
    assert (phone["attainment"], phone["trend"], phone["is_demo"]) == ("ej_uppfyllt", "forsamrad", False)
    assert {r["attainment"] for r in rows} <= {"uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd"}
    assert {r["trend"] for r in rows} <= {"forbattrad", "oforandrad", "forsamrad", "saknas"}
    assert [r["perspective"] for r in rows][0] == "Samhälle" and rows[-1]["perspective"] == "Ekonomi"


def test_alias_period_and_a_health_centre_by_name() -> None:
    result = kpi("scorecard", "--org", "Hortlax hälsocentral", "--period", "2022-T2", "--format", "json")
    rows = json.loads(result.stdout)
    phone = next(r for r in rows if r["measure_id"] == "med_telefon_samma_dag")
    assert phone["period"] == "2022-DÅ08" and phone["is_demo"] is True and phone["value"] is not None


def test_table_and_csv_use_swedish_formats() -> None:
    table = kpi("scorecard", "--period", "2022-DÅ08")
    assert table.returncode == 0
    assert "\u221231\u00a0mnkr" in table.stdout and "29\u00a0191" in table.stdout and "70,0\u00a0%" in table.stdout
    assert "Periodens utfall" in table.stdout and "Måluppfyllelse" in table.stdout
    csv_out = kpi("scorecard", "--period", "2022-DÅ08", "--format", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("perspective,strategic_goal,success_factor,measure_id")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scorecard", "--org", "Ingenstans", "--period", "2022-DÅ08"), "Organisationen 'Ingenstans' finns inte"),
        (("scorecard", "--period", "2022-DÅ09"), "Perioden '2022-DÅ09' går inte att läsa"),
        (("scorecard", "--period", "2022-DÅ08", "--format", "xml"), "ogiltigt val"),
        (("scorecard",), "följande argument saknas: --period"),
        (("scorecard", "--period", "2022-DÅ08", "--kon", "båda två"), "kön ”båda två” går inte att läsa"),
        (("export", "--period", "2022-DÅ08", "--format", "pdf"), "följande argument saknas: --out"),
        (("template", "--out", "x.xlsx", "--year", "tjugo"), "ogiltigt värde: 'tjugo'"),
        (("scorecard", "--period", "2022-DÅ08", "--okänd"), "okända argument: --okänd"),
        (("value-history", "--measure", "finns_inte", "--org", "div_nara", "--period", "2022-DÅ08"), "styrmåttet 'finns_inte' finns inte"),
    ],
)
def test_bad_arguments_give_one_swedish_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = kpi(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_validate_passes_on_the_bundled_data() -> None:
    result = kpi("validate")
    assert result.returncode == 0, result.stdout
    assert "Inga fel hittades." in result.stdout


def test_validate_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    catalogue = data / "catalogue" / "2022.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("unit: antal", "unit: stycken", 1), encoding="utf-8")
    result = kpi("--data", str(data), "validate")
    assert result.returncode == 1
    assert "styrmått 'sam_besok_filialer'" in result.stdout and "fält 'unit'" in result.stdout


def test_as_of_reads_the_tables_as_reported() -> None:
    result = kpi("scorecard", "--org", "VO Piteå tätort", "--period", "2022-DÅ08", "--format", "json", "--as-of", "2022-10-03")
    rows = json.loads(result.stdout)
    assert all(r["value"] is None for r in rows)  # in October 2022 only division figures existed


ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "required", "invalid choice", "error:")


@pytest.mark.parametrize("command", [(), ("scorecard",), ("export",), ("import",), ("value-history",), ("build-data",), ("history",), ("copy-store",)])
def test_help_is_swedish_throughout(command: tuple[str, ...]) -> None:
    result = kpi(*command, "--help")
    assert result.returncode == 0
    assert "användning: python -m kpi" in result.stdout and "flaggor:" in result.stdout
    assert not [word for word in ENGLISH if word in result.stdout], result.stdout


def test_no_command_shows_the_commands_in_swedish_and_exits_2() -> None:
    result = kpi()
    assert result.returncode == 2
    assert "kommandon:" in result.stderr and "scorecard" in result.stderr and "Fel: ange ett kommando" in result.stderr
    assert "command" not in result.stderr and "usage" not in result.stderr


@pytest.mark.parametrize("spelling", ["kvinnor", "K", "Kvinnor", "k"])
def test_the_sex_option_is_spelled_the_same_in_every_command(spelling: str, tmp_path: Path) -> None:
    card = kpi("scorecard", "--period", "2022-DÅ08", "--format", "json", "--kon", spelling)
    assert card.returncode == 0, card.stderr
    phone = next(r for r in json.loads(card.stdout) if r["measure_id"] == "med_bedomning_3_dagar")
    assert phone["value_women"] is None and phone["value"] is not None  # women's value in the total's place
    export = kpi("export", "--period", "2022-DÅ08", "--format", "xlsx", "--out", str(tmp_path / "k.xlsx"), "--kon", spelling)
    assert export.returncode == 0, export.stderr
    history = kpi("value-history", "--measure", "med_bedomning_3_dagar", "--org", "Division Nära", "--period", "2022-DÅ08", "--kon", spelling)
    assert history.returncode == 0, history.stdout + history.stderr
    assert "version 0" in history.stdout


def test_a_value_without_a_stored_version_says_why_and_exits_1() -> None:
    result = kpi("value-history", "--measure", "med_telefon_samma_dag", "--org", "hc_hortlax", "--period", "2022-DÅ08")
    assert result.returncode == 1
    assert "Inget värde är lagrat" in result.stdout and "beräknat" in result.stdout


def _readme_commands() -> list[str]:
    """Every ``python3 -m kpi`` line in the README's shell blocks, in order."""
    lines, inside = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if inside and line.strip().startswith("python3 -m kpi"):
            lines.append(line.split("  #")[0].strip())
    return lines


def test_every_command_line_example_in_the_readme_runs_as_written(tmp_path: Path) -> None:
    """The README's examples, run in order on a copy of the bundled data (an import there, not in git)."""
    import shlex
    import shutil

    commands = _readme_commands()
    assert len(commands) >= 10
    data = shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    for command in commands:
        words = shlex.split(command)[3:]
        if words[:1] == ["--data"]:
            words = words[2:]
        result = subprocess.run(
            [sys.executable, "-m", "kpi", "--data", str(data), *words], cwd=tmp_path, capture_output=True, text=True, timeout=180,
            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        assert result.stdout.strip() and "Traceback" not in result.stderr, command


def test_the_example_import_file_imports_cleanly(tmp_path: Path) -> None:
    import shutil

    data = shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    dry = kpi("--data", str(data), "import", "data/exempel/utfall.csv", "--dry-run")
    assert dry.returncode == 0 and "rader utan fel" in dry.stdout and "Provkörning" in dry.stdout, dry.stdout
    real = kpi("--data", str(data), "import", "data/exempel/utfall.csv", "--user", "Test")
    assert real.returncode == 0 and "Inläst som" in real.stdout, real.stdout + real.stderr
    again = kpi("--data", str(data), "undo", "--user", "Test")
    assert again.returncode == 0, again.stdout + again.stderr


# --- Issue 14, class 13: every CSV and Excel file the product writes neutralises formula starts -------
#
# The command line's scorecard CSV wrote texts starting with = + @ unchanged. It now goes through
# kpi.reports.files like the app's downloads. Generated over every formula start character, in a
# catalogue text (a measure's name) and in a comment written by people, and over every writer of a
# CSV or XLSX: the command line's scorecard CSV and Excel board pack, and the app's downloads
# (to_csv, to_xlsx, also used for the import's error report).

FORMULA_TEXTS = {start: f"{start}HYPERLINK(\"http://exempel.invalid\";\"klicka\")" for start in ("=", "+", "-", "\u2212", "@", "\t", "\r")}


def _formula_data(tmp_path: Path, start: str) -> Path:
    """A copy of the data whose telephone measure is named, and commented on, starting with ``start``."""
    import shutil

    import polars as pl
    import yaml

    from kpi.store.delta import Store

    data = shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    path = data / "catalogue" / "2022.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    for perspective in catalogue["perspectives"]:
        for factor in perspective["success_factors"]:
            for measure in factor["measures"]:
                if measure["id"] == "med_telefon_samma_dag":
                    measure["name"] = FORMULA_TEXTS[start]
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    comment = {"measure_id": "med_telefon_samma_dag", "unit_id": "div_nara", "period": "2022-DÅ08", "text": FORMULA_TEXTS[start], "author": "@Bo", "source": "test", "is_demo": False}
    Store(data / "store").write("comments", pl.DataFrame([comment]), message="Kommentar som börjar som en formel")
    return data


def _formula_start(text: str) -> bool:
    from kpi.reports.safety import FORMULA_STARTS

    return text.startswith(FORMULA_STARTS)


def _check_csv(text: str, delimiter: str) -> int:
    """Every cell that is not a number: no formula start. Returns how many cells hold a text the test put in."""
    import csv
    import io

    def number(cell: str) -> bool:  # a negative number is written as a number, not neutralised
        try:
            float(cell.replace(",", ".") if delimiter == ";" else cell)
        except ValueError:
            return False
        return True

    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row if not number(cell)]
    assert not [c for c in cells if _formula_start(c)], [c for c in cells if _formula_start(c)]
    return sum(1 for c in cells if "HYPERLINK" in c)


def _check_xlsx(content: bytes) -> int:
    """Every cell: never a formula; a text the test wrote never starts like one unless Excel's quote
    prefix protects it. Returns how many cells hold such a text.
    Styrkort's own number texts ("−31 mnkr") are string cells without a quote, by design (kpi/reports/excel.py)."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    protected = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:  # a text the test put in
                    assert not _formula_start(cell.value) or cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    protected += 1
    return protected


@pytest.mark.parametrize("start", list(FORMULA_TEXTS), ids=[f"U+{ord(s):04X}" for s in FORMULA_TEXTS])
def test_formula_starts_are_neutralised_in_every_csv_and_xlsx(tmp_path: Path, start: str) -> None:
    from kpi.cli import run
    from kpi.evaluation.scorecard import evaluate_dataset, load_dataset, scorecard
    from kpi.model.view import View
    from kpi.reports.files import to_csv, to_xlsx

    data = _formula_data(tmp_path, start)
    out = tmp_path / "kort.csv"
    # The command line's CSV, in a process of its own as an analyst runs it.
    result = kpi("--data", str(data), "scorecard", "--period", "2022-DÅ08", "--format", "csv")
    assert result.returncode == 0, result.stderr
    out.write_text(result.stdout, encoding="utf-8")
    assert _check_csv(result.stdout, ",") >= 1
    # The board pack as Excel from the command line.
    assert run(["--data", str(data), "export", "--period", "2022-DÅ08", "--format", "xlsx", "--out", str(tmp_path / "p.xlsx")]) == 0
    assert _check_xlsx((tmp_path / "p.xlsx").read_bytes()) >= 2  # the name and the comment
    # The app's downloads of the same table.
    card = scorecard(evaluate_dataset(load_dataset(data)), View.parse("div_nara", "2022-DÅ08"))
    assert _check_csv(to_csv(card).decode("utf-8-sig"), ";") >= 1
    assert _check_xlsx(to_xlsx(card)) >= 1


def test_the_template_quotes_a_catalogue_text_with_a_formula_start(tmp_path: Path) -> None:
    from kpi.cli import run

    data = _formula_data(tmp_path, "=")
    assert run(["--data", str(data), "template", "--out", str(tmp_path / "mall.xlsx")]) == 0
    _check_xlsx((tmp_path / "mall.xlsx").read_bytes())


def test_the_template_never_holds_a_formula_cell(tmp_path: Path) -> None:
    import io

    import openpyxl

    from kpi.cli import run

    data = _formula_data(tmp_path, "=")
    assert run(["--data", str(data), "template", "--out", str(tmp_path / "mall.xlsx")]) == 0
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "mall.xlsx").read_bytes()))
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)


def test_any_text_is_neutralised_by_the_csv_writers() -> None:
    """Generated: any text in any column, through both CSV writers, never starts a cell with a formula start."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kpi.reports.files import records_csv, to_csv

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(alphabet=st.sampled_from(["=", "+", "-", "\u2212", "@", "\t", "\r", "a", "1", ";", ",", '"', " ", "\n"]), max_size=8), min_size=1, max_size=5))
    def check(texts: list[str]) -> None:
        import polars as pl

        records = [{"text": t, "number": -1.5} for t in texts]
        _check_csv(records_csv(records), ",")
        _check_csv(to_csv(pl.DataFrame(records)).decode("utf-8-sig"), ";")

    check()


# --- Issue 14, class 14: names in the import log cannot forge lines in `python -m kpi imports` -------

FORGERIES = {
    "newline": "Anna\n20991231-235959-000000  2099-12-31 23:59  Admin  allt.csv  Allt raderat.  [inläst]",
    "carriage return": "Anna\r20991231-235959-000000  Admin",
    "vertical tab and form feed": "Anna\x0bBo\x0cCecilia",
    "NEL and line separators": "Anna\x85Bo\u2028Cecilia\u2029David",
    "ANSI colour and clear screen": "\x1b[2J\x1b[31mAnna\x1b[0m",
    "C1 control sequence introducer": "Anna\x9b31mBo",
    "bidi override": "Anna \u202ev.exe\u202c",
    "bidi isolate": "\u2067Anna\u2069 \u200fBo",
    "zero width and BOM": "An\u200bna\ufeff",
    "backspace and bell": "Anna\x08\x08\x08\x07Bo",
}  # NUL cannot be passed on a command line; tests/store/test_log_names.py has it (the page can send it)


def _printable_line(line: str) -> bool:
    import unicodedata

    return not [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in "\u200c\u200d"]


# End to end through the command line (an import, an undo and three listings, about 12 s each): one
# kind per way a name could forge what is printed — a line break, a terminal escape, a C1 control,
# a bidi override. Every kind above, and any other text, goes through the same log_text, which
# tests/store/test_log_names.py checks over generated Unicode.
END_TO_END = ["newline", "ANSI colour and clear screen", "C1 control sequence introducer", "bidi override"]


@pytest.mark.parametrize("kind", list(FORGERIES))
def test_every_forged_name_is_one_printable_line_in_the_log(kind: str) -> None:
    from kpi.store.journal import log_text

    shown = log_text(FORGERIES[kind])
    assert _printable_line(shown) and "\n" not in shown and shown.strip()


@pytest.mark.parametrize("kind", END_TO_END)
def test_a_name_in_the_import_log_cannot_forge_a_line(tmp_path: Path, kind: str) -> None:
    import shutil

    from kpi.store.delta import Store

    data = shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    file = tmp_path / f"fil{FORGERIES[kind].replace('/', '_')[:40]}.csv"
    shutil.copy(ROOT / "data" / "exempel" / "utfall.csv", file)
    imported = kpi("--data", str(data), "import", str(file), "--user", FORGERIES[kind])
    assert imported.returncode == 0, imported.stdout + imported.stderr
    undone = kpi("--data", str(data), "undo", "--user", FORGERIES[kind])
    assert undone.returncode == 0, undone.stderr
    for command in (("imports",), ("history", "imports"), ("history", "observations")):
        listed = kpi("--data", str(data), *command)
        assert listed.returncode == 0, listed.stderr
        lines = listed.stdout.split("\n")[:-1]
        assert all(_printable_line(line) for line in lines), listed.stdout
        if command == ("imports",):
            import_id = Store(data / "store").read("imports")["import_id"][0]
            assert len(lines) == 1 and lines[0].startswith(f"{import_id}  "), listed.stdout  # one entry, one line
    assert _printable_line(undone.stdout.strip())
