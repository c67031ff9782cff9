"""A year-end forecast ("prognos") for accumulated measures, from the year so far and earlier years.

``year_end_forecast`` takes one monthly series (one measure, unit and sex; each month's own value)
and projects the year-end total from the months Jan..through_month and the pattern of earlier
complete years:

* counts (visits, triages): the seasonal profile, multiplicative. Each earlier year says what
  share of its year-end total it had reached by ``through_month``; the expected total is the
  year so far divided by the mean share, and the interval is what each single year's share gives.
* amounts (a budget deviation in mnkr, often negative or near 0, where ratios are unstable):
  additive. Each earlier year says how much the rest of the year added; the expected total is the
  year so far plus the mean of those rests, the interval their smallest and largest.

A missing month is never taken as 0: then there is no forecast. The months after
``through_month`` are never used for the forecast; when the whole year is present they only give
``actual``, the real year-end total, so a view can show a forecast beside its outcome.

``forecast_for`` is the adapter the dashboard calls: it picks the monthly series, the method and
the annual target out of an ``Evaluation``. ``forecast_text`` says it in one or two Swedish
sentences.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from kpi.model.formatting import format_value
from kpi.model.periods import FULL_MONTH_NAMES, MONTH_NAMES
from kpi.model.view import View

if TYPE_CHECKING:
    from kpi.evaluation.scorecard import Evaluation

Method = Literal["säsongsprofil", "återstående månader"]
Outlook = Literal["troligen_uppfyllt", "troligen_ej_uppfyllt", "osäkert", "ej_bedomd"]

SEASONAL: Method = "säsongsprofil"
REMAINING: Method = "återstående månader"
OUTLOOK_LABELS = {
    "troligen_uppfyllt": "målet nås troligen",
    "troligen_ej_uppfyllt": "målet nås troligen inte",
    "osäkert": "osäkert om målet nås",
    "ej_bedomd": "inget helårsmål att bedöma",
}
VALUE_KINDS = ("count", "amount")
TOLERANCE = 1e-9
_MONTH_ID = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Forecast:
    year: int
    through_month: int
    so_far: float  # the sum of Jan..through_month of ``year``
    expected: float
    low: float
    high: float
    years_used: tuple[int, ...]  # the earlier complete years the forecast rests on, ascending
    method: Method
    target_lower: float | None  # the year-end value must be at least this
    target_upper: float | None  # ... and at most this
    outlook: Outlook
    is_demo: bool  # any month used (this year's and the earlier years') is demo data
    actual: float | None  # the real year-end total when all 12 months of ``year`` are present; never used above


def year_end_forecast(
    months: pl.DataFrame,
    *,
    year: int,
    through_month: int,
    value_kind: str,
    target_lower: float | None = None,
    target_upper: float | None = None,
    min_years: int = 2,
    max_years: int = 5,
) -> Forecast | None:
    """The year-end forecast for ``year`` from its months Jan..``through_month``, or None when it
    cannot be made honestly: a month of the year so far is missing, fewer than ``min_years``
    complete earlier years, or the year is already complete (``through_month`` 12).

    ``months`` has ``period`` ("YYYY-MM"), ``value`` (the month's own value; null is missing) and
    ``is_demo``. Rows of other periods ("2022-ÅR") are ignored.
    """
    if not 1 <= through_month <= 12:
        raise ValueError(f"through_month must be 1..12, got {through_month}")
    if value_kind not in VALUE_KINDS:
        raise ValueError(f"value_kind must be one of {VALUE_KINDS}, got {value_kind!r}")
    if min_years < 1 or max_years < min_years:
        raise ValueError(f"need 1 <= min_years <= max_years, got {min_years} and {max_years}")
    if through_month == 12:
        return None

    series = _by_year(months)
    this_year = series.get(year, {})
    if any(m not in this_year for m in range(1, through_month + 1)):
        return None  # a missing month is never 0
    current = [this_year[m] for m in range(1, through_month + 1)]
    earlier = sorted(y for y, by_month in series.items() if y < year and len(by_month) == 12)[-max_years:]
    if len(earlier) < min_years:
        return None

    so_far = math.fsum(value for value, _ in current)
    cumulative = [math.fsum(series[y][m][0] for m in range(1, through_month + 1)) for y in earlier]
    totals = [math.fsum(series[y][m][0] for m in range(1, 13)) for y in earlier]
    shares = [cum / total if total > 0 else 0.0 for cum, total in zip(cumulative, totals)]

    method: Method
    if value_kind == "count" and all(total > 0 for total in totals) and all(share > 0 for share in shares):
        method = SEASONAL
        by_year = [so_far / share for share in shares]
        expected = so_far / (math.fsum(shares) / len(shares))
    else:  # amounts, and counts whose profile is not a usable ratio
        method = REMAINING
        rests = [total - cum for cum, total in zip(cumulative, totals)]
        by_year = [so_far + rest for rest in rests]
        expected = so_far + math.fsum(rests) / len(rests)
    low, high = min(by_year), max(by_year)
    expected = min(max(expected, low), high)  # mathematically inside already; this absorbs rounding

    used_demo = any(demo for _, demo in current) or any(series[y][m][1] for y in earlier for m in range(1, 13))
    actual = math.fsum(value for value, _ in this_year.values()) if len(this_year) == 12 else None
    return Forecast(
        year=year,
        through_month=through_month,
        so_far=so_far,
        expected=expected,
        low=low,
        high=high,
        years_used=tuple(earlier),
        method=method,
        target_lower=target_lower,
        target_upper=target_upper,
        outlook=outlook(low, high, target_lower, target_upper),
        is_demo=bool(used_demo),
        actual=actual,
    )


def outlook(low: float, high: float, target_lower: float | None, target_upper: float | None) -> Outlook:
    """Whether the whole interval meets the target, misses it, or straddles it; a tolerance of 1e-9
    keeps a value exactly on the target from flipping on rounding."""
    if target_lower is None and target_upper is None:
        return "ej_bedomd"
    lower = -math.inf if target_lower is None else target_lower - TOLERANCE
    upper = math.inf if target_upper is None else target_upper + TOLERANCE
    if low >= lower and high <= upper:
        return "troligen_uppfyllt"
    if high < lower or low > upper:
        return "troligen_ej_uppfyllt"
    return "osäkert"


def _by_year(months: pl.DataFrame) -> dict[int, dict[int, tuple[float, bool]]]:
    """{year: {month: (value, is_demo)}} of the months with a value; null and NaN count as missing."""
    out: dict[int, dict[int, tuple[float, bool]]] = {}
    seen: set[str] = set()
    for period, value, demo in months.select("period", "value", "is_demo").iter_rows():
        match = _MONTH_ID.match(str(period))
        if not match:
            continue
        if period in seen:
            raise ValueError(f"the monthly series holds {period} more than once")
        seen.add(period)
        if value is None or math.isnan(value):
            continue
        month = int(match.group(2))
        if 1 <= month <= 12:
            out.setdefault(int(match.group(1)), {})[month] = (float(value), bool(demo))
    return out


# --- text --------------------------------------------------------------------------------------


def forecast_text(f: Forecast, unit: str, decimals: int) -> str:
    """One Swedish sentence, e.g. 'Prognos för helåret 2022: 41 200 (spann 39 800–42 500) utifrån
    säsongsmönstret 2019–2021. Målet nås troligen inte.' The outlook sentence is left out when
    there is no target, and the interval when every earlier year gives the same figure."""
    expected = format_value(f.expected, unit, decimals)
    span = _span_text(f.low, f.high, unit, decimals)
    years = _years_text(f.years_used)
    if f.method == SEASONAL:
        basis = f"utifrån säsongsmönstret {years}"
    else:
        rest = MONTH_NAMES[f.through_month] if f.through_month == 11 else f"{MONTH_NAMES[f.through_month]}–dec"
        basis = f"utifrån hur {rest} utföll {years}"
    demo = " (demodata)" if f.is_demo else ""
    text = f"Prognos för helåret {f.year}: {expected}{f' ({span})' if span else ''} {basis}{demo}."
    if f.outlook != "ej_bedomd":
        label = OUTLOOK_LABELS[f.outlook]
        text += f" {label[0].upper()}{label[1:]}."
    return text


def forecast_note(f: Forecast, unit: str, decimals: int) -> str:
    """How the forecast was made, and the real year-end outcome when it is known (looking back)."""
    months = "januari" if f.through_month == 1 else f"januari–{FULL_MONTH_NAMES[f.through_month - 1]}"
    how = "andelen av helåret som brukar vara klar vid den tiden" if f.method == SEASONAL else "hur resten av året brukar utfalla"
    text = f"Beräknad på {months} {f.year} och {how} tidigare år; spannet är vad vart och ett av de åren skulle ge."
    if f.actual is not None:
        text += f" Faktiskt helårsutfall: {format_value(f.actual, unit, decimals)}" + (" (demodata)." if f.is_demo else ".")
    return text


def _span_text(low: float, high: float, unit: str, decimals: int) -> str:
    """'spann 39 800–42 500', 'spann 12–18 mnkr'; with a negative end 'spann −33 till −23 mnkr',
    since a dash beside a minus sign reads badly. Empty when both ends print the same."""
    low_number, high_number = format_value(low, "", decimals), format_value(high, "", decimals)
    if low_number == high_number:
        return ""
    negative = low_number.startswith("\u2212") or high_number.startswith("\u2212")
    return f"spann {low_number}{' till ' if negative else '–'}{format_value(high, unit, decimals)}"


def _years_text(years: tuple[int, ...]) -> str:
    """'2019–2021' for consecutive years, '2021' for one, '2018, 2019 och 2021' otherwise."""
    if len(years) == 1:
        return str(years[0])
    if list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return f"{', '.join(str(y) for y in years[:-1])} och {years[-1]}"


# --- the dashboard's adapter -------------------------------------------------------------------


def forecast_for(evaluation: Evaluation, measure_id: str, view: View) -> Forecast | None:
    """The year-end forecast behind a scorecard cell, or None where a forecast does not apply:
    a measure that is not an accumulated count or amount, a whole-year period, or too little data.

    A month period forecasts from that month, a report period (DÅ04, DÅ08) from its end month.
    The annual target comes from the year's catalogue row; masked months count as missing.
    """
    unit_id, p, sex = view.unit_id, view.period, view.sex
    if p.kind == "ÅR":
        return None
    rows = evaluation.measures.filter((pl.col("measure_id") == measure_id) & (pl.col("year") == p.year))
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    if row["accumulation"] != "accumulated" or row["value_kind"] not in VALUE_KINDS:
        return None
    series = evaluation.long_for(measure_ids=[measure_id], unit_id=unit_id, sex=sex).filter(pl.col("period_kind") == "månad")
    months = series.select(
        "period",
        pl.when(pl.col("masked").fill_null(False)).then(None).otherwise(pl.col("value")).alias("value"),
        pl.col("is_demo").fill_null(False),
    )
    lower, upper = _annual_target(evaluation, row, unit_id, sex)
    return year_end_forecast(
        months, year=p.year, through_month=p.end_month, value_kind=row["value_kind"], target_lower=lower, target_upper=upper
    )


def _annual_target(evaluation: Evaluation, row: dict[str, Any], unit_id: str, sex: str) -> tuple[float | None, float | None]:
    """(lower, upper) bounds on the year-end value from the catalogue row; (None, None) for none."""
    kind, direction = row["target_kind"], row["direction"]

    def one_sided(value: float | None) -> tuple[float | None, float | None]:
        if value is None or direction not in (1, -1):
            return None, None
        return (float(value), None) if direction == 1 else (None, float(value))

    if kind == "annual_volume":
        return one_sided(row["target_value"])
    if kind == "level":
        per_sex = {"K": row.get("target_women"), "M": row.get("target_men")}.get(sex)
        return one_sided(per_sex if per_sex is not None else row["target_value"])
    if kind == "band":
        lower, upper = row["band_lower"], row["band_upper"]
        return (None if lower is None else float(lower)), (None if upper is None else float(upper))
    if kind == "direction":  # Öka / Minska: against the previous year's outcome
        previous = evaluation.long_for(measure_ids=[row["measure_id"]], unit_id=unit_id, sex=sex, period=f"{row['year'] - 1}-ÅR")
        if previous.is_empty() or previous["masked"].fill_null(False)[0] or previous["value"][0] is None:
            return None, None
        # As the evaluation judges "Öka": met only when the value moved beyond the neutral band.
        reference = float(previous["value"][0])
        band = row.get("neutral_band") or 0.0
        margin = band if row.get("neutral_is_absolute") else band * abs(reference)
        return one_sided(reference + direction * margin)
    return None, None
