"""Alerts to LCS work-tray tasks: each new or changed alert goes to the child's allocated Team Manager.

Used with the shared write-back, which raises an alert once and again only when it changes::

    to_task = work_tray_tasks(loaded.records, as_of)
    with api.writer("liquidlogic", options) as writer:
        writer.raise_alerts(evaluation.alerts, to_task, resolved_in=[r.child_id for r in loaded.records])

Bolton (seed 004): at four weeks looked after, the prompt to convene the PPM shows in the allocated Team
Manager's work tray; the ``bolton`` profile's ``ppm.convene_prompt`` rule is that alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from permanence_core.model import AllocatedWorker, CaseRecord, WorkerRole
from permanence_core.writeback import AlertChange, WorkTrayAlert


def allocated(record: CaseRecord, role: WorkerRole, on: dt.date) -> AllocatedWorker | None:
    """The worker allocated to the child in ``role`` on day ``on``: the latest allocation begun by then, not ended."""
    current = [
        worker
        for worker in record.workers
        if worker.role is role
        and (worker.start is None or worker.start <= on)
        and (worker.end is None or on < worker.end)
    ]
    return max(current, key=lambda worker: worker.start or dt.date.min) if current else None


def work_tray_tasks(records: Iterable[CaseRecord], as_of: dt.date) -> Callable[[AlertChange], WorkTrayAlert | None]:
    """The ``to_item`` function for ``raise_alerts``: a task to the Team Manager allocated on ``as_of``.

    A resolved alert is recorded and not sent (the obligation was met; nobody needs a task for it). A child
    with no Team Manager allocated still gets its task, without a recipient: the outbox queues it for
    business support to route, and a gateway refuses it as a failed receipt that is retried next run.
    """
    by_id = {record.child_id: record for record in records}

    def to_task(change: AlertChange) -> WorkTrayAlert | None:
        alert = change.alert
        if alert is None:
            return None
        record = by_id.get(change.child_id)
        manager = allocated(record, WorkerRole.TEAM_MANAGER, as_of) if record is not None else None
        return WorkTrayAlert(
            child_id=alert.child_id,
            recipient_role=WorkerRole.TEAM_MANAGER.value,
            recipient_id=manager.worker_id if manager else None,
            title=f"{alert.title or alert.rule}: {alert.status.value}",
            body=f"{alert.message}\nRule: {alert.rule}\nSource: {alert.source}",
            due_date=alert.due_date,
        )

    return to_task
