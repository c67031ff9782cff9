"""The unit tree as people see it: tree order, names for pickers, children and units in force.

The tree is data (``units`` table): units merge, open and move. A unit is *in force* during a
period when it started before the period ended and did not end before the period's year began.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.model.catalogue import REPORTING_UNIT_TYPES
from kpi.model.periods import Period

REPORTING_TYPES = tuple(t.value for t in REPORTING_UNIT_TYPES)


@dataclass(frozen=True)
class TreeUnit:
    unit_id: str
    name: str
    unit_type: str
    parent_id: str | None
    depth: int
    is_demo: bool
    valid_to_year: int | None

    def picker_label(self, parent_name: str | None = None) -> str:
        """'Division Nära', 'VO Piteå tätort', 'Hortlax hälsocentral – VO Piteå tätort', with demo
        and end marks; the parent's name makes a search for a VO list its units too."""
        marks = []
        if self.is_demo:
            marks.append("demo")
        if self.valid_to_year is not None:
            marks.append(f"upphörde {self.valid_to_year}")
        suffix = f" ({', '.join(marks)})" if marks else ""
        within = f" – {parent_name}" if parent_name and self.unit_type in REPORTING_TYPES else ""
        return f"{self.name}{within}{suffix}"


def tree_order(units: pl.DataFrame) -> list[TreeUnit]:
    """Every unit depth first from the root(s), siblings in the table's order."""
    rows = units.select("unit_id", "name", "unit_type", "parent_id", "is_demo", pl.col("valid_to").dt.year().alias("valid_to_year")).rows(named=True)
    children: dict[str | None, list[dict[str, object]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)  # type: ignore[arg-type]
    known = {row["unit_id"] for row in rows}
    roots = [row for row in rows if row["parent_id"] is None or row["parent_id"] not in known]
    out: list[TreeUnit] = []

    def visit(row: dict[str, object], depth: int) -> None:
        out.append(
            TreeUnit(
                unit_id=str(row["unit_id"]),
                name=str(row["name"]),
                unit_type=str(row["unit_type"]),
                parent_id=row["parent_id"],  # type: ignore[arg-type]
                depth=depth,
                is_demo=bool(row["is_demo"]),
                valid_to_year=row["valid_to_year"],  # type: ignore[arg-type]
            )
        )
        for child in children.get(row["unit_id"], []):  # type: ignore[arg-type]
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    return out


def in_force(units: pl.DataFrame, p: Period) -> pl.DataFrame:
    """The units that existed during the period."""
    started = pl.col("valid_from").dt.year() * 100 + pl.col("valid_from").dt.month() <= p.year * 100 + p.end_month
    not_ended = pl.col("valid_to").is_null() | (pl.col("valid_to").dt.year() >= p.year)
    return units.filter(started & not_ended)


def children_in_force(units: pl.DataFrame, unit_id: str, period: Period) -> pl.DataFrame:
    return in_force(units, period).filter(pl.col("parent_id") == unit_id)


def comparison_group(units: pl.DataFrame, unit_id: str, period: Period) -> tuple[str, pl.DataFrame]:
    """The units to compare for an organisation: its children in force, or, for a unit without
    children in force (a health centre), itself and its siblings. Returns (group owner, units)."""
    children = children_in_force(units, unit_id, period)
    if children.height:
        return unit_id, children
    parent = units.filter(pl.col("unit_id") == unit_id)["parent_id"]
    if parent.is_empty() or parent[0] is None:
        return unit_id, units.filter(pl.col("unit_id") == unit_id)
    return parent[0], children_in_force(units, parent[0], period)


def descendants_in_tree_order(units: pl.DataFrame, unit_id: str, period: Period) -> list[TreeUnit]:
    """The organisation and everything below it that existed during the period, in tree order."""
    force = set(in_force(units, period)["unit_id"].to_list())
    tree = tree_order(units)
    out: list[TreeUnit] = []
    inside_depth: int | None = None
    for unit in tree:
        if inside_depth is not None and unit.depth <= inside_depth:
            break
        if unit.unit_id == unit_id:
            inside_depth = unit.depth
        if inside_depth is not None and unit.unit_id in force:
            out.append(unit)
    return out


def reporting_types_below(units: pl.DataFrame) -> dict[str, frozenset[str]]:
    """For every unit, its own type and the reporting unit types (hälsocentral, tandvårdsklinik)
    below it. A measure applies to a unit when one of these is among the measure's ``reported_by``:
    a dental area does not report a health-centre measure, so there it is 'not applicable', not
    missing; a measure reported by the division applies to the division only."""
    tree = tree_order(units)
    types: dict[str, set[str]] = {u.unit_id: {u.unit_type} for u in tree}
    parents = {u.unit_id: u.parent_id for u in tree}
    for unit in reversed(tree):  # children before parents
        parent = parents[unit.unit_id]
        if parent in types:
            types[parent] |= types[unit.unit_id] & set(REPORTING_TYPES)
    return {k: frozenset(v) for k, v in types.items()}
