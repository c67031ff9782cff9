"""Command line for analysts and automated checks: ``python -m kpi …``.

Messages are Swedish; bad arguments give one line and exit code 2, failed validation exit 1.

The data directory is found as the dashboard finds it (``kpi.store.location``): ``--data``, else
``STYRKORT_DATA``, else the bundled data/. Every command settles the import journal before it
reads or writes (``kpi.store.journal``), so an import whose process died is rolled back first and
said so. What the storage libraries write (their English messages, a Rust panic printed straight
to stderr) goes to a log file, never to the terminal (``_log_to_file``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from kpi.evaluation.scorecard import SCORECARD_COLUMNS, Evaluation, evaluate_dataset, find_unit, load_dataset, scorecard
from kpi.model.errors import StoreError, StyrkortError
from kpi.model.formatting import format_outcome, format_value
from kpi.model.periods import parse_period
from kpi.model.verdicts import ATTAINMENT_LABELS, TREND_LABELS
from kpi.model.view import SEX_CODES, View
from kpi.store import journal, location
from kpi.store.delta import native_output_to_log, store_for
from kpi.store.journal import log_text
from kpi.texts.display import SCORECARD_HEADINGS, comparison_decimals

# argparse's own words, in Swedish. argparse looks its messages up through gettext at the moment
# it writes them, so they are swapped while the command line is read (see ``_swedish``). The keys
# are argparse's message ids (Python 3.11–3.14); a message not listed stays as argparse wrote it.
_SWEDISH = {
    "usage: ": "användning: ",
    "positional arguments": "argument",
    "options": "flaggor",
    "optional arguments": "flaggor",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "the following arguments are required: %s": "följande argument saknas: %s",
    "unrecognized arguments: %s": "okända argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ogiltigt val: %(value)r (välj bland %(choices)s)",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)": "ogiltigt val: %(value)r, menade du %(closest)r? (välj bland %(choices)s)",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "expected one argument": "ett värde krävs",
    "expected at most one argument": "högst ett värde",
    "expected at least one argument": "minst ett värde krävs",
    "invalid %(type)s value: %(value)r": "ogiltigt värde: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "flaggan %(option)s är tvetydig: den kan vara %(matches)s",
    "not allowed with argument %s": "får inte användas tillsammans med %s",
    "ignored explicit argument %r": "värdet %r används inte",
    "one of the arguments %s is required": "ett av argumenten %s krävs",
    "unexpected option string: %s": "oväntad flagga: %s",
    "argument %(argument_name)s: conflicting option string: %(conflicting_option)s": "argumentet %(argument_name)s: flaggan %(conflicting_option)s finns redan",
}


@contextmanager
def _swedish() -> Iterator[None]:
    english = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda message: _SWEDISH.get(message, english(message))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = english  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse with Swedish headings, help and errors: one line and exit code 2 on a bad argument."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _swedish():
            super().__init__(*args, add_help=False, **kwargs)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="visa den här hjälpen och avsluta")

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> argparse.Namespace:  # type: ignore[override]
        with _swedish():
            return super().parse_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"Fel: {message}. Se {self.prog} --help.\n")


def _sex(text: str) -> str:
    """The sex option as people write it: alla, kvinnor, män (or T, K, M, totalt)."""
    from kpi.imports.swedish import parse_sex
    from kpi.model.errors import StyrkortError

    try:
        code = parse_sex(text)
    except StyrkortError:
        raise argparse.ArgumentTypeError(f"kön ”{text}” går inte att läsa (skriv alla, kvinnor eller män)") from None
    return {v: k for k, v in SEX_CODES.items()}[code]


_SEX_HELP = "alla (standard: totalen med kvinnor och män bredvid), kvinnor eller män; även T, K, M"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kpi", description="Styrkort: styrmått för Division Nära från kommandoraden.")
    parser.add_argument(
        "--data",
        type=Path,
        metavar="KATALOG",
        help=f"datakatalog (standard: katalogen i {location.ENVIRONMENT_VARIABLE} om den är satt, annars den medföljande data/)",
    )
    commands = parser.add_subparsers(dest="command", title="kommandon", metavar="KOMMANDO", parser_class=_Parser)

    card = commands.add_parser("scorecard", help="skriv ut det utvärderade styrkortet")
    card.add_argument(
        "--org", default="Division Nära", help='organisation: division, verksamhetsområde eller enhet (standard "Division Nära")'
    )
    card.add_argument("--period", required=True, help="period, t.ex. 2022-DÅ08, 2022-T2, 2022-ÅR eller 2022-04")
    card.add_argument("--format", choices=["table", "csv", "json"], default="table", help="table (standard), csv eller json")
    card.add_argument("--kon", type=_sex, default="alla", help=_SEX_HELP)
    card.add_argument("--as-of", metavar="DATUM", help="läs tabellerna som de såg ut detta datum (ÅÅÅÅ-MM-DD)")

    export = commands.add_parser("export", help="skapa nämndens underlag: PDF-rapport, PowerPoint eller Excel")
    export.add_argument("--org", default="Division Nära", help='organisation (standard "Division Nära")')
    export.add_argument("--period", required=True, help="period, t.ex. 2022-DÅ08, 2022-T2 eller 2022-ÅR")
    export.add_argument("--format", choices=["pdf", "pptx", "xlsx"], required=True, help="pdf, pptx eller xlsx")
    export.add_argument("--out", type=Path, required=True, help="filen att skriva, t.ex. styrkort.pdf")
    export.add_argument("--perspective", help="bara ett perspektiv: Samhälle, Medborgare, Verksamhet, Medarbetare eller Ekonomi")
    export.add_argument("--kon", type=_sex, default="alla", help=_SEX_HELP)

    commands.add_parser("validate", help="kontrollera katalog och tabeller; slutkod 1 vid fel")

    build = commands.add_parser("build-data", help="bygg om data/store från data/build och katalogen")
    build.add_argument("--out", type=Path, help="annan målkatalog (standard data/store)")
    build.add_argument("--force", action="store_true", help="bygg om även om inläsningar har gjorts (de försvinner)")

    template = commands.add_parser("template", help="skriv Excelmallen för inläsning av utfall, mål, kommentarer och åtgärder")
    template.add_argument("--out", type=Path, required=True, help="filen att skriva, t.ex. mall.xlsx")
    template.add_argument("--year", type=int, metavar="ÅR", help="katalogens år (standard: senaste)")

    history = commands.add_parser("history", help="visa versionerna av en tabell")
    history.add_argument("table", metavar="tabell", choices=["observations", "units", "comments", "actions", "targets", "imports"])

    copy = commands.add_parser(
        "copy-store", help="kopiera en lagring med hela historiken till den tomma platsen i STYRKORT_STORE (objektlagring)"
    )
    copy.add_argument("source", type=Path, nargs="?", metavar="KATALOG", help="lagringen att kopiera (standard: datakatalogens store/)")

    load = commands.add_parser(
        "import", help="läs in utfall, mål, kommentarer och åtgärder från mallen (xlsx), CSV eller Kolada-JSON"
    )
    load.add_argument("file", type=Path, help="filen att läsa in")
    load.add_argument("--dry-run", action="store_true", help="kontrollera och visa vad som skulle ändras, utan att skriva")
    load.add_argument(
        "--mapping", type=Path, help="mappningsfil (YAML) för Kolada-data: Kolada-KPI → styrmått, kommun/enhet → enhet"
    )
    load.add_argument("--user", help="vem som läser in (standard: inloggad användare)")

    undo = commands.add_parser("undo", help="ångra en inläsning (standard: den senaste)")
    undo.add_argument("import_id", nargs="?", help="inläsningens id (se python -m kpi imports)")
    undo.add_argument("--user", help="vem som ångrar (standard: inloggad användare)")

    commands.add_parser("imports", help="visa inläsningsloggen")

    value = commands.add_parser("value-history", help="visa alla versioner av ett värde")
    value.add_argument("--measure", required=True, help="styrmått-id")
    value.add_argument("--org", required=True, help="enhet (id eller namn)")
    value.add_argument("--period", required=True, help="period, t.ex. 2022-DÅ08")
    value.add_argument("--kon", type=_sex, default="alla", help="alla (standard: totalen), kvinnor eller män; även T, K, M")
    return parser


_ROUNDED = ("value", "value_women", "value_men", "gender_gap_pp", "spread_min", "spread_max")  # comparison_value: its own decimals
_RECORD_FIELDS = [c for c in SCORECARD_COLUMNS if c != "decimals"]


def _records(frame: pl.DataFrame) -> list[dict[str, object]]:
    """Scorecard rows for JSON and CSV, numbers rounded to the precision they are shown with."""
    out = []
    for row in frame.iter_rows(named=True):
        decimals = int(row["decimals"]) if row["decimals"] is not None else 1
        record = {k: row[k] for k in _RECORD_FIELDS}
        record.update({k: None if row[k] is None else round(row[k], decimals) for k in _ROUNDED})
        if row["comparison_value"] is not None:  # with the decimals it was given (a published 11,7 %)
            record["comparison_value"] = round(row["comparison_value"], comparison_decimals(row))
        out.append(record)
    return out


_MAX_PER_KIND = 20
_TABLE_HEADER = ["Perspektiv", *SCORECARD_HEADINGS[: SCORECARD_HEADINGS.index("Utveckling") + 1], "Demo"]


def _table_rows(frame: pl.DataFrame) -> list[list[str]]:
    rows = []
    for r in frame.iter_rows(named=True):
        decimals = int(r["decimals"]) if r["decimals"] is not None else 0
        outcome = format_outcome(r["value"], r["value_women"], r["value_men"], r["unit"], decimals, masked=r["masked"])
        trend = TREND_LABELS[r["trend"]]
        if r["comparison_period"]:
            trend += f" mot {r['comparison_period']} ({format_value(r['comparison_value'], r['unit'], comparison_decimals(r))})"
        rows.append(
            [
                r["perspective"],
                r["success_factor"],
                r["measure"],
                r["target"] or "–",
                r["follow_up"].replace(",", ", "),
                outcome,
                ATTAINMENT_LABELS[r["attainment"]],
                trend,
                "ja" if r["is_demo"] else "",
            ]
        )
    return rows


def _print_table(frame: pl.DataFrame, title: str) -> None:
    rows = _table_rows(frame)
    widths = [min(max(len(h), *(len(row[i]) for row in rows)), 46) for i, h in enumerate(_TABLE_HEADER)]

    def cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    print(title)
    print("  ".join(h.ljust(w) for h, w in zip(_TABLE_HEADER, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(cut(c, w).ljust(w) for c, w in zip(row, widths, strict=True)))


def _write_failure(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "mappen finns inte"
    if isinstance(error, PermissionError):
        return "behörighet saknas"
    return "filen kan inte skrivas"


def _export(args: argparse.Namespace) -> int:
    from kpi.evaluation.cache import cached_evaluation
    from kpi.model.catalogue import PERSPECTIVES
    from kpi.reports.files import FORMAT_NAMES, render_board_pack
    from kpi.reports.pack import build_board_pack

    period = parse_period(args.period)
    perspective = None
    if args.perspective:
        perspective = next((p for p in PERSPECTIVES if p.casefold() == args.perspective.strip().casefold()), None)
        if perspective is None:
            print(f"Fel: perspektivet '{args.perspective}' finns inte. Välj ett av: {', '.join(PERSPECTIVES)}.", file=sys.stderr)
            return 2
    dataset = load_dataset(args.data)
    if period.year not in dataset.years:
        print(f"Fel: det finns inga data för {period.label}; data finns för {dataset.years[0]}–{dataset.years[-1]}.", file=sys.stderr)
        return 2
    unit_id = find_unit(dataset.units, args.org)
    view = View(unit_id, period, SEX_CODES[args.kon])
    pack = build_board_pack(dataset, cached_evaluation(dataset, args.data), view, perspective=perspective)
    content = render_board_pack(pack, args.format)
    try:
        args.out.write_bytes(content)
    except OSError as error:
        print(f"Fel: filen kunde inte skrivas till {args.out}: {_write_failure(error)}.", file=sys.stderr)
        return 2
    demo = " Innehåller demodata (märkta)." if pack.has_demo else ""
    print(f"Skrev {FORMAT_NAMES[args.format]} {args.out}: {pack.organisation}, {period.label}, {len(pack.measures)} styrmått.{demo}")
    return 0


_LOG_FILE: dict[str, Path] = {}


def _log_to_file() -> None:
    """Warnings (with the storage libraries' own texts) go to a log file, not the terminal.

    Without a handler Python prints warnings to stderr, in English, with tracebacks. The file is
    ``$XDG_CACHE_HOME/styrkort/kommandorad.log`` (``~/.cache/…``); if it cannot be written, the
    details are dropped rather than shown. Left alone when logging is already set up (a test, or a
    program that calls ``run``).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "styrkort"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = _CountingFileHandler(cache / "kommandorad.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _LOG_FILE["path"] = cache / "kommandorad.log"
    except (OSError, RuntimeError):
        handler = logging.NullHandler()
    handler.setLevel(logging.WARNING)
    root.addHandler(handler)


class _CountingFileHandler(logging.FileHandler):
    """A log file that knows whether this run wrote to it: an error message points there only then."""

    written = 0

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        type(self).written += 1

    def handleError(self, record: logging.LogRecord) -> None:
        # A log file that cannot be written (a full disk, often the very error being logged) is
        # given up silently: logging would otherwise print its own English traceback on stderr.
        type(self).written -= 1


def _details() -> str:
    return f" Tekniska detaljer finns i {_LOG_FILE['path']}." if _LOG_FILE and _CountingFileHandler.written else ""


def _settle(data_dir: Path) -> None:
    """Before a command reads or writes: roll back an import or undo whose process died (and say
    so), or note one that is running in another process (the command then reads around it)."""
    settled = journal.settle(store_for(data_dir))
    for u in settled.recovered:
        print(f"Obs: {u.describe()} avbröts innan den var klar; det som hann skrivas är nu återställt.", file=sys.stderr)
    for u in settled.stuck:
        print(
            f"Obs: {u.describe()} avbröts innan den var klar och kan inte återställas eftersom datakatalogen inte går att "
            "skriva i; tabellerna läses som de var före den.",
            file=sys.stderr,
        )
    for u in settled.running:
        print(f"Obs: {u.describe()} pågår ({settled.holder}); tabellerna läses som de var före den.", file=sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        with _swedish():
            parser.print_help(sys.stderr)
        print("\nFel: ange ett kommando, t.ex. python -m kpi scorecard --period 2022-DÅ08.", file=sys.stderr)
        return 2
    # The same rule as the dashboard: --data, else STYRKORT_DATA, else the bundled data/.
    args.data = location.data_dir(args.data)
    _log_to_file()
    with native_output_to_log():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command != "validate":  # validate reports the journal itself
            _settle(args.data)
        if args.command == "scorecard":
            period = parse_period(args.period)
            as_of = None
            if args.as_of:
                from datetime import date

                try:
                    as_of = date.fromisoformat(args.as_of)
                except ValueError:
                    print(f"Fel: datumet '{args.as_of}' ska skrivas ÅÅÅÅ-MM-DD.", file=sys.stderr)
                    return 2
            evaluation, units = _evaluation_for_scorecard(args.data, as_of)
            unit_id = find_unit(units, args.org)
            card = scorecard(evaluation, View(unit_id, period, SEX_CODES[args.kon]))
            if args.format == "json":
                print(json.dumps(_records(card), ensure_ascii=False, indent=2))
            elif args.format == "csv":
                from kpi.reports.files import records_csv

                # The same neutralising as every file a spreadsheet opens: a text starting with = + - @ gets a '.
                print(records_csv(_records(card)), end="")
            else:
                name = units.filter(pl.col("unit_id") == unit_id)["name"][0]
                sex = "" if args.kon == "alla" else f", {args.kon}"
                _print_table(card, f"Styrkort {name}, {period.label}{sex}")
            return 0
        if args.command == "export":
            return _export(args)
        if args.command == "validate":
            from kpi.store.validation import validate_all

            found = validate_all(args.data)
            for note in (p for p in found if not p.is_error):
                print(f"Obs: {note}")
            problems = [p for p in found if p.is_error]
            shown: dict[tuple[str, str], int] = {}
            for problem in problems:
                kind = (problem.table, problem.message)
                shown[kind] = shown.get(kind, 0) + 1
                if shown[kind] <= _MAX_PER_KIND:
                    print(problem)
            for (table, message), count in shown.items():
                if count > _MAX_PER_KIND:
                    print(f"{table}: … och {count - _MAX_PER_KIND} rader till med samma fel: {message}")
            print("Inga fel hittades." if not problems else f"{len(problems)} fel hittades.")
            return 1 if problems else 0
        if args.command == "build-data":
            from kpi.store.bundled import build_into_object_store, rebuild_store
            from kpi.store.delta import Store

            shared = store_for(args.data)
            if args.out is None and shared.location is not None:  # STYRKORT_STORE: a place in object storage
                print(build_into_object_store(args.data, shared).message)
                return 0
            target = args.out or args.data / "store"
            made = Store(target).read("imports")
            if not made.is_empty() and not args.force:
                print(
                    f"Fel: {target} har {made.height} inläsningar (se python -m kpi imports). Att bygga om tar bort dem och allt de "
                    "läste in. Ange --force om det är meningen, eller bygg till en annan katalog med --out.",
                    file=sys.stderr,
                )
                return 2
            result = rebuild_store(args.data, target=args.out)
            if args.out is None or Path(args.out).resolve() == (args.data / "store").resolve():
                from kpi.evaluation.cache import materialise

                materialise(args.data)  # the stored evaluation follows the store
            print(result.message)
            return 0
        if args.command == "template":
            from kpi.imports.template import build_template, template_years
            from kpi.model.catalogue import load_catalogues
            catalogues = load_catalogues(args.data / "catalogue")
            year = args.year or max(catalogues.years)
            store = store_for(args.data)
            units = store.read("units")
            in_data = {int(y) for y in store.read("observations")["period"].str.slice(0, 4).unique().to_list()}
            years = template_years(in_data, year)
            try:
                args.out.write_bytes(build_template(catalogues.for_year(year), units, years))
            except OSError as error:
                print(f"Fel: mallen kunde inte skrivas till {args.out}: {_write_failure(error)}.", file=sys.stderr)
                return 2
            print(
                f"Skrev mallen {args.out} för katalogen {year} ({len(list(catalogues.for_year(year).measures()))} styrmått, {units.height} enheter)."
            )
            return 0
        if args.command == "copy-store":
            return _copy_store(args)
        if args.command == "history":
            for row in store_for(args.data).history(args.table).iter_rows(named=True):
                # A commit message names who imported which file: one line each, whatever was typed.
                print(f"version {row['version']}  {row['as_of'][:10]}  {row['operation']:<6}  {log_text(row['message'], 400)}")
            return 0
        if args.command in ("import", "undo", "imports", "value-history"):
            return _import_commands(args)
    except StyrkortError as exc:
        print(f"Fel: {exc}{_details() if isinstance(exc, StoreError) else ''}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head and closed early
        return 0
    return 2


def _copy_store(args: argparse.Namespace) -> int:
    """A store in a directory, history and import log included, into the empty place in object
    storage that STYRKORT_STORE names: how a deployment on one machine moves to several."""
    from kpi.store import objects
    from kpi.store.delta import TABLES, Store, failure

    target = store_for(args.data)
    if target.location is None:
        print(f"Fel: ange målet i objektlagring med {objects.STORE_VARIABLE}=s3://hink/prefix.", file=sys.stderr)
        return 2
    source = Path(args.source or args.data / "store")
    if not any(Store(source).exists(t) for t in TABLES):
        print(f"Fel: {source} har inga tabeller att kopiera (ange lagringens katalog, t.ex. /srv/styrkort/data/store).", file=sys.stderr)
        return 2
    # Under the source's own import lock, with an unfinished import there rolled back first, so
    # the copy is of a store at rest.
    with journal.import_lock(source, 0, "kopiering till objektlagring"):
        journal.recover(Store(source))
        try:
            count = objects.upload_directory(source, target.location)
        except StyrkortError:
            raise
        except Exception as error:  # unreachable, refused, no bucket: in Swedish
            raise failure(TABLES["imports"], str(target.root), "skriva", error) from error
    print(f"Kopierade {count} filer från {source} till {target.root}.")
    return 0


def _evaluation_for_scorecard(data_dir: Path, as_of: object) -> tuple[Evaluation, pl.DataFrame]:
    """The evaluation and unit tree: the stored artefact of the store as it is now when there is
    one (the store's tables are then read only if a month is asked for), else evaluated; a past
    version of the store (``--as-of``) is always evaluated."""
    from kpi.evaluation.cache import cached_evaluation, read_artefact
    from kpi.model.settings import load_settings

    if as_of is None:
        found = read_artefact(data_dir, load_settings(data_dir / "styrkort.toml"), lambda: load_dataset(data_dir))
        if found is not None:
            return found
        dataset = load_dataset(data_dir)
        return cached_evaluation(dataset, data_dir), dataset.units
    dataset = load_dataset(data_dir, as_of=as_of)  # type: ignore[arg-type]
    return evaluate_dataset(dataset), dataset.units


def _refresh_evaluation(data_dir: Path) -> None:
    """After an import or undo: the stored evaluation follows the store, where the data directory
    keeps one (the dashboard's does). Best effort: a reader that finds none for the new version
    evaluates the store itself, so a failure here never shows old figures."""
    if not (data_dir / "cache").is_dir():
        return
    from kpi.evaluation.cache import materialise

    try:
        materialise(data_dir)
    except Exception:  # noqa: BLE001 - the write itself is done and stands
        logging.getLogger("styrkort").warning("The evaluation could not be stored after the write", exc_info=True)


def _import_commands(args: argparse.Namespace) -> int:
    from kpi.imports import pipeline
    from kpi.model.formatting import format_value as fmt

    if args.command == "import":
        try:
            content = args.file.read_bytes()
            mapping = args.mapping.read_bytes() if args.mapping else None
        except OSError as error:
            reason = (
                "filen finns inte" if isinstance(error, FileNotFoundError)
                else "behörighet saknas" if isinstance(error, PermissionError)
                else "det är en mapp" if isinstance(error, IsADirectoryError)
                else "filen kan inte läsas"
            )  # fmt: skip
            print(f"Fel: {error.filename} kan inte läsas: {reason}.", file=sys.stderr)
            return 2
        plan = pipeline.prepare(args.data, args.file.name, content, mapping=mapping)
        if not plan.ok:
            print(pipeline.report_text(plan))
            return 1
        print(plan.sentence())
        for table, frame in plan.changes.items():
            changed = frame.filter(pl.col("change") == pipeline.CHANGE_CHANGED)
            for row in changed.head(_MAX_PER_KIND).iter_rows(named=True):
                where = " ".join(str(row[k]) for k in pipeline.TABLES[table].keys)
                if table == "observations":
                    print(
                        f"  ändras: {where}: {fmt(row['old_value'], '', row['old_decimals'] or 0)} → {fmt(row['value'], '', row['decimals'] or 0)}"
                    )
                else:
                    print(f"  ändras: {where}")
            if changed.height > _MAX_PER_KIND:
                print(f"  … och {changed.height - _MAX_PER_KIND} ändringar till i {pipeline.TABLE_WORDS[table]}.")
        if args.dry_run:
            print("Provkörning: inget har skrivits.")
            return 0
        if plan.to_write == 0:
            print("Inget att skriva: allt i filen finns redan.")
            return 0
        record = pipeline.apply(args.data, plan, user=args.user)
        _refresh_evaluation(args.data)
        print(f"Inläst som {record.import_id}. Ångra med: python -m kpi undo {record.import_id}")
        return 0
    if args.command == "undo":
        receipt = pipeline.undo(args.data, args.import_id, user=args.user)
        _refresh_evaluation(args.data)
        print(receipt)
        return 0
    if args.command == "imports":
        log = pipeline.imports(args.data)
        if log.is_empty():
            print("Inga inläsningar ännu.")
        for row in pipeline.log_table(log).iter_rows(named=True):
            print(f"{row['Inläsning']}  {row['När']}  {row['Vem']}  {row['Fil']}  {row['Ändringar']}  [{row['Status']}]")
        return 0
    from kpi.evaluation.scorecard import find_unit
    from kpi.model.catalogue import load_catalogues

    period = parse_period(args.period)
    catalogues = load_catalogues(args.data / "catalogue")
    known = {m.id for year in catalogues.years for m in catalogues.for_year(year).measures()}
    if args.measure not in known:
        print(f"Fel: styrmåttet '{args.measure}' finns inte i katalogen. Styrmåttens id står i data/catalogue/.", file=sys.stderr)
        return 2
    unit_id = find_unit(store_for(args.data).read("units"), args.org)
    history = pipeline.value_history(args.data, args.measure, unit_id, period.id, SEX_CODES[args.kon])
    if history.is_empty():
        print(
            f"Inget värde är lagrat för {args.measure}, {args.org}, {period.label}: värdet visas då beräknat "
            "från månaderna eller enheterna under (se python -m kpi scorecard)."
        )
        return 1
    for row in history.iter_rows(named=True):
        value = fmt(row["value"], "", row["decimals"] or 0)
        print(f"version {row['version']}  {row['as_of']}  {value}  {log_text(row['source'], 400)}  ({log_text(row['message'], 400)})")
    return 0
