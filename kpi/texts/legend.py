"""How a verdict looks wherever it is shown: symbol, word and colour, the same in every view.

The colours are the Okabe–Ito palette, which stays distinguishable with the common forms of
colour blindness; the symbol and the word carry the meaning on their own, so nothing depends on
colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpi.model.verdicts import (
    ASSURANCE_LABELS,
    ATTAINMENT_LABELS,
    COMMON,
    CONCERN,
    FAILS,
    HIT_AND_MISS,
    IMPROVED,
    IMPROVEMENT,
    MASKED_MONTHS,
    MET,
    MISSING,
    NO_ASSURANCE,
    NOT_ASSESSED,
    NOT_MET,
    PARTLY,
    PASSES,
    TOO_FEW,
    TREND_LABELS,
    UNCHANGED,
    VARIATION_LABELS,
    WORSENED,
)


@dataclass(frozen=True)
class Badge:
    symbol: str
    word: str
    colour: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.word}"


ATTAINMENT = {
    MET: Badge("✓", ATTAINMENT_LABELS[MET], "#009E73"),
    PARTLY: Badge("◐", ATTAINMENT_LABELS[PARTLY], "#E69F00"),
    NOT_MET: Badge("✗", ATTAINMENT_LABELS[NOT_MET], "#D55E00"),
    NOT_ASSESSED: Badge("–", ATTAINMENT_LABELS[NOT_ASSESSED], "#8C8C8C"),
}
ATTAINMENT_ORDER = (MET, PARTLY, NOT_MET, NOT_ASSESSED)

TREND = {
    IMPROVED: Badge("↗", TREND_LABELS[IMPROVED], "#009E73"),
    UNCHANGED: Badge("→", TREND_LABELS[UNCHANGED], "#56B4E9"),
    WORSENED: Badge("↘", TREND_LABELS[WORSENED], "#D55E00"),
    MISSING: Badge("·", f"jämförelse {TREND_LABELS[MISSING]}", "#8C8C8C"),  # "saknas" alone is unclear in a table
}

ACTION_STATUS = {
    "ej_påbörjad": Badge("○", "ej påbörjad", "#8C8C8C"),
    "pågår": Badge("◐", "pågår", "#E69F00"),
    "genomförd": Badge("●", "genomförd", "#009E73"),
    "okänd": Badge("?", "status okänd", "#8C8C8C"),
}

# Series colours: the total, women and men keep their colour in every chart.
SEX_COLOURS = {"T": "#3B4A5A", "K": "#CC79A7", "M": "#0072B2"}
SEX_LABELS = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}
TARGET_COLOUR = "#4D4D4D"
DEMO_TEXT = "Demodata"

# SPC verdicts (kpi.signals.spc), as the NHS "Making Data Count" icons: the shape and the word say it.
VARIATION = {
    COMMON: Badge("∿", VARIATION_LABELS[COMMON], "#8C8C8C"),
    IMPROVEMENT: Badge("⊕", VARIATION_LABELS[IMPROVEMENT], "#0072B2"),
    CONCERN: Badge("⊖", VARIATION_LABELS[CONCERN], "#E69F00"),
    TOO_FEW: Badge("·", VARIATION_LABELS[TOO_FEW], "#8C8C8C"),
    MASKED_MONTHS: Badge("·", VARIATION_LABELS[MASKED_MONTHS], "#8C8C8C"),
}
ASSURANCE = {
    PASSES: Badge("◎", ASSURANCE_LABELS[PASSES], "#0072B2"),
    FAILS: Badge("⊘", ASSURANCE_LABELS[FAILS], "#E69F00"),
    HIT_AND_MISS: Badge("?", ASSURANCE_LABELS[HIT_AND_MISS], "#8C8C8C"),
    NO_ASSURANCE: Badge("–", ASSURANCE_LABELS[NO_ASSURANCE], "#8C8C8C"),
}
