"""Tables as people read them: Swedish headings, formatted values, verdicts with symbol and word.

The same text goes to the dashboard, the command line and (later) the exports, so a figure reads
the same everywhere. Values never become 0 here: missing reads "uppgift saknas", masked reads
"skyddat (för få)", a measure without a target "ej bedömd".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from kpi.model.formatting import MASKED_TEXT, MISSING_TEXT, format_number, format_outcome, format_points, format_value, printed_value
from kpi.model.periods import parse_period
from kpi.texts.legend import ACTION_STATUS, ATTAINMENT, DEMO_TEXT, TREND

NOT_SPLIT_TEXT = "ej uppdelat på kön"
NOT_APPLICABLE_TEXT = "rapporteras inte av enheten"

# The column order of the appendix to Division Nära's interim report per August 2022, then what the
# dashboard adds.
SCORECARD_HEADINGS = [
    "Framgångsfaktor",
    "Styrmått",
    "Mål",
    "Uppföljningsperiod",
    "Periodens utfall",
    "Måluppfyllelse",
    "Utveckling",
    "Jämförelse",
    "Källa",
]


def short_period(period_id: str) -> str:
    """'DÅ08 2022', 'helår 2022', 'aug 2022': short enough for an axis or a table cell."""
    p = parse_period(period_id)
    if p.kind == "månad":
        return f"{('jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec')[p.end_month - 1]} {p.year}"
    if p.kind == "ÅR":
        return f"helår {p.year}"
    return f"{p.kind} {p.year}"


# The public reports the bundled data cites, by title. Sources are stored as "<title>, <where>"
# ("…, Samhälle-tabellen rad 233": the line in the report's text version) and shown as stored.
# Stores built before the titles were stored name a report by its text file instead: "seed", the
# number below, optionally "_<hash>.txt" and the title in brackets; source_text still translates those.
DOCUMENTS = {
    "004": "Division Nära, bilaga till delårsrapport per augusti 2022",
    "002": "Regiondirektörens månadsrapport april 2025",
    "000": "Hälso- och sjukvårdsnämndens årsredovisning 2024",
    "001": "Hälso- och sjukvårdsnämndens verksamhetsplan 2025–2027",
    "003": "Regiondirektörens rapport till regionstyrelsen 2018",
}
_FILE_NAME = re.compile(r"^seed (\d{3})(?:_[0-9a-f]+\.txt)?(?![0-9])")


def source_text(source: str | None, is_demo: bool) -> str:
    """'Demodata (genererad, inte publicerad)' or the document the figure was published in."""
    if is_demo:
        return f"{DEMO_TEXT} (genererad, inte publicerad)"
    if not source:
        return "källa saknas"
    named = _FILE_NAME.match(source)
    if named is None or named.group(1) not in DOCUMENTS:
        return source
    document = DOCUMENTS[named.group(1)]
    rest = source[named.end() :].lstrip(" ,")
    rest = re.sub(rf"^\({re.escape(document)}\),?\s*", "", rest)
    return f"{document}{', ' + rest if rest else ''}"


def outcome_text(row: dict[str, Any], sex: str = "T") -> str:
    """The 'Periodens utfall' cell for a scorecard row."""
    decimals = int(row["decimals"]) if row.get("decimals") is not None else 0
    if sex != "T" and not row.get("split_by_sex"):
        return NOT_SPLIT_TEXT
    masked = bool(row["masked"])
    if row["value"] is None and not masked and (row.get("value_women") is not None or row.get("value_men") is not None):
        # A share printed only for women and men: no total exists, so none is claimed.
        women = format_value(row.get("value_women"), row["unit"], decimals, masked=bool(row.get("masked_women")))
        men = format_value(row.get("value_men"), row["unit"], decimals, masked=bool(row.get("masked_men")))
        text = f"K {women}, M {men} (totalt anges ej)"
        return f"{text} ({DEMO_TEXT.lower()})" if row.get("is_demo") else text
    split = row.get("split_by_sex", True) is not False
    text = format_outcome(
        row["value"], row.get("value_women"), row.get("value_men"), row["unit"], decimals, masked=masked,
        # A measure not split by sex has no women's and men's cells to be masked.
        masked_women=split and (masked or bool(row.get("masked_women"))), masked_men=split and (masked or bool(row.get("masked_men"))),
    )  # fmt: skip
    return f"{text} ({DEMO_TEXT.lower()})" if row.get("is_demo") and text not in (MISSING_TEXT, MASKED_TEXT) else text


def comparison_decimals(row: Mapping[str, Any], suffix: str = "") -> int:
    """The decimals the comparison value was given with (a published 11,7 % keeps its decimal
    beside this year's 15 %); the value's own where the row does not say."""
    own = row.get(f"comparison_decimals{suffix}")
    if own is not None:
        return int(own)
    return int(row["decimals"]) if row.get("decimals") is not None else 0


def comparison_text(row: dict[str, Any]) -> str:
    """'84 % i DÅ08 2021', or 'ingen jämförelse'."""
    if row.get("comparison_period") is None or row.get("comparison_value") is None:
        return "ingen jämförelse"
    return f"{format_value(row['comparison_value'], row['unit'], comparison_decimals(row))} i {short_period(row['comparison_period'])}"


def scorecard_table(card: pl.DataFrame, sex: str = "T", not_applicable: frozenset[str] = frozenset()) -> pl.DataFrame:
    """The scorecard as the report prints it, plus comparison and source; ``measure_id`` kept for links.
    Measures in ``not_applicable`` (not reported by this kind of unit) say so instead of 'uppgift saknas'."""
    rows = []
    for r in card.iter_rows(named=True):
        outcome = NOT_APPLICABLE_TEXT if r["measure_id"] in not_applicable and r["value"] is None else outcome_text(r, sex)
        rows.append(
            {
                "measure_id": r["measure_id"],
                "Framgångsfaktor": r["success_factor"],
                "Styrmått": r["measure"],
                "Mål": r["target"] or "–",
                "Uppföljningsperiod": r["follow_up"].replace(",", ", "),
                "Periodens utfall": outcome,
                "Måluppfyllelse": ATTAINMENT[r["attainment"]].text,
                "Utveckling": TREND[r["trend"]].text,
                "Jämförelse": comparison_text(r),
                "Källa": source_text(r["source"], bool(r["is_demo"])),
            }
        )
    schema = {"measure_id": pl.String} | {h: pl.String for h in SCORECARD_HEADINGS}
    return pl.DataFrame(rows, schema=schema)


def _difference(value: float, reference: float, unit: str, decimals: int) -> str | None:
    """A difference in the measure's own unit where a percentage would mislead: amounts (a budget
    result around 0), and small counts (8 falls against a target of 1,3)."""
    if unit == "%":
        return None
    if unit in ("mnkr", "kr") or abs(reference) < 20:
        difference = abs(value - reference)
        return format_value(difference, unit, decimals if float(difference).is_integer() or difference >= 10 else max(decimals, 1))
    return None


def recent_values_text(periods: list[str], values: list[float | None], unit: str, decimals: list[int | None], *, demo: bool = False) -> str:
    """A table's sparkline in words: 'DÅ08 2019–DÅ08 2022: 87 %, 81,8 %, 82 %, 81 %', each value
    with its own decimals as the tables print it (a masked value reads 'skyddat')."""
    if not periods:
        return "inga värden"
    span = short_period(periods[0]) if len(periods) == 1 else f"{short_period(periods[0])}–{short_period(periods[-1])}"
    shown = ", ".join(format_value(v, unit, d or 0) if v is not None else "skyddat" for v, d in zip(values, decimals))
    return f"{span}: {shown}" + (" (demodata)" if demo else "")


def gap_to_target_text(value: float | None, target: float | None, unit: str, decimals: int, direction: int) -> str:
    """How far from the target: '14,0 procentenheter under målet', '30 % under målet',
    '31 mnkr under målet'."""
    if value is None or target is None:
        return MISSING_TEXT
    value = printed_value(value, decimals)  # the value as printed beside it
    side = "under" if value < target else "över"
    if unit == "%":
        return f"{format_points(abs(value - target), 1).lstrip('+')} {side} målet"
    absolute = _difference(value, target, unit, decimals)
    if absolute is not None:
        return f"{absolute} {side} målet"
    return f"{format_number(abs(value - target) / abs(target) * 100, 0)}\u00a0% {side} målet"


def change_text(value: float | None, comparison: float | None, unit: str, decimals: int, comparison_decimals: int | None = None) -> str:
    """The change against the comparison value: '−1,0 procentenheter', '−16 %', '−0,7 mnkr'.
    From the two values as printed, each with its own decimals (``comparison_decimals``, else
    ``decimals``), as the verdicts are judged: 91 % against 91 % is no change, whatever the
    unrounded values were, and 15 % against a published 11,7 % is +3,3 procentenheter."""
    if value is None or comparison is None:
        return MISSING_TEXT
    other = decimals if comparison_decimals is None else comparison_decimals
    value, comparison = printed_value(value, decimals), printed_value(comparison, other)
    if unit == "%":
        return format_points(value - comparison, 1)
    absolute = _difference(value, comparison, unit, max(decimals, other))
    if absolute is not None:
        sign = "+" if value > comparison else ("\u2212" if value < comparison else "")
        return f"{sign}{absolute}"
    change = (value - comparison) / abs(comparison) * 100
    sign = "+" if round(change) > 0 else ""
    return f"{sign}{format_number(change, 0)}\u00a0%"


def rules_text(settings_partial: float, neutral_share_pp: float, neutral_relative: float) -> str:
    """How a verdict is reached, in the words a board member reads (Markdown)."""

    def pct(share: float) -> str:
        return format_number(share * 100, 0)

    return (
        "**Måluppfyllelse**\n\n"
        "- ✓ **uppfyllt**: målet är nått. Ett årsmål (t.ex. 43\u00a0000 triage på helår) jämförs i proportion till "
        "månaderna som gått; ett mål som ”Öka” eller ”Minska” är nått när värdet rört sig åt rätt håll mer än det neutrala intervallet.\n"
        f"- ◐ **delvis uppfyllt**: målet är inte nått, men värdet ligger inom {pct(settings_partial)}\u00a0% av målet, "
        "eller har förbättrats jämfört med samma period året innan. Därför kan samma värde vara delvis uppfyllt hos en enhet "
        "och ej uppfyllt hos en annan.\n"
        "- ✗ **ej uppfyllt**: inget av detta.\n"
        "- – **ej bedömd**: mål, värde eller jämförelsevärde saknas. Ett saknat värde räknas aldrig som 0.\n\n"
        "Mål per kön bedöms per kön; totalen är uppfylld bara om båda är det.\n\n"
        "**Utveckling** jämför med samma period året innan (annars föregående period av samma slag). "
        f"Förändringar inom ±{format_number(neutral_share_pp, 1)} procentenheter för andelar och "
        f"±{pct(neutral_relative)}\u00a0% för antal och belopp räknas som oförändrade. Publicerade värden jämförs bara med publicerade värden."
    )


def measure_row(card: pl.DataFrame, measure_id: str) -> dict[str, Any]:
    """One measure's row of a scorecard."""
    return card.filter(pl.col("measure_id") == measure_id).row(0, named=True)


def shortfall_text(r: dict[str, Any], decimals: int) -> str:
    """The 'Avstånd' cell of 'Längst från målet' (``kpi.evaluation.overview.furthest_from_target``):
    the figure the list is ranked by, the shortfall as a share of the target ('83 % under målet');
    for a target of zero (the budget result), the distance in the measure's unit ('31 mnkr under
    målet'). The sex it is read from, when it is one sex's."""
    value, level = r["shortfall_value"], r["target_level"]
    side = "under" if value < level else "över"
    if r["zero_target"]:
        return gap_to_target_text(value, level, r["unit"], decimals, r["direction"])
    sex = {"K": " (kvinnor)", "M": " (män)"}.get(r["shortfall_sex"] or "", "")
    return f"{format_number(r['shortfall'] * 100, 0)}\u00a0% {side} målet{sex}"


def _distance_text(r: dict[str, Any], decimals: int) -> str:
    """The 'Avstånd' cell: the gap to the period's target, or why there is no single number."""
    if r.get("shortfall") is not None or r.get("zero_target"):
        return shortfall_text(r, decimals)
    if r["target_effective"] is not None:
        return gap_to_target_text(r["value"], r["target_effective"], r["unit"], decimals, r["direction"])
    if r.get("target_women") is not None or r.get("target_men") is not None:
        return "bedömt per kön"
    if r.get("target_kind") == "band":
        return f"utanför målet {r['target']}" if r.get("target") else "utanför målet"
    return "visas inte (målet räknas från ett skyddat värde)"


def attention_table(frame: pl.DataFrame, sex: str = "T") -> pl.DataFrame:
    """The overview's lists (``kpi.evaluation.overview``) as text: the distance to the target where the frame
    has a ``shortfall`` column, the change against the comparison where it has ``change``."""
    rows = []
    for r in frame.iter_rows(named=True):
        decimals = int(r["decimals"]) if r["decimals"] is not None else 0
        rows.append(
            {
                "measure_id": r["measure_id"],
                "Perspektiv": r["perspective"],
                "Styrmått": r["measure"],
                "Periodens utfall": outcome_text(r, sex),
                "Mål": r["target"] or "–",
                "Avstånd": _distance_text(r, decimals),
                "Förändring": f"{change_text(r['value'], r['comparison_value'], r['unit'], decimals, comparison_decimals(r))} mot {short_period(r['comparison_period'])}"
                if r["comparison_period"] is not None
                else MISSING_TEXT,
                "Måluppfyllelse": ATTAINMENT[r["attainment"]].text,
                "Utveckling": TREND[r["trend"]].text,
            }
        )
    columns = ["measure_id", "Perspektiv", "Styrmått", "Periodens utfall", "Mål", "Avstånd", "Förändring", "Måluppfyllelse", "Utveckling"]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns})


def series_tables(series: pl.DataFrame, unit: str, decimals: int, split_by_sex: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A measure over time as (shown, download): the shown table in Swedish text, the download
    with numbers as numbers (not rounded) and missing values empty."""
    download = series.select(
        pl.col("period").alias("Period"),
        pl.col("value").alias("Utfall"),
        pl.col("value_women").alias("Kvinnor"),
        pl.col("value_men").alias("Män"),
        pl.col("target_effective").alias("Mål för perioden"),
        pl.col("attainment").replace_strict({k: v.word for k, v in ATTAINMENT.items()}).alias("Måluppfyllelse"),
        pl.col("trend").replace_strict({k: v.word for k, v in TREND.items()}).alias("Utveckling"),
        pl.col("masked").alias("Skyddat (för få)"),
        pl.col("is_demo").alias("Demodata"),
        pl.col("source").cast(pl.String).alias("Källa"),
    )
    shown = pl.DataFrame(
        [
            {
                "Period": short_period(r["period"]),
                "Utfall": format_value(r["value"], unit, decimals, masked=r["masked"]),
                "Kvinnor": format_value(r["value_women"], unit, decimals, masked=bool(r["masked_women"])) if split_by_sex else "–",
                "Män": format_value(r["value_men"], unit, decimals, masked=bool(r["masked_men"])) if split_by_sex else "–",
                "Mål för perioden": format_value(r["target_effective"], unit, decimals) if r["target_effective"] is not None else "–",
                "Måluppfyllelse": ATTAINMENT[r["attainment"]].text,
                "Utveckling": TREND[r["trend"]].text,
                "Källa": source_text(r["source"], bool(r["is_demo"])),
            }
            for r in series.iter_rows(named=True)
        ],
        schema={c: pl.String for c in ["Period", "Utfall", "Kvinnor", "Män", "Mål för perioden", "Måluppfyllelse", "Utveckling", "Källa"]},
    )
    return shown, download


def actions_display(actions: pl.DataFrame, perspective: str, measure_names: dict[str, str], *, with_nr: bool) -> pl.DataFrame:
    """One perspective's actions as the report's table: (Nr,) Mål, Åtgärd, Status, Kommentar, Styrmått."""
    rows = [
        ({"Nr": r["nr"] or "–"} if with_nr else {})
        | {
            "Mål": r["goal"],
            "Åtgärd": r["action"],
            "Status": ACTION_STATUS[r["status"]].text,
            "Kommentar": r["comment"] or "–",
            "Styrmått": "; ".join(measure_names.get(m, m) for m in r["measures"]) or "–",
        }
        for r in actions.filter(pl.col("perspective") == perspective).iter_rows(named=True)
    ]
    return pl.DataFrame(rows)


def spc_reading_text(baseline_points: int, min_points: int, run_length: int, trend_length: int) -> str:
    """How to read a control chart and its two verdicts, for a board member who has never seen
    one (Markdown). The numbers are the settings in force."""
    return (
        "**Styrdiagram** visar om en förändring är en signal eller vanligt brus. Alla mätvärden varierar från månad till "
        "månad; frågan är om variationen är större än vanligt.\n\n"
        f"- **Mittlinjen** är medelvärdet under **baslinjen**, de första {baseline_points} månaderna (minst {min_points}; "
        "färre ger inga gränser). Efter en registrerad förändring, som införandet av Cosmic, räknas mittlinje och gränser om "
        "från den månaden; tills det finns nog många månader efter förändringen jämförs de, preliminärt, med gränserna från "
        "före. Du kan också välja en månad själv.\n"
        "- **Styrgränserna** (streckade) visar hur långt värdena brukar variera: så länge punkterna ligger innanför och inget "
        "mönster syns är det **vanlig variation**, och en enskild månads uppgång eller nedgång säger inget.\n"
        "- En **särskild orsak** är något av detta: en punkt utanför gränserna; "
        f"minst {run_length} punkter i rad på samma sida om mittlinjen; minst {trend_length} punkter i rad som stiger eller sjunker; "
        "två av tre punkter i rad nära en gräns (mer än två standardavvikelser från mittlinjen). Den läses genom styrmåttets riktning: "
        "⊕ **förbättring** eller ⊖ **försämring**.\n"
        "- **Variation** i tabellerna gäller den senaste månaden fram till periodens slut: ∿ vanlig variation, ⊕ särskild orsak "
        "– förbättring, ⊖ särskild orsak – försämring, · för få eller skyddade månader.\n"
        "- **Målsäkerhet** svarar på om arbetet, som det fungerar nu, når målet: ◎ **når målet stabilt** (hela intervallet "
        "mellan gränserna ligger på rätt sida om målet), ⊘ **missar målet stabilt** (hela intervallet på fel sida: målet nås "
        "inte med nuvarande arbetssätt), ? **når målet ibland** (målet ligger innanför gränserna).\n\n"
        "För andelar med täljare och nämnare följer gränserna varje månads underlag (p-diagram): ett litet underlag ger vidare "
        "gränser. När månaderna varierar mer än underlaget förklarar vidgas gränserna (Laneys p′). Övriga mått visas som "
        "XmR-diagram: mittlinje ± 2,66 × den genomsnittliga skillnaden mellan två månader i följd.\n\n"
        "En månad utan värde, eller skyddad för att den gäller för få patienter, är ett glapp i linjen, aldrig 0. En period med "
        "skyddade månader bedöms inte: de skyddade är de minsta, så resten skulle ge en skev bild."
    )


def funnel_reading_text() -> str:
    """How to read the funnel plot beside the sorted bars (Markdown)."""
    return (
        "**Trattdiagram** jämför enheter: varje enhets andel mot dess underlag (hur många andelen räknas på). Tratten visar hur "
        "långt från allas andel en enhet kan hamna av slumpen; den är vid för små enheter och smal för stora, så en liten "
        "hälsocentral pekas inte ut för en skillnad som slumpen ensam ger.\n\n"
        "- Bara enheter utanför **99,8 %-gränsen** markeras, som ◆ **bättre** eller ■ **sämre** än förväntat (läst med "
        "styrmåttets riktning), och bara om slumpen sällan ger ett så avvikande antal (räknat exakt: 5 av 5 när 87,5 % väntas "
        "händer varannan gång). Mellan 95 % och 99,8 % är det värt att hålla ögonen på.\n"
        "- Skiljer sig enheterna mer åt än slumpen förklarar, vilket är vanligt med stora underlag, vidgas tratten med den "
        "vanliga skillnaden mellan enheter (överspridning, Spiegelhalter). Då markeras bara de som avviker mer än enheter brukar.\n"
        "- Trattdiagrammet visas inte när en enhet är skyddad (för få), eftersom underlagen då skulle kunna avslöja den."
    )
