"""Signal or noise in a real headless Chromium: the control chart with its legend and verdicts, the
recalculated limits, the funnel beside the bars, the variation column. Screenshots are saved
(``build/screenshots``) to be looked at."""

from __future__ import annotations

import pytest

from tests.browser.support import SHOTS, WAIT_MS, choose_option, no_error_on, open_page, settle, wait_for_text


def open_tab(page: object, name: str) -> None:
    page.get_by_role("tab", name=name).click()  # type: ignore[attr-defined]
    settle(page)


def legend_texts(chart: object) -> list[str]:
    """The legend entries of a Plotly chart (SVG text: textContent, not innerText)."""
    return [t.strip() for t in chart.locator(".legendtext").evaluate_all("els => els.map(e => e.textContent)")]  # type: ignore[attr-defined]


def drawn(chart: object) -> None:
    """Wait until Plotly has drawn ``chart``: the first Plotly chart a page shows makes the browser
    load Plotly's code then (Styrmått's first tab has none), which can take a few seconds."""
    chart.locator(".main-svg").first.wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [1280, 700])
def test_the_control_chart_draws_its_lines_verdicts_and_legend(server: str, browser: object, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page(browser, f"{server}/styrmatt?matt=med_telefon_samma_dag", width, 1800)
    wait_for_text(page, "Telefon-TeleQ")
    settle(page)
    open_tab(page, "Styrdiagram")
    wait_for_text(page, "Variation, senaste månaden (aug 2022)")
    settle(page)
    no_error_on(page)
    panel = page.locator('[role="tabpanel"]:visible')  # type: ignore[attr-defined]
    assert panel.get_by_text("särskild orsak – försämring (demodata)").count() == 1
    assert panel.get_by_text("missar målet stabilt (demodata)").count() == 1
    chart = panel.locator('[data-testid="stPlotlyChart"]').first
    drawn(chart)
    legend = legend_texts(chart)
    for name in ("Mittlinje", "Styrgränser", "Mål 95\u00a0%", "Signal: försämring", "Demodata"):
        assert name in legend, legend
    # Every legend entry lies inside the chart: nothing is cut off at the right edge.
    box = chart.bounding_box()
    for entry in chart.locator(".legendtext").all():
        b = entry.bounding_box()
        assert b["x"] + b["width"] <= box["x"] + box["width"] + 1, entry.text_content()
    assert chart.locator(".scatterlayer .point").count() > 40  # the months are drawn as points
    page.screenshot(path=str(SHOTS / f"styrdiagram_{width}.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_recalculating_from_a_month_names_the_new_phase_in_the_chart(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/styrmatt?matt=med_telefon_samma_dag", 1280, 1800)
    wait_for_text(page, "Telefon-TeleQ")
    settle(page)
    open_tab(page, "Styrdiagram")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Beräkna om gränserna från")  # type: ignore[attr-defined]
    choose_option(page, box, "jan 2021", "jan 2021")
    wait_for_text(page, "jan 2021: nya gränser från vald månad")
    settle(page)
    no_error_on(page)
    chart = page.locator('[role="tabpanel"]:visible [data-testid="stPlotlyChart"]').first  # type: ignore[attr-defined]
    drawn(chart)
    assert chart.get_by_text("nya gränser från vald månad").count() == 1  # the phase start is named in the chart
    page.close()  # type: ignore[attr-defined]


def test_the_funnel_stands_beside_the_bars(server: str, browser: object) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page(browser, f"{server}/styrmatt?matt=med_telefon_samma_dag&org=vo_pitea", 1280, 1600)
    wait_for_text(page, "Telefon-TeleQ")
    settle(page)
    open_tab(page, "Enheter")
    wait_for_text(page, "Trattdiagram: skillnad eller slump?")
    no_error_on(page)
    panel = page.locator('[role="tabpanel"]:visible')  # type: ignore[attr-defined]
    charts = panel.locator('[data-testid="stPlotlyChart"]')
    drawn(charts.nth(1))
    assert charts.count() == 2
    bars, funnel = charts.nth(0).bounding_box(), charts.nth(1).bounding_box()
    assert bars["x"] + bars["width"] <= funnel["x"]  # side by side
    assert abs(bars["y"] - funnel["y"]) < 40
    legend = legend_texts(charts.nth(1))
    assert "99,8\u00a0%-gräns" in legend or "99,8 %-gräns" in legend, legend
    page.screenshot(path=str(SHOTS / "trattdiagram_1280.png"), full_page=True)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_the_variation_column_is_in_view_on_the_overview(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/", 1280, 1400)
    wait_for_text(page, "Längst från målet")
    settle(page)
    no_error_on(page)
    headings = page.locator('table.styrkort-table th[data-column="Variation"]', has_text="Variation (demodata)")  # type: ignore[attr-defined]
    headings.first.wait_for(state="attached", timeout=WAIT_MS)
    headings.nth(1).wait_for(state="attached", timeout=WAIT_MS)
    # The lists are HTML tables (ui/tables.py): no horizontal overflow means every column, Variation last, is in view.
    tables = page.locator("table.styrkort-table")  # type: ignore[attr-defined]
    assert tables.count() == 2
    for i in range(2):
        overflow = tables.nth(i).evaluate("e => e.scrollWidth - e.parentElement.clientWidth")
        assert overflow <= 1, f"table {i} is wider than the page by {overflow} px"
    page.close()  # type: ignore[attr-defined]
