"""The global filters: year, report period, organisation and sex, in the sidebar and the URL.

The filters are widgets drawn by the frame on every run, so they survive a page change. The link
carries them as short, readable parameters (``?ar=2022&period=DÅ08&org=hc_hortlax&kon=kvinnor``)
so that a copied URL opens the same view. Streamlit's own ``bind="query-params"`` would put the
display labels (with the tree's indentation) in the link, so the link is kept in step here.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from kpi.model.periods import Period, parse_period
from kpi.model.view import REPORTS, SEX_CODES, Sex, View, read_link
from kpi.texts.legend import DEMO_TEXT
from ui import data
from ui.navigation import CARRIED

_REPORT_LABELS = {"DÅ04": "DÅ04 – delår jan–apr", "DÅ08": "DÅ08 – delår jan–aug", "ÅR": "ÅR – helår"} | {
    f"{m:02d}": f"Månad: {name}" for m, name in enumerate(("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"), start=1)
}
_SEX_LABELS = {"alla": "Alla", "kvinnor": "Kvinnor", "män": "Män"}


@dataclass(frozen=True)
class Filters:
    """The sidebar's choice, read once per run: the widgets' values and the view they make."""

    year: int
    report: str
    unit_id: str
    unit_name: str
    sex_choice: str
    period: Period  # parsed once, here at the edge; everything below takes the Period

    @classmethod
    def read(cls, year: int, report: str, unit_id: str, unit_name: str, sex_choice: str) -> Filters:
        return cls(year, report, unit_id, unit_name, sex_choice, parse_period(f"{year}-{report}"))

    @property
    def sex(self) -> Sex:
        return SEX_CODES[self.sex_choice]

    @property
    def view(self) -> View:
        """The organisation, period and sex chosen: what the page shows."""
        return View(self.unit_id, self.period, self.sex)

    def view_for(self, *, unit_id: str | None = None, sex: Sex | None = None) -> View:
        """The same period with another organisation or sex (a measure not split by sex is shown in total)."""
        return View(unit_id or self.unit_id, self.period, sex or self.sex)

    @property
    def period_label(self) -> str:
        return self.period.label

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def heading(self) -> str:
        sex = "" if self.sex == "T" else f" · {self.sex_choice}"
        return f"{self.unit_name} · {self.period_label}{sex}"


GLOBAL_PARAMS = ("ar", "period", "org", "kon")


DENIED_KEY = "_denied_unit"


def _from_url(years: list[int], names: dict[str, str], allowed: dict[str, str]) -> list[str]:
    """On a session's first run, put the link's filters into the widgets; return what was wrong.

    A link to a unit outside the person's scope is not followed: the unit is remembered in
    ``DENIED_KEY`` and the page says "Du har inte behörighet till …" instead of showing figures."""
    if st.session_state.get("_url_read"):
        return []
    st.session_state["_url_read"] = True
    params = st.query_params
    # The page's own parameters are read by the page, after the frame has tidied the link.
    st.session_state["_link_params"] = {k: params.get(k) for k in params if k not in GLOBAL_PARAMS}
    choice = read_link({k: params.get(k) for k in params}, years, names)
    if choice.unit_id is not None and choice.unit_id not in allowed:
        st.session_state[DENIED_KEY] = names.get(choice.unit_id, choice.unit_id)
        choice.unit_id = None
    for key, value in (("f_ar", choice.year), ("f_period", choice.report), ("f_org", choice.unit_id), ("f_kon", choice.sex)):
        if value is not None:
            st.session_state[key] = value
    return choice.problems


def _to_url(values: dict[str, str]) -> None:
    """Keep the link equal to the view: global filters plus the page's own parameters."""
    for name in list(st.query_params.keys()):
        if name not in values and name in GLOBAL_PARAMS:
            del st.query_params[name]
    for name, value in values.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value


def clear_page_params() -> None:
    """Drop parameters that belong to another page; the page in view sets its own again."""
    for name in list(st.query_params.keys()):
        if name not in GLOBAL_PARAMS:
            del st.query_params[name]


def page_choice(name: str, options: list[str], default: str) -> str:
    """A page's own choice (``matt``, ``perspektiv``): from the session, else the link, else
    ``default``; written back to the link."""
    key = f"_choice_{name}"
    chosen = st.session_state.get(key)
    if chosen not in options:
        chosen = st.session_state.get("_link_params", {}).pop(name, None)
    if chosen not in options:
        chosen = default
    st.session_state[key] = chosen
    st.query_params[name] = chosen
    return chosen


def set_page_choice(name: str, value: str) -> None:
    st.session_state[f"_choice_{name}"] = value


def sidebar_filters() -> Filters:
    """Draw the filters in the sidebar, keep the link in step, and return the current choice."""
    dataset = data.dataset()
    opening = data.opening_period()
    years = dataset.years
    names, labels = data.unit_names(), data.picker_labels()  # only the units in the person's scope
    unit_ids = list(labels)
    problems = _from_url(years, names, labels)
    st.session_state.update(st.session_state.pop(CARRIED, {}))  # across a page opened by a click (ui.navigation)
    if st.session_state.get("f_org") is not None and st.session_state["f_org"] not in labels:
        st.session_state[DENIED_KEY] = names.get(st.session_state["f_org"], st.session_state["f_org"])
        del st.session_state["f_org"]
    st.session_state.setdefault("f_ar", opening.year if opening.year in years else years[-1])
    st.session_state.setdefault("f_period", opening.id[5:])
    if not unit_ids:  # no unit in scope: ui.identity has already explained and stopped; never reached
        st.stop()
    st.session_state.setdefault("f_org", "div_nara" if "div_nara" in labels else unit_ids[0])
    st.session_state.setdefault("f_kon", "alla")

    with st.sidebar:
        st.markdown("**Urval**")
        year = st.selectbox("År", years, key="f_ar", placeholder="Välj år")
        report = st.selectbox(
            "Rapport",
            REPORTS,
            format_func=_REPORT_LABELS.__getitem__,
            key="f_period",
            placeholder="Välj rapport",
            help="DÅ04 och DÅ08 är delårsrapporterna per april och augusti (tertial 1 och 2), ÅR är årsrapporten.",
        )
        unit_id = st.selectbox(
            "Organisation",
            unit_ids,
            format_func=labels.__getitem__,
            key="f_org",
            placeholder="Sök enhet",
            help="Division, verksamhetsområde, hälsocentral eller tandvårdsklinik. Skriv för att söka.",
        )
        sex_choice = st.segmented_control("Kön", list(SEX_CODES), format_func=_SEX_LABELS.__getitem__, key="f_kon", required=True)
        st.caption(
            f"**{DEMO_TEXT}:** värden märkta demodata är genererade för att visa hur Styrkort fungerar. "
            "Värden ur delårsrapporten per augusti 2022 visas som de publicerades, med källa."
        )
    if problems:
        st.warning("Länken kunde inte läsas helt: " + "; ".join(problems) + ". Övriga val visas som vanligt.", icon=":material/link_off:")
    sex_choice = sex_choice or "alla"
    _to_url({"ar": str(year), "period": str(report), "org": unit_id, "kon": sex_choice})
    return Filters.read(int(year), str(report), unit_id, names[unit_id], sex_choice)


def current() -> Filters:
    """The filters as drawn by the frame in this run; pages call this."""
    state = st.session_state
    if not state.get("_frame_drawn"):
        _leave_pages_folder_mode()
    names = data.unit_names()
    unit_id = state["f_org"]
    return Filters.read(int(state["f_ar"]), str(state["f_period"]), unit_id, names.get(unit_id, unit_id), state.get("f_kon") or "alla")


def _leave_pages_folder_mode() -> None:
    """Run the frame when Streamlit ran a page on its own.

    A server that sees a ``pages/`` folder starts in its legacy multipage mode, and the very first
    request for ``/samhalle`` then runs ``pages/samhalle.py`` without ``app.py``: no filters, no
    navigation. (AppTest re-enters that mode on every run.) ``st.navigation`` ends the mode, but
    only once ``app.py`` has run, so the page switches it off and reruns; the URL is kept.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()
