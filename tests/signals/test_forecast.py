"""The year-end forecast: hand-computed cases, the target outlook, when there is no forecast, that
later months never leak into it, its scaling property, the Swedish sentence and the adapter."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.evaluation.scorecard import Evaluation
from kpi.model.view import View
from kpi.signals.forecast import Forecast, forecast_for, forecast_text, year_end_forecast

NBSP = "\u00a0"  # format_value's thousands separator and the space before a unit
MINUS = "\u2212"  # format_value's typographic minus


def series(years: dict[int, list[float | None]], demo: set[str] | frozenset[str] = frozenset()) -> pl.DataFrame:
    """A monthly series: {year: [Jan, Feb, ...]} (as many months as given); ``demo`` names demo months."""
    periods = [f"{year}-{i + 1:02d}" for year, values in years.items() for i in range(len(values))]
    values = [v for vs in years.values() for v in vs]
    return pl.DataFrame(
        {"period": periods, "value": values, "is_demo": [p in demo for p in periods]},
        schema={"period": pl.String, "value": pl.Float64, "is_demo": pl.Boolean},
    )


def made(months: pl.DataFrame, through: int, kind: str = "count", **options: Any) -> Forecast:
    """The forecast for 2022, which the case expects to exist."""
    f = year_end_forecast(months, year=options.pop("year", 2022), through_month=through, value_kind=kind, **options)
    assert f is not None
    return f


FLAT = {2020: [100.0] * 12, 2021: [100.0] * 12, 2022: [120.0] * 4}
# 2020 reaches 200 of 1000 by April (share 0.2), 2021 400 of 1000 (share 0.4).
SEASONAL = {2020: [50.0] * 4 + [100.0] * 8, 2021: [100.0] * 4 + [75.0] * 8, 2022: [60.0] * 4}
# Amounts: 2020 −6 by June and +12 in the rest; 2021 +3 by June and −6 in the rest.
AMOUNT = {2020: [-1.0] * 6 + [2.0] * 6, 2021: [0.5] * 6 + [-1.0] * 6, 2022: [-2.0] * 6}


# --- the method, by hand -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "through", "kind", "so_far", "expected", "low", "high", "method"),
    [
        # Flat: share 400/1200 = 1/3 each year; 480 / (1/3) = 1440 whichever year is used.
        (FLAT, 4, "count", 480, 1440, 1440, 1440, "säsongsprofil"),
        # Shares 0.2 and 0.4, mean 0.3: 240 / 0.3 = 800; 240 / 0.4 = 600; 240 / 0.2 = 1200.
        (SEASONAL, 4, "count", 240, 800, 600, 1200, "säsongsprofil"),
        # The same numbers as an amount: rests 800 and 600, mean 700: 240 + 700 = 940; 840; 1040.
        (SEASONAL, 4, "amount", 240, 940, 840, 1040, "återstående månader"),
        # Additive with negatives: so far −12; rests +12 and −6, mean 3: −9; −18; 0.
        (AMOUNT, 6, "amount", -12, -9, -18, 0, "återstående månader"),
        # A count year with total 0 has no usable share: additive. Rests 0 and 90, mean 45: 15 + 45 = 60; 15; 105.
        ({2020: [0.0] * 12, 2021: [10.0] * 12, 2022: [5.0] * 3}, 3, "count", 15, 60, 15, 105, "återstående månader"),
        # A count year with nothing by March (share 0) also falls back. Rests 120 and 90: 15 + 105 = 120; 105; 135.
        ({2020: [0.0] * 3 + [40.0] * 3 + [0.0] * 6, 2021: [10.0] * 12, 2022: [5.0] * 3}, 3, "count", 15, 120, 105, 135,
         "återstående månader"),
        # November: shares 1100/1200 and 1000/1200 → mean 0.875 → 1050 / 0.875 = 1200; 1050·12/11 = 1145.45…; 1260.
        ({2020: [100.0] * 12, 2021: [100.0] * 10 + [0.0, 200.0], 2022: [100.0] * 10 + [50.0]}, 11, "count", 1050, 1200,
         1050 * 12 / 11, 1260, "säsongsprofil"),
    ],
)  # fmt: skip
def test_hand_computed_forecasts(
    years: dict[int, list[float | None]],
    through: int,
    kind: str,
    so_far: float,
    expected: float,
    low: float,
    high: float,
    method: str,
) -> None:
    f = year_end_forecast(series(years), year=2022, through_month=through, value_kind=kind)
    assert f is not None
    assert f.so_far == pytest.approx(so_far)
    assert (f.expected, f.low, f.high) == (pytest.approx(expected), pytest.approx(low), pytest.approx(high))
    assert f.method == method
    assert f.years_used == (2020, 2021)
    assert (f.year, f.through_month) == (2022, through)


def test_only_complete_years_are_used_and_at_most_max_years() -> None:
    # 2014 has a very different profile (2/3 by April) and would pull the forecast down if used.
    years: dict[int, list[float | None]] = {2014: [200.0] * 4 + [50.0] * 8}
    years |= {y: [100.0] * 12 for y in range(2015, 2021)}
    years[2018] = [100.0] * 11 + [None]  # December missing: not a complete year
    years[2021] = [120.0] * 4
    f = year_end_forecast(series(years), year=2021, through_month=4, value_kind="count", max_years=4)
    assert f is not None
    assert f.years_used == (2016, 2017, 2019, 2020)
    assert f.expected == pytest.approx(1440)
    with_2014 = year_end_forecast(series(years), year=2021, through_month=4, value_kind="count", max_years=6)
    assert with_2014 is not None and with_2014.years_used == (2014, 2015, 2016, 2017, 2019, 2020)
    assert with_2014.low == pytest.approx(480 * 3 / 2)  # 2014's share 2/3


def test_later_years_are_not_earlier_years() -> None:
    years = {2020: [100.0] * 12, 2021: [120.0] * 4, 2022: [10.0] * 12, 2023: [10.0] * 12}
    assert made(series(years), 4, year=2021, min_years=1).years_used == (2020,)


# --- the outlook -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lower", "upper", "outlook"),
    [
        (500, None, "troligen_uppfyllt"),  # the interval 600–1200 is above the lower target
        (600, None, "troligen_uppfyllt"),  # exactly on it counts as met
        (1300, None, "troligen_ej_uppfyllt"),  # all of it below
        (700, None, "osäkert"),  # straddles it
        (None, 1300, "troligen_uppfyllt"),  # below an upper target
        (None, 1200, "troligen_uppfyllt"),
        (None, 500, "troligen_ej_uppfyllt"),  # all of it above
        (None, 1000, "osäkert"),
        (500, 1300, "troligen_uppfyllt"),  # inside a band
        (1250, 1300, "troligen_ej_uppfyllt"),  # entirely below a band
        (700, 1000, "osäkert"),  # wider than the band
        (None, None, "ej_bedomd"),
    ],
)
def test_outlook_against_the_annual_target(lower: float | None, upper: float | None, outlook: str) -> None:
    f = made(series(SEASONAL), 4, target_lower=lower, target_upper=upper)
    assert (f.low, f.high) == (pytest.approx(600), pytest.approx(1200))
    assert f.outlook == outlook
    assert (f.target_lower, f.target_upper) == (lower, upper)


def test_budget_that_must_not_be_negative() -> None:
    f = year_end_forecast(series(AMOUNT), year=2022, through_month=6, value_kind="amount", target_lower=0.0)
    assert f is not None and f.high == pytest.approx(0.0)
    assert f.outlook == "osäkert"  # −18 … 0: the best year only just reaches 0
    worse = series({**AMOUNT, 2022: [-3.0] * 6})
    assert made(worse, 6, "amount", target_lower=0.0).outlook == "troligen_ej_uppfyllt"


# --- no forecast -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "through"),
    [
        ({**FLAT, 2022: [120.0, None, 120.0, 120.0]}, 4),  # February null: never taken as 0
        ({**FLAT, 2022: [120.0] * 3}, 4),  # April absent
        ({2020: [100.0] * 11 + [None], 2021: [100.0] * 12, 2022: [120.0] * 4}, 4),  # only one complete earlier year
        ({2021: [100.0] * 12, 2022: [120.0] * 4}, 4),  # only one earlier year at all
        ({**FLAT, 2022: [120.0] * 12}, 12),  # the year is complete
        ({2020: [100.0] * 12, 2021: [100.0] * 12}, 4),  # nothing of the year
    ],
)
def test_no_forecast(years: dict[int, list[float | None]], through: int) -> None:
    assert year_end_forecast(series(years), year=2022, through_month=through, value_kind="count") is None


def test_min_years_and_bad_arguments() -> None:
    assert year_end_forecast(series(FLAT), year=2022, through_month=4, value_kind="count", min_years=3) is None
    for bad in (0, 13):
        with pytest.raises(ValueError):
            year_end_forecast(series(FLAT), year=2022, through_month=bad, value_kind="count")
    with pytest.raises(ValueError):
        year_end_forecast(series(FLAT), year=2022, through_month=4, value_kind="share")
    duplicated = pl.concat([series(FLAT), series({2022: [1.0]})])
    with pytest.raises(ValueError):
        year_end_forecast(duplicated, year=2022, through_month=4, value_kind="count")


# --- later months, actual, demo ----------------------------------------------------------------


def test_later_months_do_not_leak_into_the_forecast() -> None:
    base = year_end_forecast(series(SEASONAL), year=2022, through_month=4, value_kind="count")
    complete = series({**SEASONAL, 2022: [60.0] * 4 + [10.0] * 8})
    changed = series({**SEASONAL, 2022: [60.0] * 4 + [5000.0, None, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    for months in (complete, changed):
        f = year_end_forecast(months, year=2022, through_month=4, value_kind="count")
        assert base is not None and f is not None
        assert (f.so_far, f.expected, f.low, f.high) == (base.so_far, base.expected, base.low, base.high)
        assert f.years_used == base.years_used and f.outlook == base.outlook


def test_actual_only_when_the_year_is_complete() -> None:
    complete = made(series({**SEASONAL, 2022: [60.0] * 4 + [10.0] * 8}), 4)
    assert complete.actual == pytest.approx(320)
    assert made(series(SEASONAL), 4).actual is None
    gap = series({**SEASONAL, 2022: [60.0] * 4 + [10.0] * 7 + [None]})
    assert made(gap, 4).actual is None


@pytest.mark.parametrize(
    ("demo", "is_demo"),
    [
        (set(), False),
        ({"2020-11"}, True),  # an earlier year's month after through_month: its total is used
        ({"2022-02"}, True),  # a month of the year so far
        ({"2022-07"}, False),  # a month after through_month of the year itself is not used
    ],
)
def test_is_demo_follows_the_months_used(demo: set[str], is_demo: bool) -> None:
    months = series({**SEASONAL, 2022: [60.0] * 12}, demo=demo)
    assert made(months, 4).is_demo is is_demo


# --- a property ---------------------------------------------------------------------------------


@st.composite
def count_series(draw: st.DrawFn) -> tuple[dict[int, list[float | None]], int]:
    through = draw(st.integers(1, 11))
    n_years = draw(st.integers(2, 6))
    value = st.floats(0.5, 100_000, allow_nan=False, allow_infinity=False)
    twelve = st.lists(value, min_size=12, max_size=12)
    years: dict[int, list[float | None]] = {2022 - n_years + i: draw(twelve) for i in range(n_years)}
    years[2022] = draw(st.lists(value, min_size=through, max_size=through))
    return years, through


@settings(deadline=None, max_examples=60)
@given(count_series(), st.floats(0.001, 1000, allow_nan=False))
def test_interval_holds_the_expected_value_and_scales(case: tuple[dict[int, list[float | None]], int], k: float) -> None:
    years, through = case
    f = year_end_forecast(series(years), year=2022, through_month=through, value_kind="count")
    assert f is not None and f.method == "säsongsprofil"
    assert f.low <= f.expected <= f.high
    scaled_years = {y: [None if v is None else v * k for v in vs] for y, vs in years.items()}
    g = year_end_forecast(series(scaled_years), year=2022, through_month=through, value_kind="count")
    assert g is not None and g.years_used == f.years_used
    for name in ("so_far", "expected", "low", "high"):
        assert getattr(g, name) == pytest.approx(getattr(f, name) * k, rel=1e-9), name


# --- the sentence -------------------------------------------------------------------------------


def _forecast(**overrides: Any) -> Forecast:
    base = Forecast(
        year=2022, through_month=8, so_far=28_100, expected=41_234, low=39_790, high=42_480,
        years_used=(2019, 2020, 2021), method="säsongsprofil", target_lower=43_000, target_upper=None,
        outlook="troligen_ej_uppfyllt", is_demo=False, actual=None,
    )  # fmt: skip
    return dataclasses.replace(base, **overrides)


@pytest.mark.parametrize(
    ("f", "unit", "decimals", "text"),
    [
        (
            _forecast(),
            "antal",
            0,
            ("Prognos för helåret 2022: 41\u00a0234 (spann 39\u00a0790–42\u00a0480) utifrån säsongsmönstret 2019–2021. "
            "Målet nås troligen inte."),
        ),
        (
            made(series(AMOUNT, demo={"2020-01"}), 6, "amount", target_lower=0.0),
            "mnkr",
            0,
            ("Prognos för helåret 2022: \u22129\u00a0mnkr (spann \u221218 till 0\u00a0mnkr) utifrån hur jul–dec utföll 2020–2021 "
            "(demodata). Osäkert om målet nås."),
        ),
        (
            _forecast(expected=12.26, low=10.5, high=14.04, years_used=(2018, 2019, 2021), method="återstående månader",
                      through_month=11, target_lower=None, outlook="ej_bedomd", is_demo=True),
            "mnkr",
            1,
            ("Prognos för helåret 2022: 12,3\u00a0mnkr (spann 10,5–14,0\u00a0mnkr) utifrån hur dec utföll "
            "2018, 2019 och 2021 (demodata)."),
        ),
        (
            made(series(FLAT), 4, target_lower=1000),
            "antal",
            0,
            "Prognos för helåret 2022: 1\u00a0440 utifrån säsongsmönstret 2020–2021. Målet nås troligen.",
        ),
        (_forecast(years_used=(2021,), outlook="troligen_uppfyllt"), "antal", 0,
         ("Prognos för helåret 2022: 41\u00a0234 (spann 39\u00a0790–42\u00a0480) utifrån säsongsmönstret 2021. "
         "Målet nås troligen.")),
    ],
)  # fmt: skip
def test_forecast_text(f: Forecast, unit: str, decimals: int, text: str) -> None:
    assert forecast_text(f, unit, decimals) == text


# --- the adapter on the bundled data --------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation(bundled: tuple[Any, Evaluation]) -> Evaluation:
    return bundled[1]


def _value(evaluation: Evaluation, measure_id: str, unit_id: str, period: str) -> float:
    row = evaluation.long.filter(
        (pl.col("measure_id") == measure_id)
        & (pl.col("unit_id") == unit_id)
        & (pl.col("period") == period)
        & (pl.col("sex") == "T")
    )
    return row["value"][0]


def test_budget_deviation_of_the_division(evaluation: Evaluation) -> None:
    f = forecast_for(evaluation, "eko_budgetavvikelse", View.parse("div_nara", "2022-DÅ08", "T"))
    assert f is not None
    assert (f.year, f.through_month) == (2022, 8)
    assert set(f.years_used) <= {2019, 2020, 2021} and len(f.years_used) >= 2
    assert f.method == "återstående månader"  # an amount: additive
    assert f.is_demo is True
    assert (f.target_lower, f.target_upper) == (0.0, None)  # the band "+/-0 mnkr"
    assert f.so_far == pytest.approx(_value(evaluation, "eko_budgetavvikelse", "div_nara", "2022-DÅ08"))
    assert f.actual == pytest.approx(_value(evaluation, "eko_budgetavvikelse", "div_nara", "2022-ÅR"))
    assert f.low <= f.expected <= f.high


def test_visits_use_the_seasonal_profile_and_last_years_outcome(evaluation: Evaluation) -> None:
    f = forecast_for(evaluation, "sam_besok_filialer", View.parse("div_nara", "2022-DÅ08"))
    assert f is not None and f.method == "säsongsprofil"
    # "Öka": last year's outcome plus the neutral band (1 % for counts).
    assert f.target_lower == pytest.approx(_value(evaluation, "sam_besok_filialer", "div_nara", "2021-ÅR") * 1.01) and f.target_upper is None
    assert f.so_far == pytest.approx(_value(evaluation, "sam_besok_filialer", "div_nara", "2022-DÅ08"))
    monthly = forecast_for(evaluation, "sam_besok_filialer", View.parse("div_nara", "2022-05"))
    assert monthly is not None and monthly.through_month == 5
    april = forecast_for(evaluation, "sam_besok_filialer", View.parse("div_nara", "2022-DÅ04"))
    assert april is not None and april.through_month == 4


@pytest.mark.parametrize(
    ("measure_id", "period"),
    [
        ("med_telefon_samma_dag", "2022-DÅ08"),  # a share
        ("eko_budgetavvikelse", "2022-ÅR"),  # the whole year
        ("sam_besok_filialer", "2022-ÅR"),
        ("med_triage_digitalen", "2022-DÅ08"),  # an annual volume without monthly figures
        ("eko_budgetavvikelse", "2019-DÅ08"),  # no earlier years
    ],
)
def test_no_forecast_from_the_bundled_data(evaluation: Evaluation, measure_id: str, period: str) -> None:
    assert forecast_for(evaluation, measure_id, View.parse("div_nara", period)) is None


# --- the adapter's targets and masking, on a small evaluation ---------------------------------------


def _evaluation(target: dict[str, Any], *, direction: int = 1, masked_month: str | None = None, previous: float | None = 900.0,
                previous_masked: bool = False, value_kind: str = "count", accumulation: str = "accumulated") -> Evaluation:
    months = [(f"{y}-{m:02d}", 100.0) for y in (2020, 2021) for m in range(1, 13)]
    months += [(f"2022-{m:02d}", 120.0) for m in range(1, 5)]  # a flat profile: 480 by April gives 1440
    long = pl.DataFrame(
        {
            "measure_id": "m", "unit_id": "u", "sex": "T",
            "period": [p for p, _ in months] + ["2021-ÅR"],
            "value": [v for _, v in months] + [previous],
            "is_demo": False,
            "masked": [p == masked_month for p, _ in months] + [previous_masked],
            "period_kind": ["månad"] * len(months) + ["ÅR"],
        },
        schema_overrides={"value": pl.Float64},
    )  # fmt: skip
    columns = dict.fromkeys(["target_kind", "target_value", "target_women", "target_men", "band_lower", "band_upper"])
    measures = pl.DataFrame(
        [{"measure_id": "m", "year": 2022, "value_kind": value_kind, "accumulation": accumulation, "direction": direction,
          **columns, **target}],
        schema_overrides={k: pl.Float64 for k in columns if k != "target_kind"}
        | {"target_kind": pl.String, "direction": pl.Int8},
    )  # fmt: skip
    return Evaluation(long=long, wide=pl.DataFrame(), spread=pl.DataFrame(), measures=measures)


@pytest.mark.parametrize(
    ("target", "direction", "bounds"),
    [
        ({"target_kind": "annual_volume", "target_value": 1500.0}, 1, (1500.0, None)),
        ({"target_kind": "annual_volume", "target_value": 1500.0}, -1, (None, 1500.0)),
        ({"target_kind": "level", "target_value": 1200.0}, 1, (1200.0, None)),
        ({"target_kind": "level", "target_value": 1200.0}, -1, (None, 1200.0)),
        ({"target_kind": "band", "band_lower": 0.0}, 1, (0.0, None)),
        ({"target_kind": "band", "band_lower": 1000.0, "band_upper": 2000.0}, 1, (1000.0, 2000.0)),
        ({"target_kind": "direction"}, 1, (900.0, None)),  # "Öka": at least last year's 900
        ({"target_kind": "direction"}, -1, (None, 900.0)),  # "Minska"
        # Beyond the neutral band, as the evaluation judges "Öka": ±1 % of 900 for a count.
        ({"target_kind": "direction", "neutral_band": 0.01, "neutral_is_absolute": False}, 1, (909.0, None)),
        ({"target_kind": "direction", "neutral_band": 0.01, "neutral_is_absolute": False}, -1, (None, 891.0)),
        ({"target_kind": "relative_change", "target_value": None}, -1, (None, None)),
        ({"target_kind": "none"}, 1, (None, None)),
    ],
)
def test_forecast_for_reads_the_annual_target(
    target: dict[str, Any], direction: int, bounds: tuple[float | None, float | None]
) -> None:
    f = forecast_for(_evaluation(target, direction=direction), "m", View.parse("u", "2022-DÅ04"))
    assert f is not None and f.expected == pytest.approx(1440)
    assert (f.target_lower, f.target_upper) == bounds


def test_forecast_for_without_last_years_value_has_no_direction_target() -> None:
    missing = _evaluation({"target_kind": "direction"}, previous=None)
    masked = _evaluation({"target_kind": "direction"}, previous_masked=True)
    for evaluation in (missing, masked):
        f = forecast_for(evaluation, "m", View.parse("u", "2022-DÅ04"))
        assert f is not None and (f.target_lower, f.target_upper, f.outlook) == (None, None, "ej_bedomd")


def test_forecast_for_treats_a_masked_month_as_missing() -> None:
    # The value is still there in this frame; the mask alone must stop the forecast.
    assert forecast_for(_evaluation({"target_kind": "none"}, masked_month="2022-03"), "m", View.parse("u", "2022-DÅ04")) is None
    assert forecast_for(_evaluation({"target_kind": "none"}, masked_month="2022-03"), "m", View.parse("u", "2022-02")) is not None


@pytest.mark.parametrize(
    ("value_kind", "accumulation"), [("share", "accumulated"), ("count", "per_period"), ("index", "accumulated")]
)
def test_forecast_for_only_accumulated_counts_and_amounts(value_kind: str, accumulation: str) -> None:
    evaluation = _evaluation({"target_kind": "none"}, value_kind=value_kind, accumulation=accumulation)
    assert forecast_for(evaluation, "m", View.parse("u", "2022-DÅ04")) is None
    assert forecast_for(evaluation, "m", View.parse("u", "2023-DÅ04")) is None  # no catalogue row for the year either
