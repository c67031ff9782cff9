"""A chef's analysis written in the browser is saved, kept, logged and undone like an import."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from kpi.imports import pipeline
from kpi.imports.written import COMMENT_FILE, prepare_comment
from kpi.model.access import AccessError, Identity, load_access_config, resolve_access
from kpi.model.periods import parse_period
from kpi.store.bundled import copy_data
from kpi.store.delta import Store

DATA = Path(__file__).resolve().parents[2] / "data"
PERIOD = parse_period("2022-DÅ08")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("written") / "data")


@pytest.fixture
def data(pristine: Path, tmp_path: Path) -> Path:
    shutil.copytree(pristine, tmp_path / "data")
    return tmp_path / "data"


def chef(data: Path, app_role: str = "Styrkort.Chef.VoPitea"):  # noqa: ANN201
    units = Store(data / "store").read("units")
    identity = Identity("oid-7", "Karin Chef", "karin.chef@norrbotten.se", (app_role,))
    return resolve_access(identity, load_access_config(DATA / "access.toml"), units)


def stored_comment(data: Path, unit: str) -> list[tuple[str, str]]:
    comments = Store(data / "store").read("comments")
    found = comments.filter((pl.col("measure_id") == "med_telefon_samma_dag") & (pl.col("unit_id") == unit) & (pl.col("period") == PERIOD.id))
    return found.select("text", "author").rows()


def test_a_chefs_analysis_is_saved_with_their_identity_and_undone(data: Path) -> None:
    before = stored_comment(data, "hc_hortlax")
    plan = prepare_comment(data, chef(data), "med_telefon_samma_dag", "hc_hortlax", PERIOD, "Bemanningen i telefon har stärkts; väntetiden kortas.")
    assert plan.ok, pipeline.report_text(plan)
    record = pipeline.apply(data, plan, user=chef(data).identity.shown)
    assert stored_comment(data, "hc_hortlax") == [("Bemanningen i telefon har stärkts; väntetiden kortas.", "Karin Chef <karin.chef@norrbotten.se>")]
    log = pipeline.imports(data).filter(pl.col("import_id") == record.import_id)
    assert log.select("file_name", "user").rows() == [(COMMENT_FILE, "Karin Chef <karin.chef@norrbotten.se>")]
    pipeline.undo(data, record.import_id, user="Karin Chef <karin.chef@norrbotten.se>")
    assert stored_comment(data, "hc_hortlax") == before


def test_a_text_naming_few_patients_is_warned_about(pristine: Path) -> None:
    plan = prepare_comment(pristine, chef(pristine), "med_telefon_samma_dag", "hc_pitea", PERIOD, "Två patienter fick vänta.")
    assert plan.ok and plan.warnings and "”Två patienter”" in plan.warnings[0]


@pytest.mark.parametrize(
    ("app_role", "unit", "message"),
    [
        ("Styrkort.Chef.VoPitea", "vo_lulea_boden", "^Du har inte behörighet till vo_lulea_boden\\.$"),
        ("Styrkort.Chef.HcHortlax", "vo_pitea", "^Du skriver analys för dina egna enheter; vo_pitea är inte en av dem\\.$"),
        ("Styrkort.Ledning", "hc_hortlax", "^Du har inte behörighet att skriva analys och följa upp åtgärder\\.$"),
        ("Styrkort.Analytiker", "hc_hortlax", "^Du har inte behörighet att skriva analys och följa upp åtgärder\\.$"),
    ],
)
def test_only_a_chef_writes_and_only_for_their_own_units(pristine: Path, app_role: str, unit: str, message: str) -> None:
    with pytest.raises(AccessError, match=message):
        prepare_comment(pristine, chef(pristine, app_role), "med_telefon_samma_dag", unit, PERIOD, "Text.")
