"""Benchmark: importing 100 000 outcome rows (CSV and the Excel template), end to end.

Builds a file of valid monthly outcomes for the bundled catalogue and units (every monthly
measure × reporting unit × month × sex, as many as needed), copies the bundled store to a
temporary directory, and times each step: read, validate, compare with the store (the preview),
write (Delta versions + import log), and undo; and the CPU seconds from upload to written (this
process and the workbook reader's child, start included), which a busy machine disturbs less than
the wall clock. Prints the figures; asserts nothing.

    python bench/bench_import.py [--rows 100000] [--format csv|xlsx|both]
"""

from __future__ import annotations

import argparse
import gc
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.imports import pipeline

try:
    from kpi.imports import isolate
except ImportError:  # the code before the workbook reader ran apart (0f0d660), run side by side
    isolate = None
from kpi.imports.check import CheckContext, check_file
from kpi.imports.read import read_file
from kpi.model.catalogue import REPORTING_UNIT_TYPES, ValueKind, load_catalogues
from kpi.model.settings import Settings
from kpi.store.bundled import copy_data
from kpi.store.delta import Store

HEADER = ["styrmått", "enhet", "period", "kön", "värde", "täljare", "nämnare", "källa"]


def rows(data_dir: Path, n: int) -> list[list[object]]:
    catalogue = load_catalogues(data_dir / "catalogue").for_year(2022)
    units = Store(data_dir / "store").read("units")
    reporting = units.filter(units["unit_type"].is_in([t.value for t in REPORTING_UNIT_TYPES]) & units["valid_to"].is_null())
    out: list[list[object]] = []
    measures = [m for m in catalogue.measures() if m.monthly]
    year = 2027  # a year with no data yet: every row is new
    while len(out) < n:
        for m in measures:
            for unit in reporting.select("unit_id", "unit_type").iter_rows():
                if unit[1] not in {t.value for t in m.reported_by}:
                    continue
                for month in range(1, 13):
                    for sex in ("Kvinnor", "Män") if m.split_by_sex else ("Totalt",):
                        den = 200 + (len(out) % 97)
                        num = den * 3 // 4
                        if m.value_kind is ValueKind.SHARE:
                            out.append(
                                [
                                    m.id,
                                    unit[0],
                                    f"{year}-{month:02d}",
                                    sex,
                                    f"{num / den * 100:.1f}".replace(".", ",") + " %",
                                    num,
                                    den,
                                    "Benchmark",
                                ]
                            )
                        else:
                            out.append([m.id, unit[0], f"{year}-{month:02d}", sex, str(num), None, None, "Benchmark"])
                        if len(out) == n:
                            return out
        year += 1
    return out


def as_csv(table: list[list[object]]) -> bytes:
    lines = [";".join(HEADER)] + [";".join("" if c is None else str(c) for c in r) for r in table]
    return ("\n".join(lines) + "\n").encode("utf-8")


def as_xlsx(table: list[list[object]]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("Utfall")
    sheet.write_row(0, 0, HEADER)
    for i, r in enumerate(table, start=1):
        sheet.write_row(i, 0, r)
    book.close()
    return buffer.getvalue()


def run(name: str, content: bytes, n: int) -> None:
    settings = Settings(import_max_rows=max(n, 200_000), import_max_megabytes=200)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = copy_data(ROOT / "data", Path(tmp))
        limits = pipeline.limits_from(settings)
        if isolate is not None:  # as the import page does when it opens, before a file is chosen
            isolate.warm_up()
            time.sleep(2)
        gc.disable()  # as pipeline.prepare does
        t0 = time.perf_counter()
        raw = read_file(name, content, limits)
        t1 = time.perf_counter()
        checked = check_file(raw, CheckContext(load_catalogues(data_dir / "catalogue"), Store(data_dir / "store").read("units")))
        t2 = time.perf_counter()
        gc.enable()
        assert checked.ok, checked.problems[:3]
        if isolate is not None:
            time.sleep(2)  # the next reader, started after the first file, is ready as it would be for the next upload
        upload, cpu = time.perf_counter(), _cpu_seconds()
        plan = pipeline.prepare(data_dir, name, content, settings=settings)  # read + validate + preview
        t3 = time.perf_counter()
        record = pipeline.apply(data_dir, plan, user="benchmark", settings=settings)
        t4, cpu = time.perf_counter(), _cpu_seconds() - cpu
        pipeline.undo(data_dir, record.import_id, user="benchmark", settings=settings)
        t5 = time.perf_counter()
    size = len(content) / 1_000_000
    print(
        f"{name:<22} {n:>7} rows {size:6.1f} MB | read {t1 - t0:5.2f} s | validate {t2 - t1:5.2f} s | "
        f"prepare (read+validate+preview) {t3 - upload:5.2f} s | write {t4 - t3:5.2f} s | "
        f"upload→written {t4 - upload:5.2f} s (CPU {cpu:5.2f} s) | undo {t5 - t4:5.2f} s"
    )


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the workbook reader): on a busy
    machine it varies less than the wall-clock time, so runs side by side compare better."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    args = parser.parse_args()
    table = rows(ROOT / "data", args.rows)
    if args.format in ("csv", "both"):
        run("utfall.csv", as_csv(table), len(table))
    if args.format in ("xlsx", "both"):
        run("utfall.xlsx", as_xlsx(table), len(table))


if __name__ == "__main__":
    main()
