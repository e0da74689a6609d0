"""Workflow steps: the council's CLA review and meeting steps, whom they are about, and when they were held.

A step belongs to a subgroup; the subgroup's person subjects (``dm_subgroup_subjects``, type ``PER``)
are the people it is about, so one PPM step for a sibling group is a meeting of every child in it.
A step was held on its meeting-date answer when the council records one, else on the day it was started.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import attrs

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import key_of, to_key, to_text
from permanence_core.model import Meeting, MeetingKind, Review
from permanence_mosaic.config import StepTypes
from permanence_mosaic.warehouse import STEPS, SUBJECTS, table_rows

#: Step statuses of a step someone has worked on (Mosaic also has PROPOSED and INCOMING, not yet begun).
STARTED = frozenset({"STARTED", "COMPLETED", "REOPENED"})
CANCELLED = "CANCELLED"


@attrs.frozen
class Step:
    """One workflow step of a configured type."""

    step_id: str
    type_id: str
    status: str | None
    subgroup_id: str
    started_on: dt.date | None

    @property
    def cancelled(self) -> bool:
        """A cancelled step was never held."""
        return self.status == CANCELLED

    def held_on(self, answered: dt.date | None) -> dt.date | None:
        """The day it was held: the meeting-date answer, else the start of a step that has begun."""
        if answered is not None:
            return answered
        return self.started_on if self.status in STARTED else None


@attrs.frozen
class Steps:
    """The configured steps by id, and the looked-after children each is about."""

    steps: dict[str, Step]
    children: dict[str, tuple[str, ...]]

    def about(self, step_id: str) -> tuple[str, ...]:
        """The looked-after children a step is about (none for a step about other people)."""
        step = self.steps.get(step_id)
        return self.children.get(step.subgroup_id, ()) if step else ()


def read_steps(
    tables: Mapping[str, list[dict[str, Any]]], children: Mapping[str, object], rejected: list[Rejection]
) -> Steps:
    """The configured steps and their subjects who are looked-after children (parents and carers are left out)."""
    rows = table_rows(STEPS, tables[STEPS], rejected)
    steps = {}
    for position, row in rows.unique():
        subgroup = to_key(row["subgroup_id"])
        if subgroup is None:
            rows.reject(position, row, "is empty: the step is about nobody", field="subgroup_id")
            continue
        started_ok, started = rows.date(position, row, "started_on")
        if not started_ok:
            continue
        status = to_text(row["step_status"])
        step_id = key_of(row, "workflow_step_id")
        steps[step_id] = Step(
            step_id=step_id,
            type_id=to_key(row["workflow_step_type_id"]) or "",
            status=status.upper() if status else None,
            subgroup_id=subgroup,
            started_on=started,
        )
    subjects: dict[str, list[str]] = defaultdict(list)
    for _position, row in table_rows(SUBJECTS, tables[SUBJECTS], rejected).unique():
        person = key_of(row, "subject_compound_id")
        if person in children:
            subjects[key_of(row, "subgroup_id")].append(person)
    return Steps(steps=steps, children={subgroup: tuple(sorted(ids)) for subgroup, ids in subjects.items()})


@attrs.frozen
class StepDates:
    """Date answers recorded on a step: when it was held, when the referral came, when minutes went out."""

    meeting_date: dt.date | None = None
    referral_received: dt.date | None = None
    minutes_issued: dt.date | None = None


def reviews_and_meetings(
    steps: Steps, step_types: StepTypes, dates: Mapping[str, StepDates]
) -> tuple[dict[str, list[Review]], dict[str, list[Meeting]], list[str]]:
    """Each child's CLA reviews and permanence meetings, and notices counting the steps not used."""
    review_types = {str(t) for t in step_types.cla_review}
    meeting_kinds = step_types.meeting_kinds()
    reviews: dict[str, list[Review]] = defaultdict(list)
    meetings: dict[str, list[Meeting]] = defaultdict(list)
    not_begun = cancelled = about_others = 0
    for step in steps.steps.values():
        children = steps.about(step.step_id)
        if not children:
            about_others += 1
            continue
        answered = dates.get(step.step_id, StepDates())
        day = step.held_on(answered.meeting_date)
        if step.type_id in review_types:
            if step.cancelled or day is not None:
                for child in children:
                    reviews[child].append(Review(date=day, cancelled=step.cancelled, review_id=step.step_id))
            else:
                not_begun += 1
        kind = meeting_kinds.get(step.type_id)
        if kind is None:
            continue
        if step.cancelled:
            cancelled += 1
        elif day is None:
            not_begun += 1
        else:
            meeting = _meeting(step, kind, day, children, answered)
            for child in children:
                meetings[child].append(meeting)
    return reviews, meetings, step_notices(not_begun, cancelled, about_others)


def step_notices(not_begun: int, cancelled: int, about_nobody: int) -> list[str]:
    """The load's notices of workflow steps left out on purpose (both readers give these words)."""
    notices = []
    if not_begun:
        notices.append(f"{not_begun} workflow steps in {STEPS} have not begun and have no meeting date: not held yet")
    if cancelled:
        notices.append(f"{cancelled} meeting steps in {STEPS} were cancelled and are not meetings")
    if about_nobody:
        notices.append(f"{about_nobody} workflow steps in {STEPS} are about no looked-after child")
    return notices


def _meeting(step: Step, kind: MeetingKind, day: dt.date, children: tuple[str, ...], dates: StepDates) -> Meeting:
    return Meeting(
        meeting_id=step.step_id,
        kind=kind,
        date=day,
        children=children,
        referral_received_on=dates.referral_received,
        minutes_issued_on=dates.minutes_issued,
    )
