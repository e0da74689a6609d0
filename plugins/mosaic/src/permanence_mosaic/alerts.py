"""Alerts as Mosaic case notes: the alert's explanation in the body, the child's allocated workers alerted.

Mosaic has no work-tray API; a case note with alert recipients, who are emailed once the note is
finished, is how it tells a worker (research/case_systems.md section 6.2). Use with the write-back:

    notes = AlertNotes(loaded.records, as_of=as_of, settings=load_config(options).case_notes)
    api.writer("mosaic", options).raise_alerts(evaluation.alerts, notes, resolved_in=child_ids)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from permanence_core.model import CaseRecord, WorkerRole
from permanence_core.writeback import AlertChange, CaseNote
from permanence_mosaic.config import DEFAULT_CASE_NOTES, CaseNoteSettings
from permanence_mosaic.payloads import html_paragraphs


def alert_recipients(record: CaseRecord, roles: Iterable[WorkerRole], on: dt.date) -> tuple[str, ...]:
    """The ids of the child's workers in ``roles`` allocated on ``on``."""
    wanted = set(roles)
    found = {
        worker.worker_id
        for worker in record.workers
        if worker.role in wanted
        and (worker.start is None or worker.start <= on)
        and (worker.end is None or on <= worker.end)
    }
    return tuple(sorted(found))


def to_case_note(
    change: AlertChange,
    *,
    as_of: dt.date,
    recipients: Sequence[str] = (),
    settings: CaseNoteSettings = DEFAULT_CASE_NOTES,
) -> CaseNote | None:
    """The case note telling ``recipients`` of ``change`` on ``as_of``; None for a resolution not notified."""
    if change.alert is None:
        if not settings.notify_resolved:
            return None
        title = f"{change.rule}: resolved"
        lines = [
            f"No longer outstanding: {change.rule}, due {change.due_date.isoformat()} "
            f"from {change.anchor_date.isoformat()}."
        ]
    else:
        alert = change.alert
        title = f"{alert.title or alert.rule}: {change.status}"
        lines = [
            alert.message,
            f"Rule {alert.rule}: {alert.anchor_event} on {alert.anchor_date.isoformat()}, "
            f"due {alert.due_date.isoformat()}.",
            f"Source: {alert.source}",
        ]
    return CaseNote(
        child_id=change.child_id,
        note_type=settings.note_type,
        title=title,
        contact_date=as_of,
        body=html_paragraphs("\n".join(lines)),
        significant=change.status in settings.significant,
        recipients=recipients,
    )


class AlertNotes:
    """The ``to_item`` of ``WriteBack.raise_alerts``: each change as a case note alerting the child's workers."""

    def __init__(
        self, records: Iterable[CaseRecord], *, as_of: dt.date, settings: CaseNoteSettings = DEFAULT_CASE_NOTES
    ) -> None:
        self.as_of = as_of
        self.settings = settings
        self.workers = {
            record.child_id: alert_recipients(record, settings.recipient_roles, as_of) for record in records
        }

    def __call__(self, change: AlertChange) -> CaseNote | None:
        return to_case_note(
            change, as_of=self.as_of, recipients=self.workers.get(change.child_id, ()), settings=self.settings
        )
