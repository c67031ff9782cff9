"""Deterministic demo data: monthly unit-level figures for 2019–2025, every row flagged as demo.

The published figures only exist for Division Nära as a whole and for a handful of periods. To
show unit comparisons, monthly trends and sex splits the dashboard needs more, so this module
draws plausible monthly values per hälsocentral and tandvårdsklinik from a fixed seed and then
*calibrates* them: wherever a figure was published, the demo units rolled up reproduce it to the
published precision, and the spreads the reports mention (73–99 %, 42–78 %, 11 av 19 kliniker)
are built in. Nothing here is presented as real: ``is_demo`` is true on every row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from kpi.model.periods import month_windows

DEMO_SOURCE = "Demodata (påhittade värden, genererade med fast slumpfrö)"
DEMO_YEARS = range(2019, 2026)
SEED = 20221003

# Units that have general-practice beds (allmänmedicinska vårdplatser), named in the appendix to
# Division Nära's interim report per August 2022.
BED_UNITS = ("hc_arvidsjaur", "hc_overtornea", "hc_jokkmokk", "hc_pajala")
# Health centres with branches and service points (filialer) in sparsely populated areas.
BRANCH_UNITS = (
    "hc_arjeplog", "hc_arvidsjaur", "hc_jokkmokk", "hc_pajala", "hc_overtornea",
    "hc_overkalix", "hc_vittangi", "hc_ranea", "hc_gallivare",
)  # fmt: skip


@dataclass(frozen=True)
class DemoSpec:
    """How one measure's demo values are drawn.

    ``level`` is per year: the division's typical share in percent (shares), the division's total
    per month (counts) or the division's total per month in the measure's unit (amounts).
    """

    kind: str  # "share", "count", "amount"
    units: str  # "hc", "ftv", "hc+ftv", "beds", "branches"
    level: dict[int, float]
    unit_sd: float = 3.0  # spread between units: percentage points (shares) or relative (counts)
    unit_range: tuple[float, float] | None = None  # explicit min–max of unit levels (shares)
    sex_gap: float = 0.0  # women minus men, percentage points (shares) or relative (counts)
    denominator: float = 100.0  # mean denominator per unit and month and sex (shares)
    seasonal: float = 0.0  # relative amplitude over the year, peak in winter
    noise: float = 1.0  # month-to-month noise, percentage points (shares) / relative (amounts)
    first_year: int = 2019
    unit_levels_2022: tuple[float, ...] | None = None  # fixed unit levels in 2022, sorted order


SPECS: dict[str, DemoSpec] = {
    "sam_besok_filialer": DemoSpec(
        "count", "branches", {2019: 80, 2020: 140, 2021: 222, 2022: 771, 2023: 900, 2024: 980, 2025: 1030},
        unit_sd=0.5, seasonal=0.1,
    ),
    "med_digitala_vardbesok": DemoSpec(
        "share", "hc", {2019: 9, 2020: 21, 2021: 18, 2022: 14.5, 2023: 14, 2024: 15, 2025: 16.5},
        unit_sd=4, sex_gap=1.2, denominator=450, noise=0.8,
    ),
    "med_telefon_samma_dag": DemoSpec(
        "share", "hc", {2019: 87, 2020: 85, 2021: 82, 2022: 81, 2023: 80, 2024: 82.5, 2025: 84},
        unit_range=(46, 99.5), denominator=2400, noise=1.5, seasonal=0.02,
    ),
    "med_bedomning_3_dagar": DemoSpec(
        "share", "hc", {2019: 90.5, 2020: 91, 2021: 91.6, 2022: 92, 2023: 91.4, 2024: 92.6, 2025: 93},
        unit_range=(82, 95), denominator=300, noise=0.8,
    ),
    "med_fardigbehandlade_ftv": DemoSpec(
        "share", "ftv", {2019: 67.5, 2020: 66, 2021: 69.7, 2022: 70, 2023: 70.6, 2024: 71.2, 2025: 71.5},
        unit_sd=7, denominator=160, noise=2.0,
        unit_levels_2022=(42, 56, 60, 63, 65, 66.5, 67.5, 69, 72, 72.5, 73, 73.5, 74, 74.5, 75, 76, 76.5, 77, 78),
    ),
    "med_fraga_vald": DemoSpec(
        "count", "hc", {2019: 1082, 2020: 560, 2021: 489, 2022: 410, 2023: 470, 2024: 520, 2025: 540},
        unit_sd=0.4, sex_gap=0.45, seasonal=0.05,
    ),
    "med_levnadsvanor_samtal": DemoSpec(
        "share", "hc", {2019: 7.5, 2020: 8.2, 2021: 9, 2022: 10, 2023: 11, 2024: 11.8, 2025: 12.5},
        unit_sd=3, sex_gap=-2, denominator=500, noise=1.0,
    ),
    "med_halsosamtal_40": DemoSpec(
        "share", "hc", {2019: 14.5, 2020: 4, 2021: 4.5, 2022: 6.5, 2023: 9, 2024: 12, 2025: 14},
        unit_sd=3, sex_gap=1.5, denominator=10, noise=1.0,
    ),
    "med_halsosamtal_50": DemoSpec(
        "share", "hc", {2019: 23.5, 2020: 5, 2021: 5.5, 2022: 6.5, 2023: 10, 2024: 13, 2025: 15},
        unit_sd=3, sex_gap=3, denominator=12, noise=1.0,
    ),
    "med_halsosamtal_60": DemoSpec(
        "share", "hc", {2019: 27, 2020: 7, 2021: 8, 2022: 9.5, 2023: 12, 2024: 15, 2025: 17},
        unit_sd=3, sex_gap=3, denominator=12, noise=1.0,
    ),
    "med_suicidbedomning": DemoSpec(
        "share", "hc", {2019: 1.5, 2020: 2, 2021: 2.5, 2022: 5, 2023: 8, 2024: 10.5, 2025: 12},
        unit_sd=1.5, sex_gap=-0.8, denominator=45, noise=0.8,
    ),
    "med_fast_lakarkontakt": DemoSpec(
        "share", "hc", {2023: 36, 2024: 41, 2025: 46}, unit_sd=9, sex_gap=2.5, denominator=700, first_year=2023,
    ),
    "ver_akutbesok_80": DemoSpec(
        "count", "hc", {2019: 960, 2020: 820, 2021: 880, 2022: 940, 2023: 930, 2024: 900, 2025: 880},
        unit_sd=0.3, seasonal=0.12,
    ),
    "ver_sip_deltagit": DemoSpec(
        "share", "hc", {2019: 73.4, 2020: 72, 2021: 74, 2022: 75, 2023: 77, 2024: 78.5, 2025: 79.5},
        unit_sd=7, denominator=4, noise=2.0,
    ),
    "ver_palliativ_strategi": DemoSpec(
        "share", "hc", {2019: 40, 2020: 42, 2021: 48, 2022: 49.5, 2023: 53, 2024: 57, 2025: 60},
        unit_sd=9, sex_gap=-5, denominator=3, noise=3.0,
    ),
    "ver_utskrivningsklara": DemoSpec(
        "share", "beds", {2019: 24, 2020: 28, 2021: 32, 2022: 36, 2023: 33, 2024: 30, 2025: 27},
        unit_sd=6, denominator=16, noise=3.0,
    ),
    "ver_aterinskrivningar_65": DemoSpec(
        "share", "beds", {2019: 17.4, 2020: 18, 2021: 18.5, 2022: 18.5, 2023: 17.8, 2024: 17.2, 2025: 16.8},
        unit_sd=3, sex_gap=-4, denominator=9, noise=2.0,
    ),
    "ver_sip_fast_vardkontakt": DemoSpec(
        "share", "hc", {2019: 73.4, 2020: 72, 2021: 74, 2022: 74, 2023: 76, 2024: 78, 2025: 79},
        unit_sd=7, denominator=4, noise=2.0,
    ),
    "ver_fallskador": DemoSpec(
        "count", "beds", {2019: 0.4, 2020: 0.33, 2021: 0.67, 2022: 1.0, 2023: 0.8, 2024: 0.6, 2025: 0.5}, unit_sd=0.3,
    ),
    "mba_inhyrda_kostnad": DemoSpec(
        "share", "hc", {2019: 9, 2020: 10, 2021: 11.6, 2022: 14.7, 2023: 13, 2024: 11, 2025: 9.5},
        unit_sd=6, denominator=3000, noise=1.5,
    ),
    "mba_sjukfranvaro": DemoSpec(
        "share", "hc+ftv", {2019: 6.8, 2020: 8.6, 2021: 7.9, 2022: 7.6, 2023: 7.1, 2024: 6.7, 2025: 6.9},
        unit_sd=1.6, sex_gap=2.2, denominator=2200, noise=0.6, seasonal=0.12,
    ),
    "eko_budgetavvikelse": DemoSpec(
        "amount", "hc+ftv", {2019: -1.5, 2020: 1.0, 2021: -2.0, 2022: -3.9, 2023: -4.5, 2024: -3.0, 2025: -2.0},
        unit_sd=0.15, noise=0.08,
    ),
}


@dataclass
class _Cells:
    """One measure's values as arrays over (unit, month, sex)."""

    units: list[str]
    months: list[str]
    sexes: list[str]
    num: np.ndarray
    den: np.ndarray | None
    fixed: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.fixed = np.zeros(self.num.shape, dtype=bool)


def _unit_pool(units: pl.DataFrame, which: str) -> list[str]:
    hc = units.filter(pl.col("unit_type") == "hälsocentral")["unit_id"].to_list()
    ftv = units.filter(pl.col("unit_type") == "tandvårdsklinik")["unit_id"].to_list()
    pools = {
        "hc": hc,
        "ftv": ftv,
        "hc+ftv": hc + ftv,
        "beds": [u for u in hc if u.split("__")[0] in BED_UNITS],
        "branches": [u for u in hc if u.split("__")[0] in BRANCH_UNITS],
    }
    return pools[which]



# The same demo data on every machine: NumPy's array exp, cos and float sums take a different code
# path (and order of additions) on CPUs with and without AVX-512, which moved ~100 Poisson and
# binomial draws by one. Python's math.exp and math.cos (the C library's, one value at a time) and
# math.fsum (exactly rounded, so in any order) do not depend on the CPU's vector width.
def _exp(values: np.ndarray) -> np.ndarray:
    return np.array([math.exp(float(v)) for v in values])


def _fsum(values: np.ndarray) -> float:
    return math.fsum(np.ravel(values).astype(float).tolist())

def _active(units: pl.DataFrame, unit_ids: list[str], months: list[str]) -> np.ndarray:
    """(unit, month) mask: the unit existed during the month."""
    info = units.select("unit_id", "valid_from", "valid_to").rows_by_key("unit_id", unique=True)
    mask = np.ones((len(unit_ids), len(months)), dtype=bool)
    for i, uid in enumerate(unit_ids):
        valid_from, valid_to = info[uid]
        for j, m in enumerate(months):
            first_day = f"{m}-01"
            if valid_from is not None and first_day < valid_from.isoformat()[:7] + "-01":
                mask[i, j] = False
            if valid_to is not None and first_day > valid_to.isoformat():
                mask[i, j] = False
    return mask


def _draw(spec: DemoSpec, unit_ids: list[str], months: list[str], split: bool, rng: np.random.Generator) -> _Cells:
    sexes = ["K", "M"] if split else ["T"]
    n_u, n_m, n_s = len(unit_ids), len(months), len(sexes)
    years = np.array([int(m[:4]) for m in months])
    month_no = np.array([int(m[5:]) for m in months])
    year_level = np.array([spec.level.get(y, np.nan) for y in years])
    season = 1 + spec.seasonal * np.array([math.cos((m - 1) / 12 * 2 * math.pi) for m in month_no])
    size = _exp(rng.normal(0, 0.45, n_u))  # list size differs between units
    size = size / (_fsum(size) / len(size))
    sex_sign = np.array([0.5, -0.5]) if split else np.array([0.0])

    if spec.kind == "share":
        if spec.unit_range is not None:
            lo, hi = spec.unit_range
            effect = rng.permutation(np.linspace(lo, hi, n_u)) - (lo + hi) / 2
        else:
            effect = rng.normal(0, spec.unit_sd, n_u)
        p = year_level[None, :, None] + effect[:, None, None] + spec.sex_gap * sex_sign[None, None, :]
        if spec.unit_levels_2022 is not None and n_u == len(spec.unit_levels_2022):
            fixed_levels = np.array(spec.unit_levels_2022)  # in the units' order
            in_2022 = years == 2022
            p[:, in_2022, :] = fixed_levels[:, None, None] + spec.sex_gap * sex_sign[None, None, :]
        p = p + rng.normal(0, spec.noise, (n_u, n_m, n_s))
        p = np.clip(p * (season[None, :, None] if spec.seasonal else 1), 0.2, 99.8) / 100
        den = rng.poisson(spec.denominator * size[:, None, None] * np.ones((n_u, n_m, n_s))).astype(float)
        den = np.maximum(den, 1.0)
        num = rng.binomial(den.astype(np.int64), np.nan_to_num(p)).astype(float)
        return _Cells(unit_ids, months, sexes, num, den)

    if spec.kind == "count":
        weight = size * _exp(rng.normal(0, spec.unit_sd, n_u))
        weight = weight / _fsum(weight)
        sex_share = np.array([0.5 + spec.sex_gap / 2, 0.5 - spec.sex_gap / 2]) if split else np.array([1.0])
        mean = year_level[None, :, None] * weight[:, None, None] * season[None, :, None] * sex_share[None, None, :]
        num = rng.poisson(np.nan_to_num(mean)).astype(float)
        return _Cells(unit_ids, months, sexes, num, None)

    weight = size / _fsum(size)
    effect = rng.normal(0, spec.unit_sd, n_u)  # some units run a surplus, others a deficit
    mean = year_level[None, :, None] * weight[:, None, None] + effect[:, None, None] * np.ones((n_u, n_m, n_s))
    num = mean + rng.normal(0, spec.noise, (n_u, n_m, n_s))
    return _Cells(unit_ids, months, sexes, np.round(np.nan_to_num(num), 3), None)


# --- calibration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    unit_ids: tuple[str, ...] | None  # None: every demo unit of the measure
    months: tuple[str, ...]
    sexes: tuple[str, ...]
    value: float
    decimals: int
    numerator: float | None = None
    denominator: float | None = None


def _round_half_up(x: float, decimals: int) -> float:
    factor = 10**decimals
    return float(np.floor(x * factor + 0.5) / factor)


def _distribute(total: float, weights: np.ndarray, integer: bool, caps: np.ndarray | None = None) -> np.ndarray:
    """Split ``total`` over cells in proportion to ``weights`` (largest remainder when integer)."""
    weights = np.asarray(weights, dtype=float)
    if _fsum(weights) <= 0:
        weights = np.ones_like(weights)
    raw = total * weights / _fsum(weights)
    if caps is not None:
        raw = np.minimum(raw, caps)
        # Whatever the caps cut away goes to cells with room left.
        for _ in range(5):
            short = total - _fsum(raw)
            room = caps - raw
            if short <= 1e-9 or _fsum(room) <= 0:
                break
            raw = raw + np.minimum(room, short * room / _fsum(room))
    if not integer:
        out = np.round(raw, 3)
        out[np.argmax(np.abs(weights))] += round(total - _fsum(out), 3)
        return out
    base = np.floor(raw)
    remainder = int(round(total - _fsum(base)))
    if remainder > 0:
        room = np.ones_like(base, dtype=bool) if caps is None else (base < caps)
        # Stable: equal remainders keep the cells' order. NumPy's default sort takes a vectorised
        # path on AVX-512 and AVX2 CPUs that orders ties differently, so demo data moved by machine.
        order = np.argsort(-(raw - base) - room * 10, kind="stable")
        base[order[:remainder]] += 1
    return base


def _denominator_extra(total: float, value: float, decimals: int) -> int:
    """The smallest addition to a denominator that lets a whole numerator round to ``value``."""
    for extra in range(2000):
        d = total + extra
        k = round(value / 100 * d)
        if d > 0 and _round_half_up(k / d * 100, decimals) == round(value, decimals):
            return extra
    return 0


def _apply(cells: _Cells, c: Constraint, kind: str) -> None:
    u_idx = [i for i, u in enumerate(cells.units) if c.unit_ids is None or u.split("__")[0] in c.unit_ids]
    m_idx = [j for j, m in enumerate(cells.months) if m in c.months]
    s_idx = [k for k, s in enumerate(cells.sexes) if s in c.sexes]
    if not u_idx or not m_idx or not s_idx:
        return
    sel = np.ix_(u_idx, m_idx, s_idx)
    num, fixed = cells.num[sel], cells.fixed[sel]
    free = ~fixed
    if not free.any():
        return
    if kind == "share":
        assert cells.den is not None
        den = cells.den[sel]
        wanted_den = c.denominator
        if wanted_den is None and c.numerator is not None and c.value > 0:
            # Only the numerator is published ("327 st. eller 75%"): the denominator follows.
            wanted_den = round(c.numerator / (c.value / 100))
        if wanted_den is not None:
            den_free = _distribute(wanted_den - _fsum(den[fixed]), den[free], integer=True)
            den[free] = np.maximum(den_free, 0)
            cells.den[sel] = den
        if c.denominator is None and c.numerator is None:
            # Few patients give coarse shares (1/141 ≈ 0,7 pp); grow the denominator a little until
            # some whole numerator rounds to the published figure.
            extra = _denominator_extra(_fsum(den), c.value, c.decimals)
            if extra:
                den[free] = den[free] + _distribute(extra, den[free] + 1, integer=True)
                cells.den[sel] = den
        total_den = _fsum(den)
        target_num = c.numerator if c.numerator is not None else round(c.value / 100 * total_den)
        need = max(target_num - _fsum(num[fixed]), 0)
        num[free] = _distribute(need, num[free] + 0.5, integer=True, caps=den[free])
    elif kind == "count":
        need = max(c.value - _fsum(num[fixed]), 0)
        num[free] = _distribute(need, num[free] + 0.25, integer=True)
    else:
        need = c.value - _fsum(num[fixed])
        delta = (need - _fsum(num[free])) / _fsum(free)
        num[free] = np.round(num[free] + delta, 3)
        num[free.nonzero()[0][0], free.nonzero()[1][0], free.nonzero()[2][0]] += round(need - _fsum(num[free]), 3)
    cells.num[sel] = num
    fixed[:] = True
    cells.fixed[sel] = fixed


def _share_targets_for_sexes(k: float, m: float, t: float, dec: int, den_k: float, den_m: float) -> tuple[float, float]:
    """Pick women's and men's shares inside their published rounding so that the total rounds right."""
    half = 0.5 * 10**-dec
    best: tuple[float, float] | None = None
    best_cost = np.inf
    for rk in np.linspace(k - half * 0.9, k + half * 0.9, 19):
        for rm in np.linspace(m - half * 0.9, m + half * 0.9, 19):
            total = (rk * den_k + rm * den_m) / (den_k + den_m)
            if abs(total - t) < half * 0.9:
                cost = (rk - k) ** 2 + (rm - m) ** 2
                if cost < best_cost:
                    best, best_cost = (rk, rm), cost
    return best if best is not None else (k, m)


def _constraints(measure_id: str, published: pl.DataFrame, windows: pl.DataFrame, accumulation: str, split: bool) -> list[Constraint]:
    rows = published.filter(pl.col("measure_id") == measure_id).to_dicts()
    win = windows.filter(pl.col("accumulation") == accumulation)
    months_of = {p: tuple(g["month_period"].to_list()) for (p,), g in win.filter(pl.col("month_period") != pl.col("period")).group_by("period")}
    by_key: dict[tuple[str, str], dict[str, dict]] = {}
    for r in rows:
        by_key.setdefault((r["unit_id"], r["period"]), {})[r["sex"]] = r
    out: list[Constraint] = []
    for (unit_id, period), sexes in by_key.items():
        months = months_of.get(period) or ((period,) if len(period) == 7 else ())
        if not months:
            continue
        units = None if unit_id in ("div_nara", "region_nb") else (unit_id,)
        if unit_id == "region_nb":
            continue  # region-wide figures include other divisions; nothing to reproduce
        if split and "K" in sexes and "M" in sexes:
            k, m = sexes["K"], sexes["M"]
            if "T" in sexes and measure_id in SPECS and SPECS[measure_id].kind == "share":
                spec = SPECS[measure_id]
                rk, rm = _share_targets_for_sexes(k["value"], m["value"], sexes["T"]["value"], sexes["T"]["decimals"], spec.denominator * (1 + 0.01 * spec.sex_gap), spec.denominator)
                k, m = {**k, "value": rk}, {**m, "value": rm}
            out.append(Constraint(units, months, ("K",), k["value"], k["decimals"], k["numerator"], k["denominator"]))
            out.append(Constraint(units, months, ("M",), m["value"], m["decimals"], m["numerator"], m["denominator"]))
        elif "T" in sexes:
            t = sexes["T"]
            out.append(Constraint(units, months, ("K", "M") if split else ("T",), t["value"], t["decimals"], t["numerator"], t["denominator"]))
    # Unit-level first, then the smallest windows first, so later constraints only move free cells.
    out.sort(key=lambda c: (c.unit_ids is None, max(c.months), len(c.months)))
    return out


def _spread_constraints(measure_id: str) -> list[Constraint]:
    """The unit spreads the report states, as unit-level constraints on the extremes."""
    if measure_id == "med_bedomning_3_dagar":
        # "Mellan den som har lägst andel (73%) och den som har högst (99%) ... i augusti 2022."
        return [
            Constraint(("hc_vittangi",), ("2022-08",), ("K", "M"), 73, 0),
            Constraint(("hc_hortlax",), ("2022-08",), ("K", "M"), 99, 0),
        ]
    if measure_id == "med_fardigbehandlade_ftv":
        # "Variationerna mellan klinikerna är 42-78 procent. 11 av 19 kliniker uppnår målet."
        jan_aug = tuple(f"2022-{m:02d}" for m in range(1, 9))
        return [
            Constraint(("ftv_kiruna",), jan_aug, ("T",), 42, 0),
            Constraint(("ftv_norrfjarden",), jan_aug, ("T",), 78, 0),
        ]
    return []


def generate(
    catalogue_measures: dict[str, tuple[str, bool]],
    units: pl.DataFrame,
    published: pl.DataFrame,
    *,
    years: range = DEMO_YEARS,
    seed: int = SEED,
    calibrate: bool = True,
) -> pl.DataFrame:
    """Monthly demo observations for every measure in SPECS.

    ``catalogue_measures`` maps measure id to (accumulation, split_by_sex). ``published`` holds
    the published figures to reproduce (columns as the observations table).
    """
    windows = month_windows(years)
    months = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    frames: list[pl.DataFrame] = []
    for index, (measure_id, spec) in enumerate(SPECS.items()):
        if measure_id not in catalogue_measures:
            continue
        accumulation, split = catalogue_measures[measure_id]
        rng = np.random.default_rng([seed, index])
        unit_ids = _unit_pool(units, spec.units)
        cells = _draw(spec, unit_ids, months, split, rng)
        active = _active(units, unit_ids, months)
        active &= np.array([int(m[:4]) >= spec.first_year for m in months])[None, :]
        cells.num[~active] = 0
        if cells.den is not None:
            cells.den[~active] = 0
        cells.fixed[~active] = True  # inactive cells take no part in calibration
        if calibrate:
            for c in _spread_constraints(measure_id) + _constraints(measure_id, published, windows, accumulation, split):
                _apply(cells, c, spec.kind)
        frames.append(_to_frame(measure_id, cells, active, spec.kind))
    return pl.concat(frames) if frames else pl.DataFrame()


def _to_frame(measure_id: str, cells: _Cells, active: np.ndarray, kind: str) -> pl.DataFrame:
    n_u, n_m, n_s = cells.num.shape
    u, m, s = np.meshgrid(np.arange(n_u), np.arange(n_m), np.arange(n_s), indexing="ij")
    keep = np.broadcast_to(active[:, :, None], cells.num.shape).ravel()
    num = cells.num.ravel()[keep]
    den = cells.den.ravel()[keep] if cells.den is not None else None
    frame = pl.DataFrame(
        {
            "measure_id": measure_id,
            "unit_id": np.array(cells.units)[u.ravel()[keep]],
            "period": np.array(cells.months)[m.ravel()[keep]],
            "sex": np.array(cells.sexes)[s.ravel()[keep]],
            "numerator": num if kind == "share" else np.full(num.shape, np.nan),
            "denominator": den if den is not None else np.full(num.shape, np.nan),
            "value": np.where(den > 0, num / np.where(den > 0, den, 1) * 100, np.nan) if den is not None else num,
        }
    )
    return frame.with_columns(
        pl.col("value", "numerator", "denominator").fill_nan(None),
        pl.lit(1 if kind == "share" else (2 if kind == "amount" else 0)).cast(pl.Int8).alias("decimals"),
        pl.lit(DEMO_SOURCE).alias("source"),
        pl.lit(True).alias("is_demo"),
    )


def scale_units(units: pl.DataFrame, factor: int) -> pl.DataFrame:
    """The unit tree with every area and reporting unit copied ``factor`` times (for benchmarks).

    Copies get ids like ``hc_kalix__3`` and hang under the copy of their area, so the tree keeps
    its shape; the region and the division stay single.
    """
    if factor <= 1:
        return units
    top = units.filter(pl.col("unit_type").is_in(["region", "division"]))
    rest = units.filter(~pl.col("unit_type").is_in(["region", "division"]))
    top_ids = set(top["unit_id"].to_list())
    copies = [top]
    for k in range(factor):
        suffix = "" if k == 0 else f"__{k}"
        copies.append(
            rest.with_columns(
                (pl.col("unit_id") + suffix).alias("unit_id"),
                (pl.col("name") + (f" ({k + 1})" if k else "")).alias("name"),
                pl.when(pl.col("parent_id").is_in(list(top_ids)))
                .then(pl.col("parent_id"))
                .otherwise(pl.col("parent_id") + suffix)
                .alias("parent_id"),
            )
        )
    return pl.concat(copies)
