"""Swedish number formats: 17,1 %; 43 000; −31 mnkr. Missing is "uppgift saknas", never 0."""

from __future__ import annotations

import math
import re

import numpy as np

MINUS = "\u2212"  # the typographic minus sign
GROUP = "\u00a0"  # no-break space between thousands, so "43 000" never wraps
MISSING_TEXT = "uppgift saknas"
MASKED_TEXT = "skyddat (för få)"


# A number and its per cent sign, as a catalogue's target text may print them ("95%", "K:16% M:17,2%"):
# Swedish puts a (no-break) space between them, as every value the app formats does ("80,8 %").
PERCENT_AFTER_NUMBER = r"(\d)\s*%"
PERCENT_SPACED = "${1}\u00a0%"


def swedish_target_text(text: str) -> str:
    """A target's text as the catalogue or an import gives it, with Swedish spacing: '95%' → '95 %'."""
    return re.sub(PERCENT_AFTER_NUMBER, "\\1\u00a0%", text)


def printed_value(value: float, decimals: int) -> float:
    """``value`` as it is printed with ``decimals``. Sums of the same figures in another order
    differ in the last bits (−0,675 or −0,67499999…), so the value is first rounded well below
    the printed precision: the printed figure, and every verdict judged on it, does not depend
    on the order of a sum."""
    return round(round(float(value), decimals + 6), decimals)


def printed_values(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """``printed_value`` of each value with its decimals (float and integer arrays of one length;
    NaN stays NaN), with NumPy: the same floats, without a Python call per value."""
    return _rounded(_rounded(values, decimals + 6), decimals)


def _rounded(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Python's ``round(x, n)`` elementwise. Python rounds the exact binary value correctly to n
    decimals and returns the nearest float; so does ``rint(x·10ⁿ) / 10ⁿ`` whenever 10ⁿ is exact
    (0 ≤ n ≤ 22), the product is below 2⁵² and more than one unit in its last place from a half
    (the product's rounding, at most half a unit, cannot then carry it across): the integer is the
    same, and dividing it by 10ⁿ gives the float nearest the decimal. The rest, values at a half
    after scaling such as 74,65 at one decimal, go through Python's ``round``."""
    x = np.asarray(x, np.float64)
    n = np.asarray(n, np.int64)
    out = np.array(x, copy=True)
    fast = (n >= 0) & (n <= 22) & np.isfinite(x)
    scale = np.where(fast, 10.0 ** np.clip(n, 0, 22), 1.0)
    with np.errstate(over="ignore", invalid="ignore"):  # a huge x: not fast, Python rounds it
        y = x * scale
        fast &= (np.abs(y) < 2.0**52) & (np.abs(np.abs(y - np.floor(y)) - 0.5) > np.spacing(np.abs(y)))
    out[fast] = np.rint(y[fast]) / scale[fast]
    slow = np.flatnonzero(~fast & np.isfinite(x))
    out[slow] = [round(v, d) for v, d in zip(x[slow].tolist(), n[slow].tolist(), strict=True)]
    return out


def format_number(value: float | None, decimals: int = 0) -> str:
    """'43 000', '17,1', '−31'. None and NaN give 'uppgift saknas'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT
    rounded = printed_value(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "−0"
    text = f"{abs(rounded):,.{decimals}f}".replace(",", GROUP).replace(".", ",")
    return f"{MINUS}{text}" if rounded < 0 else text


def format_value(value: float | None, unit: str, decimals: int = 0, *, masked: bool = False) -> str:
    """A value with its unit: '17,1 %', '43 000', '−31 mnkr', '4 575 kr', '72 (index)'."""
    if masked:
        return MASKED_TEXT
    number = format_number(value, decimals)
    if number == MISSING_TEXT:
        return number
    if unit == "%":
        return f"{number}{GROUP}%"
    if unit in ("mnkr", "kr"):
        return f"{number}{GROUP}{unit}"
    return number


def format_points(value: float | None, decimals: int = 1) -> str:
    """A difference in percentage points: '+4,0 procentenheter', '−2,5 procentenheter'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT
    number = format_number(value, decimals)
    sign = "+" if round(value, decimals) > 0 else ""
    return f"{sign}{number} procentenheter"


def format_outcome(
    value: float | None,
    women: float | None,
    men: float | None,
    unit: str,
    decimals: int,
    *,
    masked: bool = False,
    masked_women: bool | None = None,
    masked_men: bool | None = None,
) -> str:
    """The report's "Periodens utfall" cell: '92 % (K 92 %, M 92 %)'; the sexes where given or
    masked ('11 (K skyddat (för få), M skyddat (för få))'), so a hidden split is never silent."""
    masked_women = masked if masked_women is None else masked_women
    masked_men = masked if masked_men is None else masked_men
    text = format_value(value, unit, decimals, masked=masked)
    if women is None and men is None and not (masked_women or masked_men):
        return text
    return f"{text} (K {format_value(women, unit, decimals, masked=masked_women)}, M {format_value(men, unit, decimals, masked=masked_men)})"
