"""Funnel plot limits and marking: hand-computed limits, brute-force exact limits, classification, masking, properties."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi.signals.funnel import (
    NORMAL_MIN_EXPECTED,
    Z95,
    Z998,
    Funnel,
    rate_funnel,
    rate_limits,
    share_funnel,
    share_limits,
    tail_probabilities,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAIL = {Z95: 0.025, Z998: 0.001}


def _units(rows: list[tuple]) -> pl.DataFrame:
    """rows: (name, numerator, denominator[, masked]); unit_id is the lower-cased name."""
    return pl.DataFrame(
        {
            "unit_id": [r[0].lower() for r in rows],
            "name": [r[0] for r in rows],
            "numerator": [r[1] for r in rows],
            "denominator": [r[2] for r in rows],
            "masked": [r[3] if len(r) > 3 else False for r in rows],
            "is_demo": [False] * len(rows),
        },
        schema={"unit_id": pl.String, "name": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
                "masked": pl.Boolean, "is_demo": pl.Boolean},
    )


def _is_exact_share(p: float, n: float) -> bool:
    return n * p < NORMAL_MIN_EXPECTED or n * (1 - p) < NORMAL_MIN_EXPECTED


def _one(limits: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    return float(limits[0][0]), float(limits[1][0])


# --- Normal limits, by hand ------------------------------------------------------------------------

# z95 = 1.959963984540054, z998 = 3.090232306167813; limit = p ± z·√(p(1−p)/n)
NORMAL_SHARES = [
    # √(0.8·0.2/400) = √0.0004 = 0.02;  1.959964·0.02 = 0.03919928  -> 0.8 ∓ 0.03919928
    (0.8, 400, Z95, 0.76080072, 0.83919928),
    # 3.090232·0.02 = 0.06180465 -> 0.8 ∓ 0.06180465
    (0.8, 400, Z998, 0.73819535, 0.86180465),
    # √(0.5·0.5/100) = 0.05;  1.959964·0.05 = 0.09799820 -> 0.5 ∓ 0.09799820
    (0.5, 100, Z95, 0.40200180, 0.59799820),
    # 3.090232·0.05 = 0.15451162 -> 0.5 ∓ 0.15451162
    (0.5, 100, Z998, 0.34548838, 0.65451162),
    # √(0.1·0.9/900) = √0.0001 = 0.01;  3.090232·0.01 = 0.03090232 -> 0.1 ∓ 0.03090232
    (0.1, 900, Z998, 0.06909768, 0.13090232),
    # √(0.3·0.7/2100) = √0.0001 = 0.01;  1.959964·0.01 = 0.01959964 -> 0.3 ∓ 0.01959964
    (0.3, 2100, Z95, 0.28040036, 0.31959964),
]


@pytest.mark.parametrize(("p", "n", "z", "lower", "upper"), NORMAL_SHARES)
def test_share_limits_follow_the_normal_approximation_where_the_counts_allow(p: float, n: int, z: float, lower: float, upper: float) -> None:
    assert not _is_exact_share(p, n)
    assert _one(share_limits(p, np.array([float(n)]), z)) == (pytest.approx(lower, abs=1e-6), pytest.approx(upper, abs=1e-6))


# limit = λ ± z·√(λ/E)
NORMAL_RATES = [
    # √(0.02/5000) = √0.000004 = 0.002;  1.959964·0.002 = 0.00391993 -> 0.02 ∓ 0.00391993
    (0.02, 5000, Z95, 0.01608007, 0.02391993),
    # 3.090232·0.002 = 0.00618046 -> 0.02 ∓ 0.00618046
    (0.02, 5000, Z998, 0.01381954, 0.02618046),
    # √(0.5/200) = 0.05;  1.959964·0.05 = 0.09799820 -> 0.5 ∓ 0.09799820
    (0.5, 200, Z95, 0.40200180, 0.59799820),
    # E·λ = 36;  √(3/12) = 0.5;  3.090232·0.5 = 1.54511615 -> 3 ∓ 1.54511615
    (3.0, 12, Z998, 1.45488385, 4.54511615),
]


@pytest.mark.parametrize(("rate", "exposure", "z", "lower", "upper"), NORMAL_RATES)
def test_rate_limits_follow_the_normal_approximation_where_the_count_allows(rate: float, exposure: int, z: float, lower: float, upper: float) -> None:
    assert exposure * rate >= NORMAL_MIN_EXPECTED
    assert _one(rate_limits(rate, np.array([float(exposure)]), z)) == (pytest.approx(lower, abs=1e-6), pytest.approx(upper, abs=1e-6))


# --- Exact limits, by brute force ------------------------------------------------------------------


def _interpolated(pmf: list[float], prob: float) -> float:
    """Spiegelhalter: r = smallest with F(r) >= prob, then r − (F(r) − prob) / (F(r) − F(r − 1))."""
    below = 0.0
    for r, mass in enumerate(pmf):
        if below + mass >= prob:
            return r - (below + mass - prob) / mass
        below += mass
    raise AssertionError("the pmf does not reach prob")


def _binomial_raw(n: int, p: float, prob: float) -> float:
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(max(_interpolated(pmf, prob) / n, 0.0), 1.0)


def _binomial_expected(n: int, p: float, z: float) -> tuple[float, float]:
    """The module widens the raw limits to their envelope over the larger n of the exact branch."""
    alpha = TAIL[z]
    ms = range(n, math.ceil(NORMAL_MIN_EXPECTED / min(p, 1 - p)) + 1)
    lower = min(_binomial_raw(m, p, alpha) for m in ms)
    upper = max(_binomial_raw(m, p, 1 - alpha) for m in ms)
    return min(lower, p), max(upper, p)


@pytest.mark.parametrize(("n", "p"), [(20, 0.1), (60, 0.1), (30, 0.8), (5, 0.5), (1, 0.02), (45, 0.05)])
@pytest.mark.parametrize("z", [Z95, Z998])
def test_exact_binomial_limits_match_brute_force(n: int, p: float, z: float) -> None:
    assert _is_exact_share(p, n)
    lower, upper = _one(share_limits(p, np.array([float(n)]), z))
    expected_lower, expected_upper = _binomial_expected(n, p, z)
    assert lower == pytest.approx(expected_lower, abs=1e-9)
    assert upper == pytest.approx(expected_upper, abs=1e-9)
    assert 0.0 <= lower <= p <= upper <= 1.0


def test_exact_binomial_limits_for_n20_p10_are_the_plain_interpolated_ones() -> None:
    """At n = 20, p = 0,1 the envelope does not bind: the limits are Spiegelhalter's own."""
    assert _one(share_limits(0.1, np.array([20.0]), Z95)) == (0.0, pytest.approx(_binomial_raw(20, 0.1, 0.975), abs=1e-9))
    assert _one(share_limits(0.1, np.array([20.0]), Z998))[1] == pytest.approx(_binomial_raw(20, 0.1, 0.999), abs=1e-9)
    # F(3) = 0.867, F(4) = 0.957, F(5) = 0.989 for Binomial(20, 0.1): r = 5, limit ≈ (5 − 0.014/0.032)/20 ≈ 0.228
    assert _one(share_limits(0.1, np.array([20.0]), Z95))[1] == pytest.approx(0.2285, abs=5e-4)


def test_a_single_patient_does_not_get_an_upper_limit_below_the_overall_share() -> None:
    """Raw interpolation gives n = 1, p = 2 %: F(0) = 0,98 ≥ 0,975, limit (0 − 0,005/0,98) < 0; widened instead."""
    assert _binomial_raw(1, 0.02, 0.975) == 0.0
    lower, upper = _one(share_limits(0.02, np.array([1.0]), Z95))
    assert lower == 0.0
    assert upper >= 0.02


def test_exact_limits_do_not_overflow_for_large_n() -> None:
    lower, upper = share_limits(0.9999, np.array([50_000.0, 80_000.0]), Z998)  # n·(1 − p) = 5 and 8: exact
    assert np.isfinite(lower).all() and np.isfinite(upper).all()
    assert (lower <= 0.9999).all() and (upper >= 0.9999).all() and (upper <= 1.0).all()


def _poisson_raw(mu: float, prob: float) -> float:
    return _interpolated([math.exp(-mu) * mu**k / math.factorial(k) for k in range(120)], prob)


@pytest.mark.parametrize(("rate", "exposure"), [(0.001, 4000.0), (0.02, 499.0), (0.5, 15.0)])
@pytest.mark.parametrize("z", [Z95, Z998])
def test_exact_poisson_limits_match_brute_force(rate: float, exposure: float, z: float) -> None:
    mu = rate * exposure
    assert mu < NORMAL_MIN_EXPECTED
    lower, upper = _one(rate_limits(rate, np.array([exposure]), z))
    assert lower == pytest.approx(max(_poisson_raw(mu, TAIL[z]) / exposure, 0.0), abs=1e-9)
    assert upper == pytest.approx(_poisson_raw(mu, 1 - TAIL[z]) / exposure, abs=1e-9)
    assert 0.0 <= lower <= rate <= upper


@pytest.mark.parametrize("mu", [0.01, 0.3, 1.0, 2.0, 3.5, 7.0])
def test_exact_poisson_limits_are_never_narrower_than_the_interpolated_ones(mu: float) -> None:
    rate, exposure = 0.01, mu / 0.01
    for z in (Z95, Z998):
        lower, upper = _one(rate_limits(rate, np.array([exposure]), z))
        assert lower <= max(_poisson_raw(mu, TAIL[z]) / exposure, 0.0) + 1e-12
        assert upper >= _poisson_raw(mu, 1 - TAIL[z]) / exposure - 1e-12
        assert lower <= rate <= upper


def test_limits_are_vectorised_and_equal_to_one_at_a_time() -> None:
    n = np.array([3.0, 12.0, 40.0, 55.0, 400.0, 10_000.0])
    for z in (Z95, Z998):
        lower, upper = share_limits(0.8, n, z)
        for i, one in enumerate(n):
            assert _one(share_limits(0.8, np.array([one]), z)) == (lower[i], upper[i])


def test_degenerate_overall_share_gives_limits_at_the_overall_share() -> None:
    for p in (0.0, 1.0):
        lower, upper = share_limits(p, np.array([5.0, 500.0]), Z998)
        assert lower.tolist() == [p, p] and upper.tolist() == [p, p]
    assert rate_limits(0.0, np.array([10.0]), Z95)[1].tolist() == [0.0]


# --- Classification --------------------------------------------------------------------------------

# All at n = 400 and p̄ = 1600/2000 = 0.8: 95 % limits 76.08–83.92 %, 99.8 % limits 73.82–86.18 %.
CLASSIFIED = _units([("A", 360, 400), ("B", 280, 400), ("C", 320, 400), ("D", 340, 400), ("E", 300, 400)])
# name: (position_95, position, reading_95 and reading for direction 1, the same for direction -1)
EXPECTED = {
    "A": ("över", "över", "bättre", "bättre", "sämre", "sämre"),  # 90 %
    "B": ("under", "under", "sämre", "sämre", "bättre", "bättre"),  # 70 %
    "C": ("inom", "inom", "inom", "inom", "inom", "inom"),  # 80 %
    "D": ("över", "inom", "bättre", "inom", "sämre", "inom"),  # 85 %: between the 95 % and the 99,8 % upper limit
    "E": ("under", "inom", "sämre", "inom", "bättre", "inom"),  # 75 %: between the lower limits
}


@pytest.mark.parametrize("direction", [1, -1])
def test_units_are_marked_above_below_inside_and_read_through_the_direction(direction: int) -> None:
    funnel = share_funnel(CLASSIFIED, direction=direction, overdispersion=False)
    assert isinstance(funnel, Funnel)
    assert funnel.kind == "share" and funnel.per == 100.0
    assert funnel.overall == pytest.approx(80.0)
    got = {r["name"]: r for r in funnel.points.iter_rows(named=True)}
    for name, (pos95, pos, read95_up, read_up, read95_down, read_down) in EXPECTED.items():
        row = got[name]
        assert (row["position_95"], row["position"]) == (pos95, pos), name
        wanted = (read95_up, read_up) if direction == 1 else (read95_down, read_down)
        assert (row["reading_95"], row["reading"]) == wanted, name
    a = got["A"]
    assert a["value"] == pytest.approx(90.0)
    assert (a["lower_95"], a["upper_95"]) == (pytest.approx(76.080072, abs=1e-5), pytest.approx(83.919928, abs=1e-5))
    assert (a["lower_998"], a["upper_998"]) == (pytest.approx(73.819535, abs=1e-5), pytest.approx(86.180465, abs=1e-5))


def test_each_point_gets_the_limits_at_its_own_denominator() -> None:
    units = _units([("A", 9, 12), ("B", 160, 200), ("C", 30, 41), ("D", 2500, 3100)])
    funnel = share_funnel(units, direction=1, overdispersion=False)
    assert funnel is not None
    p = (9 + 160 + 30 + 2500) / (12 + 200 + 41 + 3100)
    lower, upper = share_limits(p, np.array([12.0, 200.0, 41.0, 3100.0]), Z998)
    assert funnel.points["lower_998"].to_list() == pytest.approx((lower * 100).tolist(), abs=1e-12)
    assert funnel.points["upper_998"].to_list() == pytest.approx((upper * 100).tolist(), abs=1e-12)
    assert funnel.points["name"].to_list() == ["A", "B", "C", "D"]


def test_rate_funnel_reports_per_thousand_and_marks_units() -> None:
    # λ = 300/15000 = 0.02 per person; at E = 5000 the 99,8 % limits are 13.82–26.18 per 1 000
    units = _units([("A", 150, 5000), ("B", 50, 5000), ("C", 100, 5000)])
    funnel = rate_funnel(units, direction=-1, overdispersion=False)
    assert funnel is not None
    assert (funnel.kind, funnel.per) == ("rate", 1000.0)
    assert funnel.overall == pytest.approx(20.0)
    assert funnel.points["value"].to_list() == pytest.approx([30.0, 10.0, 20.0])
    assert funnel.points["position"].to_list() == ["över", "under", "inom"]
    assert funnel.points["reading"].to_list() == ["sämre", "bättre", "inom"]  # lower is better
    assert funnel.points["lower_998"][0] == pytest.approx(13.819535, abs=1e-5)
    assert funnel.points["upper_998"][0] == pytest.approx(26.180465, abs=1e-5)
    per_100 = rate_funnel(units, direction=-1, per=100.0, overdispersion=False)
    assert per_100 is not None and per_100.overall == pytest.approx(2.0) and per_100.per == 100.0


def test_everyone_is_inside_when_the_overall_share_is_zero() -> None:
    funnel = share_funnel(_units([("A", 0, 10), ("B", 0, 300)]), direction=1, overdispersion=False)
    assert funnel is not None and funnel.overall == 0.0
    assert funnel.points["position"].to_list() == ["inom", "inom"]
    assert funnel.points["position_95"].to_list() == ["inom", "inom"]
    assert funnel.points["upper_998"].to_list() == [0.0, 0.0]


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError):
        share_funnel(CLASSIFIED, direction=0, overdispersion=False)


# --- Masking and the overall value -----------------------------------------------------------------


def test_overall_share_is_the_ratio_of_sums_and_left_out_units_do_not_count() -> None:
    units = _units(
        [
            ("Liten", 9, 10),
            ("Stor", 1, 90),
            ("Skyddad", 100, 100, True),
            ("Utan nämnare", 5, None),
            ("Noll", 0, 0),
            ("Negativ", 3, -4),
            ("Utan täljare", None, 50),
        ]
    )
    funnel = share_funnel(units, direction=1, overdispersion=False)
    assert funnel is not None
    assert funnel.overall == pytest.approx(10.0)  # 10/100, where the mean of 90 % and 1,1 % would be 45,6 %
    assert funnel.points["name"].to_list() == ["Liten", "Stor"]
    assert funnel.left_out_masked == ["Skyddad"]
    assert funnel.left_out_missing == ["Utan nämnare", "Noll", "Negativ", "Utan täljare"]
    plain = share_funnel(units.head(2), direction=1, overdispersion=False)
    assert plain is not None and plain.overall == funnel.overall
    assert plain.points["upper_998"].to_list() == funnel.points["upper_998"].to_list()


def test_masked_null_counts_as_not_masked_and_masked_wins_over_missing() -> None:
    units = _units([("A", 5, 10), ("B", 6, 10), ("C", None, None, True)]).with_columns(
        pl.when(pl.col("name") == "A").then(None).otherwise(pl.col("masked")).alias("masked")
    )
    funnel = share_funnel(units, direction=1, overdispersion=False)
    assert funnel is not None
    assert funnel.points["name"].to_list() == ["A", "B"]
    assert (funnel.left_out_masked, funnel.left_out_missing) == (["C"], [])


def test_rate_funnel_leaves_out_missing_counts_and_exposures() -> None:
    units = _units([("A", 10, 1000), ("B", 30, 1000), ("C", None, 1000), ("D", 4, 0), ("E", 2, 100, True)])
    funnel = rate_funnel(units, direction=1, overdispersion=False)
    assert funnel is not None
    assert funnel.overall == pytest.approx(20.0)  # 40 / 2000 per 1 000
    assert funnel.left_out_missing == ["C", "D"] and funnel.left_out_masked == ["E"]


@pytest.mark.parametrize(
    "rows",
    [
        [("A", 5, 10)],
        [("A", 5, 10), ("B", 5, 10, True)],
        [("A", 5, 10), ("B", None, 10), ("C", 1, 0)],
        [],
    ],
)
def test_fewer_than_two_plottable_units_give_no_funnel(rows: list[tuple]) -> None:
    assert share_funnel(_units(rows), direction=1, overdispersion=False) is None
    assert rate_funnel(_units(rows), direction=1, overdispersion=False) is None


# --- The curve -------------------------------------------------------------------------------------


def test_curve_spans_the_denominators_on_a_log_grid() -> None:
    funnel = share_funnel(_units([("A", 30, 40), ("B", 800, 1000), ("C", 1600, 2000)]), direction=1, overdispersion=False)
    assert funnel is not None
    curve = funnel.curve
    assert curve.columns == ["denominator", "lower_95", "upper_95", "lower_998", "upper_998"]
    assert all(dtype == pl.Float64 for dtype in curve.dtypes)
    assert 100 <= curve.height <= 140
    n = curve["denominator"].to_numpy()
    assert n[0] == pytest.approx(32.0) and n[-1] == pytest.approx(2400.0)
    assert np.allclose(np.diff(np.log(n)), np.log(n[1] / n[0]))
    assert (curve["lower_998"] <= curve["lower_95"]).all() and (curve["upper_95"] <= curve["upper_998"]).all()
    assert (curve["lower_95"] <= funnel.overall).all() and (curve["upper_95"] >= funnel.overall).all()


def test_curve_starts_at_one_at_the_least() -> None:
    funnel = share_funnel(_units([("A", 1, 1), ("B", 40, 100)]), direction=1, overdispersion=False)
    assert funnel is not None and funnel.curve["denominator"][0] == pytest.approx(1.0)


def test_points_columns_and_types() -> None:
    funnel = share_funnel(CLASSIFIED, direction=1, overdispersion=False)
    assert funnel is not None
    assert dict(funnel.points.schema) == {
        "unit_id": pl.String, "name": pl.String, "value": pl.Float64, "denominator": pl.Float64,
        "lower_95": pl.Float64, "upper_95": pl.Float64, "lower_998": pl.Float64, "upper_998": pl.Float64,
        "position_95": pl.String, "position": pl.String, "reading_95": pl.String, "reading": pl.String, "is_demo": pl.Boolean,
    }


# --- Properties ------------------------------------------------------------------------------------

shares = st.floats(0.01, 0.99)
zs = st.sampled_from([Z95, Z998])


@FAST
@given(p=shares, z=zs, data=st.data())
def test_exact_limits_widen_as_n_shrinks(p: float, z: float, data: st.DataObject) -> None:
    last = math.ceil(NORMAL_MIN_EXPECTED / min(p, 1 - p))
    n1 = data.draw(st.integers(1, last))
    n2 = data.draw(st.integers(n1 + 1, last + 1))
    assume(_is_exact_share(p, n1) and _is_exact_share(p, n2))
    lower, upper = share_limits(p, np.array([float(n1), float(n2)]), z)
    assert upper[0] >= upper[1] - 1e-9
    assert lower[0] <= lower[1] + 1e-9


@FAST
@given(p=shares, z=zs)
def test_exact_limits_widen_as_n_shrinks_over_the_whole_branch(p: float, z: float) -> None:
    n = np.arange(1.0, math.ceil(NORMAL_MIN_EXPECTED / min(p, 1 - p)) + 1)
    n = n[(n * p < NORMAL_MIN_EXPECTED) | (n * (1 - p) < NORMAL_MIN_EXPECTED)]
    lower, upper = share_limits(p, n, z)
    assert (np.diff(upper) <= 1e-9).all()
    assert (np.diff(lower) >= -1e-9).all()


@FAST
@given(p=shares, z=zs, a=st.floats(1.0, 1e6), b=st.floats(1.0, 1e6))
def test_normal_limits_widen_as_n_shrinks(p: float, z: float, a: float, b: float) -> None:
    n1, n2 = sorted((a, b))
    assume(n1 < n2 and not _is_exact_share(p, n1) and not _is_exact_share(p, n2))
    lower, upper = share_limits(p, np.array([n1, n2]), z)
    assert upper[0] >= upper[1] - 1e-9
    assert lower[0] <= lower[1] + 1e-9


@FAST
@given(p=shares, n=st.lists(st.floats(1.0, 1e5), min_size=1, max_size=8))
def test_share_bands_nest_and_stay_within_zero_and_one(p: float, n: list[float]) -> None:
    lo95, hi95 = share_limits(p, np.array(n), Z95)
    lo998, hi998 = share_limits(p, np.array(n), Z998)
    assert (lo998 <= lo95 + 1e-12).all() and (hi95 <= hi998 + 1e-12).all()
    for lower, upper in ((lo95, hi95), (lo998, hi998)):
        assert ((lower >= 0.0) & (upper <= 1.0)).all()
        assert ((lower <= p) & (p <= upper)).all()


@FAST
@given(rate=st.floats(1e-4, 10.0), exposure=st.lists(st.floats(0.01, 1e6), min_size=1, max_size=8))
def test_rate_bands_nest_and_contain_the_rate(rate: float, exposure: list[float]) -> None:
    lo95, hi95 = rate_limits(rate, np.array(exposure), Z95)
    lo998, hi998 = rate_limits(rate, np.array(exposure), Z998)
    assert (lo998 <= lo95 + 1e-12).all() and (hi95 <= hi998 + 1e-12).all()
    assert ((lo998 >= 0.0) & (lo95 <= rate) & (hi95 >= rate)).all()


@FAST
@given(rate=st.floats(1e-3, 5.0), z=zs, a=st.floats(1e-3, 1e5), b=st.floats(1e-3, 1e5))
def test_rate_limits_widen_as_exposure_shrinks_within_a_branch(rate: float, z: float, a: float, b: float) -> None:
    e1, e2 = sorted((a, b))
    assume(e1 < e2 and (e1 * rate < NORMAL_MIN_EXPECTED) == (e2 * rate < NORMAL_MIN_EXPECTED))
    lower, upper = rate_limits(rate, np.array([e1, e2]), z)
    # exact Poisson limits are widened on a fine grid of means, so allow a relative 1e-7
    assert upper[0] >= upper[1] * (1 - 1e-7) - 1e-12
    assert lower[0] <= lower[1] * (1 + 1e-7) + 1e-12


# --- overdispersion (Spiegelhalter 2005, additive random effects) ------------------------------


def test_overdispersion_adds_the_between_unit_spread_by_hand() -> None:
    # Three units of 1 000 at 70 %, 80 % and 90 %: p̄ = 0,8, own variance 0,8·0,2/1000 = 0,00016
    # (w = 6 250 each). z² = 0,01/0,00016 = 62,5 for A and C, 0 for B: I·φ = 125 > I − 1 = 2.
    # τ² = (125 − 2) / (3·6 250 − 3·6 250² / 18 750) = 123 / 12 500 = 0,00984.
    units = _units([("A", 700, 1000), ("B", 800, 1000), ("C", 900, 1000)])
    plain = share_funnel(units, direction=1, overdispersion=False)
    wide = share_funnel(units, direction=1)
    assert plain is not None and wide is not None
    assert wide.tau == pytest.approx(math.sqrt(0.00984) * 100)
    row = wide.points.row(0, named=True)
    half = 1.959963984540054 * math.sqrt(0.00016 + 0.00984)
    assert row["upper_95"] == pytest.approx((0.8 + half) * 100)
    assert row["lower_95"] == pytest.approx((0.8 - half) * 100)
    # Without the adjustment both A and C lie far outside; with it, inside the 99,8 % limits.
    assert plain.points["position"].to_list() == ["under", "inom", "över"]
    assert wide.points["position"].to_list() == ["inom", "inom", "inom"]


def test_no_overdispersion_when_units_vary_as_their_denominators_explain() -> None:
    units = _units([("A", 79, 100), ("B", 161, 200), ("C", 400, 500)])
    wide = share_funnel(units, direction=1)
    plain = share_funnel(units, direction=1, overdispersion=False)
    assert wide is not None and plain is not None
    assert wide.tau == 0.0
    assert wide.points.equals(plain.points)


def test_two_units_are_too_few_to_estimate_overdispersion() -> None:
    funnel = share_funnel(_units([("A", 700, 1000), ("B", 900, 1000)]), direction=1)
    assert funnel is not None and funnel.tau == 0.0


def test_every_unit_at_100_percent_gives_a_flat_funnel_not_nan() -> None:
    funnel = share_funnel(_units([("A", 30, 30), ("B", 200, 200), ("C", 50, 50)]), direction=1)
    assert funnel is not None and funnel.tau == 0.0
    assert funnel.overall == 100.0
    assert funnel.points["position"].to_list() == ["inom"] * 3
    assert not any(funnel.curve.select(pl.all().is_nan().any()).row(0))


# --- issue 21: marking by the exact tail probability ---------------------------------------------


def _binomial_tails(x: int, n: int, p: float) -> tuple[float, float]:
    """P(X ≤ x), P(X ≥ x) for X ~ Binomial(n, p), summed term by term."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return sum(pmf[: x + 1]), sum(pmf[x:])


def test_100_percent_in_a_small_unit_is_not_better_than_expected() -> None:
    # p̄ = 70/80 = 87,5 %. 5 of 5 happens by chance 0,875⁵ = 51 % of the time, yet the interpolated
    # 99,8 % limit at n = 5 is below 100 % (about 5 − 0,001/0,513 = 4,998 of 5): the plotted limit
    # alone made every small unit at 100 % "bättre".
    funnel = share_funnel(_units([("A", 5, 5), ("B", 30, 35), ("C", 35, 40)]), direction=1, overdispersion=False)
    assert funnel is not None and funnel.overall == pytest.approx(87.5)
    a = funnel.points.row(0, named=True)
    assert a["value"] == 100.0 and a["upper_998"] < 100.0 and a["upper_95"] < 100.0
    assert (a["position"], a["reading"], a["position_95"], a["reading_95"]) == ("inom", "inom", "inom", "inom")


@pytest.mark.parametrize(
    ("rows", "direction", "position", "position_95"),
    [
        # p̄ = 60/300 = 0,2. 0 of 60: P(X ≤ 0) = 0,8⁶⁰ = 1,5·10⁻⁶, below 0,001 and below the normal
        # lower limit 0,2 − 3,09·√(0,16/60) = 4,0 %: "under", so "sämre" when higher is better.
        ([("X", 0, 60), ("Y", 30, 120), ("Z", 30, 120)], 1, "under", "under"),
        # 4 of 5 at p̄ = 0,2 (4/20 in all): P(X ≥ 4) = 5·0,2⁴·0,8 + 0,2⁵ = 0,00672: outside 95 %, not 99,8 %.
        ([("X", 4, 5), ("Y", 0, 5), ("Z", 0, 10)], 1, "inom", "över"),
        # 5 of 5 at p̄ = 0,2 (5/25): P(X ≥ 5) = 0,2⁵ = 0,00032 < 0,001: "över" at both levels.
        ([("X", 5, 5), ("Y", 0, 10), ("Z", 0, 10)], -1, "över", "över"),
    ],
)
def test_units_are_marked_by_their_exact_tail_probability(
    rows: list[tuple], direction: int, position: str, position_95: str
) -> None:
    funnel = share_funnel(_units(rows), direction=direction, overdispersion=False)
    assert funnel is not None
    x = funnel.points.row(0, named=True)
    assert (x["position"], x["position_95"]) == (position, position_95)


@pytest.mark.parametrize(("x", "n", "p"), [(5, 5, 0.875), (0, 60, 0.2), (4, 5, 0.2), (5, 5, 0.2), (3, 40, 0.05), (12, 30, 0.5)])
def test_tail_probabilities_match_brute_force(x: int, n: int, p: float) -> None:
    below, above = tail_probabilities("share", p, np.array([float(x)]), np.array([float(n)]))
    exact_below, exact_above = _binomial_tails(x, n, p)
    assert (below[0], above[0]) == (pytest.approx(exact_below, rel=1e-9), pytest.approx(exact_above, rel=1e-9))


def test_poisson_tail_probabilities_by_hand() -> None:
    # 5 events where 1 is expected: P(X ≥ 5) = 1 − e⁻¹(1 + 1 + 1/2 + 1/6 + 1/24) = 0,00366.
    below, above = tail_probabilities("rate", 0.01, np.array([5.0]), np.array([100.0]))
    assert above[0] == pytest.approx(1 - math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24), rel=1e-9)
    assert below[0] == pytest.approx(math.exp(-1) * (1 + 1 + 1 / 2 + 1 / 6 + 1 / 24 + 1 / 120), rel=1e-9)


@FAST
@given(
    units=st.lists(st.integers(1, 120).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), min_size=2, max_size=8),
    direction=st.sampled_from([1, -1]),
    overdispersion=st.booleans(),
)
def test_a_unit_whose_exact_tail_probability_is_above_alpha_is_never_marked(
    units: list[tuple[int, int]], direction: int, overdispersion: bool
) -> None:
    rows = [(f"U{i}", float(x), float(n)) for i, (x, n) in enumerate(units)]
    funnel = share_funnel(_units(rows), direction=direction, overdispersion=overdispersion)
    assert funnel is not None
    p = sum(x for x, _ in units) / sum(n for _, n in units)
    for (x, n), row in zip(units, funnel.points.iter_rows(named=True)):
        below, above = _binomial_tails(x, n, p) if 0 < p < 1 else (1.0, 1.0)
        for column, alpha in (("position", TAIL[Z998]), ("position_95", TAIL[Z95])):
            if above > alpha * (1 + 1e-9):
                assert row[column] != "över", (x, n, p, column, above)
            if below > alpha * (1 + 1e-9):
                assert row[column] != "under", (x, n, p, column, below)
