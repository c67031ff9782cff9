"""Benchmark (not a test): secondary suppression, the code now side by side with an earlier commit.

The inputs of ``kpi.evaluation.suppression.pattern`` are taken once from an evaluation of the
bundled data and of a generated region with many small counts (``tests/evaluation/generated.py``,
scale 1, seed 1: the data set of the slow equivalence test), or of ``bench/bench_evaluation.py``'s
region at a scale (``--data region10``). Then ``pattern`` runs on exactly
those inputs, alternately from the working tree and from ``--before`` (the module as it was at
that commit, read with ``git show``), and prints the CPU seconds of each run and how the masked
sets differ, and the CPU seconds of the whole step in the evaluation (``suppressed_keys``: the
months of the measures with small numbers rolled up for every unit, then ``pattern``). Asserts
nothing.

    python bench/bench_suppression.py                      # before = 977c73c, 2 rounds
    python bench/bench_suppression.py --before HEAD~1 --rounds 3 --data bundled
    python bench/bench_suppression.py --before 2946394 --rounds 1 --data region10   # bench_evaluation.py's 10× region
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kpi.evaluation.engine as engine  # noqa: E402
from kpi.evaluation import suppression  # noqa: E402
from kpi.evaluation.scorecard import Dataset, evaluate_dataset, load_dataset  # noqa: E402


def inputs(which: str) -> tuple[tuple[object, ...], float]:
    """The arguments ``pattern`` is called with when ``which`` (bundled, generated) is evaluated,
    and the CPU seconds of the whole ``suppressed_keys`` (the months rolled up too) in that run."""
    seen: list[tuple[object, ...]] = []
    original, whole = engine.decide, engine.suppressed_keys
    spent: list[float] = []

    def spy(*args: object) -> object:
        seen.append(args[:5])  # pattern's arguments
        return original(*args)

    def timed(*args: object) -> object:
        start = time.process_time()
        out = whole(*args)
        spent.append(time.process_time() - start)
        return out

    engine.decide, engine.suppressed_keys = spy, timed
    try:
        if which == "bundled":
            dataset = load_dataset(ROOT / "data")
        elif which.startswith("region"):
            dataset = region(int(which.removeprefix("region")))
        else:
            from tests.evaluation.generated import generated_dataset

            dataset = generated_dataset(1, seed=1)
        evaluate_dataset(dataset)
    finally:
        engine.decide, engine.suppressed_keys = original, whole
    return seen[0], spent[0]


def region(scale: int) -> Dataset:
    """The region of ``bench/bench_evaluation.py`` at ``scale`` (its units copied that many times)."""
    import polars as pl

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_evaluation import make_data

    from kpi.model.catalogue import load_catalogues
    from kpi.model.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        make_data(scale, Path(folder))
        units, observations = (pl.read_parquet(Path(folder) / f"{name}.parquet") for name in ("units", "observations"))
    return Dataset(
        catalogues=load_catalogues(ROOT / "data" / "catalogue"), units=units, observations=observations,
        comments=pl.DataFrame(), actions=pl.DataFrame(), settings=Settings(),
    )  # fmt: skip


def module_at(revision: str) -> ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:kpi/evaluation/suppression.py"], check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "suppression_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("suppression_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="977c73c", help="the commit to compare with (default: before the speed work of issue 19)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", default="bundled,generated", help="bundled, generated, regionN (the evaluation benchmark's region at scale N)")
    args = parser.parse_args()
    before = module_at(args.before)
    for which in args.data.split(","):
        arguments, whole = inputs(which)
        seconds: dict[str, list[float]] = {"before": [], "now": []}
        masked: dict[str, set[int]] = {}
        for _ in range(args.rounds):
            for name, module in (("before", before), ("now", suppression)):
                start = time.process_time()
                keys = module.pattern(*arguments)
                seconds[name].append(time.process_time() - start)
                masked[name] = set(keys.to_list())
        gained, lost = masked["now"] - masked["before"], masked["before"] - masked["now"]
        line = ", ".join(f"{n} {' / '.join(f'{s:.2f}' for s in v)} s (median {statistics.median(v):.2f})" for n, v in seconds.items())
        print(
            f"{which}: CPU {line}; masked {len(masked['before'])} before, {len(masked['now'])} now (+{len(gained)} −{len(lost)}); "
            f"suppressed_keys now, months rolled up included: {whole:.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
