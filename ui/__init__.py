"""Streamlit helpers: cached data access and small reusable pieces. No business rules here."""
