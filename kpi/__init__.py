"""Styrkort's domain core: catalogue, periods, store, evaluation. Never imports Streamlit."""
