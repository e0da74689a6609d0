"""Benchmark: the tracker report (rows, drift, HTML page, XLSX workbook) over synthetic cohorts.

    python benchmarks/bench_tracker.py [--sizes 1000,5000,20000] [--profile england]
    python benchmarks/bench_tracker.py --source FOLDER [--as-of 2026-11-02]

Each size runs in its own process: the cohort is generated in memory (or, with ``--source``, a cohort
``permanence synth`` wrote, pack included, is loaded as ``permanence tracker --adapter ssda903`` loads it;
not timed), then, as ``permanence tracker`` runs them, the records' cohort and detail tables, the evaluation
and each tracker step are timed on one core, with the cyclic collector paused as ``permanence tracker``
pauses it. Prints seconds per step (wall and CPU), the size of the HTML page and the workbook, and the
process's peak RSS. The page grows about 1.5 KB per looked-after child (a table row, a heading and the
timeline's data); issue #18's target is the 20,000-child page in at most 5 s.
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


def measure(children: int, profile: str, source: str | None = None, as_of: dt.date = AS_OF) -> dict[str, float]:
    """Generate ``children`` records (or load ``source``), then time the evaluation and each tracker step."""
    from permanence_core import api
    from permanence_core.cohort import cohort_from_records, detail_from_records
    from permanence_core.collector import collector_paused
    from permanence_core.synth import CohortGenerator, CohortSpec
    from permanence_core.tracker.drift import assess_drift
    from permanence_core.tracker.html import render_html
    from permanence_core.tracker.report import report_from_cohort
    from permanence_core.tracker.xlsx import write_xlsx

    if source:
        records = api.load("ssda903", source).records
    else:
        records = [child.record for child in CohortGenerator(CohortSpec(children=children, seed=1, as_of=as_of))]
    timings: dict[str, float] = {}

    def timed(name: str, work: Callable[[], T]) -> T:
        started, cpu = time.perf_counter(), time.process_time()
        with collector_paused():
            result = work()
        timings[f"{name}_seconds"] = time.perf_counter() - started
        timings[f"{name}_cpu_seconds"] = time.process_time() - cpu
        return result

    cohort, detail = timed("tables", lambda: (cohort_from_records(records), detail_from_records(records)))
    evaluation = timed("evaluate", lambda: api.evaluate_cohort(cohort, profile=profile, as_of=as_of))
    report = timed("rows", lambda: report_from_cohort(cohort, detail, evaluation))
    drift = timed("drift", lambda: assess_drift(report.rows, as_of))
    html = timed("html", lambda: render_html(report, drift))
    workbook = io.BytesIO()
    timed("xlsx", lambda: write_xlsx(report, drift, workbook))

    return {
        "children": len(records),
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
    parser.add_argument("--source", help="a cohort folder permanence synth wrote (instead of --sizes)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.profile, args.source, args.as_of)))
        return 0
    sizes = [0] if args.source else [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        # taskset pins the measurement to one core; fall back when it is missing.
        command = [sys.executable, __file__, "--one", str(size), "--profile", args.profile]
        command += ["--as-of", args.as_of.isoformat(), *(["--source", args.source] if args.source else [])]
        try:
            output = subprocess.run(["taskset", "-c", "0", *command], check=True, capture_output=True, text=True)
        except FileNotFoundError:
            output = subprocess.run(command, check=True, capture_output=True, text=True)
        print(output.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
