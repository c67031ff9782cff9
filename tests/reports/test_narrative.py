"""Golden tests of the written analysis: one scorecard row in, the exact Swedish text out."""

from __future__ import annotations

from typing import Any

import pytest

from kpi.reports.narrative import UNIT_NOUNS, _target_in_words, analysis_for, analysis_text


def plain(text: str) -> str:
    """The text with its no-break spaces (in '92 %' and '43 000') shown as plain spaces."""
    return text.replace("\u00a0", " ")


def row(**changes: Any) -> dict[str, Any]:
    """A share of a health-centre measure at division level, DÅ08 2022, target 100 %."""
    base: dict[str, Any] = {
        "period": "2022-DÅ08",
        "unit": "%",
        "decimals": 0,
        "direction": 1,
        "value": 92.0,
        "value_women": 92.0,
        "value_men": 92.0,
        "masked": False,
        "masked_women": False,
        "masked_men": False,
        "split_by_sex": True,
        "target": "100%",
        "target_kind": "level",
        "target_value": 100.0,
        "target_women": None,
        "target_men": None,
        "target_effective": 100.0,
        "attainment": "ej_uppfyllt",
        "attainment_women": "ej_uppfyllt",
        "attainment_men": "ej_uppfyllt",
        "trend": "oforandrad",
        "comparison_period": "2021-DÅ08",
        "comparison_value": 92.0,
        "spread_min": 73.0,
        "spread_max": 99.0,
        "units_meeting_target": None,
        "units_with_value": 25,
        "gender_gap_pp": 0.0,
        "gender_gap_flag": False,
        "is_demo": False,
    }
    return base | changes


CASES = [
    pytest.param(
        row(subject="andelen medicinska bedömningar inom tre dagar"),
        "Andelen medicinska bedömningar inom tre dagar är 92 procent (kvinnor 92 %, män 92 %). Målet 100 procent är ej "
        "uppfyllt. Jämfört med samma period 2021 (92 %) är andelen medicinska bedömningar inom tre dagar oförändrad. "
        "Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna (73–99 %).",
        id="not-met-the-issue-example",
    ),
    pytest.param(
        row(),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Målet 100 procent är ej uppfyllt. Jämfört med samma period "
        "2021 (92 %) är andelen oförändrad. Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna "
        "(73–99 %).",
        id="without-a-subject-the-unit-names-it",
    ),
    pytest.param(
        row(
            value=96.4,
            value_women=None,
            value_men=None,
            target="95%",
            target_value=95.0,
            target_effective=95.0,
            attainment="uppfyllt",
            trend="forbattrad",
            comparison_value=93.1,
            units_meeting_target=11,
            units_with_value=19,
        ),
        "Andelen är 96 procent. Målet 95 procent är uppfyllt. Jämfört med samma period 2021 (93 %) har andelen ökat med"
        " 3 procentenheter, en förbättring. Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna "
        "(73–99 %). 11 av 19 enheter når målet.",
        id="met-with-units-meeting",
    ),
    pytest.param(
        row(
            value=91.0,
            value_women=None,
            value_men=None,
            attainment="delvis",
            trend="forbattrad",
            comparison_value=90.0,
            units_meeting_target=0,
        ),
        "Andelen är 91 procent. Målet 100 procent är delvis uppfyllt, eftersom andelen har förbättrats jämfört med "
        "samma period 2021. Jämfört med samma period 2021 (90 %) har andelen ökat med 1 procentenhet, en förbättring. "
        "Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna (73–99 %). Ingen av de 25 enheterna "
        "når målet.",
        id="partly-singular-point",
    ),
    pytest.param(
        row(
            target="",
            target_kind="none",
            target_value=None,
            target_effective=None,
            attainment="ej_bedomd",
            spread_min=None,
            spread_max=None,
            units_with_value=None,
            value_women=None,
            value_men=None,
            split_by_sex=False,
        ),
        "Andelen är 92 procent. Styrmåttet har inget mål som bedöms. Jämfört med samma period 2021 (92 %) är andelen "
        "oförändrad.",
        id="no-target",
    ),
    pytest.param(
        row(
            target="Följs upp fr om 2023",
            target_kind="none",
            target_value=None,
            target_effective=None,
            attainment="ej_bedomd",
            units_with_value=1,
        ),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Styrmåttet har inget mål som bedöms (”Följs upp fr om 2023”). "
        "Jämfört med samma period 2021 (92 %) är andelen oförändrad.",
        id="text-without-target-one-unit-no-spread",
    ),
    pytest.param(
        row(
            trend="saknas", comparison_period=None, comparison_value=None, spread_min=None, spread_max=None, units_with_value=None
        ),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Målet 100 procent är ej uppfyllt. Jämförelse saknas: det finns"
        " inget tidigare publicerat värde att jämföra andelen med, och publicerade värden jämförs inte med demodata.",
        id="no-comparison",
    ),
    pytest.param(
        row(
            value=36.0,
            value_women=None,
            value_men=None,
            direction=-1,
            target="7%",
            target_value=7.0,
            target_effective=7.0,
            trend="forbattrad",
            comparison_value=40.0,
            spread_min=25.0,
            spread_max=50.0,
            units_meeting_target=0,
            units_with_value=4,
            subject="andelen utskrivningsklara mer än ett dygn",
        ),
        "Andelen utskrivningsklara mer än ett dygn är 36 procent. Målet, högst 7 procent, är ej uppfyllt. Jämfört med "
        "samma period 2021 (40 %) har andelen utskrivningsklara mer än ett dygn minskat med 4 procentenheter, en "
        "förbättring. Under januari–augusti 2022 skiljer det 25 procentenheter"
        " mellan enheterna (25–50 %). Ingen av de 4 enheterna når målet.",
        id="lower-is-better",
    ),
    pytest.param(
        row(
            value=None,
            value_women=17.1,
            value_men=20.5,
            decimals=1,
            direction=-1,
            target="K:16% M:17,2%",
            target_value=None,
            target_women=16.0,
            target_men=17.2,
            target_effective=None,
            attainment="ej_uppfyllt",
            attainment_women="ej_uppfyllt",
            attainment_men="delvis",
            trend="saknas",
            comparison_period=None,
            comparison_value=None,
            spread_min=14.6,
            spread_max=24.6,
            units_with_value=4,
            units_meeting_target=0,
            subject="andelen oplanerade återinskrivningar inom 30 dagar",
        ),
        "Andelen oplanerade återinskrivningar inom 30 dagar är 17,1 procent för kvinnor och 20,5 procent för män; någon "
        "total anges inte. Målet för kvinnor, högst 16 procent, är ej uppfyllt; målet för män, högst 17,2 procent, är "
        "delvis uppfyllt. Jämförelse saknas: det finns inget tidigare publicerat värde att jämföra andelen med, och "
        "publicerade värden jämförs inte med "
        "demodata. Under januari–augusti 2022 skiljer det 10,0 procentenheter mellan enheterna (14,6–24,6 %). Ingen av "
        "de 4 enheterna når målet.",
        id="per-sex-target",
    ),
    pytest.param(
        row(
            unit="antal",
            value=29191.0,
            value_women=None,
            value_men=None,
            split_by_sex=False,
            target="43 000 på helår",
            target_kind="annual_volume",
            target_value=43000.0,
            target_effective=28666.67,
            attainment="uppfyllt",
            trend="forbattrad",
            comparison_value=19600.0,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
            subject="antalet slutförda triage på Digitalen",
        ),
        "Antalet slutförda triage på Digitalen är 29 191. Årsmålet 43 000 motsvarar 28 667 för perioden och är uppfyllt. "
        "Jämfört med samma period 2021 (19 600) har antalet slutförda triage på Digitalen ökat med 49 %, en förbättring.",
        id="annual-volume-count-in-percent",
    ),
    pytest.param(
        row(
            unit="antal",
            value=8.0,
            value_women=None,
            value_men=None,
            split_by_sex=False,
            direction=-1,
            target="Minska med 50% jämfört med 2020",
            target_kind="relative_change",
            target_value=None,
            target_effective=1.3333,
            trend="forsamrad",
            comparison_value=7.0,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
            subject="antalet vårdrelaterade fallskador hos äldre",
        ),
        "Antalet vårdrelaterade fallskador hos äldre är 8. Målet att minska med 50 procent jämfört med 2020 motsvarar högst 1,3 "
        "för perioden och är ej uppfyllt. Jämfört med samma period 2021 (7) har antalet vårdrelaterade fallskador hos "
        "äldre ökat med 1, en försämring.",
        id="small-count-changes-in-count",
    ),
    pytest.param(
        row(
            unit="antal",
            value=1641.0,
            value_women=1179.0,
            value_men=462.0,
            target="Öka",
            target_kind="direction",
            target_value=None,
            target_effective=1955.0,
            trend="forsamrad",
            comparison_value=1955.0,
            spread_min=25.0,
            spread_max=157.0,
            units_meeting_target=2,
            units_with_value=2,
        ),
        "Antalet är 1 641 (kvinnor 1 179, män 462). Målet att öka är ej uppfyllt. Jämfört med samma period 2021 (1 955)"
        " har antalet minskat med 16 %, en försämring. Under januari–augusti 2022 når båda enheterna målet.",
        id="direction-target-count-two-units",
    ),
    pytest.param(
        row(
            target="Öka",
            target_kind="direction",
            target_value=None,
            target_effective=None,
            attainment="ej_bedomd",
            trend="forbattrad",
            comparison_period="2022-DÅ04",
            comparison_value=90.0,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
        ),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Målet att öka kan inte bedömas: det finns inget jämförbart "
        "publicerat värde från samma period året innan. Jämfört med januari–april 2022 (90 %) har andelen ökat med 2 "
        "procentenheter, en förbättring.",
        id="direction-without-last-year-compares-previous-period",
    ),
    pytest.param(
        row(
            unit="mnkr",
            value=-31.0,
            value_women=None,
            value_men=None,
            split_by_sex=False,
            target="+/-0 mnkr",
            target_kind="band",
            target_value=None,
            target_effective=None,
            trend="forsamrad",
            comparison_value=-12.0,
            spread_min=None,
            spread_max=None,
            units_meeting_target=10,
            units_with_value=44,
            subject="budgetavvikelsen",
        ),
        "Budgetavvikelsen är −31 mnkr. Målet, en budget i balans (±0 mnkr), är ej uppfyllt. Jämfört med samma period "
        "2021 (−12 mnkr) har underskottet ökat med 19 mnkr, en försämring. Under januari–augusti 2022 når 10 av 44 "
        "enheter målet.",
        id="budget-amount",
    ),
    pytest.param(
        row(value=92.3, value_women=None, value_men=None, comparison_value=92.0, decimals=1),
        "Andelen är 92,3 procent. Målet 100 procent är ej uppfyllt. Jämfört med samma period 2021 (92,0 %) har andelen "
        "ökat med 0,3 procentenheter, vilket räknas som oförändrat (inom ±0,5 procentenheter). Under januari–augusti "
        "2022 skiljer det 26,0 procentenheter mellan enheterna (73,0–99,0 %).",
        id="unchanged-within-the-neutral-band",
    ),
    pytest.param(
        row(value=91.4, value_women=None, value_men=None, comparison_value=90.8, trend="oforandrad", attainment="delvis"),
        "Andelen är 91 procent. Målet 100 procent är delvis uppfyllt. Jämfört med samma period 2021 (91 %) är andelen "
        "oförändrad. Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna (73–99 %).",
        id="equal-printed-values-are-unchanged",
    ),
    pytest.param(
        row(
            value=None,
            value_women=None,
            value_men=None,
            masked=True,
            masked_women=True,
            masked_men=True,
            attainment="ej_bedomd",
            trend="saknas",
            comparison_value=None,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
        ),
        "Värdet är skyddat eftersom det bygger på för få personer.",
        id="masked",
    ),
    pytest.param(
        row(
            value=11.0,
            value_women=None,
            value_men=None,
            masked_women=True,
            masked_men=True,
            unit="antal",
            split_by_sex=True,
            target="",
            target_kind="none",
            target_value=None,
            target_effective=None,
            attainment="ej_bedomd",
            trend="saknas",
            comparison_value=None,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
        ),
        "Antalet är 11; uppdelningen på kvinnor och män är skyddad eftersom grupperna är för små. Styrmåttet har inget "
        "mål som bedöms. Jämförelse saknas: det finns inget tidigare publicerat värde att jämföra antalet med, och "
        "publicerade värden jämförs inte med demodata.",
        id="sexes-masked",
    ),
    pytest.param(
        row(
            value=None,
            value_women=None,
            value_men=None,
            attainment="ej_bedomd",
            trend="saknas",
            comparison_value=None,
            spread_min=None,
            spread_max=None,
            units_with_value=None,
        ),
        "Uppgift saknas för perioden.",
        id="missing-never-zero",
    ),
    pytest.param(
        row(spread_min=80.0, spread_max=80.6, units_meeting_target=25),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Målet 100 procent är ej uppfyllt. Jämfört med samma period "
        "2021 (92 %) är andelen oförändrad. Under januari–augusti 2022 skiljer det 1 procentenhet mellan enheterna "
        "(80–81 %). Alla 25 enheter når målet.",
        id="spread-singular-all-meet",
    ),
    pytest.param(
        row(is_demo=True, gender_gap_flag=True, gender_gap_pp=-6.2, value_women=89.0, value_men=95.2, units_with_value=None),
        "Andelen är 92 procent (kvinnor 89 %, män 95 %). Andelen är 6 procentenheter högre för män, en skillnad mellan "
        "kvinnor och män som bör följas upp. Målet 100 procent är ej uppfyllt. Jämfört med samma period 2021 (92 %) är "
        "andelen oförändrad. Värdena är demodata (genererade, inte publicerade).",
        id="gender-gap-from-the-printed-values-and-demo",
    ),
    pytest.param(
        row(units_meeting_target=11, units_with_value=19, spread_is_demo=True),
        "Andelen är 92 procent (kvinnor 92 %, män 92 %). Målet 100 procent är ej uppfyllt. Jämfört med samma period "
        "2021 (92 %) är andelen oförändrad. Under januari–augusti 2022 skiljer det 26 procentenheter mellan enheterna "
        "(73–99 %). 11 av 19 enheter når målet. Enheternas värden är demodata (genererade, inte publicerade).",
        id="units-demo-values-labelled",
    ),
    pytest.param(
        row(value_women=None, value_men=None, trend="forsamrad", comparison_value=None, units_with_value=None),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämförelsevärdet för samma period 2021 är skyddat "
        "(för få); utvecklingen bedöms som försämrad.",
        id="masked-comparison-keeps-the-tables-verdict",
    ),
    pytest.param(
        row(value=None, value_women=47.0, value_men=None, units_with_value=None, trend="saknas", comparison_value=None),
        "Andelen är 47 procent för kvinnor; för män saknas uppgift, och någon total anges inte. Målet 100 procent är ej"
        " uppfyllt. Jämförelse saknas: det finns inget tidigare publicerat värde att jämföra andelen med, och "
        "publicerade värden jämförs inte med demodata.",
        id="one-sex-only",
    ),
]


@pytest.mark.parametrize(("scorecard_row", "expected"), CASES)
def test_analysis_text(scorecard_row: dict[str, Any], expected: str) -> None:
    assert plain(analysis_text(scorecard_row)) == expected


def test_numbers_and_units_never_break_across_lines() -> None:
    text = analysis_text(row(unit="antal", value=29191.0, value_women=None, value_men=None, target_kind="none", target=""))
    assert "29\u00a0191" in text
    assert "92\u00a0procent" in analysis_text(row()) and "(kvinnor 92\u00a0%" in analysis_text(row())


def test_the_units_are_named_as_the_measure_reports_them() -> None:
    text = plain(analysis_text(row(units_meeting_target=11, units_with_value=19), units=UNIT_NOUNS["tandvårdsklinik"]))
    assert text.endswith(
        "skiljer det 26 procentenheter mellan tandvårdsklinikerna (73–99 %). 11 av 19 tandvårdskliniker når målet."
    )


@pytest.mark.parametrize(
    ("sex", "changes", "expected_start"),
    [
        ("K", {"value_women": None, "value_men": None}, "Andelen för kvinnor är 92 procent. Målet 100 procent är ej uppfyllt."),
        ("M", {"split_by_sex": False, "value": None}, "Styrmåttet är inte uppdelat på kön."),
        (
            "K",
            {
                "value": 17.1,
                "decimals": 1,
                "value_women": None,
                "value_men": None,
                "direction": -1,
                "target_value": None,
                "target_women": 16.0,
                "target_men": 17.2,
                "attainment": "ej_uppfyllt",
                "attainment_men": "uppfyllt",
            },
            "Andelen för kvinnor är 17,1 procent. Målet för kvinnor, högst 16 procent, är ej uppfyllt. Jämfört",
        ),
    ],
)
def test_a_chosen_sex_is_named_and_no_spread_is_claimed(sex: str, changes: dict[str, Any], expected_start: str) -> None:
    text = plain(analysis_text(row(**changes), sex=sex))
    assert text.startswith(expected_start)
    assert "skiljer det" not in text and "når målet" not in text  # the spread is the total's


def test_the_analysts_comment_is_shown_and_the_generated_text_kept() -> None:
    own = analysis_for(row(), {"text": "  Andelen har ökat något under tertial 2.  ", "author": "Analytiker A"})
    assert (own.text, own.is_own, own.author) == ("Andelen har ökat något under tertial 2.", True, "Analytiker A")
    assert plain(own.generated).startswith("Andelen är 92 procent")
    generated = analysis_for(row(), None)
    assert (generated.is_own, generated.text) == (False, generated.generated)
    assert analysis_for(row(), {"text": "   ", "author": None}).is_own is False


# --- issue 20: each class the language review found, as a golden table ---------------------------

DEMO_UNITS = {"spread_is_demo": True, "units_with_value": 25, "spread_min": 3.0, "spread_max": 9.0}
MASKED = {"masked": True, "value": None, "value_women": None, "value_men": None, "attainment": "ej_bedomd", "trend": "saknas"}
ONLY_SEXES = {
    "value": None, "value_women": 43.0, "value_men": 54.0, "attainment": "ej_uppfyllt", "trend": "saknas",
    "comparison_value": None, "comparison_period": None, "trend_women": "forbattrad", "trend_men": "forsamrad",
    "comparison_period_women": "2021-DÅ08", "comparison_period_men": "2021-DÅ08",
    "comparison_value_women": 40.0, "comparison_value_men": 56.0,
}  # fmt: skip
BUDGET = {
    "unit": "mnkr", "value_women": None, "value_men": None, "direction": 1, "target": "+/-0 mnkr", "target_kind": "band",
    "target_value": None, "target_effective": None, "split_by_sex": False, "spread_min": None, "spread_max": None,
    "neutral_band": 0.01, "neutral_is_absolute": False,
}  # fmt: skip
MINSKA = {
    "decimals": 1, "direction": -1, "value_women": None, "value_men": None, "target": "Minska", "target_kind": "direction",
    "target_value": None, "neutral_band": 0.5, "neutral_is_absolute": True, "spread_min": None, "units_with_value": None,
}  # fmt: skip

ISSUE_20_CASES = [
    pytest.param(
        row(value=5.0, value_women=None, value_men=None, target="Öka", target_kind="direction", target_value=None, target_effective=None,
            attainment="ej_bedomd", trend="forbattrad", comparison_period="2022-DÅ04", comparison_value=2.0, units_meeting_target=25,
            **DEMO_UNITS),
        "Andelen är 5 procent. Målet att öka kan inte bedömas: det finns inget jämförbart publicerat värde från samma "
        "period året innan. Jämfört med januari–april 2022 (2 %) har andelen ökat med 3 procentenheter, en förbättring."
        " Under januari–augusti 2022 skiljer det 6 procentenheter mellan enheterna (3–9 %). Enheternas värden är "
        "demodata (genererade, inte publicerade).",
        id="not-assessable-then-no-units-meeting-the-target",
    ),
    pytest.param(
        row(**BUDGET, value=-0.6, comparison_value=-1.4, trend="oforandrad", attainment="ej_uppfyllt", units_with_value=None,
            subject="budgetavvikelsen"),
        "Budgetavvikelsen är −1 mnkr. Målet, en budget i balans (±0 mnkr), är ej uppfyllt. Jämfört med samma period 2021 "
        "(−1 mnkr) är budgetavvikelsen oförändrad.",
        id="equal-printed-values-claim-no-change",
    ),
    pytest.param(
        row(**BUDGET, decimals=2, value=0.03, comparison_value=0.02, trend="oforandrad", attainment="uppfyllt", units_with_value=None),
        "Utfallet är 0,03 mnkr. Målet, en budget i balans (±0 mnkr), är uppfyllt. Jämfört med samma period 2021 (0,02 mnkr) har "
        "överskottet ökat med 0,01 mnkr, vilket räknas som oförändrat (inom ±0,01 mnkr).",
        id="a-trivial-amount-is-no-improvement",
    ),
    pytest.param(
        row(**MASKED, unit="antal", units_meeting_target=3, units_with_value=3, spread_is_demo=True),
        "Värdet är skyddat eftersom det bygger på för få personer.",
        id="masked-total-says-nothing-about-the-units",
    ),
    pytest.param(
        row(value_women=None, value_men=None, comparison_value=None, comparison_period=None, trend="saknas", is_demo=True, units_with_value=None),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämförelse saknas: det finns inget tidigare värde i "
        "demodata att jämföra andelen med, och demodata jämförs inte med publicerade värden. Värdena är demodata "
        "(genererade, inte publicerade).",
        id="demo-value-never-compared-with-a-published-one",
    ),
    pytest.param(
        row(period="2022-DÅ08", accumulation="per_period", value_women=None, value_men=None, units_meeting_target=11, units_with_value=19),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämfört med samma period 2021 (92 %) är andelen "
        "oförändrad. Under maj–augusti 2022 skiljer det 26 procentenheter mellan enheterna (73–99 %). 11 av 19 enheter "
        "når målet.",
        id="spread-names-the-months-per-period",
    ),
    pytest.param(
        row(period="2022-08", comparison_period="2021-08", value_women=None, value_men=None),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämfört med augusti 2021 (92 %) är andelen "
        "oförändrad. Under augusti 2022 skiljer det 26 procentenheter mellan enheterna (73–99 %).",
        id="spread-names-the-month",
    ),
    pytest.param(
        row(period="2022-ÅR", comparison_period="2021-ÅR", value_women=None, value_men=None, spread_min=None),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämfört med 2021 (92 %) är andelen oförändrad.",
        id="a-whole-year-compares-with-the-year",
    ),
    pytest.param(
        row(**MINSKA, value=8.2, comparison_value=8.7, trend="oforandrad", attainment="ej_uppfyllt", period="2022-DÅ04",
            comparison_period="2021-DÅ04", subject="sjukfrånvaron"),
        "Sjukfrånvaron är 8,2 procent. Målet att minska är ej uppfyllt: förändringen ligger inom det som räknas som "
        "oförändrat. Jämfört med samma period 2021 (8,7 %) har sjukfrånvaron minskat med 0,5 procentenheter, vilket "
        "räknas som oförändrat (inom ±0,5 procentenheter).",
        id="minska-not-met-inside-the-band-says-the-change-and-the-band",
    ),
    pytest.param(
        row(value=6.4, value_women=None, value_men=None, decimals=1, target="35%", target_value=35.0, target_effective=35.0,
            attainment="delvis", trend="forbattrad", comparison_value=4.0, spread_min=None, partial_band=0.05,
            subject="andelen 40-åringar som deltagit i hälsosamtal"),
        "Andelen 40-åringar som deltagit i hälsosamtal är 6,4 procent. Målet 35 procent är delvis uppfyllt, eftersom "
        "andelen 40-åringar som deltagit i hälsosamtal har förbättrats jämfört med samma period 2021. Jämfört med "
        "samma period 2021 (4,0 %) har andelen 40-åringar som deltagit i hälsosamtal ökat med 2,4 procentenheter, en "
        "förbättring.",
        id="partly-says-it-is-because-the-value-improved",
    ),
    pytest.param(
        row(value=96.0, value_women=None, value_men=None, attainment="delvis", trend="oforandrad", comparison_value=96.0, spread_min=None, partial_band=0.05),
        "Andelen är 96 procent. Målet 100 procent är delvis uppfyllt, eftersom andelen ligger nära målet (inom 5 "
        "procent av det). Jämfört med samma period 2021 (96 %) är andelen oförändrad.",
        id="partly-says-it-is-because-the-value-is-near",
    ),
    pytest.param(
        row(**ONLY_SEXES, spread_min=None),
        "Andelen är 43 procent för kvinnor och 54 procent för män; någon total anges inte. Målet 100 procent är ej "
        "uppfyllt. Jämfört med samma period 2021 (40 %) har andelen för kvinnor ökat med 3 procentenheter, en "
        "förbättring. Jämfört med samma period 2021 (56 %) har andelen för män minskat med 2 procentenheter, en "
        "försämring.",
        id="only-women-and-men-keep-their-comparison",
    ),
    pytest.param(
        row(period="2025-DÅ04", target="Följs upp fr om 2023", target_kind="none", target_value=None, attainment="ej_bedomd",
            comparison_period="2024-DÅ04", value_women=None, value_men=None, spread_min=None),
        "Andelen är 92 procent. Styrmåttet har inget mål som bedöms. Jämfört med samma period 2024 (92 %) är andelen "
        "oförändrad.",
        id="a-stale-catalogue-target-text-is-not-quoted",
    ),
    pytest.param(
        row(**DEMO_UNITS, is_demo=True, value_women=None, value_men=None, units_meeting_target=0),
        "Andelen är 92 procent. Målet 100 procent är ej uppfyllt. Jämfört med samma period 2021 (92 %) är andelen "
        "oförändrad. Under januari–augusti 2022 skiljer det 6 procentenheter mellan enheterna (3–9 %). Ingen av de 25 "
        "enheterna når målet. Värdena, även enheternas, är demodata (genererade, inte publicerade).",
        id="one-demo-sentence",
    ),
]


@pytest.mark.parametrize(("scorecard_row", "expected"), ISSUE_20_CASES)
def test_the_text_tells_the_truth_at_every_edge(scorecard_row: dict[str, Any], expected: str) -> None:
    assert plain(analysis_text(scorecard_row)) == expected


def test_a_measure_the_unit_does_not_report_says_so() -> None:
    text = analysis_text(row(value=None, value_women=None, value_men=None, units_with_value=None), units=UNIT_NOUNS["hälsocentral"], applies=False)
    assert text == "Styrmåttet rapporteras inte av enheten; det följs upp på hälsocentraler."


# --- the subject: what is measured, named as the catalogue names it -------------------------------

NO_SPREAD = {"value_women": None, "value_men": None, "spread_min": None, "units_with_value": None}

SUBJECT_CASES = [
    pytest.param(
        row(**NO_SPREAD, subject="sjukfrånvaron", value=7.6, comparison_value=7.6, decimals=1, target="Minska",
            target_kind="direction", target_value=None, direction=-1, attainment="ej_uppfyllt"),
        "Sjukfrånvaron är 7,6 procent. Målet att minska är ej uppfyllt: förändringen ligger inom det som räknas som "
        "oförändrat. Jämfört med samma period 2021 (7,6 %) är sjukfrånvaron oförändrad.",
        id="common-gender-oförändrad",
    ),
    pytest.param(
        row(**NO_SPREAD, subject="kontinuitetsindexet", unit="index", decimals=2, value=0.45, comparison_value=0.45,
            target="", target_kind="none", target_value=None, attainment="ej_bedomd"),
        "Kontinuitetsindexet är 0,45. Styrmåttet har inget mål som bedöms. Jämfört med samma period 2021 (0,45) är "
        "kontinuitetsindexet oförändrat.",
        id="neuter-oförändrat",
    ),
    pytest.param(
        row(**NO_SPREAD, subject="antalet besök på filialer och servicepunkter", unit="antal", value=3150.0,
            comparison_value=3150.0, split_by_sex=False, target="Öka", target_kind="direction", target_value=None,
            attainment="ej_uppfyllt"),
        "Antalet besök på filialer och servicepunkter är 3 150. Målet att öka är ej uppfyllt: förändringen ligger inom "
        "det som räknas som oförändrat. Jämfört med samma period 2021 (3 150) är antalet besök på filialer och "
        "servicepunkter oförändrat.",
        id="a-long-neuter-subject-agrees-with-its-head",
    ),
    pytest.param(
        row(**NO_SPREAD, subject="antalet insatser från Företagshälsan", unit="antal", value=12.0, comparison_value=9.0,
            split_by_sex=False, target="", target_kind="none", target_value=None, attainment="ej_bedomd", trend="forbattrad"),
        "Antalet insatser från Företagshälsan är 12. Styrmåttet har inget mål som bedöms. Jämfört med samma period 2021 "
        "(9) har antalet insatser från Företagshälsan ökat med 3, en förbättring.",
        id="only-the-first-letter-is-capitalised",
    ),
    pytest.param(
        row(**(ONLY_SEXES | {"comparison_period_men": None, "trend_men": "saknas"}), spread_min=None,
            subject="andelen oplanerade återinskrivningar inom 30 dagar"),
        "Andelen oplanerade återinskrivningar inom 30 dagar är 43 procent för kvinnor och 54 procent för män; någon "
        "total anges inte. Målet 100 procent är ej uppfyllt. Jämfört med samma period 2021 (40 %) har andelen "
        "oplanerade återinskrivningar inom 30 dagar för kvinnor ökat med 3 procentenheter, en förbättring. För män "
        "saknas jämförelse.",
        id="per-sex-comparison-names-the-subject",
    ),
    pytest.param(
        row(value=17.0, value_women=15.0, value_men=20.0, gender_gap_flag=True, spread_min=None, units_with_value=None,
            target="40%", target_value=40.0, target_effective=40.0, trend="saknas", comparison_value=None,
            comparison_period=None, subject="andelen digitala vårdbesök"),
        "Andelen digitala vårdbesök är 17 procent (kvinnor 15 %, män 20 %). Andelen digitala vårdbesök är 5 "
        "procentenheter högre för män, en skillnad mellan kvinnor och män som bör följas upp. Målet 40 procent är ej "
        "uppfyllt. Jämförelse saknas: det finns inget tidigare publicerat värde att jämföra andelen med, och "
        "publicerade värden jämförs inte med demodata.",
        id="the-gender-gap-and-a-missing-comparison-name-it",
    ),
    pytest.param(
        row(**NO_SPREAD, subject="sjukfrånvaron", trend="saknas", comparison_value=None, comparison_period=None),
        "Sjukfrånvaron är 92 procent. Målet 100 procent är ej uppfyllt. Jämförelse saknas: det finns inget tidigare "
        "publicerat värde att jämföra sjukfrånvaron med, och publicerade värden jämförs inte med demodata.",
        id="a-one-word-subject-is-compared-whole",
    ),
    pytest.param(
        row(**BUDGET, value=-31.0, comparison_value=-12.0, trend="forsamrad", attainment="ej_uppfyllt", units_with_value=None,
            subject="budgetavvikelsen"),
        "Budgetavvikelsen är −31 mnkr. Målet, en budget i balans (±0 mnkr), är ej uppfyllt. Jämfört med samma period "
        "2021 (−12 mnkr) har underskottet ökat med 19 mnkr, en försämring.",
        id="a-growing-deficit",
    ),
    pytest.param(
        row(**BUDGET, value=4.0, comparison_value=9.0, trend="forsamrad", attainment="uppfyllt", units_with_value=None,
            subject="budgetavvikelsen"),
        "Budgetavvikelsen är 4 mnkr. Målet, en budget i balans (±0 mnkr), är uppfyllt. Jämfört med samma period 2021 "
        "(9 mnkr) har överskottet minskat med 5 mnkr, en försämring.",
        id="a-shrinking-surplus",
    ),
    pytest.param(
        row(**BUDGET, value=-3.0, comparison_value=5.0, trend="forsamrad", attainment="ej_uppfyllt", units_with_value=None,
            subject="budgetavvikelsen"),
        "Budgetavvikelsen är −3 mnkr. Målet, en budget i balans (±0 mnkr), är ej uppfyllt. Jämfört med samma period 2021 "
        "(5 mnkr) har budgetavvikelsen minskat med 8 mnkr, en försämring.",
        id="from-surplus-to-deficit-the-deviation-itself",
    ),
]


@pytest.mark.parametrize(("scorecard_row", "expected"), SUBJECT_CASES)
def test_the_text_names_what_is_measured(scorecard_row: dict[str, Any], expected: str) -> None:
    assert plain(analysis_text(scorecard_row)) == expected


def test_a_chosen_sex_follows_the_subject() -> None:
    text = plain(analysis_text(row(value_women=None, value_men=None, subject="sjukfrånvaron"), sex="K"))
    assert text.startswith("Sjukfrånvaron för kvinnor är 92 procent. Målet 100 procent är ej uppfyllt. Jämfört med samma "
                           "period 2021 (92 %) är sjukfrånvaron oförändrad.")  # fmt: skip


def test_every_bundled_subject_reads_as_a_sentence() -> None:
    """Every catalogue subject in the three sentence frames the text uses, first letter up only."""
    from pathlib import Path

    from kpi.model.catalogue import load_catalogue

    catalogue = load_catalogue(Path(__file__).resolve().parents[2] / "data" / "catalogue" / "2022.yaml")
    for measure in catalogue.measures():
        text = plain(analysis_text(row(subject=measure.subject, value_women=None, value_men=None, spread_min=None)))
        assert text.startswith(f"{measure.subject[0].upper()}{measure.subject[1:]} är 92 procent."), measure.id
        assert f"är {measure.subject} oförändra" in text, measure.id


@pytest.mark.parametrize(
    ("kind", "text", "unit", "expected"),
    [
        ("relative_change", "Minska med 50% jämfört med 2020", "antal", "Målet att minska med 50 procent jämfört med 2020"),
        ("relative_change", "På regionnivå Minska med 50% jämfört med 2020", "antal", "Målet att på regionnivå minska med 50 procent jämfört med 2020"),
        ("relative_change", "Öka med 2,5 % jämfört med 2021", "%", "Målet att öka med 2,5 procent jämfört med 2021"),
        ("direction", "Förbättrat värde från senaste mätning", "index", "Målet, ett förbättrat värde jämfört med senaste mätningen,"),
        ("direction", "Minska", "%", "Målet att minska"),
        ("band", "+/-0 mnkr", "mnkr", "Målet, en budget i balans (±0 mnkr),"),
        ("relative_change", "Halvera till 2030", "antal", "Målet ”Halvera till 2030”"),  # no size to put in words: quoted
    ],
)
def test_targets_are_written_in_words(kind: str, text: str, unit: str, expected: str) -> None:
    assert _target_in_words({"target_kind": kind, "target": text}, text, unit, 0) == expected
