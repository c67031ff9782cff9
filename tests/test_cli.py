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
        (("scorecard",), "följande argument saknas"),
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
