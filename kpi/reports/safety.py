"""Text safety for files people open in a spreadsheet.

Text cells that a spreadsheet would read as a formula (starting with = + - − @, a tab or a
carriage return) are neutralised with a leading apostrophe, so an exported comment can never
run as a formula.
"""

from __future__ import annotations

from kpi.texts.spreadsheet import FORMULA_STARTS

__all__ = ["FORMULA_STARTS", "neutralise"]


def neutralise(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
