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
    assert (phone["value"], phone["comparison_value"], phone["comparison_period"], phone["target"]) == (81, 82, "2021-DÅ08", "95%")
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


@pytest.mark.parametrize("command", [(), ("scorecard",), ("export",), ("import",), ("value-history",), ("build-data",), ("history",)])
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
