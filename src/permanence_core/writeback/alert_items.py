"""The core's default way to raise an alert in a case system: a work-tray alert for the child's team manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from permanence_core.writeback.items import WorkTrayAlert, WriteBackItem

if TYPE_CHECKING:
    from permanence_core.writeback.service import AlertChange


def team_manager_work_tray(change: AlertChange) -> WriteBackItem | None:
    """A work-tray alert for the team manager with no recipient id (an outbox or gateway routes it).

    A resolved alert is only recorded: nothing is sent.
    """
    alert = change.alert
    if alert is None:
        return None
    return WorkTrayAlert(
        child_id=alert.child_id,
        recipient_role="team_manager",
        title=f"{alert.title or alert.rule} ({alert.status.value})",
        body=f"{alert.message}\nSource: {alert.source}",
        due_date=alert.due_date,
    )
