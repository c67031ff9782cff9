"""Reading a shared link: the spellings people use, and a Swedish message for everything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.model.view import REPORTS, read_link, read_report

YEARS = list(range(2019, 2026))
UNITS = {"div_nara": "Division Nära", "hc_hortlax": "Hortlax hälsocentral"}


@pytest.mark.parametrize(("text", "report"), [
    ("DÅ08", "DÅ08"), ("då08", "DÅ08"), ("DÅ8", "DÅ08"), ("T2", "DÅ08"), ("t1", "DÅ04"), ("DA04", "DÅ04"),
    ("ÅR", "ÅR"), ("år", "ÅR"), ("AR", "ÅR"), ("helår", "ÅR"), ("8", "08"), ("08", "08"), ("12", "12"), (" 3 ", "03"),
    ("13", None), ("0", None), ("DÅ09", None), ("", None), ("²", None), ("augusti", None),
])  # fmt: skip
def test_read_report(text: str, report: str | None) -> None:
    assert read_report(text) == report


@pytest.mark.parametrize(("params", "expected"), [
    ({"ar": "2022", "period": "T2", "org": "hc_hortlax", "kon": "kvinnor"}, (2022, "DÅ08", "hc_hortlax", "kvinnor")),
    ({"org": "Hortlax hälsocentral"}, (None, None, "hc_hortlax", None)),
    ({"org": "  hortlax HÄLSOCENTRAL "}, (None, None, "hc_hortlax", None)),
    ({"kon": "K"}, (None, None, None, "kvinnor")),
    ({"kon": "Män"}, (None, None, None, "män")),
    ({"kon": "T"}, (None, None, None, "alla")),
    ({}, (None, None, None, None)),
])  # fmt: skip
def test_read_link_accepts_the_usual_spellings(params: dict[str, str], expected: tuple[object, ...]) -> None:
    choice = read_link(params, YEARS, UNITS)
    assert (choice.year, choice.report, choice.unit_id, choice.sex) == expected
    assert choice.problems == []


@pytest.mark.parametrize(("params", "message"), [
    ({"ar": "1850"}, "året ”1850” finns inte i data (finns: 2019–2025)"),
    ({"ar": "tjugo"}, "året ”tjugo” finns inte i data"),
    ({"ar": "²"}, "året ”²” finns inte i data"),  # a digit to str.isdigit, not to int(): found by the property test
    ({"period": "DÅ09"}, "perioden ”DÅ09” går inte att läsa"),
    ({"org": "Atlantis"}, "organisationen ”Atlantis” finns inte i enhetsträdet"),
    ({"kon": "x"}, "kön ”x” går inte att läsa (skriv alla, kvinnor eller män)"),
])  # fmt: skip
def test_read_link_reports_what_is_wrong(params: dict[str, str], message: str) -> None:
    choice = read_link(params, YEARS, UNITS)
    assert len(choice.problems) == 1 and choice.problems[0].startswith(message)
    assert (choice.year, choice.report, choice.unit_id, choice.sex) == (None, None, None, None)


@given(st.dictionaries(st.sampled_from(["ar", "period", "org", "kon", "matt"]), st.text(max_size=30)))
def test_any_link_gives_valid_choices_or_a_problem_never_an_exception(params: dict[str, str]) -> None:
    choice = read_link(params, YEARS, UNITS)
    assert choice.year is None or choice.year in YEARS
    assert choice.report is None or choice.report in REPORTS
    assert choice.unit_id is None or choice.unit_id in UNITS
    assert choice.sex is None or choice.sex in ("alla", "kvinnor", "män")
    given_filters = [k for k in ("ar", "period", "org", "kon") if k in params]
    read = [v for v in (choice.year, choice.report, choice.unit_id, choice.sex) if v is not None]
    assert len(read) + len(choice.problems) == len(given_filters)


@given(st.sampled_from(REPORTS))
def test_every_report_reads_back_as_itself(report: str) -> None:
    assert read_report(report) == report
