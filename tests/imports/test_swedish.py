"""Figures, sexes and periods as typed in Swedish spreadsheets: tables of cases and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.imports.swedish import InputError, parse_number, parse_period_text, parse_sex
from kpi.model.formatting import format_number
from kpi.model.periods import Period


@pytest.mark.parametrize(("text", "value", "percent"), [
    ("92 %", 92.0, True), ("92%", 92.0, True), ("17,1", 17.1, False), ("43 000", 43000.0, False), ("43\u00a0000", 43000.0, False),
    ("1 234 567,5", 1234567.5, False), ("\u221231", -31.0, False), ("-0,5", -0.5, False), ("17.5", 17.5, False), ("  6,75 % ", 6.75, True),
    ("", None, False), ("–", None, False), (None, None, False), (12, 12.0, False), (0.5, 0.5, False),
])  # fmt: skip
def test_parse_number(text: object, value: float | None, percent: bool) -> None:
    assert parse_number(text) == (value, percent)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["43.000", "1,2,3", "12 34", "tolv", "=1+1", "92 %%", "1e5", "ca 40", True])
def test_parse_number_refuses_with_a_swedish_message(text: object) -> None:
    with pytest.raises(InputError, match="går inte att läsa som ett tal|är inget tal"):
        parse_number(text)  # type: ignore[arg-type]


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_what_we_print_reads_back(value: float, decimals: int) -> None:
    printed = format_number(value, decimals)
    parsed, _ = parse_number(printed)
    assert parsed == pytest.approx(round(value, decimals) + 0.0, abs=10 ** -(decimals + 1))


@given(st.text(max_size=20))
def test_any_text_is_a_number_or_a_clean_error(text: str) -> None:
    try:
        value, _ = parse_number(text)
    except InputError as error:
        assert "går inte att läsa" in str(error)
    else:
        assert value is None or isinstance(value, float)


@pytest.mark.parametrize(("text", "sex"), [
    ("Kvinnor", "K"), ("kvinna", "K"), ("K", "K"), ("flickor", "K"), ("Män", "M"), ("m", "M"), ("pojkar", "M"),
    ("Totalt", "T"), ("", "T"), (None, "T"), (" T ", "T"),
])  # fmt: skip
def test_parse_sex(text: str | None, sex: str) -> None:
    assert parse_sex(text) == sex


def test_parse_sex_refuses_other_words() -> None:
    with pytest.raises(InputError, match="Skriv Kvinnor, Män eller Totalt"):
        parse_sex("övriga")


@pytest.mark.parametrize(("text", "period"), [
    ("DÅ08 2022", "2022-DÅ08"), ("2022 T2", "2022-DÅ08"), ("T1 2022", "2022-DÅ04"), ("2022-DÅ08", "2022-DÅ08"), ("ÅR 2022", "2022-ÅR"),
    ("aug 2022", "2022-08"), ("augusti 2022", "2022-08"), ("2022 maj", "2022-05"), ("2022-08", "2022-08"), ("Dec. 2021", "2021-12"),
])  # fmt: skip
def test_parse_period_text(text: str, period: str) -> None:
    assert parse_period_text(text).id == period


@pytest.mark.parametrize("text", ["2022", "DÅ09 2022", "augusti", "T3 2022", "22 T2", ""])
def test_parse_period_text_refuses_with_an_example(text: str) -> None:
    with pytest.raises(InputError, match="Skriv t.ex. DÅ08 2022"):
        parse_period_text(text)


@given(st.integers(min_value=2000, max_value=2099), st.sampled_from(["DÅ04", "DÅ08", "ÅR"]))
def test_report_periods_read_in_both_orders(year: int, kind: str) -> None:
    expected = Period(year, kind)  # type: ignore[arg-type]
    assert parse_period_text(f"{kind} {year}") == expected == parse_period_text(f"{year} {kind}")
