"""Styrmått's *Över tid* chart, drawn on the server (``ui.trend_chart``): read back as XML."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.evaluation.series import measure_series
from kpi.texts.legend import SEX_COLOURS
from ui.trend_chart import PLOT_HEIGHT, nice_ticks, trend_html

NBSP = "\u00a0"


def read(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed, or this raises


def points(chart: ET.Element) -> dict[str, ET.Element]:
    """The plotted points by their text (what hover and a screen reader give)."""
    return {c.findtext("title"): c for c in chart.iter("circle") if c.find("title") is not None}


def legend(chart: ET.Element) -> list[str]:
    return ["".join(li.itertext()) for li in chart.iter("li")]


def test_demo_points_are_open_rings_and_numbers_read_as_in_swedish(bundled) -> None:
    _, evaluation = bundled
    series = measure_series(evaluation, "med_telefon_samma_dag", "div_nara", "DÅ08")
    chart = read(trend_html(series, sex="T", unit="%", decimals=0, period="2022-DÅ08", comparison_period="2021-DÅ08"))
    shown = points(chart)
    published, demo = shown[f"DÅ08 2022: 81{NBSP}%"], next(c for t, c in shown.items() if t.startswith("DÅ08 2023:"))
    assert published.get("fill") == SEX_COLOURS["T"] and demo.get("fill") == "#FFFFFF"
    assert demo.findtext("title").endswith("(demodata)")
    assert float(published.get("r")) > float(demo.get("r"))  # the chosen period's point is larger
    targets = {line.findtext("title") for line in chart.iter("line") if line.find("title") is not None}
    assert targets and all(t.endswith(f": 95{NBSP}%") and t.startswith("Mål ") for t in targets)
    assert legend(chart) == ["Totalt", "Mål", "Demodata (öppen ring)"]
    assert [t.text for t in chart.iter("text") if "sk-value" in t.get("class", "")] == [f"81{NBSP}%"]
    assert any(t.text == "jämförelse" for t in chart.iter("text"))
    ticks = [s.text for s in chart.iter("span") if s.get("style", "").startswith("top:")]
    assert ticks[0] == f"0{NBSP}%" and all(t.endswith(f"{NBSP}%") for t in ticks)


def test_a_missing_value_is_a_gap_never_a_zero() -> None:
    series = pl.DataFrame(
        {
            "period": ["2020-DÅ08", "2021-DÅ08", "2022-DÅ08"],
            "value": [7.0, None, 5.0],
            "value_women": [None, None, None],
            "value_men": [None, None, None],
            "target_effective": [None, None, None],
            "is_demo": [False, False, False],
            "masked": [False, False, False],
        },
        schema_overrides={"value_women": pl.Float64, "value_men": pl.Float64, "target_effective": pl.Float64},
    )
    series = series.with_columns(
        pl.lit(None, pl.Float64).alias("target_effective_women"), pl.lit(None, pl.Float64).alias("target_effective_men"),
        pl.lit(None, pl.Boolean).alias("is_demo_women"), pl.lit(None, pl.Boolean).alias("is_demo_men"),
        pl.lit(None, pl.Boolean).alias("masked_women"), pl.lit(None, pl.Boolean).alias("masked_men"),
    )  # fmt: skip
    chart = read(trend_html(series, sex="T", unit="antal", decimals=0, period="2022-DÅ08", comparison_period=None))
    assert set(points(chart)) == {"DÅ08 2020: 7", "DÅ08 2022: 5"}
    plot = next(svg for svg in chart.iter("svg") if svg.get("class") == "sk-plot")
    drawn = [line for line in plot.iter("line") if line.get("stroke") == SEX_COLOURS["T"]]
    assert drawn == []  # no line across the missing year
    assert legend(chart) == ["Totalt"]  # no target line without a target
    assert "antal" in [s.text for s in chart.iter("span")]  # the unit stands over the axis


def test_periods_printed_only_by_sex_draw_women_and_men_without_writing_over_each_other(bundled) -> None:
    _, evaluation = bundled
    series = measure_series(evaluation, "ver_palliativ_strategi", "div_nara", "DÅ08")
    chart = read(trend_html(series, sex="T", unit="%", decimals=0, period="2022-DÅ08", comparison_period=None))
    assert {"Totalt", "Kvinnor", "Män"} <= set(legend(chart))
    assert f"Kvinnor DÅ08 2022: 47{NBSP}%" in points(chart)
    assert not [t for t in chart.iter("text") if "sk-value" in t.get("class", "")]


@pytest.mark.parametrize("kind", ["DÅ04", "DÅ08", "ÅR", "månad"])
def test_every_measure_of_the_bundled_data_draws_one_point_per_value_inside_the_plot(bundled, kind: str) -> None:
    dataset, evaluation = bundled
    for measure_id in dataset.observations["measure_id"].unique().sort().to_list():
        series = measure_series(evaluation, measure_id, "div_nara", kind)
        if series.is_empty():
            continue
        chart = read(trend_html(series, sex="T", unit="%", decimals=1, period=series["period"][-1], comparison_period=None))
        circles = [c for c in chart.iter("circle") if c.find("title") is not None]
        shown = sum(series[c].is_not_null().sum() for c in ("value", "value_women", "value_men")) if series["value"].is_null().any() else series["value"].is_not_null().sum()
        if series["value"].is_null().any():
            assert len(circles) <= shown and (len(circles) > 0) == (shown > 0), measure_id
        else:  # one line: one point per value
            assert len(circles) == shown, measure_id
        assert all(0 <= float(c.get("cy")) <= PLOT_HEIGHT for c in circles), measure_id
        assert all(0 < float(c.get("cx").rstrip("%")) < 100 for c in circles), measure_id


@pytest.mark.parametrize(
    ("values", "from_zero", "expected"),
    [
        ([81, 95], True, [0, 25, 50, 75, 100]),
        ([5], True, [0, 2, 4, 6]),
        ([0], True, [0, 0.25, 0.5, 0.75, 1]),
        ([], True, [0, 1]),  # nothing to draw: an empty axis
        ([-31, 12], False, [-40, -20, 0, 20]),
        ([43_000, 45_500], False, [43_000, 44_000, 45_000, 46_000]),
        ([0.2, 0.7], True, [0, 0.2, 0.4, 0.6, 0.8]),
        ([12, 12], False, [11, 11.5, 12, 12.5, 13]),
        # A sum's rounding noise is no range: one tick either side, never a loop without end.
        ([0.0, 0.1 + 0.2 - 0.3], False, [0, 0.25, 0.5, 0.75, 1]),
        ([0.3, 0.30000000000000004], False, [-1, -0.5, 0, 0.5, 1, 1.5]),
        ([1e-12], True, [0, 0.25, 0.5, 0.75, 1]),
        ([float("nan"), 5.0, float("inf")], True, [0, 2, 4, 6]),  # not finite: left out
        ([-1_000_000.0, 1_000_000.001], False, [-1e6, 0, 1e6, 2e6]),  # a thousandth above a tick at a step of a million
    ],
)
def test_nice_ticks(values: list[float], from_zero: bool, expected: list[float]) -> None:
    assert nice_ticks(values, from_zero=from_zero) == pytest.approx(expected)


# Figures as the store holds them: at most three decimals, from −10 million to 10 million.
FIGURES = st.integers(min_value=-10**10, max_value=10**10).map(lambda n: n / 1000)


@given(st.lists(FIGURES, min_size=1, max_size=30), st.booleans())
def test_ticks_cover_the_values_evenly_with_a_round_step(values: list[float], from_zero: bool) -> None:
    ticks = nice_ticks(values, from_zero=from_zero)
    assert ticks[0] <= min(values) + 1e-9 and ticks[-1] >= max(values) - 1e-9
    if from_zero:
        assert ticks[0] <= 0 <= ticks[-1]
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5)
    assert 2 <= len(ticks) <= 8


def test_every_text_in_the_markup_is_escaped() -> None:
    series = pl.DataFrame(
        {"period": ["2021-DÅ08", "2022-DÅ08"], "value": [1.0, float("nan")], "value_women": [None, None], "value_men": [None, None],
         "target_effective": [2.0, 2.0], "is_demo": [False, True], "masked": [False, False]},
        schema_overrides={"value_women": pl.Float64, "value_men": pl.Float64},
    ).with_columns(
        pl.lit(None, pl.Float64).alias("target_effective_women"), pl.lit(None, pl.Float64).alias("target_effective_men"),
        pl.lit(None, pl.Boolean).alias("is_demo_women"), pl.lit(None, pl.Boolean).alias("is_demo_men"),
        pl.lit(None, pl.Boolean).alias("masked_women"), pl.lit(None, pl.Boolean).alias("masked_men"),
    )  # fmt: skip
    hostile = '<b onmouseover="x">"u&'
    chart = read(trend_html(series, sex="T", unit=hostile, decimals=0, period="2021-DÅ08", comparison_period=None))
    assert not [e for e in chart.iter() if e.tag == "b" or "onmouseover" in e.attrib]
    assert hostile in "".join(chart.itertext())  # shown as the text it is
    assert set(points(chart)) == {"DÅ08 2021: 1"}  # NaN is a gap, not a point
    plot = next(svg for svg in chart.iter("svg") if svg.get("class") == "sk-plot")
    assert "Vald period DÅ08 2021: 1, mål 2" in plot.get("aria-label")
