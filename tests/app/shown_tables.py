"""The measure tables a page shows (``ui.tables``), read back from their HTML as pandas frames."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest


class _TableReader(HTMLParser):
    """Columns by their ``data-column`` (the table's own names), the shown headings, and one row per
    measure with its ``measure_id``, the group row (``Framgångsfaktor``) above it and its sparkline's
    words (``Över tid``, from the line's accessible name; its text is not part of the cell's)."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.headings: list[str] = []
        self.rows: list[dict[str, str]] = []
        self._cells: list[str] | None = None
        self._text: list[str] | None = None
        self._group: str | None = None
        self._in_group = False
        self._measure: str | None = None
        self._in_head = False
        self._line: str | None = None
        self._in_line = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "thead":
            self._in_head = True
        elif tag == "svg":
            self._line, self._in_line = found.get("aria-label"), True
        elif tag == "tr":
            self._cells, self._measure, self._line = [], None, None
            self._in_group = "styrkort-group" in (found.get("class") or "")
        elif tag in ("th", "td"):
            self._text = []
            if self._in_head:
                self.columns.append(found.get("data-column") or "")
        elif tag == "a" and found.get("data-measure"):
            self._measure = found["data-measure"]

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._in_line:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_line = False
        elif tag in ("th", "td") and self._text is not None:
            text = "".join(self._text).replace("\u00ad", "")
            if self._in_head:
                self.headings.append(text)
            elif self._in_group:
                self._group = text
            elif self._cells is not None:
                self._cells.append(text)
            self._text = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._cells and not self._in_head and not self._in_group:
            row = {"measure_id": self._measure or ""} | ({"Framgångsfaktor": self._group} if self._group is not None else {})
            self.rows.append(row | dict(zip(self.columns, self._cells)) | {"Över tid": self._line})


def read_table(markup: str) -> pd.DataFrame:
    reader = _TableReader()
    reader.feed(markup)
    frame = pd.DataFrame(reader.rows)
    frame.attrs["headings"] = reader.headings
    return frame


def shown_tables(app: AppTest) -> list[pd.DataFrame]:
    """Every measure table on the page, in order; ``frame.attrs["headings"]`` holds the headings shown."""
    return [read_table(json.loads(e.proto.json)["html"]) for e in app.get("bidi_component") if e.proto.component_name == "styrkort_measure_table"]


def shown_charts(app: AppTest) -> list[str]:
    """The markup of every server-drawn chart (``ui.trend_chart``) on the page."""
    return [json.loads(e.proto.json)["html"] for e in app.get("bidi_component") if e.proto.component_name == "styrkort_chart"]
