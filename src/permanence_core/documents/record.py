"""The meeting record: seed 000 Part 2 and the PPM / monitoring-group record with its task table (seed 001)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from permanence_core.documents.formatting import date_text, plan_text
from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.model import Action, CaseRecord, Meeting, MeetingKind, PermanencePlan

FORM = "record"

KIND_TITLES: Mapping[MeetingKind, str] = {
    MeetingKind.PPM: "Permanence Planning Meeting",
    MeetingKind.TRACKING_PANEL: "Permanence Planning Tracking Meeting",
    MeetingKind.MONITORING_GROUP: "Permanence Monitoring Group meeting",
    MeetingKind.PLAN_REVIEW: "Permanence Plan Review",
}

# Seed 001: what each meeting is for, printed under the title so the record explains itself.
KIND_NOTES: Mapping[MeetingKind, str] = {
    MeetingKind.PPM: (
        "The meeting reviews each task, notes the person responsible and an agreed planned date of completion. "
        "Many tasks are inter-related: note which tasks depend on others."
    ),
    MeetingKind.TRACKING_PANEL: "Copy of this permanence plan to be placed on the child's file with a case note.",
    MeetingKind.MONITORING_GROUP: (
        "The social worker, foster carer and family-finding worker meet every four to six weeks to review and "
        "update the Permanence Plan: note completed tasks, outstanding issues and any new tasks."
    ),
    MeetingKind.PLAN_REVIEW: (
        "Chaired by the Child Care Team Manager after six months: reviews the reports of previous meetings and "
        "makes sure the updated Permanence Plan is complete and coherent."
    ),
}

CHILDREN = "2. Name of child(ren)"
PRESENT = "3. Present"
PRESENT_COLUMNS = ("Name", "Role/relationship to child")
APOLOGIES = "Apologies/others who need a copy"
SUMMARY = "4. Summary of discussion"
AGREED_PLAN = "5. Agreed Permanence Plan"
ACTIONS = "6. Actions to be taken to progress the Permanence Plan with timescales"
ACTION_NO, ACTION_TEXT, ACTION_OWNER, ACTION_DUE, ACTION_DONE, ACTION_DEPENDS = (
    "No.",
    "Action required",
    "Owner",
    "Timescale for completion",
    "Completed",
    "Depends on",
)
ACTION_COLUMNS = (ACTION_NO, ACTION_TEXT, ACTION_OWNER, ACTION_DUE, ACTION_DONE, ACTION_DEPENDS)
CURRENT_PLAN = "Current permanence plan (from the case record)"
SIGNATURE = "Signature"
DATE = "Date"
#: Empty rows a blank record offers for attendees and for new tasks (seed 000 Part 2 has six attendee rows).
BLANK_PRESENT_ROWS = 6
BLANK_ACTION_ROWS = 4


def date_label(kind: MeetingKind) -> str:
    """Item 1's label names the meeting (``1. Date of Permanence Planning Meeting``)."""
    return f"1. Date of {KIND_TITLES[kind]}"


def chair_label(kind: MeetingKind) -> str:
    """The chair's sign-off label; seed 000 calls the tracking meeting's chair the PPTM Chair."""
    return "PPTM Chair – print name" if kind is MeetingKind.TRACKING_PANEL else "Chair – print name"


def children_text(child_ids: Iterable[str], records: Mapping[str, CaseRecord]) -> str:
    """``Name (ID C1)`` per child, one a line; a child the source does not hold is printed by id."""
    out = []
    for child_id in child_ids:
        record = records.get(child_id)
        name = record.child.display_name if record else child_id
        out.append(f"{name} (ID {child_id})" if name != child_id else f"ID {child_id}")
    return "\n".join(out)


def action_row(action: Action) -> tuple[str, ...]:
    """One row of the task table."""
    return (
        action.action_id,
        action.description,
        action.owner or "",
        date_text(action.due_date),
        date_text(action.completed_on),
        ", ".join(action.depends_on),
    )


def meeting_sections(
    kind: MeetingKind,
    child_ids: tuple[str, ...],
    records: Mapping[str, CaseRecord],
    *,
    meeting: Meeting | None = None,
    carried_actions: tuple[Action, ...] = (),
    date: dt.date | None = None,
) -> tuple[Section, ...]:
    """The record's sections: details, present, discussion and plan, the task table, the chair.

    ``meeting`` fills a record of a held meeting; without it the record is blank for the chair, with
    ``carried_actions`` (the previous meeting's tasks) in the task table so completed ones can be noted.
    """
    present_rows = [(a.name, a.role or "") for a in meeting.present] if meeting else []
    actions = meeting.actions if meeting else carried_actions
    chair = meeting.chair if meeting else None
    held_on = meeting.date if meeting else date
    if chair and not any(name.casefold() == chair.casefold() for name, _role in present_rows):
        # The chair was there: seed 000 lists everyone present, the chair first.
        present_rows.insert(0, (chair, "Chair"))
    details = FieldTable(
        rows=[
            [Field(label=date_label(kind), value=date_text(held_on) or None, writer=Writer.CHAIR)],
            [Field(label=CHILDREN, value=children_text(child_ids, records) or None, writer=Writer.CHAIR)],
        ]
    )
    present = Grid(
        caption=PRESENT,
        columns=PRESENT_COLUMNS,
        rows=present_rows,
        blank_rows=0 if meeting else BLANK_PRESENT_ROWS,
        widths=(1, 1),
        note="Add rows if more people attended.",
        writer=Writer.CHAIR,
    )
    discussion = FieldTable(
        rows=[
            [Field(label=APOLOGIES, value=_joined(meeting.apologies if meeting else ()), writer=Writer.CHAIR, lines=2)],
            [Field(label=SUMMARY, value=meeting.summary if meeting else None, writer=Writer.CHAIR, lines=8)],
            [Field(label=AGREED_PLAN, value=meeting.agreed_plan if meeting else None, writer=Writer.CHAIR, lines=3)],
        ]
    )
    tasks = Grid(
        caption=ACTIONS,
        columns=ACTION_COLUMNS,
        rows=[action_row(a) for a in actions],
        blank_rows=0 if meeting else BLANK_ACTION_ROWS,
        widths=(2, 7, 4, 5, 5, 4),
        note=(
            "One task a row; add rows for new tasks. Timescale: a date, or a period such as '2 weeks' from the "
            "meeting. Completed: the date, or 'yes' if done by this meeting. Depends on: the numbers of tasks "
            "that must be completed first."
        ),
        writer=Writer.CHAIR,
    )
    sign = FieldTable(
        rows=[
            [
                Field(label=chair_label(kind), value=chair, writer=Writer.CHAIR),
                Field(label=DATE, value=date_text(held_on) if meeting else None, writer=Writer.CHAIR),
            ],
            [Field(label=SIGNATURE, writer=Writer.CHAIR, lines=2)],
        ],
        keep_together=True,
    )
    return (
        Section(title="Meeting details", blocks=[details, present, discussion]),
        Section(title="Actions and timescales", blocks=[tasks, sign]),
    )


def meeting_record(
    kind: MeetingKind,
    child_id: str,
    records: Mapping[str, CaseRecord],
    *,
    meeting: Meeting | None = None,
    date: dt.date | None = None,
    generated_on: dt.date,
    carried_actions: tuple[Action, ...] | None = None,
) -> Layout:
    """The record of ``meeting`` (minutes to upload), or a blank record for the child's next meeting of ``kind``.

    A blank record names the child and the siblings in concurrent planning, shows the plan as at the meeting
    for reference and carries over every task still open from every earlier meeting (or ``carried_actions``,
    when the tracker ledger says which tasks are still open).
    """
    record = records[child_id]
    kind = MeetingKind(kind)
    if meeting is not None:
        kind = meeting.kind
        child_ids = meeting.children or (child_id,)
        carried: tuple[Action, ...] = ()
    else:
        child_ids = group_of(record)
        carried = tuple(carried_actions) if carried_actions is not None else _to_review(record, date or generated_on)
    title = f"{KIND_TITLES[kind]} record"
    plan = plan_as_at(record, meeting.date if meeting else (date or generated_on))
    context = Section(
        title="The plan so far",
        blocks=[FieldTable(rows=[[Field(label=CURRENT_PLAN, value=plan_text(plan) if plan else "No plan recorded")]])],
    )
    return Layout(
        form=FORM,
        title=title,
        marker=FormMarker(
            form=FORM,
            children=child_ids,
            meeting_id=meeting.meeting_id if meeting else None,
            meeting_kind=kind.value,
        ),
        intro=[Note(text=KIND_NOTES[kind])],
        sections=(
            context,
            *meeting_sections(kind, child_ids, records, meeting=meeting, carried_actions=carried, date=date),
        ),
        footer=f"{title} · child ID {child_id} · generated {date_text(generated_on)}",
    )


def _to_review(record: CaseRecord, day: dt.date) -> tuple[Action, ...]:
    """The tasks the next meeting reviews: every one still open from every earlier meeting, and those done since
    the latest meeting (to be noted as completed), oldest meeting first."""
    held = [m.date for m in record.meetings if m.date <= day]
    since = held[-1] if held else day
    return tuple(
        a.action
        for a in record.actions_set(day)
        if a.action.completed_on is None or a.action.completed_on >= since or a.action.completed_on > day
    )


def plan_as_at(record: CaseRecord, day: dt.date) -> PermanencePlan | None:
    """The plan decided on or before ``day``: a meeting's record shows the plan it met with, not a later one."""
    decided = [p for p in record.plans if p.decided_on is None or p.decided_on <= day]
    return decided[-1] if decided else None


def group_of(record: CaseRecord) -> tuple[str, ...]:
    """The child and the siblings in concurrent permanence planning whose ids are known (seed 001: a sibling
    group shares the first meeting)."""
    siblings = tuple(s.child_id for s in record.siblings if s.in_concurrent_planning and s.child_id)
    return (record.child_id, *siblings)


def _joined(names: Iterable[str]) -> str | None:
    return "\n".join(names) or None
