"""Benchmark (not a test): load + full evaluation at 1×, 10× and 100× the region.

Each scale copies the verksamhetsområden with their hälsocentraler and kliniker ``scale`` times,
generates the demo months for 2019–2025 and writes a Delta store in a temporary directory; then a
fresh process loads the store and evaluates every measure × unit × period × sex. One JSON line
per scale: rows, seconds (best of 3 for evaluation), peak memory of the measuring process.

    python bench/bench_evaluation.py            # 1, 10, 100
    python bench/bench_evaluation.py 1 10       # chosen scales
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from kpi.model.catalogue import load_catalogues
from kpi.evaluation.scorecard import Dataset, evaluate_dataset
from kpi.model.settings import Settings
from kpi.store.delta import Store

root = Path(sys.argv[1])
t0 = time.perf_counter()
store = Store(root / "store")
dataset = Dataset(
    catalogues=load_catalogues(Path(sys.argv[2]) / "data" / "catalogue"),
    units=store.read("units"),
    observations=store.read("observations"),
    comments=store.read("comments"),
    actions=store.read("actions"),
    settings=Settings(),
)
load_s = time.perf_counter() - t0
timings = []
for _ in range(3):
    t = time.perf_counter()
    evaluation = evaluate_dataset(dataset)
    timings.append(time.perf_counter() - t)
print(json.dumps({
    "observation_rows": dataset.observations.height,
    "units": dataset.units.height,
    "evaluated_rows": evaluation.long.height,
    "load_s": round(load_s, 3),
    "evaluate_s": round(min(timings), 3),
    "evaluate_first_s": round(timings[0], 3),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def main(scales: list[int]) -> None:
    from kpi.store.bundled import build_store

    for scale in scales:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            t = time.perf_counter()
            build_store(ROOT / "data", target=data / "store", scale=scale)
            build_s = time.perf_counter() - t
            out = subprocess.run([sys.executable, "-c", MEASURE, str(data), str(ROOT)], capture_output=True, text=True)
            if out.returncode != 0:
                # Reported, not hidden: e.g. the 100× set running out of memory.
                last = (out.stderr.strip().splitlines() or ["?"])[-1]
                print(json.dumps({"scale": scale, "build_s": round(build_s, 2), "error": f"exit {out.returncode}: {last}"}), flush=True)
                continue
            result = {"scale": scale, "build_s": round(build_s, 2), **json.loads(out.stdout)}
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10, 100])
