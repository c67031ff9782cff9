"""The measure tables' markup (ui.tables): whole names as links that open the measure, groups as in
the report, every text escaped."""

from __future__ import annotations

import pyarrow as pa

from tests.app.shown_tables import read_table
from ui.tables import measure_link, sparkline, table_markup

LONG = "Andel som deltagit vid hälsosamtal i primärvård av 40-, 50-, 60-åringar i befolkningen – 50-åringar"
TABLE = pa.table({
    "measure_id": ["med_a", "med_b", "med_c"],
    "Framgångsfaktor": ["Jämlik vård", "Jämlik vård", "Tillgänglighet <snabb>"],
    "Styrmått": [LONG, "Kort & gott", "Telefon"],
    "Mål": ["43 000 på helår", "35 %", None],
    "Måluppfyllelse": ["↘ försämrad", "✓ uppfyllt", "– ej bedömd"],
})  # fmt: skip
PARAMS = {"ar": "2022", "period": "DÅ08", "org": "vo_pitea", "kon": "alla"}


def markup() -> str:
    return table_markup(TABLE, columns=["Framgångsfaktor", "Styrmått", "Mål", "Måluppfyllelse"], caption="Medborgare", params=PARAMS)


def test_each_name_is_a_whole_link_to_the_measure_with_the_filters() -> None:
    shown = markup()
    assert f">{LONG}</a></th>" in shown  # the whole name, never cut
    assert '<th scope="row"><a href="styrmatt?matt=med_a&amp;ar=2022&amp;period=D%C3%8508&amp;org=vo_pitea&amp;kon=alla" data-measure="med_a">' in shown
    assert measure_link("med_b", {"org": "hc_hortlax"}) == "styrmatt?matt=med_b&org=hc_hortlax"


def test_success_factors_are_group_rows_and_every_text_is_escaped() -> None:
    frame = read_table(markup())
    assert frame["measure_id"].tolist() == ["med_a", "med_b", "med_c"]
    assert frame["Framgångsfaktor"].tolist() == ["Jämlik vård", "Jämlik vård", "Tillgänglighet <snabb>"]
    assert frame.attrs["headings"] == ["Styrmått", "Mål", "Måluppfyllelse"]
    assert frame["Mål"].tolist() == ["43 000 på helår", "35 %", "–"]  # a missing target reads –
    shown = markup()
    assert shown.count('<tr class="styrkort-group">') == 2
    assert "&lt;snabb&gt;" in shown and "Kort &amp; gott" in shown and "<snabb>" not in shown
    # A verdict's symbol stays with its word, a number's digit groups together.
    assert '<span class="styrkort-nowrap">↘ försämrad</span>' in shown and '<span class="styrkort-nowrap">43 000</span> på helår' in shown


def test_a_sparkline_breaks_at_a_missing_value_rings_demo_values_and_is_named() -> None:
    line = sparkline([80.0, 82.0, None, 79.0, 81.0], [False, True, False, False, False], "DÅ08 2018–DÅ08 2022: …")
    assert line.count("<polyline") == 2  # a gap, never a drop to 0
    assert line.count('class="styrkort-spark-demo"') == 1 and line.count('class="styrkort-spark-last"') == 1
    assert 'role="img" aria-label="DÅ08 2018–DÅ08 2022: …"' in line and "<title>DÅ08 2018–DÅ08 2022: …</title>" in line
    assert sparkline([81.0], [False], "DÅ08 2022: 81 %") == ""  # one value is the cell's own: no line


def test_the_sparkline_is_drawn_under_the_period_s_value() -> None:
    lines = [sparkline([1.0, 2.0], [False, False], f"linje {i}") for i in range(3)]
    frame = read_table(
        table_markup(TABLE, columns=["Styrmått", "Mål"], caption="Medborgare", params=PARAMS, below=("Mål", lines))
    )
    assert frame["Över tid"].tolist() == ["linje 0", "linje 1", "linje 2"]
    assert frame["Mål"].tolist() == ["43 000 på helår", "35 %", "–"]  # the cell's text is still its own
