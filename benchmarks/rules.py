"""Benchmark: evaluate england plus a local profile over synthetic national-size cohorts.

    python benchmarks/rules.py [--sizes 10000,85000,250000] [--profile bolton] [--oracle]

Each size runs in its own process, pinned to one core with polars on one thread: the cohort is generated in
memory (not timed), turned into cohort tables (``cohort_from_records``, timed apart: an adapter that reads its
source straight into tables skips it), then the columnar engine evaluates every rule of the profile (which extends
england) on the whole cohort (``evaluate_cohort``, the fastest of three runs). Prints wall and CPU seconds of each
step, the process's peak RSS, obligations and alerts. ``--oracle`` also times the object engine it replaced
(``tests/rules_oracle.py``) on the same records. Target for 85,000 children: evaluation well under 1 s CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 23)


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """``step()``, its wall and CPU seconds (this process: user + system)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def measure(children: int, profile_name: str, oracle: bool) -> dict[str, float]:
    """Generate ``children`` records, then time their tables and one evaluation of ``profile_name``."""
    from permanence_core.cohort import cohort_from_records
    from permanence_core.rules import load_profile
    from permanence_core.rules.engine import calendar_for, evaluate_cohort
    from permanence_core.synth import CohortGenerator, CohortSpec

    records = [child.record for child in CohortGenerator(CohortSpec(children=children, seed=1, as_of=AS_OF))]
    profile = load_profile(profile_name)
    calendar = calendar_for(profile)
    gc.collect()
    gc.freeze()  # the cohort is long-lived: keep the collector from re-walking it, as a nightly job would
    cohort, tables_wall, tables_cpu = timed(lambda: cohort_from_records(records))
    runs = [timed(lambda: evaluate_cohort(cohort, profile, AS_OF, calendar)) for _ in range(3)]
    evaluation, wall, cpu = min(runs, key=lambda run: run[2])
    row = {
        "children": children,
        "rules": len(profile.rules),
        "tables_seconds": round(tables_wall, 2),
        "tables_cpu": round(tables_cpu, 2),
        "seconds": round(wall, 3),
        "cpu": round(cpu, 3),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "obligations": evaluation.table.height,
        "alerts": len(evaluation.alerts),
    }
    if oracle:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        import rules_oracle

        _, _, row["oracle_cpu"] = timed(lambda: rules_oracle.evaluate(records, profile, AS_OF, calendar))
        row["oracle_cpu"] = round(row["oracle_cpu"], 2)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,85000,250000")
    parser.add_argument("--profile", default="bolton")
    parser.add_argument("--oracle", action="store_true", help="Also time the object engine (tests/rules_oracle.py).")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.profile, args.oracle)))
        return 0
    rows = []
    # One core, as the target says: polars on one thread, and taskset pins the process when it is installed.
    env = {**os.environ, "POLARS_MAX_THREADS": "1"}
    for size in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, __file__, "--one", str(size), "--profile", args.profile]
        command += ["--oracle"] if args.oracle else []
        pinned = ["taskset", "-c", "0", *command]
        try:
            output = subprocess.run(pinned, check=True, capture_output=True, text=True, env=env).stdout
        except FileNotFoundError:
            output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
        rows.append(json.loads(output))
        row = rows[-1]
        oracle = f"  object engine {row['oracle_cpu']:>6.2f} s CPU" if "oracle_cpu" in row else ""
        print(
            f"{row['children']:>7} children  {row['rules']} rules  "
            f"tables {row['tables_seconds']:>5.2f} s ({row['tables_cpu']:>5.2f} s CPU)  "
            f"evaluate {row['seconds']:>6.3f} s ({row['cpu']:>6.3f} s CPU)  "
            f"RSS {row['process_peak_rss_mb']:>7.1f} MB  {row['obligations']:>8} obligations  "
            f"{row['alerts']:>6} alerts{oracle}",
            flush=True,
        )
    base = rows[0]
    for row in rows[1:]:
        scale = row["children"] / base["children"]
        growth = row["cpu"] / base["cpu"]
        print(f"{row['children']:>7} vs {base['children']}: {scale:.1f}x children, {growth:.1f}x evaluation CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
