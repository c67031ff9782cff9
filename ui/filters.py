"""The global filters: year, report period, organisation and sex, in the sidebar and the URL.

Each filter is a widget bound to a query parameter (``bind="query-params"``), so a copied link
opens the same view and the choice survives a page change. The parameter names are Swedish and
short because people read and share them: ``ar``, ``period``, ``org``, ``kon``.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from kpi.legend import DEMO_TEXT
from kpi.periods import parse_period
from kpi.scorecard import Sex
from ui import data

REPORTS = ("DÅ04", "DÅ08", "ÅR") + tuple(f"{m:02d}" for m in range(1, 13))
_REPORT_LABELS = {"DÅ04": "DÅ04 – delår jan–apr", "DÅ08": "DÅ08 – delår jan–aug", "ÅR": "ÅR – helår"} | {
    f"{m:02d}": f"Månad: {name}" for m, name in enumerate(("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"), start=1)
}
SEXES: dict[str, Sex] = {"alla": "T", "kvinnor": "K", "män": "M"}
_SEX_LABELS = {"alla": "Alla", "kvinnor": "Kvinnor", "män": "Män"}


@dataclass(frozen=True)
class Filters:
    year: int
    report: str
    unit_id: str
    unit_name: str
    sex_choice: str

    @property
    def period(self) -> str:
        return f"{self.year}-{self.report}"

    @property
    def sex(self) -> Sex:
        return SEXES[self.sex_choice]

    @property
    def period_label(self) -> str:
        return parse_period(self.period).label

    @property
    def kind(self) -> str:
        return parse_period(self.period).kind

    @property
    def heading(self) -> str:
        sex = "" if self.sex == "T" else f" · {self.sex_choice}"
        return f"{self.unit_name} · {self.period_label}{sex}"


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar and return the current choice."""
    dataset = data.dataset()
    opening = parse_period(data.opening_period())
    years = dataset.years
    tree = data.units_in_tree_order()
    labels = {u.unit_id: u.picker_label for u in tree}
    names = {u.unit_id: u.name for u in tree}
    unit_ids = list(labels)
    default_unit = unit_ids.index("div_nara") if "div_nara" in labels else 0

    with st.sidebar:
        st.markdown("**Urval**")
        year = st.selectbox("År", years, index=years.index(opening.year) if opening.year in years else len(years) - 1, key="ar", bind="query-params")
        report = st.selectbox(
            "Rapport",
            REPORTS,
            index=REPORTS.index(opening.id[5:]),
            format_func=_REPORT_LABELS.__getitem__,
            key="period",
            bind="query-params",
            help="DÅ04 och DÅ08 är delårsrapporterna per april och augusti (tertial 1 och 2), ÅR är årsrapporten.",
        )
        unit_id = st.selectbox(
            "Organisation",
            unit_ids,
            index=default_unit,
            format_func=labels.__getitem__,
            key="org",
            bind="query-params",
            help="Division, verksamhetsområde, hälsocentral eller tandvårdsklinik. Skriv för att söka.",
        )
        sex_choice = st.segmented_control(
            "Kön", list(SEXES), default="alla", format_func=_SEX_LABELS.__getitem__, key="kon", bind="query-params", required=True
        )
        st.caption(
            f"**{DEMO_TEXT}:** värden märkta demodata är genererade för att visa hur Styrkort fungerar. "
            "Värden ur delårsrapporten per augusti 2022 visas som de publicerades, med källa."
        )
    return Filters(year=int(year), report=str(report), unit_id=unit_id, unit_name=names[unit_id], sex_choice=sex_choice or "alla")


def current() -> Filters:
    """The filters as drawn by the frame in this run; pages call this."""
    state = st.session_state
    names = {u.unit_id: u.name for u in data.units_in_tree_order()}
    unit_id = state["org"]
    return Filters(year=int(state["ar"]), report=str(state["period"]), unit_id=unit_id, unit_name=names.get(unit_id, unit_id), sex_choice=state.get("kon") or "alla")
