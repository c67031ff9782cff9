"""Recorded changes (``data/catalogue/changes.yaml``): after such a change, e.g. the Cosmic go-live,
a measure's process may be another one, so its control-chart limits start anew (``kpi.signals.spc``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpi.model.errors import CatalogueError

_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class RecordedChange(BaseModel):
    """A change after which a measure's process may be another one, so its limits start anew."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_month: str = Field(pattern=_MONTH_PATTERN, description="Första månaden med nya förhållanden, ÅÅÅÅ-MM.")
    name: str = Field(min_length=1)
    description: str = ""
    source: str = Field(min_length=1)
    measures: tuple[str, ...] = ()  # empty: every measure

    def applies_to(self, measure_id: str) -> bool:
        return not self.measures or measure_id in self.measures


class _ChangesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    changes: tuple[RecordedChange, ...] = ()


def load_changes(path: Path) -> tuple[RecordedChange, ...]:
    """The recorded changes (``changes.yaml`` beside the catalogue); none when the file is absent."""
    if not path.exists():
        return ()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return _ChangesFile.model_validate(raw).changes
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name} går inte att läsa: felaktig YAML.") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (fann {e.get('input')!r})" for e in exc.errors())
        raise CatalogueError(f"{path.name} innehåller fel: {problems}") from None
