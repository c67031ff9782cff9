"""The bundled data: published figures shown as published, demo data labelled and consistent."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from kpi.evaluation.scorecard import Evaluation, evaluate_dataset, load_dataset, scorecard
from kpi.model.errors import StoreError
from kpi.model.view import View
from kpi.store.bundled import copy_data, rebuild_store, same_content, write_store
from kpi.store.delta import Store
from kpi.store.validation import validate_all
from tests.evaluation.reference_engine import resolve_values  # the roll-up alone, as it always was
from kpi.texts.display import source_text

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DATA)


@pytest.fixture(scope="module")
def evaluation(dataset) -> Evaluation:
    return evaluate_dataset(dataset)


@pytest.fixture(scope="module")
def division_dao08(evaluation) -> dict[str, dict]:
    card = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))
    return {row["measure_id"]: row for row in card.iter_rows(named=True)}


@pytest.mark.parametrize(
    ("measure_id", "value", "women", "men", "comparison"),
    [
        ("med_telefon_samma_dag", 81, None, None, ("2021-DÅ08", 82)),
        ("med_bedomning_3_dagar", 92, 92, 92, (None, None)),
        ("med_triage_digitalen", 29191, None, None, ("2021-DÅ08", 19600)),
        ("med_fardigbehandlade_ftv", 70.0, None, None, ("2021-DÅ08", 69.7)),
        ("med_fraga_vald", 1641, 1179, 462, ("2021-DÅ08", 1955)),
        ("med_levnadsvanor_samtal", 10, 9, 11, ("2021-DÅ08", 9)),
        ("ver_palliativ_strategi", None, 47, 52, (None, None)),
        ("ver_aterinskrivningar_65", None, 17.1, 20.5, (None, None)),
        ("ver_utskrivningsklara", 36, None, None, (None, None)),
        ("ver_fallskador", 8, None, None, (None, None)),
        ("mba_inhyrda_kostnad", 15, None, None, ("2021-DÅ08", 11.7)),
        ("mba_sjukfranvaro", 7.6, None, None, (None, None)),
        ("eko_budgetavvikelse", -31, None, None, (None, None)),
        ("sam_besok_filialer", 6171, None, None, ("2021-DÅ08", 1778)),
    ],
)
def test_division_scorecard_dao08_2022_shows_the_published_values(division_dao08, measure_id, value, women, men, comparison) -> None:
    row = division_dao08[measure_id]
    assert (row["value"], row["value_women"], row["value_men"]) == (value, women, men)
    assert (row["comparison_period"], row["comparison_value"]) == comparison
    assert row["is_demo"] is False
    assert row["source"].startswith("Division Nära, bilaga till delårsrapport per augusti 2022, ")


def test_every_measure_row_is_in_the_scorecard_including_those_without_values(division_dao08) -> None:
    assert len(division_dao08) == 49
    assert division_dao08["med_kontinuitetsindex"]["value"] is None
    assert division_dao08["med_kontinuitetsindex"]["attainment"] == "ej_bedomd"


@pytest.mark.parametrize(
    ("measure_id", "attainment", "trend"),
    [
        ("med_telefon_samma_dag", "ej_uppfyllt", "forsamrad"),
        ("med_fardigbehandlade_ftv", "uppfyllt", "oforandrad"),
        ("med_triage_digitalen", "uppfyllt", "forbattrad"),
        ("med_levnadsvanor_samtal", "uppfyllt", "forbattrad"),
        ("eko_budgetavvikelse", "ej_uppfyllt", "saknas"),
        ("ver_aterinskrivningar_65", "ej_uppfyllt", "saknas"),
        ("ver_akutbesok_80", "ej_bedomd", "forsamrad"),  # "Minska": 2021 T2 was not published
    ],
)
def test_division_verdicts(division_dao08, measure_id, attainment, trend) -> None:
    assert (division_dao08[measure_id]["attainment"], division_dao08[measure_id]["trend"]) == (attainment, trend)


def test_every_generated_row_is_flagged_as_demo(dataset) -> None:
    published = {(r["measure_id"], r["unit_id"], r["period"], r["sex"]) for r in csv.DictReader(open(DATA / "build" / "published.csv", encoding="utf-8"))}
    for row in dataset.observations.select("measure_id", "unit_id", "period", "sex", "is_demo", "source").iter_rows():
        is_published = row[:4] in published
        assert row[4] is (not is_published)
        assert ("Demodata" in row[5]) is (not is_published)


def test_demo_units_rolled_up_reproduce_every_published_division_figure(dataset, evaluation) -> None:
    """Leave out the published rows and roll the demo units up: each published figure comes back."""
    demo_only = dataset.observations.filter(pl.col("is_demo"))
    latest = evaluation.measures.sort("year").unique(subset="measure_id", keep="last").select(
        "measure_id", "value_kind", "accumulation", pl.col("measure_decimals").alias("decimals")
    )
    rolled = resolve_values(demo_only, dataset.units, latest, dataset.years)
    published = dataset.observations.filter(~pl.col("is_demo") & pl.col("unit_id").is_in(["div_nara", "hc_arvidsjaur", "hc_overtornea", "hc_jokkmokk", "hc_pajala"]))
    joined = published.join(rolled, on=["measure_id", "unit_id", "period", "sex"], how="inner", suffix="_demo")
    assert joined.height >= 60
    for row in joined.iter_rows(named=True):
        decimals = row["decimals"]
        assert round(row["value_demo"] + 1e-9, decimals) == pytest.approx(row["value"]), row
        if row["numerator"] is not None:
            assert row["numerator_demo"] == row["numerator"]
        if row["denominator"] is not None:
            assert row["denominator_demo"] == row["denominator"]


@pytest.mark.parametrize(
    ("measure_id", "period", "low", "high", "meeting", "units"),
    [
        ("med_bedomning_3_dagar", "2022-08", 73, 99, None, 25),  # "lägst andel (73%) och ... högst (99%)"
        ("med_fardigbehandlade_ftv", "2022-DÅ08", 42, 78, 11, 19),  # "42-78 procent. 11 av 19 kliniker"
    ],
)
def test_demo_spreads_match_the_reports(evaluation, measure_id, period, low, high, meeting, units) -> None:
    spread = evaluation.spread.filter((pl.col("unit_id") == "div_nara") & (pl.col("measure_id") == measure_id) & (pl.col("period") == period)).row(0, named=True)
    assert (round(spread["spread_min"]), round(spread["spread_max"])) == (low, high)
    assert spread["units_with_value"] == units
    if meeting is not None:
        assert spread["units_meeting_target"] == meeting


def test_region_figures_from_the_regional_directors_report(evaluation) -> None:
    card = {r["measure_id"]: r for r in scorecard(evaluation, View.parse("region_nb", "2025-DÅ04")).iter_rows(named=True)}
    assert card["mba_sjukfranvaro"]["value"] == 6.75
    assert card["mba_sjukfranvaro"]["comparison_value"] == 6.23
    assert card["mba_sjukfranvaro"]["trend"] == "forsamrad"
    assert card["eko_budgetavvikelse"]["value"] == -240
    assert card["eko_budgetavvikelse"]["source"].startswith("Regiondirektörens månadsrapport april 2025, Nyckeltal")


def test_other_levels_are_demo_and_say_so(evaluation) -> None:
    card = scorecard(evaluation, View.parse("vo_pitea", "2023-DÅ08"))
    with_values = card.filter(pl.col("value").is_not_null() | pl.col("value_women").is_not_null())
    assert with_values.height > 10
    assert with_values["is_demo"].all()


def test_the_bundled_data_cites_the_reports_by_title() -> None:
    """Stored sources are shown as stored: no text file's name for a reader to look up."""
    store = Store(DATA / "store")
    for table in ("observations", "comments", "units", "actions"):
        frame = store.read(table)
        published = frame.filter(~pl.col("is_demo")) if "is_demo" in frame.columns else frame
        sources = published.filter(~pl.col("source").str.starts_with("demo"))["source"].unique().to_list()
        assert sources and all(source_text(s, False) == s and not s.startswith("seed") for s in sources), table
    assert store.history("observations")["message"].to_list()[:2] == [
        "Publicerade värden: Division Nära, bilaga till delårsrapport per augusti 2022",
        "Publicerade värden: Regiondirektörens månadsrapport april 2025",
    ]


def test_bundled_data_validates(tmp_path) -> None:
    assert validate_all(DATA) == []


# --- python -m kpi build-data: an unchanged build leaves the committed store as it is --------------


def _data_copy(tmp_path: Path) -> Path:
    data = copy_data(DATA, tmp_path / "data")
    shutil.copytree(DATA / "build", data / "build")
    return data


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and when it was last written."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_bundled_store_is_what_build_data_makes_of_the_committed_inputs(tmp_path) -> None:
    """Otherwise build-data on a clean clone would leave git dirty."""
    assert same_content(Store(DATA / "store"), write_store(DATA, tmp_path / "store"))


def test_an_unchanged_rebuild_touches_no_file(tmp_path) -> None:
    data = _data_copy(tmp_path)
    rebuild_store(data)
    before = _files(data)
    result = rebuild_store(data)
    assert not result.changed
    assert result.message == f"{data / 'store'} är redan aktuell: inget ändrades."
    assert _files(data) == before  # names, bytes and times; no build directory left beside the store


def test_a_changed_input_replaces_the_store(tmp_path) -> None:
    data = _data_copy(tmp_path)
    rebuild_store(data)
    before = _files(data / "store")
    comments = data / "build" / "comments.csv"
    comments.write_text(comments.read_text(encoding="utf-8").replace("Följs upp av FHV.", "Följs upp av företagshälsovården."), encoding="utf-8")
    result = rebuild_store(data)
    assert result.changed
    assert result.message == f"Byggde {data / 'store'}: {result.store.read('observations').height} utfall."
    assert _files(data / "store").keys() != before.keys()
    assert "Följs upp av företagshälsovården." in result.store.read("comments")["text"].to_list()
    assert sorted(p.name for p in data.iterdir()) == ["access.toml", "build", "catalogue", "store"]  # no staging left beside them
    assert not rebuild_store(data).changed


def test_a_store_with_more_than_the_build_makes_is_replaced(tmp_path) -> None:
    data = _data_copy(tmp_path)
    store = Store(data / "store")
    store.write("targets", pl.DataFrame({"year": [2022], "measure_id": ["mba_sjukfranvaro"], "value": [7.0]}), message="Inläsning")
    store.write("comments", pl.DataFrame({"measure_id": ["mba_sjukfranvaro"], "unit_id": ["div_nara"], "period": ["2022-DÅ08"], "text": ["Ny"]}), message="Inläsning")
    result = rebuild_store(data)
    assert result.changed
    assert not result.store.exists("targets")
    assert result.store.version("comments") == 0


def test_a_build_that_fails_leaves_the_store_as_it_was(tmp_path) -> None:
    data = _data_copy(tmp_path)
    before = _files(data / "store")
    units = data / "build" / "units.csv"
    lines = units.read_text(encoding="utf-8").splitlines()
    units.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")  # a unit twice
    with pytest.raises(StoreError, match="Samma nyckel"):
        rebuild_store(data)
    assert _files(data / "store") == before
    assert sorted(p.name for p in data.iterdir()) == ["access.toml", "build", "catalogue", "store"]  # no staging left beside them


def test_a_new_target_is_built(tmp_path) -> None:
    result = rebuild_store(DATA, target=tmp_path / "elsewhere" / "store")
    assert result.changed and result.store.read("observations").height > 60_000
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["store"]
