"""Write-back throughput: outbox delivery with the SQLite state store, reruns, and nightly alert raising.

Run: .venv/bin/python benchmarks/bench_writeback.py [--items N] [--alerts N]
Prints figures only; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import responses

from permanence_core.rules.obligations import Alert, AlertStatus
from permanence_core.writeback import CaseNote, HttpGateway, Outbox, StateStore, WorkTrayAlert, WriteBack


def notes(count: int) -> list[CaseNote]:
    return [
        CaseNote(
            child_id=f"C{n:06d}",
            note_type="PERM",
            title="Tracking panel outcome",
            contact_date=dt.date(2025, 3, 1),
            body=f"Synthetic body {n}.",
        )
        for n in range(count)
    ]


def alerts(count: int, status: AlertStatus) -> list[Alert]:
    return [
        Alert(
            child_id=f"C{n:06d}",
            rule="review.first",
            status=status,
            due_date=dt.date(2025, 3, 3),
            anchor_event="became looked after",
            anchor_date=dt.date(2025, 2, 3),
            message="review.first due 2025-03-03",
            source="Care Planning Regulations 2010, reg 33",
        )
        for n in range(count)
    ]


def to_task(change):
    return WorkTrayAlert(child_id=change.child_id, recipient_role="team_manager", title=change.status, body="x")


def timed(label: str, count: int, action) -> None:
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    print(f"{label:<52} {count:>7} items  {seconds:7.2f} s  {count / seconds:9.0f} items/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=20000)
    args = parser.parse_args()
    items = notes(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'state.sqlite'}"
        with WriteBack(Outbox(root / "out"), StateStore(url)) as wb:
            timed("outbox, first run (file + sidecar + store)", len(items), lambda: wb.deliver(items))
            timed("outbox, rerun (all duplicates, no files written)", len(items), lambda: wb.deliver(items))

        gateway = HttpGateway("https://gateway.invalid/api", sleep=lambda _s: None)
        with responses.RequestsMock() as mock, WriteBack(gateway, StateStore(f"sqlite:///{root / 'h.sqlite'}")) as wb:
            mock.post("https://gateway.invalid/api/case-notes", status=201, json={"id": "N1"})
            timed("HTTP gateway (mocked, no network), first run", len(items), lambda: wb.deliver(items))

        first, overdue = alerts(args.alerts, AlertStatus.UPCOMING), alerts(args.alerts, AlertStatus.OVERDUE)
        with WriteBack(Outbox(root / "alerts"), StateStore(f"sqlite:///{root / 'a.sqlite'}")) as wb:
            timed("alerts, first night (all new)", len(first), lambda: wb.raise_alerts(first, to_task))
            timed("alerts, next night (all unchanged)", len(first), lambda: wb.raise_alerts(first, to_task))
            timed("alerts, all become overdue", len(overdue), lambda: wb.raise_alerts(overdue, to_task))


if __name__ == "__main__":
    main()
