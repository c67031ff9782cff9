"""Secondary (complementary) suppression: no masked cell can be worked out from what is shown.

Primary masking hides a count of 1 … threshold−1 and a share whose denominator is below the
threshold (and, as before, both sexes of a measure × unit × period where any cell is masked). A
masked cell could still be recovered by subtraction wherever a total and all but one of its parts
are shown. The product shows three kinds of additive relation, for counts (their values) and for
shares with numerators and denominators (both add up the same way):

- **sex**: total = women + men (one measure, unit and period);
- **unit tree**: a unit = the units directly below it (one measure, period and sex; also where
  the unit's figure was reported rather than summed, since it is close to the sum);
- **months → report periods**: a report period = its months, and a longer report period = a
  shorter one inside it + the months between (DÅ08 = DÅ04 + May–August for accumulated values;
  ÅR = DÅ04 + DÅ08 + September–December for values per period); one unit, sex and year.

A relation is one linear equation over its cells (the total is one of its members); it is used
where it holds in the figures (a report period lacking its last month is not derived from its
months, so the sum over an area's months can hold more than its period). The method is
the one statistical offices call suppression of the next smallest cell: as long as some relation
has exactly one masked member, mask one more member of it: the smallest shown *part* (published
figures last, zeros after other values, then by size, ties by key), the total only when no part is
left. This is repeated until no relation has exactly one masked member. Since single relations can
still combine (a total minus another total), a linear-algebra check follows: a masked cell is safe only if some solution of the shown relations changes it
(the null space of the masked cells' system has a component on it); a cell that is pinned down
gets one more suppression in its tightest relation (several far-apart pinned cells per round),
and both steps run again.

Not being pinned down is not enough: with counts at least 0, a shown total and parts can still
narrow a masked cell down (a total of 6 with a shown part of 4 leaves 0–2 for two masked ones).
So, last, each *sensitive* cell (masked for its own sake: a count of 1 … threshold−1, a share's
denominator below the threshold) must keep an interval of at least threshold−1 (``width``), i.e.
still be any of at least `threshold` whole numbers, as 0–4 at threshold 5: the protection
interval of the statistical offices. The interval is what a reader gets by applying the
relations one at a time, again and again, with every figure at least 0 (bound propagation,
``intervals``); a cell whose interval is narrower gets one more suppression, a large enough shown
member of the relation that bounds it most tightly, and all steps run again. A figure from the
region's printed report is never masked for this (anyone can read it there, so hiding it here
would keep nothing from a reader): where only such figures bound a cell, its interval stays
narrow. Also left open: the exact interval over all relations at once (a linear programme) can be
narrower where relations form cycles, and a share's numerator is not bounded.

Everything is decided once, for the report periods and the months together, per measure and year
(the relations never cross a year or a measure), and only for measure-years with a primary masked
cell. The result is a set of cell keys; the engine masks exactly these, in every view and export.
A cell masked to protect another reads "skyddat (för få)" like the cell it protects.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import chain, combinations, islice
from typing import NamedTuple

import numpy as np
import polars as pl

from kpi.model.periods import month_windows

_SLOTS = 16  # as the engine's period codes: months 0–11, DÅ04 12, DÅ08 13, ÅR 14
_REPORT_SLOT = {"DÅ04": 12, "DÅ08": 13, "ÅR": 14}
CELL_COLUMNS = ["key", "m", "u", "p", "s", "value", "numerator", "denominator", "is_demo"]


def primary(threshold: int) -> pl.Expr:
    """The cells masked for their own sake (needs ``value_kind``): a count of 1 … threshold−1, a
    share over fewer than ``threshold``."""
    return (
        ((pl.col("value_kind") == "count") & (pl.col("value") > 0) & (pl.col("value") < threshold))
        | ((pl.col("value_kind") == "share") & pl.col("denominator").is_not_null() & (pl.col("denominator") < threshold))
    ).fill_null(False)


class Relation(NamedTuple):
    """total = sum of parts, over cell keys (a named tuple: a block has hundreds of thousands, and
    tuples hash and sort in C)."""

    total: int
    parts: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


@cache
def time_templates() -> dict[str, list[tuple[int, tuple[int, ...]]]]:
    """Per accumulation, the period slots as sums of other slots: each report period = its months,
    and = every set of disjoint shorter report periods inside it + the months left over."""
    windows = month_windows([2000]).filter(pl.col("month_period") != pl.col("period"))
    out: dict[str, list[tuple[int, tuple[int, ...]]]] = {}
    for (accumulation,), rows in windows.partition_by("accumulation", as_dict=True, maintain_order=True).items():
        months: dict[int, frozenset[int]] = {}
        for row in rows.iter_rows(named=True):
            slot = _REPORT_SLOT[row["period"][5:]]
            months[slot] = months.get(slot, frozenset()) | {int(row["month_period"][5:7]) - 1}
        templates: list[tuple[int, tuple[int, ...]]] = []
        for total, inside in sorted(months.items()):
            shorter = [s for s in sorted(months) if s != total and months[s] < inside]
            for n in range(len(shorter) + 1):
                for chosen in combinations(shorter, n):
                    covered = [months[s] for s in chosen]
                    if sum(len(c) for c in covered) != len(frozenset().union(*covered)):
                        continue  # overlapping periods: not a sum
                    rest = sorted(inside - frozenset().union(*covered))
                    templates.append((total, (*chosen, *rest)))
        out[str(accumulation)] = templates
    return out


def relation_table(cells: pl.DataFrame, parents: pl.DataFrame, n_periods: int) -> pl.DataFrame:
    """Every additive relation among ``cells`` (coded, with ``additive``, ``_a``, ``_b`` and
    ``accumulation``) that holds in the figures, as a table: total, parts (the sorted present
    parts' keys). Built with joins over all of ``cells`` at once.

    A part that is absent adds nothing (as in the roll-up). A relation whose total is not additive
    (no value, or a share without numerator and denominator), that has a part which is not, or
    whose figures do not add up (a report period without its last month is not derived, so an
    area's ÅR may hold fewer units than its months) gives nothing away and is left out. Counts,
    numerators and denominators are whole numbers: a relation holds when it adds up within ½.
    """
    unit_step = n_periods * 4
    base = cells.select("key", "u", "p", "s", "accumulation")
    # Each candidate relation is an id and its members (total and parts) in long form.
    sexes = base.filter(pl.col("s") == 0).select(
        pl.lit(0, pl.Int64).alias("kind"), pl.col("key").alias("total"), pl.lit(0, pl.Int64).alias("variant"),
        pl.concat_list(pl.col("key") + 1, pl.col("key") + 2).alias("part"),
    )
    # A unit's cell is a part of its parent's cell (same measure, period and sex).
    units = base.join(parents.select("u", "parent").drop_nulls().unique(), on="u", how="inner").select(
        pl.lit(1, pl.Int64).alias("kind"), (pl.col("key") + (pl.col("parent") - pl.col("u")) * unit_step).alias("total"),
        pl.lit(0, pl.Int64).alias("variant"), pl.concat_list(pl.col("key")).alias("part"),
    )
    template_rows = [
        (str(accumulation), n, total, list(parts))
        for accumulation, listed in time_templates().items()
        for n, (total, parts) in enumerate(listed)
    ]
    templates = pl.DataFrame(template_rows, schema={"accumulation": pl.String, "variant": pl.Int64, "slot": pl.Int64, "slots": pl.List(pl.Int64)}, orient="row")
    times = (
        base.with_columns((pl.col("p") % _SLOTS).cast(pl.Int64).alias("slot"), pl.col("accumulation").cast(pl.String))
        .filter(pl.col("slot") >= 12)
        .join(templates, on=["accumulation", "slot"], how="inner")
        .select(
            pl.lit(2, pl.Int64).alias("kind"), pl.col("key").alias("total"), "variant",
            (pl.col("slots") * 4 + (pl.col("key") - pl.col("slot") * 4)).alias("part"),
        )
    )
    figures = cells.select("key", pl.col("additive").fill_null(False), "_a", "_b")
    candidates = pl.concat([sexes, units, times]).explode("part")
    present = candidates.join(figures, left_on="part", right_on="key", how="inner")
    grouped = present.group_by("kind", "total", "variant").agg(
        pl.col("part").sort().alias("parts"), pl.col("additive").all().alias("_all"), pl.col("_a").sum().alias("_sa"), pl.col("_b").sum().alias("_sb"),
    )
    return (
        grouped.join(figures, left_on="total", right_on="key", how="inner")
        .filter(
            pl.col("_all") & pl.col("additive")
            & ((pl.col("_a") - pl.col("_sa")).abs() <= 0.5) & ((pl.col("_b") - pl.col("_sb")).abs() <= 0.5)
        )
        .select("total", "parts")
        .sort("total", "parts")
    )  # fmt: skip


def _order(relations_: list[Relation]) -> list[Relation]:
    """The relations once each, by total and then parts (``decide``'s come so already)."""
    if all(map(operator.lt, relations_, islice(relations_, 1, None))):
        return list(relations_)
    return sorted(set(relations_))


class _Memberships:
    """Relations as arrays, one row per member of each relation (its total first, then its parts):
    ``cells`` (sorted keys), ``member`` (the row's index in ``cells``), ``relation`` (the row's
    relation) and ``first`` (each relation's first row)."""

    def __init__(self, rels: list[Relation]) -> None:
        lengths = np.fromiter((len(r.parts) + 1 for r in rels), np.int64, len(rels))
        keys = np.fromiter(chain.from_iterable((r.total, *r.parts) for r in rels), np.int64, int(lengths.sum()))
        self.cells, self.member = np.unique(keys, return_inverse=True)
        self.relation = np.repeat(np.arange(len(rels)), lengths)
        self.first = np.cumsum(lengths) - lengths

    def of_cell(self) -> dict[int, list[int]]:
        """Each cell's relations, in order."""
        relations = self.relation[np.argsort(self.member, kind="stable")].tolist()
        ends = np.cumsum(np.bincount(self.member, minlength=len(self.cells))).tolist()
        out: dict[int, list[int]] = {}
        start = 0
        for k, end in zip(self.cells.tolist(), ends, strict=True):
            out[k] = relations[start:end]
            start = end
        return out


def complete(
    masked: set[int],
    rels: list[Relation],
    size: dict[int, float],
    published: dict[int, bool],
    *,
    sensitive: set[int] | None = None,
    width: int = 0,
) -> set[int]:
    """Mask more cells of ``rels`` until none has exactly one masked member, no masked cell is
    fixed by the shown cells through the relations together, and every ``sensitive`` cell's
    interval (``intervals``) is at least ``width`` wide. Returns the full masked set.

    The cells are keys with the sex in their two lowest bits (0 total, 1 women, 2 men): a masked
    cell takes the sexes of its measure, unit and period with it (``mask``'s rule), present ones
    only (``size`` holds every cell's figure: a count's value, a share's denominator)."""
    rels = _order(rels)
    memberships = _Memberships(rels)
    of_cell = memberships.of_cell()
    system = FreeCells(rels, of_cell)
    propagation = _Propagation(memberships, size)
    hidden_in = [0] * len(rels)  # masked members per relation, kept as cells are masked
    singles: set[int] = set()  # the relations with exactly one masked member

    def rank(k: int) -> tuple[bool, bool, float, int]:
        return (published.get(k, False), size.get(k, 0.0) == 0, size.get(k, 0.0), k)

    def with_sexes(k: int) -> list[int]:
        group = k - k % 4
        return [k] + [x for x in (group + 1, group + 2) if x != k and x in size]

    def hide(k: int) -> list[int]:
        """Mask ``k``; the relations that now have exactly one masked member."""
        masked.add(k)
        became_single = []
        for j in of_cell.get(k, []):
            hidden_in[j] += 1
            if hidden_in[j] == 1:
                singles.add(j)
                became_single.append(j)
            elif hidden_in[j] == 2:
                singles.discard(j)
        return became_single

    start = sorted({x for k in masked for x in with_sexes(k)})
    masked = set()
    for k in start:
        hide(k)

    def cover(i: int) -> int | None:
        r = rels[i]
        parts = sorted((k for k in r.parts if k not in masked), key=rank)
        if parts:
            return parts[0]
        return None if r.total in masked else r.total

    def nearest_cover(k: int, pick: Callable[[int], int | None] = cover) -> int | None:
        """A shown cell to mask for a fixed cell ``k``: in its tightest relation (fewest masked
        members), or, when all of those are masked, in the nearest relation further out (``pick``
        chooses the cell in a relation)."""
        seen_cells, seen_rels, frontier = {k}, set(), [k]
        while frontier:
            around = sorted(
                {i for c in frontier for i in of_cell.get(c, []) if i not in seen_rels},
                key=lambda i: (hidden_in[i], i),
            )
            for i in around:
                if (extra := pick(i)) is not None:
                    return extra
            seen_rels.update(around)
            frontier = sorted({x for i in around for x in rels[i].members if x in masked and x not in seen_cells})
            seen_cells.update(frontier)
        return None

    def helpful(k: int, deficit: int) -> Callable[[int], int | None]:
        def can_widen(x: int) -> bool:
            # A zero widens nothing; a published figure is in the region's printed report for
            # anyone to read, so masking it here would keep nothing from a reader.
            return x not in masked and x != k and size.get(x, 0.0) > 0 and not published.get(x, False)

        def pick(i: int) -> int | None:
            """The shown member of relation ``i`` (not ``k``) to mask for a ``k`` that is
            ``deficit`` too narrow: the parts before the total; among them, the first in ``rank``'s
            order that is large enough alone, else the largest."""
            r = rels[i]
            shown = [x for x in r.parts if can_widen(x)]
            if not shown:
                return r.total if can_widen(r.total) else None
            enough = [x for x in shown if size[x] >= deficit]
            if enough:
                return min(enough, key=rank)
            return max(shown, key=lambda x: (size[x], -x))

        return pick

    def widen(cells: set[int]) -> set[int]:
        """Mask one more cell for each of ``cells`` whose interval is too narrow (far apart ones
        in the same round, as for fixed cells), in the relation that bounds it most tightly; the
        cells masked (none when every interval is wide enough)."""
        low, high = propagation.bounds(masked)
        grown: set[int] = set()
        narrow = sorted(k for k in cells if high[k] - low[k] < width)
        for k in narrow:
            if any(x in grown for i in of_cell.get(k, []) for x in rels[i].members):
                continue
            # In the relations around it, tightest first, else further out.
            tightest = sorted(of_cell.get(k, []), key=lambda i: (_bound(rels[i], k, masked, low, high, size), i))
            pick = helpful(k, int(width - (high[k] - low[k])))
            extra = next((x for i in tightest if (x := pick(i)) is not None), None)
            if extra is None:
                extra = nearest_cover(k, pick)
            if extra is not None:
                added = with_sexes(extra)
                for x in added:
                    if x not in masked:
                        hide(x)
                grown.update(added)
        return grown

    for _ in range(100_000):  # each round masks at least one more cell; the bound is never reached
        work = deque(sorted(singles))
        while work:
            i = work.popleft()
            if hidden_in[i] != 1:
                continue
            chosen = cover(i)
            if chosen is None:
                continue
            for k in with_sexes(chosen):
                if k not in masked:
                    work.extend(hide(k))
        system.add_all(masked)
        fixed = masked - system.free
        if not fixed:
            if width <= 0 or not sensitive:
                return masked
            if not widen(sensitive):
                return masked  # every interval is wide enough (or nothing around is shown any more: never seen)
            continue
        # One more cell per fixed cell, in key order, but none for a cell that shares a relation
        # with a cell masked in this round: that one often frees it (and its neighbours), so
        # they wait for the next check. Cells far apart are covered in the same round; a block
        # with many small counts needs a few eliminations instead of one per added cell.
        grown: set[int] = set()
        for k in sorted(fixed):
            if any(x in grown for i in of_cell.get(k, []) for x in rels[i].members):
                continue
            if (extra := nearest_cover(k)) is not None:
                added = with_sexes(extra)
                for x in added:
                    if x not in masked:
                        hide(x)
                grown.update(added)
        if not grown:
            return masked  # nothing around it is shown any more (never seen)
    return masked


def _bound(r: Relation, k: int, masked: set[int], low: dict[int, float], high: dict[int, float], size: dict[int, float]) -> float:
    """How wide relation ``r`` alone lets member ``k`` be, given the others' intervals."""

    def of(x: int) -> tuple[float, float]:
        return (low[x], high[x]) if x in masked else (round(size.get(x, 0.0)),) * 2

    if k == r.total:
        return sum(of(x)[1] for x in r.parts) - sum(of(x)[0] for x in r.parts)
    total_low, total_high = of(r.total)
    others = [of(x) for x in r.parts if x != k]
    return (total_high - sum(lo for lo, _ in others)) - max(0.0, total_low - sum(hi for _, hi in others))


def intervals(masked: set[int], rels: list[Relation], size: dict[int, float]) -> tuple[dict[int, float], dict[int, float]]:
    """Each masked cell's interval (lowest, highest) as a reader can narrow it down: every figure
    is a whole number of at least 0, and each relation bounds each of its masked members by the
    others' bounds (a total by the sum of its parts' bounds; a part by the total's bounds less the
    other parts' bounds), repeated until nothing changes (bound propagation; ``size``: the shown
    figures). This is what the relations give one at a time, again and again; the exact interval
    (a linear programme over all of them at once) can be narrower where relations form cycles."""
    return _Propagation(_Memberships(rels), size).bounds(masked)


class _Propagation:
    """``intervals`` over fixed relations, for one masked set after another (``complete`` asks once
    per round as cells are masked), with NumPy: each step applies the relations to the bounds of
    the step before, all at once (at first every relation with a masked member, then those with a
    member whose bound changed), and keeps, per cell, the tightest bound any relation gives, until
    a step changes nothing.

    Every relation's step only narrows and narrows more from narrower bounds, so this ends at the
    same bounds as applying the relations one at a time in any order (the widest bounds that no
    relation narrows further); the figures are whole numbers, so the sums are exact in floating
    point. A whole block, every group of masked cells in it, takes six to eight steps on the 10×
    region. Each round starts again from 0 … ∞: masking a cell can only widen the others'
    intervals, and which of the earlier bounds would still hold is not recorded."""

    def __init__(self, memberships: _Memberships, size: dict[int, float]) -> None:
        self._cells, self._member, self._relation = memberships.cells, memberships.member, memberships.relation
        self._is_part = np.ones(len(self._member), bool)
        self._is_part[memberships.first] = False
        self._total = self._member[memberships.first]
        self._n_relations = len(memberships.first)
        self._value = np.fromiter((round(size.get(k, 0.0)) for k in self._cells.tolist()), np.float64, len(self._cells))

    def bounds(self, masked: set[int]) -> tuple[dict[int, float], dict[int, float]]:
        """Each masked cell's (lowest, highest) by bound propagation, the others' figures shown;
        0 … ∞ for a cell in no relation."""
        low: dict[int, float] = dict.fromkeys(masked, 0.0)
        high: dict[int, float] = dict.fromkeys(masked, math.inf)
        keys = np.fromiter(masked, np.int64, len(masked))
        at = np.searchsorted(self._cells, keys).clip(0, max(len(self._cells) - 1, 0))
        inside = (self._cells[at] == keys) if len(self._cells) else np.zeros(len(keys), bool)
        keys, at = keys[inside], at[inside]
        if not len(keys):
            return low, high
        hidden = np.zeros(len(self._value), bool)
        hidden[at] = True
        lo = np.where(hidden, 0.0, self._value)
        hi = np.where(hidden, math.inf, self._value)
        # At first every relation with a masked member; then only those with a member whose bound
        # changed in the step before (the others would give the bounds they gave then).
        n = self._n_relations
        all_member, all_relation, all_part = self._member, self._relation, self._is_part
        active = np.bincount(all_relation, weights=hidden[all_member], minlength=n) > 0
        while True:
            rows = np.flatnonzero(active[all_relation])
            member, relation, is_part = all_member[rows], all_relation[rows], all_part[rows]
            member_lo, member_hi = lo[member], hi[member]
            is_open = is_part & np.isinf(member_hi)  # a part with no upper bound yet
            parts_lo = np.bincount(relation, weights=np.where(is_part, member_lo, 0.0), minlength=n)[relation]
            parts_hi = np.bincount(relation, weights=np.where(is_part & ~is_open, member_hi, 0.0), minlength=n)[relation]
            n_open = np.bincount(relation, weights=is_open, minlength=n)[relation]
            total_lo, total_hi = lo[self._total][relation], hi[self._total][relation]
            others_lo = parts_lo - member_lo
            others_hi = np.where(n_open - is_open > 0, math.inf, parts_hi - np.where(is_open, 0.0, member_hi))
            new_lo = np.where(is_part, total_lo - others_hi, parts_lo)
            new_hi = np.where(is_part, total_hi - others_lo, np.where(n_open > 0, math.inf, parts_hi))
            # Each masked cell's tightest bound over its rows here.
            by_cell = np.flatnonzero(hidden[member])
            by_cell = by_cell[np.argsort(member[by_cell], kind="stable")]
            cell = member[by_cell]
            cell_start = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
            target = cell[cell_start]
            next_lo = np.maximum(lo[target], np.maximum.reduceat(new_lo[by_cell], cell_start))
            next_hi = np.minimum(hi[target], np.minimum.reduceat(new_hi[by_cell], cell_start))
            changed = (next_lo != lo[target]) | (next_hi != hi[target])
            if not changed.any() or (next_lo > next_hi).any():
                # Done; or figures that contradict each other (never in a store whose counts are
                # whole numbers that add up), which would narrow the bounds forever: the bounds
                # reached so far are kept, and narrower bounds only ever mask more.
                break
            lo[target], hi[target] = next_lo, next_hi
            is_changed = np.zeros(len(lo), bool)
            is_changed[target[changed]] = True
            active = np.zeros(n, bool)
            active[all_relation[is_changed[all_member]]] = True
        low.update(zip(keys.tolist(), lo[at].tolist(), strict=True))
        high.update(zip(keys.tolist(), hi[at].tolist(), strict=True))
        return low, high


_PRIME = (1 << 61) - 1  # exact arithmetic modulo a large prime: no rounding, the same on every machine
_HALF = _PRIME // 2


def _symmetric(value: int) -> int:
    """``value`` modulo _PRIME, as the residue nearest 0 (−_HALF … _HALF). The relations'
    coefficients are ±1, and on the region's data every basis entry stays ±1: kept as small
    integers, the elimination's arithmetic stays on machine-sized numbers (as residues from 0 to
    _PRIME, −1 was a 61-bit number and every product twice that). Congruent to the residue either
    way, so zero exactly when it is."""
    value %= _PRIME
    return value - _PRIME if value > _HALF else value


class FreeCells:
    """Which masked cells the relations leave free, kept up to date as more cells are masked.

    Each relation is an equation over its masked cells (A·x = b, b from the shown ones); cell i is
    free when some solution changes it, i.e. when A's null space has a component on it. The null
    space is spanned by the circuits of A's columns: so the columns are added one at a time (as the
    cells are masked) and reduced against an echelon basis of the earlier ones, and a column that
    reduces to zero closes a circuit, whose cells are all free. Masking a cell only adds a column,
    so a free cell stays free and nothing is reduced twice: one elimination for the whole
    suppression instead of one per round. The arithmetic is exact, on sparse vectors, modulo a
    large prime (a coefficient of ±1 never meets it), so the answer is deterministic and does not
    depend on the order the cells come in.
    """

    def __init__(self, rels: list[Relation], of_cell: dict[int, list[int]] | None = None) -> None:
        self._rels = rels
        if of_cell is None:
            of_cell = {}
            for i, r in enumerate(rels):
                for k in r.members:
                    of_cell.setdefault(k, []).append(i)
        self._of_cell = of_cell  # cell -> the relations it is a member of (a column is made when the cell is added)
        self._basis: dict[int, tuple[dict[int, int], dict[int, int]]] = {}  # pivot -> (vector, its cells)
        self._added: set[int] = set()
        self.free: set[int] = set()

    def add_all(self, cells: set[int]) -> None:
        for k in sorted(cells - self._added):
            self.add(k)

    def add(self, cell: int) -> None:
        """Add a masked cell's column: its vector over the relations and, beside it, the cells
        whose columns make it up (at first only the cell itself)."""
        self._added.add(cell)
        # The cell's column: +1 in a relation it is the total of, −1 where it is a part.
        vector = {i: 1 if self._rels[i].total == cell else -1 for i in self._of_cell.get(cell, ())}
        cells = {cell: 1}
        # The highest relation first: measured, not derived; from the lowest relation up the
        # columns of four blocks of the 10× region met about eleven times as many basis entries
        # (the generated region's a quarter more). The free cells are the same in any order.
        queue = [-row for row in vector]
        heapq.heapify(queue)
        basis_of, push, pop = self._basis.get, heapq.heappush, heapq.heappop
        while queue:
            row = -pop(queue)
            factor = vector.get(row)
            if not factor:
                continue  # cancelled on the way
            basis = basis_of(row)
            if basis is None:  # a new pivot: the highest relation left (every basis vector ends at its pivot)
                if factor == 1:
                    self._basis[row] = (vector, cells)
                elif factor == -1:
                    self._basis[row] = ({k: -v for k, v in vector.items()}, {k: -v for k, v in cells.items()})
                else:
                    inverse = _symmetric(pow(factor, -1, _PRIME))
                    self._basis[row] = (
                        {k: _symmetric(v * inverse) for k, v in vector.items()},
                        {k: _symmetric(v * inverse) for k, v in cells.items()},
                    )
                return
            for k, v in basis[0].items():
                value = vector.get(k, 0) - factor * v
                if value > _HALF or value < -_HALF:
                    value = _symmetric(value)
                if value:
                    if k not in vector:
                        push(queue, -k)
                    vector[k] = value
                else:
                    vector.pop(k, None)
            for k, v in basis[1].items():
                value = cells.get(k, 0) - factor * v
                if value > _HALF or value < -_HALF:
                    value = _symmetric(value)
                if value:
                    cells[k] = value
                else:
                    cells.pop(k, None)
        self.free.update(cells)  # the column is a combination of these: a circuit


def determined(masked: set[int], rels: list[Relation]) -> set[int]:
    """The masked cells that the relations fix from the shown cells (``FreeCells``)."""
    system = FreeCells(_order(rels))
    system.add_all(masked)
    return masked - system.free


def pattern(cells: pl.DataFrame, kinds: pl.DataFrame, parents: pl.DataFrame, n_periods: int, threshold: int) -> pl.Series:
    """The keys of every masked cell (primary and secondary) among ``cells`` (coded report periods
    and months with CELL_COLUMNS). ``kinds``: m, value_kind, accumulation."""
    decided = decide(cells, kinds, parents, n_periods, threshold)
    return pl.Series("key", sorted(chain.from_iterable(decided.values())), pl.Int64)


@dataclass(frozen=True)
class Decision:
    """The masked cells (``keys``) and, per measure-year that took part, what decided them:
    ``blocks`` has a ``digest`` of everything the measure-year's decision depends on and its masked
    ``keys``, so that a later evaluation can take an unchanged measure-year's cells as they are
    (``kpi.evaluation.engine.suppressed_keys``)."""

    keys: pl.Series
    blocks: pl.DataFrame


BLOCK_SCHEMA = {"digest": pl.String, "keys": pl.List(pl.Int64)}


def known_from(blocks: pl.DataFrame) -> dict[str, list[int]]:
    """``Decision.blocks`` (as stored) as digest → masked keys, what the next evaluation reuses."""
    return dict(zip(blocks["digest"].to_list(), blocks["keys"].to_list(), strict=True))


def decide(cells: pl.DataFrame, kinds: pl.DataFrame, parents: pl.DataFrame, n_periods: int, threshold: int) -> dict[tuple[int, int], list[int]]:
    """Per measure-year (m, year code: the period code // 16) of ``cells`` that has a primary
    masked cell, its masked keys (primary and secondary, sorted). Relations never cross a
    measure-year, so each is decided on its own cells alone."""
    frame = cells.select(CELL_COLUMNS).join(kinds.select("m", "value_kind", "accumulation"), on="m", how="left")
    frame = frame.with_columns(primary(threshold).alias("_own"), (pl.col("p") // _SLOTS).alias("_year"))
    frame = frame.with_columns(pl.col("_own").alias("_sensitive"))
    # Both sexes go with any masked cell of their measure, unit and period (as before).
    groups = frame.filter(pl.col("_own")).select((pl.col("key") // 4).alias("_g")).unique()
    frame = frame.with_columns(
        (pl.col("_own") | ((pl.col("s") > 0) & (pl.col("key") // 4).is_in(groups["_g"].implode()))).alias("_own")
    )
    blocks = frame.filter(pl.col("_own")).select("m", "_year").unique().sort("m", "_year")
    if blocks.is_empty():
        return {}
    frame = frame.join(blocks, on=["m", "_year"], how="semi").with_columns(
        (
            ((pl.col("value_kind") == "count") & pl.col("value").is_not_null())
            | ((pl.col("value_kind") == "share") & pl.col("numerator").is_not_null() & pl.col("denominator").is_not_null())
        ).alias("additive"),
        pl.when(pl.col("value_kind") == "share").then(pl.col("denominator")).otherwise(pl.col("value")).fill_null(0.0).alias("_size"),
        # The figures that add up: a count's value; a share's numerator and denominator.
        pl.when(pl.col("value_kind") == "share").then(pl.col("numerator")).otherwise(pl.col("value")).fill_null(0.0).alias("_a"),
        pl.when(pl.col("value_kind") == "share").then(pl.col("denominator")).otherwise(0.0).fill_null(0.0).alias("_b"),
    )
    # The measure-years are taken into Python a bounded number of cells at a time: a chunk's
    # relations, its figures as dicts and what complete builds exist for one chunk at a time, and
    # the memory grows with the chunk, not with all blocks (at 40× the region the relations of all
    # blocks at once took 1,3 GB more than the frame while they were found). A chunk holds whole
    # blocks, as many as fit in CHUNK_CELLS: the region's are one chunk, since finding the
    # relations block by block cost it 0,6 s more (a join's fixed cost, 71 times).
    decided: dict[tuple[int, int], list[int]] = {}
    for chunk in _chunks(frame, [tuple(b) for b in blocks.iter_rows()]):
        decided.update(_decide_chunk(frame.join(chunk, on=["m", "_year"], how="semi"), parents, n_periods, threshold))
    return decided


CHUNK_CELLS = 300_000  # cells decided together (``decide``): the region has about 70 000 in all


def _chunks(frame: pl.DataFrame, blocks: list[tuple[int, int]]) -> list[pl.DataFrame]:
    """``blocks`` (m, _year) in consecutive groups of at most CHUNK_CELLS cells of ``frame`` (a
    larger block is a group of its own), each group as a frame of its blocks."""
    sizes = dict(((m, year), n) for m, year, n in frame.group_by("m", "_year").len().iter_rows())
    groups: list[list[tuple[int, int]]] = [[]]
    filled = 0
    for block in blocks:
        if groups[-1] and filled + sizes[block] > CHUNK_CELLS:
            groups.append([])
            filled = 0
        groups[-1].append(block)
        filled += sizes[block]
    schema = {"m": frame["m"].dtype, "_year": frame["_year"].dtype}
    return [pl.DataFrame(group, schema=schema, orient="row") for group in groups if group]


def _decide_chunk(frame: pl.DataFrame, parents: pl.DataFrame, n_periods: int, threshold: int) -> dict[tuple[int, int], list[int]]:
    """Per measure-year in ``frame`` (its cells as ``decide`` prepares them, each block with at
    least one primary masked cell), its sorted masked keys."""
    # In relation_table's order (by total, then parts), which complete need not sort again.
    found = relation_table(frame, parents, n_periods).join(
        frame.select("key", "m", "_year"), left_on="total", right_on="key", how="inner", maintain_order="left"
    )
    rels_of = {
        block: list(map(Relation, rows["total"].to_list(), map(tuple, rows["parts"].to_list())))
        for block, rows in found.partition_by("m", "_year", as_dict=True, maintain_order=True).items()
    }
    del found
    keys = frame["key"].to_list()
    size = dict(zip(keys, frame["_size"].to_list(), strict=True))
    published = dict(zip(keys, (~frame["is_demo"].fill_null(False)).to_list(), strict=True))
    own_of, sensitive_of = (
        {(m, year): set(cells) for m, year, cells in frame.filter(pl.col(flag)).group_by("m", "_year").agg("key").iter_rows()}
        for flag in ("_own", "_sensitive")
    )
    return {
        block: sorted(complete(own, rels_of.pop(block, []), size, published, sensitive=sensitive_of.get(block, set()), width=threshold - 1))
        for block, own in sorted(own_of.items())
    }
