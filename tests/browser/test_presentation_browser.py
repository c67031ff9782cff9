"""The presentation view and the downloads in a real headless Chromium.

Each slide must fit a projector's 1920×1080 and 1280×720 without scrolling, the arrow keys step
through the slides, and the download buttons deliver a real PDF, PowerPoint and Excel file.
Screenshots of the slides are saved for people to look at.
"""

from __future__ import annotations

import pytest

from tests.browser.support import SHOTS, WAIT_MS, no_error_on, open_page, settle, wait_for_text

SLIDES = {1: "Styrkort – Division Nära", 4: "Medborgare (2/3)", 12: "Andel digitala vårdbesök", 21: "Andel av vårdtillfällen"}


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_every_kind_of_slide_fits_the_screen_without_scrolling(server: str, browser: object, width: int, height: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, title in SLIDES.items():
        page = open_page(browser, f"{server}/presentation?ar=2022&period=DÅ08&org=div_nara&bild={number}", width, height)
        wait_for_text(page, f"{number} / 25")
        wait_for_text(page, title)
        settle(page)
        no_error_on(page)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()  # type: ignore[attr-defined]
        overflow = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight - window.innerHeight")  # type: ignore[attr-defined]
        assert overflow <= 0, f"bild {number} är {overflow} px för hög för {width}×{height}"
        # The chart's axis labels lie inside the chart, not cut off at its left edge.
        cut = page.evaluate(  # type: ignore[attr-defined]
            """() => [...document.querySelectorAll('.stPlotlyChart')].flatMap(c => {
                const left = c.getBoundingClientRect().left;
                return [...c.querySelectorAll('.ytick text')].filter(t => t.getBoundingClientRect().left < left - 1).map(t => t.textContent);
            })"""
        )
        assert cut == [], f"bild {number}: axeltexter utanför diagrammet: {cut}"
        page.screenshot(path=str(SHOTS / f"presentation_{number}_{width}x{height}.png"))  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]


def test_the_arrow_keys_step_through_the_slides(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/presentation?ar=2022&period=DÅ08&org=div_nara", 1280, 720)
    wait_for_text(page, "1 / 25")
    settle(page)
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    wait_for_text(page, "2 / 25")
    wait_for_text(page, "Antal besök på filialer och servicepunkter")
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    wait_for_text(page, "3 / 25")
    page.keyboard.press("ArrowLeft")  # type: ignore[attr-defined]
    wait_for_text(page, "2 / 25")
    settle(page)
    assert "bild=2" in page.url  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("label", "magic", "suffix"), [("PDF-rapport", b"%PDF", ".pdf"), ("PowerPoint", b"PK", ".pptx"), ("Excel", b"PK", ".xlsx")]
)
def test_the_overview_delivers_each_file_with_progress(
    server: str, browser: object, label: str, magic: bytes, suffix: str
) -> None:
    page = open_page(browser, f"{server}/?ar=2022&period=DÅ08&org=vo_pitea", 1280, 800)
    wait_for_text(page, "Längst från målet")
    settle(page)
    page.get_by_role("button", name="Ladda ner underlag").click()  # type: ignore[attr-defined]
    # Opening the drawer is a run that draws its buttons; a person clicks once they are all there.
    page.get_by_role("button", name="Skapa Excel").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name=f"Skapa {label}").click()  # type: ignore[attr-defined]
    button = page.get_by_role("button", name=f"Ladda ner {label}")  # type: ignore[attr-defined]
    button.wait_for(timeout=WAIT_MS)
    with page.expect_download() as download:  # type: ignore[attr-defined]
        button.click()
    path = download.value.path()
    assert download.value.suggested_filename == f"styrkort_vo_pitea_2022-DA08{suffix}"
    with open(path, "rb") as file:
        assert file.read(4).startswith(magic)
    no_error_on(page)
    page.close()  # type: ignore[attr-defined]
