"""Texts written in the browser (a chef's analysis, an action's follow-up), saved as imports.

Why an import: a comment written on the Styrmått page needs what an imported comment already
has — the same strict checks (printable text, length, a measure and unit that exist, a period
within the years), one Delta version per save so the previous text is kept, a line in the import
log with who and when, undo, recovery if the process dies half-way, and the small-count warning.
So a written text becomes a one-row file in the template's own form and goes through
``pipeline.prepare`` and ``pipeline.apply`` like any other; nothing about it is special-cased.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kpi.imports.pipeline import Plan, prepare
from kpi.imports.read import COLUMNS
from kpi.model.access import Access, AccessError, Action
from kpi.model.periods import Period

COMMENT_FILE = "analys skriven i Styrkort.csv"
ACTION_FILE = "åtgärdsuppföljning skriven i Styrkort.csv"


def _one_row_csv(sheet: str, row: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS[sheet])
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def prepare_comment(
    data_dir: Path, access: Access, measure_id: str, unit_id: str, period: Period, text: str
) -> Plan:
    """The plan that saves ``text`` as the analysis of a measure at a unit for a period.

    Only a person who writes analysis for that unit may (``Access.writable``); the author stored
    with the text is the signed-in person, never a typed name."""
    access.require_action(Action.WRITE_ANALYSIS)
    access.require(unit_id)
    if unit_id not in access.writable:  # seen as a comparison (a level above), not theirs to write
        raise AccessError(f"Du skriver analys för dina egna enheter; {unit_id} är inte en av dem.")
    content = _one_row_csv("Kommentarer", [measure_id, unit_id, period.id, text, access.identity.shown])
    return prepare(data_dir, COMMENT_FILE, content)


ACTIONS_OWNER = "div_nara"  # the catalogue's strategic actions are the division's (catalogue: organisation)


def prepare_action_follow_up(
    data_dir: Path, access: Access, action_id: str, period: Period, status: str, comment: str, owner_unit: str = ACTIONS_OWNER
) -> Plan:
    """The plan that saves an action's status and comment for a period.

    The actions belong to the organisation whose plan they are (the division's): only a chef who
    writes for that organisation follows them up."""
    access.require_action(Action.WRITE_ANALYSIS)
    if owner_unit not in access.writable:
        raise AccessError("Åtgärderna är divisionens; de följs upp av den som ansvarar för divisionen.")
    content = _one_row_csv("Åtgärder", [action_id, period.id, status, comment])
    return prepare(data_dir, ACTION_FILE, content)
