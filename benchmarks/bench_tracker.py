"""Benchmark: the tracker report (rows, drift, HTML page, XLSX workbook) over synthetic cohorts.

    python benchmarks/bench_tracker.py [--sizes 1000,5000,20000] [--profile england]

Each size runs in its own process: the cohort is generated in memory and evaluated (not timed), then
each tracker step is timed on one core, with the cyclic collector paused as ``permanence tracker`` pauses
it. Prints seconds per step (wall and CPU), the size of the HTML page and the workbook, and the process's
peak RSS. The page grows about 1.5 KB per looked-after child (a table row, a heading and the timeline's
data); issue #18's target is the 20,000-child page in at most 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypeVar

AS_OF = dt.date(2026, 11, 2)
T = TypeVar("T")


def measure(children: int, profile: str) -> dict[str, float]:
    """Generate and evaluate ``children`` records, then time each tracker step."""
    from permanence_core import api
    from permanence_core.collector import collector_paused
    from permanence_core.synth import CohortGenerator, CohortSpec
    from permanence_core.tracker.drift import assess_drift
    from permanence_core.tracker.html import render_html
    from permanence_core.tracker.report import build_report
    from permanence_core.tracker.xlsx import write_xlsx

    records = [child.record for child in CohortGenerator(CohortSpec(children=children, seed=1, as_of=AS_OF))]
    evaluation = api.evaluate(records, profile=profile, as_of=AS_OF)
    timings: dict[str, float] = {}

    def timed(name: str, work: Callable[[], T]) -> T:
        started, cpu = time.perf_counter(), time.process_time()
        with collector_paused():
            result = work()
        timings[f"{name}_seconds"] = time.perf_counter() - started
        timings[f"{name}_cpu_seconds"] = time.process_time() - cpu
        return result

    report = timed("rows", lambda: build_report(records, evaluation))
    drift = timed("drift", lambda: assess_drift(report.rows, AS_OF))
    html = timed("html", lambda: render_html(report, drift))
    workbook = io.BytesIO()
    timed("xlsx", lambda: write_xlsx(report, drift, workbook))

    return {
        "children": children,
        "looked_after": len(report.looked_after),
        **{name: round(seconds, 2) for name, seconds in timings.items()},
        "html_mb": round(len(html.encode()) / 2**20, 1),
        "xlsx_mb": round(len(workbook.getvalue()) / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--profile", default="england")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.profile)))
        return 0
    for size in (int(s) for s in args.sizes.split(",")):
        # taskset pins the measurement to one core; fall back when it is missing.
        command = [sys.executable, __file__, "--one", str(size), "--profile", args.profile]
        try:
            output = subprocess.run(["taskset", "-c", "0", *command], check=True, capture_output=True, text=True)
        except FileNotFoundError:
            output = subprocess.run(command, check=True, capture_output=True, text=True)
        print(output.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
