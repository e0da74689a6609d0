"""Obligations (rule × child × anchor) and the alerts the open ones raise."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs


class ObligationState(enum.StrEnum):
    """Met on time, met late (a recorded breach), open, or not assessable from the source's data."""

    MET = "met"
    MET_LATE = "met_late"
    OPEN = "open"
    NOT_ASSESSABLE = "not_assessable"


class AlertStatus(enum.StrEnum):
    """An open obligation is upcoming inside its warning window and overdue after its due date."""

    UPCOMING = "upcoming"
    OVERDUE = "overdue"


@attrs.frozen(kw_only=True)
class Obligation:
    """What one rule asks of one child from one anchor event, and whether it was met.

    ``met_by`` is the rule's vocabulary term for the event that meets it; ``met_event`` the event that did.
    """

    child_id: str
    rule: str
    title: str
    state: ObligationState
    source: str
    anchor_event: str | None = None
    anchor_date: dt.date | None = None
    due_date: dt.date | None = None
    met_on: dt.date | None = None
    met_by: str | None = None
    met_event: str | None = None
    statutory: bool = True
    note: str | None = None


@attrs.frozen(kw_only=True)
class Alert:
    """An open obligation that needs attention: it explains itself so a manager can check it by hand."""

    child_id: str
    rule: str
    status: AlertStatus
    due_date: dt.date
    anchor_event: str
    anchor_date: dt.date
    message: str
    source: str
    title: str = ""
    statutory: bool = True

    def days_overdue(self, as_of: dt.date) -> int:
        """Calendar days past the due date (negative while still upcoming)."""
        return (as_of - self.due_date).days

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the CLI contract (dates in ISO format)."""
        return {
            "child_id": self.child_id,
            "rule": self.rule,
            "status": self.status.value,
            "due_date": self.due_date.isoformat(),
            "anchor_event": self.anchor_event,
            "anchor_date": self.anchor_date.isoformat(),
            "message": self.message,
            "source": self.source,
        }
