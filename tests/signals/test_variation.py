"""SPC, funnels and forecasts cut for the views (kpi/signals/variation.py), on the bundled data and by hand."""

from __future__ import annotations

import polars as pl
import pytest

from kpi.evaluation.scorecard import Dataset, Evaluation
from kpi.model import verdicts
from kpi.model.periods import parse_period
from kpi.model.view import View
from kpi.signals import spc
from kpi.signals.funnel import Funnel
from kpi.signals.variation import (
    MeasureSpc,
    _month_ranges,
    assurance_explanation,
    funnel_summary,
    measure_spc,
    scorecard_variation,
    signal_lines,
    through_month,
    unit_funnel,
    variation_explanation,
    variation_text,
    with_variation,
)

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def data(bundled: tuple[Dataset, Evaluation]) -> tuple[Dataset, Evaluation, spc.SpcOptions]:
    dataset, evaluation = bundled
    return dataset, evaluation, spc.SpcOptions.from_settings(dataset.settings)


@pytest.mark.parametrize(
    ("period", "month"), [("2022-DÅ08", "2022-08"), ("2022-DÅ04", "2022-04"), ("2022-ÅR", "2022-12"), ("2024-11", "2024-11"), ("2023-T1", "2023-04")]
)
def test_through_month(period: str, month: str) -> None:
    assert through_month(parse_period(period)) == month


def test_the_scorecard_column_judges_each_monthly_series_up_to_the_periods_last_month(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    table = scorecard_variation(evaluation, View.parse("div_nara", "2022-DÅ08", "T"), options, dataset.changes)
    monthly_measures = {m.id for m in dataset.catalogues.for_year(2022).measures() if m.monthly}
    assert set(table["measure_id"]) <= monthly_measures
    assert table.height >= 15
    assert table["last_period"].max() <= "2022-08"  # a report per August judges no later month
    # The same verdict as the SPC of that one series, computed on its own.
    one = measure_spc(evaluation, "med_telefon_samma_dag", View.parse("div_nara", "2022-DÅ08", "T"), options, dataset.changes)
    assert one is not None
    row = table.filter(pl.col("measure_id") == "med_telefon_samma_dag").row(0, named=True)
    assert (row["variation"], row["assurance"]) == (one.variation, one.assurance)
    assert one.points["period"].max() == "2022-08"


def test_a_later_period_sees_the_cosmic_go_live_as_a_new_phase(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    before = measure_spc(evaluation, "med_digitala_vardbesok", View.parse("hc_hortlax", "2024-DÅ08", "T"), options, dataset.changes)
    after = measure_spc(evaluation, "med_digitala_vardbesok", View.parse("hc_hortlax", "2025-DÅ08", "T"), options, dataset.changes)
    assert before is not None and after is not None
    assert before.starts == () and not before.points["provisional"].any()
    assert [s.label for s in after.starts] == ["Cosmic infört"]
    # Dec 2024 – Aug 2025 is 9 months, fewer than the 12 for limits of its own: they are judged,
    # provisionally, against the limits from before, and the text says so.
    new = after.points.filter(pl.col("period") >= "2024-12")
    assert new["provisional"].all() and new["phase"].unique().to_list() == [1]
    assert new["centre"].unique().to_list() == after.points.filter(pl.col("period") == "2024-11")["centre"].to_list()
    assert after.variation in (verdicts.COMMON, verdicts.IMPROVEMENT, verdicts.CONCERN)
    assert "Preliminärt: sedan Cosmic infört (dec 2024) finns 9 månader, färre än de 12" in variation_explanation(after)


def test_cosmic_does_not_touch_measures_from_other_systems(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    for measure in ("med_telefon_samma_dag", "eko_budgetavvikelse", "mba_sjukfranvaro"):
        chart = measure_spc(evaluation, measure, View.parse("div_nara", "2025-DÅ08", "T" if measure != "mba_sjukfranvaro" else "K"), options, dataset.changes)
        assert chart is not None and chart.starts == (), measure


def test_too_few_months_with_values_say_how_many_and_why(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    chart = measure_spc(evaluation, "ver_sip_deltagit", View.parse("hc_hortlax", "2025-DÅ08", "T"), options, dataset.changes)
    assert chart is not None and chart.variation == verdicts.TOO_FEW
    text = variation_explanation(chart)
    assert " med värden (" in text and "skyddade: för få patienter" in text and "kräver minst 12" in text


def test_recalculating_from_a_chosen_month_starts_a_phase_there(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    chosen = measure_spc(evaluation, "med_telefon_samma_dag", View.parse("div_nara", "2023-ÅR", "T"), options, dataset.changes, "2021-01")
    assert chosen is not None
    assert [s.first_month for s in chosen.starts] == ["2021-01"]
    assert chosen.points.filter(pl.col("period") >= "2021-01")["phase_start"].unique().to_list() == ["2021-01"]


def test_no_monthly_values_gives_no_chart(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, options = data
    assert measure_spc(evaluation, "med_kontinuitetsindex", View.parse("div_nara", "2022-DÅ08", "T"), options, dataset.changes) is None


@pytest.mark.parametrize(
    ("variation", "is_demo", "text"),
    [
        (verdicts.COMMON, False, "∿ vanlig variation"),
        (verdicts.IMPROVEMENT, True, "⊕ förbättring (demodata)"),
        (verdicts.CONCERN, False, "⊖ försämring"),
        (verdicts.TOO_FEW, False, "· för få månader"),
        (None, False, "–"),
    ],
)
def test_variation_cell(variation: str | None, is_demo: bool, text: str) -> None:
    assert variation_text(variation, is_demo) == text


def test_with_variation_labels_demo_in_the_heading_or_in_each_cell() -> None:
    table = pl.DataFrame({"measure_id": ["a", "b", "c"]})
    all_demo = {"a": (verdicts.CONCERN, verdicts.FAILS, True), "b": (verdicts.COMMON, verdicts.PASSES, True)}
    shown, heading = with_variation(table, all_demo)
    assert heading == "Variation (demodata)"
    assert shown["Variation"].to_list() == ["⊖ försämring", "∿ vanlig variation", "–"]
    mixed = all_demo | {"b": (verdicts.COMMON, verdicts.PASSES, False)}
    shown, heading = with_variation(table, mixed)
    assert heading == "Variation"
    assert shown["Variation"].to_list() == ["⊖ försämring (demodata)", "∿ vanlig variation", "–"]


@pytest.mark.parametrize(
    ("months", "text"),
    [
        (["2019-01", "2019-02", "2019-03"], "jan–mar 2019"),
        (["2019-05"], "maj 2019"),
        (["2021-11", "2021-12", "2022-01", "2022-03"], "nov 2021–jan 2022, mar 2022"),
        (["2020-03", "2019-12"], "dec 2019, mar 2020"),
    ],
)
def test_flagged_months_read_as_ranges(months: list[str], text: str) -> None:
    assert _month_ranges(months) == text


def _spc(values: list[float], target: float | None = None, direction: int = 1) -> MeasureSpc:
    n = len(values)
    frame = pl.DataFrame(
        {
            "measure_id": ["m"] * n, "unit_id": ["u"] * n, "sex": ["T"] * n,
            "period": [f"{2019 + i // 12}-{i % 12 + 1:02d}" for i in range(n)], "value": values,
            "numerator": [None] * n, "denominator": [None] * n, "value_kind": ["share"] * n, "direction": [direction] * n,
            "is_demo": [False] * n, "target_kind": ["level" if target is not None else "none"] * n, "target_effective": [target] * n,
            "band_lower": [None] * n, "band_upper": [None] * n,
        },
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "direction": pl.Int8, "target_effective": pl.Float64,
                          "band_lower": pl.Float64, "band_upper": pl.Float64},
    )  # fmt: skip
    options = spc.SpcOptions()
    points = spc.spc_points(frame, options)
    s = spc.spc_summary(points, frame).row(0, named=True)
    return MeasureSpc(points, s["variation"], s["assurance"], s["target"], False, spc.flagged_periods(points), (), options, s["last_period"])


def test_signal_lines_and_explanations_in_swedish() -> None:
    steady = _spc([52.0, 48.0] * 12, target=35.0)
    assert signal_lines(steady) == ["Inga särskilda orsaker: alla månader visar vanlig variation."]
    assert variation_explanation(steady).startswith("Den senaste månaden ligger inom gränserna")
    assert assurance_explanation(steady, "%", 0) == (
        f"Hela intervallet mellan gränserna (39{NBSP}%–61{NBSP}%) ligger på rätt sida om målet (35{NBSP}%): "
        "målet nås varje månad så länge processen är densamma."
    )
    jump = _spc([52.0, 48.0] * 12 + [62.0], target=55.0)
    assert signal_lines(jump) == ["**Signaler**", "- **Punkt utanför styrgränserna** (1 månad): jan 2021"]
    assert "punkt utanför styrgränserna" in variation_explanation(jump) and "högre är bättre" in variation_explanation(jump)
    assert assurance_explanation(jump, "%", 0).startswith(f"Målet (55{NBSP}%) ligger mellan gränserna")


def test_the_funnel_takes_the_same_units_as_the_bars(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, _ = data
    funnel, reason = unit_funnel(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("vo_pitea", "2022-DÅ08", "T"), ("hälsocentral",))
    assert isinstance(funnel, Funnel) and reason is None
    assert sorted(funnel.points["name"]) == ["Hortlax hälsocentral", "Norrfjärdens hälsocentral", "Piteå hälsocentral", "Öjebyns hälsocentral"]
    # The overall share is the ratio of sums over the units, the VO's own figure.
    vo = evaluation.wide.filter((pl.col("measure_id") == "med_telefon_samma_dag") & (pl.col("unit_id") == "vo_pitea") & (pl.col("period") == "2022-DÅ08"))
    assert funnel.overall == pytest.approx(vo["value"][0])
    text = funnel_summary(funnel)
    assert text.startswith("4 enheter; alla enheter tillsammans 80,8")
    assert "demodata" in text


def test_a_count_without_an_exposure_has_no_funnel(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, _ = data
    assert unit_funnel(evaluation, dataset.units, "ver_akutbesok_80", View.parse("div_nara", "2022-DÅ08", "T"), ("hälsocentral",)) == (None, None)


def _masked_group(evaluation: Evaluation) -> tuple[str, str, str]:
    """A measure, VO and month where one health centre is masked and the others are not."""
    masked = evaluation.wide.filter(
        (pl.col("period_kind") == "månad") & pl.col("unit_id").str.starts_with("hc_") & (pl.col("value_kind") == "share") & pl.col("masked")
    ).select("measure_id", "period", "unit_id")
    assert masked.height, "the bundled data has masked health-centre months"
    return masked.row(0)


def test_no_funnel_when_a_unit_is_masked_because_the_others_would_give_it_away(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, _ = data
    measure_id, period, unit_id = _masked_group(evaluation)
    funnel, reason = unit_funnel(evaluation, dataset.units, measure_id, View.parse(unit_id, period, "T"), ("hälsocentral",))
    assert funnel is None
    assert reason is not None and "skyddad (för få)" in reason


def test_two_units_are_too_few_for_a_funnel(data) -> None:  # type: ignore[no-untyped-def]
    dataset, evaluation, _ = data
    # The division's dental care: two (invented) dental areas compared.
    funnel, reason = unit_funnel(evaluation, dataset.units, "med_fardigbehandlade_ftv", View.parse("div_nara", "2022-DÅ08", "T"), ("tandvårdsklinik",))
    assert funnel is None and reason == "Trattdiagram visas när minst 3 enheter har täljare och nämnare för perioden."
