"""Golden tests of the written analysis: one scorecard row in, the exact Swedish text out."""

from __future__ import annotations

from typing import Any

import pytest

from kpi.reports.narrative import UNIT_NOUNS, analysis_for, analysis_text


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
        row(),
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Målet 100 % är ej uppfyllt. Jämfört med samma period 2021 är andelen "
        "oförändrad. Mellan enheterna skiljer det 26 procentenheter (73–99 %).",
        id="not-met-the-issue-example",
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
        "Andelen är 96 %. Målet 95 % är uppfyllt. Jämfört med samma period 2021 (93 %) har andelen ökat med 3 procentenheter, "
        "en förbättring. Mellan enheterna skiljer det 26 procentenheter (73–99 %). 11 av 19 enheter når målet.",
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
        "Andelen är 91 %. Målet 100 % är delvis uppfyllt. Jämfört med samma period 2021 (90 %) har andelen ökat med "
        "1 procentenhet, en förbättring. Mellan enheterna skiljer det 26 procentenheter (73–99 %). Ingen av de 25 enheterna når målet.",
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
        "Andelen är 92 %. Styrmåttet har inget mål. Jämfört med samma period 2021 är andelen oförändrad.",
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
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Styrmåttet har inget mål som bedöms (”Följs upp fr om 2023”). "
        "Jämfört med samma period 2021 är andelen oförändrad.",
        id="text-without-target-one-unit-no-spread",
    ),
    pytest.param(
        row(
            trend="saknas", comparison_period=None, comparison_value=None, spread_min=None, spread_max=None, units_with_value=None
        ),
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Målet 100 % är ej uppfyllt. Det finns inget jämförbart värde från samma period året innan.",
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
        ),
        "Andelen är 36 %. Målet, högst 7 %, är ej uppfyllt. Jämfört med samma period 2021 (40 %) har andelen minskat med "
        "4 procentenheter, en förbättring. Mellan enheterna skiljer det 25 procentenheter (25–50 %). Ingen av de 4 enheterna når målet.",
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
        ),
        "Andelen är 17,1 % för kvinnor och 20,5 % för män; någon total anges inte. Målet för kvinnor, högst 16 %, är ej uppfyllt; "
        "målet för män, högst 17,2 %, är delvis uppfyllt. Det finns inget jämförbart värde från samma period året innan. "
        "Mellan enheterna skiljer det 10,0 procentenheter (14,6–24,6 %). Ingen av de 4 enheterna når målet.",
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
        ),
        "Antalet är 29 191. Årsmålet 43 000 motsvarar 28 667 för perioden och är uppfyllt. Jämfört med samma period 2021 (19 600) "
        "har antalet ökat med 49 %, en förbättring.",
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
        ),
        "Antalet är 8. Målet ”Minska med 50% jämfört med 2020” motsvarar högst 1,3 för perioden och är ej uppfyllt. "
        "Jämfört med samma period 2021 (7) har antalet ökat med 1, en försämring.",
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
        "Antalet är 1 641 (kvinnor 1 179, män 462). Målet ”Öka” är ej uppfyllt. Jämfört med samma period 2021 (1 955) har antalet "
        "minskat med 16 %, en försämring. Båda enheterna når målet.",
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
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Målet ”Öka” kan inte bedömas: värdet från samma period året innan saknas. "
        "Jämfört med DÅ04 2022 (90 %) har andelen ökat med 2 procentenheter, en förbättring.",
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
        ),
        "Utfallet är −31 mnkr. Målet ”+/-0 mnkr” är ej uppfyllt. Jämfört med samma period 2021 (−12 mnkr) har utfallet minskat med "
        "19 mnkr, en försämring. 10 av 44 enheter når målet.",
        id="budget-amount",
    ),
    pytest.param(
        row(value=92.3, value_women=None, value_men=None, comparison_value=92.0, decimals=1),
        "Andelen är 92,3 %. Målet 100 % är ej uppfyllt. Jämfört med samma period 2021 (92,0 %) är andelen i stort sett oförändrad. "
        "Mellan enheterna skiljer det 26,0 procentenheter (73,0–99,0 %).",
        id="unchanged-within-the-neutral-band",
    ),
    pytest.param(
        row(value=91.4, value_women=None, value_men=None, comparison_value=90.8, trend="forbattrad", attainment="delvis"),
        "Andelen är 91 %. Målet 100 % är delvis uppfyllt. Jämfört med samma period 2021 (91 %) har andelen ökat med "
        "0,6 procentenheter, en förbättring. Mellan enheterna skiljer det 26 procentenheter (73–99 %).",
        id="change-hidden-by-rounding-gets-a-decimal",
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
        "Antalet är 11; uppdelningen på kvinnor och män är skyddad eftersom grupperna är för små. Styrmåttet har inget mål. "
        "Det finns inget jämförbart värde från samma period året innan.",
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
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Målet 100 % är ej uppfyllt. Jämfört med samma period 2021 är andelen oförändrad. "
        "Mellan enheterna skiljer det 1 procentenhet (80–81 %). Alla 25 enheter når målet.",
        id="spread-singular-all-meet",
    ),
    pytest.param(
        row(is_demo=True, gender_gap_flag=True, gender_gap_pp=-6.2, value_women=89.0, value_men=95.2, units_with_value=None),
        "Andelen är 92 % (kvinnor 89 %, män 95 %). Målet 100 % är ej uppfyllt. Jämfört med samma period 2021 är andelen oförändrad. "
        "Andelen är 6 procentenheter högre för män, en skillnad mellan kvinnor och män som bör följas upp. "
        "Värdena är demodata (genererade, inte publicerade).",
        id="gender-gap-from-the-printed-values-and-demo",
    ),
    pytest.param(
        row(units_meeting_target=11, units_with_value=19, spread_is_demo=True),
        "Andelen är 92 % (kvinnor 92 %, män 92 %). Målet 100 % är ej uppfyllt. Jämfört med samma period 2021 är andelen oförändrad. "
        "Mellan enheterna skiljer det 26 procentenheter (73–99 %). 11 av 19 enheter når målet. "
        "Enheternas värden är demodata (genererade, inte publicerade).",
        id="units-demo-values-labelled",
    ),
    pytest.param(
        row(value_women=None, value_men=None, trend="forsamrad", comparison_value=None, units_with_value=None),
        "Andelen är 92 %. Målet 100 % är ej uppfyllt. Jämförelsevärdet för samma period 2021 är skyddat (för få); utvecklingen "
        "bedöms som försämrad.",
        id="masked-comparison-keeps-the-tables-verdict",
    ),
    pytest.param(
        row(value=None, value_women=47.0, value_men=None, units_with_value=None, trend="saknas", comparison_value=None),
        "Andelen är 47 % för kvinnor; för män saknas uppgift, och någon total anges inte. Målet 100 % är ej uppfyllt. "
        "Det finns inget jämförbart värde från samma period året innan.",
        id="one-sex-only",
    ),
]


@pytest.mark.parametrize(("scorecard_row", "expected"), CASES)
def test_analysis_text(scorecard_row: dict[str, Any], expected: str) -> None:
    assert plain(analysis_text(scorecard_row)) == expected


def test_numbers_and_units_never_break_across_lines() -> None:
    text = analysis_text(row(unit="antal", value=29191.0, value_women=None, value_men=None, target_kind="none", target=""))
    assert "29\u00a0191" in text
    assert "92\u00a0%" in analysis_text(row())


def test_the_units_are_named_as_the_measure_reports_them() -> None:
    text = plain(analysis_text(row(units_meeting_target=11, units_with_value=19), units=UNIT_NOUNS["tandvårdsklinik"]))
    assert text.endswith(
        "Mellan tandvårdsklinikerna skiljer det 26 procentenheter (73–99 %). 11 av 19 tandvårdskliniker når målet."
    )


@pytest.mark.parametrize(
    ("sex", "changes", "expected_start"),
    [
        ("K", {"value_women": None, "value_men": None}, "Andelen för kvinnor är 92 %. Målet 100 % är ej uppfyllt."),
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
            "Andelen för kvinnor är 17,1 %. Målet för kvinnor, högst 16 %, är ej uppfyllt. Jämfört",
        ),
    ],
)
def test_a_chosen_sex_is_named_and_no_spread_is_claimed(sex: str, changes: dict[str, Any], expected_start: str) -> None:
    text = plain(analysis_text(row(**changes), sex=sex))
    assert text.startswith(expected_start)
    assert "Mellan" not in text  # the spread is the total's


def test_the_analysts_comment_is_shown_and_the_generated_text_kept() -> None:
    own = analysis_for(row(), {"text": "  Andelen har ökat något under tertial 2.  ", "author": "Analytiker A"})
    assert (own.text, own.is_own, own.author) == ("Andelen har ökat något under tertial 2.", True, "Analytiker A")
    assert plain(own.generated).startswith("Andelen är 92 %")
    generated = analysis_for(row(), None)
    assert (generated.is_own, generated.text) == (False, generated.generated)
    assert analysis_for(row(), {"text": "   ", "author": None}).is_own is False
