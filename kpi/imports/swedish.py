"""Reading figures, sexes and periods as people type them in Swedish spreadsheets.

The first building block of the import (issue 4): "92 %", "17,1", "43 000" (space or no-break
space between thousands), "−31" (with a typographic minus), "Kvinnor"/"K"/"Totalt", and periods
written "DÅ08 2022", "2022 T2", "2022-DÅ08", "aug 2022" or "augusti 2022". Each reader returns the
value or raises ``InputError`` with a Swedish message saying what was found and what was expected.

Only what a Swedish analyst types is a number: the ASCII digits 0–9, a decimal comma (or a point
that cannot be a thousands group), thousands separated by spaces, a leading minus or plus and a
trailing "%". Exponents ("1e3"), "inf"/"nan", underscores ("1_000"), hexadecimal and digits of
other scripts (Arabic-Indic "٤٣", full-width "４３") are refused: Python's ``float`` would read
them, but nobody types them on purpose, and a figure read differently from how it looks is worse
than a refusal. A leading "+" is accepted because reports write positive deviations that way
("+3 mnkr"); it changes nothing. Periods, too, are read from ASCII digits only.
"""

from __future__ import annotations

import re

from kpi.model.errors import StyrkortError
from kpi.model.periods import MONTH_NAMES, Period, parse_period

_FULL_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december")
_NUMBER = re.compile(r"^[+-]?([0-9]{1,3}( [0-9]{3})+|[0-9]+)(,[0-9]+)?$")  # ASCII digits: \d matches "٤" and "４" too
_YEAR = re.compile(r"[0-9]{4}")  # ASCII digits only: "²²²²" passes str.isdigit but is no year
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-", "\u2013": "-"})


class InputError(StyrkortError):
    """A cell that cannot be read; the message says what was found and what was expected."""


def parse_number(text: str | float | None) -> tuple[float | None, bool]:
    """A figure as typed: returns (value, had_percent_sign); empty gives (None, False).

    Accepts a decimal comma, a decimal point when it cannot be a thousands group ("17.5", but
    "43.000" is refused as ambiguous), thousands separated by spaces, a leading minus (also U+2212) and a trailing "%".
    """
    if text is None:
        return None, False
    if isinstance(text, bool):
        raise InputError(f"Värdet {text!r} är inget tal.")
    if isinstance(text, (int, float)):
        try:
            return float(text), False
        except OverflowError:  # an integer beyond any float
            raise InputError(f"Talet {str(text)[:20]}… är för stort.") from None
    cleaned = str(text).translate(_SPACES).strip()
    if cleaned in ("", "-", "..", "–"):
        return None, False
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].rstrip()
    cleaned = re.sub(r" +", " ", cleaned)
    if re.fullmatch(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+", cleaned):
        raise InputError(f"”{text}” går inte att läsa som ett tal: det kan betyda både tusental och decimaler. Skriv 43 000 eller 43,0.")
    if "," not in cleaned and re.fullmatch(r"[+-]?[0-9]+\.[0-9]+", cleaned):
        cleaned = cleaned.replace(".", ",")  # "17.5" from a program that writes points
    if not _NUMBER.match(cleaned):
        raise InputError(f"”{text}” går inte att läsa som ett tal. Skriv t.ex. 17,1 eller 43 000 eller 92 %.")
    return float(cleaned.replace(" ", "").replace(",", ".")), percent


def parse_sex(text: str | None) -> str:
    """'Kvinnor', 'kvinna', 'K', 'flickor' → K; 'Män', 'M', 'pojkar' → M; 'Totalt', 'T', '' → T."""
    wanted = (text or "").strip().casefold()
    if wanted in ("", "t", "totalt", "total", "alla", "båda"):
        return "T"
    if wanted in ("k", "kvinnor", "kvinna", "flickor", "flicka", "f"):
        return "K"
    if wanted in ("m", "män", "man", "pojkar", "pojke", "p"):
        return "M"
    raise InputError(f"Kön ”{text}” går inte att läsa. Skriv Kvinnor, Män eller Totalt (eller K, M, T).")


def parse_period_text(text: str) -> Period:
    """'DÅ08 2022', '2022 T2', '2022-DÅ08', 'T2 2022', 'aug 2022', 'augusti 2022', '2022-08'."""
    raw = str(text).strip()
    words = raw.replace("-", " ").split()
    other_digits = not raw.isascii() and any(c.isdigit() for c in raw if not c.isascii())  # "2022-٠٨", "2022 ０８"
    if len(words) == 2 and not other_digits:
        year_first = _YEAR.fullmatch(words[0]) is not None
        year, token = (words[0], words[1]) if year_first else (words[1], words[0])
        month = _month_number(token)
        if _YEAR.fullmatch(year):
            if month is not None:
                return Period(int(year), "månad", month)
            try:
                return parse_period(f"{year}-{token}")
            except StyrkortError:
                pass
    raise InputError(f"Perioden ”{text}” går inte att läsa. Skriv t.ex. DÅ08 2022, 2022 T2, ÅR 2022 eller aug 2022.")


def _month_number(token: str) -> int | None:
    t = token.casefold().rstrip(".")
    if t in MONTH_NAMES:
        return MONTH_NAMES.index(t) + 1
    if t in _FULL_MONTHS:
        return _FULL_MONTHS.index(t) + 1
    return None
