"""Shared fixtures: the bundled data set, loaded and evaluated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi.evaluation.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def bundled() -> tuple[Dataset, Evaluation]:
    dataset = load_dataset(DATA)
    return dataset, evaluate_dataset(dataset)
