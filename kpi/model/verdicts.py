"""The verdicts' vocabulary: the ids every layer stores and compares, and their Swedish words.

Måluppfyllelse and utveckling are decided in ``kpi.evaluation.rules``; variation and assurance in
``kpi.signals.spc``; how each verdict looks (symbol, colour) is ``kpi.texts.legend``.
"""

from __future__ import annotations

# Måluppfyllelse (attainment) and utveckling (trend).
MET, PARTLY, NOT_MET, NOT_ASSESSED = "uppfyllt", "delvis", "ej_uppfyllt", "ej_bedomd"
IMPROVED, UNCHANGED, WORSENED, MISSING = "forbattrad", "oforandrad", "forsamrad", "saknas"

ATTAINMENT_LABELS = {MET: "uppfyllt", PARTLY: "delvis uppfyllt", NOT_MET: "ej uppfyllt", NOT_ASSESSED: "ej bedömd"}
TREND_LABELS = {IMPROVED: "förbättrad", UNCHANGED: "oförändrad", WORSENED: "försämrad", MISSING: "saknas"}

# Variation and assurance verdicts (ids; the words are in kpi.texts.legend).
COMMON, IMPROVEMENT, CONCERN, TOO_FEW, MASKED_MONTHS = "vanlig", "forbattring", "forsamring", "ej_bedomd", "skyddat"
PASSES, FAILS, HIT_AND_MISS, NO_ASSURANCE = "nar_malet", "missar_malet", "ibland", "ej_bedomd"
VARIATION_LABELS = {
    COMMON: "vanlig variation",
    IMPROVEMENT: "särskild orsak – förbättring",
    CONCERN: "särskild orsak – försämring",
    TOO_FEW: "för få månader",
    MASKED_MONTHS: "ej bedömd – skyddade månader",
}
ASSURANCE_LABELS = {PASSES: "når målet stabilt", FAILS: "missar målet stabilt", HIT_AND_MISS: "når målet ibland", NO_ASSURANCE: "ej bedömd"}
