"""WCAG 2.1 A and AA in a real headless Chromium: axe-core finds no violation on any view.

axe-core (Deque Systems, MPL-2.0) is vendored as one file, ``tests/browser/vendor/axe.min.js``
with its licence beside it: a test asset, taken from the npm registry (``npm pack axe-core@4``),
so CI needs no network and no Node. It is injected into each view after the run has settled and
asked for the rules tagged WCAG 2.0 and 2.1, levels A and AA.

One server (the module's ``server``) and one browser tab serve every view, so the test stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.support import WAIT_MS, no_error_on, open_page, settle, wait_for_text
from ui.document import ENGLISH_NAMES
from ui.navigation import page_title

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# address → (a text that shows once the view has drawn, the view's name in the menu and the title)
VIEWS = {
    "oversikt": ("Längst från målet", "Översikt"),
    "presentation": ("Nästa", "Presentation"),
    "samhalle": ("Strategiskt mål:", "Samhälle"),
    "medborgare": ("Strategiskt mål:", "Medborgare"),
    "verksamhet": ("Strategiskt mål:", "Verksamhet"),
    "medarbetare": ("Strategiskt mål:", "Medarbetare"),
    "ekonomi": ("Strategiskt mål:", "Ekonomi"),
    "enheter": ("Klicka på en cell", "Enheter"),
    "atgarder": ("Strategiska åtgärder", "Åtgärder"),
    "import": ("Läs in data", "Läs in data"),
    "logg": ("Ändringslogg", "Ändringslogg"),
}
MEASURE_TABS = ("Över tid", "Styrdiagram", "Kvinnor och män", "Enheter", "Analys och åtgärder", "Siffror")


def drawn(page: object) -> None:
    """Wait until the run has finished and the frame's style and script are in place (a second run,
    e.g. after the address is tidied, briefly shows the page without them)."""
    settle(page)
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => document.documentElement.lang === 'sv' && document.getElementById('styrkort-document')
            && !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')
            && [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].every(c => getComputedStyle(c).opacity === '1')""",
        timeout=WAIT_MS,
    )


def axe_violations(page: object) -> list[dict[str, object]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page once it has been drawn. Asked twice
    when the first answer finds any: a run that starts in between shows a half-drawn page for a
    moment, while a real violation is there both times."""
    drawn(page)
    if found := _axe(page):
        settle(page)
        drawn(page)
        found = _axe(page)
    return found


def _axe(page: object) -> list[dict[str, object]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """async tags => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 200)})),
            }));
        }""",
        WCAG_TAGS,
    )


def described(violations: list[dict[str, object]]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("path", list(VIEWS))
def test_no_wcag_violation_on_a_view(server: str, browser: object, path: str) -> None:
    shows, name = VIEWS[path]
    page = open_page(browser, f"{server}/{path}", 1280, 900)
    wait_for_text(page, shows)
    settle(page)
    no_error_on(page)
    violations = axe_violations(page)
    lang = page.evaluate("() => document.documentElement.lang")  # type: ignore[attr-defined]
    title = page.title()  # type: ignore[attr-defined]
    english = page.evaluate(  # type: ignore[attr-defined]
        """names => [...document.querySelectorAll('[aria-label], a')]
            .map(e => e.getAttribute('aria-label') ?? e.textContent)
            .filter(n => n in names || n.startsWith('Help for '))""",
        ENGLISH_NAMES,
    )
    page.close()  # type: ignore[attr-defined]
    assert violations == [], described(violations)
    assert lang == "sv"  # axe only checks that there is a language; the content is Swedish
    assert english == []  # Streamlit's own controls are named in Swedish ("Hoppa till huvudinnehållet", "Huvudmeny")
    assert title == page_title(name) == f"{name} – Styrkort – Division Nära, Region Norrbotten"  # one title per view


def test_no_wcag_violation_on_any_tab_of_a_measure(server: str, browser: object) -> None:
    page = open_page(browser, f"{server}/styrmatt?matt=med_telefon_samma_dag", 1280, 900)
    wait_for_text(page, "Telefon-TeleQ")
    settle(page)
    assert page.title() == page_title("Styrmått")  # type: ignore[attr-defined]
    found = {}
    for name in MEASURE_TABS:
        page.get_by_role("tab", name=name).click()  # type: ignore[attr-defined]
        settle(page)
        no_error_on(page)
        if violations := axe_violations(page):
            found[name] = violations
    page.close()  # type: ignore[attr-defined]
    assert found == {}, described(found)  # type: ignore[arg-type]
