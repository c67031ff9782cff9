"""Build the bundled data set in ``data/store`` from the human-readable files in ``data/build``.

Published figures (``published.csv``), the unit tree (``units.csv``), the analysis comments
(``comments.csv``) and the actions' follow-up (catalogue) are written as their own commits, dated
by when they were published, so the store's history reads like the reports did. The demo data is
a last, separate commit. ``python -m kpi build-data`` runs this.

The result is deterministic in content but not in bytes: Delta names its Parquet files by random
UUIDs and stamps each commit with the clock. So the store is built beside the target first and
compared with it by content (every table, every version's rows, every commit's Styrkort metadata);
only a store that differs is swapped in. An unchanged build leaves the committed files untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from kpi.model.catalogue import CatalogueSet, load_catalogues
from kpi.model.errors import StoreError
from kpi.model.periods import canonical
from kpi.store import demo, objects
from kpi.store.delta import TABLES, Store, directory_failure, shown_path

DEMO_AS_OF = datetime(2026, 1, 15, tzinfo=UTC)


def copy_data(source: Path, target: Path) -> Path:
    """A working copy of a data directory's catalogue and store (for tests, benchmarks and trials
    of an import), leaving the original untouched. Returns ``target``."""
    for part in ("catalogue", "store"):
        shutil.copytree(source / part, target / part)
    # The settings and who may see what go with the data: without access.toml a copy would deny
    # everyone (kpi.model.access), and without styrkort.toml it would run on other settings.
    for name in ("styrkort.toml", "access.toml"):
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
    return target


def _input(path: Path) -> bytes:
    """One of the build's input files, as bytes: Polars reads a path as a glob pattern, so a data
    directory named with ? [ or * would find nothing, or the wrong file."""
    try:
        return path.read_bytes()
    except OSError as error:
        reason = "finns inte" if isinstance(error, FileNotFoundError) else "kan inte läsas"
        raise StoreError(
            f"Indatafilen {shown_path(path)} {reason}. python -m kpi build-data bygger store/ från datakatalogens build/ "
            "(published.csv, units.csv, comments.csv) och catalogue/; kontrollera --data eller STYRKORT_DATA."
        ) from error


def read_units(path: Path) -> pl.DataFrame:
    return pl.read_csv(_input(path), schema_overrides={"valid_from": pl.Date, "valid_to": pl.Date, "parent_id": pl.String}).with_columns(
        pl.col("is_demo").cast(pl.Boolean)
    )


def read_published(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(
        _input(path),
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64, "decimals": pl.Int8, "as_of": pl.String},
    )
    return frame.with_columns(
        pl.col("period").map_elements(canonical, return_dtype=pl.String),
        pl.lit(False).alias("is_demo"),
    )


def catalogue_measure_kinds(catalogues: CatalogueSet) -> dict[str, tuple[str, bool]]:
    latest = catalogues.for_year(max(catalogues.years))
    return {m.id: (m.accumulation.value, m.split_by_sex) for m in latest.measures()}


def cited_document(sources: list[str]) -> str:
    """The report a group of published rows cites: what their sources share up to the last ', '
    ("Division Nära, bilaga till delårsrapport per augusti 2022, Samhälle-tabellen rad 233" and
    "…, Medborgare-tabellen rad 413" share the report's title). A single source is cited whole."""
    distinct = sorted(set(sources))
    if len(distinct) == 1:
        return distinct[0]
    shared = os.path.commonprefix(distinct)
    cut = shared.rfind(", ")
    return shared[:cut] if cut > 0 else f"{len(distinct)} källor"


@dataclass(frozen=True)
class BuildResult:
    store: Store
    changed: bool  # False: the target already held exactly this build and was left untouched

    @property
    def message(self) -> str:
        """What ``python -m kpi build-data`` tells the user, in Swedish."""
        if not self.changed:
            return f"{self.store.root} är redan aktuell: inget ändrades."
        return f"Byggde {self.store.root}: {self.store.read('observations').height} utfall."


def build_store(data_dir: Path, *, target: Path | None = None, scale: int = 1, years: range = demo.DEMO_YEARS) -> Store:
    """(Re)create the store, leaving it untouched when it already holds the same content (see
    :func:`rebuild_store`). ``scale`` > 1 copies the units, for benchmarks only."""
    return rebuild_store(data_dir, target=target, scale=scale, years=years).store


def rebuild_store(data_dir: Path, *, target: Path | None = None, scale: int = 1, years: range = demo.DEMO_YEARS) -> BuildResult:
    """Build into a directory beside the target; swap it in only if its content differs.

    The target is replaced as a whole (two renames on one file system, the old store restored if
    the second fails), so a failed build or comparison never leaves a half-written store behind.
    """
    store_dir = Path(target or data_dir / "store")
    try:
        store_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.bygge-", dir=store_dir.parent))
    except OSError as error:
        raise directory_failure(store_dir.parent, error) from error
    try:
        built = write_store(data_dir, staging / store_dir.name, scale=scale, years=years)
        if store_dir.is_dir() and same_content(Store(store_dir), built):
            return BuildResult(Store(store_dir), changed=False)
        old = staging / "tidigare"
        try:
            if store_dir.exists():
                store_dir.rename(old)
            try:
                built.root.rename(store_dir)
            except OSError:
                if old.exists():
                    old.rename(store_dir)
                raise
        except OSError as error:
            raise directory_failure(store_dir.parent, error) from error
        return BuildResult(Store(store_dir), changed=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_into_object_store(data_dir: Path, store: Store, *, scale: int = 1, years: range = demo.DEMO_YEARS) -> BuildResult:
    """The bundled store for a place in object storage (``STYRKORT_STORE``): built in a local
    staging directory and uploaded, history and all, when the place is empty; left alone when it
    holds the same content already. A place that holds another store is refused: objects cannot
    be swapped in at once as a directory can, and a half-replaced store must never be read."""
    assert store.location is not None
    with tempfile.TemporaryDirectory(prefix="styrkort-bygge-") as staging:
        built = write_store(data_dir, Path(staging) / "store", scale=scale, years=years)
        present = [t for t in TABLES if store.exists(t)]
        if present:
            if same_content(store, built):
                return BuildResult(store, changed=False)
            raise StoreError(
                f"{store.root} har redan en annan lagring ({', '.join(present)}). I objektlagring byggs bara en tom plats; "
                "välj ett nytt prefix i STYRKORT_STORE, eller töm prefixet först om det är meningen att allt där ska bort."
            )
        try:
            objects.upload_directory(Path(staging) / "store", store.location)
        except StoreError:
            raise
        except Exception as error:  # worded in Swedish like every storage failure
            from kpi.store.delta import failure

            raise failure(TABLES["observations"], store.root, "skriva", error) from error
    return BuildResult(store, changed=True)


def write_store(data_dir: Path, store_dir: Path, *, scale: int = 1, years: range = demo.DEMO_YEARS) -> Store:
    """Write the bundled tables into ``store_dir``, which must not hold a store yet."""
    build = data_dir / "build"
    catalogues = load_catalogues(data_dir / "catalogue")
    store = Store(store_dir)

    units = demo.scale_units(read_units(build / "units.csv"), scale)
    store.write("units", units, message="Enhetsträdet: division, verksamhetsområden, hälsocentraler och kliniker", as_of=datetime(2019, 1, 1, tzinfo=UTC))

    published = read_published(build / "published.csv")
    for as_of, group in sorted(published.group_by("as_of"), key=lambda item: str(item[0][0])):
        moment = datetime.fromisoformat(str(as_of[0])).replace(tzinfo=UTC)
        document = cited_document(group["source"].to_list())
        store.write("observations", group.drop("as_of"), message=f"Publicerade värden: {document}", as_of=moment)

    report_date = datetime(2022, 10, 3, tzinfo=UTC)
    comments = pl.read_csv(_input(build / "comments.csv")).with_columns(pl.lit(False).alias("is_demo"))
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


def same_content(a: Store, b: Store) -> bool:
    """Whether two stores hold the same tables with the same versions: each version's rows (in
    any order, with their column types), its operation and its Styrkort metadata (``as_of``,
    message). File names and commit timestamps are not compared. An unreadable table differs."""
    try:
        if [t for t in TABLES if a.exists(t)] != [t for t in TABLES if b.exists(t)]:
            return False
        return all(_same_table(a, b, t) for t in TABLES if a.exists(t))
    except StoreError:
        return False


def _same_table(a: Store, b: Store, table: str) -> bool:
    # Through the Store, like every other read: a data directory named with å, ä, ö or # compares
    # as well as any other, and a damaged table is a StoreError, not a library message.
    if a.schema_json(table) != b.schema_json(table):
        return False
    commits_a, commits_b = _commits(a, table), _commits(b, table)
    if commits_a != commits_b:
        return False
    for version in commits_a:
        rows_a, rows_b = _rows(a, table, version), _rows(b, table, version)
        if rows_a.schema != rows_b.schema or not rows_a.equals(rows_b):
            return False
    return True


def _commits(store: Store, table: str) -> dict[int, tuple[str, str, str]]:
    """Per version: the operation and Styrkort's commit metadata (not the timestamp)."""
    commits = store.history(table).select("version", "operation", "as_of", "message")
    return {version: (operation, as_of, message) for version, operation, as_of, message in commits.iter_rows()}


def _rows(store: Store, table: str, version: int) -> pl.DataFrame:
    frame = store.read(table, version=version)
    return frame.sort(frame.columns, nulls_last=True)
