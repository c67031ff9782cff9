"""A person's scope applied to the evaluation (``kpi.evaluation.scope``): what each role's reads,
comparisons, spreads and exports contain, over the bundled data."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest

from kpi.evaluation.comparison import compared_units, unit_grid
from kpi.evaluation.scope import Scope, scoped_dataset, scoped_evaluation
from kpi.evaluation.scorecard import Dataset, Evaluation, scorecard
from kpi.model.access import AccessError, Identity, load_access_config, resolve_access
from kpi.model.view import View
from kpi.reports.files import render_board_pack
from kpi.reports.pack import build_board_pack
from tests.conftest import DATA

PITEA_SIBLINGS = ("hc_pitea", "hc_norrfjarden", "hc_ojebyn")
SIBLING_NAMES = ("Piteå hälsocentral", "Norrfjärdens hälsocentral", "Öjebyns hälsocentral")
PERIOD = "2022-DÅ08"


def scope_for(dataset: Dataset, *app_roles: str) -> Scope:
    identity = Identity("oid", "Test", None, app_roles)
    access = resolve_access(identity, load_access_config(DATA / "access.toml"), dataset.units)
    return Scope.of(access, dataset.units)


@pytest.fixture(scope="module")
def chef_hc(bundled: tuple[Dataset, Evaluation]) -> tuple[Dataset, Evaluation, Scope]:
    dataset, evaluation = bundled
    scope = scope_for(dataset, "Styrkort.Chef.HcHortlax")
    return scoped_dataset(dataset, scope), scoped_evaluation(evaluation, scope), scope


@pytest.mark.parametrize(
    ("app_role", "visible", "whole"),
    [
        ("Styrkort.Ledning", None, None),
        ("Styrkort.Analytiker", None, None),
        ("Styrkort.Chef.HcHortlax", {"hc_hortlax", "vo_pitea", "div_nara", "region_nb"}, {"hc_hortlax"}),
        ("Styrkort.Chef.VoPitea", {"vo_pitea", "hc_hortlax", "div_nara", "region_nb", *PITEA_SIBLINGS}, {"vo_pitea", "hc_hortlax", *PITEA_SIBLINGS}),
        ("Styrkort.Forvaltare", set(), set()),
        ("Okänd.Roll", set(), set()),
    ],
)
def test_the_scope_of_each_role(bundled: tuple[Dataset, Evaluation], app_role: str, visible: set[str] | None, whole: set[str] | None) -> None:
    scope = scope_for(bundled[0], app_role)
    assert scope.visible == (None if visible is None else frozenset(visible))
    if whole is not None:
        assert scope.whole == frozenset(whole)


def test_a_scoped_read_has_no_unit_outside_it(chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    dataset, evaluation, scope = chef_hc
    assert set(evaluation.long_for(period=PERIOD)["unit_id"].unique()) <= set(scope.visible or ())
    assert evaluation.long_for(unit_id="hc_ojebyn").is_empty()
    assert evaluation.wide_for(unit_id="hc_ojebyn").is_empty()
    # Months evaluated on demand are cut too.
    assert set(evaluation.long_for(measure_ids=["med_telefon_samma_dag"], period="2022-03")["unit_id"].unique()) <= set(scope.visible or ())
    assert set(dataset.units["unit_id"]) == set(scope.visible or ())


def test_the_spread_of_a_level_above_is_not_shown_to_a_chef_below(bundled: tuple[Dataset, Evaluation], chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    _, evaluation, _ = chef_hc
    assert not bundled[1].spread_for(unit_id="vo_pitea", period=PERIOD).is_empty()
    assert evaluation.spread_for(unit_id="vo_pitea", period=PERIOD).is_empty()  # min and max name single units
    vo_scope = scope_for(bundled[0], "Styrkort.Chef.VoPitea")
    assert not scoped_evaluation(bundled[1], vo_scope).spread_for(unit_id="vo_pitea", period=PERIOD).is_empty()


def test_the_level_above_keeps_its_own_figures(bundled: tuple[Dataset, Evaluation], chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    _, evaluation, _ = chef_hc
    view = View.parse("vo_pitea", PERIOD)
    mine, everyone = scorecard(evaluation, view), scorecard(bundled[1], view)
    assert mine.select("measure_id", "value").equals(everyone.select("measure_id", "value"))


def test_comparisons_and_grids_list_no_sibling(chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    dataset, evaluation, _ = chef_hc
    _, compared = compared_units(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("hc_hortlax", PERIOD))
    assert set(compared["unit_id"]) <= {"hc_hortlax"}
    grid = unit_grid(evaluation, dataset.units, ["med_telefon_samma_dag"], View.parse("vo_pitea", PERIOD))
    assert not set(grid["unit_id"]) & set(PITEA_SIBLINGS)


@pytest.mark.parametrize("fmt", ["xlsx", "pptx"])
def test_an_export_for_a_chef_names_no_sibling(chef_hc: tuple[Dataset, Evaluation, Scope], fmt: str) -> None:
    dataset, evaluation, _ = chef_hc
    pack = build_board_pack(dataset, evaluation, View.parse("vo_pitea", PERIOD))
    content = render_board_pack(pack, fmt)  # type: ignore[arg-type]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        text = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml"))
    for name in SIBLING_NAMES:
        assert name not in text


def test_the_scope_refuses_a_unit_outside_it_by_name(chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    with pytest.raises(AccessError, match="Du har inte behörighet till Öjebyns hälsocentral"):
        chef_hc[2].require("hc_ojebyn", "Öjebyns hälsocentral")


def test_masking_still_applies_inside_a_scope(bundled: tuple[Dataset, Evaluation], chef_hc: tuple[Dataset, Evaluation, Scope]) -> None:
    _, evaluation, _ = chef_hc
    everyone = bundled[1].long_for(unit_id="hc_hortlax", months=False).select("measure_id", "period", "sex", "masked", "value")
    mine = evaluation.long_for(unit_id="hc_hortlax", months=False).select("measure_id", "period", "sex", "masked", "value")
    assert mine.sort(pl.all()).equals(everyone.sort(pl.all()))
