"""Funnel plot data: one measure in one period, units against control limits around the overall value.

Following Spiegelhalter (2005), "Funnel plots for comparing institutional performance": a unit is
only marked as different when it falls outside limits that widen as its denominator shrinks, so a
small health centre is not called worse for a spread that chance alone would give. Limits use the
normal approximation where the expected counts allow it, else exact binomial / Poisson limits with
Spiegelhalter's interpolation between the integer steps. A unit is marked by its exact tail
probability under the overall value as well as by the plotted limit (see ``_position``). scipy is
not used: numpy and ``math`` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

Z95: float = 1.959963984540054
Z998: float = 3.090232306167813
NORMAL_MIN_EXPECTED: float = 10.0

CURVE_POINTS = 120
_TAIL = {Z95: 0.025, Z998: 0.001}

_POINT_COLUMNS = (
    "unit_id", "name", "value", "denominator", "lower_95", "upper_95", "lower_998", "upper_998",
    "position_95", "position", "reading_95", "reading", "is_demo",
)


# --- Limits --------------------------------------------------------------------------------------


def _tail_probability(z: float) -> float:
    """The lower tail probability for z (0.025 for 1.96): the exact branch needs it, not z."""
    known = _TAIL.get(z)
    return known if known is not None else 0.5 * math.erfc(z / math.sqrt(2.0))


def _interpolated(k0: np.ndarray, log_pmf: np.ndarray, prob: float) -> np.ndarray:
    """Spiegelhalter's interpolated quantile, one per row of a discrete distribution on k0 + 0, 1, 2, ...

    r_p is the smallest r with F(r) >= prob; the quantile is r_p − (F(r_p) − prob) / (F(r_p) − F(r_p − 1)),
    so limits move smoothly with n instead of in whole-count steps. Each row holds all but a negligible
    part of the mass (rows are normalised), so F below the first column is 0.
    """
    pmf = np.exp(log_pmf)
    pmf /= pmf.sum(axis=1, keepdims=True)
    cdf = np.cumsum(pmf, axis=1)
    r = np.argmax(cdf >= prob, axis=1)
    rows = np.arange(len(r))
    return k0 + r - (cdf[rows, r] - prob) / pmf[rows, r]


_FACTORIALS_AT_LEAST = 1024  # one shared table for all small n


@lru_cache(maxsize=4)
def _log_factorials(m: int) -> np.ndarray:
    """log k! for k = 0..m, via math.lgamma, so n up to ~100 000 does not overflow."""
    return np.array([math.lgamma(k + 1.0) for k in range(m + 1)])


_WINDOW = 2 * math.ceil(12.0 * math.sqrt(NORMAL_MIN_EXPECTED) + 30.0) + 1  # k columns: mean ± 12 sd (sd² < 10 here), with room
_TABLE_MAX_N = 200_000  # beyond this (p̄ below 0,005 % or above 99,995 %) exact limits are computed per n, not tabled
_CHUNK_CELLS = 500_000


def _binomial_quantiles(p: float, m: np.ndarray, probs: tuple[float, float], log_fact: np.ndarray | None) -> list[np.ndarray]:
    """Interpolated Binomial(m, p) quantiles (counts) for whole m in the exact branch, on a window of k
    around the mean; log k! from the table when given, else from math.lgamma for just these cells."""
    k0 = np.maximum(np.floor(m * p - (_WINDOW - 1) / 2), 0).astype(np.int64)
    k = k0[:, None] + np.arange(_WINDOW)[None, :]
    inside = k <= m[:, None]
    kk = np.minimum(k, m[:, None])
    if log_fact is not None:
        log_choose = log_fact[m][:, None] - log_fact[kk] - log_fact[m[:, None] - kk]
    else:
        lgamma = np.frompyfunc(math.lgamma, 1, 1)
        log_choose = (lgamma(m[:, None] + 1.0) - lgamma(kk + 1.0) - lgamma(m[:, None] - kk + 1.0)).astype(float)
    log_pmf = np.where(inside, log_choose + kk * math.log(p) + (m[:, None] - kk) * math.log1p(-p), -np.inf)
    return [_interpolated(k0, log_pmf, prob) for prob in probs]


@lru_cache(maxsize=32)
def _binomial_table(p: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact interpolated limits (proportions) for every whole n = 1..top that the exact branch can reach.

    The interpolated limits have a small saw-tooth in n (and at n·p well below 1 the upper one even falls
    below p), so each is widened to its envelope over all larger n in the branch: the funnel never narrows
    as n shrinks, and no unit is flagged by the saw-tooth. Index m − 1 holds n = m.
    """
    top = math.ceil(NORMAL_MIN_EXPECTED / min(p, 1.0 - p))  # every n in the exact branch (n·q < 10) rounds to at most this
    log_fact = _log_factorials(max(top, _FACTORIALS_AT_LEAST))
    lower = np.empty(top)
    upper = np.empty(top)
    step = max(1, _CHUNK_CELLS // _WINDOW)
    for first in range(1, top + 1, step):
        m = np.arange(first, min(first + step, top + 1))
        low, high = _binomial_quantiles(p, m, (alpha, 1.0 - alpha), log_fact)
        lower[first - 1 : first - 1 + len(m)] = low / m
        upper[first - 1 : first - 1 + len(m)] = high / m
    lower = np.minimum.accumulate(np.clip(lower, 0.0, 1.0)[::-1])[::-1]
    upper = np.maximum.accumulate(np.clip(upper, 0.0, 1.0)[::-1])[::-1]
    return lower, upper


def _exact_share_limits(p: float, n: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact limits for denominators in the exact branch: from the monotone table, or (for extreme p̄,
    where the table would be too long) Spiegelhalter's interpolated limits at each distinct n."""
    whole = np.maximum(np.rint(n), 1.0).astype(np.int64)
    if math.ceil(NORMAL_MIN_EXPECTED / min(p, 1.0 - p)) <= _TABLE_MAX_N:
        table_lower, table_upper = _binomial_table(p, alpha)
        index = np.minimum(whole, len(table_upper)) - 1
        return table_lower[index], table_upper[index]
    distinct, back = np.unique(whole, return_inverse=True)
    low, high = _binomial_quantiles(p, distinct, (alpha, 1.0 - alpha), None)
    return (low / distinct)[back], (high / distinct)[back]


def share_limits(p: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits as proportions (0–1) for denominators n (float array), around p (0–1).

    Normal approximation where n·p and n·(1−p) are both at least NORMAL_MIN_EXPECTED; else exact
    binomial limits (n rounded to a whole number, at least 1) with Spiegelhalter's interpolation,
    widened to be monotone in n (see _binomial_table); never narrower than p itself. NaN for n <= 0 or NaN.
    """
    n = np.asarray(n, dtype=float)
    if p <= 0.0 or p >= 1.0:
        fill = np.where(n > 0, min(max(p, 0.0), 1.0), np.nan)
        return fill, fill.copy()
    valid = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p * (1.0 - p) / n)
    lower, upper = p - half, p + half
    exact = valid & ((n * p < NORMAL_MIN_EXPECTED) | (n * (1.0 - p) < NORMAL_MIN_EXPECTED))
    if exact.any():
        lower[exact], upper[exact] = _exact_share_limits(p, n[exact], _tail_probability(z))
    lower = np.where(valid, np.minimum(np.clip(lower, 0.0, 1.0), p), np.nan)
    upper = np.where(valid, np.maximum(np.clip(upper, 0.0, 1.0), p), np.nan)
    return lower, upper


def _poisson_quantiles(mu: np.ndarray, prob: float) -> np.ndarray:
    """Interpolated Poisson(mu) quantiles (counts) for means below NORMAL_MIN_EXPECTED."""
    k = np.arange(_WINDOW, dtype=float)
    log_pmf = k[None, :] * np.log(mu)[:, None] - mu[:, None] - _log_factorials(_FACTORIALS_AT_LEAST)[None, :_WINDOW]
    return _interpolated(np.zeros(len(mu)), log_pmf, prob)


@lru_cache(maxsize=8)
def _poisson_envelope(alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits relative to the rate (quantile / mean) on a fine grid of means, with their envelope over
    all larger means: the same widening as for shares, so rate limits do not narrow as exposure shrinks."""
    mu = np.geomspace(1e-4, NORMAL_MIN_EXPECTED, 50_000)
    lower = _poisson_quantiles(mu, alpha) / mu
    upper = _poisson_quantiles(mu, 1.0 - alpha) / mu
    return mu, np.minimum.accumulate(lower[::-1])[::-1], np.maximum.accumulate(upper[::-1])[::-1]


def rate_limits(rate: float, exposure: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits of a rate (events per unit of exposure) for exposures E.

    Normal approximation where the expected count E·rate is at least NORMAL_MIN_EXPECTED; else exact
    Poisson(E·rate) limits with Spiegelhalter's interpolation, divided by E, and widened to be
    monotone in E (to the resolution of a fine grid of means). Lower limit at least 0; NaN for E <= 0.
    """
    exposure = np.asarray(exposure, dtype=float)
    valid = exposure > 0
    if rate <= 0.0:
        fill = np.where(valid, 0.0, np.nan)
        return fill, fill.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(rate / exposure)
    lower, upper = rate - half, rate + half
    exact = valid & (exposure * rate < NORMAL_MIN_EXPECTED)
    if exact.any():
        alpha = _tail_probability(z)
        mu = exposure[exact] * rate
        grid, grid_lower, grid_upper = _poisson_envelope(alpha)
        after = np.searchsorted(grid, mu, side="right")  # envelope over the grid means above each mean
        beyond = after >= len(grid)
        after = np.minimum(after, len(grid) - 1)
        relative_lower = np.minimum(_poisson_quantiles(mu, alpha) / mu, np.where(beyond, np.inf, grid_lower[after]))
        relative_upper = np.maximum(_poisson_quantiles(mu, 1.0 - alpha) / mu, np.where(beyond, -np.inf, grid_upper[after]))
        lower[exact] = rate * relative_lower
        upper[exact] = rate * relative_upper
    lower = np.where(valid, np.minimum(np.maximum(lower, 0.0), rate), np.nan)
    upper = np.where(valid, np.maximum(upper, rate), np.nan)
    return lower, upper


# --- Funnel --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """What the view draws: the points, the funnel curve, and the units left out by name."""

    kind: Literal["share", "rate"]
    overall: float  # p̄ in percent, or the rate per `per`
    per: float  # 100 for shares (percent), `per` for rates
    points: pl.DataFrame  # one row per plotted unit, see _POINT_COLUMNS; values in percent / per `per`
    curve: pl.DataFrame  # denominator, lower_95, upper_95, lower_998, upper_998 on a log-spaced grid
    left_out_masked: list[str]  # names: "skyddat (för få)"
    left_out_missing: list[str]  # names: "uppgift saknas"
    tau: float = 0.0  # the between-unit spread added to the limits (in percent / per `per`); 0 without overdispersion


_TAIL_WINDOW_SD = 12.0  # beyond 12 standard deviations from both the mean and the count, the mass is negligible against α


def _tails(log_pmf: Callable[[np.ndarray], np.ndarray], x: int, mean: float, sd: float, top: float) -> tuple[float, float]:
    """P(X ≤ x) and P(X ≥ x) for a count distribution on 0..top, summed on a window that holds x
    and all but a negligible part of the mass (normalised over the window)."""
    reach = _TAIL_WINDOW_SD * sd + 30.0
    lo = max(0, math.floor(min(x, mean) - reach))
    hi = int(min(top, math.ceil(max(x, mean) + reach)))
    k = np.arange(lo, hi + 1, dtype=float)
    logs = log_pmf(k)
    pmf = np.exp(logs - logs.max())
    total = pmf.sum()
    return float(pmf[k <= x].sum() / total), float(pmf[k >= x].sum() / total)


_LGAMMA = np.frompyfunc(math.lgamma, 1, 1)


def _lgamma(a: np.ndarray) -> np.ndarray:
    return _LGAMMA(a).astype(float)


def tail_probabilities(
    kind: Literal["share", "rate"], centre: float, numerator: np.ndarray, denominator: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's exact tail probabilities under the overall value: P(X ≤ x) and P(X ≥ x) for its
    count x (the numerator, to a whole number) out of Binomial(n, p̄) for a share (n the denominator
    to a whole number, at least 1), or Poisson(E·rate) for a rate. 1 and 1 when p̄ is 0 or 1 (or
    the rate 0): every unit then has the same value."""
    count = np.rint(np.asarray(numerator, dtype=float)).astype(np.int64)
    size = np.asarray(denominator, dtype=float)
    lower = np.ones(len(count))
    upper = np.ones(len(count))
    if centre <= 0.0 or (kind == "share" and centre >= 1.0):
        return lower, upper
    for i, (x, e) in enumerate(zip(count.tolist(), size.tolist())):
        if kind == "share":
            n = max(int(round(e)), 1)
            x = min(max(x, 0), n)
            log_choose = math.lgamma(n + 1.0)

            def binomial(k: np.ndarray, n: int = n, lc: float = log_choose) -> np.ndarray:
                return lc - _lgamma(k + 1.0) - _lgamma(n - k + 1.0) + k * math.log(centre) + (n - k) * math.log1p(-centre)

            tails = _tails(binomial, x, n * centre, math.sqrt(n * centre * (1.0 - centre)), n)
        else:
            mu = e * centre
            tails = _tails(lambda k, mu=mu: k * math.log(mu) - mu - _lgamma(k + 1.0), max(x, 0), mu, math.sqrt(mu), math.inf)
        lower[i], upper[i] = tails
    return lower, upper


def _position(
    value: np.ndarray, lower: np.ndarray, upper: np.ndarray, tails: tuple[np.ndarray, np.ndarray], alpha: float
) -> list[str]:
    """Outside the plotted limit (strictly: a value on a limit, e.g. everyone at p̄ = 0, is "inom")
    and, counted exactly, no more likely than α on that side. The interpolated limit alone is not
    enough: at n = 5 and p̄ = 87,5 % the upper 99,8 % limit is 99,96 %, yet 5 of 5 happens by
    chance half of the time (0,875⁵ = 0,51); such a unit is "inom"."""
    below, above = tails
    high = (value > upper) & (above <= alpha)
    low = (value < lower) & (below <= alpha)
    return np.where(high, "över", np.where(low, "under", "inom")).tolist()


def _reading(position: list[str], direction: int) -> list[str]:
    """Above is better when higher is better (direction 1), worse when lower is better (-1)."""
    better, worse = ("över", "under") if direction == 1 else ("under", "över")
    return ["bättre" if p == better else "sämre" if p == worse else "inom" for p in position]


def _split(units: pl.DataFrame) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Plottable rows, and the names of masked rows and of rows without usable numbers."""
    frame = units.with_columns(
        pl.col("masked").cast(pl.Boolean).fill_null(False),
        pl.col("is_demo").cast(pl.Boolean).fill_null(False),
        pl.col("numerator").cast(pl.Float64),
        pl.col("denominator").cast(pl.Float64),
    )
    missing = (
        pl.col("numerator").is_null() | pl.col("numerator").is_nan() | pl.col("denominator").is_null()
        | pl.col("denominator").is_nan() | (pl.col("denominator") <= 0)
    )
    label = pl.coalesce(pl.col("name").cast(pl.String), pl.col("unit_id").cast(pl.String))
    masked = frame.filter(pl.col("masked")).select(label)["name"].to_list()
    absent = frame.filter(~pl.col("masked") & missing).select(label)["name"].to_list()
    return frame.filter(~pl.col("masked") & ~missing), masked, absent


def _grid(n: np.ndarray) -> np.ndarray:
    """Log-spaced denominators a little beyond the units' own, so the funnel frames every point."""
    low = max(0.8 * float(n.min()), 1.0)
    high = max(1.2 * float(n.max()), low)
    return np.geomspace(low, high, CURVE_POINTS)


MIN_UNITS_FOR_OVERDISPERSION = 3


def _between_unit_variance(value: np.ndarray, centre: float, variance: np.ndarray) -> float:
    """DerSimonian–Laird's τ²: the spread between units beyond what their denominators explain.

    With large denominators (a health centre's thousands of calls) the binomial funnel is so narrow
    that every unit falls outside it; Spiegelhalter (2005, "Handling over-dispersion of performance
    indicators") then adds a random-effects variance τ² to every unit's own. The test: the sum of
    squared z-scores, I·φ, above its expectation I − 1 under no overdispersion.
    """
    if len(value) < MIN_UNITS_FOR_OVERDISPERSION or centre <= 0:
        return 0.0
    weight = 1.0 / variance
    i_phi = float(np.sum((value - centre) ** 2 * weight))
    excess = i_phi - (len(value) - 1)
    if excess <= 0:
        return 0.0
    return excess / float(weight.sum() - np.sum(weight**2) / weight.sum())


def _widened(limits: tuple[np.ndarray, np.ndarray], centre: float, z: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """The limits with z·τ added in quadrature to each side's own half-width (keeps the exact asymmetry)."""
    if tau2 <= 0:
        return limits
    lower, upper = limits
    extra = (z**2) * tau2
    return centre - np.sqrt((centre - lower) ** 2 + extra), centre + np.sqrt((upper - centre) ** 2 + extra)


def _funnel(
    kind: Literal["share", "rate"], units: pl.DataFrame, direction: int, scale: float, per: float, overdispersion: bool = True
) -> Funnel | None:
    """Shared by shares and rates; points keep the input's row order."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, not {direction!r}")
    plotted, masked, absent = _split(units)
    if plotted.height < 2:
        return None
    num = plotted["numerator"].to_numpy()
    den = plotted["denominator"].to_numpy()
    centre = float(num.sum() / den.sum())  # ratio of sums, never the mean of the units' values
    base_limits = share_limits if kind == "share" else rate_limits
    value = num / den
    own_variance = centre * (1 - centre) / den if kind == "share" else centre / den
    # A share of 0 or 1 (every unit at 100 %) has no binomial variance to weigh by: no adjustment.
    degenerate = centre <= 0 or (kind == "share" and centre >= 1)
    tau2 = _between_unit_variance(value, centre, own_variance) if overdispersion and not degenerate else 0.0

    def limits(c: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
        lower, upper = _widened(base_limits(c, n, z), c, z, tau2)
        return (np.maximum(lower, 0.0), np.minimum(upper, 1.0)) if kind == "share" else (np.maximum(lower, 0.0), upper)

    lo95, hi95 = limits(centre, den, Z95)
    lo998, hi998 = limits(centre, den, Z998)
    tails = tail_probabilities(kind, centre, num, den)
    position_95 = _position(value, lo95, hi95, tails, _tail_probability(Z95))
    position = _position(value, lo998, hi998, tails, _tail_probability(Z998))
    points = pl.DataFrame(
        {
            "unit_id": plotted["unit_id"].cast(pl.String),
            "name": plotted["name"].cast(pl.String),
            "value": value * scale,
            "denominator": den,
            "lower_95": lo95 * scale,
            "upper_95": hi95 * scale,
            "lower_998": lo998 * scale,
            "upper_998": hi998 * scale,
            "position_95": position_95,
            "position": position,
            "reading_95": _reading(position_95, direction),
            "reading": _reading(position, direction),
            "is_demo": plotted["is_demo"],
        },
        schema_overrides={c: pl.Float64 for c in ("value", "denominator", "lower_95", "upper_95", "lower_998", "upper_998")}
        | {c: pl.String for c in ("position_95", "position", "reading_95", "reading")},
    ).select(_POINT_COLUMNS)
    grid = _grid(den)
    c_lo95, c_hi95 = limits(centre, grid, Z95)
    c_lo998, c_hi998 = limits(centre, grid, Z998)
    curve = pl.DataFrame(
        {
            "denominator": grid,
            "lower_95": c_lo95 * scale,
            "upper_95": c_hi95 * scale,
            "lower_998": c_lo998 * scale,
            "upper_998": c_hi998 * scale,
        },
        schema={c: pl.Float64 for c in ("denominator", "lower_95", "upper_95", "lower_998", "upper_998")},
    )
    return Funnel(kind, centre * scale, per, points, curve, masked, absent, math.sqrt(tau2) * scale)


def share_funnel(units: pl.DataFrame, *, direction: int, overdispersion: bool = True) -> Funnel | None:
    """Funnel for a share: p̄ as the ratio of sums over the plotted units, values in percent.

    units: unit_id, name, numerator, denominator, masked (bool), is_demo (bool). None if fewer than 2
    units can be plotted: with one unit there is nothing to compare against. ``overdispersion``
    widens the limits by the between-unit spread when the units vary more than their denominators
    explain (see ``_between_unit_variance``); ``Funnel.tau`` says by how much.
    """
    return _funnel("share", units, direction, 100.0, 100.0, overdispersion)


def rate_funnel(units: pl.DataFrame, *, direction: int, per: float = 1000.0, overdispersion: bool = True) -> Funnel | None:
    """Funnel for a count over an exposure (e.g. per 1 000 listade): values and limits per `per`.

    units: unit_id, name, numerator (the count), denominator (the exposure), masked, is_demo.
    """
    if per <= 0:
        raise ValueError(f"per must be positive, not {per!r}")
    return _funnel("rate", units, direction, per, per, overdispersion)
