"""The Permanence Tracker Meeting pro-forma of seed 000, prefilled from the case record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from permanence_core import codes
from permanence_core.documents.formatting import (
    action_line,
    date_text,
    known_or_none,
    lines,
    meaning,
    not_in_source,
    plan_text,
    route_text,
    worker_on,
    worker_text,
)
from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.documents.record import group_of, meeting_sections
from permanence_core.model import (
    CaseRecord,
    Facet,
    MeetingKind,
    PermanencePlan,
    SiblingPlan,
    SignOffRole,
    WorkerRole,
)

FORM = "pro-forma"
TITLE = "Permanence Tracker Meeting Pro-Forma"

NAME = "1. Name of 1st child"
DOB = "2. Date of birth"
CASE_ID = "3. Case-system ID"
SOCIAL_WORKER = "4. Allocated social worker (team)"
LEGAL_STATUS = "5. Current legal status (date of legal order and type of order)"
LOOKED_AFTER_SINCE = "Start date of being looked after"
COURT_REFERENCE = "6. Care proceedings court reference"
ISSUE_DATE = "Date of issue – care proceedings"
SIBLINGS_IN = "7. Siblings also subject to concurrent permanence planning"
SIBLINGS_OUT = "8. Siblings not subject to concurrent permanence planning"
PLACEMENT = "17. Current placement type (inc. whether placed with any siblings)"
REASON_FOR_CARE = "18. Brief reason for care episode (1 paragraph)"
CARE_PLAN = "19. What is the current Care Plan as agreed at the child's 2nd LAC Review / court care plan?"
SECOND_REVIEW = "20. What was the date of the 2nd LAC Review where the permanence plan was ratified?"
PERMANENCE_PLAN = "21. What is the permanence plan for the child?"
PLAN_DETAILS = "21. Permanence plan – details"
NO_PLAN = "No permanence plan is recorded: write the proposed plan under 21 – details."
STEPS_TAKEN = "22. Key tasks/steps to progress the Permanence Plan – steps taken so far"
STEPS_PLANNED = "22. Key tasks/steps to progress the Permanence Plan – steps planned"
AIMS_SHORT = "23. Residential placement – aims, objectives and outcomes: short term"
AIMS_MEDIUM = "23. Residential placement – aims, objectives and outcomes: medium term"
AIMS_LONG = "23. Residential placement – aims, objectives and outcomes: long term"
LIFE_STORY = (
    "24. What are the plans for life story work and more specific therapeutic work to take place before "
    "and after the placement?"
)
FAMILY_TIME = (
    "25. What are the arrangements for family time, if appropriate, that are based on the needs of the child "
    "and the priority of achieving stability and permanence in their lives?"
)
VIEWS_CHILD = "26. Child's views"
VIEWS_PARENTS = "27. Parents' views"
VIEWS_IRO = "28. View of IRO"
VIEWS_FAMILY = "29. Wider family/friends' views (inc. any identified offers to care for the child/siblings)"
OFFERS = "29. Offers to care for the child/siblings"
OFFER_COLUMNS = ("Name", "Relationship to child", "Offer")
BARRIERS = "30. Are there any issues preventing a plan of permanence being progressed?"
NOT_APPLICABLE = "Not applicable"
BUSINESS_SUPPORT = "Business Support: copy of this permanence plan to be placed on the child's file with a case note."

#: Sign-off labels by role: (print name, date, signature, comments or None).
SIGNOFF_LABELS: Mapping[SignOffRole, tuple[str, str, str, str | None]] = {
    SignOffRole.SOCIAL_WORKER: (
        "Child's Social Worker – print name",
        "Child's Social Worker – date",
        "Child's Social Worker – signature",
        None,
    ),
    SignOffRole.TEAM_MANAGER: (
        "Team Manager – print name",
        "Team Manager – date",
        "Team Manager – signature",
        "Team Manager comments / direction regarding actions required",
    ),
    SignOffRole.SERVICE_MANAGER: (
        "Service Manager – print name",
        "Service Manager – date",
        "Service Manager – signature",
        "Service Manager comments / direction regarding actions required",
    ),
}
_SIGNOFF_WORKERS = {
    SignOffRole.SOCIAL_WORKER: WorkerRole.SOCIAL_WORKER,
    SignOffRole.TEAM_MANAGER: WorkerRole.TEAM_MANAGER,
    SignOffRole.SERVICE_MANAGER: WorkerRole.SERVICE_MANAGER,
}
#: Seed 000 numbers four sibling rows per column: 9, 11, 13, 15 (children 2-5) and 10, 12, 14, 16.
SIBLING_ROW_NUMBERS = 4


def pro_forma(
    record: CaseRecord,
    *,
    as_of: dt.date,
    records: Mapping[str, CaseRecord] | None = None,
    meeting_date: dt.date | None = None,
) -> Layout:
    """Seed 000 for one child: Part 1 prefilled from ``record`` as it stood on ``as_of``; Part 2 blank for the chair.

    ``records`` lets Part 2 name siblings by name; ``meeting_date`` prefills the tracking meeting's date.
    """
    narrative = record.narrative
    views = record.views
    plan = record.current_plan
    known = {record.child_id: record, **(records or {})}
    part_one = Section(
        title="Part 1 – to be completed by the child's Social Worker",
        level=2,
        blocks=[
            Note(
                text=(
                    "To be completed by the child's Social Worker and signed by the Team Manager and Service "
                    "Manager. The Service Manager sends it to the Permanence Planning Tracking Meeting Business "
                    "Support at least 3 working days before the meeting. Please use one form for each child in "
                    "the family."
                ),
                emphasis=True,
            ),
            _details(record, as_of),
            *_siblings(record),
            FieldTable(
                rows=[
                    [Field(label=PLACEMENT, value=_placement(record, as_of) or None)],
                    [
                        Field(
                            label=REASON_FOR_CARE,
                            value=narrative.reason_for_care if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            hint="Please ensure the Chronology and Single Assessment are up to date on the "
                            "child's record so this can be read, or attach.",
                            lines=5,
                        )
                    ],
                    [
                        Field(
                            label=CARE_PLAN,
                            value=narrative.care_plan if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ],
                    [Field(label=SECOND_REVIEW, value=_second_review(record, as_of) or None)],
                    [
                        Field(
                            label=PERMANENCE_PLAN,
                            value=plan_text(plan, with_description=False) if plan else NO_PLAN,
                            lines=2,
                        )
                    ],
                    [
                        Field(
                            label=PLAN_DETAILS,
                            value=_details_text(plan, narrative.care_plan if narrative else None),
                            writer=Writer.SOCIAL_WORKER,
                            hint="How the plan will be achieved and what would trigger the contingency plan; "
                            "the proposed plan if none is recorded.",
                            lines=3,
                        )
                    ],
                ]
            ),
        ],
    )
    progress = Section(
        title="Progressing the plan",
        blocks=[
            Note(
                text=(
                    "22. What key tasks/steps are required to progress the Permanence Plan? Refer to any documents "
                    "in the child's case records, inc. Court Directions and LAC Review actions. Include "
                    "assessments, interventions, PLO and court timetabled actions with dates."
                )
            ),
            FieldTable(
                rows=[
                    [
                        Field(
                            label=STEPS_TAKEN,
                            value=_steps(record, as_of, done=True),
                            writer=Writer.SOCIAL_WORKER,
                            lines=5,
                        )
                    ],
                    [
                        Field(
                            label=STEPS_PLANNED,
                            value=_steps(record, as_of, done=False),
                            writer=Writer.SOCIAL_WORKER,
                            lines=5,
                        )
                    ],
                ]
            ),
            Note(
                text=(
                    "23. If the plan is for a residential placement, the desired aims, objectives and outcomes of "
                    "the placement must be clarified with a detailed plan for the short, medium and long term."
                )
            ),
            FieldTable(rows=[[f] for f in _aims(record)]),
            FieldTable(
                rows=[
                    [
                        Field(
                            label=LIFE_STORY,
                            value=narrative.life_story_work if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ],
                    [
                        Field(
                            label=FAMILY_TIME,
                            value=narrative.family_time if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ],
                ]
            ),
        ],
    )
    views_section = Section(
        title="Views",
        blocks=[
            FieldTable(
                rows=[
                    [
                        Field(
                            label=VIEWS_CHILD,
                            value=views.child if views else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ],
                    [
                        Field(
                            label=VIEWS_PARENTS,
                            value=views.parents if views else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ],
                    [Field(label=VIEWS_IRO, value=views.iro if views else None, writer=Writer.SOCIAL_WORKER, lines=3)],
                    [
                        Field(
                            label=VIEWS_FAMILY,
                            value=views.wider_family if views else None,
                            writer=Writer.SOCIAL_WORKER,
                            hint="Indicate if FGC/family meeting minutes are in the case records.",
                            lines=4,
                        )
                    ],
                ]
            ),
            Grid(
                caption=OFFERS,
                columns=OFFER_COLUMNS,
                rows=[(o.name, o.relationship or "", o.detail or "") for o in (views.offers_to_care if views else ())],
                blank_rows=2,
                widths=(3, 3, 6),
                note="Add rows if more offers have been identified.",
                writer=Writer.SOCIAL_WORKER,
            ),
            FieldTable(
                rows=[
                    [
                        Field(
                            label=BARRIERS,
                            value=narrative.barriers_to_permanence if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=4,
                        )
                    ]
                ]
            ),
        ],
    )
    signoffs = [
        Section(title=title, blocks=_signoff(record, role, as_of), level=3)
        for role, title in zip(
            SIGNOFF_LABELS,
            ("Sign-off – Child's Social Worker", "Sign-off – Team Manager", "Sign-off – Service Manager"),
            strict=True,
        )
    ]
    kind = MeetingKind.TRACKING_PANEL
    children = group_of(record)
    part_two = meeting_sections(kind, children, known, date=meeting_date)
    return Layout(
        form=FORM,
        title=TITLE,
        marker=FormMarker(form=FORM, children=children, meeting_kind=kind.value),
        intro=[
            Note(
                text="To be completed by the Social Worker for each child being presented to the meeting. Each child "
                "has a separate form, which is then uploaded to their file on the case system."
            )
        ],
        sections=(
            part_one,
            progress,
            views_section,
            *signoffs,
            Section(
                title="Part 2 – to be completed by the Chair at the Permanence Planning Tracking Meeting",
                blocks=part_two[0].blocks,
                page_break=True,
            ),
            Section(
                title=part_two[1].title,
                blocks=(
                    *part_two[1].blocks,
                    Note(text=BUSINESS_SUPPORT, emphasis=True),
                ),
            ),
        ),
        footer=f"{TITLE} · child ID {record.child_id} · generated {date_text(as_of)}",
    )


def _details(record: CaseRecord, as_of: dt.date) -> FieldTable:
    child = record.child
    spell = next((s for s in reversed(record.legal_statuses) if s.start <= as_of), None)
    legal = ""
    if spell:
        legal = f"{meaning(codes.LEGAL_STATUS, spell.code)}, order dated {date_text(spell.start)}"
        if spell.end and spell.end <= as_of:
            legal += f" (ended {date_text(spell.end)})"
    period = record.latest_period(as_of)
    proceedings = next((p for p in reversed(record.proceedings) if p.issue_date <= as_of), None)
    worker = worker_text(worker_on(record, WorkerRole.SOCIAL_WORKER, as_of))
    return FieldTable(
        rows=[
            [Field(label=NAME, value=child.display_name)],
            [Field(label=DOB, value=date_text(child.date_of_birth) or None)],
            [Field(label=CASE_ID, value=record.child_id)],
            [
                Field(
                    label=SOCIAL_WORKER,
                    value=known_or_none(record, Facet.WORKERS, worker) or None,
                    hint=not_in_source(record, Facet.WORKERS),
                )
            ],
            [
                Field(label=LEGAL_STATUS, value=known_or_none(record, Facet.CARE, legal) or None),
                Field(label=LOOKED_AFTER_SINCE, value=date_text(period.start) if period else None),
            ],
            [
                Field(
                    label=COURT_REFERENCE,
                    value=(proceedings.court_reference if proceedings else None)
                    or known_or_none(record, Facet.PROCEEDINGS, "")
                    or None,
                    hint=not_in_source(record, Facet.PROCEEDINGS),
                ),
                Field(
                    label=ISSUE_DATE,
                    value=date_text(proceedings.issue_date) if proceedings else None,
                ),
            ],
        ]
    )


def _siblings(record: CaseRecord) -> tuple[Grid, Grid]:
    together = {SiblingPlan.TOGETHER: "Together", SiblingPlan.APART: "Apart", SiblingPlan.UNDECIDED: "Not yet decided"}
    inside = [s for s in record.siblings if s.in_concurrent_planning]
    outside = [s for s in record.siblings if not s.in_concurrent_planning]
    # A source that covers siblings needs one spare row per column; otherwise offer the seed's four rows to fill.
    covered = Facet.SIBLINGS in record.coverage
    in_rows = [
        (_sibling_number(i, 9), s.name or "", date_text(s.date_of_birth), s.child_id or "", together[s.plan])
        for i, s in enumerate(inside)
    ]
    out_rows = [
        (_sibling_number(i, 10), s.name or "", date_text(s.date_of_birth), s.child_id or "")
        for i, s in enumerate(outside)
    ]
    note = "Please ensure an up-to-date genogram is in the case records or attach one. Add rows if more siblings."
    return (
        Grid(
            caption=SIBLINGS_IN,
            columns=("Item", "Name", "Date of birth", "ID", "Placed together or apart"),
            rows=in_rows
            + [(_sibling_number(len(in_rows) + i, 9), "", "", "", "") for i in range(_spare(in_rows, covered))],
            widths=(3, 5, 3, 2, 3),
            note=note,
        ),
        Grid(
            caption=SIBLINGS_OUT,
            columns=("Item", "Name", "Date of birth", "ID"),
            rows=out_rows
            + [(_sibling_number(len(out_rows) + i, 10), "", "", "") for i in range(_spare(out_rows, covered))],
            widths=(3, 5, 3, 2),
        ),
    )


def _spare(rows: Sequence[object], covered: bool) -> int:
    """Seed 000's rows (items 9/10 to 15/16) are always offered; past them, one spare row when the source
    covers siblings."""
    return max(1 if covered else 0, SIBLING_ROW_NUMBERS - len(rows))


def _sibling_number(index: int, first: int) -> str:
    """Seed 000 items 9-16: the n-th sibling row of a column is item first + 2n (child n + 2), while numbers last."""
    child = f"Child {index + 2}"
    return f"{first + 2 * index}. {child}" if index < SIBLING_ROW_NUMBERS else child


def _placement(record: CaseRecord, as_of: dt.date) -> str:
    spell = record.placement_on(as_of)
    if spell is None:
        return known_or_none(record, Facet.CARE, "")
    text = meaning(codes.PLACEMENT_TYPE, spell.placement_type) or "Placement type not recorded"
    text += f", since {date_text(spell.start)}"
    if spell.description:
        text += f"\n{spell.description}"
    if spell.with_siblings is not None:
        text += "\nPlaced with siblings: " + ("yes" if spell.with_siblings else "no")
    return text


def _second_review(record: CaseRecord, as_of: dt.date) -> str:
    # Item 20 asks for the second review, where the plan should have been ratified: always the second review held
    # in this period (not the latest, nor the first), with a note when the plan was ratified elsewhere or not at all.
    plan = record.current_plan
    ratified = plan.ratified_at_review if plan else None
    period = record.latest_period(as_of)
    held = [
        r.date
        for r in record.reviews
        if r.held and r.date is not None and r.date <= as_of and (period is None or r.date >= period.start)
    ]
    if len(held) < 2:
        if Facet.REVIEWS not in record.coverage:
            return date_text(ratified) if ratified else ""
        elsewhere = f" (plan ratified at the review of {date_text(ratified)})" if ratified else ""
        return f"Second review not yet held{elsewhere}"
    second = held[1]
    if ratified == second:
        return date_text(second)
    if ratified:
        return f"{date_text(second)} (second review; plan ratified at the review of {date_text(ratified)})"
    return f"{date_text(second)} (second review held; plan not recorded as ratified)"


def _steps(record: CaseRecord, as_of: dt.date, *, done: bool) -> str | None:
    narrative = record.narrative
    if narrative and (written := narrative.steps_taken if done else narrative.steps_planned):
        return written
    # Without the social worker's own text, every meeting's tasks are what the record knows: those done are
    # the steps taken, those still open (from any meeting) the steps planned.
    actions = record.done_actions(as_of) if done else record.open_actions(as_of)
    return lines(action_line(a.action) for a in actions) or None


def _details_text(plan: PermanencePlan | None, care_plan: str | None) -> str | None:
    """The plan's own description for item 21, unless it only repeats the care plan given at item 19."""
    description = plan.description if plan else None
    if description and care_plan and description.strip().casefold() == care_plan.strip().casefold():
        return None
    return description


def _aims(record: CaseRecord) -> tuple[Field, Field, Field]:
    plan = record.current_plan
    aims = plan.residential_aims if plan else None
    if plan is not None and aims is None and not _residential(plan):
        # Seed 000 asks item 23 only of a residential plan: say so rather than leave three empty boxes.
        text = f"{NOT_APPLICABLE}: the plan is {route_text(plan.primary).lower()}, not a residential placement."
        return (
            Field(label=AIMS_SHORT, value=text),
            Field(label=AIMS_MEDIUM, value=text),
            Field(label=AIMS_LONG, value=text),
        )
    return (
        Field(label=AIMS_SHORT, value=aims.short_term if aims else None, writer=Writer.SOCIAL_WORKER, lines=2),
        Field(label=AIMS_MEDIUM, value=aims.medium_term if aims else None, writer=Writer.SOCIAL_WORKER, lines=2),
        Field(label=AIMS_LONG, value=aims.long_term if aims else None, writer=Writer.SOCIAL_WORKER, lines=2),
    )


def _residential(plan: PermanencePlan) -> bool:
    return any("residential" in route for route in (plan.primary, *plan.contingencies))


def _signoff(record: CaseRecord, role: SignOffRole, as_of: dt.date) -> tuple[FieldTable]:
    name_label, date_label, signature_label, comments_label = SIGNOFF_LABELS[role]
    # A sign-off the record holds (name, date, comments) fills the block; else the allocated worker's name.
    signed = next(
        (s for s in reversed(record.signoffs) if s.role is role and (s.date is None or s.date <= as_of)), None
    )
    worker = worker_on(record, _SIGNOFF_WORKERS[role], as_of)
    name = (signed.name if signed else None) or (worker.name if worker else None)
    writer = Writer.SOCIAL_WORKER if role is SignOffRole.SOCIAL_WORKER else Writer.MANAGER
    comments = signed.comments if signed else None
    rows = [[Field(label=comments_label, value=comments, writer=writer, lines=4)]] if comments_label else []
    rows.append(
        [
            Field(label=name_label, value=name or None, writer=writer),
            Field(label=date_label, value=date_text(signed.date) if signed and signed.date else None, writer=writer),
        ]
    )
    rows.append([Field(label=signature_label, writer=writer, lines=2)])
    return (FieldTable(rows=rows, keep_together=True),)
