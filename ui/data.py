"""Cached access to the evaluated data: the only place with Streamlit caching."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi.scorecard import Dataset, Evaluation, evaluate_dataset, load_dataset, scorecard


@st.cache_resource(show_spinner="Läser in styrkortet …")
def dataset_and_evaluation() -> tuple[Dataset, Evaluation]:
    """Catalogue, tables and the full evaluation, once per process; never mutated."""
    dataset = load_dataset()
    return dataset, evaluate_dataset(dataset)


@st.cache_data(max_entries=256, show_spinner=False)
def scorecard_for(unit_id: str, period: str) -> pl.DataFrame:
    _, evaluation = dataset_and_evaluation()
    return scorecard(evaluation, unit_id, period)
