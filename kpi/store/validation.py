"""Consistency checks of the catalogue and the stored tables, every problem at once, in Swedish."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from kpi.model.catalogue import CatalogueSet, load_catalogues
from kpi.model.changes import load_changes
from kpi.model.errors import CatalogueError, StoreError
from kpi.model.periods import REPORT_KINDS
from kpi.store import journal
from kpi.store.delta import TABLES, shown_path, store_for

_PERIOD_RE = r"^\d{4}-(DÅ04|DÅ08|ÅR|0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Problem:
    table: str
    where: str
    message: str
    is_error: bool = True  # False: worth saying (an import running right now), not a fault

    def __str__(self) -> str:
        return f"{self.table}: {self.where}: {self.message}"


def _rows(frame: pl.DataFrame, condition: pl.Expr, table: str, message: str, describe: pl.Expr) -> list[Problem]:
    hits = frame.with_row_index("_row", offset=1).filter(condition)
    return [Problem(table, f"rad {row} ({desc})", message) for row, desc in hits.select("_row", describe.alias("_d")).iter_rows()]


def validate_tables(catalogues: CatalogueSet, units: pl.DataFrame, observations: pl.DataFrame, comments: pl.DataFrame, actions: pl.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    measure_rows = []
    for year in catalogues.years:
        for m in catalogues.for_year(year).measures():
            measure_rows.append(
                {"measure_id": m.id, "value_kind": m.value_kind.value, "follow_up": [k.value for k in m.follow_up], "monthly": m.monthly, "split_by_sex": m.split_by_sex}
            )
    measures = pl.DataFrame(measure_rows).unique(subset="measure_id", keep="last")
    unit_ids = units["unit_id"]
    known_types = ["region", "division", "verksamhetsområde", "hälsocentral", "tandvårdsklinik"]

    # Units: a known type, a parent that exists, validity in order, no cycles.
    u_desc = pl.format("enhet {}", pl.col("unit_id"))
    problems += _rows(units, ~pl.col("unit_type").is_in(known_types), "enheter", f"okänd enhetstyp; tillåtna: {', '.join(known_types)}", u_desc)
    problems += _rows(units, pl.col("parent_id").is_not_null() & ~pl.col("parent_id").is_in(unit_ids.implode()), "enheter", "överordnad enhet finns inte", u_desc)
    problems += _rows(units, pl.col("valid_to").is_not_null() & (pl.col("valid_to") < pl.col("valid_from")), "enheter", "giltig till ligger före giltig från", u_desc)
    parents = dict(units.select("unit_id", "parent_id").iter_rows())
    for start in parents:
        seen, node = set(), start
        while node is not None:
            if node in seen:
                problems.append(Problem("enheter", f"enhet {start}", "enhetsträdet har en cirkel"))
                break
            seen.add(node)
            node = parents.get(node)

    # Observations.
    obs = observations.join(measures, on="measure_id", how="left")
    o_desc = pl.format("styrmått {}, enhet {}, period {}, kön {}", pl.col("measure_id"), pl.col("unit_id"), pl.col("period"), pl.col("sex"))
    is_share = pl.col("value_kind") == "share"
    problems += _rows(obs, pl.col("value_kind").is_null(), "utfall", "styrmåttet finns inte i katalogen", o_desc)
    problems += _rows(obs, ~pl.col("unit_id").is_in(unit_ids.implode()), "utfall", "enheten finns inte i enhetsträdet", o_desc)
    problems += _rows(obs, ~pl.col("period").str.contains(_PERIOD_RE), "utfall", "perioden ska skrivas som 2022-DÅ04, 2022-DÅ08, 2022-ÅR eller 2022-04", o_desc)
    problems += _rows(obs, ~pl.col("sex").is_in(["K", "M", "T"]), "utfall", "kön ska vara K, M eller T (totalt)", o_desc)
    problems += _rows(obs, pl.col("sex").is_in(["K", "M"]) & ~pl.col("split_by_sex").fill_null(True), "utfall", "styrmåttet redovisas inte per kön", o_desc)
    problems += _rows(obs, is_share & ((pl.col("value") < 0) | (pl.col("value") > 100)), "utfall", "en andel ska ligga mellan 0 och 100 %", o_desc)
    problems += _rows(obs, (pl.col("numerator") < 0) | (pl.col("denominator") < 0), "utfall", "täljare och nämnare kan inte vara negativa", o_desc)
    problems += _rows(obs, pl.col("numerator") > pl.col("denominator"), "utfall", "täljaren är större än nämnaren", o_desc)
    ratio = pl.col("numerator") / pl.col("denominator") * 100
    tolerance = 0.5 * pl.lit(10.0).pow(-pl.col("decimals").cast(pl.Float64)) + 1e-6
    problems += _rows(
        obs,
        is_share & (pl.col("denominator") > 0) & pl.col("value").is_not_null() & ((ratio - pl.col("value")).abs() > tolerance),
        "utfall",
        "värdet stämmer inte med täljare/nämnare",
        o_desc,
    )
    kind = pl.col("period").str.slice(5)
    is_month = kind.str.len_chars() == 2
    allowed = pl.when(is_month).then(pl.col("monthly")).otherwise(pl.col("follow_up").list.contains(kind))
    problems += _rows(
        obs.filter(pl.col("value_kind").is_not_null() & pl.col("period").str.contains(_PERIOD_RE)),
        ~allowed.fill_null(False),
        "utfall",
        f"perioden följs inte upp för styrmåttet (uppföljning enligt katalogen: {'/'.join(REPORT_KINDS)} eller månad)",
        o_desc,
    )
    counts = obs.filter(pl.col("value_kind") == "count")
    sums = counts.group_by("measure_id", "unit_id", "period").agg(
        pl.col("value").filter(pl.col("sex") == "T").first().alias("t"),
        pl.col("value").filter(pl.col("sex").is_in(["K", "M"])).sum().alias("km"),
        pl.col("sex").is_in(["K", "M"]).sum().alias("n_sexes"),
    )
    problems += _rows(
        sums,
        (pl.col("n_sexes") == 2) & pl.col("t").is_not_null() & (pl.col("t") < pl.col("km")),
        "utfall",
        "totalen är mindre än kvinnor + män",
        pl.format("styrmått {}, enhet {}, period {}", pl.col("measure_id"), pl.col("unit_id"), pl.col("period")),
    )

    # Comments and action follow-ups point at things that exist.
    c_desc = pl.format("styrmått {}, enhet {}, period {}", pl.col("measure_id"), pl.col("unit_id"), pl.col("period"))
    problems += _rows(comments, ~pl.col("measure_id").is_in(measures["measure_id"].implode()), "analyskommentarer", "styrmåttet finns inte i katalogen", c_desc)
    problems += _rows(comments, ~pl.col("unit_id").is_in(unit_ids.implode()), "analyskommentarer", "enheten finns inte", c_desc)
    action_ids = {a.id for year in catalogues.years for a in catalogues.for_year(year).actions}
    problems += _rows(
        actions, ~pl.col("action_id").is_in(sorted(action_ids)), "åtgärdsuppföljning", "åtgärden finns inte i katalogen", pl.format("åtgärd {}, period {}", pl.col("action_id"), pl.col("period"))
    )
    return problems


def validate_all(data_dir: Path) -> list[Problem]:
    """Catalogue first; if it loads, the import journal, then every table against the catalogue.

    The tables are read as every reader reads them (``kpi.store.journal.read_consistently``): an
    import or undo whose process died is rolled back first and reported, since until then its
    half-written rows were in the tables; one running right now is noted, and the tables are
    checked as they stood before it.
    """
    try:
        catalogues = load_catalogues(data_dir / "catalogue")
    except CatalogueError as exc:
        return [Problem("katalog", "", str(exc))]
    problems = validate_changes(catalogues, data_dir / "catalogue" / "changes.yaml")
    store = store_for(data_dir)
    names = ("units", "observations", "comments", "actions")
    try:
        tables, settled = journal.read_consistently(store, lambda s: {name: s.read(name) for name in names})
        missing = [TABLES[name].label for name in ("units", "observations") if not store.exists(name)]
    except StoreError as exc:
        return [*problems, Problem("lagring", "", str(exc))]
    problems += journal_problems(settled)
    if missing:
        problems.append(
            Problem(
                "lagring",
                shown_path(store.root),
                f"tabellen {' och '.join(missing)} saknas; kontrollera --data eller STYRKORT_DATA, eller bygg med python -m kpi build-data",
            )
        )
    return problems + validate_tables(catalogues, tables["units"], tables["observations"], tables["comments"], tables["actions"])


def journal_problems(settled: journal.Settled) -> list[Problem]:
    """What the import journal held when the tables were read, in Swedish."""
    out = []
    for u in settled.recovered:
        if u.status == journal.STATUS_WRITING:
            said = (
                "avbröts innan den var klar; det som hann skrivas har nu tagits bort och inläsningen är markerad som "
                "avbruten. Läs in filen igen."
            )
        else:
            said = "avbröts innan den var klar; tabellerna är återställda till som de var före ångringen. Ångra igen vid behov."
        out.append(Problem("inläsningslogg", u.describe(), said))
    for u in settled.running:
        said = f"pågår just nu ({settled.holder}); tabellerna kontrolleras som de var före den."
        out.append(Problem("inläsningslogg", u.describe(), said, is_error=False))
    for u in settled.stuck:
        said = (
            "avbröts innan den var klar men kan inte återställas här, eftersom datakatalogen inte går att skriva i. "
            "Tabellerna kontrolleras som de var före den; kör python -m kpi validate med skrivrätt för att återställa."
        )
        out.append(Problem("inläsningslogg", u.describe(), said))
    return out


def validate_changes(catalogues: CatalogueSet, path: Path) -> list[Problem]:
    """The recorded changes (SPC phases): readable, and naming only measures in the catalogue."""
    try:
        changes = load_changes(path)
    except CatalogueError as exc:
        return [Problem("förändringar", path.name, str(exc))]
    known = {m.id for year in catalogues.years for m in catalogues.for_year(year).measures()}
    return [
        Problem("förändringar", f"{c.name} ({c.first_month})", f"styrmåttet '{m}' finns inte i katalogen")
        for c in changes
        for m in c.measures
        if m not in known
    ]
