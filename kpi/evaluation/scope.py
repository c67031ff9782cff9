"""A person's scope applied where the figures are read: the evaluation and the unit table cut to
the units they may see.

Every view, export and download reads through an ``Evaluation`` and a ``Dataset``; handing a
page the scoped ones (``scoped_evaluation``, ``scoped_dataset``) means no page, export or link can
show a unit outside the scope, whatever its widgets do. What a chef sees of the levels above
(``kpi.model.access``): the organisations on the way up with their own figures, which are sums
over many units; not their units' figures, and not the spread between those units (its lowest
and highest are single units' values, and it names them). So the spread is kept only for
organisations whose every unit is in scope.

Small-number masking is part of the evaluation and so holds inside every scope unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import polars as pl

from kpi.evaluation.engine import Evaluated
from kpi.evaluation.scorecard import Dataset, Evaluation
from kpi.model.access import Access, AccessError


@dataclass(frozen=True)
class Scope:
    """Which units a person's figures may come from; hashable, so caches are kept per scope.

    ``visible`` None: every unit. ``whole``: the visible organisations whose every unit below is
    visible too (their spread may be shown).
    """

    visible: frozenset[str] | None
    whole: frozenset[str] = frozenset()


    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def nothing(cls) -> Scope:
        """Deny by default: a run that did not establish who is asking sees no unit."""
        return cls(frozenset())

    @classmethod
    def of(cls, access: Access, units: pl.DataFrame) -> Scope:
        if access.visible is None:
            return cls.everything()
        visible = access.visible
        children: dict[str, list[str]] = {}
        for unit, parent in zip(units["unit_id"].to_list(), units["parent_id"].to_list(), strict=True):
            if parent is not None:
                children.setdefault(parent, []).append(unit)

        def whole(unit: str) -> bool:
            return unit in visible and all(whole(child) for child in children.get(unit, ()))

        return cls(visible, frozenset(u for u in visible if whole(u)))

    @property
    def is_everything(self) -> bool:
        return self.visible is None

    def can_see(self, unit_id: str) -> bool:
        return self.visible is None or unit_id in self.visible

    def require(self, unit_id: str, unit_name: str | None = None) -> None:
        """Raises ``AccessError`` ("Du har inte behörighet till …") for a unit outside the scope."""
        if not self.can_see(unit_id):
            raise AccessError(f"Du har inte behörighet till {unit_name or unit_id}.")

    def rows(self, frame: pl.DataFrame, column: str = "unit_id") -> pl.DataFrame:
        """Only the rows of units in the scope."""
        if self.visible is None:
            return frame
        return frame.filter(pl.col(column).is_in(sorted(self.visible)))

    def spread_rows(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Only the spread of organisations whose every unit is in the scope."""
        if self.visible is None:
            return frame
        return frame.filter(pl.col("unit_id").is_in(sorted(self.whole)))

    def evaluated(self, evaluated: Evaluated) -> Evaluated:
        return Evaluated(long=self.rows(evaluated.long), wide=self.rows(evaluated.wide), spread=self.spread_rows(evaluated.spread))


class ScopedEvaluation(Evaluation):
    """An ``Evaluation`` whose every table, up front or evaluated on demand, is cut to a scope."""

    def __init__(self, source: Evaluation, scope: Scope) -> None:
        self._source = source
        self.scope = scope
        self.reports = scope.evaluated(source.reports)
        self.measures = source.measures
        self.months = source.months
        self.report_lookup = None  # the evaluation's own look-up: not for reading through a scope
        self.suppressed = None  # likewise the masked cells' keys (the masking itself is in every table)

    @cached_property
    def _everything(self) -> Evaluated:
        return self.scope.evaluated(self._source._everything)

    def _parts(self, measure_ids: list[str] | None, unit_id: str | None, period: str | None, months: bool, spread: bool = False) -> list[Evaluated]:
        if unit_id is not None and not self.scope.can_see(unit_id):
            return [Evaluated(long=self.reports.long.clear(), wide=self.reports.wide.clear(), spread=self.reports.spread.clear())]
        return [p if p is self.reports else self.scope.evaluated(p) for p in super()._parts(measure_ids, unit_id, period, months, spread)]

    def month_rows(self) -> int:
        return self._everything.long.filter(pl.col("period").str.len_chars() == 7).height


def scoped_evaluation(evaluation: Evaluation, scope: Scope) -> Evaluation:
    """The evaluation as a person with ``scope`` may read it (the same object for everything)."""
    return evaluation if scope.is_everything else ScopedEvaluation(evaluation, scope)


def scoped_dataset(dataset: Dataset, scope: Scope) -> Dataset:
    """The dataset with the unit table, observations and comments cut to the scope.

    The unit table keeps only the units in scope, so a unit list, a comparison group or a grid
    drawn from it never names a unit outside the scope (not even with "uppgift saknas")."""
    if scope.is_everything:
        return dataset
    return replace(
        dataset,
        units=scope.rows(dataset.units),
        observations=scope.rows(dataset.observations),
        comments=scope.rows(dataset.comments),
    )


def refuse_outside(scope: Scope, unit_id: str, names: dict[str, str]) -> None:
    """The refusal for a unit outside the scope, naming it as the person would know it."""
    scope.require(unit_id, names.get(unit_id))


__all__ = ["AccessError", "Scope", "ScopedEvaluation", "refuse_outside", "scoped_dataset", "scoped_evaluation"]
