"""Every generated analysis text of the bundled data, read against the row it describes: no text
may state what its own row contradicts (issue 20). Every organisation × report period × sex, and
one month; the numbers in each text are parsed and checked against the row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from kpi.evaluation.scorecard import scorecard
from kpi.model.formatting import format_value, printed_value
from kpi.model.periods import parse_period
from kpi.model.verdicts import IMPROVED, NOT_ASSESSED, UNCHANGED, WORSENED
from kpi.model.view import View
from kpi.reports.narrative import analysis_text, covered_months
from kpi.reports.pack import unit_noun
from kpi.texts.display import comparison_decimals

MONTHS = ("2022-08",)
# The subject may be several words ("andelen digitala vårdbesök"); group 2 is checked to be the row's.
CHANGE = re.compile(r"Jämfört med [^(]+ \(([^)]+)\) har ([^.]+?)(?: för (?:kvinnor|män))? (ökat|minskat) med ")
FALLBACK_SUBJECT = {"%": "andelen", "antal": "antalet", "mnkr": "utfallet", "kr": "utfallet", "index": "indexvärdet"}


def _texts(bundled: Any) -> Iterator[tuple[str, str, str, dict[str, Any], str]]:
    dataset, evaluation = bundled
    years = sorted({int(p[:4]) for p in dataset.observations["period"].unique().to_list()})
    periods = [f"{y}-{k}" for y in years for k in ("DÅ04", "DÅ08", "ÅR")] + list(MONTHS)
    for period in periods:
        p = parse_period(period)
        measures = list(dataset.catalogues.for_year(p.year).measures())
        reported_by = {m.id: tuple(t.value for t in m.reported_by) for m in measures}
        # What the text calls each measure: the catalogue's subject, unless the row carries its own.
        subjects = {m.id: m.subject for m in measures}
        for unit_id in dataset.units["unit_id"].to_list():
            for sex in ("T", "K", "M"):
                for r in scorecard(evaluation, View(unit_id, p, sex)).iter_rows(named=True):
                    r = {"subject": subjects.get(r["measure_id"]), **r}
                    yield unit_id, period, sex, r, analysis_text(r, sex=sex, units=unit_noun(reported_by.get(r["measure_id"], ())))


@pytest.fixture(scope="module")
def texts(bundled: Any) -> list[tuple[str, str, str, dict[str, Any], str]]:
    return list(_texts(bundled))


def _problems(unit_id: str, sex: str, r: dict[str, Any], text: str) -> list[str]:
    problems = []
    d = int(r["decimals"]) if r["decimals"] is not None else 0
    has_value = r["value"] is not None or r["value_women"] is not None or r["value_men"] is not None
    counts_units = "når målet" in text or "skiljer det" in text or "samma värde" in text
    if r["masked"] and counts_units:
        problems.append("units counted beside a masked value")
    if has_value and r["attainment"] == NOT_ASSESSED and "når målet" in text:
        problems.append("units meeting the target beside a verdict that cannot be made")
    if unit_id == "region_nb" and counts_units:
        problems.append("the region followed by Division Nära's units")
    if counts_units and f"Under {covered_months(r['period'], r['accumulation'])} " not in text:
        problems.append("a spread that does not name the months it covers")
    if text.count("demodata (genererade") > 1:
        problems.append("more than one demo sentence")
    if r["is_demo"] and has_value and "demodata (genererade" not in text:
        problems.append("a demo value not said to be demo")
    for phrase in ("Det finns inget jämförbart värde", "i stort sett", "har ökat med 0 ", "har minskat med 0 "):
        if phrase in text:
            problems.append(f"stale or empty phrase {phrase!r}")
    shown = format_value(r["value"], r["unit"], d).replace("\u00a0%", "\u00a0procent") if r["value"] is not None else ""
    if r["value"] is not None and not r["masked"] and shown not in text:
        problems.append("the value is not the row's")
    # Change claims and verdict words against the row, on the values as printed.
    if r["value"] is not None and not r["masked"]:
        match = CHANGE.search(text)
        claimed = "en förbättring" in text or "en försämring" in text or "räknas som oförändrat" in text
        if match:
            if r["comparison_value"] is None:
                problems.append("a change claimed without a comparison")
            # The comparison is printed as it was given (a published 11,7 % beside this year's 15 %).
            elif printed_value(r["value"], d) == printed_value(r["comparison_value"], cd := comparison_decimals(r)):
                problems.append("a change claimed between equal printed values")
            elif format_value(r["comparison_value"], r["unit"], cd) != match.group(1):
                problems.append("the comparison value is not the row's")
            subject = r["subject"] or FALLBACK_SUBJECT[r["unit"]]
            if r["comparison_value"] is not None and match.group(2) != subject:
                # A budget in balance names a deficit or a surplus that grew or shrank, where both values have that sign.
                v, c = printed_value(r["value"], d), printed_value(r["comparison_value"], comparison_decimals(r))
                named = {"underskottet": v < 0 and c < 0, "överskottet": v > 0 and c > 0}
                if not (r["target_kind"] == "band" and named.get(match.group(2))):
                    problems.append(f"the change is said of {match.group(2)!r}, not of the measure ({subject!r})")
        words = {IMPROVED: "en förbättring", WORSENED: "en försämring"}
        for trend, word in words.items():
            if word in text and r["trend"] != trend and "Jämförelsevärdet" not in text:
                problems.append(f"{word!r} but the row's trend is {r['trend']}")
        said_unchanged = bool(re.search(r"Jämfört med [^.]+ är [^.]+ oförändra[dt]\.", text))  # either gender
        said_unchanged |= "oförändrad" in text and "Jämfört med" in text
        if said_unchanged and r["trend"] != UNCHANGED:
            problems.append(f"oförändrad/oförändrat but the row's trend is {r['trend']}")
        if r["trend"] in (IMPROVED, WORSENED) and r["comparison_value"] is not None and not claimed:
            problems.append("the row's trend is not said")
    return problems


def test_no_text_states_what_its_own_row_contradicts(texts: list[tuple[str, str, str, dict[str, Any], str]]) -> None:
    found = []
    for unit_id, period, sex, r, text in texts:
        for problem in _problems(unit_id, sex, r, text):
            found.append(f"{unit_id} {period} {sex} {r['measure_id']}: {problem}\n    {text}")
    assert not found, f"{len(found)} texts contradict their rows, e.g.:\n" + "\n".join(found[:10])


def test_a_verdict_word_stands_for_one_printed_change(texts: list[tuple[str, str, str, dict[str, Any], str]]) -> None:
    """The same printed change of a share reads the same way in every text: 0,5 procentenheter
    is never 'oförändrat' in one and 'en försämring' in another."""
    readings: dict[tuple[str, str], set[str]] = {}
    for _, _, _, r, text in texts:
        for amount, verdict in re.findall(r"med (\d+(?:,\d+)?) procentenheter?, (en förbättring|en försämring|vilket räknas som oförändrat)", text):
            readings.setdefault((r["measure_id"], amount), set()).add("ändrat" if verdict.startswith("en ") else "oförändrat")
    mixed = {k: v for k, v in readings.items() if len(v) > 1}
    assert not mixed, mixed


def test_no_comparison_crosses_published_and_demo_values(bundled: Any) -> None:
    _, evaluation = bundled
    crossed = evaluation.long_for(months=False).filter(
        pl.col("comparison_value").is_not_null() & (pl.col("comparison_is_demo").fill_null(False) != pl.col("is_demo").fill_null(False))
    )
    assert crossed.is_empty(), crossed.select("measure_id", "unit_id", "period", "sex", "is_demo", "comparison_period").head(5)


def test_the_region_has_no_unit_spread(bundled: Any) -> None:
    _, evaluation = bundled
    assert evaluation.spread_for(unit_id="region_nb").is_empty()
