"""Swedish number formats: 17,1 %; 43 000; −31 mnkr. Missing is "uppgift saknas", never 0."""

from __future__ import annotations

import math
import re

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
