"""The tables the views draw, computed in kpi/: organisation tree, overview, series, units compared,
actions, and the Swedish texts of the tables. No Streamlit here."""

from __future__ import annotations

import polars as pl
import pytest

from kpi.evaluation.actions import actions_table, comment_for
from kpi.evaluation.comparison import compared_units, unit_grid
from kpi.evaluation.overview import furthest_from_target, most_worsened, perspective_summary
from kpi.evaluation.scorecard import default_period, scorecard
from kpi.evaluation.series import measure_series
from kpi.model.organisation import comparison_group, descendants_in_tree_order, in_force, tree_order
from kpi.model.periods import parse_period
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY, WORSENED
from kpi.model.view import View
from kpi.texts.display import (
    change_text,
    comparison_text,
    gap_to_target_text,
    outcome_text,
    scorecard_table,
    short_period,
    source_text,
)
from kpi.texts.legend import ATTAINMENT, TREND

NBSP = "\u00a0"
MINUS = "\u2212"


# --- Swedish texts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "text"), [
    ("2022-DÅ08", "DÅ08 2022"), ("2022-DÅ04", "DÅ04 2022"), ("2022-ÅR", "helår 2022"), ("2025-03", "mar 2025"), ("2022-T2", "DÅ08 2022"),
])  # fmt: skip
def test_short_period(period: str, text: str) -> None:
    assert short_period(period) == text


@pytest.mark.parametrize(("value", "target", "unit", "text"), [
    (81.0, 95.0, "%", "14,0 procentenheter under målet"),
    (36.0, 7.0, "%", "29,0 procentenheter över målet"),
    (20_000.0, 28_667.0, "antal", f"30{NBSP}% under målet"),
    (-31.0, 0.0, "mnkr", f"31{NBSP}mnkr under målet"),
    (8.0, 1.33, "antal", "6,7 över målet"),
    (None, 95.0, "%", "uppgift saknas"),
    (81.0, None, "%", "uppgift saknas"),
])  # fmt: skip
def test_gap_to_target_text(value: float | None, target: float | None, unit: str, text: str) -> None:
    assert gap_to_target_text(value, target, unit, 0, 1) == text


@pytest.mark.parametrize(("value", "comparison", "unit", "decimals", "text"), [
    (15.0, 11.7, "%", 1, "+3,3 procentenheter"),
    (81.0, 82.0, "%", 0, f"{MINUS}1,0 procentenheter"),
    (4060.0, 3454.0, "antal", 0, f"+18{NBSP}%"),
    (1641.0, 1955.0, "antal", 0, f"{MINUS}16{NBSP}%"),
    (5.0, 0.0, "antal", 0, "+5"),
    (8.0, 1.33, "antal", 1, "+6,7"),
    (-0.59, 0.11, "mnkr", 1, f"{MINUS}0,7{NBSP}mnkr"),
    (-31.0, -20.0, "mnkr", 0, f"{MINUS}11{NBSP}mnkr"),
    (None, 3.0, "antal", 0, "uppgift saknas"),
    # From the values as printed (issue 20): 91 % against 91 % is no change, 8,2 % against 8,7 % is 0,5.
    (91.4, 90.8, "%", 0, "0,0 procentenheter"),
    (8.16, 8.7, "%", 1, f"{MINUS}0,5 procentenheter"),
    (-0.6, -1.4, "mnkr", 0, f"{NBSP}".join(["0", "mnkr"])),
])  # fmt: skip
def test_change_text(value: float | None, comparison: float | None, unit: str, decimals: int, text: str) -> None:
    assert change_text(value, comparison, unit, decimals) == text


ROW = {"value": 92.0, "value_women": 91.0, "value_men": 93.0, "unit": "%", "decimals": 0, "masked": False, "is_demo": False, "split_by_sex": True}


@pytest.mark.parametrize(("changes", "sex", "text"), [
    ({}, "T", f"92{NBSP}% (K 91{NBSP}%, M 93{NBSP}%)"),
    ({"is_demo": True}, "T", f"92{NBSP}% (K 91{NBSP}%, M 93{NBSP}%) (demodata)"),
    ({"value": None, "value_women": None, "value_men": None}, "T", "uppgift saknas"),
    ({"value": None, "value_women": None, "value_men": None, "is_demo": True}, "T", "uppgift saknas"),
    ({"masked": True}, "T", "skyddat (för få) (K skyddat (för få), M skyddat (för få))"),
    ({"split_by_sex": False, "value_women": None, "value_men": None}, "K", "ej uppdelat på kön"),
    ({"value_women": None, "value_men": None}, "K", f"92{NBSP}%"),
])  # fmt: skip
def test_outcome_text(changes: dict[str, object], sex: str, text: str) -> None:
    assert outcome_text(ROW | changes, sex) == text


def test_comparison_and_source_texts() -> None:
    assert comparison_text({"comparison_period": "2021-DÅ08", "comparison_value": 82.0, "unit": "%", "decimals": 0}) == f"82{NBSP}% i DÅ08 2021"
    assert comparison_text({"comparison_period": None, "comparison_value": None, "unit": "%", "decimals": 0}) == "ingen jämförelse"
    published = "Division Nära, bilaga till delårsrapport per augusti 2022, Medborgare-tabellen rad 542–546"
    assert source_text(published, False) == published  # the bundled data cites reports by title
    assert source_text("kommunens egen uppgift", False) == "kommunens egen uppgift"
    assert source_text(published, True).startswith("Demodata")
    assert source_text(None, False) == "källa saknas"


def test_a_source_naming_a_reports_text_file_shows_its_title() -> None:
    """Stores built before the titles were stored (and imports made into them) name the report's
    text file: "seed" and its number, perhaps the file's hash, perhaps the title in brackets."""

    def text_file(number: str, digest: str = "") -> str:
        return f"seed {number}_{digest}.txt" if digest else f"seed {number}"

    nara, region = text_file("004", "d741fbd3b526ca16"), text_file("002", "bd57af9f43c699ab")
    title, regional = "Division Nära, bilaga till delårsrapport per augusti 2022", "Regiondirektörens månadsrapport april 2025"
    assert source_text(f"{nara} ({title}), Medborgare-tabellen rad 542–546", False) == f"{title}, Medborgare-tabellen rad 542–546"
    assert source_text(f"{nara}, rad 341–345", False) == f"{title}, rad 341–345"
    assert source_text(text_file("004"), False) == title
    assert source_text(f"{text_file('004')}, Samhälle-tabellen, rad 309–325", False) == f"{title}, Samhälle-tabellen, rad 309–325"
    assert source_text(f"{region} ({regional}), Nyckeltal", False) == f"{regional}, Nyckeltal"
    assert source_text(f"{region}, Nyckeltal", False) == f"{regional}, Nyckeltal"
    assert source_text("seed 9999", False) == "seed 9999"  # not a report's number: shown as stored


def test_every_verdict_has_a_symbol_a_word_and_a_distinct_colour() -> None:
    for badges in (ATTAINMENT, TREND):
        symbols = [b.symbol for b in badges.values()]
        colours = [b.colour for b in badges.values()]
        assert len(set(symbols)) == len(symbols) and all(b.word for b in badges.values())
        assert len(set(colours)) == len(colours)
    assert set(ATTAINMENT) == {MET, PARTLY, NOT_MET, NOT_ASSESSED}


# --- the organisation --------------------------------------------------------------------------


def test_tree_order_is_depth_first_with_depths(bundled) -> None:
    dataset, _ = bundled
    tree = tree_order(dataset.units)
    ids = [u.unit_id for u in tree]
    assert ids[:3] == ["region_nb", "div_nara", "vo_lulea_boden"]
    assert len(ids) == dataset.units.height and len(set(ids)) == len(ids)
    depth = {u.unit_id: u.depth for u in tree}
    assert (depth["div_nara"], depth["vo_pitea"], depth["hc_hortlax"], depth["hc_statsviken"]) == (1, 2, 3, 4)
    # every unit comes after its parent
    position = {u: i for i, u in enumerate(ids)}
    assert all(position[u.parent_id] < position[u.unit_id] for u in tree if u.parent_id)


def test_picker_labels_name_the_parent_and_mark_demo_and_ended_units(bundled) -> None:
    dataset, _ = bundled
    tree = {u.unit_id: u for u in tree_order(dataset.units)}
    assert tree["hc_hortlax"].picker_label("VO Piteå tätort") == "Hortlax hälsocentral – VO Piteå tätort"
    assert tree["hc_ojebyn"].picker_label("VO Piteå tätort").endswith("(demo)")
    assert "upphörde 2021" in tree["hc_statsviken"].picker_label("x")
    assert tree["div_nara"].picker_label("Region Norrbotten") == "Division Nära"


def test_units_in_force_follow_the_merger(bundled) -> None:
    dataset, _ = bundled
    in_2021 = set(in_force(dataset.units, parse_period("2021-ÅR"))["unit_id"].to_list())
    in_2022 = set(in_force(dataset.units, parse_period("2022-DÅ08"))["unit_id"].to_list())
    assert {"hc_statsviken", "hc_mjolkudden"} <= in_2021 and "hc_statsviken_mjolkudden" not in in_2021
    assert "hc_statsviken_mjolkudden" in in_2022 and not {"hc_statsviken", "hc_mjolkudden"} & in_2022


@pytest.mark.parametrize(("unit", "owner", "members"), [
    ("div_nara", "div_nara", 7),
    ("vo_pitea", "vo_pitea", 4),
    ("hc_hortlax", "vo_pitea", 4),
    ("hc_statsviken_mjolkudden", "vo_lulea_boden", 8),  # its predecessors ended in 2021
])  # fmt: skip
def test_comparison_group(bundled, unit: str, owner: str, members: int) -> None:
    dataset, _ = bundled
    got_owner, group = comparison_group(dataset.units, unit, parse_period("2022-DÅ08"))
    assert (got_owner, group.height) == (owner, members)


def test_descendants_start_with_the_organisation(bundled) -> None:
    dataset, _ = bundled
    below = descendants_in_tree_order(dataset.units, "vo_pitea", parse_period("2022-DÅ08"))
    assert [u.unit_id for u in below] == ["vo_pitea", "hc_pitea", "hc_hortlax", "hc_norrfjarden", "hc_ojebyn"]


# --- the scorecard and the overview ------------------------------------------------------------


def test_the_report_opens_on_the_latest_published_period(bundled) -> None:
    _, evaluation = bundled
    assert default_period(evaluation, "div_nara").id == "2022-DÅ08"


def test_choosing_a_sex_puts_its_values_in_the_total_columns(bundled) -> None:
    _, evaluation = bundled
    total = {r["measure_id"]: r for r in scorecard(evaluation, View.parse("div_nara", "2022-DÅ08")).iter_rows(named=True)}
    women = {r["measure_id"]: r for r in scorecard(evaluation, View.parse("div_nara", "2022-DÅ08", "K")).iter_rows(named=True)}
    men = {r["measure_id"]: r for r in scorecard(evaluation, View.parse("div_nara", "2022-DÅ08", "M")).iter_rows(named=True)}
    violence = "med_fraga_vald"
    assert (women[violence]["value"], men[violence]["value"]) == (total[violence]["value_women"], total[violence]["value_men"]) == (1179.0, 462.0)
    assert women[violence]["value_women"] is None and women[violence]["gender_gap_pp"] is None
    assert women["med_telefon_samma_dag"]["value"] is None and not women["med_telefon_samma_dag"]["split_by_sex"]


def test_perspective_summary_counts_every_measure_once(bundled) -> None:
    _, evaluation = bundled
    card = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))
    summary = perspective_summary(card)
    assert summary["perspective"].to_list() == ["Samhälle", "Medborgare", "Verksamhet", "Medarbetare", "Ekonomi"]
    assert summary["measures"].to_list() == [3, 15, 15, 11, 5]
    counted = summary.select(pl.sum_horizontal(MET, PARTLY, NOT_MET, NOT_ASSESSED))
    assert counted.to_series().to_list() == summary["measures"].to_list()
    assert not summary["has_demo"].any()  # the published report


def test_attention_lists_are_ordered_and_hold_only_what_they_say(bundled) -> None:
    _, evaluation = bundled
    card = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))
    missing = furthest_from_target(card, limit=10)
    assert set(missing["attainment"].to_list()) <= {NOT_MET, PARTLY}
    ranked = missing.filter(~pl.col("zero_target"))["shortfall"].to_list()
    assert ranked == sorted(ranked, reverse=True) and all(s > 0 for s in ranked)
    worse = most_worsened(card, limit=10)
    assert set(worse["trend"].to_list()) == {WORSENED}
    assert worse["change"].to_list() == sorted(worse["change"].to_list())
    assert worse["measure_id"][0] == "mba_inhyrda_kostnad"  # 11,7 → 15 %


def test_furthest_from_target_ranks_by_the_share_it_shows_leaves_out_direction_targets_and_shows_the_budget(bundled) -> None:
    from kpi.texts.display import attention_table

    _, evaluation = bundled
    card = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))
    furthest = furthest_from_target(card)
    shown = attention_table(furthest)
    # The budget deficit (−31 mnkr against +/-0) first, then by the shortfall as a share of the target, the figure shown.
    assert shown["measure_id"].to_list() == ["eko_budgetavvikelse", "ver_utskrivningsklara", "med_halsosamtal_40", "med_halsosamtal_50", "med_halsosamtal_60"]
    assert shown["Avstånd"].to_list() == [f"31{NBSP}mnkr under målet", f"414{NBSP}% över målet", f"83{NBSP}% under målet", f"83{NBSP}% under målet", f"71{NBSP}% under målet"]
    # "Öka"/"Minska" has no level to be far from: never in the list, however far it moved.
    everything = furthest_from_target(card, limit=100)
    directions = card.filter(pl.col("target_kind") == "direction")["measure_id"].to_list()
    assert directions and not set(directions) & set(everything["measure_id"].to_list())


def test_scorecard_table_keeps_the_reports_columns(bundled) -> None:
    _, evaluation = bundled
    table = scorecard_table(scorecard(evaluation, View.parse("div_nara", "2022-DÅ08")))
    assert table.columns[:8] == ["measure_id", "Framgångsfaktor", "Styrmått", "Mål", "Uppföljningsperiod", "Periodens utfall", "Måluppfyllelse", "Utveckling"]
    assert table.height == 49
    assert not table["Periodens utfall"].str.contains("None").any()


# --- series, units, actions --------------------------------------------------------------------


def test_series_is_in_time_order_and_leaves_out_periods_without_values(bundled) -> None:
    _, evaluation = bundled
    series = measure_series(evaluation, "med_telefon_samma_dag", "div_nara", "DÅ08")
    assert series["period"].to_list() == [f"{y}-DÅ08" for y in range(2019, 2026)]
    assert series.filter(pl.col("period") == "2022-DÅ08")["value"].to_list() == [81.0]
    monthly = measure_series(evaluation, "med_telefon_samma_dag", "div_nara", "månad")
    assert monthly.height > 12 and monthly["value"].null_count() == 0


def test_units_compared_are_the_groups_units_sorted_with_missing_last(bundled) -> None:
    dataset, evaluation = bundled
    owner, units = compared_units(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("hc_hortlax", "2022-DÅ08"))
    assert owner == "vo_pitea"
    assert units.filter(pl.col("selected"))["unit_id"].to_list() == ["hc_hortlax"]
    values = units["value"].drop_nulls().to_list()
    assert values == sorted(values)
    _, division = compared_units(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("div_nara", "2022-DÅ08"))
    assert division["value"][-1] is None  # a dental area has no phone figure: last, not 0
    assert division.filter(pl.col("value").is_null())["attainment"].to_list() == [NOT_ASSESSED] * 2


def test_unit_grid_has_one_cell_per_unit_and_measure(bundled) -> None:
    dataset, evaluation = bundled
    grid = unit_grid(evaluation, dataset.units, ["med_telefon_samma_dag", "med_bedomning_3_dagar"], View.parse("vo_pitea", "2022-DÅ08"))
    assert grid.height == 5 * 2
    assert grid["unit_id"].unique(maintain_order=True).to_list()[0] == "vo_pitea"


def test_actions_take_the_latest_follow_up_of_the_year(bundled) -> None:
    dataset, _ = bundled
    catalogue = dataset.catalogues.for_year(2022)
    august = actions_table(catalogue, dataset.actions, parse_period("2022-DÅ08"))
    assert august.height == 30 and set(august["follow_up_period"].to_list()) == {"2022-DÅ08"}
    later = actions_table(catalogue, dataset.actions, parse_period("2022-ÅR"))
    assert set(later["follow_up_period"].to_list()) == {"2022-DÅ08"}
    april = actions_table(catalogue, dataset.actions, parse_period("2022-DÅ04"))
    assert set(april["status"].to_list()) == {"okänd"} and april["comment"].null_count() == 30
    linked = actions_table(catalogue, dataset.actions, parse_period("2022-DÅ08"), measure_id="med_telefon_samma_dag")
    assert "med-01" in linked["action_id"].to_list()


def test_comment_for_a_measure(bundled) -> None:
    dataset, _ = bundled
    note = comment_for(dataset.comments, "med_telefon_samma_dag", "div_nara", parse_period("2022-DÅ08"))
    assert note is not None and str(note["text"]).startswith("Nollan i vårdgarantin")
    assert comment_for(dataset.comments, "med_telefon_samma_dag", "hc_hortlax", parse_period("2022-DÅ08")) is None


def test_the_region_shows_only_its_own_reported_figures_never_the_divisions_sum(bundled) -> None:
    _, evaluation = bundled
    assert scorecard(evaluation, View.parse("region_nb", "2022-DÅ08"))["value"].null_count() == 49
    region_2025 = scorecard(evaluation, View.parse("region_nb", "2025-DÅ04")).filter(pl.col("value").is_not_null())
    assert region_2025["is_demo"].to_list() == [False] * region_2025.height and region_2025.height >= 1


def test_reporting_types_say_which_units_a_measure_applies_to(bundled) -> None:
    from kpi.model.organisation import reporting_types_below

    dataset, _ = bundled
    types = reporting_types_below(dataset.units)
    assert types["div_nara"] == {"division", "hälsocentral", "tandvårdsklinik"}
    assert types["vo_pitea"] == {"verksamhetsområde", "hälsocentral"}
    assert types["vo_ftv_syd"] == {"verksamhetsområde", "tandvårdsklinik"}
    assert types["hc_hortlax"] == {"hälsocentral"}


def test_comparison_summary_counts_what_the_bars_draw(bundled) -> None:
    from kpi.evaluation.comparison import summarise_comparison

    dataset, evaluation = bundled
    _, units = compared_units(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("div_nara", "2022-DÅ08"), reported_by=("hälsocentral",))
    bars = summarise_comparison(units)
    assert bars.drawn == units.height == 5  # the dental areas do not report the measure: not compared
    assert bars.lowest == units["value"].min() and bars.highest == units["value"].max()
    assert bars.common_target == 95.0 and bars.any_demo and not bars.missing_names


def test_attention_and_series_tables_read_as_swedish_text(bundled) -> None:
    from kpi.texts.display import attention_table, series_tables

    _, evaluation = bundled
    card = scorecard(evaluation, View.parse("div_nara", "2022-DÅ08"))
    worse = attention_table(most_worsened(card))
    assert worse["Förändring"][0] == "+3,3 procentenheter mot DÅ08 2021"  # 15 against the published 11,7, each as printed
    missing = attention_table(furthest_from_target(card, limit=20))
    distance = dict(zip(missing["measure_id"].to_list(), missing["Avstånd"].to_list()))
    assert distance["ver_aterinskrivningar_65"] == f"19{NBSP}% över målet (män)"  # per-sex targets: the sex further off
    assert distance["ver_palliativ_strategi"] == f"33{NBSP}% under målet (kvinnor)"  # a share given only per sex
    assert distance["eko_budgetavvikelse"] == f"31{NBSP}mnkr under målet"  # a band's edge of 0: in its own unit
    # Half of 2020's falls would give 2020's masked count back: the target is hidden, and a
    # verdict against it would tell on which side of it the count lies, so it is not judged.
    assert "ver_fallskador" not in distance
    falls = card.filter(pl.col("measure_id") == "ver_fallskador").row(0, named=True)
    assert falls["target_effective"] is None and falls["attainment"] == "ej_bedomd"
    series = measure_series(evaluation, "med_telefon_samma_dag", "div_nara", "DÅ08")
    shown, download = series_tables(series, "%", 0, split_by_sex=False)
    assert shown.filter(pl.col("Period") == "DÅ08 2022")["Utfall"].to_list() == [f"81{NBSP}%"]
    assert download.filter(pl.col("Period") == "2022-DÅ08")["Utfall"].to_list() == [81.0]
    assert set(shown["Kvinnor"].to_list()) == {"–"}


def test_actions_display_keeps_the_reports_columns(bundled) -> None:
    from kpi.texts.display import actions_display

    dataset, _ = bundled
    actions = actions_table(dataset.catalogues.for_year(2022), dataset.actions, parse_period("2022-DÅ08"))
    table = actions_display(actions, "Medborgare", {"med_telefon_samma_dag": "Telefon"}, with_nr=True)
    assert table.columns == ["Nr", "Mål", "Åtgärd", "Status", "Kommentar", "Styrmått"]
    assert table["Styrmått"][0] == "Telefon" and table["Status"][0] == "◐ pågår"
    assert actions_display(actions, "Samhälle", {}, with_nr=True).is_empty()
