"""The whole pipeline: load catalogue and tables, evaluate everything, cut out one scorecard.

``load_dataset`` reads the store once; ``evaluate_dataset`` evaluates every measure × unit ×
period × sex in one pass; ``scorecard`` picks one organisation and period and returns the rows in
the report's order (perspective, success factor, measure), including measures without values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import polars as pl

from kpi.evaluation.engine import Evaluated, MonthEngine, Prepared, evaluate_reports
from kpi.evaluation.rules import measure_table
from kpi.model.catalogue import CatalogueSet, load_catalogues
from kpi.model.changes import RecordedChange, load_changes
from kpi.model.errors import StoreError, UnknownOrganisationError
from kpi.model.formatting import PERCENT_AFTER_NUMBER, PERCENT_SPACED
from kpi.model.periods import Period, parse_period
from kpi.model.settings import Settings, load_settings
from kpi.model.view import View
from kpi.store import journal, location
from kpi.store.delta import Store, shown_path, store_for

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = location.BUNDLED_DATA_DIR  # the bundled data/; where to read is location.data_dir()


@dataclass(frozen=True)
class Dataset:
    catalogues: CatalogueSet
    units: pl.DataFrame
    observations: pl.DataFrame
    comments: pl.DataFrame
    actions: pl.DataFrame
    settings: Settings
    changes: tuple[RecordedChange, ...] = ()  # recorded changes that start a new SPC phase

    @cached_property
    def years(self) -> list[int]:
        periods = self.observations["period"]
        found = periods.str.slice(0, 4).cast(pl.Int32).unique().to_list() if len(periods) else []
        years = set(found) | set(self.catalogues.years)
        return list(range(min(years), max(years) + 1))


_MONTH = r"^\d{4}-\d{2}$"


class Evaluation:
    """The evaluated tables: one row per measure × unit × period × sex (``long``), per measure ×
    unit × period with women and men as columns (``wide``), the unit spread per organisation ×
    measure × period (``spread``), and the catalogue rows per year (``measures``).

    The report periods are evaluated up front; the months (four fifths of the rows) are
    evaluated when a view asks for them, for the measures and organisations it asks for
    (``kpi.evaluation.engine.MonthEngine``), and kept. Views read through ``long_for``,
    ``wide_for`` and ``spread_for``; ``long``, ``wide`` and ``spread`` give every row (all months
    evaluated), for tests and whole-table exports. Never mutated from outside.
    """

    def __init__(
        self,
        long: pl.DataFrame,
        wide: pl.DataFrame,
        spread: pl.DataFrame,
        measures: pl.DataFrame,
        months: MonthEngine | None = None,
        report_lookup: pl.DataFrame | None = None,
        suppressed: pl.Series | None = None,
        suppression_blocks: pl.DataFrame | None = None,
    ) -> None:
        # Without ``months`` the three tables hold every period; with it, the report periods only.
        self.reports = Evaluated(long=long, wide=wide, spread=spread)
        self.measures = measures
        self.months = months
        self.report_lookup = report_lookup
        self.suppressed = suppressed  # keys of every masked cell, months included (kpi.evaluation.suppression)
        self.suppression_blocks = suppression_blocks  # how they were decided, per measure-year (for the next evaluation)

    # --- every row ------------------------------------------------------------------------------

    @cached_property
    def _everything(self) -> Evaluated:
        if self.months is None:
            return self.reports
        months = self.months.evaluated(spread=True)
        return Evaluated(
            long=pl.concat([self.reports.long, months.long.select(self.reports.long.columns)]),
            wide=pl.concat([self.reports.wide, months.wide.select(self.reports.wide.columns)]),
            spread=pl.concat([self.reports.spread, months.spread.select(self.reports.spread.columns)]),
        )

    @property
    def long(self) -> pl.DataFrame:
        return self._everything.long

    @property
    def wide(self) -> pl.DataFrame:
        return self._everything.wide

    @property
    def spread(self) -> pl.DataFrame:
        return self._everything.spread

    def month_rows(self) -> int:
        """How many month rows (measure × unit × month × sex) there are; evaluates them all."""
        return 0 if self.months is None else self.months.evaluated(spread=True).long.height

    # --- what a view asks for ---------------------------------------------------------------------

    def _parts(self, measure_ids: list[str] | None, unit_id: str | None, period: str | None, months: bool, spread: bool = False) -> list[Evaluated]:
        parts = [self.reports]
        wants_months = months and (period is None or re.match(_MONTH, period) is not None)
        if self.months is not None and wants_months:
            parts.append(self.months.evaluated(measure_ids, None if unit_id is None else [unit_id], spread=spread))
        return parts

    @staticmethod
    def _cut(frame: pl.DataFrame, measure_ids: list[str] | None, unit_id: str | None, period: str | None, sex: str | None = None) -> pl.DataFrame:
        condition = pl.lit(True)
        if measure_ids is not None:
            condition &= pl.col("measure_id").is_in(measure_ids)
        if unit_id is not None:
            condition &= pl.col("unit_id") == unit_id
        if period is not None:
            condition &= pl.col("period") == period
        if sex is not None:
            condition &= pl.col("sex") == sex
        return frame.filter(condition)

    def long_for(
        self, *, measure_ids: list[str] | None = None, unit_id: str | None = None, period: str | None = None, sex: str | None = None, months: bool = True
    ) -> pl.DataFrame:
        """The long rows of the measures, unit, period and sex given (None: all); months included
        unless ``months`` is false or the period is a report period."""
        frames = [self._cut(p.long, measure_ids, unit_id, period, sex) for p in self._parts(measure_ids, unit_id, period, months)]
        return pl.concat([f.select(frames[0].columns) for f in frames]) if len(frames) > 1 else frames[0]

    def wide_for(self, *, measure_ids: list[str] | None = None, unit_id: str | None = None, period: str | None = None, months: bool = True) -> pl.DataFrame:
        """The wide rows (women and men as columns) of the measures, unit and period given."""
        frames = [self._cut(p.wide, measure_ids, unit_id, period) for p in self._parts(measure_ids, unit_id, period, months)]
        return pl.concat([f.select(frames[0].columns) for f in frames]) if len(frames) > 1 else frames[0]

    def spread_for(self, *, unit_id: str | None = None, period: str | None = None) -> pl.DataFrame:
        """The unit spread of one organisation (None: all) at one period (None: all)."""
        frames = [self._cut(p.spread, None, unit_id, period) for p in self._parts(None, unit_id, period, True, spread=True)]
        return pl.concat([f.select(frames[0].columns) for f in frames]) if len(frames) > 1 else frames[0]


def load_dataset(
    data_dir: Path | None = None, *, as_of: date | datetime | None = None, settings: Settings | None = None
) -> Dataset:
    """Catalogue and tables; ``as_of`` reads the tables as they stood on that date.

    ``data_dir`` defaults to the data directory by the one rule the app and the command line
    share (``kpi.store.location``: ``--data``, then ``STYRKORT_DATA``, then the bundled data/).
    The tables are read after the import journal is settled (``kpi.store.journal``): an import or
    undo whose process died is rolled back first, and one still running in another process is
    read around, so a half-written import is never shown.
    """
    data_dir = location.data_dir() if data_dir is None else Path(data_dir)
    if not data_dir.is_dir():
        raise StoreError(
            f"Datakatalogen {shown_path(data_dir)} finns inte. Ange en katalog med catalogue/ och store/ med --data "
            "eller STYRKORT_DATA."
        )
    catalogues = load_catalogues(data_dir / "catalogue")
    store = store_for(data_dir)
    if not store.exists("units"):
        # Without the unit tree every organisation would be "unknown": say what is really missing.
        raise StoreError(
            f"Datakatalogen {shown_path(data_dir)} har ingen tabell enheter ({shown_path(store.path('units'))} saknas). "
            "Kontrollera att --data eller STYRKORT_DATA pekar på en datakatalog med store/, eller bygg den medföljande "
            "med python -m kpi build-data."
        )

    def read(settled: Store) -> tuple[pl.DataFrame, ...]:
        return tuple(settled.read(t, as_of=as_of) for t in ("targets", "units", "observations", "comments", "actions"))

    (targets, units, observations, comments, actions), _ = journal.read_consistently(store, read)
    return Dataset(
        catalogues=catalogues.with_targets(targets.iter_rows(named=True)),
        units=units,
        observations=observations,
        comments=comments,
        actions=actions,
        settings=settings or load_settings(data_dir / "styrkort.toml"),
        changes=load_changes(data_dir / "catalogue" / "changes.yaml"),
    )


def evaluate_dataset(dataset: Dataset, known: dict[str, list[int]] | None = None) -> Evaluation:
    """Every measure × unit × report period × sex evaluated now; the months when asked for.
    ``known``: the masking decided by an earlier evaluation, per measure-year
    (``Evaluation.suppression_blocks``), reused where a measure-year is unchanged."""
    years = dataset.years
    measures = measure_table(dataset.catalogues, years, dataset.settings)
    prepared = Prepared.of(dataset.observations, dataset.units, measures, years)
    reports, lookup, decision = evaluate_reports(prepared, dataset.settings, known)
    months = MonthEngine(prepared, dataset.settings, lookup, decision.keys)
    return Evaluation(
        reports.long, reports.wide, reports.spread, measures, months=months, report_lookup=lookup, suppressed=decision.keys,
        suppression_blocks=decision.blocks,
    )  # fmt: skip


def find_unit(units: pl.DataFrame, name_or_id: str) -> str:
    """The unit id for a name ("Division Nära", "VO Piteå tätort", "Hortlax hälsocentral") or id."""
    wanted = name_or_id.strip().casefold()
    for row in units.select("unit_id", "name").iter_rows():
        if wanted in (row[0].casefold(), row[1].casefold()):
            return row[0]
    close = [n for n in units["name"].to_list() if wanted in n.casefold()]
    if len(close) == 1:
        return units.filter(pl.col("name") == close[0])["unit_id"][0]
    hint = f" Menade du: {', '.join(close[:5])}?" if close else " Skriv t.ex. \"Division Nära\" eller namnet på ett verksamhetsområde eller en hälsocentral."
    raise UnknownOrganisationError(f"Organisationen '{name_or_id}' finns inte.{hint}")


SCORECARD_COLUMNS = [
    "perspective",
    "strategic_goal",
    "success_factor",
    "measure_id",
    "measure",
    "target",
    "follow_up",
    "period",
    "value",
    "value_women",
    "value_men",
    "unit",
    "decimals",
    "attainment",
    "attainment_women",
    "attainment_men",
    "trend",
    "comparison_period",
    "comparison_value",
    "target_effective",
    "direction",
    "value_kind",
    "split_by_sex",
    "gender_gap_pp",
    "gender_gap_flag",
    "masked",
    "masked_women",
    "masked_men",
    "spread_min",
    "spread_max",
    "units_meeting_target",
    "units_with_value",
    "is_demo",
    "source",
    "target_kind",
    "target_value",
    "target_women",
    "target_men",
    "spread_is_demo",
]


# What the written analysis needs beside the table's columns (not in the command line's records):
# what it calls the measure (the catalogue's subject, "sjukfrånvaron"), how the value accumulates
# (the months a spread covers), the bands a verdict was judged with,
# and each sex's comparison where only women and men are given; and a band target's edges, which
# "Längst från målet" measures a miss from (kpi.evaluation.overview).
CONTEXT_COLUMNS = [
    "subject",
    "band_lower",
    "band_upper",
    "accumulation",
    "neutral_band",
    "neutral_is_absolute",
    "partial_band",
    "trend_women",
    "trend_men",
    "comparison_period_women",
    "comparison_period_men",
    "comparison_value_women",
    "comparison_value_men",
    "comparison_decimals",
    "comparison_decimals_women",
    "comparison_decimals_men",
]

# The per-sex columns of ``Evaluation.wide``; choosing a sex puts its columns in the total's place.
_BY_SEX = ["value", "attainment", "trend", "comparison_period", "comparison_value", "comparison_decimals", "masked", "is_demo", "target_effective"]


def scorecard(evaluation: Evaluation, view: View) -> pl.DataFrame:
    """Every catalogue measure for one organisation and period, in the report's order.

    The view's sex ``"T"`` gives the total with women and men beside it, as the report prints it; ``"K"`` or
    ``"M"`` gives that sex's value and verdicts in the total's columns (and no sex columns). A
    measure that is not split by sex then has no value: ``split_by_sex`` says why.
    """
    unit_id, p, sex = view.unit_id, view.period, view.sex
    catalogue_rows = (
        evaluation.measures.filter(pl.col("year") == p.year)
        .with_row_index("_order")
        .select(
            "_order", "measure_id", "perspective", "strategic_goal", "success_factor", "measure", "subject", "unit", "follow_up",
            pl.col("target_text").str.replace_all(PERCENT_AFTER_NUMBER, PERCENT_SPACED).alias("target"), "measure_source", "direction", "value_kind", "split_by_sex",
            "target_kind", "target_value", "target_women", "target_men", "band_lower", "band_upper",
            "accumulation", "neutral_band", "neutral_is_absolute", "partial_band",
        )
    )
    wide = evaluation.wide_for(unit_id=unit_id, period=p.id)
    if sex != "T":
        suffix = "_women" if sex == "K" else "_men"
        wide = wide.with_columns([pl.col(f"{c}{suffix}").alias(c) for c in _BY_SEX]).with_columns(
            pl.lit(None, pl.Float64).alias("value_women"),
            pl.lit(None, pl.Float64).alias("value_men"),
            pl.col("attainment").fill_null("ej_bedomd"),
            pl.col("trend").fill_null("saknas"),
            pl.lit(None, pl.Float64).alias("gender_gap_pp"),
            pl.lit(False).alias("gender_gap_flag"),
            pl.lit(False).alias("masked_women"),
            pl.lit(False).alias("masked_men"),
            *[pl.lit(None, pl.String).alias(f"{c}{s}") for c in ("trend", "comparison_period") for s in ("_women", "_men")],
            *[pl.lit(None, pl.Float64).alias(f"comparison_value{s}") for s in ("_women", "_men")],
            *[pl.lit(None, pl.Int8).alias(f"comparison_decimals{s}") for s in ("_women", "_men")],
        )
    values = wide.select(
        "measure_id", "value", "value_women", "value_men", "decimals", "attainment", "attainment_women", "attainment_men",
        "trend", "comparison_period", "comparison_value", "target_effective", "gender_gap_pp", "gender_gap_flag", "masked",
        "masked_women", "masked_men", "is_demo", "source",
        "trend_women", "trend_men", "comparison_period_women", "comparison_period_men", "comparison_value_women", "comparison_value_men",
        "comparison_decimals", "comparison_decimals_women", "comparison_decimals_men",
    )
    spread = evaluation.spread_for(unit_id=unit_id, period=p.id).select(
        "measure_id", "spread_min", "spread_max", "units_meeting_target", "units_with_value", "spread_is_demo"
    )
    return (
        catalogue_rows.join(values, on="measure_id", how="left")
        .join(spread, on="measure_id", how="left")
        .with_columns(
            pl.lit(p.id).alias("period"),
            pl.col("attainment").fill_null("ej_bedomd"),
            pl.col("trend").fill_null("saknas"),
            pl.col("is_demo").fill_null(False),
            pl.col("masked").fill_null(False),
            pl.col("masked_women").fill_null(False),
            pl.col("masked_men").fill_null(False),
            pl.col("gender_gap_flag").fill_null(False),
            pl.col("spread_is_demo").fill_null(False),
            pl.coalesce("source", "measure_source").alias("source"),
        )
        .with_columns(_hidden_with_the_value())
        .sort("_order")
        .select(*SCORECARD_COLUMNS, *CONTEXT_COLUMNS)
    )


def _hidden_with_the_value() -> list[pl.Expr]:
    """A masked value's verdicts and comparison go with it: a verdict beside "skyddat (för få)"
    would tell which side of the target the few cases fall on."""
    out = []
    for suffix, masked in (("", pl.col("masked")), ("_women", pl.col("masked") | pl.col("masked_women")), ("_men", pl.col("masked") | pl.col("masked_men"))):
        out += [
            pl.when(masked).then(pl.lit("ej_bedomd")).otherwise(pl.col(f"attainment{suffix}")).alias(f"attainment{suffix}"),
            pl.when(masked).then(pl.lit("saknas" if not suffix else None, pl.String)).otherwise(pl.col(f"trend{suffix}")).alias(f"trend{suffix}"),
            pl.when(masked).then(None).otherwise(pl.col(f"comparison_period{suffix}")).alias(f"comparison_period{suffix}"),
            pl.when(masked).then(None).otherwise(pl.col(f"comparison_value{suffix}")).alias(f"comparison_value{suffix}"),
        ]
    return out


def default_period(evaluation: Evaluation, unit_id: str) -> Period:
    """The report period to open on: the latest report (DÅ04, DÅ08, ÅR) with published figures
    for the organisation, else the latest report period with any figures."""
    reports = evaluation.wide_for(unit_id=unit_id, months=False).filter((pl.col("period_kind") != "månad") & pl.col("value").is_not_null())
    published = reports.filter(~pl.col("is_demo"))
    chosen = published if published.height else reports
    if chosen.is_empty():
        return Period(max(evaluation.measures["year"].to_list()), "ÅR")
    return parse_period(chosen.sort("sort_key")["period"][-1])
