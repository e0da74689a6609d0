"""Alerts to work-tray tasks: the Team Manager allocated on the day receives each new or changed alert."""

from __future__ import annotations

import datetime as dt

from permanence_liquidlogic.alerts import allocated, work_tray_tasks

from permanence_core.model import AllocatedWorker, CaseRecord, Child, Identifiers, WorkerRole
from permanence_core.rules.obligations import Alert, AlertStatus
from permanence_core.writeback import AlertChange, ChangeKind

DAY = dt.date(2025, 3, 31)


def _record(*workers: AllocatedWorker) -> CaseRecord:
    return CaseRecord(child=Child(identifiers=Identifiers(case_id="L501")), workers=workers)


def _manager(worker_id: str, start: str | None, end: str | None = None) -> AllocatedWorker:
    return AllocatedWorker(
        worker_id=worker_id,
        role=WorkerRole.TEAM_MANAGER,
        start=dt.date.fromisoformat(start) if start else None,
        end=dt.date.fromisoformat(end) if end else None,
    )


def _change(kind: ChangeKind = ChangeKind.NEW, status: AlertStatus = AlertStatus.UPCOMING) -> AlertChange:
    alert = Alert(
        child_id="L501",
        rule="ppm.convene_prompt",
        status=status,
        due_date=DAY,
        anchor_event="became looked after",
        anchor_date=dt.date(2025, 3, 3),
        message="Synthetic message",
        source="seeds/004",
        title="Team Manager to convene the PPM (child looked after 4 weeks)",
    )
    return AlertChange(
        kind=kind,
        child_id="L501",
        rule=alert.rule,
        anchor_date=alert.anchor_date,
        status=status.value,
        due_date=DAY,
        alert=alert,
    )


def test_the_team_manager_allocated_on_the_day_is_chosen() -> None:
    record = _record(
        _manager("W1", "2024-01-01", "2025-03-10"),
        _manager("W2", "2025-03-10"),
        _manager("W3", "2025-04-01"),
        AllocatedWorker(worker_id="W9", role=WorkerRole.SOCIAL_WORKER, start=dt.date(2025, 3, 20)),
    )

    assert allocated(record, WorkerRole.TEAM_MANAGER, DAY).worker_id == "W2"
    assert allocated(record, WorkerRole.TEAM_MANAGER, dt.date(2025, 3, 9)).worker_id == "W1"
    assert allocated(record, WorkerRole.TEAM_MANAGER, dt.date(2025, 4, 1)).worker_id == "W3"
    assert allocated(record, WorkerRole.IRO, DAY) is None


def test_a_new_alert_becomes_a_task_for_the_team_manager() -> None:
    to_task = work_tray_tasks([_record(_manager("W2", None))], DAY)

    task = to_task(_change())

    assert (task.child_id, task.recipient_role, task.recipient_id, task.due_date) == (
        "L501",
        "team_manager",
        "W2",
        DAY,
    )
    assert task.title == "Team Manager to convene the PPM (child looked after 4 weeks): upcoming"
    assert task.body == "Synthetic message\nRule: ppm.convene_prompt\nSource: seeds/004"


def test_an_overdue_change_says_so_and_a_resolution_sends_nothing() -> None:
    to_task = work_tray_tasks([_record(_manager("W2", None))], DAY)

    assert to_task(_change(ChangeKind.CHANGED, AlertStatus.OVERDUE)).title.endswith(": overdue")
    resolved = AlertChange(
        kind=ChangeKind.RESOLVED,
        child_id="L501",
        rule="ppm.convene_prompt",
        anchor_date=dt.date(2025, 3, 3),
        status="resolved",
        due_date=DAY,
    )
    assert to_task(resolved) is None


def test_a_child_without_a_team_manager_gets_a_task_without_a_recipient() -> None:
    assert work_tray_tasks([_record()], DAY)(_change()).recipient_id is None
    assert work_tray_tasks([], DAY)(_change()).recipient_id is None
