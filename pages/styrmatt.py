"""Styrmått: one measure in depth: over time, women and men, units compared, analysis and numbers."""

from __future__ import annotations

import streamlit as st

from kpi.evaluation.comparison import summarise_comparison
from kpi.model.formatting import format_points, format_value
from kpi.reports.files import to_csv, to_xlsx
from kpi.reports.narrative import analysis_for, shows_spread, states_units_meeting
from kpi.reports.pack import unit_noun
from kpi.signals.forecast import forecast_note, forecast_text
from kpi.signals.variation import assurance_explanation, funnel_summary, signal_lines, through_month, variation_explanation
from kpi.texts.display import comparison_text, outcome_text, series_tables, short_period, source_text
from kpi.texts.legend import ACTION_STATUS, ASSURANCE, ATTAINMENT, TREND, VARIATION
from ui import data, figures, trend_chart
from ui.components import Card, cards, demo_notice, funnel_expander, spc_expander
from ui.filters import current, page_choice, set_page_choice
from ui.navigation import MEASURE_PAGE, request_open
from ui.writing import analysis_editor


def _reporting_units(m: object) -> str:
    plural = {"hälsocentral": "hälsocentraler", "tandvårdsklinik": "tandvårdskliniker"}
    names = [plural[t.value] for t in m.reported_by if t.value in plural]  # type: ignore[attr-defined]
    return " och ".join(names).capitalize() if names else "Enheter"


filters = current()
catalogue = data.catalogue(filters.year)
rows = list(catalogue.rows())
labels = {m.id: f"{p.name} · {m.name}" for p, _, m in rows}
ids = list(labels)
asked = st.session_state.get("_link_params", {}).get("matt")
chosen = page_choice("matt", ids, ids[0])
if asked is not None and asked not in ids:
    st.warning(f"Styrmåttet ”{asked}” i länken finns inte i katalogen för {filters.year}; välj ett styrmått nedan.", icon=":material/link_off:")
measure_id = st.selectbox("Styrmått", ids, index=ids.index(chosen), format_func=labels.__getitem__, help="Skriv för att söka bland styrmåtten.", placeholder="Sök styrmått")
if measure_id != chosen:
    set_page_choice("matt", measure_id)
    st.rerun()
perspective, factor, measure = next((p, f, m) for p, f, m in rows if m.id == measure_id)

row = data.measure_row_for(filters.view, measure_id)
unit, decimals = row["unit"], int(row["decimals"]) if row["decimals"] is not None else measure.decimals

st.subheader(measure.name, anchor=False)
st.caption(f"{perspective.name} › {factor.name} · {filters.heading}")

target_effective = format_value(row["target_effective"], unit, decimals) if row["target_effective"] is not None else None
badge, trend = ATTAINMENT[row["attainment"]], TREND[row["trend"]]
cards(
    Card("Periodens utfall", outcome_text(row, filters.sex)),
    Card(
        "Mål", row["target"] or "inget mål",
        (f"För perioden: {target_effective}",) if target_effective and measure.target.kind in ("annual_volume", "relative_change", "direction") else (),
    ),
    Card("Måluppfyllelse", f"{badge.symbol} {badge.word}"),
    Card(
        "Utveckling", f"{trend.symbol} {trend.word}",
        (f"Jämfört med {comparison_text(row)}" if row["comparison_value"] is not None else "Inget jämförbart värde för samma period året innan eller perioden före.",),
    ),
)  # fmt: skip

kinds = [filters.kind] + (["månad"] if measure.monthly and filters.kind != "månad" else [])
kind = st.session_state.get("sm_kind") if st.session_state.get("sm_kind") in kinds else kinds[0]
series = data.series_for(measure_id, filters.unit_id, kind)
shown_demo = bool(row["is_demo"]) and row["value"] is not None
demo_notice(shown_demo or data.series_has_demo(measure_id, filters.unit_id, kind))
st.caption(f"Källa: {source_text(row['source'], shown_demo)}. Uppföljning: {row['follow_up'].replace(',', ', ')}.")

spc_sex = filters.sex if measure.split_by_sex else "T"


def over_time() -> None:
    if filters.sex != "T" and not measure.split_by_sex:
        st.info(f"Styrmåttet är inte uppdelat på kön; diagrammet visar totalen i stället för {filters.sex_choice}.")
    st.segmented_control(
        "Visa", kinds, default=kinds[0], key="sm_kind", required=True, persist_state="page",
        format_func=lambda k: "Månad för månad" if k == "månad" else f"Varje {k}" if k != "ÅR" else "Varje helår",
    )  # fmt: skip
    if series.is_empty():
        st.info("Det finns inga värden för styrmåttet för den här organisationen.")
    else:
        trend_chart.show(
            figures.trend(measure_id, filters.unit_id, kind, sex=spc_sex, unit=unit, decimals=decimals, period=filters.period.id, comparison_period=row["comparison_period"]),
            key="sm_trend",
        )
        st.caption("Heldragen linje: utfall; streckad: målet för perioden. Vald period har större punkt och sitt värde utskrivet; håll pekaren över en punkt för dess värde. Öppen ring betyder demodata.")
    forecast = data.forecast_on(measure_id, filters.view_for(sex=spc_sex))
    if forecast is not None:
        with st.container(border=True):
            st.markdown("**Prognos för helåret**")
            st.markdown(forecast_text(forecast, unit, decimals))
            st.caption(forecast_note(forecast, unit, decimals))


def control_chart() -> None:
    if not measure.monthly:
        st.info("Styrmåttet följs inte upp per månad. Ett styrdiagram behöver månadsvärden.")
    else:
        spc_key = f"sm_spc_from_{measure_id}"  # a month chosen for one measure is not carried to the next
        spc_choice = st.session_state.get(spc_key)
        spc = data.measure_spc_for(measure_id, filters.view_for(sex=spc_sex), spc_choice)
        if spc is None:
            st.info(f"Det finns inga månadsvärden för {filters.unit_name} fram till {short_period(through_month(filters.period))}.")
        else:
            if filters.sex != "T" and not measure.split_by_sex:
                st.info(f"Styrmåttet är inte uppdelat på kön; styrdiagrammet visar totalen i stället för {filters.sex_choice}.")
            variation_badge, assurance_badge = VARIATION[spc.variation], ASSURANCE[spc.assurance]
            demo = " (demodata)" if spc.is_demo else ""
            cards(
                Card(f"Variation, senaste månaden ({short_period(spc.last_period)})", f"{variation_badge.symbol} {variation_badge.word}{demo}", (variation_explanation(spc),)),
                Card("Målsäkerhet: når arbetet, som det fungerar nu, målet?", f"{assurance_badge.symbol} {assurance_badge.word}{demo}", (assurance_explanation(spc, unit, decimals),)),
            )  # fmt: skip
            chart = figures.control_chart(measure_id, filters.view_for(sex=spc_sex), spc_choice, unit=unit, decimals=decimals)
            st.plotly_chart(chart, config={"displayModeBar": False}, key="sm_spc_chart")
            months = spc.points["period"].to_list()
            choices = [None, *months[1:]]
            st.selectbox(
                "Beräkna om gränserna från",
                choices,
                index=choices.index(spc_choice) if spc_choice in choices else 0,
                format_func=lambda m: "ingen vald månad (baslinjen och registrerade förändringar gäller)" if m is None else short_period(m),
                key=spc_key,
                persist_state="page",
                help="Efter en förändring i arbetssättet: mittlinje och gränser räknas om med månaderna från den valda månaden som ny baslinje.",
            )
            for line in signal_lines(spc):
                st.markdown(line)
            if spc.has_gaps:
                st.caption("Glapp i linjen: månader som saknas eller är skyddade (för få patienter). De räknas aldrig som 0.")
            if spc.starts:
                st.caption(" ".join(f"{short_period(s.first_month)}: {s.label} – mittlinje och gränser räknas om därifrån." for s in spc.starts))
            if spc.is_demo:
                st.caption("Månadsvärdena är demodata (genererade, inte publicerade); öppna markörer i diagrammet.")
        spc_expander()


def women_and_men() -> None:
    if not measure.split_by_sex:
        st.info("Styrmåttet är inte uppdelat på kön i rapporten (uppdelning per kön saknas).")
    else:
        full = data.measure_row_for(filters.view_for(sex="T"), measure_id)
        by_sex_demo = " (demodata)" if full["is_demo"] and (full["value_women"] is not None or full["value_men"] is not None) else ""
        gap = full["gender_gap_pp"]
        cards(
            Card("Kvinnor", format_value(full["value_women"], unit, decimals, masked=bool(full["masked_women"])) + by_sex_demo),
            Card("Män", format_value(full["value_men"], unit, decimals, masked=bool(full["masked_men"])) + by_sex_demo),
            Card("Skillnad kvinnor − män", format_points(gap, 1) if gap is not None else ("ej tillämpligt" if unit != "%" else "uppgift saknas")),
        )
        if full["gender_gap_flag"]:
            st.warning(f"Skillnaden mellan kvinnor och män är större än {format_points(data.dataset().settings.gender_gap_threshold_pp, 1).lstrip('+')}: följ upp om den är omotiverad.", icon=":material/flag:")
        if series.height:
            st.plotly_chart(figures.by_sex(measure_id, filters.unit_id, kind, unit=unit, decimals=decimals), config={"displayModeBar": False}, key="sm_sex")


def units_compared() -> None:
    compared_view = filters.view_for(sex=spc_sex)
    owner, compared = data.compared_units_for(measure_id, compared_view)
    owner_name = data.unit_names().get(owner, owner)
    bars = summarise_comparison(compared)
    if not bars.drawn:
        st.info(f"Det finns inga värden per enhet under {owner_name} för den här perioden.")
    else:
        spread = data.measure_row_for(filters.view_for(unit_id=owner), measure_id)
        st.markdown(
            f"**Staplarna:** {bars.drawn} enheter under {owner_name}, lägst {format_value(bars.lowest, unit, decimals)}, "
            f"högst {format_value(bars.highest, unit, decimals)}."
        )
        if spread["units_with_value"] and shows_spread(spread, filters.sex):
            meeting = f"{spread['units_meeting_target']} av {spread['units_with_value']} når målet; " if states_units_meeting(spread) else ""
            st.markdown(
                f"**{_reporting_units(measure)} under {owner_name}:** {meeting}"
                f"lägst {format_value(spread['spread_min'], unit, decimals)}, högst {format_value(spread['spread_max'], unit, decimals)}."
            )

        def drill() -> None:
            points = st.session_state["sm_units"].selection.points
            if points:
                request_open(MEASURE_PAGE, unit_id=points[0]["customdata"])

        funnel, no_funnel = data.funnel_for(measure_id, compared_view)
        bars_column, funnel_column = st.columns(2, gap="large") if funnel is not None else (st.container(), None)
        with bars_column:
            st.markdown("**Sorterade staplar**")
            st.plotly_chart(
                # One target line only where every unit has the same target ("Öka" compares each with its own past).
                figures.sorted_bars(measure_id, compared_view, unit=unit, decimals=decimals, target=bars.common_target, room=1.18 if funnel is None else 1.6),
                config={"displayModeBar": False},
                key="sm_units",
                on_select=drill,
                selection_mode="points",
            )
            notes = ["Klicka på en stapel för att gå till den enheten."]
            if bars.masked_names:
                notes.append(f"Skyddat (för få): {', '.join(bars.masked_names)}.")
            if bars.missing_names:
                notes.append(f"Uppgift saknas: {', '.join(bars.missing_names)}.")
            if bars.any_demo:
                notes.append("Randiga staplar och ”demo” är demodata.")
            st.caption(" ".join(notes))
        if funnel is not None and funnel_column is not None:
            with funnel_column:
                st.markdown("**Trattdiagram: skillnad eller slump?**")
                st.plotly_chart(
                    figures.funnel(measure_id, compared_view, unit=unit, decimals=decimals, selected=filters.unit_id),
                    config={"displayModeBar": False},
                    key="sm_funnel",
                )
                st.caption(funnel_summary(funnel))
        elif no_funnel is not None:
            st.caption(no_funnel)
        funnel_expander()


def analysis_and_actions() -> None:
    note = data.comment(measure_id, filters.view)
    reported_by = {t.value for t in measure.reported_by}
    applies = bool(data.reporting_types().get(filters.unit_id, frozenset()) & reported_by)
    written = analysis_for(row, note, sex=filters.sex, units=unit_noun(tuple(t.value for t in measure.reported_by)), applies=applies)
    st.subheader("Analys", anchor=False)
    if written.is_own:
        own, generated = st.columns([3, 2], gap="large")
        with own:
            st.markdown(written.text)
            st.caption(f"{note['author']} · {'demodata' if note['is_demo'] else note['source']}")  # type: ignore[index]
        with generated.container(border=True):
            st.caption("Automatisk text utifrån siffrorna")
            st.markdown(written.generated)
    else:
        st.markdown(written.generated)
        st.caption(f"Automatisk text utifrån siffrorna – ingen egen analys är skriven för {filters.unit_name} {short_period(filters.period.id)}.")
    analysis_editor(measure_id, filters, note)
    st.subheader("Kopplade åtgärder", anchor=False)
    linked = data.actions_for(filters.period, measure_id=measure_id)
    if linked.is_empty():
        st.caption("Inga strategiska åtgärder är kopplade till styrmåttet.")
    for a in linked.iter_rows(named=True):
        status = ACTION_STATUS[a["status"]]
        with st.container(border=True):
            st.markdown(f"**{status.symbol} {status.word}** – {a['goal']}")
            st.caption(a["action"])
            if a["comment"]:
                st.markdown(f"*Uppföljning {short_period(a['follow_up_period'])}:* {a['comment']}")


def numbers() -> None:
    if series.is_empty():
        st.caption("Inga värden att visa.")
    else:
        shown, raw = series_tables(series, unit, decimals, measure.split_by_sex)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption("Nedladdningen har samma rader med ej avrundade tal; tomma celler betyder att uppgift saknas.")
        base = f"styrkort_{measure_id}_{filters.unit_id}_{filters.period.id}"
        d1, d2 = st.columns(2)
        d1.download_button("Ladda ner CSV", lambda: to_csv(raw), file_name=f"{base}.csv", mime="text/csv", icon=":material/download:", on_click="ignore")
        d2.download_button("Ladda ner Excel", lambda: to_xlsx(raw), file_name=f"{base}.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:", on_click="ignore")


# Only the open tab is drawn: a tab switch is a rerun (``on_change="rerun"``), so a run builds the
# figures of one tab, not of all five. A widget inside a tab keeps its value while another tab is
# open (``persist_state="page"``).
TABS = {
    "Över tid": over_time,
    "Styrdiagram": control_chart,
    "Kvinnor och män": women_and_men,
    "Enheter": units_compared,
    "Analys och åtgärder": analysis_and_actions,
    "Siffror": numbers,
}
for tab, draw in zip(st.tabs(list(TABS), key="sm_tab", on_change="rerun"), TABS.values()):
    if tab.open:
        with tab:
            draw()
