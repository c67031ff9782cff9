"""The evaluation engine gives exactly today's figures: every table the views and exports read
(``Evaluation.long``, ``.wide``, ``.spread``, ``.measures``), every column, compared with the
frozen reference engine (``reference_engine.py``) on the bundled data and on generated data sets."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kpi.evaluation.scorecard import Evaluation, evaluate_dataset
from tests.evaluation import reference_engine
from tests.evaluation.generated import generated_dataset

KEYS = {
    "long": ["measure_id", "unit_id", "period", "sex"],
    "wide": ["measure_id", "unit_id", "period"],
    "spread": ["unit_id", "measure_id", "period"],
    "measures": ["measure_id", "year"],
}


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


def test_the_bundled_data_evaluates_as_before(bundled) -> None:
    dataset, evaluation = bundled
    assert_same_evaluation(evaluation, reference_engine.evaluate_dataset(dataset))


@pytest.mark.parametrize(("scale", "seed"), [(1, 1), (1, 2), (2, 3)])
def test_generated_data_evaluates_as_before(scale: int, seed: int) -> None:
    dataset = generated_dataset(scale, seed=seed)
    assert_same_evaluation(evaluate_dataset(dataset), reference_engine.evaluate_dataset(dataset))


def test_data_without_disturbances_evaluates_as_before() -> None:
    dataset = generated_dataset(1, seed=5, years=range(2019, 2026), disturb=False)
    assert_same_evaluation(evaluate_dataset(dataset), reference_engine.evaluate_dataset(dataset))
