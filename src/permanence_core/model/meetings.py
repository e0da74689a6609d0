"""Meetings and their actions: PPM, tracking panel, monitoring group, plan review (seed 000 Part 2, seed 001)."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from permanence_core.model._validators import not_blank, optional_date, required_date, to_tuple


class MeetingKind(enum.StrEnum):
    """The permanence meetings the seeds describe."""

    PPM = "ppm"
    TRACKING_PANEL = "tracking_panel"
    MONITORING_GROUP = "monitoring_group"
    PLAN_REVIEW = "plan_review"


@attrs.frozen(kw_only=True)
class Attendee:
    """Someone present at a meeting, with their role or relationship to the child."""

    name: str = attrs.field(validator=not_blank)
    role: str | None = None


@attrs.frozen(kw_only=True)
class Action:
    """An action to progress the plan: who, by when, done when, and which actions it waits for."""

    action_id: str = attrs.field(validator=not_blank)
    description: str = attrs.field(validator=not_blank)
    owner: str | None = None
    due_date: dt.date | None = attrs.field(default=None, validator=optional_date)
    completed_on: dt.date | None = attrs.field(default=None, validator=optional_date)
    depends_on: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    def is_overdue_on(self, day: dt.date) -> bool:
        """An action is overdue when its due date has passed and it is not completed."""
        return self.completed_on is None and self.due_date is not None and self.due_date < day


@attrs.frozen(kw_only=True)
class Meeting:
    """A held (or scheduled) meeting and its record."""

    meeting_id: str = attrs.field(validator=not_blank)
    kind: MeetingKind = attrs.field(converter=MeetingKind)
    date: dt.date = attrs.field(validator=required_date)
    chair: str | None = None
    children: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    present: tuple[Attendee, ...] = attrs.field(default=(), converter=to_tuple)
    apologies: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    summary: str | None = None
    agreed_plan: str | None = None
    actions: tuple[Action, ...] = attrs.field(default=(), converter=to_tuple)
    minutes_issued_on: dt.date | None = attrs.field(default=None, validator=optional_date)
    referral_received_on: dt.date | None = attrs.field(default=None, validator=optional_date)


@attrs.frozen(kw_only=True)
class MeetingAction:
    """An action with the meeting that set it: what carried-forward lists show (seed 000 "actions carried forward")."""

    action: Action
    meeting_id: str
    meeting_kind: MeetingKind | None
    meeting_date: dt.date

    def days_overdue(self, day: dt.date) -> int:
        """Days past its due date on ``day`` when still open then; 0 otherwise."""
        action = self.action
        if action.due_date is None or (action.completed_on is not None and action.completed_on <= day):
            return 0
        return max((day - action.due_date).days, 0)
