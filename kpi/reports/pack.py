"""What a board pack holds, whatever it is printed as: PDF, PowerPoint, Excel or the presentation.

``build_board_pack`` cuts one organisation and period out of the evaluation: per perspective the
scorecard rows, the report's table as text, each measure's analysis (the analyst's comment or
the generated text), its trend as chart data, and the strategic actions. The renderers
(``kpi.reports.pdf``, ``kpi.reports.powerpoint``, ``kpi.reports.excel``) only lay this out, so every
format shows the same figures, the same words and the same masking as the dashboard.

``slide_plan`` orders the slides of the deck and of the dashboard's presentation view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import polars as pl

from kpi.evaluation.actions import actions_table
from kpi.evaluation.scorecard import Dataset, Evaluation, scorecard
from kpi.evaluation.series import measure_series, up_to
from kpi.model.catalogue import PERSPECTIVES
from kpi.model.errors import StyrkortError
from kpi.model.organisation import reporting_types_below
from kpi.model.periods import Period
from kpi.model.verdicts import MET, NOT_ASSESSED, NOT_MET, PARTLY
from kpi.model.view import Sex, View
from kpi.reports.narrative import UNIT_NOUNS, UNITS, Analysis, UnitNoun, analysis_for
from kpi.texts.display import (
    DOCUMENTS,
    NOT_APPLICABLE_TEXT,
    actions_display,
    outcome_text,
    scorecard_table,
    short_period,
    source_text,
)
from kpi.texts.legend import SEX_COLOURS, SEX_LABELS, TARGET_COLOUR

Progress = Callable[[float, str], None]
SEX_WORDS = {"T": "", "K": "kvinnor", "M": "män"}


@dataclass(frozen=True)
class Line:
    """One line of a chart: values by category (``None`` is a gap, never 0)."""

    name: str
    values: list[float | None]
    colour: str
    dashed: bool = False
    step: bool = False
    demo: list[bool] = field(default_factory=list)  # per point: drawn as an open ring


@dataclass(frozen=True)
class LineChart:
    categories: list[str]
    lines: list[Line]
    unit: str
    decimals: int
    highlight: int | None  # index of the report period
    has_demo: bool


@dataclass(frozen=True)
class MeasureEntry:
    row: dict[str, Any]  # the scorecard row (kpi.evaluation.scorecard.SCORECARD_COLUMNS)
    table: dict[str, str]  # the report's table row as text (kpi.texts.display.scorecard_table)
    analysis: Analysis
    chart: LineChart | None  # None when fewer than two periods have a value
    applies: bool  # False when no unit below the organisation reports the measure

    @property
    def measure_id(self) -> str:
        return str(self.row["measure_id"])

    @property
    def name(self) -> str:
        return str(self.row["measure"])

    @property
    def has_value(self) -> bool:
        return any(self.row.get(c) is not None for c in ("value", "value_women", "value_men")) or bool(self.row.get("masked"))

    @property
    def value_is_demo(self) -> bool:
        """The period's value (as a table shows it) is demo data."""
        return self.has_value and bool(self.row["is_demo"])

    @property
    def source(self) -> str:
        """The value's source as a reader cites it, or 'Demodata (genererad, inte publicerad)'."""
        return source_text(self.row["source"], self.value_is_demo)

    @property
    def shows_demo(self) -> bool:
        """The value, or a point of its chart, is demo data (a chart is shown only with a value)."""
        return self.value_is_demo or (self.has_value and self.chart is not None and self.chart.has_demo)

    @property
    def misses_target(self) -> bool:
        return self.row["attainment"] in (NOT_MET, PARTLY)


@dataclass(frozen=True)
class Section:
    perspective: str
    strategic_goal: str
    measures: list[MeasureEntry]
    actions: pl.DataFrame  # the report's action table as text

    @property
    def counts(self) -> dict[str, int]:
        states = [m.row["attainment"] for m in self.measures]
        return {s: states.count(s) for s in (MET, PARTLY, NOT_MET, NOT_ASSESSED)}

    @property
    def has_demo(self) -> bool:
        return any(m.shows_demo for m in self.measures)


@dataclass(frozen=True)
class BoardPack:
    view: View
    organisation: str
    created: datetime
    sections: list[Section]
    card: pl.DataFrame  # the scorecard rows (of the chosen perspective, or all)

    @property
    def unit_id(self) -> str:
        return self.view.unit_id

    @property
    def period(self) -> Period:
        return self.view.period

    @property
    def sex(self) -> Sex:
        return self.view.sex

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def title(self) -> str:
        return f"Styrkort – {self.organisation}"

    @property
    def subtitle(self) -> str:
        sex = f" · {SEX_WORDS[self.sex]}" if self.sex != "T" else ""
        return f"Uppföljning {self.period_label}{sex}"

    @property
    def running_head(self) -> str:
        sex = f" · {SEX_WORDS[self.sex]}" if self.sex != "T" else ""
        return f"Styrkort · {self.organisation} · {short_period(self.period.id)}{sex}"

    @property
    def has_demo(self) -> bool:
        return any(s.has_demo for s in self.sections)

    @property
    def measures(self) -> list[MeasureEntry]:
        return [m for s in self.sections for m in s.measures]

    @property
    def missing_target(self) -> list[MeasureEntry]:
        """Measures that miss their target ('ej uppfyllt' or 'delvis uppfyllt'), in report order."""
        return [m for m in self.measures if m.misses_target]

    @property
    def sources(self) -> list[str]:
        """The documents the shown figures come from, each once, published before demo."""
        texts = (source_text(m.row["source"], False) for m in self.measures if m.has_value and not m.row["is_demo"])
        found = dict.fromkeys(next((d for d in DOCUMENTS.values() if t.startswith(d)), t) for t in texts)
        return [s for s in found if s != "källa saknas"]

    @property
    def source_text(self) -> str:
        """'Källa: <the documents>', or what there is where nothing shown is published."""
        if self.sources:
            return "Källa: " + "; ".join(self.sources)
        return "Källa: inga publicerade värden – de som visas är demodata" if self.has_demo else "Källa: inga värden"

    @property
    def source_line(self) -> str:
        demo = " Värden märkta demodata är genererade och inte publicerade." if self.has_demo else ""
        return f"{self.source_text}. Bedömning och text: Styrkort.{demo}"

    def file_stem(self, perspective: str | None = None) -> str:
        part = f"_{perspective.lower()}" if perspective else ""
        return f"styrkort_{self.unit_id}_{self.period.id}{part}".replace("Å", "A").replace("å", "a")


def unit_noun(reported_by: tuple[str, ...]) -> UnitNoun:
    kinds = [k for k in reported_by if k in UNIT_NOUNS]
    return UNIT_NOUNS[kinds[0]] if len(kinds) == 1 else UNITS


def build_board_pack(
    dataset: Dataset,
    evaluation: Evaluation,
    view: View,
    *,
    perspective: str | None = None,
    created: datetime | None = None,
    progress: Progress | None = None,
) -> BoardPack:
    """The content of the board pack for one organisation and period (one perspective or all)."""
    unit_id, p, sex = view.unit_id, view.period, view.sex
    if perspective is not None and perspective not in PERSPECTIVES:
        raise StyrkortError(f"Perspektivet ”{perspective}” finns inte. Välj ett av: {', '.join(PERSPECTIVES)}.")
    names = dict(dataset.units.select("unit_id", "name").iter_rows())
    catalogue = dataset.catalogues.for_year(p.year)
    reported_by = {m.id: tuple(t.value for t in m.reported_by) for m in catalogue.measures()}
    types = reporting_types_below(dataset.units).get(unit_id, frozenset())
    not_applicable = frozenset(m for m, kinds in reported_by.items() if not types & set(kinds))
    card = scorecard(evaluation, view)
    if perspective is not None:
        card = card.filter(pl.col("perspective") == perspective)
    table = {r["measure_id"]: r for r in scorecard_table(card, sex, not_applicable).iter_rows(named=True)}
    comments = _latest_comments(dataset.comments, unit_id, p.id)
    actions = actions_table(catalogue, dataset.actions, p)
    measure_names = {m.id: m.name for m in catalogue.measures()}

    sections: list[Section] = []
    rows = card.to_dicts()
    total = max(len(rows), 1)
    done = 0
    for name in [x for x in PERSPECTIVES if x in set(card["perspective"].to_list())]:
        entries = []
        for r in (r for r in rows if r["perspective"] == name):
            chart = _trend_chart(evaluation, r, view)
            entries.append(
                MeasureEntry(
                    row=r,
                    table=table[r["measure_id"]],
                    analysis=analysis_for(
                        r,
                        comments.get(r["measure_id"]),
                        sex=sex,
                        units=unit_noun(reported_by.get(r["measure_id"], ())),
                        applies=r["measure_id"] not in not_applicable,
                    ),
                    chart=chart,
                    applies=r["measure_id"] not in not_applicable,
                )
            )
            done += 1
            if progress:
                progress(done / total, f"Sammanställer {r['measure']}")
        goal = next(r["strategic_goal"] for r in rows if r["perspective"] == name)
        sections.append(Section(name, goal, entries, actions_display(actions, name, measure_names, with_nr=True)))
    return BoardPack(
        view=view,
        organisation=names.get(unit_id, unit_id),
        created=created or datetime.now().replace(microsecond=0),
        sections=sections,
        card=card,
    )


def _latest_comments(comments: pl.DataFrame, unit_id: str, period: str) -> dict[str, dict[str, Any]]:
    found = comments.filter((pl.col("unit_id") == unit_id) & (pl.col("period") == period)).sort("recorded_at", descending=True)
    latest: dict[str, dict[str, Any]] = {}
    for r in found.iter_rows(named=True):
        latest.setdefault(r["measure_id"], r)
    return latest


def _trend_chart(evaluation: Evaluation, row: dict[str, Any], view: View) -> LineChart | None:
    """The measure's values for the report's kind of period up to the chosen one (a report per
    August shows no later figures), with its target; per sex where the total is not given."""
    p, sex = view.period, view.sex
    series = up_to(measure_series(evaluation, row["measure_id"], view.unit_id, p.kind), p)
    if series.height < 2:
        return None
    # As the dashboard draws it: where some periods give women and men but no total (as the
    # report prints them), the sexes are drawn too.
    by_sex_only = (series["value"].is_null() & (series["value_women"].is_not_null() | series["value_men"].is_not_null())).any()
    if sex != "T" and row.get("split_by_sex"):
        sexes = [sex]
    elif by_sex_only:
        sexes = ["T", "K", "M"] if series["value"].is_not_null().any() else ["K", "M"]
    else:
        sexes = ["T"]
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    lines: list[Line] = []
    for s in sexes:
        suffix = {"T": "", "K": "_women", "M": "_men"}[s]
        # Rounded as printed: a chart's data (in the PowerPoint, editable) shows no more than the tables.
        values = [None if v is None else round(v, decimals) for v in series[f"value{suffix}"].to_list()]
        if sum(v is not None for v in values) < 2:
            continue
        demo = [bool(d) and v is not None for d, v in zip(series[f"is_demo{suffix}"].fill_null(False).to_list(), values)]
        lines.append(Line(SEX_LABELS[s] if s != "T" else "Utfall", values, SEX_COLOURS[s], demo=demo))
        targets = [None if t is None else round(t, max(decimals, 1)) for t in series[f"target_effective{suffix}"].to_list()]
        if any(t is not None for t in targets):
            label = "Mål" if s == "T" else f"Mål {SEX_LABELS[s].lower()}"
            lines.append(Line(label, targets, TARGET_COLOUR if s == "T" else SEX_COLOURS[s], dashed=True, step=True))
    if not any(not line.dashed for line in lines):
        return None
    periods = series["period"].to_list()
    return LineChart(
        categories=[short_period(x) for x in periods],
        lines=lines,
        unit=row["unit"],
        decimals=decimals,
        highlight=periods.index(p.id) if p.id in periods else None,
        has_demo=any(any(line.demo) for line in lines),
    )


# --- slides ----------------------------------------------------------------------------------

SlideKind = Literal["title", "perspective", "measure"]
ROWS_PER_SLIDE = 6  # measures per perspective slide, in the deck and the presentation: the type stays large


@dataclass(frozen=True)
class Slide:
    kind: SlideKind
    title: str
    perspective: str | None = None
    measure_ids: tuple[str, ...] = ()
    part: int = 1
    parts: int = 1


def slide_plan(
    card: pl.DataFrame,
    *,
    measures: Literal["missing_target", "all_with_value", "none"] = "missing_target",
    rows_per_slide: int = 8,
) -> list[Slide]:
    """The deck: a title slide with the five perspectives, one slide per perspective (split into
    parts of ``rows_per_slide`` measures, so the type stays large), then one slide per measure:
    those that miss their target, or every measure with a value."""
    slides = [Slide("title", "Översikt")]
    present = [x for x in PERSPECTIVES if x in set(card["perspective"].to_list())]
    for name in present:
        ids = card.filter(pl.col("perspective") == name)["measure_id"].to_list()
        chunks = [ids[i : i + rows_per_slide] for i in range(0, len(ids), rows_per_slide)] or [[]]
        # Even parts (8 + 7 rather than 8 + 7 + 0, 9 → 5 + 4) read better than one short tail.
        if len(chunks) > 1:
            size = -(-len(ids) // len(chunks))
            chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        for i, chunk in enumerate(chunks, start=1):
            slides.append(Slide("perspective", name, name, tuple(chunk), i, len(chunks)))
    if measures != "none":
        has_value = pl.any_horizontal(pl.col("value", "value_women", "value_men").is_not_null()) | pl.col("masked")
        chosen = card.filter(has_value)
        if measures == "missing_target":
            chosen = chosen.filter(pl.col("attainment").is_in([NOT_MET, PARTLY]))
        for r in chosen.iter_rows(named=True):
            slides.append(Slide("measure", r["measure"], r["perspective"], (r["measure_id"],)))
    return slides


def outcome_cell(entry: MeasureEntry, sex: Sex) -> str:
    """The outcome as a table shows it, 'rapporteras inte av enheten' where no unit reports it."""
    if not entry.applies and not entry.has_value:
        return NOT_APPLICABLE_TEXT
    return outcome_text(entry.row, sex)
