"""The evaluation engine: from stored observations to evaluated tables, on compact integer keys.

What it decides, in order: months of reporting units become report periods (``_from_months``);
a value reported for a unit and period beats one derived from its months, which beats the
roll-up through the unit tree (``resolve``: shares as ratio of sums, never the mean of the units'
percentages; counts and amounts add up; an index, or a share without numerators and
denominators, cannot be rolled up and stays empty); måluppfyllelse and utveckling (``evaluate``,
the README's "Rules"); small-number masking (``mask``); women and men as columns (``wide_by_sex``);
the spread over the units (``unit_spread``). How the work is laid out, so that it stays small:

- **One integer key.** Measure, unit, period and sex are coded as small integers and packed into
  one Int64 (``Codes.key``). A period's code is ``16 × year + slot`` (months 0–11, DÅ04 12, DÅ08
  13, ÅR 14), so "the same period a year before" is the key minus 64 and "the previous period of
  the same kind" a small subtraction: the comparisons are look-ups on one integer column, not
  joins on four texts. Measures and units are coded in the order of their ids, so "the first unit
  by id" is the smallest code. Texts are joined back only onto the rows that are returned.
- **Roll-up level by level**: each unit is its own rows plus its children's partial sums, from
  the deepest level up, instead of every row joined to every ancestor.
- **Report periods up front, months on demand.** DÅ04, DÅ08 and ÅR are evaluated once for all
  units (``evaluate_reports``); the months, which are four fifths of the rows and which only the
  monthly views read (a series, a control chart, a forecast, a month chosen as period), are
  evaluated for the measures and units a view asks for (``MonthEngine``), and kept.
- **Look-ups only where needed**: the reference value of an "Öka/Minska" target and the base of a
  relative-change target are looked up only for measures with such targets; masking marks the
  few masked groups by key.

The results equal the engine before issue 15 in every column (``tests/evaluation/
test_engine_equivalence.py`` compares them with a frozen copy of it).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import polars as pl

from kpi.evaluation import suppression
from kpi.evaluation.rules import combine_sexes, neutral_band, printed, same_origin
from kpi.evaluation.suppression import BLOCK_SCHEMA, Decision, decide, primary
from kpi.model.catalogue import REPORTING_UNIT_TYPES
from kpi.model.periods import month_windows, period_table
from kpi.model.settings import Settings
from kpi.model.verdicts import IMPROVED, MET, MISSING, NOT_ASSESSED, NOT_MET, PARTLY, UNCHANGED, WORSENED

SLOTS = 16  # period codes per year: months 0–11, DÅ04 12, DÅ08 13, ÅR 14
_REPORT_SLOT = {"DÅ04": 12, "DÅ08": 13, "ÅR": 14}
SEXES = ("T", "K", "M")
KEY = ["measure_id", "unit_id", "period"]
OBS_COLUMNS = ["value", "numerator", "denominator", "decimals", "source", "is_demo", "n_units", "origin"]
LONG_HEAD = ["measure_id", "unit_id", "period", "sex", *OBS_COLUMNS]
PERIOD_COLUMNS = ["year", "period_kind", "end_month", "sort_key", "same_period_previous_year", "previous_of_same_kind"]
RULE_COLUMNS = [
    "value_kind", "direction", "accumulation", "split_by_sex", "target_kind", "target_value", "target_women", "target_men",
    "reference", "reference_year", "change_percent", "base_period", "band_lower", "band_upper", "neutral_band",
    "neutral_is_absolute", "partial_band",
]  # fmt: skip
VERDICT_COLUMNS = [
    "comparison_period", "comparison_value", "comparison_decimals", "comparison_is_demo", "trend", "target_effective", "attainment", "target_source_period", "masked",
]  # fmt: skip
LONG_COLUMNS = LONG_HEAD + PERIOD_COLUMNS + RULE_COLUMNS + VERDICT_COLUMNS
_PER_SEX = [
    "value", "attainment", "trend", "comparison_period", "comparison_value", "comparison_decimals", "masked", "numerator", "denominator", "decimals", "is_demo", "target_effective",
]  # fmt: skip
_TOTAL_ONLY = ["source", "origin", "n_units", "comparison_is_demo"]
SPREAD_COLUMNS = [
    "unit_id", "measure_id", "period", "spread_min", "spread_max", "min_unit_id", "max_unit_id", "units_meeting_target",
    "units_with_value", "spread_is_demo", "spread",
]  # fmt: skip
_ROLLED_UP = "summerat från enheter"


# --- codes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    """The integer codes of one data set: measures and units in id order, periods by year and slot."""

    measure_ids: tuple[str, ...]
    unit_ids: tuple[str, ...]
    years: tuple[int, ...]
    periods: pl.DataFrame = field(repr=False)  # the period table with its code "p"

    @classmethod
    def of(cls, measure_ids: Iterable[str], unit_ids: Iterable[str], years: list[int]) -> Codes:
        y0 = min(years) - 1  # so that the year before the first still has a code
        table = period_table(years).drop("period_label")
        slot = pl.when(pl.col("period_kind") == "månad").then(pl.col("end_month").cast(pl.Int64) - 1)
        for kind, s in _REPORT_SLOT.items():
            slot = slot.when(pl.col("period_kind") == kind).then(s)
        table = table.with_columns(((pl.col("year").cast(pl.Int64) - y0) * SLOTS + slot.otherwise(None)).alias("p"))
        return cls(tuple(sorted(set(measure_ids))), tuple(sorted(set(unit_ids))), tuple(years), table)

    @property
    def y0(self) -> int:
        return min(self.years) - 1

    @property
    def n_periods(self) -> int:
        return (len(self.years) + 2) * SLOTS

    def pack(self, m: pl.Expr, u: pl.Expr, p: pl.Expr, s: pl.Expr) -> pl.Expr:
        return ((m * len(self.unit_ids) + u) * self.n_periods + p) * 4 + s

    def measure_code(self, column: str = "measure_id") -> pl.Expr:
        return pl.col(column).replace_strict(self.measure_ids, range(len(self.measure_ids)), default=None, return_dtype=pl.Int64)

    def unit_code(self, column: str = "unit_id") -> pl.Expr:
        return pl.col(column).replace_strict(self.unit_ids, range(len(self.unit_ids)), default=None, return_dtype=pl.Int64)

    def period_code(self, column: str = "period") -> pl.Expr:
        return pl.col(column).replace_strict(self.periods["period"], self.periods["p"], default=None, return_dtype=pl.Int64)

    def encode(self, observations: pl.DataFrame) -> pl.DataFrame:
        """Observations with their codes ``m``, ``u``, ``p``, ``s`` and ``key``; rows whose period
        lies outside the years evaluated are left out (no evaluation would show them)."""
        frame = observations.select(
            self.measure_code().alias("m"),
            self.unit_code().alias("u"),
            self.period_code().alias("p"),
            pl.col("sex").replace_strict(SEXES, range(3), default=None, return_dtype=pl.Int64).alias("s"),
            "value", "numerator", "denominator", "decimals",
            pl.col("source").cast(pl.Categorical),  # long, repeated texts: stored once
            "is_demo",
            pl.lit(1, pl.Int32).alias("n_units"),
            pl.lit("rapporterat").cast(pl.Categorical).alias("origin"),
        ).filter(pl.col("p").is_not_null() & pl.col("s").is_not_null())  # fmt: skip
        return frame.with_columns(self.pack(pl.col("m"), pl.col("u"), pl.col("p"), pl.col("s")).alias("key"))

    def decode(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The coded columns back as the texts every view reads."""
        measures = pl.DataFrame({"m": range(len(self.measure_ids)), "measure_id": self.measure_ids}, schema={"m": pl.Int64, "measure_id": pl.String})
        units = pl.DataFrame({"u": range(len(self.unit_ids)), "unit_id": self.unit_ids}, schema={"u": pl.Int64, "unit_id": pl.String})
        return frame.join(measures, on="m", how="left").join(units, on="u", how="left")


def _is_month(p: pl.Expr) -> pl.Expr:
    return p % SLOTS < 12


# --- the unit tree -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """The unit tree on codes: each unit's parent and depth, the reporting units and the region."""

    parent: pl.DataFrame  # u, parent (codes; units at the top have none)
    depth: dict[int, int]
    reporting: pl.Series  # codes of reporting units (health centres, dental clinics)
    regions: pl.Series  # codes of region units: a sum of the division is not the region's figure
    validity: pl.DataFrame  # u, valid_from, valid_to of reporting units

    @classmethod
    def of(cls, units: pl.DataFrame, codes: Codes) -> Tree:
        coded = units.select(codes.unit_code().alias("u"), codes.unit_code("parent_id").alias("parent"), "unit_type", "valid_from", "valid_to")
        parents: dict[int, list[int]] = {}
        for u, parent in coded.select("u", "parent").iter_rows():
            parents.setdefault(u, [])
            if parent is not None:
                parents[u].append(parent)
                parents.setdefault(parent, [])
        depth: dict[int, int] = {}

        def depth_of(u: int, seen: tuple[int, ...] = ()) -> int:
            if u not in depth:
                ups = [p for p in parents.get(u, []) if p not in seen]
                depth[u] = 0 if not ups or len(seen) > 15 else 1 + max(depth_of(p, (*seen, u)) for p in ups)
            return depth[u]

        for u in parents:
            depth_of(u)
        reporting_types = [t.value for t in REPORTING_UNIT_TYPES]
        return cls(
            parent=coded.filter(pl.col("parent").is_not_null()).select("u", "parent"),
            depth=depth,
            reporting=coded.filter(pl.col("unit_type").is_in(reporting_types))["u"],
            regions=coded.filter(pl.col("unit_type") == "region")["u"],
            validity=coded.filter(pl.col("unit_type").is_in(reporting_types)).select("u", "valid_from", "valid_to"),
        )

    @property
    def single_parents(self) -> bool:
        return self.parent["u"].n_unique() == self.parent.height

    def subtree(self, unit_codes: Iterable[int]) -> set[int]:
        """The units given and every unit below them."""
        children: dict[int, list[int]] = {}
        for u, parent in self.parent.iter_rows():
            children.setdefault(parent, []).append(u)
        out: set[int] = set()
        todo = list(unit_codes)
        while todo:
            u = todo.pop()
            if u not in out:
                out.add(u)
                todo.extend(children.get(u, []))
        return out

    def ancestors(self) -> pl.DataFrame:
        """(ancestor, u) for every unit and each unit above it (not itself)."""
        pairs = self.parent.select(pl.col("parent").alias("ancestor"), "u")
        frontier, out = pairs, [pairs]
        for _ in range(15):
            frontier = frontier.join(self.parent, left_on="ancestor", right_on="u").select(pl.col("parent").alias("ancestor"), "u")
            if frontier.is_empty():
                break
            out.append(frontier)
        return pl.concat(out)


# --- values: months → report periods, totals from the sexes, roll-up --------------------------


def _derived_totals(values: pl.DataFrame, kinds: pl.DataFrame) -> pl.DataFrame:
    """Add a total (sex T) where only women and men are given.

    Counts and amounts: T = K + M. Shares: ratio of summed numerators and denominators, and only
    when both sexes carry them; otherwise there is no total and the row is judged by sex.
    """
    group = pl.col("key") // 4
    have_total = values.filter(pl.col("s") == 0).select(group.alias("g"))
    candidates = (
        values.filter(pl.col("s") > 0)
        .with_columns(group.alias("g"))
        .join(have_total, on="g", how="anti")
        .join(kinds.select("m", "value_kind"), on="m", how="left")
    )
    if candidates.is_empty():
        return values
    totals = (
        candidates.group_by("g")
        .agg(
            pl.col("m").first(), pl.col("u").first(), pl.col("p").first(),
            pl.len().alias("_n"),
            pl.col("value_kind").first(),
            pl.col("value").sum().alias("_sum"),
            pl.col("numerator").sum(),
            pl.col("denominator").sum(),
            pl.col("numerator").is_null().any().alias("_no_num"),
            pl.col("denominator").is_null().any().alias("_no_den"),
            pl.col("decimals").max(),
            pl.col("source").first(),
            pl.col("is_demo").any(),
            pl.col("n_units").max(),
            pl.col("origin").first(),
        )
        .filter(pl.col("_n") == 2)
    )  # fmt: skip
    is_share = pl.col("value_kind") == "share"
    share_ok = ~pl.col("_no_num") & ~pl.col("_no_den") & (pl.col("denominator") > 0)
    totals = totals.with_columns(
        pl.when(is_share & share_ok)
        .then(pl.col("numerator") / pl.col("denominator") * 100)
        .when(is_share)
        .then(None)
        .when(pl.col("value_kind").is_in(["count", "amount"]))
        .then(pl.col("_sum"))
        .otherwise(None)
        .alias("value"),
        pl.lit(0, pl.Int64).alias("s"),
        (pl.col("g") * 4).alias("key"),
        pl.when(is_share & ~share_ok).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(is_share & ~share_ok).then(None).otherwise(pl.col("denominator")).alias("denominator"),
    ).filter(pl.col("value").is_not_null())
    return pl.concat([values, totals.select(values.columns)], how="vertical")


def month_blocks() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The months of a year in blocks that belong to the same report periods (per accumulation,
    from ``kpi.model.periods.month_windows``: e.g. accumulated January–April belong to DÅ04, DÅ08
    and ÅR). Returns (accumulation, slot → block) and (accumulation, block → period slot, end month)."""
    windows = month_windows([2000]).filter(pl.col("month_period") != pl.col("period"))
    member = windows.select(
        "accumulation",
        (pl.col("month_period").str.slice(5, 2).cast(pl.Int64) - 1).alias("slot"),
        pl.col("period").str.slice(5).replace_strict(_REPORT_SLOT, return_dtype=pl.Int64).alias("period_slot"),
        pl.col("period_end_month"),
    )
    sets = member.group_by("accumulation", "slot").agg(pl.col("period_slot").sort().alias("_set"))
    sets = sets.with_columns(pl.col("_set").list.eval(pl.element().cast(pl.String)).list.join(",").alias("_set"))
    blocks = sets.with_columns(pl.col("_set").rank("dense").over("accumulation").cast(pl.Int64).alias("block"))
    block_periods = (
        member.join(blocks.select("accumulation", "slot", "block"), on=["accumulation", "slot"])
        .select("accumulation", "block", "period_slot", "period_end_month")
        .unique()
    )
    return blocks.select("accumulation", "slot", "block"), block_periods


def _from_months(monthly: pl.DataFrame, kinds: pl.DataFrame, codes: Codes) -> pl.DataFrame:
    """Report-period values of reporting units derived from their months (a period needs its last
    month): the months are first summed per block of months that belong to the same periods
    (``month_blocks``), then the blocks per period, so no month row is copied per period."""
    slot_blocks, block_periods = month_blocks()
    series = ["m", "u", "s", "_year_p"]
    blocks = (
        monthly.join(kinds.select("m", "accumulation"), on="m")
        .with_columns((pl.col("p") - pl.col("p") % SLOTS).alias("_year_p"), (pl.col("p") % SLOTS).alias("slot"))
        .join(slot_blocks, on=["accumulation", "slot"])
        .group_by(*series, "accumulation", "block")
        .agg(
            pl.col("value").sum(),
            pl.col("numerator").sum(),
            pl.col("denominator").sum(),
            pl.col("numerator").is_null().any().alias("_no_num"),
            (pl.col("slot").max() + 1).alias("_last"),
            pl.col("slot").min().alias("_first_month"),
            pl.len().alias("_n_months"),
            pl.col("decimals").max(),
            pl.col("source").first(),
            pl.col("is_demo").any(),
        )
    )
    derived = (
        blocks.join(block_periods, on=["accumulation", "block"])
        .group_by(*series, "period_slot")
        .agg(
            pl.col("value").sum(),
            pl.col("numerator").sum(),
            pl.col("denominator").sum(),
            pl.col("_no_num").any(),
            pl.col("_last").max(),
            pl.col("period_end_month").first(),
            pl.col("_n_months").sum(),
            pl.col("decimals").max(),
            pl.col("source").sort_by("_first_month").first(),
            pl.col("is_demo").any(),
        )
        .filter(pl.col("_last") == pl.col("period_end_month"))
        .with_columns((pl.col("_year_p") + pl.col("period_slot")).alias("p"))
        .join(kinds.select("m", "value_kind"), on="m")
    )
    return derived.with_columns(
        pl.when(pl.col("value_kind") == "share")
        .then(
            pl.when(~pl.col("_no_num") & (pl.col("denominator") > 0))
            .then(pl.col("numerator") / pl.col("denominator") * 100)
            .when(pl.col("_n_months") == 1)
            .then(pl.col("value"))
            .otherwise(None)
        )
        .when(pl.col("value_kind") == "index")
        .then(pl.when(pl.col("_n_months") == 1).then(pl.col("value")).otherwise(None))
        .otherwise(pl.col("value"))
        .alias("value"),
        pl.lit(1, pl.Int32).alias("n_units"),
        pl.lit("beräknat från månader").cast(pl.Categorical).alias("origin"),
        codes.pack(pl.col("m"), pl.col("u"), pl.col("p"), pl.col("s")).alias("key"),
    )


_PARTIAL = [
    pl.col("_n").sum(),
    pl.col("_sum").sum(),
    pl.col("_first").first(),
    pl.col("_first_numerator").first(),
    pl.col("_first_denominator").first(),
    pl.col("numerator").sum(),
    pl.col("denominator").sum(),
    pl.col("_no_nd").any(),
    pl.col("_has_null").any(),
    pl.col("decimals").max(),
    pl.col("_source").first(),
    (pl.col("_multi").any() | (pl.col("_source").n_unique() > 1)).alias("_multi"),
    pl.col("is_demo").any(),
    pl.col("origin").first(),
]


def _roll_up(leaf: pl.DataFrame, tree: Tree, kinds: pl.DataFrame, codes: Codes) -> pl.DataFrame:
    """Every unit's value from the reporting units below it (itself included), level by level:
    a unit's partial sums are its own rows plus its children's partial sums."""
    partial = leaf.select(
        "m", "u", "p", "s",
        pl.lit(1, pl.Int64).alias("_n"),
        pl.col("value").alias("_sum"),
        pl.col("value").alias("_first"),
        pl.col("numerator").alias("_first_numerator"),
        pl.col("denominator").alias("_first_denominator"),
        pl.col("numerator"),
        pl.col("denominator"),
        (pl.col("numerator").is_null() | pl.col("denominator").is_null()).alias("_no_nd"),
        pl.col("value").is_null().alias("_has_null"),
        "decimals",
        pl.col("source").alias("_source"),
        pl.lit(False).alias("_multi"),
        "is_demo",
        "origin",
    )  # fmt: skip
    depth = pl.DataFrame({"u": list(tree.depth), "_depth": list(tree.depth.values())}, schema={"u": pl.Int64, "_depth": pl.Int64})
    buckets: dict[int, list[pl.DataFrame]] = {}
    for (d,), frame in partial.join(depth, on="u", how="left").with_columns(pl.col("_depth").fill_null(0)).partition_by("_depth", as_dict=True).items():
        buckets.setdefault(int(d), []).append(frame.drop("_depth"))
    complete: list[pl.DataFrame] = []
    for d in range(max(buckets, default=-1), -1, -1):
        if d not in buckets:
            continue
        rows = pl.concat(buckets[d]) if len(buckets[d]) > 1 else buckets[d][0]
        if len(buckets[d]) > 1 or rows.select((pl.col("m"), pl.col("u"), pl.col("p"), pl.col("s"))).is_duplicated().any():
            rows = rows.group_by("m", "u", "p", "s").agg(_PARTIAL)
        complete.append(rows)
        if d > 0:
            up = rows.join(tree.parent, on="u", how="inner").drop("u").rename({"parent": "u"}).select(rows.columns)
            buckets.setdefault(d - 1, []).append(up)
    rolled = pl.concat(complete or [partial.clear()]).join(kinds, on="m")
    single = pl.col("_n") == 1
    no_nd = pl.col("_no_nd")
    return rolled.with_columns(
        pl.when(single)
        .then(pl.col("_first"))
        .when(pl.col("value_kind") == "share")
        .then(pl.when(~no_nd & (pl.col("denominator") > 0)).then(pl.col("numerator") / pl.col("denominator") * 100))
        .when(pl.col("value_kind").is_in(["count", "amount"]) & ~pl.col("_has_null"))
        .then(pl.col("_sum"))
        .otherwise(None)
        .alias("value"),
        pl.when(single).then(pl.col("_first_numerator")).when(no_nd).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(single).then(pl.col("_first_denominator")).when(no_nd).then(None).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(single).then(pl.col("decimals")).otherwise(pl.col("_measure_decimals")).alias("decimals"),
        pl.when(~pl.col("_multi")).then(pl.col("_source")).otherwise(pl.lit("Summerat från enheterna").cast(pl.Categorical)).alias("source"),
        pl.col("_n").cast(pl.Int32).alias("n_units"),
        pl.when(single).then(pl.col("origin")).otherwise(pl.lit(_ROLLED_UP).cast(pl.Categorical)).alias("origin"),
        codes.pack(pl.col("m"), pl.col("u"), pl.col("p"), pl.col("s")).alias("key"),
    )


def _anti(frame: pl.DataFrame, winners: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` whose measure, unit and period (any sex) ``winners`` has none of."""
    taken = winners.select((pl.col("key") // 4).alias("_g")).unique()
    return frame.with_columns((pl.col("key") // 4).alias("_g")).join(taken, on="_g", how="anti").drop("_g")


def resolve(obs: pl.DataFrame, tree: Tree, kinds: pl.DataFrame, codes: Codes, *, months: bool) -> pl.DataFrame:
    """One value per key, for the report periods (``months`` false; ``obs`` must then hold the
    months too, to derive from) or for the months. Columns: m, u, p, s, key and OBS_COLUMNS."""
    columns = ["m", "u", "p", "s", "key", *OBS_COLUMNS]
    is_month = _is_month(pl.col("p"))
    is_leaf = pl.col("u").is_in(tree.reporting.implode())
    leaf_obs = obs.filter(is_leaf)
    if months:
        leaf = leaf_obs.filter(is_month)
        aggregate = obs.filter(~is_leaf & is_month)
    else:
        reported = leaf_obs.filter(~is_month).select(columns)
        derived = _from_months(leaf_obs.filter(is_month), kinds, codes).select(columns)
        # A value reported for a unit and period beats every sex derived from its months.
        leaf = pl.concat([reported, _anti(derived, reported)])
        aggregate = obs.filter(~is_leaf & ~is_month)
    leaf = _derived_totals(leaf.select(columns), kinds)
    rolled = _roll_up(leaf, tree, kinds, codes).select(columns)
    aggregate = _derived_totals(aggregate.select(columns), kinds)
    # Values reported directly for an area, the division or the region win over the roll-up.
    resolved = pl.concat([aggregate, _anti(rolled, aggregate)])
    # The region holds more than Division Nära: it shows only what was reported for it.
    return resolved.filter(~(pl.col("u").is_in(tree.regions.implode()) & (pl.col("origin") == _ROLLED_UP)))


# --- rules: comparison, trend, target, attainment ----------------------------------------------


def _neutral(reference: pl.Expr) -> pl.Expr:
    return neutral_band(reference)


def _shift(codes: Codes, p: pl.Expr) -> pl.Expr:
    """The key of the same measure, unit and sex at period code ``p`` (null outside the table)."""
    inside = (p >= 0) & (p < codes.n_periods)
    return pl.when(inside).then(codes.pack(pl.col("m"), pl.col("u"), p, pl.col("s")))


def rule_table(measures: pl.DataFrame, codes: Codes) -> pl.DataFrame:
    """The catalogue rows the rules need, keyed by measure code and year, with the base period's code."""
    return measures.select(
        codes.measure_code().alias("m"), "year", *RULE_COLUMNS, codes.period_code("base_period").alias("_base_p")
    ).filter(pl.col("m").is_not_null())


def evaluate(
    values: pl.DataFrame, rules: pl.DataFrame, codes: Codes, lookup: pl.DataFrame | None = None, hidden: pl.Series | None = None
) -> pl.DataFrame:
    """Attainment and trend for every row of ``values`` (coded, from ``resolve``).

    ``lookup`` (key, value, is_demo, decimals) adds values that comparisons and targets may read but that
    are not evaluated here (the report periods, when months are evaluated). ``hidden``: keys of
    masked cells, which comparisons and targets read as missing, so that no trend, "delvis" by
    improvement or target computed from one gives its value away.
    Keeps the codes and adds the keys masking needs: ``_cmp_key`` (the comparison's) and
    ``_src_key`` (the period a derived target comes from).
    """
    periods = codes.periods.select("p", *PERIOD_COLUMNS, "period")
    frame = values.join(periods, on="p", how="inner").join(rules, on=["m", "year"], how="inner")
    slot = pl.col("p") % SLOTS
    previous_kind = (
        pl.when(slot == 0).then(pl.col("p") - SLOTS + 11).when(slot < 12).then(pl.col("p") - 1)
        .when(slot == 12).then(pl.col("p") - SLOTS + 2).otherwise(pl.col("p") - 1)
    )  # fmt: skip
    frame = frame.with_columns(_shift(codes, pl.col("p") - SLOTS).alias("_py_key"), _shift(codes, previous_kind).alias("_pk_key"))
    looked_up = ["key", "value", "is_demo", "decimals"]
    right = values.select(looked_up)
    if lookup is not None:
        right = pl.concat([right, lookup.select(looked_up)])
    if hidden is not None and hidden.len():
        right = right.with_columns(pl.when(pl.col("key").is_in(hidden.implode())).then(None).otherwise(pl.col("value")).alias("value"))

    def look(frame: pl.DataFrame, key: str, prefix: str) -> pl.DataFrame:
        found = right.rename({"key": key, "value": f"{prefix}_value", "is_demo": f"{prefix}_is_demo", "decimals": f"{prefix}_decimals"})
        return frame.join(found, on=key, how="left")

    def comparable(prefix: str) -> pl.Expr:
        return pl.col(f"{prefix}_value").is_not_null() & same_origin(pl.col("is_demo"), pl.col(f"{prefix}_is_demo"))

    frame = look(look(frame, "_py_key", "_py"), "_pk_key", "_pk")
    prev_year_ok = comparable("_py")
    like_for_like = pl.col("value_kind").is_in(["share", "index"]) | (pl.col("accumulation") == "per_period") | (pl.col("period_kind") == "månad")
    prev_kind_ok = comparable("_pk") & like_for_like
    frame = frame.with_columns(
        pl.when(prev_year_ok).then(pl.col("same_period_previous_year")).when(prev_kind_ok).then(pl.col("previous_of_same_kind")).alias("comparison_period"),
        pl.when(prev_year_ok).then(pl.col("_py_value")).when(prev_kind_ok).then(pl.col("_pk_value")).alias("comparison_value"),
        pl.when(prev_year_ok).then(pl.col("_py_is_demo")).when(prev_kind_ok).then(pl.col("_pk_is_demo")).alias("comparison_is_demo"),
        pl.when(prev_year_ok).then(pl.col("_py_decimals")).when(prev_kind_ok).then(pl.col("_pk_decimals")).alias("comparison_decimals"),
        pl.when(prev_year_ok).then(pl.col("_py_key")).when(prev_kind_ok).then(pl.col("_pk_key")).alias("_cmp_key"),
    )
    # Verdicts are judged on the values as printed, each with its own decimals (a published 11,7 %
    # last year stays 11,7 % beside this year's 15 %).
    frame = frame.with_columns(
        pl.when(pl.col("comparison_value").is_not_null()).then(pl.coalesce("comparison_decimals", "decimals")).alias("comparison_decimals"),
    ).with_columns(
        printed(pl.col("value"), pl.col("decimals")).alias("_shown"),
        printed(pl.col("comparison_value"), pl.col("comparison_decimals")).alias("_shown_cmp"),
    )
    delta = pl.col("_shown") - pl.col("_shown_cmp")
    frame = frame.with_columns(
        pl.when(pl.col("value").is_null() | pl.col("comparison_value").is_null())
        .then(pl.lit(MISSING))
        .when(delta.abs() <= _neutral(pl.col("_shown_cmp")) + 1e-9)
        .then(pl.lit(UNCHANGED))
        .when(delta * pl.col("direction") > 0)
        .then(pl.lit(IMPROVED))
        .otherwise(pl.lit(WORSENED))
        .alias("trend")
    )

    # Reference values that targets need: only for measures whose targets read them.
    year_ref = (pl.col("reference_year").cast(pl.Int64) - codes.y0) * SLOTS + slot
    ref_key = (
        pl.when(pl.col("reference") == "year").then(_shift(codes, year_ref)).when(pl.col("reference").is_not_null()).then(pl.col("_py_key"))
    )
    base_key = pl.when(pl.col("_base_p").is_not_null()).then(_shift(codes, pl.col("_base_p")))
    frame = frame.with_columns(ref_key.alias("_ref_key"), base_key.alias("_base_key"))
    if frame["reference"].is_not_null().any():
        frame = look(frame, "_ref_key", "_ref")
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.Float64).alias("_ref_value"), pl.lit(None, pl.Boolean).alias("_ref_is_demo"), pl.lit(None, pl.Int8).alias("_ref_decimals")
        )
    if frame["_base_p"].is_not_null().any():
        frame = look(frame, "_base_key", "_base")
    else:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("_base_value"), pl.lit(None, pl.Boolean).alias("_base_is_demo"))

    months = pl.when(pl.col("period_kind") == "månad").then(1).when(
        (pl.col("accumulation") == "accumulated") | (pl.col("period_kind") == "ÅR")
    ).then(pl.col("end_month")).otherwise(4)
    pro_rata = months.cast(pl.Float64) / 12
    frame = frame.with_columns(
        pl.when(pl.col("target_kind") == "level")
        .then(
            pl.when(pl.col("s") == 1)
            .then(pl.coalesce("target_women", "target_value"))
            .when(pl.col("s") == 2)
            .then(pl.coalesce("target_men", "target_value"))
            .otherwise(pl.col("target_value"))
        )
        .when(pl.col("target_kind") == "annual_volume")
        .then(pl.col("target_value") * pro_rata)
        .when((pl.col("target_kind") == "relative_change") & comparable("_base"))
        .then(
            pl.col("_base_value")
            * (1 + pl.col("change_percent") / 100)
            * pl.when(pl.col("base_period").str.ends_with("ÅR") & (pl.col("accumulation") == "accumulated")).then(pro_rata).otherwise(1.0)
        )
        .when((pl.col("target_kind") == "direction") & comparable("_ref"))
        .then(printed(pl.col("_ref_value"), pl.coalesce("_ref_decimals", "decimals")))
        .alias("target_effective")
    )

    d = pl.col("direction")
    target = pl.col("target_effective")
    value = pl.col("_shown")
    met_level = (value - target) * d >= -1e-9
    partial_level = (value - target) * d >= -pl.col("partial_band") * target.abs() - 1e-9
    # "Delvis" by improvement counts only against the same period the year before.
    improved = (pl.col("trend") == IMPROVED) & (pl.col("comparison_period") == pl.col("same_period_previous_year"))
    lower, upper = pl.col("band_lower"), pl.col("band_upper")
    in_band = (lower.is_null() | (value >= lower - 1e-9)) & (upper.is_null() | (value <= upper + 1e-9))
    near_band = (lower.is_null() | (value >= lower - pl.col("partial_band") * lower.abs() - 1e-9)) & (
        upper.is_null() | (value <= upper + pl.col("partial_band") * upper.abs() + 1e-9)
    )
    moved_right_way = (value - target) * d > _neutral(target) + 1e-9
    frame = frame.with_columns(
        pl.when(pl.col("value").is_null() | (pl.col("target_kind") == "none"))
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("target_kind") == "band")
        .then(pl.when(in_band).then(pl.lit(MET)).when(near_band | improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .when(target.is_null())
        .then(pl.lit(NOT_ASSESSED))
        .when(pl.col("target_kind") == "direction")
        .then(pl.when(moved_right_way).then(pl.lit(MET)).when(improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .otherwise(pl.when(met_level).then(pl.lit(MET)).when(partial_level | improved).then(pl.lit(PARTLY)).otherwise(pl.lit(NOT_MET)))
        .alias("attainment")
    )
    reference_period = (
        pl.when(pl.col("reference") == "year")
        .then(pl.col("reference_year").cast(pl.String) + pl.col("period").str.slice(4))
        .when(pl.col("reference").is_not_null())
        .then(pl.col("same_period_previous_year"))
    )
    return frame.with_columns(
        pl.when(pl.col("target_kind") == "relative_change").then(pl.col("base_period")).when(pl.col("target_kind") == "direction").then(reference_period).alias("target_source_period"),
        pl.when(pl.col("target_kind") == "relative_change").then(pl.col("_base_key")).when(pl.col("target_kind") == "direction").then(pl.col("_ref_key")).alias("_src_key"),
    )


# --- masking, women and men, spread ------------------------------------------------------------


def mask(frame: pl.DataFrame, threshold: int, masked_elsewhere: pl.Series | None = None, suppressed: pl.Series | None = None) -> pl.DataFrame:
    """Hide counts of persons below ``threshold`` and every cell that would give them away.

    A count (value kind ``count``) of 1 … threshold−1 is masked, and so is a share whose
    denominator is below the threshold. Complementary cells: when one sex is masked the other
    sex is masked too (total minus women would reveal men), and when the total is masked both
    sexes are; ``suppressed`` holds the cells masked by secondary suppression
    (``kpi.evaluation.suppression``: siblings, totals, months and report periods). A comparison
    value taken from a masked cell is hidden as well, and so is a target computed from one
    ("Minska med 50 % jämfört med 2020" would give the value back). A masked cell's own verdicts
    are not shown: its måluppfyllelse is "ej bedömd" and its utveckling "saknas" (a verdict
    against a target or last year's value would tell on which side of it the hidden value lies).

    ``masked_elsewhere``: keys of masked cells outside ``frame`` that comparisons or targets may
    come from (the report periods, when months are evaluated).
    """
    own = primary(threshold)
    if suppressed is not None and suppressed.len():
        own = own | pl.col("key").is_in(suppressed.implode())
    frame = frame.with_columns(own.alias("masked"))
    groups = frame.filter(pl.col("masked")).select(pl.col("key") // 4)["key"].unique()
    frame = frame.with_columns((pl.col("masked") | ((pl.col("s") > 0) & (pl.col("key") // 4).is_in(groups.implode()))).alias("masked"))
    masked_keys = frame.filter(pl.col("masked"))["key"]
    if masked_elsewhere is not None:
        masked_keys = pl.concat([masked_keys, masked_elsewhere])
    masked_keys = masked_keys.implode()
    hide = pl.col("masked")
    return frame.with_columns(
        pl.when(pl.col("_src_key").is_in(masked_keys).fill_null(False)).then(None).otherwise(pl.col("target_effective")).alias("target_effective"),
        pl.when(hide).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(hide).then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(hide).then(None).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(pl.col("_cmp_key").is_in(masked_keys).fill_null(False) | hide).then(None).otherwise(pl.col("comparison_value")).alias("comparison_value"),
        pl.when(pl.col("_cmp_key").is_in(masked_keys).fill_null(False) | hide).then(None).otherwise(pl.col("comparison_decimals")).alias("comparison_decimals"),
        pl.when(hide).then(None).otherwise(pl.col("comparison_period")).alias("comparison_period"),
        pl.when(hide).then(None).otherwise(pl.col("comparison_is_demo")).alias("comparison_is_demo"),
        pl.when(hide).then(pl.lit(MISSING)).otherwise(pl.col("trend")).alias("trend"),
        pl.when(hide).then(pl.lit(NOT_ASSESSED)).otherwise(pl.col("attainment")).alias("attainment"),
    )


def wide_by_sex(long: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """One row per measure × unit × period: the total's columns plus ``*_women`` and ``*_men``.

    The total's attainment is judged from the sexes where the target is per sex, or where only
    women and men are given (a share without numerators has no total). ``long`` must still carry
    ``key`` and ``s``.
    """
    g = (pl.col("key") // 4).alias("_g")
    shared = [c for c in LONG_COLUMNS if c not in _PER_SEX + ["sex", *_TOTAL_ONLY]]
    keys = long.filter(pl.col("s") == 0).select(g, *shared)
    others = long.filter(pl.col("s") > 0).select(g, *shared).join(keys.select("_g"), on="_g", how="anti").unique(subset="_g", keep="first")
    keys = pl.concat([keys, others]) if others.height else keys
    total = long.filter(pl.col("s") == 0).select(g, *_PER_SEX, *_TOTAL_ONLY)
    women = long.filter(pl.col("s") == 1).select(g, *[pl.col(c).alias(f"{c}_women") for c in _PER_SEX], pl.col("source").alias("_source_women"))
    men = long.filter(pl.col("s") == 2).select(g, *[pl.col(c).alias(f"{c}_men") for c in _PER_SEX], pl.col("source").alias("_source_men"))
    wide = keys.join(total, on="_g", how="left").join(women, on="_g", how="left").join(men, on="_g", how="left")
    judged_by_sex = pl.col("target_women").is_not_null() | (
        pl.col("value").is_null() & (pl.col("value_women").is_not_null() | pl.col("value_men").is_not_null())
    )
    is_share = pl.col("value_kind") == "share"
    gap = pl.when(is_share).then(pl.col("value_women") - pl.col("value_men"))
    wide = wide.with_columns(
        pl.when(judged_by_sex)
        .then(combine_sexes(pl.col("attainment_women").fill_null("ej_bedomd"), pl.col("attainment_men").fill_null("ej_bedomd")))
        .otherwise(pl.col("attainment").fill_null("ej_bedomd"))
        .alias("attainment"),
        pl.col("trend").fill_null("saknas"),
        pl.col("masked").fill_null(False),
        pl.coalesce("source", "_source_women", "_source_men").alias("source"),
        pl.coalesce("is_demo", "is_demo_women", "is_demo_men").alias("is_demo"),
        pl.coalesce("decimals", "decimals_women", "decimals_men").alias("decimals"),
        gap.alias("gender_gap_pp"),
        (gap.abs() > settings.gender_gap_threshold_pp).fill_null(False).alias("gender_gap_flag"),
    )
    per_sex = [f"{c}{suffix}" for suffix in ("_women", "_men") for c in _PER_SEX]
    return wide.select(*shared, *_PER_SEX, *_TOTAL_ONLY, *per_sex, "gender_gap_pp", "gender_gap_flag")


def unit_spread(long: pl.DataFrame, tree: Tree, codes: Codes) -> pl.DataFrame:
    """Per organisation, measure and period: the spread over the reporting units below it.

    Only units that existed during the period and are not masked take part. The region gets no
    spread: its units are not all in the tree (only Division Nära's are), as its values are only
    the ones reported for it. Columns: unit_id
    (the organisation), measure_id, period, spread_min, spread_max, spread, min_unit_id,
    max_unit_id (ties: the first by id), units_meeting_target, units_with_value, spread_is_demo.
    ``long`` must still carry the codes.
    """
    leaf = (
        long.filter((pl.col("s") == 0) & pl.col("value").is_not_null() & ~pl.col("masked"))
        .select("m", "u", "p", "year", "end_month", "value", "attainment", "is_demo")
        .join(tree.validity, on="u", how="inner")
        .filter(
            (pl.col("valid_from").dt.year() * 100 + pl.col("valid_from").dt.month() <= pl.col("year") * 100 + pl.col("end_month"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to").dt.year() >= pl.col("year")))
        )
    )
    spread = (
        leaf.join(tree.ancestors(), on="u", how="inner")
        # The region holds more than Division Nära's units: their spread is not the region's.
        .filter(~pl.col("ancestor").is_in(tree.regions.implode()))
        .group_by("ancestor", "m", "p")
        .agg(
            pl.col("value").min().alias("spread_min"),
            pl.col("value").max().alias("spread_max"),
            pl.col("u").filter(pl.col("value") == pl.col("value").min()).min().alias("_min_u"),
            pl.col("u").filter(pl.col("value") == pl.col("value").max()).min().alias("_max_u"),
            (pl.col("attainment") == MET).sum().cast(pl.Int32).alias("units_meeting_target"),
            pl.len().cast(pl.Int32).alias("units_with_value"),
            pl.col("is_demo").fill_null(False).any().alias("spread_is_demo"),
        )
        .with_columns((pl.col("spread_max") - pl.col("spread_min")).alias("spread"))
    )
    names = pl.DataFrame({"_u": range(len(codes.unit_ids)), "_id": codes.unit_ids}, schema={"_u": pl.Int64, "_id": pl.String})
    spread = (
        codes.decode(spread.rename({"ancestor": "u"}))
        .join(codes.periods.select("p", "period"), on="p", how="left")
        .join(names.rename({"_u": "_min_u", "_id": "min_unit_id"}), on="_min_u", how="left")
        .join(names.rename({"_u": "_max_u", "_id": "max_unit_id"}), on="_max_u", how="left")
    )
    return spread.select(SPREAD_COLUMNS)


def finish_long(frame: pl.DataFrame, codes: Codes) -> pl.DataFrame:
    """The evaluated rows with their texts, in the columns ``Evaluation.long`` has, codes kept
    (``m``, ``u``, ``p``, ``s``, ``key``) for the tables built from them."""
    return codes.decode(frame).with_columns(pl.col("s").replace_strict(range(3), SEXES, return_dtype=pl.String).alias("sex")).select(
        *LONG_COLUMNS, "m", "u", "p", "s", "key"
    )


# --- the whole evaluation ----------------------------------------------------------------------

_CODE_COLUMNS = ["m", "u", "p", "s", "key"]


@dataclass(frozen=True)
class Evaluated:
    long: pl.DataFrame
    wide: pl.DataFrame
    spread: pl.DataFrame


@dataclass(frozen=True)
class Prepared:
    """A data set on codes: what both the report periods and the months are evaluated from."""

    codes: Codes
    tree: Tree
    kinds: pl.DataFrame  # m, value_kind, accumulation, _measure_decimals (the latest catalogue's)
    rules: pl.DataFrame  # the catalogue rows per measure code and year
    obs: pl.DataFrame  # coded observations

    @classmethod
    def of(cls, observations: pl.DataFrame, units: pl.DataFrame, measures: pl.DataFrame, years: list[int]) -> Prepared:
        codes = Codes.of(
            [*observations["measure_id"].unique().to_list(), *measures["measure_id"].unique().to_list()],
            [*units["unit_id"].to_list(), *units["parent_id"].drop_nulls().to_list(), *observations["unit_id"].unique().to_list()],
            years,
        )
        latest = measures.sort("year").unique(subset="measure_id", keep="last")
        kinds = latest.select(codes.measure_code().alias("m"), "value_kind", "accumulation", pl.col("measure_decimals").alias("_measure_decimals"))
        return cls(codes, Tree.of(units, codes), kinds, rule_table(measures, codes), codes.encode(observations))


def _tables(
    values: pl.DataFrame,
    prepared: Prepared,
    settings: Settings,
    *,
    lookup: pl.DataFrame | None = None,
    spread: bool = True,
    suppressed: pl.Series | None = None,
) -> tuple[Evaluated, pl.DataFrame]:
    """Evaluate, mask and lay out ``values``; also the look-up table (key, value, is_demo, decimals, masked).
    ``suppressed``: the keys of every masked cell (``suppressed_keys``)."""
    masked_elsewhere = None if lookup is None else lookup.filter(pl.col("masked"))["key"]
    evaluated = evaluate(values, prepared.rules, prepared.codes, lookup, hidden=suppressed)
    long = finish_long(mask(evaluated, settings.mask_threshold, masked_elsewhere, suppressed), prepared.codes)
    wide = wide_by_sex(long, settings)
    spread_table = unit_spread(long, prepared.tree, prepared.codes) if spread else pl.DataFrame(schema=_SPREAD_SCHEMA)
    own = values.select("key", "value", "is_demo", "decimals").join(long.select("key", "masked"), on="key", how="left").with_columns(pl.col("masked").fill_null(False))
    return Evaluated(long=long.drop(_CODE_COLUMNS), wide=wide, spread=spread_table), own


_SPREAD_SCHEMA = {
    "unit_id": pl.String, "measure_id": pl.String, "period": pl.String, "spread_min": pl.Float64, "spread_max": pl.Float64,
    "min_unit_id": pl.String, "max_unit_id": pl.String, "units_meeting_target": pl.Int32, "units_with_value": pl.Int32,
    "spread_is_demo": pl.Boolean, "spread": pl.Float64,
}  # fmt: skip


_NO_KEYS = pl.Series("key", [], pl.Int64)


def suppressed_keys(prepared: Prepared, report_values: pl.DataFrame, threshold: int, known: dict[str, list[int]] | None = None) -> Decision:
    """The keys of every masked cell, report periods and months together (primary masking and
    secondary suppression, ``kpi.evaluation.suppression``), decided once for the data set.

    Only measures with a small number somewhere take part. Each of their measure-years is decided
    on its own (relations never cross a measure or a year), from its report periods and its months
    resolved for every unit (a unit's months hold its small numbers even where its report periods
    do not). ``known`` (``Decision.blocks`` of an earlier evaluation, as digest → masked keys)
    gives the decision of every measure-year whose observations and rules are unchanged
    (``_input_digests``): those are neither resolved into months nor decided again, so after an
    import of one period only the measure-years it touched are.
    """
    kinds = prepared.kinds.select("m", "value_kind")
    small = pl.concat([
        report_values.select("m", "value", "denominator"),
        prepared.obs.select("m", "value", "denominator"),
    ]).join(kinds, on="m", how="inner").filter(primary(threshold))["m"].unique()  # fmt: skip
    if small.is_empty():
        return Decision(_NO_KEYS, pl.DataFrame(schema=BLOCK_SCHEMA))
    codes, tree = prepared.codes, prepared.tree
    obs = prepared.obs.filter(pl.col("m").is_in(small.implode()))
    digests = _input_digests(obs, prepared, threshold)
    decided = {block: list(known[digest]) for block, digest in digests.items() if known is not None and digest in known}
    todo = [block for block in digests if block not in decided]
    if todo:
        wanted = pl.DataFrame(todo, schema={"m": pl.Int64, "_year": pl.Int64}, orient="row")

        def of_todo(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.with_columns((pl.col("p") // SLOTS).alias("_year")).join(wanted, on=["m", "_year"], how="semi").drop("_year")

        months = resolve(of_todo(obs.filter(_is_month(pl.col("p")))), tree, prepared.kinds, codes, months=True)
        fresh = decide(pl.concat([of_todo(report_values), months]), prepared.kinds, tree.parent, codes.n_periods, threshold)
        decided |= {block: fresh.get(block, []) for block in todo}  # none: no small number in that year
    keys = sorted(set(chain.from_iterable(decided.values())))
    blocks = pl.DataFrame({"digest": [digests[b] for b in decided], "keys": list(decided.values())}, schema=BLOCK_SCHEMA)
    return Decision(pl.Series("key", keys, pl.Int64), blocks)


# What a measure-year's masking depends on besides its observations: how values are resolved and
# masks decided (this module and the suppression's, as source), Polars' row hash (which may change
# between Polars versions), and the period coding of the report periods' months.
_DECISION_RULES = hashlib.sha256(Path(__file__).read_bytes() + Path(suppression.__file__).read_bytes()).hexdigest()[:16]
_SEED = 20261203
_HASHED = ["m", "u", "p", "s", "key", "value", "numerator", "denominator", "decimals", "is_demo", "n_units"]


def _input_digests(obs: pl.DataFrame, prepared: Prepared, threshold: int) -> dict[tuple[int, int], str]:
    """Per measure-year (m, year code) of ``obs``, a digest of everything its masking is decided
    from: its observations (every column, the coded key included) and, shared by all, the codes
    (measures, units, years), the unit tree, the measures' kinds, the threshold and the rules.
    Equal digests, equal decisions. Each row is hashed and a measure-year's hashes are sorted, so
    the row order does not matter."""
    codes, tree = prepared.codes, prepared.tree
    hashed = obs.select(*_HASHED, pl.col("source").cast(pl.String), pl.col("origin").cast(pl.String))
    rows = obs.select("m", (pl.col("p") // SLOTS).alias("_year"), hashed.hash_rows(seed=_SEED).alias("_h"))
    by_block = rows.group_by("m", "_year").agg(pl.col("_h").sort()).sort("m", "_year")
    prefix = hashlib.blake2b(digest_size=20)
    shared = (
        _DECISION_RULES, pl.__version__, threshold, codes.n_periods, codes.measure_ids, codes.unit_ids, codes.years,
        tree.parent.sort("u", "parent").rows(), sorted(tree.reporting.to_list()), sorted(tree.regions.to_list()),
        prepared.kinds.sort("m").rows(), [frame.sort(frame.columns).rows() for frame in month_blocks()],
    )  # fmt: skip
    for part in shared:
        prefix.update(repr(part).encode() + b"|")
    out: dict[tuple[int, int], str] = {}
    for m, year, cell_hashes in by_block.iter_rows():
        digest = prefix.copy()
        digest.update(repr(cell_hashes).encode())
        out[(m, year)] = digest.hexdigest()
    return out


def evaluate_reports(
    prepared: Prepared, settings: Settings, known: dict[str, list[int]] | None = None
) -> tuple[Evaluated, pl.DataFrame, Decision]:
    """The report periods (DÅ04, DÅ08, ÅR) of every measure × unit × sex, evaluated; the
    look-up table the months need from them (key, value, is_demo, masked); and the masked cells,
    months included (``suppressed_keys``; ``known`` as there)."""
    codes = prepared.codes
    values = resolve(prepared.obs, prepared.tree, prepared.kinds, codes, months=False)
    decision = suppressed_keys(prepared, values, settings.mask_threshold, known)
    evaluated, lookup = _tables(values, prepared, settings, suppressed=decision.keys)
    return evaluated, lookup, decision


KEEP = 256  # month requests kept per process (a series is a few hundred rows; an organisation a few thousand)


class MonthEngine:
    """Evaluates months for the measures and units a view asks for, and keeps what it evaluated.

    A unit's monthly value depends only on the units below it, and its comparisons only on its own
    months (and, for a relative-change target, on the report period its base is): so the months of
    one series, one organisation or one measure are evaluated from the observations below it alone.
    ``source`` gives the prepared data set (a function: a process that read the report periods
    from the stored artefact prepares it only when a month is first asked for).
    """

    def __init__(
        self, source: Prepared | Callable[[], Prepared], settings: Settings, report_lookup: pl.DataFrame, suppressed: pl.Series | None = None
    ) -> None:
        self._source = source
        self._settings = settings
        self._report_lookup = report_lookup
        self._suppressed = _NO_KEYS if suppressed is None else suppressed  # decided with the report periods
        self._kept: OrderedDict[tuple[object, ...], Evaluated] = OrderedDict()  # the latest KEEP requests
        self._lock = threading.Lock()

    @property
    def prepared(self) -> Prepared:
        with self._lock:
            if not isinstance(self._source, Prepared):
                self._source = self._source()
            return self._source

    def evaluated(self, measure_ids: Iterable[str] | None = None, unit_ids: Iterable[str] | None = None, *, spread: bool = False) -> Evaluated:
        """The months of ``measure_ids`` (None: all) for ``unit_ids`` (None: all units); with
        ``spread``, the spread over the units below them too."""
        measures = None if measure_ids is None else tuple(sorted(set(measure_ids)))
        units = None if unit_ids is None else tuple(sorted(set(unit_ids)))
        everything = self._kept.get((None, None, True))
        if everything is not None:
            return _restrict(everything, measures, units)
        request = (measures, units, spread)
        with self._lock:
            kept = self._kept.get(request)
            if kept is not None:
                self._kept.move_to_end(request)
                return kept
        kept = self._evaluate(self.prepared, measures, units, spread)
        with self._lock:
            self._kept[request] = kept
            if request == (None, None, True):  # every month: any later request is a cut of it
                self._kept = OrderedDict({request: kept})
            while len(self._kept) > KEEP:
                self._kept.popitem(last=False)
        return kept

    def _evaluate(self, prepared: Prepared, measures: tuple[str, ...] | None, units: tuple[str, ...] | None, spread: bool) -> Evaluated:
        codes, tree = prepared.codes, prepared.tree
        obs = prepared.obs.filter(_is_month(pl.col("p")))
        if measures is not None:
            wanted = [codes.measure_ids.index(m) for m in measures if m in codes.measure_ids]
            obs = obs.filter(pl.col("m").is_in(wanted))
        asked: list[int] = []
        if units is not None:
            asked = [codes.unit_ids.index(u) for u in units if u in codes.unit_ids]
            obs = obs.filter(pl.col("u").is_in(list(tree.subtree(asked))))
        values = resolve(obs, tree, prepared.kinds, codes, months=True)
        if units is not None and not spread:
            values = values.filter(pl.col("u").is_in(asked))
        evaluated, _ = _tables(values, prepared, self._settings, lookup=self._report_lookup, spread=spread, suppressed=self._suppressed)
        return _restrict(evaluated, None, units) if units is not None else evaluated


def _restrict(evaluated: Evaluated, measures: tuple[str, ...] | None, units: tuple[str, ...] | None) -> Evaluated:
    def cut(frame: pl.DataFrame, unit_column: str = "unit_id") -> pl.DataFrame:
        if measures is not None:
            frame = frame.filter(pl.col("measure_id").is_in(measures))
        if units is not None:
            frame = frame.filter(pl.col(unit_column).is_in(units))
        return frame

    return Evaluated(long=cut(evaluated.long), wide=cut(evaluated.wide), spread=cut(evaluated.spread))
