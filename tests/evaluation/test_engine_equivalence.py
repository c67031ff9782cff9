"""The evaluation engine gives exactly today's figures: every table the views and exports read
(``Evaluation.long``, ``.wide``, ``.spread``, ``.measures``), every column, compared with the
frozen reference engine (``reference_engine.py``) on the bundled data and on generated data sets.

Since issue 19 the engine masks more cells (secondary suppression); the reference engine is given
the engine's masked cells (``masked_cells``) and applies them its own way, so everything else is
still compared. That the pattern protects every small number is ``test_suppression.py``'s work."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpi.evaluation.scorecard import Evaluation, evaluate_dataset, scorecard
from kpi.model.periods import parse_period
from kpi.model.view import View
from tests.evaluation import reference_engine
from tests.evaluation.generated import generated_dataset

KEYS = {
    "long": ["measure_id", "unit_id", "period", "sex"],
    "wide": ["measure_id", "unit_id", "period"],
    "spread": ["unit_id", "measure_id", "period"],
    "measures": ["measure_id", "year"],
}


def masked_cells(evaluation: Evaluation) -> pl.DataFrame:
    return evaluation.long.filter(pl.col("masked")).select("measure_id", "unit_id", "period", "sex")


def reference(dataset, ours: Evaluation) -> Evaluation:  # noqa: ANN001 - a Dataset
    return reference_engine.evaluate_dataset(dataset, hidden=masked_cells(ours))


def assert_same_evaluation(new: Evaluation, old: Evaluation) -> None:
    for name, keys in KEYS.items():
        ours, theirs = getattr(new, name), getattr(old, name)
        assert sorted(ours.columns) == sorted(theirs.columns), name
        assert ours.height == theirs.height, name
        assert ours.select(keys).is_duplicated().sum() == 0, name
        ours = ours.select(theirs.columns).sort(keys)
        theirs = theirs.sort(keys)
        # Categorical texts compare as texts: how a column is encoded is not a figure.
        cast = {c: pl.String for c, t in theirs.schema.items() if t == pl.Categorical}
        assert_frame_equal(ours.cast(cast), theirs.cast(cast), check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


@pytest.fixture(scope="module")
def reference_bundled(bundled):  # noqa: ANN001, ANN201
    return reference(bundled[0], bundled[1])


def test_the_bundled_data_evaluates_as_before(bundled, reference_bundled) -> None:
    assert_same_evaluation(bundled[1], reference_bundled)


# Three generated data sets again, as before issue 19: the suppression's exact check is kept
# incrementally now, and an evaluation of one costs seconds instead of about two minutes.
@pytest.mark.parametrize(("scale", "seed"), [(1, 1), (1, 2), (2, 3)])
def test_generated_data_evaluates_as_before(scale: int, seed: int) -> None:
    dataset = generated_dataset(scale, seed=seed)
    ours = evaluate_dataset(dataset)
    assert_same_evaluation(ours, reference(dataset, ours))


def test_data_without_disturbances_evaluates_as_before() -> None:
    dataset = generated_dataset(1, seed=5, years=range(2019, 2026), disturb=False)
    ours = evaluate_dataset(dataset)
    assert_same_evaluation(ours, reference(dataset, ours))


@pytest.mark.parametrize(
    ("measure_ids", "unit_id", "spread"),
    [
        (["med_telefon_samma_dag"], "div_nara", False),  # one series at the top
        (["med_telefon_samma_dag"], "hc_hortlax", False),  # one series of a health centre
        (None, "vo_pitea", False),  # one organisation's months (the variation column)
        (None, "div_nara", True),  # a month chosen as period: the spread over the units too
        (["med_telefon_samma_dag", "eko_budgetavvikelse"], None, False),  # measures over every unit (comparisons)
    ],
)
def test_months_asked_for_equal_the_same_rows_of_the_whole_evaluation(bundled, reference_bundled, measure_ids, unit_id, spread) -> None:
    dataset, old = bundled[0], reference_bundled
    asked = evaluate_dataset(dataset).months.evaluated(measure_ids, None if unit_id is None else [unit_id], spread=spread)

    def cut(frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.filter(pl.col("period").str.contains(r"^\d{4}-\d{2}$"))
        if measure_ids is not None:
            frame = frame.filter(pl.col("measure_id").is_in(measure_ids))
        return frame if unit_id is None else frame.filter(pl.col("unit_id") == unit_id)

    assert asked.long.height > 0
    tables = ["long", "wide", "spread"] if spread else ["long", "wide"]
    for name in tables:
        theirs = cut(getattr(old, name))
        ours = getattr(asked, name).select(theirs.columns)
        cast = {c: pl.String for c, t in theirs.schema.items() if t == pl.Categorical}
        assert_frame_equal(ours.cast(cast).sort(KEYS[name]), theirs.cast(cast).sort(KEYS[name]), check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("unit_id", "period", "sex"),
    [("div_nara", "2022-DÅ08", "T"), ("div_nara", "2022-05", "T"), ("vo_pitea", "2023-11", "K"), ("hc_hortlax", "2022-ÅR", "M")],
)
def test_a_scorecard_reads_as_before(bundled, reference_bundled, unit_id: str, period: str, sex: str) -> None:
    view = View(unit_id, parse_period(period), sex)
    old = reference_bundled
    theirs = scorecard(Evaluation(old.long, old.wide, old.spread, old.measures), view)
    ours = scorecard(evaluate_dataset(bundled[0]), view)  # a fresh one: the months are evaluated for this view only
    assert ours.height == theirs.height > 0
    assert_frame_equal(ours, theirs, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)
