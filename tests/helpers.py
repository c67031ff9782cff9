"""Small in-memory catalogues and tables for rule tests: no files, no Streamlit."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset
from kpi.model.catalogue import Catalogue, CatalogueSet, Measure
from kpi.model.settings import Settings
from kpi.store.delta import ACTIONS, COMMENTS, OBSERVATIONS, UNITS, conform, empty

MEASURE_DEFAULTS: dict[str, Any] = {
    "id": "m",
    "name": "Testmått",
    "unit": "%",
    "value_kind": "share",
    "direction": "higher",
    "accumulation": "accumulated",
    "follow_up": ["DÅ04", "DÅ08", "ÅR"],
    "monthly": True,
    "split_by_sex": False,
    "reported_by": ["hälsocentral"],
    "target": {"kind": "level", "text": "80%", "value": 80},
    "source": "test",
}


def measure(**overrides: Any) -> Measure:
    return Measure.model_validate({**MEASURE_DEFAULTS, **overrides})


def catalogue(*measures: Measure, year: int = 2022) -> CatalogueSet:
    cat = Catalogue.model_validate(
        {
            "year": year,
            "organisation": "Test",
            "source": "test",
            "perspectives": [
                {"name": "Medborgare", "strategic_goal": "Mål", "success_factors": [{"name": "Faktor", "measures": [m.model_dump() for m in measures]}]}
            ],
        }
    )
    return CatalogueSet({year: cat})


def units(extra: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    """Region r → division d → areas v1 (h1, h2) and v2 (h3)."""
    rows = [
        ("r", "Regionen", "region", None),
        ("d", "Divisionen", "division", "r"),
        ("v1", "Område 1", "verksamhetsområde", "d"),
        ("v2", "Område 2", "verksamhetsområde", "d"),
        ("h1", "HC 1", "hälsocentral", "v1"),
        ("h2", "HC 2", "hälsocentral", "v1"),
        ("h3", "HC 3", "hälsocentral", "v2"),
    ]
    frame = pl.DataFrame(
        [{"unit_id": u, "name": n, "unit_type": t, "parent_id": p, "valid_from": date(2015, 1, 1), "valid_to": None, "is_demo": False, "source": "test"} for u, n, t, p in rows]
    )
    if extra:
        frame = pl.concat([frame, pl.DataFrame(extra).with_columns(pl.col("valid_from").cast(pl.Date), pl.col("valid_to").cast(pl.Date))], how="diagonal_relaxed")
    return conform(UNITS, frame)


def observations(rows: list[dict[str, Any]]) -> pl.DataFrame:
    defaults = {"sex": "T", "decimals": 1, "source": "test", "is_demo": False, "numerator": None, "denominator": None}
    full = [{**defaults, **r} for r in rows]
    if not full:
        return empty(OBSERVATIONS)
    return conform(OBSERVATIONS, pl.DataFrame(full, infer_schema_length=None, schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}))


def run(measures: list[Measure], rows: list[dict[str, Any]], *, settings: Settings | None = None, unit_rows: pl.DataFrame | None = None) -> Evaluation:
    dataset = Dataset(
        catalogues=catalogue(*measures),
        units=unit_rows if unit_rows is not None else units(),
        observations=observations(rows),
        comments=empty(COMMENTS),
        actions=empty(ACTIONS),
        settings=settings or Settings(),
    )
    return evaluate_dataset(dataset)


def cell(evaluation: Evaluation, unit_id: str, period: str, measure_id: str = "m") -> dict[str, Any]:
    rows = evaluation.wide.filter((pl.col("unit_id") == unit_id) & (pl.col("period") == period) & (pl.col("measure_id") == measure_id))
    assert rows.height == 1, f"expected one row for {measure_id}/{unit_id}/{period}, got {rows.height}"
    return rows.row(0, named=True)
