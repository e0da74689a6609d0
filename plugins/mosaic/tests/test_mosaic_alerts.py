"""Alerts as Mosaic case notes: what the note says, whom it alerts, and when it is a significant event."""

from __future__ import annotations

import datetime as dt

import attrs
from permanence_mosaic.alerts import AlertNotes, alert_recipients, to_case_note
from permanence_mosaic.config import CaseNoteSettings

from permanence_core.model import AllocatedWorker, CaseRecord, Child, Identifiers, WorkerRole
from permanence_core.rules.obligations import Alert, AlertStatus
from permanence_core.writeback import AlertChange, ChangeKind

D = dt.date
AS_OF = D(2024, 2, 6)

ALERT = Alert(
    child_id="101",
    rule="panel.referral",
    status=AlertStatus.OVERDUE,
    due_date=D(2024, 2, 5),
    anchor_event="tracking panel date",
    anchor_date=D(2024, 2, 8),
    message="Pro-forma to business support: due 2024-02-05, overdue by 1 day",
    source="seeds/000: Part One to Business Support at least 3 working days before the meeting",
    title="Pro-forma to tracking-meeting business support",
)


def change(kind: ChangeKind = ChangeKind.NEW, alert: Alert | None = ALERT) -> AlertChange:
    return AlertChange(
        kind=kind,
        child_id="101",
        rule="panel.referral",
        anchor_date=D(2024, 2, 8),
        status=alert.status.value if alert else "resolved",
        due_date=D(2024, 2, 5),
        alert=alert,
    )


def record(*workers: AllocatedWorker) -> CaseRecord:
    return CaseRecord(child=Child(identifiers=Identifiers(case_id="101")), workers=workers)


def worker(worker_id: str, role: WorkerRole, start: dt.date, end: dt.date | None = None) -> AllocatedWorker:
    return AllocatedWorker(worker_id=worker_id, role=role, start=start, end=end)


def test_an_overdue_alert_is_a_significant_note_explaining_itself() -> None:
    note = to_case_note(change(), as_of=AS_OF, recipients=("17",), settings=CaseNoteSettings(note_type="PERMALERT"))

    assert (note.child_id, note.note_type, note.contact_date) == ("101", "PERMALERT", AS_OF)
    assert note.title == "Pro-forma to tracking-meeting business support: overdue"
    assert note.significant
    assert note.recipients == ("17",)
    assert note.body == (
        "<p>Pro-forma to business support: due 2024-02-05, overdue by 1 day</p>"
        "<p>Rule panel.referral: tracking panel date on 2024-02-08, due 2024-02-05.</p>"
        "<p>Source: seeds/000: Part One to Business Support at least 3 working days before the meeting</p>"
    )


def test_an_upcoming_alert_is_not_significant_unless_configured() -> None:
    upcoming = attrs.evolve(ALERT, status=AlertStatus.UPCOMING)

    plain = to_case_note(change(alert=upcoming), as_of=AS_OF)
    flagged = to_case_note(change(alert=upcoming), as_of=AS_OF, settings=CaseNoteSettings(significant={"upcoming"}))

    assert (plain.significant, flagged.significant) == (False, True)


def test_a_resolution_is_noted_or_left_out_as_configured() -> None:
    resolved = change(ChangeKind.RESOLVED, alert=None)

    note = to_case_note(resolved, as_of=AS_OF)

    assert note.title == "panel.referral: resolved"
    assert "No longer outstanding: panel.referral" in note.body
    assert to_case_note(resolved, as_of=AS_OF, settings=CaseNoteSettings(notify_resolved=False)) is None


def test_recipients_are_the_workers_in_the_roles_allocated_on_the_day() -> None:
    child = record(
        worker("17", WorkerRole.SOCIAL_WORKER, D(2023, 3, 1)),
        worker("12", WorkerRole.SOCIAL_WORKER, D(2022, 1, 1), D(2023, 3, 1)),  # moved on
        worker("40", WorkerRole.TEAM_MANAGER, D(2023, 1, 1)),
        worker("50", WorkerRole.SOCIAL_WORKER, D(2024, 3, 1)),  # not yet allocated
    )

    assert alert_recipients(child, [WorkerRole.SOCIAL_WORKER], AS_OF) == ("17",)
    assert alert_recipients(child, [WorkerRole.SOCIAL_WORKER, WorkerRole.TEAM_MANAGER], AS_OF) == ("17", "40")


def test_alert_notes_resolve_each_childs_recipients() -> None:
    notes = AlertNotes([record(worker("17", WorkerRole.SOCIAL_WORKER, D(2023, 3, 1)))], as_of=AS_OF)

    assert notes(change()).recipients == ("17",)
    assert notes(attrs.evolve(change(), child_id="999")).recipients == ()
