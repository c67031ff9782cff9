"""The analyst's Excel template: its sheets, the drop-down lists and no formulas anywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from kpi.imports.template import ACTION_COLUMNS, COMMENT_COLUMNS, OUTCOME_COLUMNS, TARGET_COLUMNS, build_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workbook(bundled, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    dataset, _ = bundled
    path = tmp_path_factory.mktemp("mall") / "mall.xlsx"
    path.write_bytes(build_template(dataset.catalogues.for_year(2022), dataset.units, [2022, 2023]))
    return openpyxl.load_workbook(path)


def test_the_template_has_the_sheets_to_fill_and_the_lists(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["Instruktioner", "Utfall", "Mål", "Kommentarer", "Åtgärder", "Listor"]
    for sheet, columns in (("Utfall", OUTCOME_COLUMNS), ("Mål", TARGET_COLUMNS), ("Kommentarer", COMMENT_COLUMNS), ("Åtgärder", ACTION_COLUMNS)):
        assert [c.value for c in workbook[sheet][1]] == columns


def test_the_lists_hold_every_measure_unit_and_period(workbook: openpyxl.Workbook) -> None:
    lists = workbook["Listor"]
    columns = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)] for c in range(1, lists.max_column + 1)}
    measures = [v for v in columns["styrmått"] if v]
    assert len(measures) == 49 and "med_telefon_samma_dag" in measures
    assert "hc_hortlax" in columns["enhet"] and "Hortlax hälsocentral" in columns["enhet (namn)"]
    periods = [v for v in columns["period"] if v]
    assert periods[:3] == ["2022-01", "2022-02", "2022-03"] and "2022-DÅ08" in periods and "2023-ÅR" in periods
    assert [v for v in columns["kön"] if v] == ["Totalt", "Kvinnor", "Män"]


def test_the_fill_in_columns_offer_the_lists(workbook: openpyxl.Workbook) -> None:
    validations = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in workbook["Utfall"].data_validations.dataValidation}
    assert validations == {"A2": "Listor!$A$2:$A$50", "B2": "Listor!$C$2:$C$56", "C2": "Listor!$E$2:$E$31", "D2": "Listor!$F$2:$F$4"}


def test_no_cell_holds_a_formula(workbook: openpyxl.Workbook) -> None:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


def test_the_command_writes_the_template_and_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "mall.xlsx"
    done = subprocess.run([sys.executable, "-m", "kpi", "template", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and out.exists()
    assert "49 styrmått" in done.stdout
    failed = subprocess.run([sys.executable, "-m", "kpi", "template", "--out", str(tmp_path / "saknas" / "mall.xlsx")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert failed.returncode == 2 and failed.stderr.strip() == f"Fel: mallen kunde inte skrivas till {tmp_path / 'saknas' / 'mall.xlsx'}: mappen finns inte."
