"""Cached access to the evaluated data: the only place with Streamlit caching.

The base tables and the full evaluation are loaded once per process (``cache_resource``, never
mutated); the small tables a view draws are cached per argument set (``cache_data`` with a bound
on entries), so a filter change that has been seen before costs a lookup.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import polars as pl
import pyarrow as pa
import streamlit as st

from kpi.evaluation.actions import actions_table, comment_for
from kpi.evaluation.cache import cached_evaluation, log_stamp, store_fingerprint
from kpi.evaluation.comparison import compared_units, measures_with_values, unit_grid
from kpi.evaluation.overview import furthest_from_target, most_worsened, perspective_rows, perspective_summary
from kpi.evaluation.scope import Scope, scoped_dataset, scoped_evaluation
from kpi.evaluation.scorecard import Dataset, Evaluation, default_period, load_dataset, scorecard
from kpi.evaluation.series import SeriesKind, measure_series, recent_values
from kpi.model.access import AccessConfig, load_access_config
from kpi.model.catalogue import Catalogue
from kpi.model.organisation import TreeUnit, reporting_types_below, tree_order
from kpi.model.periods import Period
from kpi.model.view import View
from kpi.reports.pack import BoardPack, build_board_pack
from kpi.signals.forecast import Forecast, forecast_for
from kpi.signals.funnel import Funnel
from kpi.signals.spc import SpcOptions
from kpi.signals.variation import MeasureSpc, measure_spc, scorecard_variation, unit_funnel, with_variation
from kpi.store import location
from kpi.store.objects import configured_store
from kpi.texts.display import attention_table, measure_row, recent_values_text, scorecard_table
from ui.tables import sparkline, table_markup

ENTRIES = 512
TTL = 3600  # seconds; a number, not "1h": Streamlit parses a text on every call of a cached function
P = ParamSpec("P")


@functools.lru_cache(maxsize=256)
def _scope_key(scope: Scope) -> tuple[object, ...]:
    """An exact key for a scope, made once per scope (a chef's scope holds many unit ids). A tuple
    of the sorted ids, not a joined text: no unit id, whatever characters it holds, can make two
    scopes' keys equal and hand one person's figures to another."""
    if scope.visible is None:
        return ("*",)
    return ("visible", tuple(sorted(scope.visible)), "whole", tuple(sorted(scope.whole)))


# How the caches key their arguments. Streamlit's own hasher turns a dataclass into a dict with
# ``dataclasses.asdict`` (a deep copy) and digests every field; for the View and the Scope that
# every cached call takes, that was most of a cache hit's cost (about 7 % of the interpreter's time
# under load, measured with py-spy). These keys are exact: the repr of a View or a Period holds all
# its fields (strings, ints, None), and a scope's key lists its unit ids.
HASH_FUNCS: dict[type, Callable[[object], object]] = {View: repr, Period: repr, Scope: _scope_key}  # type: ignore[dict-item]
R = TypeVar("R")


@st.cache_resource(show_spinner="Läser in styrkortet …")
def dataset_and_evaluation() -> tuple[Dataset, Evaluation]:
    """Catalogue, tables and the full evaluation, once per process; never mutated.

    ``STYRKORT_DATA`` points at another data directory (catalogue/ and store/), e.g. a scaled
    copy for the page benchmark; the default is the bundled ``data/``. The evaluation is read from
    ``data/cache/`` when nothing it depends on has changed (``kpi/evaluation/cache.py``).
    """
    dataset = load_dataset(data_dir())
    return dataset, cached_evaluation(dataset, data_dir())


def data_dir() -> Path:
    """The data directory by the rule the command line follows too (``kpi.store.location``): here
    there is no ``--data``, so ``STYRKORT_DATA``, else the bundled data/."""
    return location.data_dir()


_seen_store: dict[str, Any] = {}


# A store in object storage is listed (one request per table) at most this often per process,
# not on every run: a room of sessions changing filters would otherwise send a listing per run.
OBJECT_STORE_POLL_SECONDS = 2.0


def follow_store() -> None:
    """Once per run, before anything is read: when the store has changed since the last run (an
    import or undo from the command line, or another server process), every cache is emptied. A
    store in object storage (``STYRKORT_STORE``) is checked at most every
    ``OBJECT_STORE_POLL_SECONDS`` per process; a directory on every run, by its folders' stamp
    (``log_stamp``: a few ``stat`` calls), and its logs are read again only when the stamp changed
    or was too recent to be trusted. Every file call lets go of the interpreter, and under a room
    of sessions each one waited for it again: reading the logs on every run cost 50 ms a run."""
    now = time.monotonic()
    stamp = None
    if configured_store():
        if now - _seen_store.get("checked_at", -OBJECT_STORE_POLL_SECONDS) < OBJECT_STORE_POLL_SECONDS:
            return
        _seen_store["checked_at"] = now  # before listing: while the store does not answer, one run in 2 s waits for it, not every run
    else:
        stamp = log_stamp(data_dir())
        if stamp.settled and stamp == _seen_store.get("stamp"):
            return
    fingerprint = store_fingerprint(data_dir())
    if _seen_store.get("fingerprint", fingerprint) != fingerprint:
        reload()
    _seen_store["fingerprint"] = fingerprint
    _seen_store["stamp"] = stamp  # taken before the logs were read: a commit in between changes the next stamp


def store_version() -> str:
    """The store's fingerprint as ``follow_store`` read it at the start of this run (no second listing)."""
    return _seen_store.get("fingerprint") or store_fingerprint(data_dir())


def reload() -> None:
    """After an import or an undo: every session reads the new tables on its next run."""
    st.cache_data.clear()
    st.cache_resource.clear()


@st.cache_resource(show_spinner="Skapar mallen …")
def template_bytes(year: int) -> bytes:
    """The analyst's Excel template for the catalogue of ``year`` (see ``python -m kpi template``)."""
    from kpi.imports.template import build_template, template_years

    data = dataset()
    return build_template(data.catalogues.for_year(year), data.units, template_years(set(data.years), year))


@st.cache_resource
def charts_ready() -> threading.Timer:
    """Warm Plotly up once per process, just after the first page rather than before it (see
    ``ui.charts.warm_up``): the overview draws no chart, so its first load need not wait, and the
    warm-up does not compete with it for the interpreter."""

    def warm() -> None:
        try:
            # Import what Plotly looks for first: an import in progress on the page's thread is
            # then awaited instead of seen half-initialised.
            import pandas  # noqa: F401
            import pyarrow  # noqa: F401

            from ui.charts import warm_up

            warm_up()
        except Exception:
            logging.getLogger("styrkort").warning("Plotly warm-up failed", exc_info=True)

    timer = threading.Timer(1.0, warm)
    timer.daemon = True
    timer.start()
    return timer


def dataset() -> Dataset:
    """The whole dataset, for what is not a unit's figures (catalogue, years, unit names)."""
    return dataset_and_evaluation()[0]


# --- scope: a person's figures come only through these ------------------------------------------
#
# Every function below that returns figures takes the person's ``Scope`` (kpi.evaluation.scope)
# as its first argument, added by ``per_scope`` from this run's sign-in (ui.identity), so each
# scope has its own cache entries and reads a scoped evaluation. A run that did not establish who
# is asking reads with the empty scope: deny by default. A ``View`` for a unit outside the scope is
# refused here, at the data, whatever a widget or a link asked for.

SCOPE_KEY = "_scope"


def current_scope() -> Scope:
    found = st.session_state.get(SCOPE_KEY)
    return found if isinstance(found, Scope) else Scope.nothing()


def per_scope(cached: Callable[..., R]) -> Callable[..., R]:
    """``cached(scope, *args)`` called as ``f(*args)`` with this run's scope; views checked first."""

    signature = inspect.signature(cached)
    names = list(signature.parameters)

    @functools.wraps(cached)
    def call(*args: object, **kwargs: object) -> R:
        scope = current_scope()
        for value in (*args, *kwargs.values()):
            if isinstance(value, View) and not scope.can_see(value.unit_id):
                scope.require(value.unit_id, unit_names().get(value.unit_id))  # raises, with the unit's name
        # Every argument by name, in the signature's order: Streamlit looks a positional argument's
        # name up with inspect.signature on every call (about 2 % of a run under load).
        given = dict(zip(names[1:], args)) | kwargs
        return cached(**{names[0]: scope} | {name: given[name] for name in names[1:] if name in given})

    call.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
    return call


@st.cache_resource(max_entries=64, hash_funcs=HASH_FUNCS)
def evaluation_in(scope: Scope) -> Evaluation:
    return scoped_evaluation(dataset_and_evaluation()[1], scope)


@st.cache_resource(max_entries=64, hash_funcs=HASH_FUNCS)
def dataset_in(scope: Scope) -> Dataset:
    return scoped_dataset(dataset(), scope)


def scoped_source(view: View) -> tuple[Dataset, Evaluation]:
    """The dataset and evaluation as this run's person may read them, for a view they may see
    (the exports build their files from these)."""
    scope = current_scope()
    scope.require(view.unit_id, unit_names().get(view.unit_id))
    return dataset_in(scope), evaluation_in(scope)


@st.cache_resource
def access_config() -> AccessConfig:
    """Who may see and do what (``kpi.model.access``): ``STYRKORT_ACCESS`` names the reviewed file
    of a deployment; else ``access.toml`` in the data directory (the bundled one runs in local
    mode). Every unit it names must exist: a typo fails here, in Swedish, not as an empty page."""
    import os

    path = Path(os.environ["STYRKORT_ACCESS"]) if os.environ.get("STYRKORT_ACCESS") else data_dir() / "access.toml"
    config = load_access_config(path)
    config.check_units(dataset().units)
    return config


def catalogue(year: int) -> Catalogue:
    return dataset().catalogues.for_year(year)


@st.cache_resource
def units_in_tree_order() -> list[TreeUnit]:
    return tree_order(dataset().units)


@st.cache_resource
def unit_names() -> dict[str, str]:
    """Unit id → name, in tree order."""
    return {u.unit_id: u.name for u in units_in_tree_order()}


@st.cache_resource
def measure_names() -> dict[str, str]:
    """Measure id → name, over every catalogue year."""
    catalogues = dataset().catalogues
    return {m.id: m.name for year in catalogues.years for m in catalogues.for_year(year).measures()}


@st.cache_resource
def measure_units() -> dict[str, str]:
    """Measure id → its unit ("%", "antal", "mnkr" …), over every catalogue year."""
    catalogues = dataset().catalogues
    return {m.id: m.unit.value for year in catalogues.years for m in catalogues.for_year(year).measures()}


@st.cache_resource
def unit_labels() -> dict[str, str]:
    """Unit id → the organisation picker's label (a unit with its VO), in tree order."""
    names = unit_names()
    return {u.unit_id: u.picker_label(names.get(u.parent_id or "")) for u in units_in_tree_order()}


@per_scope
@st.cache_resource(max_entries=64, hash_funcs=HASH_FUNCS)
def picker_labels(scope: Scope) -> dict[str, str]:
    """The organisation picker's labels of the units in the person's scope, in tree order."""
    return {u: label for u, label in unit_labels().items() if scope.can_see(u)}


@st.cache_resource
def opening_period() -> Period:
    return default_period(dataset_and_evaluation()[1], "div_nara")


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def scorecard_for(scope: Scope, view: View) -> pl.DataFrame:
    return scorecard(evaluation_in(scope), view)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def summary_for(scope: Scope, view: View, perspective: str | None = None) -> pl.DataFrame:
    """The verdict counts per perspective (the overview's tiles), or of one perspective."""
    card = scorecard_for(view)
    return perspective_summary(card if perspective is None else perspective_rows(card, perspective))


ATTENTION = {"furthest": furthest_from_target, "worsened": most_worsened}


# The tables a page draws are kept as Arrow tables, the form st.dataframe sends as it is, in
# cache_resource: Arrow tables cannot be changed, so one can serve every session, and a run then
# makes no Polars call for them (under load each one waits for the interpreter lock again).


@per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)
def attention_for(scope: Scope, view: View, kind: str) -> tuple[pa.Table, str] | None:
    """The overview's list ``kind`` (``ATTENTION``) as the table it draws, with the variation column
    and its heading; None when no measure is on the list."""
    chosen = ATTENTION[kind](scorecard_for(view))
    if chosen.is_empty():
        return None
    table, heading = with_variation(attention_table(chosen, view.sex), variation_for(view))
    return table.to_arrow(), heading


@per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)
def perspective_table_for(scope: Scope, perspective: str, view: View) -> tuple[pa.Table, str, bool] | None:
    """One perspective's report table with the variation column: (table, the column's heading,
    whether a row is demo data); None when the catalogue has no measure in it."""
    rows = perspective_rows(scorecard_for(view), perspective)
    if rows.is_empty():
        return None
    types = reporting_types().get(view.unit_id, frozenset())
    not_applicable = frozenset(m.id for m in catalogue(view.period.year).measures() if not types & {t.value for t in m.reported_by})
    table, heading = with_variation(scorecard_table(rows, view.sex, not_applicable), variation_for(view))
    return table.to_arrow(), heading, bool(rows["is_demo"].any())


@per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=HASH_FUNCS)
def recent_values_for(scope: Scope, view: View, measure_ids: tuple[str, ...]) -> tuple[tuple[list[float | None], list[bool], str], ...]:
    """Per measure (in the order given) the values of its sparkline, oldest first, whether each is
    demo data, and the line in words (``kpi.evaluation.series.recent_values``)."""
    frame = recent_values(evaluation_in(scope), list(measure_ids), view.unit_id, view.period, view.sex)
    by_measure = {m: rows for (m,), rows in frame.partition_by("measure_id", as_dict=True).items()} if frame.height else {}
    units = measure_units()
    shown = []
    for measure_id in measure_ids:
        rows = by_measure.get(measure_id)
        periods, values, demo, decimals = (
            (rows["period"].to_list(), rows["value"].to_list(), rows["is_demo"].to_list(), rows["decimals"].to_list()) if rows is not None else ([], [], [], [])
        )
        text = recent_values_text(periods, values, units.get(measure_id, ""), decimals, demo=any(demo))
        shown.append((values, demo, text))
    return tuple(shown)


# An Arrow table is keyed by its identity: the tables above are cached objects, never changed, and
# the entry keeps its table alive, so no other table can have that identity while the entry exists.
_BY_IDENTITY = HASH_FUNCS | {pa.Table: id}


@per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=_BY_IDENTITY)
def measure_list_markup(
    scope: Scope, table: pa.Table, view: View, columns: tuple[str, ...], caption: str,
    labels: tuple[tuple[str, str], ...], params: tuple[tuple[str, str], ...], sparkline_column: str,
) -> tuple[pa.Table, str]:  # fmt: skip
    """The HTML of a measure list (``ui.tables.table_markup``) with each measure's sparkline under
    ``sparkline_column``, made once per table and view: building it was about 5 % of a run under
    load (py-spy). Returns the table too: holding it is what keeps its identity unique."""
    recent = recent_values_for(view, tuple(table.column("measure_id").to_pylist()))
    lines = [sparkline(values, demo, text) for values, demo, text in recent]
    markup = table_markup(table, columns=columns, caption=caption, params=dict(params), labels=dict(labels), below=(sparkline_column, lines))
    return table, markup


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def shows_demo(scope: Scope, view: View) -> bool:
    """Whether a value the scorecard shows for ``view`` is demo data (the overview's notice)."""
    card = scorecard_for(view)
    return bool((card["is_demo"] & card["value"].is_not_null()).any())


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def measure_row_for(scope: Scope, view: View, measure_id: str) -> dict[str, Any]:
    """One measure's row of the view's scorecard (Styrmått's cards): a small dict per run instead of
    the whole scorecard and a Polars filter (each Polars call waits for the interpreter lock again
    under load)."""
    return measure_row(scorecard_for(view), measure_id)


@per_scope
@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=HASH_FUNCS)
def board_pack_for(scope: Scope, view: View) -> BoardPack:
    """Everything the presentation shows for one choice: tables, analyses and chart data."""
    return build_board_pack(dataset_in(scope), evaluation_in(scope), view)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def series_for(scope: Scope, measure_id: str, unit_id: str, kind: SeriesKind) -> pl.DataFrame:
    scope.require(unit_id, unit_names().get(unit_id))
    return measure_series(evaluation_in(scope), measure_id, unit_id, kind)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def series_has_demo(scope: Scope, measure_id: str, unit_id: str, kind: SeriesKind) -> bool:
    """Whether a value of the measure's series is demo data (Styrmått's notice)."""
    series = series_for(measure_id, unit_id, kind)
    return bool(series["is_demo"].fill_null(False).any()) if series.height else False


def _reported_by(measure_id: str, view: View) -> tuple[str, ...]:
    return tuple(t.value for t in catalogue(view.period.year).measure(measure_id).reported_by)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def compared_units_for(scope: Scope, measure_id: str, view: View) -> tuple[str, pl.DataFrame]:
    data, evaluation = dataset_in(scope), evaluation_in(scope)
    return compared_units(evaluation, data.units, measure_id, view, _reported_by(measure_id, view))


@st.cache_resource
def reporting_types() -> dict[str, frozenset[str]]:
    return reporting_types_below(dataset().units)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def grid_for(scope: Scope, measure_ids: tuple[str, ...], view: View) -> pl.DataFrame:
    data, evaluation = dataset_in(scope), evaluation_in(scope)
    return unit_grid(evaluation, data.units, list(measure_ids), view)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def grid_shown(scope: Scope, measure_ids: tuple[str, ...], view: View) -> tuple[frozenset[str], bool]:
    """Enheter: the measures of the grid that have a value for some unit (the others are left out),
    and whether a value shown is demo data."""
    grid = grid_for(measure_ids, view)
    reported = measures_with_values(grid)
    return frozenset(reported), bool((grid["is_demo"] & grid["value"].is_not_null() & grid["measure_id"].is_in(list(reported))).any())


@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def actions_for(period: Period, perspective: str | None = None, measure_id: str | None = None) -> pl.DataFrame:
    return actions_table(catalogue(period.year), dataset().actions, period, perspective=perspective, measure_id=measure_id)


@per_scope
def comment(scope: Scope, measure_id: str, view: View) -> dict[str, object] | None:
    return comment_for(dataset_in(scope).comments, measure_id, view.unit_id, view.period)


# --- signal or noise: SPC, funnel plots and forecasts (kpi.signals.spc, kpi.signals.funnel, kpi.signals.forecast) ------


def spc_options() -> SpcOptions:
    return SpcOptions.from_settings(dataset().settings)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def variation_for(scope: Scope, view: View) -> dict[str, tuple[str, str, bool]]:
    """Measure id → (variation, assurance, is_demo) at the period's last month, for the tables."""
    data, evaluation = dataset_in(scope), evaluation_in(scope)
    frame = scorecard_variation(evaluation, view, spc_options(), data.changes)
    return {r["measure_id"]: (r["variation"], r["assurance"], r["is_demo"]) for r in frame.iter_rows(named=True)}


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def measure_spc_for(scope: Scope, measure_id: str, view: View, recalculate_from: str | None) -> MeasureSpc | None:
    data, evaluation = dataset_in(scope), evaluation_in(scope)
    return measure_spc(evaluation, measure_id, view, spc_options(), data.changes, recalculate_from)


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def funnel_for(scope: Scope, measure_id: str, view: View) -> tuple[Funnel | None, str | None]:
    """The funnel beside the sorted bars, or None and why not."""
    data, evaluation = dataset_in(scope), evaluation_in(scope)
    return unit_funnel(evaluation, data.units, measure_id, view, _reported_by(measure_id, view))


@per_scope
@st.cache_data(max_entries=ENTRIES, show_spinner=False, hash_funcs=HASH_FUNCS)
def forecast_on(scope: Scope, measure_id: str, view: View) -> Forecast | None:
    return forecast_for(evaluation_in(scope), measure_id, view)


# --- the log of every write (pages/logg.py) ------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner="Läser loggen …", hash_funcs=HASH_FUNCS)
def _audit_log(version: str) -> pl.DataFrame:
    from kpi.imports.audit import audit_log

    return audit_log(data_dir())


def audit_log() -> pl.DataFrame:
    """Every write with the unit ids it touched (``kpi.imports.audit``), read again after a write."""
    return _audit_log(store_version())


def audit_table(unit_ids: tuple[str, ...], person: str | None) -> pl.DataFrame:
    """The log as the page shows it: the entries for the units and person chosen, units by name."""
    from kpi.imports.audit import filter_log

    names = unit_names()
    shown = filter_log(audit_log(), unit_ids=list(unit_ids), person=person)
    units = [", ".join(names.get(u, u) for u in ids) for ids in shown["unit_ids"].to_list()]
    return shown.drop("unit_ids").with_columns(pl.Series("Enheter", units, dtype=pl.String))


def grants_table() -> pl.DataFrame:
    """The mapping of app roles to Styrkort roles and units, as the förvaltare reads it."""
    names = unit_names()
    grants = access_config().grants
    return pl.DataFrame(
        {
            "Approll": [g.app_role for g in grants],
            "Roller i Styrkort": [", ".join(r.value for r in g.roles) for g in grants],
            "Enheter (och allt under dem)": [
                ", ".join(names.get(u, u) for u in g.units) or ("alla" if {"ledning", "analytiker"} & {r.value for r in g.roles} else "inga utfall")
                for g in grants
            ],
        },
        schema={"Approll": pl.String, "Roller i Styrkort": pl.String, "Enheter (och allt under dem)": pl.String},
    )
