"""The sparklines' values (kpi.evaluation.series.recent_values): the same report each year up to
the chosen period, a masked value as a gap, a sex falling back to the total where there is no split."""

from __future__ import annotations

import polars as pl

from kpi.evaluation.scorecard import Dataset, Evaluation
from kpi.evaluation.series import recent_values
from kpi.model.periods import parse_period
from kpi.texts.display import recent_values_text
from tests.helpers import measure, run

COUNT = {
    "unit": "antal",
    "value_kind": "count",
    "direction": "lower",
    "target": {"kind": "relative_change", "text": "Minska med 50% jämfört med 2020", "change_percent": -50, "base_year": 2020},
}


def test_the_same_report_each_year_up_to_the_period_oldest_first_a_masked_count_a_gap() -> None:
    rows = [{"measure_id": "m", "unit_id": "d", "period": f"{year}-DÅ08", "value": value} for year, value in ((2019, 30), (2020, 4), (2021, 20), (2022, 18), (2023, 9))]
    rows.append({"measure_id": "m", "unit_id": "d", "period": "2022-DÅ04", "value": 7})  # another report: not on the line
    frame = recent_values(run([measure(**COUNT)], rows), ["m"], "d", parse_period("2022-DÅ08"))
    assert frame["period"].to_list() == ["2019-DÅ08", "2020-DÅ08", "2021-DÅ08", "2022-DÅ08"]  # never a later year
    assert frame["value"].to_list() == [30, None, 20, 18]  # 4 is fewer than 5: masked, never 0
    shorter = recent_values(run([measure(**COUNT)], rows), ["m"], "d", parse_period("2022-DÅ08"), count=2)
    assert shorter["period"].to_list() == ["2021-DÅ08", "2022-DÅ08"]


def test_a_measure_without_a_split_by_sex_shows_its_total_for_women(bundled: tuple[Dataset, Evaluation]) -> None:
    _, evaluation = bundled
    period = parse_period("2022-DÅ08")
    women = recent_values(evaluation, ["med_telefon_samma_dag"], "div_nara", period, "K")
    total = recent_values(evaluation, ["med_telefon_samma_dag"], "div_nara", period, "T")
    assert women.equals(total)
    assert women["period"].to_list() == ["2019-DÅ08", "2020-DÅ08", "2021-DÅ08", "2022-DÅ08"]
    assert women["value"].to_list()[-1] == 81.0 and women["is_demo"].to_list() == [False, True, False, False]
    split = recent_values(evaluation, ["med_halsosamtal_50"], "div_nara", period, "K").filter(pl.col("period") == "2022-DÅ08")
    assert split["value"].to_list() == [7.0]  # the women's 7 %, not the total


def test_the_line_in_words() -> None:
    periods = ["2020-DÅ08", "2021-DÅ08", "2022-DÅ08"]
    assert recent_values_text(periods, [87.0, None, 81.81], "%", [0, None, 1], demo=True) == "DÅ08 2020–DÅ08 2022: 87\u00a0%, skyddat, 81,8\u00a0% (demodata)"
    assert recent_values_text([], [], "%", []) == "inga värden"
