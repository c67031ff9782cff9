"""SPC: hand-computed limits, each special-cause rule at its edges, verdicts, and properties."""

from __future__ import annotations

import itertools
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.model import changes, verdicts
from kpi.model.errors import CatalogueError
from kpi.signals import spc

OPTIONS = spc.SpcOptions()


def months(n: int, start: int = 2019) -> list[str]:
    return [f"{start + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def series(
    values: list[float | None] | list[float],
    *,
    numerators: list[float] | None = None,
    denominators: list[float] | None = None,
    kind: str = "count",
    direction: int = 1,
    target: float | None = None,
    target_kind: str = "none",
    band: tuple[float | None, float | None] = (None, None),
    measure_id: str = "m",
) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame(
        {
            "measure_id": [measure_id] * n,
            "unit_id": ["u"] * n,
            "sex": ["T"] * n,
            "period": months(n),
            "value": values,
            "numerator": numerators or [None] * n,
            "denominator": denominators or [None] * n,
            "value_kind": [kind] * n,
            "direction": [direction] * n,
            "is_demo": [False] * n,
            "masked": [False] * n,
            "target_kind": [target_kind] * n,
            "target_effective": [target] * n,
            "band_lower": [band[0]] * n,
            "band_upper": [band[1]] * n,
        },
        schema_overrides={
            "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64, "direction": pl.Int8,
            "target_effective": pl.Float64, "band_lower": pl.Float64, "band_upper": pl.Float64,
        },
    )  # fmt: skip


def points(frame: pl.DataFrame, options: spc.SpcOptions = OPTIONS, starts: tuple[spc.PhaseStart, ...] = ()) -> pl.DataFrame:
    return spc.spc_points(frame, options, starts)


def summary(frame: pl.DataFrame, options: spc.SpcOptions = OPTIONS) -> dict[str, object]:
    return spc.spc_summary(points(frame, options), frame).row(0, named=True)


# A stable baseline: 24 points alternating 52, 48 (mean 50, every moving range 4), ending low
# so that what follows starts a fresh run. Limits 50 ± 2,66 × 4 = 39,36 … 60,64; sigma 4 / 1,128
# = 3,5461; two sigma 50 ± 7,0922.
BASELINE = [52.0, 48.0] * 12


# --- limits, hand-computed ----------------------------------------------------------------


def test_xmr_limits_by_hand() -> None:
    # mean 144 / 12 = 12; moving ranges 2,1,2,1,2,3,2,1,0,1,2 → 17 / 11 = 1,545454…
    values = [10, 12, 11, 13, 12, 14, 11, 13, 12, 12, 13, 11]
    p = points(series(values))
    assert p["chart"].unique().to_list() == ["xmr"]
    assert p["centre"][0] == pytest.approx(12.0)
    assert p["upper"][0] == pytest.approx(12 + 2.66 * 17 / 11)  # 16,110909
    assert p["lower"][0] == pytest.approx(12 - 2.66 * 17 / 11)  # 7,889091
    assert p["upper_2s"][0] == pytest.approx(12 + 2 * (17 / 11) / 1.128)


@pytest.mark.parametrize(
    ("denominator", "lower", "upper"),
    [
        (100.0, 68.0, 92.0),  # 0,8 ± 3·√(0,8·0,2/100) = 0,8 ± 0,12
        (400.0, 74.0, 86.0),  # 0,8 ± 3·√(0,16/400) = 0,8 ± 0,06
        (25.0, 56.0, 100.0),  # 0,8 ± 3·0,08 = 0,56 … 1,04, clipped at 100 %
    ],
)
def test_p_chart_limits_follow_each_months_denominator(denominator: float, lower: float, upper: float) -> None:
    # 12 months of 100 with 960 of 1 200 in all (p̄ = 0,8), then one month with its own denominator at 80 %.
    numerators = [80.0, 85, 75, 80, 82, 78, 80, 84, 76, 80, 79, 81, 0.8 * denominator]
    denominators = [100.0] * 12 + [denominator]
    values = [n / d * 100 for n, d in zip(numerators, denominators)]
    p = points(series(values, numerators=numerators, denominators=denominators, kind="share"), spc.SpcOptions(laney=False))
    last = p.row(-1, named=True)
    assert last["chart"] == "p"
    assert last["centre"] == pytest.approx(80.0)
    assert last["lower"] == pytest.approx(lower)
    assert last["upper"] == pytest.approx(upper)


def test_laney_widens_p_limits_when_months_vary_more_than_binomially() -> None:
    # Denominators of 5 000 give binomial limits of ±1,7 pp, but the months swing ±5 pp.
    shares = [0.80, 0.85, 0.75, 0.82, 0.78, 0.84, 0.76, 0.80, 0.86, 0.74, 0.81, 0.79]
    numerators = [s * 5000 for s in shares]
    frame = series([s * 100 for s in shares], numerators=numerators, denominators=[5000.0] * 12, kind="share")
    p = points(frame)
    pbar = sum(numerators) / 60000
    sigma = math.sqrt(pbar * (1 - pbar) / 5000)
    z = [(s - pbar) / sigma for s in shares]
    sigma_z = sum(abs(a - b) for a, b in zip(z[1:], z)) / 11 / 1.128
    assert sigma_z > 1
    assert p["chart"][0] == "p′"
    assert p["upper"][0] == pytest.approx((pbar + 3 * sigma * sigma_z) * 100)
    assert p["lower"][0] == pytest.approx((pbar - 3 * sigma * sigma_z) * 100)
    assert p.filter(pl.col("rule_outside") != 0).is_empty()  # plain p limits would flag most months


def test_reproduces_nhsr_plot_the_dots_worked_example() -> None:
    # NHS-R community, NHSRplotthedots (the R package of NHS England's "Making Data Count"),
    # tests/testthat/_snaps/ptd_spc_standard.md: the 20 points of R's set.seed(123); rnorm(20)
    # (the snapshot prints them to three figures: −0,560, −0,230, 1,56 …) give mean 0,142, lower
    # process limit −3,01 and upper process limit 3,29, with no point outside.
    y = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123, -0.68685285,
         -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
         0.70135590, -0.47279141]  # fmt: skip
    p = points(series(y, kind="amount"))
    assert round(p["centre"][0], 3) == 0.142
    assert round(p["lower"][0], 2) == -3.01
    assert round(p["upper"][0], 2) == 3.29
    assert p.filter(pl.col("rule_outside") != 0).is_empty()


def test_baseline_is_the_first_points_only() -> None:
    # Later months do not move the limits: 24 baseline points, then a shifted process.
    p = points(series(BASELINE + [70.0] * 12))
    assert p["centre"].unique().to_list() == [pytest.approx(50.0)]
    assert p["upper"][-1] == pytest.approx(50 + 2.66 * 4)
    assert p.filter(pl.col("in_baseline")).height == 24


def test_too_few_points_give_no_limits_and_no_verdict() -> None:
    frame = series([50.0, 60.0, 50.0] * 3 + [90.0, 91.0])  # 11 points
    p = points(frame)
    assert p["centre"].is_null().all()
    assert all((p[r] == 0).all() for r in spc.RULES)
    s = summary(frame)
    assert (s["variation"], s["assurance"]) == (verdicts.TOO_FEW, verdicts.NO_ASSURANCE)


# --- the rules at their edges ---------------------------------------------------------------


def flagged(values: list[float], rule: str, direction: int = 1) -> list[int]:
    p = points(series(values, direction=direction))
    return [i for i, v in enumerate(p[rule].to_list()) if v != 0]


@pytest.mark.parametrize(("length", "flags"), [(6, 0), (7, 7), (9, 9)])
def test_run_on_one_side_of_the_centre(length: int, flags: int) -> None:
    assert len(flagged(BASELINE + [53.0] * length, "rule_run")) == flags


def test_a_point_on_the_centre_line_ends_a_run() -> None:
    assert flagged(BASELINE + [53.0] * 3 + [50.0] + [53.0] * 3, "rule_run") == []


@pytest.mark.parametrize(
    ("tail", "flags"),
    [
        ([44.0, 46, 48.5, 51, 53], 0),  # five points rising: not a trend
        ([44.0, 46, 48.5, 51, 53, 55], 6),  # six: a trend, all six flagged
        ([56.0, 54, 52, 49, 47, 45], 6),  # six falling
        ([44.0, 46, 46, 51, 53, 55], 0),  # an equal value breaks it
    ],
)
def test_trend_of_rising_or_falling_points(tail: list[float], flags: int) -> None:
    # The baseline ends at 48: a rise to 56 comes before the falling case, so it starts at 56.
    assert len(flagged(BASELINE + tail, "rule_trend")) == flags


@pytest.mark.parametrize(
    ("tail", "flags"),
    [
        ([60.0], 0),  # inside 60,64
        ([61.0], 1),  # outside
        ([39.0], 1),  # below 39,36
    ],
)
def test_point_outside_the_limits(tail: list[float], flags: int) -> None:
    assert len(flagged(BASELINE + tail, "rule_outside")) == flags


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ([58.0, 50, 58], [24, 26]),  # two of three beyond 57,09 on the high side
        ([58.0, 50, 50, 58], []),  # never two within three
        ([42.0, 50, 42], [24, 26]),  # low side (below 42,91)
        ([58.0, 42, 50], []),  # one on each side does not count
    ],
)
def test_two_of_three_beyond_two_sigma(tail: list[float], expected: list[int]) -> None:
    assert flagged(BASELINE + tail, "rule_two_of_three") == expected


# --- verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "direction", "variation"),
    [
        ([50.0], 1, verdicts.COMMON),
        ([62.0], 1, verdicts.IMPROVEMENT),  # high, and higher is better
        ([62.0], -1, verdicts.CONCERN),  # high, and lower is better
        ([38.0], 1, verdicts.CONCERN),
        ([38.0], -1, verdicts.IMPROVEMENT),
        ([53.0] * 7, 1, verdicts.IMPROVEMENT),  # a run that reaches the latest month
        ([53.0] * 7 + [50.0], 1, verdicts.COMMON),  # the run has ended
    ],
)
def test_variation_verdict_reads_the_latest_point_through_the_direction(tail: list[float], direction: int, variation: str) -> None:
    assert summary(series(BASELINE + tail, direction=direction))["variation"] == variation


@pytest.mark.parametrize(
    ("target_kind", "target", "band", "direction", "assurance"),
    [
        ("level", 35.0, (None, None), 1, verdicts.PASSES),  # lower limit 39,36 above the target
        ("level", 65.0, (None, None), 1, verdicts.FAILS),  # upper limit 60,64 below the target
        ("level", 55.0, (None, None), 1, verdicts.HIT_AND_MISS),  # the target inside the limits
        ("level", 65.0, (None, None), -1, verdicts.PASSES),  # at most 65: the upper limit is under it
        ("level", 35.0, (None, None), -1, verdicts.FAILS),
        ("annual_volume", 45.0, (None, None), 1, verdicts.HIT_AND_MISS),
        ("band", None, (0.0, None), 1, verdicts.PASSES),  # must not be negative
        ("band", None, (45.0, 70.0), 1, verdicts.HIT_AND_MISS),
        ("band", None, (None, 30.0), 1, verdicts.FAILS),
        ("direction", 50.0, (None, None), 1, verdicts.NO_ASSURANCE),  # Öka/Minska: no fixed level
        ("none", None, (None, None), 1, verdicts.NO_ASSURANCE),
    ],
)
def test_assurance_compares_the_limits_with_the_target(
    target_kind: str, target: float | None, band: tuple[float | None, float | None], direction: int, assurance: str
) -> None:
    frame = series(BASELINE + [50.0], target_kind=target_kind, target=target, band=band, direction=direction)
    assert summary(frame)["assurance"] == assurance


def test_missing_and_masked_months_are_gaps_not_zeros() -> None:
    values: list[float | None] = list(BASELINE)
    values[5] = None
    p = points(series(values))
    assert p.height == 24 and p["value"][5] is None  # the month stays, as a gap
    assert p["centre"][0] == pytest.approx(sum(v for v in values if v is not None) / 23)
    # No moving range reaches across the gap: of the 22 ranges left, all are 4.
    assert p["upper"][0] - p["centre"][0] == pytest.approx(2.66 * 4)


@pytest.mark.parametrize("gap", ["masked", "absent"])
def test_a_gap_ends_a_run(gap: str) -> None:
    frame = series(BASELINE + [53.0] * 4 + [53.0] + [53.0] * 4)
    if gap == "masked":
        frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 28).then(None).otherwise(pl.col("value")).alias("value"))
        frame = frame.with_columns((pl.int_range(pl.len()) == 28).alias("masked"))
    else:
        frame = frame.filter(pl.int_range(pl.len()) != 28)  # no row at all for that month
    assert (points(frame)["rule_run"] != 0).sum() == 0  # 4 + 4, never 7 in a row
    assert (points(series(BASELINE + [53.0] * 9))["rule_run"] != 0).sum() == 9  # without the gap: a run


def test_a_phase_with_masked_months_gets_no_variation_verdict() -> None:
    frame = series(BASELINE + [50.0], target=35.0, target_kind="level")
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("value")).alias("value"), (pl.int_range(pl.len()) == 3).alias("masked")
    )
    s = summary(frame)
    assert s["variation"] == verdicts.MASKED_MONTHS
    assert s["assurance"] == verdicts.PASSES  # the limits from the months shown still say where the process lies


def test_a_target_that_moves_with_last_year_is_not_drawn_as_a_level() -> None:
    assert summary(series(BASELINE + [50.0], target_kind="direction", target=49.0))["target"] is None
    assert summary(series(BASELINE + [50.0], target_kind="level", target=49.0))["target"] == 49.0


# --- phases ---------------------------------------------------------------------------------


def test_a_recorded_change_starts_new_limits() -> None:
    frame = series(BASELINE + [70.0, 72.0] * 7)  # a new level from month 25 (2021-01)
    before = points(frame)
    assert (before["rule_outside"] == 1).sum() == 14
    after = points(frame, starts=spc.phase_starts([changes.RecordedChange(first_month="2021-01", name="Nytt system", source="test")]))
    assert after["phase"].unique().sort().to_list() == [0, 1]
    assert after.filter(pl.col("phase") == 1)["centre"][0] == pytest.approx(71.0)
    assert after.filter(pl.col("phase") == 1)["phase_start"][0] == "2021-01"
    assert (after["rule_outside"] != 0).sum() == 0


def test_a_new_phase_too_short_for_its_own_limits_is_judged_against_the_old_ones() -> None:
    change = changes.RecordedChange(first_month="2021-01", name="Nytt system", source="test")
    p = points(series(BASELINE + [62.0, 61.0, 63.0]), starts=spc.phase_starts([change]))
    new = p.filter(pl.col("phase") == 1)
    assert new["provisional"].all() and not p.filter(pl.col("phase") == 0)["provisional"].any()
    assert new["centre"].to_list() == [pytest.approx(50.0)] * 3
    assert new["upper"][0] == pytest.approx(50 + 2.66 * 4)
    assert (new["rule_outside"] == 1).all()  # 61–63 lie above the old limit of 60,64
    s = spc.spc_summary(p, series(BASELINE + [62.0, 61.0, 63.0])).row(0, named=True)
    assert (s["variation"], s["provisional"]) == (verdicts.IMPROVEMENT, True)


def test_a_change_for_other_measures_leaves_this_one_alone() -> None:
    change = changes.RecordedChange(first_month="2021-01", name="x", source="test", measures=("annat_matt",))
    assert points(series(BASELINE + [70.0] * 12), starts=spc.phase_starts([change]))["phase"].unique().to_list() == [0]


def test_recalculating_from_a_chosen_month() -> None:
    p = points(series(BASELINE + [70.0, 72.0] * 7), starts=spc.phase_starts([], recalculate_from="2021-01"))
    assert p.filter(pl.col("period") >= "2021-01")["phase"].unique().to_list() == [1]


def test_changes_file_is_validated_in_swedish(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "changes.yaml"
    path.write_text("changes:\n  - first_month: '2024-13'\n    name: Cosmic\n    source: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="changes.yaml innehåller fel"):
        changes.load_changes(path)
    assert changes.load_changes(tmp_path / "saknas.yaml") == ()


def test_the_bundled_changes_hold_the_cosmic_go_live() -> None:
    from kpi.evaluation.scorecard import DATA_DIR

    (cosmic,) = changes.load_changes(DATA_DIR / "catalogue" / "changes.yaml")
    assert cosmic.first_month == "2024-12"
    assert "Cosmic" in cosmic.name and cosmic.source.startswith("Hälso- och sjukvårdsnämndens årsredovisning 2024, rad 40–46")


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False), st.integers(min_value=1, max_value=60))
def test_a_constant_series_flags_nothing(value: float, length: int) -> None:
    p = points(series([value] * length, kind="amount"))
    assert all((p[r] == 0).all() for r in spc.RULES)
    assert p["signal"].is_null().all()


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.05, max_value=0.95),
    st.lists(st.integers(min_value=5, max_value=5000), min_size=12, max_size=40),
)
def test_p_limits_widen_as_the_denominator_shrinks(p: float, denominators: list[int]) -> None:
    dens = [float(d) for d in denominators]
    nums = [round(p * d) for d in dens]
    frame = series([n / d * 100 for n, d in zip(nums, dens)], numerators=nums, denominators=dens, kind="share")
    out = points(frame, spc.SpcOptions(laney=False)).with_columns((pl.col("upper_2s") - pl.col("lower_2s")).alias("width")).sort("denominator")
    widths = out["width"].to_list()
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(widths))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=12, max_size=48),
    st.floats(min_value=-50, max_value=50, allow_nan=False),
)
def test_shifting_a_series_shifts_its_limits_and_keeps_its_flags(values: list[float], shift: float) -> None:
    a = points(series(values, kind="amount"))
    b = points(series([v + shift for v in values], kind="amount"))
    assert b["centre"][0] == pytest.approx(a["centre"][0] + shift, abs=1e-6)
    assert b["upper"][0] - b["centre"][0] == pytest.approx(a["upper"][0] - a["centre"][0], abs=1e-6)
    # Flags can only differ where a value sits within rounding of a line.
    margin = 1e-6 + 1e-12 * max(abs(v) for v in values + [shift])
    near_line = (a["value"] - a["centre"]).abs().min() < margin  # type: ignore[operator]
    if not near_line:
        for rule in ("rule_outside", "rule_run"):
            assert a[rule].to_list() == b[rule].to_list()


def test_every_bundled_series_in_one_pass() -> None:
    from kpi.evaluation.cache import cached_evaluation
    from kpi.evaluation.scorecard import DATA_DIR, load_dataset

    dataset = load_dataset()
    monthly = spc.monthly_rows(cached_evaluation(dataset, DATA_DIR).long)
    result = spc.spc_summary(spc.spc_points(monthly, spc.SpcOptions.from_settings(dataset.settings), spc.phase_starts(dataset.changes)), monthly)
    series_count = monthly.filter(pl.col("value").is_not_null()).select(spc.SERIES_KEY).unique().height
    assert result.height == series_count > 1000
    assert set(result["variation"].unique()) == {verdicts.COMMON, verdicts.IMPROVEMENT, verdicts.CONCERN, verdicts.TOO_FEW, verdicts.MASKED_MONTHS}
    assert result["is_demo"].all()  # every monthly figure in the bundled data is demo data
    # Fall injuries at the division: many months of 1–4 are masked, so no verdict is read from the rest.
    falls = result.filter((pl.col("measure_id") == "ver_fallskador") & (pl.col("unit_id") == "div_nara") & (pl.col("sex") == "T"))
    assert falls["variation"].to_list() == [verdicts.MASKED_MONTHS]
    # The last months lie after the Cosmic go-live (December 2024): the measures it touched are
    # in a new phase, the budget (another system) is not.
    last = result.filter(pl.col("unit_id") == "div_nara").select("measure_id", "phase_start")
    starts = dict(last.unique("measure_id").iter_rows())
    assert starts["med_digitala_vardbesok"] == "2024-12"
    assert starts["eko_budgetavvikelse"] == "2019-01"


def test_validate_names_an_unknown_measure_in_the_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kpi.evaluation.scorecard import DATA_DIR
    from kpi.model.catalogue import load_catalogues
    from kpi.store.validation import validate_changes

    path = tmp_path / "changes.yaml"
    path.write_text("changes:\n  - first_month: '2024-12'\n    name: Cosmic infört\n    source: x\n    measures: [med_telefon, ver_fallskador]\n", encoding="utf-8")
    problems = validate_changes(load_catalogues(DATA_DIR / "catalogue"), path)
    assert [str(p) for p in problems] == ["förändringar: Cosmic infört (2024-12): styrmåttet 'med_telefon' finns inte i katalogen"]
    assert validate_changes(load_catalogues(DATA_DIR / "catalogue"), DATA_DIR / "catalogue" / "changes.yaml") == []


# --- issue 21: the edge cases an independent re-implementation found --------------------------


def share_series(numerators: list[float | None], denominators: list[float | None], direction: int = 1) -> pl.DataFrame:
    values = [None if n is None or d is None else n / d * 100 for n, d in zip(numerators, denominators)]
    return series(
        values, numerators=numerators, denominators=denominators, kind="share", direction=direction  # type: ignore[arg-type]
    )


def masked_at(frame: pl.DataFrame, *indices: int) -> pl.DataFrame:
    """The months at ``indices`` masked as too few: no value, numerator or denominator."""
    hidden = pl.int_range(pl.len()).is_in(list(indices))
    cleared = [pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "numerator", "denominator")]
    return frame.with_columns([*cleared, hidden.alias("masked")])


COSMIC_LIKE = spc.PhaseStart("2021-01", "Nytt system")  # the 25th month of a series from 2019-01


@pytest.mark.parametrize(("share", "level"), [(0.0, 0.0), (1.0, 100.0)])
def test_a_phase_at_0_or_100_percent_is_a_plain_p_chart_with_limits_at_p_bar(share: float, level: float) -> None:
    # p̄ = 0/480 or 480/480: p̄(1 − p̄) = 0, so no z-score exists (0/0); sigma 0 and every line at p̄.
    p = points(share_series([share * 20] * 24, [20.0] * 24))
    assert p["chart"].unique().to_list() == ["p"]  # not p′ from a σz of NaN
    for column in ("centre", "lower", "upper", "lower_2s", "upper_2s"):
        assert p[column].to_list() == [pytest.approx(level)] * 24, column
    assert all((p[r] == 0).all() for r in spc.RULES)  # before: every point "2 av 3" below a NaN line
    s = summary(share_series([share * 20] * 24, [20.0] * 24))
    assert s["variation"] == verdicts.COMMON


@pytest.mark.parametrize(("edge", "direction"), [(0.0, 1), (0.0, -1), (1.0, 1), (1.0, -1)])
def test_rare_events_months_at_the_likely_edge_make_no_run(edge: float, direction: int) -> None:
    # 23 months of 0 of 30 and one of 1 of 30 (p̄ = 1/720 = 0,139 %): (1 − p̄)³⁰ = 0,959, so 0 is the
    # likeliest month and lies on the centre line for the runs; before, the 23 zeros were a run
    # "below" and read as a special cause. The same mirrored at 100 %.
    counts = [30.0 * edge] * 12 + [abs(30.0 * edge - 1)] + [30.0 * edge] * 11
    p = points(share_series(counts, [30.0] * 24, direction=direction))
    assert p["chart"].unique().to_list() == ["p"]
    assert (p["rule_run"] == 0).all()
    assert p["centre"][0] == pytest.approx(100 * edge + (1 - 2 * edge) * 100 / 720)
    # The single month off the edge lies outside the p-chart's limits (1/30 = 3,3 % > 2,18 %).
    assert p["rule_outside"].to_list() == [0] * 12 + [1 - 2 * int(edge)] + [0] * 11


def test_a_run_of_zeros_counts_where_zero_is_not_the_likely_month() -> None:
    # p̄ = 10 % with 30 a month: (0,9)³⁰ = 0,04, so seven months at 0 are a real run below.
    counts = [3.0] * 24 + [0.0] * 7
    p = points(share_series(counts, [30.0] * 31))
    assert p["rule_run"].to_list()[-7:] == [-1] * 7


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=200, max_value=2000), st.lists(st.integers(min_value=5, max_value=40), min_size=24, max_size=40), st.data())
def test_rare_events_never_make_a_run_of_empty_months(per: int, denominators: list[int], data: st.DataObject) -> None:
    # At most one event in ``per`` patients over the baseline, so (1 − p̄)ⁿ ≥ ½ for n ≤ 40 whenever
    # p̄ ≤ ln 2 / 40; a month with none is then never part of a run.
    total = sum(denominators[:24])
    events = data.draw(st.integers(min_value=0, max_value=max(0, min(total * 17 // 1000, total // per))))
    counts = [0.0] * len(denominators)
    for i in data.draw(st.lists(st.integers(min_value=0, max_value=23), min_size=events, max_size=events)):
        counts[i] = min(counts[i] + 1, denominators[i])
    p = points(share_series(counts, [float(d) for d in denominators]))
    assert (p.filter(pl.col("value") == 0)["rule_run"] == 0).all()


@pytest.mark.parametrize(("direction", "variation"), [(1, verdicts.CONCERN), (-1, verdicts.IMPROVEMENT)])
def test_a_fall_from_24_months_at_100_percent_is_outside_the_collapsed_limits(direction: int, variation: str) -> None:
    # 24 months of 20 of 20 (p̄ = 1, limits 100–100), then 18 of 20 = 90 %: below the lower limit.
    frame = share_series([20.0] * 24 + [18.0], [20.0] * 25, direction=direction)
    last = points(frame).row(-1, named=True)
    assert (last["chart"], last["lower"], last["upper"]) == ("p", pytest.approx(100.0), pytest.approx(100.0))
    assert (last["rule_outside"], last["rule_two_of_three"], last["rule_run"], last["rule_trend"]) == (-1, 0, 0, 0)
    assert summary(frame)["variation"] == variation


def test_a_later_phase_at_0_percent_does_not_borrow_the_laney_sigma_of_the_phase_before() -> None:
    # Phase 0 swings far beyond binomial spread (p′); phase 1 (its own 12 months) sits at 0 of 5 000.
    shares = [0.80, 0.85, 0.75, 0.82, 0.78, 0.84, 0.76, 0.80, 0.86, 0.74, 0.81, 0.79] * 2
    frame = share_series([s * 5000 for s in shares] + [0.0] * 12, [5000.0] * 36)
    p = points(frame, starts=(COSMIC_LIKE,))
    assert p.filter(pl.col("phase") == 0)["chart"].unique().to_list() == ["p′"]
    new = p.filter(pl.col("phase") == 1)
    assert new["chart"].unique().to_list() == ["p"] and not new["provisional"].any()
    assert new["lower"].to_list() == new["upper"].to_list() == [pytest.approx(0.0)] * 12
    assert all((new[r] == 0).all() for r in spc.RULES)


def _with_gap(values: list[float], at: int, how: str) -> pl.DataFrame:
    frame = series(values)
    if how == "masked":
        return masked_at(frame, at)
    if how == "missing":
        return frame.with_columns(pl.when(pl.int_range(pl.len()) == at).then(None).otherwise(pl.col("value")).alias("value"))
    return frame.filter(pl.int_range(pl.len()) != at)  # "absent": no row at all for that month


@pytest.mark.parametrize("how", ["masked", "missing", "absent"])
def test_two_of_three_does_not_reach_across_a_gap(how: str) -> None:
    # 58 lies beyond the 2σ line 57,09. Without the gap 58, 50, 58 is two of three (months 24, 26);
    # 58, gap, 58 is two points, never three real ones in a row.
    assert flagged(BASELINE + [58.0, 50, 58], "rule_two_of_three") == [24, 26]
    p = points(_with_gap(BASELINE + [58.0, 50, 58], 25, how))
    assert (p["rule_two_of_three"] != 0).sum() == 0


@pytest.mark.parametrize(
    ("tail", "start_at", "expected"),
    [
        ([58.0, 58], 24, []),  # "two of the first two" of a new phase: no window of three yet
        ([58.0, 58, 50], 24, [24, 25]),  # three real points in the new phase: two beyond
        ([58.0, 58, 50], 25, []),  # 24 in the old phase, 25–26 in the new: no window holds both
        ([58.0, 50, 58], None, [24, 26]),  # no phase start: as before
    ],
)
def test_two_of_three_counts_three_real_points_of_one_phase(tail: list[float], start_at: int | None, expected: list[int]) -> None:
    starts = () if start_at is None else (spc.PhaseStart(months(start_at + 1)[-1], "Nytt system"),)
    p = points(series(BASELINE + tail), starts=starts)
    assert [i for i, v in enumerate(p["rule_two_of_three"].to_list()) if v != 0] == expected


def test_the_first_two_months_of_a_new_phase_give_no_signal_from_two_of_three() -> None:
    # As at the Cosmic start: two months beyond 2σ, provisionally against the old limits.
    frame = series(BASELINE + [58.0, 58])
    s = spc.spc_summary(points(frame, starts=(COSMIC_LIKE,)), frame).row(0, named=True)
    assert (s["variation"], s["provisional"]) == (verdicts.COMMON, True)
    assert summary(frame)["variation"] == verdicts.IMPROVEMENT  # one phase: a window of 48, 58, 58


# A fall of six points that turns into a rise of six, sharing the bottom (index 29), and a rise that
# turns into a fall, sharing the top; every point within the 2σ lines, no run of 7.
VALLEY = [56.0, 54, 52, 50, 48, 46, 48, 50, 52, 54, 56]
PEAK = [44.0, 46, 48, 50, 52, 54, 52, 50, 48, 46, 44]


@pytest.mark.parametrize(
    ("tail", "sides"),
    [
        (VALLEY, [-1] * 5 + [1] * 6),  # the bottom takes the rise that follows
        (PEAK, [1] * 5 + [-1] * 6),  # the top takes the fall that follows
    ],
)
def test_a_turning_point_takes_the_later_trends_direction(tail: list[float], sides: list[int]) -> None:
    p = points(series(BASELINE + tail))
    assert p["rule_trend"].to_list()[24:] == sides
    assert all((p[r] == 0).all() for r in ("rule_outside", "rule_run", "rule_two_of_three"))


@pytest.mark.parametrize(
    ("tail", "direction", "signal"),
    [
        (VALLEY, 1, verdicts.IMPROVEMENT),  # higher is better: the bottom starts the rise
        (VALLEY, -1, verdicts.CONCERN),
        (PEAK, 1, verdicts.CONCERN),  # the top starts the fall
        (PEAK, -1, verdicts.IMPROVEMENT),
    ],
)
def test_the_turning_points_marker_reads_the_later_trend(tail: list[float], direction: int, signal: str) -> None:
    assert points(series(BASELINE + tail, direction=direction))["signal"][29] == signal


def test_a_point_flagged_both_ways_reads_as_concern() -> None:
    # 58 beyond the upper 2σ line twice (two of three, high) while the series falls for six points.
    tail = [66.0, 64, 62, 60, 58.5, 58]  # 66 > 60,64 is outside (high); the fall 66 → 58 is a trend
    p = points(series(BASELINE + tail))
    last = p.row(-1, named=True)
    assert (last["rule_two_of_three"], last["rule_trend"]) == (1, -1)
    assert last["signal"] == verdicts.CONCERN  # higher is better, but the fall wins


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        (share_series([16.0, 17] * 5, [20.0] * 10), "a phase too short for limits (share)"),
        (series([10.0, 12] * 5, kind="count"), "a phase too short for limits (count)"),
        (series([10.0, -12] * 5, kind="amount"), "a phase too short for limits (amount)"),
    ],
)
def test_no_limits_are_null_not_0_or_100(frame: pl.DataFrame, where: str) -> None:
    p = points(frame)
    for column in ("centre", "lower", "upper", "lower_2s", "upper_2s"):
        assert p[column].is_null().all(), (where, column)


def test_a_masked_month_of_a_p_chart_has_no_limits() -> None:
    # The limits of a p-chart follow each month's denominator: a masked month has none, so no limit
    # (before: 0 and 100, a spike to 100 % in the chart). The centre line still runs through it.
    frame = masked_at(share_series([16.0, 17] * 12 + [16.0] * 3, [20.0] * 27), 25)
    p = points(frame, spc.SpcOptions(laney=False))
    gap = p.row(25, named=True)
    assert (gap["lower"], gap["upper"], gap["lower_2s"], gap["upper_2s"]) == (None, None, None, None)
    assert gap["centre"] == pytest.approx(82.5)
    assert p.row(26, named=True)["lower"] == pytest.approx(82.5 - 300 * math.sqrt(0.825 * 0.175 / 20))  # 57,01


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(lambda q: st.tuples(st.integers(min_value=0, max_value=q), st.just(q))),
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=40),
    st.sets(st.integers(min_value=0, max_value=39), max_size=6),
    st.integers(min_value=-1, max_value=39),
    st.sampled_from([1, -1]),
)
def test_a_constant_share_flags_nothing(
    share: tuple[int, int], multiples: list[int], hidden: set[int], start: int, direction: int
) -> None:
    # Any level r/q, 0 % and 100 % included, over any denominators, with masked months and a phase start.
    r, q = share
    frame = share_series([float(k * r) for k in multiples], [float(k * q) for k in multiples], direction=direction)
    frame = masked_at(frame, *hidden)
    starts = (spc.PhaseStart(months(start + 1)[-1], "Nytt system"),) if start >= 0 else ()
    if frame["value"].is_null().all():
        return
    p = points(frame, starts=starts)
    assert all((p[r] == 0).all() for r in spc.RULES)
    assert p["signal"].is_null().all()
    assert not any(p.select(pl.col(c).is_nan().any() for c in ("centre", "lower", "upper", "lower_2s", "upper_2s")).row(0))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(min_value=30, max_value=70, allow_nan=False), min_size=1, max_size=10),
    st.lists(st.floats(min_value=30, max_value=70, allow_nan=False), min_size=1, max_size=10),
    st.lists(st.floats(min_value=30, max_value=70, allow_nan=False), min_size=1, max_size=10),
    st.lists(st.floats(min_value=30, max_value=70, allow_nan=False), min_size=1, max_size=10),
    st.sampled_from(["masked", "missing", "absent", "phase start"]),
)
def test_no_rule_reaches_across_a_gap_or_a_phase_start(
    before: list[float], other_before: list[float], after: list[float], other_after: list[float], boundary: str
) -> None:
    # The limits come from the 24 baseline months alone (and a short new phase borrows them), so
    # what lies on the far side of the boundary is the only difference: no flag on this side may move.
    columns = [*spc.RULES, "signal"]

    def flags(a: list[float], b: list[float]) -> tuple[pl.DataFrame, pl.DataFrame]:
        values = BASELINE + a + ([0.0] if boundary != "phase start" else []) + b
        at = 24 + len(a)  # the gap, or the first month of the new phase
        if boundary == "phase start":
            frame, starts = series(values), (spc.PhaseStart(months(at + 1)[-1], "Nytt system"),)
        else:
            frame, starts = _with_gap(values, at, boundary), ()
        p = points(frame, starts=starts).filter(pl.col("value").is_not_null())
        return p.slice(24, len(a)).select(columns), p.slice(24 + len(a), len(b)).select(columns)

    first, second = flags(before, after)
    assert flags(other_before, after)[1].equals(second)
    assert flags(before, other_after)[0].equals(first)
