"""Generated data sets for comparing evaluation engines: the bundled tree copied ``scale`` times,
demo months drawn with a chosen seed, the published figures on top, and a few disturbances that
the bundled data lacks (missing months, small counts, values reported for an area)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from kpi.evaluation.scorecard import Dataset
from kpi.model.catalogue import load_catalogues
from kpi.model.settings import Settings
from kpi.store import demo
from kpi.store.bundled import catalogue_measure_kinds, read_published, read_units

DATA = Path(__file__).resolve().parents[2] / "data"


def generated_dataset(scale: int = 1, seed: int = 0, years: range = range(2020, 2024), disturb: bool = True) -> Dataset:
    catalogues = load_catalogues(DATA / "catalogue")
    units = demo.scale_units(read_units(DATA / "build" / "units.csv"), scale)
    published = read_published(DATA / "build" / "published.csv").drop("as_of")
    months = demo.generate(catalogue_measure_kinds(catalogues), units, published, years=years, seed=seed, calibrate=False)
    observations = pl.concat([published, months.select(published.columns)])
    if disturb:
        observations = _disturb(observations, units, np.random.default_rng(seed))
    return Dataset(
        catalogues=catalogues,
        units=units,
        observations=observations,
        comments=pl.DataFrame(),
        actions=pl.DataFrame(),
        settings=Settings(),
    )


def _disturb(observations: pl.DataFrame, units: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = observations.height
    drop = rng.random(n) < 0.03  # months that never came in
    small = rng.random(n) < 0.03  # small numbers, to be masked
    demo_rows = observations["is_demo"].to_numpy()
    frame = observations.with_columns(pl.Series("_small", small & demo_rows)).filter(~pl.Series(drop & demo_rows))
    frame = frame.with_columns(
        pl.when(pl.col("_small") & pl.col("denominator").is_not_null())
        .then(pl.col("denominator").clip(upper_bound=3.0))
        .otherwise(pl.col("denominator"))
        .alias("denominator"),
        pl.when(pl.col("_small") & pl.col("denominator").is_null() & pl.col("value").is_not_null())
        .then((pl.col("value") % 4).round(0))
        .otherwise(pl.col("value"))
        .alias("value"),
    ).drop("_small")
    # A few demo values reported directly for an area (they beat the roll-up).
    areas = units.filter(pl.col("unit_type") == "verksamhetsområde")["unit_id"].to_list()
    picked = frame.filter(pl.col("is_demo") & pl.col("unit_id").str.starts_with("hc_")).sample(n=min(40, frame.height), seed=int(rng.integers(1 << 30)))
    area_rows = picked.with_columns(pl.Series("unit_id", [areas[i % len(areas)] for i in range(picked.height)]))
    area_rows = area_rows.unique(subset=["measure_id", "unit_id", "period", "sex"], keep="first")
    return pl.concat([frame, area_rows])
