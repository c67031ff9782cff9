"""Units side by side: one measure across a group of units, and a perspective as a grid.

Values are the evaluated ones (masking already applied); a unit without a value stays in the
table with no value, and a masked unit is marked masked, so neither is drawn as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.evaluation.scorecard import Evaluation
from kpi.model.organisation import comparison_group, descendants_in_tree_order, in_force, reporting_types_below
from kpi.model.view import Sex, View

_SUFFIX = {"T": "", "K": "_women", "M": "_men"}


def _by_sex(sex: Sex) -> list[pl.Expr]:
    s = _SUFFIX[sex]
    return [
        pl.col(f"value{s}").alias("value"),
        pl.col(f"attainment{s}").fill_null("ej_bedomd").alias("attainment") if s else pl.col("attainment"),
        pl.col(f"masked{s}").fill_null(False).alias("masked") if s else pl.col("masked"),
        pl.col(f"is_demo{s}").fill_null(False).alias("is_demo") if s else pl.col("is_demo").fill_null(False),
        pl.col(f"target_effective{s}").alias("target_effective"),
        "decimals",
        "source",
    ]


def compared_units(
    evaluation: Evaluation, units: pl.DataFrame, measure_id: str, view: View, reported_by: tuple[str, ...] | None = None
) -> tuple[str, pl.DataFrame]:
    """The organisation's units (or, for a health centre, it and its siblings) for one measure.
    With ``reported_by`` (the catalogue's unit types for the measure), units that hold no such
    unit are left out: they do not report the measure, so there is nothing missing.

    Returns the group's owner and one row per unit in force: unit_id, name, unit_type, is_demo_unit,
    has_children, selected, value, attainment, masked, is_demo, target_effective; sorted by value.
    """
    unit_id, period, sex = view.unit_id, view.period, view.sex
    owner, group = comparison_group(units, unit_id, period)
    if reported_by is not None:
        below = reporting_types_below(units)
        group = group.filter(pl.col("unit_id").is_in([u for u in group["unit_id"].to_list() if below.get(u, frozenset()) & set(reported_by)]))
    force = in_force(units, period)
    parents = set(force["parent_id"].drop_nulls().to_list())
    values = evaluation.wide_for(measure_ids=[measure_id], period=period.id).select("unit_id", *_by_sex(sex))
    table = (
        group.select("unit_id", "name", "unit_type", pl.col("is_demo").alias("is_demo_unit"))
        .join(values, on="unit_id", how="left")
        .with_columns(
            pl.col("unit_id").is_in(list(parents)).alias("has_children"),
            (pl.col("unit_id") == unit_id).alias("selected"),
            pl.col("attainment").fill_null("ej_bedomd"),
            pl.col("masked").fill_null(False),
            pl.col("is_demo").fill_null(False),
        )
        .sort("value", nulls_last=True)
    )
    return owner, table


def unit_grid(evaluation: Evaluation, units: pl.DataFrame, measure_ids: list[str], view: View) -> pl.DataFrame:
    """The organisation and every unit below it (in tree order, with depth) × the measures.

    One row per unit and measure: unit_id, name, depth, measure_id, value, attainment, masked,
    is_demo, decimals.
    """
    tree = descendants_in_tree_order(units, view.unit_id, view.period)
    frame = pl.DataFrame(
        {"unit_id": [u.unit_id for u in tree], "name": [u.name for u in tree], "depth": [u.depth for u in tree], "row": list(range(len(tree)))},
        schema={"unit_id": pl.String, "name": pl.String, "depth": pl.Int32, "row": pl.Int32},
    )
    measures = pl.DataFrame({"measure_id": measure_ids, "column": list(range(len(measure_ids)))}, schema={"measure_id": pl.String, "column": pl.Int32})
    values = evaluation.wide_for(measure_ids=list(measure_ids), period=view.period.id).select("unit_id", "measure_id", *_by_sex(view.sex))
    return (
        frame.join(measures, how="cross")
        .join(values, on=["unit_id", "measure_id"], how="left")
        .with_columns(pl.col("attainment").fill_null("ej_bedomd"), pl.col("masked").fill_null(False), pl.col("is_demo").fill_null(False))
        .sort("row", "column")
    )


@dataclass(frozen=True)
class ComparisonSummary:
    """What the bars of ``compared_units`` show, in numbers a sentence can use."""

    drawn: int
    lowest: float | None
    highest: float | None
    common_target: float | None  # the target line, only when every unit has the same target
    masked_names: list[str]
    missing_names: list[str]
    any_demo: bool


def summarise_comparison(compared: pl.DataFrame) -> ComparisonSummary:
    drawn = compared.filter(pl.col("value").is_not_null() & ~pl.col("masked"))
    targets = drawn["target_effective"].drop_nulls().unique()
    return ComparisonSummary(
        drawn=drawn.height,
        lowest=drawn["value"].min() if drawn.height else None,  # type: ignore[arg-type]
        highest=drawn["value"].max() if drawn.height else None,  # type: ignore[arg-type]
        common_target=targets[0] if targets.len() == 1 else None,
        masked_names=compared.filter(pl.col("masked"))["name"].to_list(),
        missing_names=compared.filter(pl.col("value").is_null() & ~pl.col("masked"))["name"].to_list(),
        any_demo=bool(drawn["is_demo"].any()),
    )


def measures_with_values(grid: pl.DataFrame) -> set[str]:
    """The measures of a grid that have a value (or a masked one) for some unit."""
    return set(grid.filter(pl.col("value").is_not_null() | pl.col("masked"))["measure_id"].to_list())
