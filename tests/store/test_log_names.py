"""Issue 14, class 14: names written into the import log are stored and shown on one clean line.

Who imported (``--user``, the page's name field) and which file are typed or chosen by people and
printed one entry per line by ``python -m kpi imports``. ``kpi.store.journal.log_text`` is applied
when they are stored (the log, the commit messages, the lock note) and again when shown (the log
table, ``history``, ``value-history``): line and paragraph breaks and tabs become a space; every
other control character (so every ANSI escape), every invisible format character (bidi
overrides, isolates, marks, zero-width spaces) and lone surrogates become ``�``; the text is
NFC-normalised and cut to a limit. Generated over arbitrary Unicode text with Hypothesis.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.imports import pipeline
from kpi.store.journal import FILE_NAME_LIMIT, NAME_LIMIT, log_text

UNSAFE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def _clean(text: str) -> bool:
    return not [c for c in text if unicodedata.category(c) in UNSAFE and c not in "\u200c\u200d"]


@given(st.text())
def test_any_text_becomes_one_clean_line(text: str) -> None:
    shown = log_text(text)
    assert _clean(shown) and "\n" not in shown and "\r" not in shown
    assert len(shown) <= NAME_LIMIT and shown == shown.strip()
    assert log_text(shown) == shown  # stable: cleaning twice (stored, then shown) changes nothing more


@given(st.text(alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs")), max_size=60))
def test_ordinary_names_are_kept(text: str) -> None:
    shown = log_text(text)
    assert shown.split() == unicodedata.normalize("NFC", text).split()  # only runs of spaces are touched


CASES = [
    ("Anna\nBo", "Anna Bo"),
    ("Anna\r\nBo", "Anna Bo"),
    ("Anna\tAnalytiker", "Anna Analytiker"),
    ("\x1b[31mAnna\x1b[0m", "\ufffd[31mAnna\ufffd[0m"),
    ("Anna\x9b31m", "Anna\ufffd31m"),
    ("fil\u202efdp.exe", "fil\ufffdfdp.exe"),
    ("\u2066Anna\u2069", "\ufffdAnna\ufffd"),
    ("Åsa Öberg", "Åsa Öberg"),
    ("A\u030asa O\u0308berg", "Åsa Öberg"),  # macOS file names: decomposed
    ("Ann‐Christin O’Neill-Åström", "Ann‐Christin O’Neill-Åström"),
    ("👩\u200d💻 Anna", "👩\u200d💻 Anna"),  # the joiner stays: it cannot move or hide text
    ("  Anna   Bo  ", "Anna Bo"),
    ("Anna\x00Bo\x07", "Anna\ufffdBo\ufffd"),
    ("", ""),
]


@pytest.mark.parametrize(("typed", "stored"), CASES)
def test_the_rule_by_example(typed: str, stored: str) -> None:
    assert log_text(typed) == stored


def test_long_names_are_cut() -> None:
    assert log_text("x" * 500) == "x" * (NAME_LIMIT - 1) + "…"
    assert len(log_text("y" * 500, FILE_NAME_LIMIT)) == FILE_NAME_LIMIT


def test_the_log_table_cleans_entries_stored_before_the_rule() -> None:
    """An entry written by an older version, or another tool, is shown on one line too."""
    from datetime import UTC, datetime

    log = pl.DataFrame(
        [
            {
                "import_id": "20261122-101500-3acc37",
                "file_name": "a.csv\n20991231  Admin  allt.csv",
                "user": "\x1b[2JAnna\u202e",
                "imported_at": datetime(2026, 11, 22, 10, 15, tzinfo=UTC),
                "summary": "1 nytt utfall.\r",
                "status": "ångrad",
                "undone_at": datetime(2026, 11, 22, 11, 0, tzinfo=UTC),
                "undone_by": "Bo\nCecilia",
            }
        ]
    )
    table = pipeline.log_table(log)
    for value in table.row(0):
        assert _clean(value) and "\n" not in value


def test_names_are_clean_where_they_are_stored(tmp_path: Path) -> None:
    import shutil

    from kpi.store.delta import Store

    data = shutil.copytree(Path(__file__).resolve().parents[2] / "data", tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    content = (data / "exempel" / "utfall.csv").read_bytes()
    plan = pipeline.prepare(data, "fil\u202e.csv", content)
    record = pipeline.apply(data, plan, user="Anna\n\x1b[31mBo")
    entry = Store(data / "store").read("imports").row(0, named=True)
    assert entry["user"] == "Anna \ufffd[31mBo" and entry["file_name"] == "fil\ufffd.csv"
    message = Store(data / "store").history("observations")["message"].to_list()[-1]
    assert _clean(message) and record.import_id in message
