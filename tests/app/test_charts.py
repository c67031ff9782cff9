"""The figures: Swedish number formats, demo points marked, missing values left out (never 0)."""

from __future__ import annotations

import polars as pl
import pytest

from kpi.evaluation.comparison import compared_units, unit_grid
from kpi.model.view import View
from ui import charts

NBSP = "\u00a0"


def test_units_figure_draws_only_units_with_values_sorted_with_the_target_line(bundled) -> None:
    dataset, evaluation = bundled
    _, units = compared_units(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("div_nara", "2022-DÅ08"))
    fig = charts.units_figure(units, unit="%", decimals=0, target=95.0)
    bars = fig.data[0]
    assert len(bars.x) == 5  # the two dental areas have no value: not drawn as 0
    assert list(bars.x) == sorted(bars.x)
    labels = [a for a in fig.layout.annotations if not a.text.startswith("mål")]
    assert len(labels) == 5 and all(a.text.endswith("demo") for a in labels)
    assert fig.layout.shapes[0].x0 == 95.0
    # The labels stand in the right margin, outside the plot at any width: the target line never crosses one.
    assert {(a.xref, a.x, a.xanchor) for a in labels} == {("paper", 1, "left")}
    assert fig.layout.margin.r >= len("◐ 92 % demo") * 13 * 0.5


def test_grid_figure_has_a_symbol_in_every_cell_with_a_value(bundled) -> None:
    dataset, evaluation = bundled
    grid = unit_grid(evaluation, dataset.units, ["med_telefon_samma_dag"], View.parse("vo_pitea", "2022-DÅ08"))
    reporting = {u: frozenset({"hälsocentral"}) for u in grid["unit_id"].to_list()}
    fig = charts.grid_figure(grid, {"med_telefon_samma_dag": ("Telefon", "%", ("hälsocentral",))}, {"hc_ojebyn": True}, reporting)
    heat = fig.data[0]
    cells = [row[0] for row in heat.text]
    assert all(cell[0] in "✓◐✗" for cell in cells)
    assert all(cell.endswith("*") for cell in cells)  # every unit value is demo data
    assert fig.layout.yaxis.ticktext[-1].endswith("(demo)")
    # Room for the longest name at half an em a letter, whatever Plotly measures before the font has come.
    longest = max(len(label.replace("<b>", "").replace("</b>", "")) for label in fig.layout.yaxis.ticktext)
    assert fig.layout.margin.l >= longest * 13 * 0.5
    dental_only = charts.grid_figure(grid, {"med_telefon_samma_dag": ("Telefon", "%", ("tandvårdsklinik",))}, {}, reporting)
    assert all(row[0] == "" for row in dental_only.data[0].text)  # not reported here: blank, not "saknas", never 0
    assert all(row[0] is None for row in dental_only.data[0].z)


def test_grid_columns_stay_apart_when_shortened_names_agree(bundled) -> None:
    dataset, evaluation = bundled
    ids = ["med_halsosamtal_40", "med_halsosamtal_50"]
    grid = unit_grid(evaluation, dataset.units, ids, View.parse("vo_pitea", "2022-DÅ08"))
    names = {m: ("Andel som deltagit vid hälsosamtal i primärvård av 40-, 50-, 60-åringar i befolkningen – " + m[-2:] + "-åringar", "%", ("hälsocentral",)) for m in ids}
    fig = charts.grid_figure(grid, names, {}, {u: frozenset({"hälsocentral"}) for u in grid["unit_id"].to_list()})
    assert len(set(fig.layout.xaxis.ticktext)) == 2 and list(fig.data[0].x) == [0, 1]


def test_control_chart_breaks_its_lines_at_a_phase_and_at_masked_months(bundled) -> None:
    from kpi.evaluation.scorecard import DATA_DIR
    from kpi.model.changes import load_changes
    from kpi.signals.spc import SpcOptions
    from kpi.signals.variation import measure_spc

    _, evaluation = bundled
    changes = load_changes(DATA_DIR / "catalogue" / "changes.yaml")
    chart = measure_spc(evaluation, "med_digitala_vardbesok", View.parse("div_nara", "2025-ÅR", "T"), SpcOptions(), changes)
    assert chart is not None
    fig = charts.spc_figure(chart, unit="%", decimals=0)
    centre = next(t for t in fig.data if t.name == "Mittlinje")
    x = list(centre.x)
    # The centre line has a gap where the Cosmic phase starts, so the two phases never join.
    assert centre.y[x.index("dec 2024")] is None and centre.y[x.index("nov 2024")] is not None
    assert any(a.text == "Cosmic infört" for a in fig.layout.annotations)
    names = [t.name for t in fig.data]
    assert "Styrgränser" in names and "Demodata" in names
    # A masked month is a gap in the line of values, never 0.
    falls = measure_spc(evaluation, "ver_fallskador", View.parse("div_nara", "2022-DÅ08", "T"), SpcOptions(), changes)
    assert falls is not None
    line = next(t for t in charts.spc_figure(falls, unit="antal", decimals=0).data if t.name is None and t.mode == "lines")  # the values
    masked = falls.points["masked"].to_list()
    assert any(masked)
    assert all(y is None for y, m in zip(line.y, masked) if m)
    assert 0 not in [y for y, m in zip(line.y, masked) if m]
    assert "Mittlinje" not in [t.name for t in charts.spc_figure(falls, unit="antal", decimals=0).data]  # no verdict, no limits


def test_funnel_figure_names_few_points_and_draws_both_limits(bundled) -> None:
    from kpi.signals.variation import unit_funnel

    dataset, evaluation = bundled
    funnel, _ = unit_funnel(evaluation, dataset.units, "med_telefon_samma_dag", View.parse("vo_pitea", "2022-DÅ08", "T"), ("hälsocentral",))
    assert funnel is not None
    fig = charts.funnel_figure(funnel, unit="%", decimals=1, selected="vo_pitea")
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert "99,8 %-gräns" in names and "95 %-gräns" in names and any(n.startswith("Alla: 80,8") for n in names)
    labels = [text for t in fig.data if t.mode == "markers+text" for text in t.text]
    assert sorted(labels) == sorted(funnel.points["name"].to_list())
    assert fig.layout.xaxis.type == "log"
    assert all("\u00a0" in t or len(t) < 4 for t in fig.layout.xaxis.ticktext)  # "10 000", Swedish thousands


def test_control_chart_draws_no_limits_where_none_exist() -> None:
    # Ten months of a share: too few for limits. The series carries null (not 0 % and 100 %), so no
    # centre line or "Styrgränser" is drawn or named in the legend (issue 21).
    from kpi.signals import spc
    from kpi.signals.variation import MeasureSpc

    n = 10
    frame = pl.DataFrame(
        {
            "measure_id": ["m"] * n, "unit_id": ["u"] * n, "sex": ["T"] * n, "period": [f"2019-{i + 1:02d}" for i in range(n)],
            "value": [80.0, 85.0] * 5, "numerator": [16.0, 17.0] * 5, "denominator": [20.0] * n, "value_kind": ["share"] * n,
            "direction": [1] * n, "is_demo": [False] * n, "masked": [False] * n, "target_kind": ["none"] * n,
            "target_effective": [None] * n, "band_lower": [None] * n, "band_upper": [None] * n,
        },
        schema_overrides={"direction": pl.Int8, "target_effective": pl.Float64, "band_lower": pl.Float64, "band_upper": pl.Float64},
    )  # fmt: skip
    points = spc.spc_points(frame)
    s = spc.spc_summary(points, frame).row(0, named=True)
    flags = spc.flagged_periods(points)
    chart = MeasureSpc(points, s["variation"], s["assurance"], s["target"], False, flags, (), spc.SpcOptions(), s["last_period"])
    assert points["lower"].is_null().all() and points["upper"].is_null().all()
    names = [t.name for t in charts.spc_figure(chart, unit="%", decimals=0).data]
    assert "Styrgränser" not in names and "Mittlinje" not in names


def test_heatmap_headings_leave_room_for_the_last_columns() -> None:
    """Plotly hides a slanted heading that reaches past the figure: the last columns lost theirs."""
    headings = [charts._short(name) for name in ("Kort", "Antal patienter som fått fråga om våld i nära relation")]
    assert headings == ["Kort", "Antal patienter som fått … nära relation"]  # cut between words
    room = charts._slanted_room(headings)
    assert room >= int(len(headings[1]) * 13 * 0.5 * 0.5)  # the slanted heading's reach to the right (cos 60° = 0,5)
    assert charts._slanted_room(["Kort", "Kort"]) < room


def test_funnel_names_do_not_overlap_or_leave_the_plot() -> None:
    # Two units side by side at almost the same height, one at the right edge (the screenshot's collisions).
    points = [(0.55, 0.75), (0.62, 0.78), (1.0, 0.3), (0.1, 0.6)]
    names = ["VO Primärvård Gällivare", "VO Östra Norrbotten", "VO Luleå/Boden", "VO Piteå tätort"]
    spots = charts.place_labels(points, names)
    boxes = []
    for (x, y), name, spot in zip(points, names, spots):
        w, h = len(name) * 13 * 0.6, 13 * 1.2
        left, bottom, right, top = dict(charts._LABEL_SPOTS)[spot]
        boxes.append((x * 280 + left * w, y * 260 + bottom * h, x * 280 + right * w, y * 260 + top * h))
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= 280, (names[i], spots[i])  # inside the plot, even a phone's
        for b in boxes[i + 1 :]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (names[i], spots)
    assert spots[2].endswith("left")  # the unit at the right edge is named to its left



def test_a_kept_figure_is_sent_as_plotly_would_send_it_and_made_into_a_dict_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ui.figures.shared``: the kept figure is the same object, its dict is made once, and what
    ``st.plotly_chart`` sends of it, run after run, is what Plotly's own ``to_dict`` gives."""
    import json

    import plotly.graph_objects as go
    import streamlit as st

    from tests.app.test_app import open_app
    from ui.figures import SharedFigure, shared
    from ui.navigation import UNITS_PAGE

    figure = go.Figure(go.Scatter(x=[1, 2, 3], y=[0.5, None, 2.0], name="Hortlax"))
    assert shared(figure) is figure and isinstance(figure, SharedFigure)
    assert shared(None) is None
    assert figure.to_dict() is figure.to_dict()
    assert figure.to_dict() == go.Figure.to_dict(figure)

    def sent() -> list[dict]:
        st.cache_resource.clear()
        app = open_app(UNITS_PAGE, org="vo_pitea")
        first = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
        app.run()
        assert [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")] == first
        return first

    kept = sent()
    monkeypatch.setattr(SharedFigure, "to_dict", go.Figure.to_dict)
    assert kept and kept == sent()
