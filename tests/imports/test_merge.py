"""What a file means for the stored data (issue 14, classes 1, 4 and 6), generated.

1. Columns a file leaves out, or leaves empty, keep what is stored, in every table, or the row is
   refused with the reason (row and column named), and nothing is written.
4. A missing value replaces a stored one only when the file says so (``..``); Kolada's "Missing",
   null or a value left out keeps the stored row and says so in the preview.
6. A figure re-typed with other decimals is the same figure: no new version, its source kept.

The examples are drawn from the bundled store (published and demo rows alike); every example
that writes works on its own copy and compares every table before and after.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from kpi.evaluation.scorecard import evaluate_dataset, load_dataset, scorecard
from kpi.imports import pipeline
from kpi.model.catalogue import ValueKind, load_catalogues
from kpi.model.view import View
from kpi.store.bundled import copy_data
from kpi.store.delta import TABLES, Store
from tests.imports.support import (
    DATA,
    apply_and_diff,
    assert_refused,
    assert_untouched,
    copy_of,
    import_file,
    label,
    problem_places,
    state,
    typed,
)

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WRITING = settings(EXAMPLES, max_examples=10)
KEYS = list(TABLES["observations"].keys)
UTFALL = ["styrmått", "enhet", "period", "kön", "värde"]
COUNTS = ["täljare", "nämnare"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_data(DATA, tmp_path_factory.mktemp("merge") / "data")


@pytest.fixture(scope="module")
def before(pristine: Path) -> tuple[dict[str, int], dict[str, pl.DataFrame]]:
    return state(pristine)


# --- the stored rows the examples are drawn from ------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    measure_id: str
    unit_id: str
    period: str
    sex: str
    value: float
    numerator: float | None
    denominator: float | None
    decimals: int
    source: str
    is_demo: bool
    share: bool

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.measure_id, self.unit_id, self.period, self.sex)

    def cells(self, value: str) -> list[object]:
        return [self.measure_id, self.unit_id, self.period, self.sex, value]


def _importable(rows: list[Stored]) -> list[Stored]:
    """The stored rows a file can give (the period followed up, the unit alive …): each retyped as
    stored, in one file; the rows the check names are left out."""
    data = copy_data(DATA, Path(__import__("tempfile").mkdtemp()) / "data")
    try:
        name, content = import_file(
            "csv", "observations", UTFALL, [r.cells(typed(r.value, r.decimals, percent=r.share)) for r in rows]
        )
        plan = pipeline.prepare(data, name, content)
    finally:
        shutil.rmtree(data.parent, ignore_errors=True)
    refused = {p.row for p in plan.problems}
    assert all(p.row for p in plan.problems), pipeline.report_text(plan)
    return [r for i, r in enumerate(rows, start=2) if i not in refused]


def _stored() -> list[Stored]:
    catalogues = load_catalogues(DATA / "catalogue")
    kinds = {m.id: m.value_kind for y in catalogues.years for m in catalogues.for_year(y).measures()}
    frame = Store(DATA / "store").read("observations").filter(pl.col("value").is_not_null())
    rows = [
        Stored(**{k: r[k] for k in ("measure_id", "unit_id", "period", "sex", "value", "numerator", "denominator", "decimals", "source", "is_demo")}, share=kinds.get(r["measure_id"]) is ValueKind.SHARE)
        for r in frame.iter_rows(named=True)
        if r["measure_id"] in kinds
    ]
    return rows


ALL = _stored()
_COUNTED = [r for r in ALL if r.share and r.numerator is not None and r.denominator]
WITH_COUNTS = _importable([r for r in _COUNTED if not r.is_demo] + [r for r in _COUNTED if r.is_demo][::40])
PUBLISHED = _importable([r for r in ALL if not r.is_demo])


def _yearly_store() -> tuple[Path, list[Stored]]:
    """Kolada gives years: a copy of the store with yearly figures (and counts) for many measures and
    units, taken from the stored December rows; the rows as stored there."""
    import atexit
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="styrkort-yearly-"))
    atexit.register(shutil.rmtree, root, True)
    data = copy_data(DATA, root / "data")
    candidates = [r for r in ALL if r.period.endswith("-12") and r.is_demo][::40]  # December: the year's last month
    rows = [[r.measure_id, r.unit_id, r.period[:4] + "-ÅR", r.sex, typed(r.value, 1, percent=r.share)] for r in candidates]
    counts = [[round(r.value * 10), 1000] if r.share else [None, None] for r in candidates]
    kept = [a + b for a, b in zip(rows, counts, strict=True)]
    while True:  # the check's problems first, then the rows that would contradict what is stored
        name, content = import_file("csv", "observations", UTFALL + COUNTS, kept)
        plan = pipeline.prepare(data, name, content)
        if plan.ok:
            break
        refused = {p.row for p in plan.problems}
        assert kept and all(refused), pipeline.report_text(plan)
        kept = [row for i, row in enumerate(kept, start=2) if i not in refused]
    pipeline.apply(data, plan, user="test")
    stored = Store(data / "store").read("observations").filter(pl.col("period").str.ends_with("ÅR") & pl.col("value").is_not_null())
    by_key = {r.key: r for r in ALL}
    out = []
    for r in stored.iter_rows(named=True):
        share = by_key[(r["measure_id"], r["unit_id"], r["period"], r["sex"])].share if (r["measure_id"], r["unit_id"], r["period"], r["sex"]) in by_key else r["numerator"] is not None
        out.append(Stored(**{k: r[k] for k in ("measure_id", "unit_id", "period", "sex", "value", "numerator", "denominator", "decimals", "source", "is_demo")}, share=share))
    return data, out


YEARLY_DATA, YEARLY = _yearly_store()


def test_the_drawn_rows_cover_published_and_demo_figures() -> None:
    assert len(WITH_COUNTS) > 500 and any(not r.is_demo for r in WITH_COUNTS)
    assert len(PUBLISHED) > 50 and len(YEARLY) > 100


# --- 1. Utfall: täljare and nämnare left out or empty -------------------------------------------------

SAME, AGREE, DISAGREE, GIVEN, CLEARED, REMOVED, REMOVED_ALL = "same", "agree", "disagree", "given", "cleared", "removed", "removed_all"
NEEDS_COLUMNS = {GIVEN, CLEARED, REMOVED_ALL}


@dataclass(frozen=True)
class Edit:
    row: Stored
    kind: str
    value: str  # the value cell as typed
    numerator: object = None
    denominator: object = None


def _ratio(row: Stored) -> float:
    assert row.numerator is not None and row.denominator
    return row.numerator / row.denominator * 100


def _disagrees(row: Stored, value: float, decimals: int) -> bool:
    return abs(_ratio(row) - value) > 0.5 * 10.0**-decimals + 1e-9


@st.composite
def edits(draw: st.DrawFn, row: Stored, columns: bool) -> Edit:
    kinds = [SAME, AGREE, DISAGREE, REMOVED, *(sorted(NEEDS_COLUMNS) if columns else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == SAME:  # as printed, with as many decimals as stored or more: the same figure
        decimals = draw(st.integers(row.decimals, 2))
        return Edit(row, kind, typed(row.value, decimals, percent=True))
    if kind == AGREE:  # what the stored counts give, where that differs from the stored value
        agreed = round(_ratio(row), 1)
        if abs(agreed - row.value) <= 0.5 * 10.0 ** -max(1, row.decimals) + 1e-9:
            return Edit(row, SAME, typed(row.value, row.decimals, percent=True))
        return Edit(row, kind, typed(agreed, 1, percent=True))
    if kind == DISAGREE:
        step = draw(st.sampled_from([-12.5, -5.0, -1.0, 1.0, 5.0, 12.5]))
        value = min(100.0, max(0.0, round(row.value + step, 1)))
        if not _disagrees(row, value, 1) or abs(value - row.value) <= 0.05:
            return Edit(row, SAME, typed(row.value, row.decimals, percent=True))
        return Edit(row, kind, typed(value, 1, percent=True))
    if kind == GIVEN:
        denominator = draw(st.integers(1, 5000))
        numerator = draw(st.integers(0, denominator))
        return Edit(row, kind, typed(numerator / denominator * 100, 1, percent=True), str(numerator), str(denominator))
    if kind == CLEARED:
        value = draw(st.integers(0, 1000)) / 10
        return Edit(row, kind, typed(value, 1, percent=True), "..", "..")
    if kind == REMOVED:
        return Edit(row, kind, "..")
    return Edit(row, kind, "..", "..", "..")


@st.composite
def utfall_files(draw: st.DrawFn, pool: list[Stored]) -> tuple[str, bool, list[Edit]]:
    kind = draw(st.sampled_from(["csv", "xlsx"]))
    columns = draw(st.booleans())  # False: täljare and nämnare are not in the file at all
    rows = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique_by=lambda r: r.key))
    return kind, columns, [draw(edits(r, columns)) for r in rows]


def _utfall(kind: str, columns: bool, chosen: list[Edit]) -> tuple[str, bytes]:
    if columns:
        return import_file(kind, "observations", UTFALL + COUNTS, [[*e.row.cells(e.value), e.numerator, e.denominator] for e in chosen])
    return import_file(kind, "observations", UTFALL, [e.row.cells(e.value) for e in chosen])


@EXAMPLES
@given(utfall_files(WITH_COUNTS))
def test_left_out_or_empty_counts_are_kept_or_the_row_is_refused_with_row_and_column(
    pristine: Path, before: tuple[dict[str, int], dict[str, pl.DataFrame]], drawn: tuple[str, bool, list[Edit]]
) -> None:
    kind, columns, chosen = drawn
    name, content = _utfall(kind, columns, chosen)
    plan = pipeline.prepare(pristine, name, content)
    refused = {(label(kind, "observations"), row, "täljare") for row, e in enumerate(chosen, start=2) if e.kind in (DISAGREE, REMOVED)}
    if refused:
        assert problem_places(plan) == refused, pipeline.report_text(plan)
        for p in plan.problems:
            edit = chosen[p.row - 2]
            if edit.kind == DISAGREE:
                assert "värdet ändras" in p.expected and "täljare och nämnare saknas i filen" in p.expected
                assert p.expected.endswith("ange dem, eller skriv .. för att ta bort dem")
            else:
                assert "värdet tas bort (..)" in p.expected and "skriv .. också i täljare och nämnare" in p.expected
        assert_refused(pristine, before, plan)
        return
    assert plan.ok, pipeline.report_text(plan)
    found = {tuple(r[k] for k in KEYS): r for r in plan.changes["observations"].iter_rows(named=True)}
    for e in chosen:
        r = found[e.row.key]
        if e.kind in (SAME, AGREE):  # nothing said about the counts: the stored ones, which give the value
            assert (r["numerator"], r["denominator"]) == (e.row.numerator, e.row.denominator)
        elif e.kind == GIVEN:
            assert (r["numerator"], r["denominator"]) == (float(e.numerator), float(e.denominator))  # type: ignore[arg-type]
        else:
            assert (r["numerator"], r["denominator"]) == (None, None)
        if e.kind == SAME and not e.row.is_demo:
            assert (r["change"], r["value"], r["decimals"], r["source"]) == ("oförändrad", e.row.value, e.row.decimals, e.row.source)
    assert_untouched(pristine, before)


@WRITING
@given(utfall_files(WITH_COUNTS))
def test_a_written_file_changes_exactly_the_rows_it_gives_and_keeps_their_counts(
    pristine: Path, drawn: tuple[str, bool, list[Edit]]
) -> None:
    kind, columns, chosen = drawn
    chosen = [e for e in chosen if e.kind not in (DISAGREE, REMOVED)]
    assume(chosen)
    name, content = _utfall(kind, columns, chosen)
    with copy_of(pristine) as data:
        plan = pipeline.prepare(data, name, content)
        assert plan.ok, pipeline.report_text(plan)
        gone, came = apply_and_diff(data, plan)["observations"]
        for table, (g, c) in apply_and_diff(data, pipeline.prepare(data, name, content)).items():
            assert g.is_empty() and c.is_empty(), table  # the same file again changes nothing
        came = {tuple(r[k] for k in KEYS): r for r in came.iter_rows(named=True)}
        assert set(came) <= {e.row.key for e in chosen}
        assert set(tuple(r[k] for k in KEYS) for r in gone.iter_rows(named=True)) == set(came)
        for e in chosen:
            written = came.get(e.row.key)
            if written is None:  # unchanged: a published figure re-typed
                assert e.kind == SAME and not e.row.is_demo
                continue
            counts = (written["numerator"], written["denominator"])
            if e.kind in (SAME, AGREE):
                assert counts == (e.row.numerator, e.row.denominator)
            elif e.kind == GIVEN:
                assert counts == (float(e.numerator), float(e.denominator))  # type: ignore[arg-type]
            else:
                assert counts == (None, None)
            if e.kind in (REMOVED_ALL,):
                assert written["value"] is None
            assert written["is_demo"] is False


def test_correcting_one_share_without_its_counts_never_moves_a_roll_up(pristine: Path) -> None:
    """The case the tester found: the VO figure changed because one unit lost its counts."""
    row = next(r for r in WITH_COUNTS if r.unit_id.startswith("hc_") and r.period.startswith("2022-") and r.sex == "T")
    value = round(row.value + (5 if row.value < 90 else -5), 1)
    with copy_of(pristine) as data:
        before = state(data)
        name, content = import_file("csv", "observations", UTFALL, [row.cells(typed(value, 1, percent=True))])
        plan = pipeline.prepare(data, name, content)
        assert problem_places(plan) == {("utfall.csv", 2, "täljare")}
        assert_refused(data, before, plan)
        # Given with its counts, the figure and the roll-up follow them.
        numerator = round(value / 100 * row.denominator)  # type: ignore[operator]
        name, content = import_file(
            "csv", "observations", UTFALL + COUNTS,
            [[*row.cells(typed(numerator / row.denominator * 100, 1, percent=True)), numerator, row.denominator]],  # type: ignore[operator]
        )  # fmt: skip
        diff = apply_and_diff(data, pipeline.prepare(data, name, content))["observations"][1]
        assert diff.select("numerator", "denominator").rows() == [(float(numerator), row.denominator)]


def test_retyping_every_unit_as_printed_leaves_every_roll_up_as_it_was(pristine: Path) -> None:
    """A whole month re-typed from the printed figures, without täljare and nämnare: every unit keeps
    its counts, so the division's and the region's figures, computed from them, do not move."""
    period = "2022-08"
    rows = _importable([r for r in ALL if r.period == period and r.share and r.numerator is not None])
    assert len(rows) > 100
    views = [View.parse(u, period) for u in ("div_nara", "region_nb")]
    with copy_of(pristine) as data:
        evaluation = evaluate_dataset(load_dataset(data))
        cards = [scorecard(evaluation, v) for v in views]
        name, content = import_file("csv", "observations", UTFALL, [r.cells(typed(r.value, r.decimals, percent=True)) for r in rows])
        gone, came = apply_and_diff(data, pipeline.prepare(data, name, content))["observations"]
        assert came.height == len(rows)  # demo figures: replaced by the file's, …
        kept = came.join(gone, on=KEYS, suffix="_old").select(
            (pl.col("numerator") == pl.col("numerator_old")) & (pl.col("denominator") == pl.col("denominator_old"))
        )
        assert kept.to_series().all()  # … with their counts
        evaluation = evaluate_dataset(load_dataset(data))
        figures = ["measure_id", "value", "value_women", "value_men", "masked", "masked_women", "masked_men"]
        for view, card in zip(views, cards, strict=True):  # (verdicts may move: demo figures became real ones)
            assert_frame_equal(scorecard(evaluation, view).select(figures), card.select(figures))


# --- 1. Kommentarer and Åtgärder: författare and kommentar left out, empty or .. -----------------------

COMMENTS = Store(DATA / "store").read("comments").drop("recorded_at").to_dicts()
ACTIONS = Store(DATA / "store").read("actions").drop("recorded_at").to_dicts()


@st.composite
def text_edits(draw: st.DrawFn, pool: list[dict[str, object]], kept: str, other: str, others: list[str]) -> tuple[str, str, list[tuple[dict[str, object], str, str]]]:
    """(file kind, layout, [(stored row, what for the kept column, what for the other column)])."""
    kind = draw(st.sampled_from(["csv", "xlsx"]))
    layout = draw(st.sampled_from(["left out", "present"]))
    rows = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique_by=lambda r: tuple(sorted(map(str, r.values())))))
    keep_choices = ["left out"] if layout == "left out" else ["empty", "..", "same", "new"]
    return kind, layout, [(r, draw(st.sampled_from(keep_choices)), draw(st.sampled_from(["same", *others]))) for r in rows]


def _expected_text(stored: object, how: str, new: str) -> str:
    return {"left out": stored, "empty": stored, "..": "", "same": stored, "new": new}[how]  # type: ignore[return-value]


@WRITING
@given(text_edits(COMMENTS, "author", "text", ["new"]))
def test_a_comments_author_left_out_or_empty_is_kept_and_dots_remove_it(pristine: Path, drawn: tuple[str, str, list]) -> None:  # type: ignore[type-arg]
    kind, layout, chosen = drawn
    header = ["styrmått", "enhet", "period", "kommentar"] + (["författare"] if layout == "present" else [])
    rows = []
    for stored, how, text_how in chosen:
        text = stored["text"] if text_how == "same" else f"Ny text för {stored['measure_id']}."
        author = {"empty": None, "..": "..", "same": stored["author"], "new": "Bo Bokförare"}.get(how)
        rows.append([stored["measure_id"], stored["unit_id"], stored["period"], text] + ([author] if layout == "present" else []))
    name, content = import_file(kind, "comments", header, rows)
    with copy_of(pristine) as data:
        plan = pipeline.prepare(data, name, content)
        assert plan.ok, pipeline.report_text(plan)
        _, came = apply_and_diff(data, plan)["comments"]
        written = {(r["measure_id"], r["unit_id"], r["period"]): r for r in came.iter_rows(named=True)}
        for (stored, how, text_how), row in zip(chosen, rows, strict=True):
            key = (stored["measure_id"], stored["unit_id"], stored["period"])
            author = _expected_text(stored["author"], how, "Bo Bokförare")
            if text_how == "same" and author == stored["author"]:
                assert key not in written  # nothing changed: no new version, the source kept
                continue
            assert (written[key]["text"], written[key]["author"]) == (row[3], author)
            assert written[key]["source"] == f"Inläsning av {name}"


@WRITING
@given(text_edits(ACTIONS, "comment", "status", ["other"]))
def test_an_actions_comment_left_out_or_empty_is_kept_and_dots_remove_it(pristine: Path, drawn: tuple[str, str, list]) -> None:  # type: ignore[type-arg]
    kind, layout, chosen = drawn
    header = ["åtgärd", "period", "status"] + (["kommentar"] if layout == "present" else [])
    rows, statuses = [], []
    for stored, how, status_how in chosen:
        status = stored["status"] if status_how == "same" else ("genomförd" if stored["status"] != "genomförd" else "pågår")
        statuses.append(status)
        comment = {"empty": None, "..": "..", "same": stored["comment"], "new": "Ny kommentar."}.get(how)
        rows.append([stored["action_id"], stored["period"], status.replace("_", " ")] + ([comment] if layout == "present" else []))
    name, content = import_file(kind, "actions", header, rows)
    with copy_of(pristine) as data:
        plan = pipeline.prepare(data, name, content)
        assert plan.ok, pipeline.report_text(plan)
        _, came = apply_and_diff(data, plan)["actions"]
        written = {(r["action_id"], r["period"]): r for r in came.iter_rows(named=True)}
        for (stored, how, _), status in zip(chosen, statuses, strict=True):
            key = (stored["action_id"], stored["period"])
            comment = _expected_text(stored["comment"], how, "Ny kommentar.")
            if status == stored["status"] and comment == stored["comment"]:
                assert key not in written
                continue
            assert (written[key]["status"], written[key]["comment"]) == (status, comment)


# --- 1. Mål: each of the four columns left out, empty, .. or given ------------------------------------

MAL = ["år", "styrmått", "mål (text)", "målvärde", "mål kvinnor", "mål män"]
BASE_TARGETS = [
    ["2023", "med_telefon_samma_dag", "Minst 96 %", "96", None, None],
    ["2023", "ver_aterinskrivningar_65", None, None, "15", "17"],
    ["2023", "ver_akutbesok_80", "Minska", None, None, None],
    ["2023", "ver_utskrivningsklara", None, "7 %", None, None],
    ["2023", "med_digitala_vardbesok", None, "40 %", None, None],
]


@pytest.fixture(scope="module")
def targets_stored(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("targets") / "data"
    shutil.copytree(pristine, data)
    name, content = import_file("csv", "targets", MAL, BASE_TARGETS)
    pipeline.apply(data, pipeline.prepare(data, name, content), user="test")
    return data


# (columns, row, refused column or None, the stored target after (text, value, women, men) or None when unchanged)
TARGET_CASES = [
    (MAL, ["2023", "med_telefon_samma_dag", None, "97", None, None], "mål (text)", None),
    (MAL, ["2023", "med_telefon_samma_dag", "..", "97", None, None], None, (None, 97.0, None, None)),
    (MAL, ["2023", "med_telefon_samma_dag", "Minst 97 %", "97", None, None], None, ("Minst 97 %", 97.0, None, None)),
    (MAL, ["2023", "med_telefon_samma_dag", None, "96", None, None], None, None),
    (["år", "styrmått", "målvärde"], ["2023", "med_telefon_samma_dag", "96"], None, None),
    (["år", "styrmått", "målvärde"], ["2023", "med_telefon_samma_dag", "98"], "mål (text)", None),
    (["år", "styrmått", "mål (text)"], ["2023", "med_telefon_samma_dag", "Minst 96 %"], None, None),
    (["år", "styrmått", "mål (text)"], ["2023", "med_telefon_samma_dag", "Öka"], "målvärde", None),
    (MAL, ["2023", "med_telefon_samma_dag", "Öka", "..", None, None], None, ("Öka", None, None, None)),
    (MAL, ["2023", "ver_aterinskrivningar_65", None, "16", None, None], "mål kvinnor", None),
    (MAL, ["2023", "ver_aterinskrivningar_65", None, "16", "..", ".."], None, (None, 16.0, None, None)),
    (MAL, ["2023", "ver_aterinskrivningar_65", None, None, "14", "16"], None, (None, None, 14.0, 16.0)),
    (["år", "styrmått", "mål kvinnor", "mål män"], ["2023", "ver_aterinskrivningar_65", "15", "17"], None, None),
    (MAL, ["2023", "ver_aterinskrivningar_65", "Minska", None, None, None], "mål kvinnor", None),
    (MAL, ["2023", "ver_aterinskrivningar_65", "Minska", None, "..", ".."], None, ("Minska", None, None, None)),
    (MAL, ["2023", "ver_aterinskrivningar_65", None, None, "..", None], "raden", None),
    (MAL, ["2023", "ver_akutbesok_80", None, None, None, None], "raden", None),
    (MAL, ["2023", "ver_akutbesok_80", "Minska", None, None, None], None, None),
    (MAL, ["2023", "ver_akutbesok_80", None, "70", None, None], "mål (text)", None),
    (MAL, ["2023", "ver_akutbesok_80", "..", "70", None, None], None, (None, 70.0, None, None)),
    (["år", "styrmått", "mål (text)"], ["2023", "ver_akutbesok_80", "inget mål"], None, ("inget mål", None, None, None)),
    (["år", "styrmått", "mål kvinnor", "mål män"], ["2023", "med_digitala_vardbesok", "42", "38"], "målvärde", None),
    (MAL, ["2023", "med_digitala_vardbesok", None, "..", "42", "38"], None, (None, None, 42.0, 38.0)),
    (MAL, ["2023", "med_digitala_vardbesok", None, "40", None, None], None, None),
    (MAL, ["2023", "ver_utskrivningsklara", None, "..", "6", "8"], ("mål kvinnor", "mål män"), None),  # not split by sex
    (MAL, ["2023", "ver_utskrivningsklara", None, "6 %", None, None], None, (None, 6.0, None, None)),
    (MAL, ["2024", "ver_utskrivningsklara", None, "6 %", None, None], None, (None, 6.0, None, None)),  # another year: new
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(("columns", "row", "refused", "after"), TARGET_CASES)
def test_a_target_keeps_what_its_row_leaves_out_or_is_refused(
    targets_stored: Path,
    kind: str,
    columns: list[str],
    row: list[object],
    refused: str | tuple[str, ...] | None,
    after: tuple[object, ...] | None,
) -> None:
    name, content = import_file(kind, "targets", columns, [row])
    before = state(targets_stored)
    plan = pipeline.prepare(targets_stored, name, content)
    if refused is not None:
        columns_refused = {refused} if isinstance(refused, str) else set(refused)
        assert problem_places(plan) == {(label(kind, "targets"), 2, c) for c in columns_refused}, pipeline.report_text(plan)
        assert_refused(targets_stored, before, plan)
        return
    assert plan.ok, pipeline.report_text(plan)
    with copy_of(targets_stored) as data:
        gone, came = apply_and_diff(data, pipeline.prepare(data, name, content))["targets"]
        if after is None:
            assert gone.is_empty() and came.is_empty()
        else:
            assert came.select("year", "measure_id", "text", "value", "women", "men").rows() == [(int(row[0]), row[1], *after)]  # type: ignore[call-overload]
            assert gone.height == (1 if row[0] == "2023" else 0)


# --- 4. a missing value replaces a stored one only when the file says so ------------------------------

MISSING_STYLES = {
    "status Missing, value null": {"status": "Missing", "value": None},
    "value null": {"status": "", "value": None},
    "value left out": {"status": ""},
    "status Missing with a number": {"status": "Missing", "value": 12.0},
    "status missing, lower case": {"status": "missing", "value": None},
}


@st.composite
def kolada_files(draw: st.DrawFn) -> tuple[bytes, bytes, list[tuple[Stored, str]]]:
    rows = draw(st.lists(st.sampled_from(YEARLY), min_size=1, max_size=6, unique_by=lambda r: r.key))
    styles = [draw(st.sampled_from(sorted(MISSING_STYLES))) for _ in rows]
    kpis = {m: f"N{i:05d}" for i, m in enumerate(sorted({r.measure_id for r in rows}))}
    orgs = {u: str(1000 + i) for i, u in enumerate(sorted({r.unit_id for r in rows}))}
    entries = [
        {
            "kpi": kpis[r.measure_id],
            "municipality": orgs[r.unit_id],
            "period": int(r.period[:4]),
            "values": [{"gender": r.sex, "count": 1, **MISSING_STYLES[style]}],
        }
        for r, style in zip(rows, styles, strict=True)
    ]
    mapping = json.dumps({"styrmått": {k: m for m, k in kpis.items()}, "enheter": {o: u for u, o in orgs.items()}})
    return json.dumps({"values": entries}).encode(), mapping.encode(), list(zip(rows, styles, strict=True))


@EXAMPLES
@given(kolada_files())
def test_kolada_missing_values_keep_the_stored_figure_and_say_so(drawn: tuple[bytes, bytes, list[tuple[Stored, str]]]) -> None:
    content, mapping, chosen = drawn
    before = state(YEARLY_DATA)
    plan = pipeline.prepare(YEARLY_DATA, "kolada.json", content, mapping=mapping)
    assert plan.ok, pipeline.report_text(plan)
    assert plan.to_write == 0
    changes = {tuple(r[k] for k in KEYS): r for r in plan.changes["observations"].iter_rows(named=True)}
    for row, _ in chosen:
        r = changes[row.key]
        assert (r["change"], r["value"], r["source"], r["decimals"]) == ("oförändrad", row.value, row.source, row.decimals)
        assert (r["numerator"], r["denominator"]) == (row.numerator, row.denominator)
        assert r["note"] == pipeline.NOTE_KOLADA_MISSING
    n = len(chosen)
    assert plan.summary().endswith(f"({n} värden saknas i Kolada; de lagrade behålls)." if n > 1 else "(1 värde saknas i Kolada; det lagrade behålls).")
    preview = pipeline.preview_table(plan, "observations", {}, {}, {})
    assert preview["Anmärkning"].to_list() == [pipeline.NOTE_KOLADA_MISSING] * n
    assert_untouched(YEARLY_DATA, before)


@WRITING
@given(kolada_files(), st.integers(1, 99))
def test_kolada_missing_values_next_to_a_real_change_leave_the_stored_rows(
    drawn: tuple[bytes, bytes, list[tuple[Stored, str]]], new_value: int
) -> None:
    content, mapping, chosen = drawn
    document, names = json.loads(content), json.loads(mapping)
    names["styrmått"]["N99999"], names["enheter"]["9999"] = "med_digitala_vardbesok", "hc_pitea"
    document["values"].append(
        {"kpi": "N99999", "municipality": "9999", "period": 2030, "values": [{"gender": "T", "status": "", "value": new_value}]}
    )
    with copy_of(YEARLY_DATA) as data:
        plan = pipeline.prepare(data, "kolada.json", json.dumps(document).encode(), mapping=json.dumps(names).encode())
        assert plan.ok, pipeline.report_text(plan)
        gone, came = apply_and_diff(data, plan)["observations"]
        assert gone.is_empty()
        assert came.select(*KEYS, "value").rows() == [("med_digitala_vardbesok", "hc_pitea", "2030-ÅR", "T", float(new_value))]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_dots_typed_in_the_value_do_erase_the_stored_figure(kind: str) -> None:
    """The explicit statement the Kolada rule waits for: .. in värde (and täljare/nämnare where stored)."""
    rows = YEARLY[::7]
    with copy_of(YEARLY_DATA) as data:
        name, content = import_file(
            kind, "observations", UTFALL + COUNTS,
            [[*r.cells(".."), *([".."] * 2 if r.numerator is not None else [None, None])] for r in rows],
        )  # fmt: skip
        gone, came = apply_and_diff(data, pipeline.prepare(data, name, content))["observations"]
        assert sorted(tuple(r[k] for k in KEYS) for r in came.iter_rows(named=True)) == sorted(r.key for r in rows)
        assert came["value"].null_count() == len(rows) and gone.height == len(rows)


# --- 6. a figure re-typed with other decimals is the same figure --------------------------------------


@st.composite
def retyped(draw: st.DrawFn) -> tuple[str, bool, list[tuple[Stored, object]]]:
    kind = draw(st.sampled_from(["csv", "xlsx", "xlsx numbers"]))
    with_source = draw(st.booleans())  # an empty källa column, or none
    rows = draw(st.lists(st.sampled_from(PUBLISHED), min_size=1, max_size=8, unique_by=lambda r: r.key))
    out: list[tuple[Stored, object]] = []
    for r in rows:
        decimals = draw(st.integers(r.decimals, 2))
        if kind == "xlsx numbers" and round(r.value, decimals) == r.value:
            out.append((r, round(r.value, decimals)))  # a number cell: Excel keeps no typed decimals
        else:
            out.append((r, typed(r.value, decimals, percent=r.share and draw(st.booleans()))))
    return kind, with_source, out


@EXAMPLES
@given(retyped())
def test_a_published_figure_retyped_with_other_decimals_keeps_its_source_and_version(
    pristine: Path, before: tuple[dict[str, int], dict[str, pl.DataFrame]], drawn: tuple[str, bool, list[tuple[Stored, object]]]
) -> None:
    kind, with_source, chosen = drawn
    header = UTFALL + (["källa"] if with_source else [])
    rows = [[*r.cells(value)] + ([None] if with_source else []) for r, value in chosen]  # type: ignore[arg-type]
    name, content = import_file("xlsx" if kind.startswith("xlsx") else "csv", "observations", header, rows)
    plan = pipeline.prepare(pristine, name, content)
    assert plan.ok, pipeline.report_text(plan)
    assert plan.to_write == 0, plan.changes["observations"].filter(pl.col("change") != "oförändrad")
    for r in plan.changes["observations"].iter_rows(named=True):
        assert (r["value"], r["decimals"], r["source"]) == (r["old_value"], r["old_decimals"], r["old_source"])
    assert_untouched(pristine, before)


@WRITING
@given(retyped(), st.integers(1, 99))
def test_retyped_figures_written_with_a_real_change_make_no_version_of_their_own(
    pristine: Path, drawn: tuple[str, bool, list[tuple[Stored, object]]], new_value: int
) -> None:
    kind, _, chosen = drawn
    rows = [r.cells(value) for r, value in chosen]  # type: ignore[arg-type]
    rows.append(["med_digitala_vardbesok", "hc_pitea", "2030-08", "T", f"{new_value} %"])
    name, content = import_file("xlsx" if kind.startswith("xlsx") else "csv", "observations", UTFALL, rows)
    with copy_of(pristine) as data:
        histories = {r.key: pipeline.value_history(data, *r.key).height for r, _ in chosen}
        gone, came = apply_and_diff(data, pipeline.prepare(data, name, content))["observations"]
        assert gone.is_empty() and came.select(*KEYS).rows() == [("med_digitala_vardbesok", "hc_pitea", "2030-08", "T")]
        for r, _ in chosen:
            assert pipeline.value_history(data, *r.key).height == histories[r.key]


@pytest.mark.parametrize(
    ("typed_value", "change", "decimals"),
    [("16", "oförändrad", 0), ("16,0", "oförändrad", 0), ("16,00", "oförändrad", 0), ("16,0 %", "oförändrad", 0),
     (16.0, "oförändrad", 0), ("16,4", "ändrad", 1), ("15,96", "ändrad", 2), ("16,01", "ändrad", 2),
     (16.4, "ändrad", 1), (16.04, "ändrad", 1), (16.000000000000004, "oförändrad", 0)],  # number cells: their own digits count
)  # fmt: skip
def test_the_issues_example_16_and_16_0_are_one_figure(pristine: Path, typed_value: object, change: str, decimals: int) -> None:
    stored = next(r for r in PUBLISHED if r.key == ("med_halsosamtal_40", "div_nara", "2019-ÅR", "K"))
    assert (stored.value, stored.decimals) == (16.0, 0)
    name, content = import_file("xlsx", "observations", UTFALL, [stored.cells(typed_value)])  # type: ignore[arg-type]
    row = pipeline.prepare(pristine, name, content).changes["observations"].row(0, named=True)
    assert (row["change"], row["decimals"]) == (change, decimals)
    assert row["source"] == (stored.source if change == "oförändrad" else "Inläsning av mall.xlsx")


@EXAMPLES
@given(st.lists(st.sampled_from([r for r in YEARLY if r.share and r.numerator is not None]), min_size=1, max_size=4, unique_by=lambda r: r.key))
def test_a_kolada_share_that_its_stored_counts_contradict_is_refused_with_what_kolada_cannot_give(rows: list[Stored]) -> None:
    """A Kolada file has no täljare or nämnare: the refusal says to use the template, not to add them to the file."""
    kpis = {m: f"N{i:05d}" for i, m in enumerate(sorted({r.measure_id for r in rows}))}
    orgs = {u: str(1000 + i) for i, u in enumerate(sorted({r.unit_id for r in rows}))}
    entries = [
        {"kpi": kpis[r.measure_id], "municipality": orgs[r.unit_id], "period": int(r.period[:4]),
         "values": [{"gender": r.sex, "status": "", "value": (r.value + 7.3) % 100}]}
        for r in rows
    ]  # fmt: skip
    mapping = json.dumps({"styrmått": {k: m for m, k in kpis.items()}, "enheter": {o: u for u, o in orgs.items()}})
    before = state(YEARLY_DATA)
    plan = pipeline.prepare(YEARLY_DATA, "kolada.json", json.dumps({"values": entries}).encode(), mapping=mapping.encode())
    assert not plan.ok and len(plan.problems) == len(rows)
    for problem in plan.problems:
        assert problem.column == "täljare"
        assert "Kolada ger bara värdet, inte täljare och nämnare" in problem.expected
        assert "mallen (Utfall)" in problem.expected and "ange dem" not in problem.expected
    assert_untouched(YEARLY_DATA, before)
