"""The Permanence Planning Referral of seed 001, prefilled from the case record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from permanence_core import codes
from permanence_core.documents.formatting import (
    date_text,
    known_or_none,
    lines,
    meaning,
    route_text,
    worker_on,
)
from permanence_core.documents.layout import Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.documents.record import KIND_TITLES, group_of
from permanence_core.model import CaseRecord, Facet, HearingKind, WorkerRole

FORM = "referral"
TITLE = "Permanence Planning Referral"

CHILDREN = "Children"
CHILDREN_COLUMNS = ("Child's name", "Date of birth", "ID")
FURTHER_SIBLINGS = "Further siblings (not in concurrent permanence planning)"
SOCIAL_WORKER = "Child's social worker"
TEAM = "Team"
HISTORY = "Brief history of child/children's situation"
FAMILY = "Family composition"
FAMILY_COLUMNS = ("Name", "Date of birth", "Relationship to child", "Whereabouts")
DECISIONS = "Outline decision making process to date"
PLACEMENTS = "Placement record"
PLACEMENT_COLUMNS = ("Placement", "Date placed", "Date ceased")
LEGAL_STATUS = "Current legal status of child"
PROCEEDINGS = "Current legal proceedings"
PROFILE = "Brief child profile"
REFERRAL_DATE = "Date of referral"

_HEARINGS = {
    HearingKind.CMH: "Case management hearing",
    HearingKind.FURTHER_CMH: "Further case management hearing",
    HearingKind.IRH: "Issues resolution hearing",
    HearingKind.FINAL: "Final hearing",
    HearingKind.OTHER: "Hearing",
}


def referral_form(record: CaseRecord, *, as_of: dt.date, records: Mapping[str, CaseRecord] | None = None) -> Layout:
    """Seed 001's referral for the child and the siblings in concurrent planning, as the record stood on ``as_of``."""
    known = {record.child_id: record, **(records or {})}
    narrative = record.narrative
    worker = worker_on(record, WorkerRole.SOCIAL_WORKER, as_of)
    group = group_of(record)
    children_rows = [(record.child.display_name, date_text(record.child.date_of_birth), record.child_id)]
    for sibling in record.siblings:
        if sibling.in_concurrent_planning:
            other = known.get(sibling.child_id or "")
            name = other.child.display_name if other else sibling.name or ""
            born = (other.child.date_of_birth if other else None) or sibling.date_of_birth
            children_rows.append((name, date_text(born), sibling.child_id or ""))
    # Seed 001 "(Add if further sibs)": the siblings (half-siblings among them) outside concurrent planning.
    further_rows = [
        (s.name or "", date_text(s.date_of_birth), s.child_id or "")
        for s in record.siblings
        if not s.in_concurrent_planning
    ]
    listed = {m.name.casefold() for m in record.family if m.name}
    family_rows = [
        (m.name, date_text(m.date_of_birth), m.relationship or "", m.whereabouts or "") for m in record.family
    ]
    family_rows += [
        (
            s.name,
            date_text(s.date_of_birth),
            "Sibling" if s.in_concurrent_planning else "Sibling (not in concurrent planning)",
            "",
        )
        for s in record.siblings
        if s.name and s.name.casefold() not in listed
    ]
    details = Section(
        title="The children",
        blocks=[
            Grid(
                caption=CHILDREN,
                columns=CHILDREN_COLUMNS,
                rows=children_rows,
                blank_rows=0 if further_rows else 1,
                widths=(6, 3, 3),
            ),
            Grid(
                caption=FURTHER_SIBLINGS,
                columns=CHILDREN_COLUMNS,
                rows=further_rows,
                blank_rows=1,
                widths=(6, 3, 3),
                note="Add rows for further siblings.",
            ),
            FieldTable(
                rows=[
                    [
                        Field(label=SOCIAL_WORKER, value=worker.name if worker and worker.name else None),
                        Field(label=TEAM, value=worker.team if worker and worker.team else None),
                    ],
                    [
                        Field(
                            label=HISTORY,
                            value=((narrative.history or narrative.reason_for_care) if narrative else None),
                            writer=Writer.SOCIAL_WORKER,
                            lines=8,
                        )
                    ],
                ]
            ),
            Grid(
                caption=FAMILY,
                columns=FAMILY_COLUMNS,
                rows=family_rows,
                blank_rows=2,
                widths=(4, 3, 3, 4),
                writer=Writer.SOCIAL_WORKER,
            ),
        ],
    )
    decisions = Section(
        title="Decisions, placements and legal position",
        blocks=[
            FieldTable(
                rows=[
                    [
                        Field(
                            label=DECISIONS,
                            value=(narrative.decision_making_to_date if narrative else None) or _decisions(record),
                            writer=Writer.SOCIAL_WORKER,
                            lines=8,
                        )
                    ]
                ]
            ),
            Grid(
                caption=PLACEMENTS,
                columns=PLACEMENT_COLUMNS,
                rows=[
                    (
                        p.description or meaning(codes.PLACEMENT_TYPE, p.placement_type),
                        date_text(p.start),
                        date_text(p.end),
                    )
                    for p in record.placements
                ],
                blank_rows=0 if Facet.CARE in record.coverage and record.placements else 2,
                widths=(8, 2, 2),
            ),
            FieldTable(
                rows=[
                    [Field(label=LEGAL_STATUS, value=_legal_status(record, as_of) or None, lines=3)],
                    [Field(label=PROCEEDINGS, value=_proceedings(record, as_of) or None, lines=3)],
                    [
                        Field(
                            label=PROFILE,
                            value=narrative.child_profile if narrative else None,
                            writer=Writer.SOCIAL_WORKER,
                            lines=8,
                        )
                    ],
                    [
                        Field(
                            label=REFERRAL_DATE,
                            value=date_text(record.referral_date) or None,
                            writer=Writer.SOCIAL_WORKER,
                        )
                    ],
                ]
            ),
        ],
    )
    return Layout(
        form=FORM,
        title=TITLE,
        marker=FormMarker(form=FORM, children=group),
        intro=[
            Note(
                text="Child's Social Worker to complete and email to the Adoption Team Manager and the Fostering "
                "Team Manager. All PPM referrals go to the Adoption Team Manager, who allocates an adoption worker "
                "where adoption is the main or contingency plan; where the plan is special guardianship or "
                "long-term fostering without adoption, the referral goes to the Fostering Team."
            )
        ],
        sections=(details, decisions),
        footer=f"{TITLE} · child ID {record.child_id} · generated {date_text(as_of)}",
    )


def _decisions(record: CaseRecord) -> str | None:
    """The decisions the record holds in date order, each under the meeting held that day, as a starting point for
    the social worker's outline."""
    events: list[tuple[dt.date, str]] = []
    if record.permanence_decision_date:
        events.append((record.permanence_decision_date, "Decision to pursue permanence"))
    for plan in record.plans:
        routes = route_text(plan.primary)
        if plan.contingencies:
            routes += " (contingency: " + "; ".join(route_text(r) for r in plan.contingencies) + ")"
        events += [(change.date, f"Plan {routes} {change.status.value}") for change in plan.history]
        if not plan.history and plan.decided_on:
            events.append((plan.decided_on, f"Plan {routes} decided"))
        if plan.ratified_at_review:
            events.append((plan.ratified_at_review, f"Plan {routes} ratified at review"))
    held: dict[dt.date, list[str]] = {}
    for meeting in record.meetings:
        held.setdefault(meeting.date, []).append(KIND_TITLES[meeting.kind])
    out = []
    for day in sorted({day for day, _text in events} | set(held)):
        decided = [text for when, text in events if when == day]
        if day in held:
            out.append(f"{date_text(day)}: {'; '.join(held[day])}")
            out += [f"   – {text}" for text in decided]
        else:
            out += [f"{date_text(day)}: {text}" for text in decided]
    return lines(out) or None


def _legal_status(record: CaseRecord, as_of: dt.date) -> str:
    spells = [s for s in record.legal_statuses if s.start <= as_of]
    if not spells:
        return known_or_none(record, Facet.CARE, "")
    current = spells[-1]
    text = f"{meaning(codes.LEGAL_STATUS, current.code)} since {date_text(current.start)}"
    earlier = [f"{meaning(codes.LEGAL_STATUS, s.code)} from {date_text(s.start)}" for s in spells[:-1]]
    return lines([text, "Earlier: " + "; ".join(earlier) if earlier else ""])


def _proceedings(record: CaseRecord, as_of: dt.date) -> str:
    issued = [p for p in record.proceedings if p.issue_date <= as_of]
    if not issued:
        return known_or_none(record, Facet.PROCEEDINGS, "")
    out = []
    for p in issued:
        head = f"Care proceedings issued {date_text(p.issue_date)}"
        if p.court_reference:
            head += f", court reference {p.court_reference}"
        out.append(head)
        out.extend(f"• {_HEARINGS[h.kind]}: {date_text(h.date)}" for h in sorted(p.hearings, key=lambda h: h.date))
        out.extend(f"• Extension of {e.weeks} weeks granted {date_text(e.granted_on)}" for e in p.extensions)
        if p.concluded_on:
            out.append(f"• Concluded {date_text(p.concluded_on)}" + (f": {p.outcome}" if p.outcome else ""))
    return lines(out)
