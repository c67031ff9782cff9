"""Cached access to the evaluated data: the only place with Streamlit caching.

The base tables and the full evaluation are loaded once per process (``cache_resource``, never
mutated); the small tables a view draws are cached per argument set (``cache_data`` with a bound
on entries), so a filter change that has been seen before costs a lookup.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import polars as pl
import pyarrow as pa
import streamlit as st

from kpi.evaluation.actions import actions_table, comment_for
from kpi.evaluation.cache import cached_evaluation, store_fingerprint
from kpi.evaluation.comparison import compared_units, unit_grid
from kpi.evaluation.overview import furthest_from_target, most_worsened, perspective_rows, perspective_summary
from kpi.evaluation.scorecard import Dataset, Evaluation, default_period, load_dataset, scorecard
from kpi.evaluation.series import SeriesKind, measure_series
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
from kpi.texts.display import attention_table, scorecard_table

ENTRIES = 512


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


_seen_store: dict[str, str] = {}


def follow_store() -> None:
    """Once per run, before anything is read: when the store has changed since the last run (an
    import or undo from the command line, or another server process), every cache is emptied."""
    fingerprint = store_fingerprint(data_dir())
    if _seen_store.get("fingerprint", fingerprint) != fingerprint:
        reload()
    _seen_store["fingerprint"] = fingerprint


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
    return dataset_and_evaluation()[0]


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


@st.cache_resource
def opening_period() -> Period:
    return default_period(dataset_and_evaluation()[1], "div_nara")


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def scorecard_for(view: View) -> pl.DataFrame:
    return scorecard(dataset_and_evaluation()[1], view)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def summary_for(view: View, perspective: str | None = None) -> pl.DataFrame:
    """The verdict counts per perspective (the overview's tiles), or of one perspective."""
    card = scorecard_for(view)
    return perspective_summary(card if perspective is None else perspective_rows(card, perspective))


ATTENTION = {"furthest": furthest_from_target, "worsened": most_worsened}


# The tables a page draws are kept as Arrow tables, the form st.dataframe sends as it is, in
# cache_resource: Arrow tables cannot be changed, so one can serve every session, and a run then
# makes no Polars call for them (under load each one waits for the interpreter lock again).


@st.cache_resource(max_entries=ENTRIES, ttl="1h", show_spinner=False)
def attention_for(view: View, kind: str) -> tuple[pa.Table, str] | None:
    """The overview's list ``kind`` (``ATTENTION``) as the table it draws, with the variation column
    and its heading; None when no measure is on the list."""
    chosen = ATTENTION[kind](scorecard_for(view))
    if chosen.is_empty():
        return None
    table, heading = with_variation(attention_table(chosen, view.sex), variation_for(view))
    return table.to_arrow(), heading


@st.cache_resource(max_entries=ENTRIES, ttl="1h", show_spinner=False)
def perspective_table_for(perspective: str, view: View) -> tuple[pa.Table, str, bool] | None:
    """One perspective's report table with the variation column: (table, the column's heading,
    whether a row is demo data); None when the catalogue has no measure in it."""
    rows = perspective_rows(scorecard_for(view), perspective)
    if rows.is_empty():
        return None
    types = reporting_types().get(view.unit_id, frozenset())
    not_applicable = frozenset(m.id for m in catalogue(view.period.year).measures() if not types & {t.value for t in m.reported_by})
    table, heading = with_variation(scorecard_table(rows, view.sex, not_applicable), variation_for(view))
    return table.to_arrow(), heading, bool(rows["is_demo"].any())


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def shows_demo(view: View) -> bool:
    """Whether a value the scorecard shows for ``view`` is demo data (the overview's notice)."""
    card = scorecard_for(view)
    return bool((card["is_demo"] & card["value"].is_not_null()).any())


@st.cache_data(max_entries=16, show_spinner=False)
def board_pack_for(view: View) -> BoardPack:
    """Everything the presentation shows for one choice: tables, analyses and chart data."""
    data, evaluation = dataset_and_evaluation()
    return build_board_pack(data, evaluation, view)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def series_for(measure_id: str, unit_id: str, kind: SeriesKind) -> pl.DataFrame:
    return measure_series(dataset_and_evaluation()[1], measure_id, unit_id, kind)


def _reported_by(measure_id: str, view: View) -> tuple[str, ...]:
    return tuple(t.value for t in catalogue(view.period.year).measure(measure_id).reported_by)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def compared_units_for(measure_id: str, view: View) -> tuple[str, pl.DataFrame]:
    data, evaluation = dataset_and_evaluation()
    return compared_units(evaluation, data.units, measure_id, view, _reported_by(measure_id, view))


@st.cache_resource
def reporting_types() -> dict[str, frozenset[str]]:
    return reporting_types_below(dataset().units)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def grid_for(measure_ids: tuple[str, ...], view: View) -> pl.DataFrame:
    data, evaluation = dataset_and_evaluation()
    return unit_grid(evaluation, data.units, list(measure_ids), view)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def actions_for(period: Period, perspective: str | None = None, measure_id: str | None = None) -> pl.DataFrame:
    return actions_table(catalogue(period.year), dataset().actions, period, perspective=perspective, measure_id=measure_id)


def comment(measure_id: str, view: View) -> dict[str, object] | None:
    return comment_for(dataset().comments, measure_id, view.unit_id, view.period)


# --- signal or noise: SPC, funnel plots and forecasts (kpi.signals.spc, kpi.signals.funnel, kpi.signals.forecast) ------


def spc_options() -> SpcOptions:
    return SpcOptions.from_settings(dataset().settings)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def variation_for(view: View) -> dict[str, tuple[str, str, bool]]:
    """Measure id → (variation, assurance, is_demo) at the period's last month, for the tables."""
    data, evaluation = dataset_and_evaluation()
    frame = scorecard_variation(evaluation, view, spc_options(), data.changes)
    return {r["measure_id"]: (r["variation"], r["assurance"], r["is_demo"]) for r in frame.iter_rows(named=True)}


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def measure_spc_for(measure_id: str, view: View, recalculate_from: str | None) -> MeasureSpc | None:
    data, evaluation = dataset_and_evaluation()
    return measure_spc(evaluation, measure_id, view, spc_options(), data.changes, recalculate_from)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def funnel_for(measure_id: str, view: View) -> tuple[Funnel | None, str | None]:
    """The funnel beside the sorted bars, or None and why not."""
    data, evaluation = dataset_and_evaluation()
    return unit_funnel(evaluation, data.units, measure_id, view, _reported_by(measure_id, view))


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def forecast_on(measure_id: str, view: View) -> Forecast | None:
    return forecast_for(dataset_and_evaluation()[1], measure_id, view)
