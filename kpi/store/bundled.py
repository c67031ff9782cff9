"""Build the bundled data set in ``data/store`` from the human-readable files in ``data/build``.

Published figures (``published.csv``), the unit tree (``units.csv``), the analysis comments
(``comments.csv``) and the actions' follow-up (catalogue) are written as their own commits, dated
by when they were published, so the store's history reads like the reports did. The demo data is
a last, separate commit. ``python -m kpi build-data`` runs this; the result is deterministic in
content.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from kpi.model.catalogue import CatalogueSet, load_catalogues
from kpi.model.periods import canonical
from kpi.store import demo
from kpi.store.delta import Store

DEMO_AS_OF = datetime(2026, 1, 15, tzinfo=UTC)


def copy_data(source: Path, target: Path) -> Path:
    """A working copy of a data directory's catalogue and store (for tests, benchmarks and trials
    of an import), leaving the original untouched. Returns ``target``."""
    for part in ("catalogue", "store"):
        shutil.copytree(source / part, target / part)
    return target


def read_units(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, schema_overrides={"valid_from": pl.Date, "valid_to": pl.Date, "parent_id": pl.String}).with_columns(
        pl.col("is_demo").cast(pl.Boolean)
    )


def read_published(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(
        path,
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64, "decimals": pl.Int8, "as_of": pl.String},
    )
    return frame.with_columns(
        pl.col("period").map_elements(canonical, return_dtype=pl.String),
        pl.lit(False).alias("is_demo"),
    )


def catalogue_measure_kinds(catalogues: CatalogueSet) -> dict[str, tuple[str, bool]]:
    latest = catalogues.for_year(max(catalogues.years))
    return {m.id: (m.accumulation.value, m.split_by_sex) for m in latest.measures()}


def build_store(data_dir: Path, *, target: Path | None = None, scale: int = 1, years: range = demo.DEMO_YEARS) -> Store:
    """(Re)create the store. ``scale`` > 1 copies the units, for benchmarks only."""
    build = data_dir / "build"
    catalogues = load_catalogues(data_dir / "catalogue")
    store_dir = target or data_dir / "store"
    if store_dir.exists():
        shutil.rmtree(store_dir)
    store = Store(store_dir)

    units = demo.scale_units(read_units(build / "units.csv"), scale)
    store.write("units", units, message="Enhetsträdet: division, verksamhetsområden, hälsocentraler och kliniker", as_of=datetime(2019, 1, 1, tzinfo=UTC))

    published = read_published(build / "published.csv")
    for as_of, group in sorted(published.group_by("as_of"), key=lambda item: str(item[0][0])):
        moment = datetime.fromisoformat(str(as_of[0])).replace(tzinfo=UTC)
        sources = sorted({s.split(",")[0] for s in group["source"].to_list()})
        store.write("observations", group.drop("as_of"), message=f"Publicerade värden: {'; '.join(sources)}", as_of=moment)

    report_date = datetime(2022, 10, 3, tzinfo=UTC)
    comments = pl.read_csv(build / "comments.csv").with_columns(pl.lit(False).alias("is_demo"))
    store.write("comments", comments, message="Analystexter ur delårsrapporten per augusti 2022", as_of=report_date)

    follow_ups = [
        {"action_id": a.id, "period": canonical(f.period), "status": f.status, "comment": f.comment, "source": a.source}
        for year in catalogues.years
        for a in catalogues.for_year(year).actions
        for f in a.followup
    ]
    if follow_ups:
        store.write("actions", pl.DataFrame(follow_ups), message="Uppföljning av strategiska åtgärder per augusti 2022", as_of=report_date)

    generated = demo.generate(catalogue_measure_kinds(catalogues), units, published, years=years, calibrate=scale == 1)
    store.write("observations", generated, message="Demodata: månadsvärden per enhet 2019–2025 (påhittade)", as_of=DEMO_AS_OF)
    return store
