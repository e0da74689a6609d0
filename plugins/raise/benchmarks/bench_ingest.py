"""Ingest benchmark: a synthetic cohort dropped into a RAISE inbox, then a small pack update, against a plain load.

Run: .venv/bin/python plugins/raise/benchmarks/bench_ingest.py [--sizes 10000,85000] [--no-pack]

For each size it generates a cohort (SSDA903 tables, plus the pack in pack/ unless --no-pack) into a fresh
inbox's incoming/ folder and measures, in this process:
  - load: ``Plugins().load("ssda903", folder)`` of the same files, the floor any ingest pays once (it
    validates a drop by loading the snapshot it would make);
  - first ingest: the whole drop hashed, sorted, copied into a snapshot, loaded and archived;
  - update ingest: a loose meetings.csv dropped afterwards (the pack changes, the return is carried over
    by hard link), which still loads the whole snapshot to validate it;
  - rerun: ingest with nothing new (the cost of a scheduled run on a quiet day).
Figures only: the exit status is non-zero only on a crash.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from permanence_raise.config import RaiseConfig
from permanence_raise.inbox import ingest

from permanence_core.plugins.manager import Plugins
from permanence_core.synth import CohortSpec, generate

AS_OF = dt.date(2026, 3, 31)
SETTLED = RaiseConfig(settle_seconds=0)


def _timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def measure(children: int, pack: bool, workdir: Path) -> dict[str, object]:
    """Figures for one cohort size."""
    root = workdir / f"inbox-{children}"
    drop = root / "incoming" / "2026-03-31"
    generate(CohortSpec(children=children, seed=903, as_of=AS_OF, casework=pack), drop)
    size_mb = sum(p.stat().st_size for p in drop.rglob("*") if p.is_file()) / 1e6
    load_s, loaded = _timed(lambda: Plugins().load("ssda903", str(drop), {}))
    first_s, first = _timed(lambda: ingest(root, SETTLED))
    child_id = loaded.records[0].child_id
    (root / "incoming" / "meetings.csv").write_text(
        f"meeting_id,kind,date,children\nBENCH-1,tracking_panel,2026-03-26,{child_id}\n", encoding="utf-8"
    )
    update_s, update = _timed(lambda: ingest(root, SETTLED))
    rerun_s, _ = _timed(lambda: ingest(root, SETTLED))
    return {
        "children": children,
        "drop_mb": round(size_mb, 1),
        "records_read": loaded.read,
        "load_s": round(load_s, 2),
        "first_ingest_s": round(first_s, 2),
        "update_ingest_s": round(update_s, 2),
        "rerun_s": round(rerun_s, 3),
        "outcomes": [first.drops[0].outcome.value, update.drops[0].outcome.value],
        "peak_mb_so_far": round(_peak_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,85000", help="comma-separated cohort sizes (children)")
    parser.add_argument("--no-pack", action="store_true", help="return only (faster to generate)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="raise-bench-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(json.dumps(measure(size, not args.no_pack, workdir)), flush=True)
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
