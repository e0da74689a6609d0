"""Load benchmark: a national-size synthetic SSDA903 return through the ssda903 adapter, against pandas.read_csv.

Run: .venv/bin/python benchmarks/run.py [--sizes 10000,85000,250000] [--seed 903] [--repeat 1]

For each size it generates a return-only cohort (cached in the temp folder by size, seed and date), then
measures in separate child processes (so one does not inherit the other's memory):
  - pandas: ``pandas.read_csv`` of the same CSV files, and nothing else;
  - permanence_core: ``Plugins().load("ssda903", folder)``, the full load into CaseRecords.
Each child reports its wall time for the read alone (imports excluded) and its own peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). Figures only: the exit status is non-zero only on a crash.
Targets (national cohort, 85,000 children): load at most 3x pandas' time, peak memory under 1.5 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from permanence_core.synth import CohortSpec, generate

TARGET_RATIO = 3.0
TARGET_PEAK_MB = 1536
NATIONAL = 85_000
#: A fixed date so cached cohorts stay valid from one day to the next.
AS_OF = dt.date(2026, 3, 31)
COMPLETE = ".complete"

# The child processes' code: each prints one JSON line with its figures.
_PEAK = """
import resource, sys
def peak_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
"""
_PANDAS = (
    _PEAK
    + """
import json, pathlib, time
import pandas
folder = pathlib.Path(sys.argv[1])
start = time.perf_counter()
frames = {path.name: pandas.read_csv(path) for path in sorted(folder.glob("*.csv"))}
seconds = time.perf_counter() - start
rows = {name: len(frame) for name, frame in frames.items()}
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "rows": rows}))
"""
)
_PERMANENCE = (
    _PEAK
    + """
import json, time
from permanence_core.plugins.manager import Plugins
plugins = Plugins()
start = time.perf_counter()
result = plugins.load("ssda903", sys.argv[1])
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "peak_mb": peak_mb(),
    "children": len(result.records),
    "episodes": sum(len(record.episodes) for record in result.records),
    "reviews": sum(len(record.reviews) for record in result.records),
    "rejected": len(result.rejected),
}))
"""
)


def cohort(size: int, seed: int, cache: Path) -> Path:
    """The cached return-only cohort of ``size`` children, generated on first use."""
    folder = cache / f"cohort-{size}-seed{seed}-{AS_OF.isoformat()}"
    if not (folder / COMPLETE).exists():
        print(f"generating {size:,} children into {folder} ...", flush=True)
        start = time.perf_counter()
        generate(CohortSpec(children=size, seed=seed, as_of=AS_OF, casework=False), folder)
        (folder / COMPLETE).write_text("")
        print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


def measure(code: str, folder: Path, repeat: int) -> dict:
    """Run ``code`` in ``repeat`` fresh interpreters and keep the fastest run's figures."""
    best = None
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"benchmark child process failed (exit {done.returncode})")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        if best is None or figures["seconds"] < best["seconds"]:
            best = figures
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,85000,250000", help="Comma-separated cohort sizes (children).")
    parser.add_argument("--seed", type=int, default=903)
    parser.add_argument("--repeat", type=int, default=1, help="Runs per measurement; the fastest is kept.")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "permanence-bench")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    rows = []
    for size in sizes:
        folder = cohort(size, args.seed, args.cache)
        csv_mb = sum(path.stat().st_size for path in folder.glob("*.csv")) / 1e6
        pandas = measure(_PANDAS, folder, args.repeat)
        loaded = measure(_PERMANENCE, folder, args.repeat)
        rows.append((size, csv_mb, pandas, loaded))
        print(
            f"{size:>8,} children: pandas {pandas['seconds']:.2f} s / {pandas['peak_mb']:.0f} MB, "
            f"permanence {loaded['seconds']:.2f} s / {loaded['peak_mb']:.0f} MB",
            flush=True,
        )
    print()
    print(
        f"{'children':>9} {'episodes':>9} {'reviews':>9} {'CSV MB':>7} {'pandas s':>9} {'load s':>8} {'ratio':>6} "
        f"{'pandas MB':>10} {'load MB':>8} {'load s/10k':>10} {'rejected':>8}"
    )
    for size, csv_mb, pandas, loaded in rows:
        ratio = loaded["seconds"] / pandas["seconds"]
        print(
            f"{loaded['children']:>9,} {loaded['episodes']:>9,} {loaded['reviews']:>9,} {csv_mb:>7.1f} "
            f"{pandas['seconds']:>9.2f} {loaded['seconds']:>8.2f} {ratio:>6.2f} {pandas['peak_mb']:>10.0f} "
            f"{loaded['peak_mb']:>8.0f} {loaded['seconds'] / size * 10_000:>10.2f} {loaded['rejected']:>8}"
        )
    national = [row for row in rows if row[0] == NATIONAL]
    if national:
        _size, _mb, pandas, loaded = national[0]
        ratio = loaded["seconds"] / pandas["seconds"]
        print()
        print(f"target at {NATIONAL:,} children: ratio {ratio:.2f} (at most {TARGET_RATIO:g}) - "
              f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}; peak {loaded['peak_mb']:.0f} MB "
              f"(under {TARGET_PEAK_MB} MB) - {'met' if loaded['peak_mb'] < TARGET_PEAK_MB else 'MISSED'}")  # fmt: skip
    print("Growth is linear when 'load s/10k' stays flat across sizes.")


if __name__ == "__main__":
    main()
