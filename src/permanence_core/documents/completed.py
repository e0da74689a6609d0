"""What the reader returns from a completed form, and how it goes into the child's case record."""

from __future__ import annotations

import attrs

from permanence_core.model import (
    CaseNarrative,
    CaseRecord,
    Meeting,
    ResidentialAims,
    SignOff,
    Views,
)
from permanence_core.model._validators import to_tuple


@attrs.frozen(kw_only=True)
class CompletedRecord:
    """A completed meeting record: the meeting as the chair wrote it up, and the chair's sign-off."""

    source: str
    meeting: Meeting
    signoffs: tuple[SignOff, ...] = attrs.field(default=(), converter=to_tuple)

    def apply_to(self, record: CaseRecord) -> CaseRecord:
        """``record`` with this meeting added (or replacing the meeting with the same id)."""
        return attrs.evolve(record, meetings=_with_meeting(record, self.meeting))


@attrs.frozen(kw_only=True)
class CompletedProForma:
    """A completed seed 000 pro-forma: Part 1's free text, views and sign-offs; Part 2's meeting if held."""

    source: str
    child_id: str
    narrative: CaseNarrative
    views: Views
    plan_description: str | None = None
    residential_aims: ResidentialAims | None = None
    signoffs: tuple[SignOff, ...] = attrs.field(default=(), converter=to_tuple)
    meeting: Meeting | None = None

    def apply_to(self, record: CaseRecord) -> CaseRecord:
        """``record`` updated with what the form says.

        The form's narrative items replace the record's (the referral's own narrative, which the
        pro-forma does not carry, is kept); views and sign-offs are replaced; the current plan takes the
        form's description and residential aims; Part 2's meeting is added or replaces the one with its id.
        """
        if record.child_id != self.child_id:
            raise ValueError(f"form {self.source} is for child {self.child_id}, not {record.child_id}")
        old = record.narrative or CaseNarrative()
        narrative = attrs.evolve(
            self.narrative,
            history=old.history,
            decision_making_to_date=old.decision_making_to_date,
            child_profile=old.child_profile,
        )
        plans = record.plans
        if plans and (self.plan_description or self.residential_aims):
            current = attrs.evolve(
                plans[-1],
                description=self.plan_description or plans[-1].description,
                residential_aims=self.residential_aims or plans[-1].residential_aims,
            )
            plans = (*plans[:-1], current)
        meetings = _with_meeting(record, self.meeting) if self.meeting else record.meetings
        return attrs.evolve(
            record, narrative=narrative, views=self.views, signoffs=self.signoffs, plans=plans, meetings=meetings
        )


def _with_meeting(record: CaseRecord, meeting: Meeting) -> tuple[Meeting, ...]:
    return (*(m for m in record.meetings if m.meeting_id != meeting.meeting_id), meeting)
