"""Benchmark (not a test): the board pack for Division Nära, DÅ08 2022, every perspective and
every measure, from the data to the files.

Times, each over ``--runs`` runs (default 5), printed as min / median / max in seconds with a
decimal comma:

- load + evaluate: ``load_dataset`` and ``kpi.evaluation.cache.cached_evaluation`` (the first run into an
  empty temporary cache evaluates and writes it, and is also shown on its own; the others read it);
- build the pack (``kpi.reports.pack.build_board_pack``);
- render the PDF, the PowerPoint deck and the Excel workbook, with the files' sizes;
- the whole command line, ``python -m kpi export --period 2022-DÅ08 --format pdf``, as a user
  runs it: wall time of a new process, Python start and imports included, on the bundled data
  (and its evaluation cache in ``data/cache``).

Aim: the PDF and the PowerPoint deck each under 15 s, from the command line included. Prints the
figures; asserts nothing.

    python bench/bench_board_pack.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.evaluation.cache import cached_evaluation
from kpi.evaluation.scorecard import DATA_DIR, load_dataset
from kpi.model.view import View
from kpi.reports.files import render_board_pack
from kpi.reports.pack import build_board_pack

UNIT, PERIOD = "div_nara", "2022-DÅ08"
AIM_SECONDS = 15.0


def seconds(value: float) -> str:
    """'0,84 s': two decimals and a decimal comma."""
    return f"{value:.2f}".replace(".", ",") + " s"


def size(n: int) -> str:
    """'125,3 kB' (1 kB = 1 000 byte)."""
    return f"{n / 1000:.1f}".replace(".", ",") + " kB"


def spread(times: list[float]) -> str:
    return f"min {seconds(min(times))} · median {seconds(statistics.median(times))} · max {seconds(max(times))}"


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def line(label: str, times: list[float], extra: str = "") -> None:
    print(f"{label:<34} {spread(times)}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="antal körningar per steg (standard 5)")
    args = parser.parse_args()
    runs = max(args.runs, 1)
    print(f"Nämndens underlag: Division Nära, {PERIOD}, alla perspektiv och styrmått; {runs} körningar per steg.")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cache = folder / "cache"

        def load_and_evaluate() -> tuple[Any, Any]:
            dataset = load_dataset(DATA_DIR)
            return dataset, cached_evaluation(dataset, DATA_DIR, cache_dir=cache)

        first, (dataset, evaluation) = timed(load_and_evaluate)
        loads = [first]
        for _ in range(runs - 1):
            elapsed, (dataset, evaluation) = timed(load_and_evaluate)
            loads.append(elapsed)
        line("inläsning + utvärdering (cache)", loads, f"   (första, tom cache: {seconds(first)})")

        builds = []
        for _ in range(runs):
            elapsed, pack = timed(
                lambda: build_board_pack(dataset, evaluation, View.parse(UNIT, PERIOD), created=datetime.now().replace(microsecond=0))
            )
            builds.append(elapsed)
        line("bygga underlaget", builds, f"   ({len(pack.sections)} perspektiv, {len(pack.measures)} styrmått)")

        rendered: dict[str, list[float]] = {}
        for fmt in ("pdf", "pptx", "xlsx"):
            rendered[fmt] = []
            for _ in range(runs):
                elapsed, content = timed(lambda fmt=fmt: render_board_pack(pack, fmt))  # type: ignore[misc]
                rendered[fmt].append(elapsed)
            (folder / f"styrkort.{fmt}").write_bytes(content)
            line(f"skriva {fmt}", rendered[fmt], f"   {size(len(content))}")

        cli = []
        out = folder / "cli.pdf"
        command = [sys.executable, "-m", "kpi", "export", "--period", PERIOD, "--format", "pdf", "--out", str(out)]
        for _ in range(runs):
            elapsed, result = timed(
                lambda: subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600)
            )
            if result.returncode != 0:
                print(f"kommandot misslyckades ({result.returncode}): {result.stderr.strip()}")
                return
            cli.append(elapsed)
        line("python -m kpi export --format pdf", cli, f"   {size(out.stat().st_size)} (hela processen)")

    # From the data to the file in one process: warm load + build + render.
    for fmt in ("pdf", "pptx"):
        total = statistics.median(loads[1:] or loads) + statistics.median(builds) + statistics.median(rendered[fmt])
        print(f"{fmt}: data → fil i en process, median {seconds(total)}", end="")
        print(f" (mål under {seconds(AIM_SECONDS)}: {'nått' if total < AIM_SECONDS else 'ej nått'})")
    worst = max(cli)
    print(f"pdf från kommandoraden, sämsta körning {seconds(worst)} (mål under {seconds(AIM_SECONDS)}: "
          f"{'nått' if worst < AIM_SECONDS else 'ej nått'})")  # fmt: skip


if __name__ == "__main__":
    main()
