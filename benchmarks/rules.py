"""Benchmark: evaluate england plus a local profile over synthetic national-size cohorts.

    python benchmarks/rules.py [--sizes 10000,85000,250000] [--profile bolton]

Each size runs in its own process: the cohort is generated in memory (not timed), then one core
evaluates every rule of the profile (which extends england). Prints evaluation time, the memory the
evaluation itself allocated (tracemalloc peak), the process's peak RSS, obligations and alerts per second.
Target for 85,000 children: under 5 s and 1 GB, growing linearly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import subprocess
import sys
import time
import tracemalloc

AS_OF = dt.date(2026, 11, 23)


def measure(children: int, profile_name: str) -> dict[str, float]:
    """Generate ``children`` records, then time one evaluation of ``profile_name``."""
    from permanence_core.rules import evaluate, load_profile
    from permanence_core.rules.engine import calendar_for
    from permanence_core.synth import CohortGenerator, CohortSpec

    records = [child.record for child in CohortGenerator(CohortSpec(children=children, seed=1, as_of=AS_OF))]
    profile = load_profile(profile_name)
    calendar = calendar_for(profile)
    gc.collect()
    gc.freeze()  # the cohort is long-lived: keep the collector from re-walking it, as a nightly job would
    tracemalloc.start()
    started = time.perf_counter()
    evaluation = evaluate(records, profile, AS_OF, calendar)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows allocation; time once more without it for the headline figure.
    del evaluation
    started = time.perf_counter()
    evaluation = evaluate(records, profile, AS_OF, calendar)
    untraced = time.perf_counter() - started
    return {
        "children": children,
        "rules": len(profile.rules),
        "seconds": round(untraced, 2),
        "seconds_traced": round(seconds, 2),
        "evaluation_peak_mb": round(peak / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "obligations": len(evaluation.obligations),
        "alerts": len(evaluation.alerts),
        "obligations_per_second": round(len(evaluation.obligations) / untraced),
        "alerts_per_second": round(len(evaluation.alerts) / untraced),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,85000,250000")
    parser.add_argument("--profile", default="bolton")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.profile)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        # taskset pins the measurement to one core, as the target says; fall back when it is missing.
        command = [sys.executable, __file__, "--one", str(size), "--profile", args.profile]
        pinned = ["taskset", "-c", "0", *command]
        try:
            output = subprocess.run(pinned, check=True, capture_output=True, text=True).stdout
        except FileNotFoundError:
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output))
        row = rows[-1]
        print(
            f"{row['children']:>7} children  {row['rules']} rules  {row['seconds']:>6.2f} s  "
            f"eval peak {row['evaluation_peak_mb']:>7.1f} MB  process RSS {row['process_peak_rss_mb']:>7.1f} MB  "
            f"{row['obligations']:>8} obligations  {row['alerts']:>6} alerts  "
            f"{row['obligations_per_second']:>7}/s obligations  {row['alerts_per_second']:>6}/s alerts",
            flush=True,
        )
    base = rows[0]
    for row in rows[1:]:
        scale = row["children"] / base["children"]
        growth = row["seconds"] / base["seconds"]
        print(f"{row['children']:>7} vs {base['children']}: {scale:.1f}x children, {growth:.1f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
