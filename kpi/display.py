"""Tables as people read them: Swedish headings, formatted values, verdicts with symbol and word.

The same text goes to the dashboard, the command line and (later) the exports, so a figure reads
the same everywhere. Values never become 0 here: missing reads "uppgift saknas", masked reads
"skyddat (för få)", a measure without a target "ej bedömd".
"""

from __future__ import annotations

from typing import Any

import polars as pl

from kpi.formatting import MASKED_TEXT, MISSING_TEXT, format_number, format_outcome, format_points, format_value
from kpi.legend import ATTAINMENT, DEMO_TEXT, TREND
from kpi.periods import parse_period

NOT_SPLIT_TEXT = "ej uppdelat på kön"

# The report's column order (seed 004), then what the dashboard adds.
SCORECARD_HEADINGS = [
    "Framgångsfaktor",
    "Styrmått",
    "Mål",
    "Uppföljningsperiod",
    "Periodens utfall",
    "Måluppfyllelse",
    "Utveckling",
    "Jämförelse",
    "Källa",
]


def short_period(period_id: str) -> str:
    """'DÅ08 2022', 'helår 2022', 'aug 2022': short enough for an axis or a table cell."""
    p = parse_period(period_id)
    if p.kind == "månad":
        return f"{('jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec')[p.end_month - 1]} {p.year}"
    if p.kind == "ÅR":
        return f"helår {p.year}"
    return f"{p.kind} {p.year}"


def source_text(source: str | None, is_demo: bool) -> str:
    if is_demo:
        return f"{DEMO_TEXT} (genererad, inte publicerad)"
    return source or "källa saknas"


def outcome_text(row: dict[str, Any], sex: str = "T") -> str:
    """The 'Periodens utfall' cell for a scorecard row."""
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    if sex != "T" and not row.get("split_by_sex"):
        return NOT_SPLIT_TEXT
    text = format_outcome(row["value"], row.get("value_women"), row.get("value_men"), row["unit"], decimals, masked=bool(row["masked"]))
    return f"{text} ({DEMO_TEXT.lower()})" if row.get("is_demo") and text not in (MISSING_TEXT, MASKED_TEXT) else text


def comparison_text(row: dict[str, Any]) -> str:
    """'84 % i DÅ08 2021', or 'ingen jämförelse'."""
    if row.get("comparison_period") is None or row.get("comparison_value") is None:
        return "ingen jämförelse"
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    return f"{format_value(row['comparison_value'], row['unit'], decimals)} i {short_period(row['comparison_period'])}"


def scorecard_table(card: pl.DataFrame, sex: str = "T") -> pl.DataFrame:
    """The scorecard as the report prints it, plus comparison and source; ``measure_id`` kept for links."""
    rows = []
    for r in card.iter_rows(named=True):
        rows.append(
            {
                "measure_id": r["measure_id"],
                "Framgångsfaktor": r["success_factor"],
                "Styrmått": r["measure"],
                "Mål": r["target"] or "–",
                "Uppföljningsperiod": r["follow_up"].replace(",", ", "),
                "Periodens utfall": outcome_text(r, sex),
                "Måluppfyllelse": ATTAINMENT[r["attainment"]].text,
                "Utveckling": TREND[r["trend"]].text,
                "Jämförelse": comparison_text(r),
                "Källa": source_text(r["source"], bool(r["is_demo"])),
            }
        )
    schema = {"measure_id": pl.String} | {h: pl.String for h in SCORECARD_HEADINGS}
    return pl.DataFrame(rows, schema=schema)


def gap_to_target_text(value: float | None, target: float | None, unit: str, decimals: int, direction: int) -> str:
    """How far from the target, the right way round: '9 procentenheter under målet', '12 % över målet'."""
    if value is None or target is None:
        return MISSING_TEXT
    side = "under" if value < target else "över"
    if unit == "%":
        points = format_points(abs(value - target), 1).lstrip("+")
        return f"{points} {side} målet"
    if target == 0:
        return f"{format_value(abs(value - target), unit, decimals)} {side} målet"
    return f"{format_number(abs(value - target) / abs(target) * 100, 0)}\u00a0% {side} målet"


def change_text(value: float | None, comparison: float | None, unit: str, decimals: int) -> str:
    """The change against the comparison value: '−4 procentenheter', '−12 %'."""
    if value is None or comparison is None:
        return MISSING_TEXT
    if unit == "%":
        return format_points(value - comparison, 1)
    if comparison == 0:
        return format_value(value - comparison, unit, decimals)
    change = (value - comparison) / abs(comparison) * 100
    sign = "+" if round(change) > 0 else ""
    return f"{sign}{format_number(change, 0)}\u00a0%"
