"""Figures per view, built once per process and shared by every session.

Building a Plotly figure is most of a chart page's run (Plotly validates every property as it is
set), so each figure is built once for its arguments and kept. These caches are
``st.cache_resource``, not ``cache_data``: ``cache_data`` hands every run a copy made by pickling,
and unpickling a Plotly figure validates it all again (about 40 ms for a trend chart, longer than
building it). The figures are never changed after they are built (``st.plotly_chart`` only reads
them), so one object can serve every session; each cache is bounded (``max_entries``, ``ttl``), and
``ui.data.reload`` empties them with the others when the store changes.

The arguments are small and hashable (ids, a ``View``, numbers): the data behind a figure comes
from the cached tables in ``ui.data``. Each figure is kept per person's scope too
(``ui.data.per_scope``): a figure drawn for someone who sees every unit is never handed to a chef.
"""

from __future__ import annotations

from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st

from kpi.evaluation.scope import Scope
from kpi.evaluation.series import SeriesKind
from kpi.model.view import View
from ui import charts, data, trend_chart

ENTRIES = 128
TTL = data.TTL  # seconds (see ui.data)


F = TypeVar("F", go.Figure, go.Figure | None)


class SharedFigure(go.Figure):
    """A figure kept here: ``to_dict`` (what ``st.plotly_chart`` sends, on every run that shows it)
    is made once. Plotly's own deep-copies every trace and converts its arrays each time: for the
    Enheter grid that was most of the page's run. The dict is the figure's, shared like the figure
    itself: read it, never change it (nor the figure, once it is kept)."""

    def to_dict(self) -> dict:  # type: ignore[override]
        made = self.__dict__.get("_shared_dict")
        if made is None:
            made = self._shared_dict = super().to_dict()
        return made


def shared(figure: F) -> F:
    """``figure`` as a ``SharedFigure``, without copying it (the class is a subclass with no fields of its own)."""
    if figure is not None:
        figure.__class__ = SharedFigure
    return figure


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def trend(scope: Scope, measure_id: str, unit_id: str, kind: SeriesKind, *, sex: str, unit: str, decimals: int, period: str, comparison_period: str | None) -> str:
    """Styrmått, *Över tid*: the measure's line with its target, as HTML and SVG (``trend_chart``:
    the first chart of a measure's page draws without Plotly's JavaScript)."""
    series = data.series_for(measure_id, unit_id, kind)
    return trend_chart.trend_html(series, sex=sex, unit=unit, decimals=decimals, period=period, comparison_period=comparison_period)


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def by_sex(scope: Scope, measure_id: str, unit_id: str, kind: SeriesKind, *, unit: str, decimals: int) -> go.Figure:
    """Styrmått, *Kvinnor och män*."""
    return shared(charts.sex_figure(data.series_for(measure_id, unit_id, kind), unit=unit, decimals=decimals))


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def control_chart(scope: Scope, measure_id: str, view: View, recalculate_from: str | None, *, unit: str, decimals: int) -> go.Figure | None:
    """Styrmått, *Styrdiagram*; None where there are no months to chart."""
    spc = data.measure_spc_for(measure_id, view, recalculate_from)
    return shared(None if spc is None else charts.spc_figure(spc, unit=unit, decimals=decimals))


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def sorted_bars(scope: Scope, measure_id: str, view: View, *, unit: str, decimals: int, target: float | None, room: float) -> go.Figure:
    """Styrmått, *Enheter*: the units' sorted bars."""
    _, compared = data.compared_units_for(measure_id, view)
    return shared(charts.units_figure(compared, unit=unit, decimals=decimals, target=target, room=room))


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def funnel(scope: Scope, measure_id: str, view: View, *, unit: str, decimals: int, selected: str | None) -> go.Figure | None:
    """Styrmått, *Enheter*: the funnel beside the bars; None where there is none."""
    found, _ = data.funnel_for(measure_id, view)
    return shared(None if found is None else charts.funnel_figure(found, unit=unit, decimals=decimals, selected=selected))


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def grid(scope: Scope, measures: tuple[tuple[str, str, str, tuple[str, ...]], ...], view: View) -> go.Figure:
    """Enheter: units × measures; with many units the slowest figure to build. ``measures``:
    (id, name, unit, reported_by) in column order."""
    table = data.grid_for(tuple(m[0] for m in measures), view)
    table = table.filter(table["measure_id"].is_in([m[0] for m in measures]))
    demo_units = {u.unit_id: u.is_demo for u in data.units_in_tree_order()}
    return shared(charts.grid_figure(table, {m[0]: (m[1], m[2], m[3]) for m in measures}, demo_units, data.reporting_types()))


@data.per_scope
@st.cache_resource(max_entries=ENTRIES, ttl=TTL, show_spinner=False, hash_funcs=data.HASH_FUNCS)
def slide_chart(scope: Scope, view: View, measure_id: str, *, height: int) -> go.Figure | None:
    """Presentation: one measure slide's chart, as in the PDF and the PowerPoint."""
    entry = next((m for m in data.board_pack_for(view).measures if m.measure_id == measure_id), None)
    return shared(None if entry is None or entry.chart is None else charts.line_chart_figure(entry.chart, height=height))
