"""Benchmark baselines (not used by the product): the evaluation's core steps in plain pandas and
in DuckDB SQL, for ``bench/bench_evaluation.py`` to run beside the project's engine.

The core steps, the same in both and as in ``kpi/evaluation``:

1. months of reporting units → their report periods (accumulated: January to the period's end;
   per period: the tertial's own months), a period only when its last month is there; shares as
   ratio of summed numerators and denominators; the months stay as periods of their own;
2. a value reported for a unit and period beats one derived from its months; a total (sex T)
   from women and men where only they are given (counts add up, shares as ratio of sums);
3. roll-up through the unit tree (every unit's subtree; shares as ratio of sums, counts and
   amounts add up); a value reported for an area beats the roll-up; the region keeps only what
   was reported for it;
4. the comparison for the trend (the same period a year before, else the previous period of the
   same kind where like for like; a published value only against a published one), the trend
   through the measure's direction and neutral band, and the attainment of level, annual volume
   and direction targets.

Not included (only the project's engine does them): masking, women and men as columns, the unit
spread, relative-change targets, bands, and per-sex totals judged from the sexes. So the
baselines do somewhat less work than the engine they are compared with.
"""

from __future__ import annotations

from typing import Any

REPORTING = ("hälsocentral", "tandvårdsklinik")


def closure_pairs(units: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(ancestor_id, unit_id) for every unit and each of its ancestors, itself included."""
    parent = dict(units)
    pairs = []
    for unit, _ in units:
        node: str | None = unit
        while node is not None:
            pairs.append((node, unit))
            node = parent.get(node)
    return pairs


# --- pandas ------------------------------------------------------------------------------------


def pandas_engine(obs: Any, units: Any, measures: Any, periods: Any, windows: Any) -> Any:  # noqa: PLR0915 - one pipeline
    import numpy as np
    import pandas as pd

    latest = measures.sort_values("year").drop_duplicates("measure_id", keep="last")
    kinds = latest[["measure_id", "value_kind", "accumulation", "measure_decimals"]]
    reporting = set(units.loc[units["unit_type"].isin(REPORTING), "unit_id"])
    is_month = obs["period"].str.match(r"^\d{4}-\d{2}$")
    is_leaf = obs["unit_id"].isin(reporting)
    cols = ["measure_id", "unit_id", "period", "sex", "value", "numerator", "denominator", "is_demo"]
    key = ["measure_id", "unit_id", "period", "sex"]

    # 1. months → report periods
    monthly = obs.loc[is_month & is_leaf, cols].merge(kinds, on="measure_id")
    contrib = monthly.merge(windows, left_on=["accumulation", "period"], right_on=["accumulation", "month_period"], suffixes=("_m", ""))
    contrib = contrib[contrib["period"] != contrib["period_m"]]
    contrib["_month"] = contrib["period_m"].str.slice(5, 7).astype(int)
    contrib["_no_num"] = contrib["numerator"].isna()
    derived = (
        contrib.groupby(["measure_id", "unit_id", "period", "sex"], sort=False)
        .agg(
            value=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum"), _no_num=("_no_num", "any"),
            _last=("_month", "max"), _end=("period_end_month", "first"), _n=("value", "size"), is_demo=("is_demo", "any"),
        )
        .reset_index()
    )
    derived = derived[derived["_last"] == derived["_end"]].merge(kinds[["measure_id", "value_kind"]], on="measure_id")
    share = derived["value_kind"] == "share"
    ratio = np.where(~derived["_no_num"] & (derived["denominator"] > 0), derived["numerator"] / derived["denominator"].where(derived["denominator"] > 0) * 100, np.nan)
    single = derived["_n"] == 1
    derived["value"] = np.where(
        share, np.where(np.isnan(ratio) & single, derived["value"], ratio), np.where(derived["value_kind"] == "index", np.where(single, derived["value"], np.nan), derived["value"])
    )
    derived = derived[cols]

    # 2. reported beats derived; totals from women and men
    reported = obs.loc[~is_month & is_leaf, cols]
    derived = derived.merge(reported[key], on=key, how="left", indicator=True)
    derived = derived[derived["_merge"] == "left_only"].drop(columns="_merge")
    leaf = pd.concat([reported, derived, obs.loc[is_month & is_leaf, cols]], ignore_index=True)

    def with_totals(frame: pd.DataFrame) -> pd.DataFrame:
        k3 = ["measure_id", "unit_id", "period"]
        has_total = frame.loc[frame["sex"] == "T", k3].drop_duplicates()
        sexes = frame[frame["sex"] != "T"].merge(has_total, on=k3, how="left", indicator=True)
        sexes = sexes[sexes["_merge"] == "left_only"].drop(columns="_merge")
        sexes = sexes.assign(_nonum=sexes["numerator"].isna() | sexes["denominator"].isna())
        t = sexes.groupby(k3, sort=False).agg(
            value=("value", "sum"), numerator=("numerator", "sum"), denominator=("denominator", "sum"), _nonum=("_nonum", "any"), _n=("value", "size"), is_demo=("is_demo", "any")
        )
        t = t[t["_n"] == 2].reset_index().merge(kinds[["measure_id", "value_kind"]], on="measure_id")
        ok = ~t["_nonum"] & (t["denominator"] > 0)
        t["value"] = np.where(t["value_kind"] == "share", np.where(ok, t["numerator"] / t["denominator"].where(ok) * 100, np.nan), np.where(t["value_kind"] == "index", np.nan, t["value"]))
        t = t[t["value"].notna()].assign(sex="T")[cols]
        return pd.concat([frame, t], ignore_index=True)

    leaf = with_totals(leaf)

    # 3. roll-up through the tree
    pairs = pd.DataFrame(closure_pairs(list(units[["unit_id", "parent_id"]].itertuples(index=False, name=None))), columns=["ancestor_id", "unit_id"])
    joined = leaf.merge(pairs, on="unit_id")
    joined["_nond"] = joined["numerator"].isna() | joined["denominator"].isna()
    rolled = (
        joined.groupby(["measure_id", "ancestor_id", "period", "sex"], sort=False)
        .agg(
            _sum=("value", "sum"), _first=("value", "first"), numerator=("numerator", "sum"), denominator=("denominator", "sum"), _nond=("_nond", "any"),
            _n=("value", "size"), _nv=("value", "count"), is_demo=("is_demo", "any"),
        )
        .reset_index()
        .rename(columns={"ancestor_id": "unit_id"})
        .merge(kinds[["measure_id", "value_kind"]], on="measure_id")
    )
    single = rolled["_n"] == 1
    ok = ~rolled["_nond"] & (rolled["denominator"] > 0)
    ratio = np.where(ok, rolled["numerator"] / rolled["denominator"].where(ok) * 100, np.nan)
    summed = np.where(rolled["_nv"] == rolled["_n"], rolled["_sum"], np.nan)
    rolled["value"] = np.where(single, rolled["_first"], np.where(rolled["value_kind"] == "share", ratio, np.where(rolled["value_kind"].isin(["count", "amount"]), summed, np.nan)))
    region = set(units.loc[units["unit_type"] == "region", "unit_id"])
    rolled = rolled[~(rolled["unit_id"].isin(region) & ~single)][cols]
    aggregate = with_totals(obs.loc[~is_leaf, cols])
    rolled = rolled.merge(aggregate[key], on=key, how="left", indicator=True)
    rolled = rolled[rolled["_merge"] == "left_only"].drop(columns="_merge")
    values = pd.concat([aggregate, rolled], ignore_index=True)

    # 4. comparison, trend, attainment
    frame = values.merge(periods, on="period").merge(measures, on=["measure_id", "year"])
    right = values[["measure_id", "unit_id", "sex", "period", "value", "is_demo"]]
    for col, prefix in (("same_period_previous_year", "_py"), ("previous_of_same_kind", "_pk")):
        frame = frame.merge(
            right.rename(columns={"period": col, "value": f"{prefix}_value", "is_demo": f"{prefix}_demo"}), on=["measure_id", "unit_id", "sex", col], how="left"
        )
    py_ok = frame["_py_value"].notna() & (frame["is_demo"] | ~frame["_py_demo"].fillna(True).astype(bool))
    like = frame["value_kind"].isin(["share", "index"]) | (frame["accumulation"] == "per_period") | (frame["period_kind"] == "månad")
    pk_ok = frame["_pk_value"].notna() & (frame["is_demo"] | ~frame["_pk_demo"].fillna(True).astype(bool)) & like
    frame["comparison_value"] = np.where(py_ok, frame["_py_value"], np.where(pk_ok, frame["_pk_value"], np.nan))
    delta = frame["value"] - frame["comparison_value"]
    neutral = np.where(frame["neutral_is_absolute"], frame["neutral_band"], frame["neutral_band"] * frame["comparison_value"].abs())
    frame["trend"] = np.where(
        delta.isna(), "saknas", np.where(delta.abs() <= neutral + 1e-9, "oforandrad", np.where(delta * frame["direction"] > 0, "forbattrad", "forsamrad"))
    )
    months = np.where(frame["period_kind"] == "månad", 1, np.where((frame["accumulation"] == "accumulated") | (frame["period_kind"] == "ÅR"), frame["end_month"], 4))
    target = np.where(
        frame["target_kind"] == "level",
        np.where(frame["sex"] == "K", frame["target_women"].fillna(frame["target_value"]), np.where(frame["sex"] == "M", frame["target_men"].fillna(frame["target_value"]), frame["target_value"])),
        np.where(frame["target_kind"] == "annual_volume", frame["target_value"] * months / 12, np.where(frame["target_kind"] == "direction", frame["_py_value"], np.nan)),
    )
    frame["target_effective"] = target
    gap = (frame["value"] - target) * frame["direction"]
    frame["attainment"] = np.where(
        frame["value"].isna() | (frame["target_kind"] == "none") | np.isnan(target),
        "ej_bedomd",
        np.where(gap >= -1e-9, "uppfyllt", np.where((gap >= -frame["partial_band"] * np.abs(target) - 1e-9) | (frame["trend"] == "forbattrad"), "delvis", "ej_uppfyllt")),
    )
    return frame[["measure_id", "unit_id", "period", "sex", "value", "comparison_value", "trend", "target_effective", "attainment"]]


# --- DuckDB ------------------------------------------------------------------------------------

DUCKDB_SQL = """
CREATE OR REPLACE TEMP TABLE kinds AS
  SELECT measure_id, value_kind, accumulation FROM measures QUALIFY row_number() OVER (PARTITION BY measure_id ORDER BY year DESC) = 1;
CREATE OR REPLACE TEMP TABLE leaf_ids AS SELECT unit_id FROM units WHERE unit_type IN ('hälsocentral', 'tandvårdsklinik');
CREATE OR REPLACE TEMP TABLE o AS
  SELECT measure_id, unit_id, period, sex, value, numerator, denominator, is_demo,
         regexp_full_match(period, '\\d{4}-\\d{2}') AS is_month, unit_id IN (SELECT unit_id FROM leaf_ids) AS is_leaf
  FROM obs;
CREATE OR REPLACE TEMP TABLE derived AS
  WITH c AS (
    SELECT o.measure_id, o.unit_id, w.period, o.sex, o.value, o.numerator, o.denominator, o.is_demo,
           CAST(substr(o.period, 6, 2) AS INTEGER) AS m, w.period_end_month AS e, k.value_kind
    FROM o JOIN kinds k USING (measure_id)
    JOIN windows w ON w.accumulation = k.accumulation AND w.month_period = o.period AND w.period <> o.period
    WHERE o.is_month AND o.is_leaf),
  g AS (
    SELECT measure_id, unit_id, period, sex, any_value(value_kind) AS kind, sum(value) AS value, sum(numerator) AS numerator,
           sum(denominator) AS denominator, bool_or(numerator IS NULL) AS no_num, max(m) AS last, any_value(e) AS e,
           count(*) AS n, bool_or(is_demo) AS is_demo
    FROM c GROUP BY ALL)
  SELECT measure_id, unit_id, period, sex,
    CASE WHEN kind = 'share' THEN CASE WHEN NOT no_num AND denominator > 0 THEN numerator / denominator * 100 WHEN n = 1 THEN value END
         WHEN kind = 'index' THEN CASE WHEN n = 1 THEN value END ELSE value END AS value,
    numerator, denominator, is_demo
  FROM g WHERE last = e;
CREATE OR REPLACE TEMP TABLE leaf0 AS
  SELECT measure_id, unit_id, period, sex, value, numerator, denominator, is_demo FROM o WHERE is_leaf
  UNION ALL
  SELECT d.* FROM derived d ANTI JOIN (SELECT * FROM o WHERE is_leaf AND NOT is_month) r USING (measure_id, unit_id, period, sex);
CREATE OR REPLACE MACRO with_totals(t) AS TABLE
  SELECT * FROM query_table(t)
  UNION ALL
  SELECT * FROM (
    SELECT s.measure_id, s.unit_id, s.period, 'T' AS sex,
      CASE WHEN any_value(k.value_kind) = 'share' THEN
             CASE WHEN NOT bool_or(s.numerator IS NULL OR s.denominator IS NULL) AND sum(s.denominator) > 0 THEN sum(s.numerator) / sum(s.denominator) * 100 END
           WHEN any_value(k.value_kind) IN ('count', 'amount') THEN sum(s.value) END AS value,
      sum(s.numerator) AS numerator, sum(s.denominator) AS denominator, bool_or(s.is_demo) AS is_demo
    FROM query_table(t) s JOIN kinds k USING (measure_id)
    ANTI JOIN (SELECT measure_id, unit_id, period FROM query_table(t) WHERE sex = 'T') h USING (measure_id, unit_id, period)
    WHERE s.sex <> 'T'
    GROUP BY s.measure_id, s.unit_id, s.period HAVING count(*) = 2)
  WHERE value IS NOT NULL;
CREATE OR REPLACE TEMP TABLE leaf AS SELECT * FROM with_totals(leaf0);
CREATE OR REPLACE TEMP TABLE agg0 AS SELECT measure_id, unit_id, period, sex, value, numerator, denominator, is_demo FROM o WHERE NOT is_leaf;
CREATE OR REPLACE TEMP TABLE agg AS SELECT * FROM with_totals(agg0);
CREATE OR REPLACE TEMP TABLE vals AS
  WITH r AS (
    SELECT l.measure_id, p.ancestor_id AS unit_id, l.period, l.sex, any_value(k.value_kind) AS kind, count(*) AS n,
           sum(l.value) AS s, first(l.value) AS f, count(l.value) AS nv, sum(l.numerator) AS numerator, sum(l.denominator) AS denominator,
           bool_or(l.numerator IS NULL OR l.denominator IS NULL) AS nond, bool_or(l.is_demo) AS is_demo
    FROM leaf l JOIN pairs p USING (unit_id) JOIN kinds k USING (measure_id) GROUP BY ALL)
  SELECT measure_id, unit_id, period, sex,
    CASE WHEN n = 1 THEN f WHEN kind = 'share' THEN CASE WHEN NOT nond AND denominator > 0 THEN numerator / denominator * 100 END
         WHEN kind IN ('count', 'amount') AND nv = n THEN s END AS value, numerator, denominator, is_demo
  FROM r ANTI JOIN agg USING (measure_id, unit_id, period, sex)
  WHERE NOT (n > 1 AND unit_id IN (SELECT unit_id FROM units WHERE unit_type = 'region'))
  UNION ALL SELECT * FROM agg;
SELECT v.measure_id, v.unit_id, v.period, v.sex, v.value, comparison_value,
  CASE WHEN v.value IS NULL OR comparison_value IS NULL THEN 'saknas'
       WHEN abs(v.value - comparison_value) <= (CASE WHEN neutral_is_absolute THEN neutral_band ELSE neutral_band * abs(comparison_value) END) + 1e-9 THEN 'oforandrad'
       WHEN (v.value - comparison_value) * direction > 0 THEN 'forbattrad' ELSE 'forsamrad' END AS trend,
  target_effective,
  CASE WHEN v.value IS NULL OR target_kind = 'none' OR target_effective IS NULL THEN 'ej_bedomd'
       WHEN (v.value - target_effective) * direction >= -1e-9 THEN 'uppfyllt'
       WHEN (v.value - target_effective) * direction >= -partial_band * abs(target_effective) - 1e-9 THEN 'delvis'
       ELSE 'ej_uppfyllt' END AS attainment
FROM (
  SELECT v.*, m.*, p.period_kind, p.end_month,
    CASE WHEN py.value IS NOT NULL AND (v.is_demo OR NOT py.is_demo) THEN py.value
         WHEN pk.value IS NOT NULL AND (v.is_demo OR NOT pk.is_demo)
              AND (m.value_kind IN ('share', 'index') OR m.accumulation = 'per_period' OR p.period_kind = 'månad') THEN pk.value END AS comparison_value,
    CASE WHEN m.target_kind = 'level' THEN CASE WHEN v.sex = 'K' THEN coalesce(m.target_women, m.target_value)
                                              WHEN v.sex = 'M' THEN coalesce(m.target_men, m.target_value) ELSE m.target_value END
         WHEN m.target_kind = 'annual_volume' THEN m.target_value
           * (CASE WHEN p.period_kind = 'månad' THEN 1 WHEN m.accumulation = 'accumulated' OR p.period_kind = 'ÅR' THEN p.end_month ELSE 4 END) / 12
         WHEN m.target_kind = 'direction' THEN py.value END AS target_effective
  FROM vals v JOIN periods p USING (period) JOIN measures m ON m.measure_id = v.measure_id AND m.year = p.year
  LEFT JOIN vals py ON py.measure_id = v.measure_id AND py.unit_id = v.unit_id AND py.sex = v.sex AND py.period = p.same_period_previous_year
  LEFT JOIN vals pk ON pk.measure_id = v.measure_id AND pk.unit_id = v.unit_id AND pk.sex = v.sex AND pk.period = p.previous_of_same_kind
) v
"""


def duckdb_engine(con: Any) -> Any:
    """Runs on tables ``obs``, ``units``, ``measures``, ``periods``, ``windows`` and ``pairs`` already in ``con``."""
    *setup, final = [s for s in DUCKDB_SQL.split(";\n") if s.strip()]
    for statement in setup:
        con.execute(statement)
    return con.execute(f"CREATE OR REPLACE TEMP TABLE result AS {final}").fetchone()
