"""Signal or noise in the dashboard, through AppTest: the control chart, the funnel, the forecast,
and the variation column of the overview and the perspective tables."""

from __future__ import annotations

from tests.app.shown_tables import shown_tables
from tests.app.test_app import NBSP, open_app, open_tab, texts
from ui.components import value_markup

MINUS = "\u2212"


def plotly_count(app) -> int:  # type: ignore[no-untyped-def]
    return len(app.get("plotly_chart"))


def test_the_control_chart_shows_both_verdicts_the_signals_and_how_to_read_it() -> None:
    app = open_app("pages/styrmatt.py", matt="med_telefon_samma_dag", tab="Styrdiagram")
    shown = texts(app)
    assert "Variation, senaste månaden (aug 2022)" in shown
    assert value_markup("⊖ särskild orsak – försämring (demodata)") in shown
    assert value_markup("⊘ missar målet stabilt (demodata)") in shown
    assert f"ligger på fel sida om målet (95{NBSP}%)" in shown
    assert "**Signaler**" in shown and "- **Punkt utanför styrgränserna**" in shown
    assert "Månadsvärdena är demodata (genererade, inte publicerade)" in shown
    assert "**Styrdiagram** visar om en förändring är en signal eller vanligt brus." in shown  # the explanation, one click away
    assert app.selectbox(key="sm_spc_from_med_telefon_samma_dag").value is None
    assert plotly_count(app) == 1  # the control chart: only the open tab is drawn
    assert plotly_count(open_tab(app, "Enheter")) == 2  # the units' bars and the funnel


def test_recalculating_the_limits_from_a_chosen_month() -> None:
    app = open_app("pages/styrmatt.py", matt="med_telefon_samma_dag", tab="Styrdiagram")
    app.selectbox(key="sm_spc_from_med_telefon_samma_dag").set_value("2021-01").run()
    assert not app.exception, [e.value for e in app.exception]
    assert "jan 2021: nya gränser från vald månad – mittlinje och gränser räknas om därifrån." in texts(app)
    assert app.selectbox(key="sm_spc_from_med_telefon_samma_dag").value == "2021-01"
    # The month chosen stays while another tab is open, and the chart is drawn from it on return.
    open_tab(app, "Över tid")
    assert "jan 2021: nya gränser" not in texts(app)
    assert "jan 2021: nya gränser från vald månad – mittlinje och gränser räknas om därifrån." in texts(open_tab(app, "Styrdiagram"))


def test_after_the_cosmic_go_live_the_months_are_judged_provisionally_and_it_says_so() -> None:
    app = open_app("pages/styrmatt.py", matt="med_digitala_vardbesok", org="hc_hortlax", ar="2025", period="DÅ08", tab="Styrdiagram")
    shown = texts(app)
    assert "Preliminärt: sedan Cosmic infört (dec 2024) finns 9 månader, färre än de 12 som behövs för egna gränser" in shown
    assert "dec 2024: Cosmic infört – mittlinje och gränser räknas om därifrån." in shown


def test_masked_months_are_gaps_and_give_no_verdict() -> None:
    app = open_app("pages/styrmatt.py", matt="ver_fallskador", tab="Styrdiagram")
    shown = texts(app)
    assert value_markup("· ej bedömd – skyddade månader (demodata)") in shown
    assert "är skyddade (för få patienter). De skyddade månaderna är de minsta" in shown
    assert "Glapp i linjen: månader som saknas eller är skyddade (för få patienter). De räknas aldrig som 0." in shown
    assert "Inga särskilda orsaker" not in shown  # not assessed is not "all is well"


def test_a_measure_not_followed_monthly_says_so_instead_of_a_chart() -> None:
    app = open_app("pages/styrmatt.py", matt="med_kontinuitetsindex", tab="Styrdiagram")
    assert "Styrmåttet följs inte upp per månad. Ett styrdiagram behöver månadsvärden." in texts(app)


def test_the_funnel_stands_next_to_the_sorted_bars() -> None:
    app = open_app("pages/styrmatt.py", matt="med_telefon_samma_dag", org="vo_pitea", tab="Enheter")
    shown = texts(app)
    assert "**Sorterade staplar**" in shown and "**Trattdiagram: skillnad eller slump?**" in shown
    assert "4 enheter; alla enheter tillsammans 80,8" in shown
    assert "Enheternas värden är demodata (öppna markörer)." in shown


def test_a_count_has_no_funnel_without_an_exposure() -> None:
    app = open_app("pages/styrmatt.py", matt="ver_akutbesok_80", tab="Enheter")
    shown = texts(app)
    assert "**Trattdiagram: skillnad eller slump?**" not in shown and "**Sorterade staplar**" in shown


def test_an_accumulated_amount_shows_a_year_end_forecast() -> None:
    app = open_app("pages/styrmatt.py", matt="eko_budgetavvikelse")
    shown = texts(app)
    assert "**Prognos för helåret**" in shown
    assert f"Prognos för helåret 2022: {MINUS}29{NBSP}mnkr (spann {MINUS}33 till {MINUS}23{NBSP}mnkr)" in shown
    assert "Målet nås troligen inte." in shown
    assert f"Faktiskt helårsutfall: {MINUS}39{NBSP}mnkr (demodata)." in shown


def test_a_share_has_no_forecast_and_a_full_year_neither() -> None:
    assert "**Prognos för helåret**" not in texts(open_app("pages/styrmatt.py", matt="med_telefon_samma_dag"))
    assert "**Prognos för helåret**" not in texts(open_app("pages/styrmatt.py", matt="eko_budgetavvikelse", period="ÅR"))


def test_the_perspective_table_has_a_variation_column_labelled_demo() -> None:
    app = open_app("pages/medborgare.py")
    table = shown_tables(app)[0]
    assert "Variation" in table.columns
    phone = table[table["Styrmått"].str.startswith("Telefon-TeleQ")].iloc[0]
    assert phone["Variation"] == "⊖ försämring"
    assert set(table["Variation"]) <= {"⊖ försämring", "⊕ förbättring", "∿ vanlig variation", "· för få månader", "–"}
    assert table[table["Styrmått"].str.startswith("Kontinuitetsindex")].iloc[0]["Variation"] == "–"  # not monthly
    assert "Variation (demodata)" in table.attrs["headings"]  # every verdict shown is from demo months


def test_the_overview_lists_carry_the_variation_column() -> None:
    app = open_app()
    frames = shown_tables(app)
    assert len(frames) == 2
    for frame in frames:
        assert "Variation" in frame.columns
        assert frame["Variation"].str.len().min() > 0
    assert "Så läser du styrdiagram och variation" in [e.label for e in app.expander]
