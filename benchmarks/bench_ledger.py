"""Ledger throughput: a first sync of a synthetic cohort, an unchanged resync, and a panel's agenda and pack.

Run: .venv/bin/python benchmarks/bench_ledger.py [--children N] [--url DATABASE_URL]
The default ledger is a SQLite file in a temporary folder; give --url for PostgreSQL (an empty database).
Prints wall and CPU seconds (this process's; PostgreSQL's own are not counted); nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.synth import CohortGenerator, CohortSpec
from permanence_core.tracker import agenda, panel
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.sync import record_sync

AS_OF = dt.date(2026, 11, 2)


def timed(label: str, action):
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--url", help="ledger database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    records = timed(
        f"generate {args.children} children",
        lambda: tuple(
            child.record for child in CohortGenerator(CohortSpec(children=args.children, seed=7, as_of=AS_OF))
        ),
    )
    result = LoadResult(records=records, read=len(records))
    meetings = sum(len(r.meetings) for r in records)
    actions = sum(len(m.actions) for r in records for m in r.meetings)
    print(f"cohort: {len(records)} children, {meetings} meetings, {actions} actions")
    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'ledger.sqlite'}"
        with Ledger(url) as ledger:
            first = timed(
                "first sync (everything new)", lambda: record_sync(ledger, result, adapter="synth", source="x")
            )
            print(
                f"  recorded: {first.meetings_added} meetings, {first.actions_added} actions, "
                f"{first.plans_changed} plans"
            )
            timed("unchanged resync", lambda: record_sync(ledger, result, adapter="synth", source="x"))
            day = AS_OF + dt.timedelta(days=10)
            held = panel.schedule(ledger, day)
            evaluation = timed("evaluate (panel-tor) as of the panel", lambda: api.evaluate(records, "panel-tor", day))
            built = timed("build and save the agenda", lambda: _agenda(ledger, held, records, evaluation))
            print(f"  on the agenda: {len(built.entries)} children")
            pack = timed(
                "widen the pack (pages, open actions)", lambda: agenda.agenda_pack(ledger, built, records, evaluation)
            )
            print(f"  pack pages: {len(pack.pages)}")


def _agenda(ledger, held, records, evaluation):
    built = agenda.build_agenda(ledger, held, records, evaluation)
    agenda.save_agenda(ledger, built)
    return built


if __name__ == "__main__":
    main()
