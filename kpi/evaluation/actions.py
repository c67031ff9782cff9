"""Strategic actions and analysis comments, looked up for what a view shows."""

from __future__ import annotations

import polars as pl

from kpi.model.catalogue import Catalogue
from kpi.model.periods import Period, parse_period, period_sort_key

ACTION_COLUMNS = ["action_id", "perspective", "nr", "goal", "action", "measures", "status", "comment", "follow_up_period", "source"]


def actions_table(catalogue: Catalogue, follow_ups: pl.DataFrame, p: Period, *, perspective: str | None = None, measure_id: str | None = None) -> pl.DataFrame:
    """The catalogue's actions with their latest follow-up up to ``period`` in the same year.

    An action without a follow-up by then has status ``okänd`` and no comment; the follow-up's
    period is returned so a view can say "enligt uppföljningen DÅ08 2022".
    """
    wanted = period_sort_key(p.id)
    latest: dict[str, dict[str, object]] = {}
    for row in follow_ups.sort("period").iter_rows(named=True):
        q = parse_period(row["period"])
        if q.year != p.year or period_sort_key(q.id) > wanted:
            continue
        best = latest.get(row["action_id"])
        if best is None or period_sort_key(q.id) >= period_sort_key(str(best["period"])):
            latest[row["action_id"]] = row
    rows = []
    for action in catalogue.actions:
        if perspective is not None and action.perspective != perspective:
            continue
        if measure_id is not None and measure_id not in action.measures:
            continue
        follow = latest.get(action.id)
        rows.append(
            {
                "action_id": action.id,
                "perspective": action.perspective,
                "nr": action.nr,
                "goal": action.goal,
                "action": action.action,
                "measures": list(action.measures),
                "status": follow["status"] if follow else "okänd",
                "comment": follow["comment"] if follow else None,
                "follow_up_period": follow["period"] if follow else None,
                "source": action.source,
            }
        )
    schema = {c: pl.String for c in ACTION_COLUMNS} | {"measures": pl.List(pl.String)}
    return pl.DataFrame(rows, schema=schema)


def comment_for(comments: pl.DataFrame, measure_id: str, unit_id: str, period: Period) -> dict[str, object] | None:
    """The analysis comment written for this measure, organisation and period, newest first."""
    found = comments.filter((pl.col("measure_id") == measure_id) & (pl.col("unit_id") == unit_id) & (pl.col("period") == period.id))
    if found.is_empty():
        return None
    return found.sort("recorded_at", descending=True).row(0, named=True)
