"""The monthly panel pack (seed 002) as a document: the agenda, then one page per child in agenda order."""

from __future__ import annotations

import datetime as dt
import re

import attrs

from permanence_core import codes
from permanence_core.documents.formatting import date_text, meaning, plan_text, worker_on, worker_text
from permanence_core.documents.layout import Block, Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.documents.record import KIND_TITLES
from permanence_core.model import CaseRecord, MeetingAction, MeetingKind, WorkerRole
from permanence_core.model._validators import to_tuple
from permanence_core.rules.obligations import Alert, AlertStatus, Obligation

FORM = "panel-pack"
TITLE = "Permanence Planning Tracking Panel"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
#: A rule's source that cites a council's procedure file (``seeds/002_….txt: what it says``).
_PROCEDURE_FILE = re.compile(r"^\S+\.(?:txt|docx?|pdf|md)\s*:\s*")


@attrs.frozen(kw_only=True)
class AgendaItem:
    """A child on the agenda with every reason it is there, one line a reason."""

    child_id: str
    name: str
    reasons: tuple[str, ...] = attrs.field(converter=to_tuple)


@attrs.frozen(kw_only=True)
class ChildPage:
    """One child's page: the record, the timescales that apply, the open alerts, and every open action from every
    earlier meeting (oldest first)."""

    record: CaseRecord
    reasons: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    obligations: tuple[Obligation, ...] = attrs.field(default=(), converter=to_tuple)
    alerts: tuple[Alert, ...] = attrs.field(default=(), converter=to_tuple)
    open_actions: tuple[MeetingAction, ...] = attrs.field(default=(), converter=to_tuple)


@attrs.frozen(kw_only=True)
class PanelPack:
    """The pack for the panel on ``panel_date``; ``since`` is the previous panel, ``until`` the next;
    ``procedure`` the title of the council's procedure the local rules come from."""

    panel_date: dt.date
    since: dt.date
    until: dt.date
    agenda: tuple[AgendaItem, ...] = attrs.field(default=(), converter=to_tuple)
    pages: tuple[ChildPage, ...] = attrs.field(default=(), converter=to_tuple)
    procedure: str | None = None


def dates_in_words(text: str) -> str:
    """``text`` with its ISO dates written as the documents write dates (``5 November 2026``)."""
    return _ISO_DATE.sub(lambda m: date_text(dt.date(int(m[1]), int(m[2]), int(m[3]))), text)


def cited(source: str, procedure: str | None) -> str:
    """A rule's source as a reader cites it: a council procedure by its title, never by a file name."""
    if procedure and _PROCEDURE_FILE.match(source):
        return _PROCEDURE_FILE.sub(f"{procedure}: ", source, count=1)
    return source


def panel_pack_layout(pack: PanelPack, *, generated_on: dt.date) -> Layout:
    """The pack as a document: the agenda (one row a child, every reason), then a page per child in that order."""
    numbered = list(enumerate(pack.agenda, start=1))
    agenda = Section(
        title="Agenda",
        blocks=[
            Note(
                text=f"Panel of {date_text(pack.panel_date)}. Previous panel {date_text(pack.since)}; "
                f"next panel {date_text(pack.until)}."
            ),
            Grid(
                caption="Children on the agenda (sibling groups together)",
                columns=("No.", "Child", "ID", "Why on the agenda"),
                rows=[(str(n), i.name, i.child_id, "\n".join(i.reasons)) for n, i in numbered],
                widths=(1, 4, 2, 10),
            )
            if pack.agenda
            else Note(text="No children are on the agenda."),
        ],
        level=2,
    )
    pages = [
        _child_section(number, page, pack.panel_date, pack.procedure) for number, page in enumerate(pack.pages, start=1)
    ]
    return Layout(
        form=FORM,
        title=f"{TITLE} – {date_text(pack.panel_date)}",
        # The pack is not read back, and a council's cohort would not fit in a Word property: no child ids.
        marker=FormMarker(form=FORM),
        intro=[
            Note(
                text="The panel receives and approves recommendations for permanence plans, monitors their "
                "progress and makes sure there is a permanence plan by the second looked-after review. Minutes "
                "are due within three working days."
            )
        ],
        sections=(agenda, *pages),
        footer=f"{TITLE} · panel {date_text(pack.panel_date)} · generated {date_text(generated_on)}",
        body_points=9.5,
    )


def _proceedings_text(record: CaseRecord, panel_date: dt.date) -> str | None:
    """The latest care proceedings: issued on …, or concluded on … once they have."""
    started = [p for p in record.proceedings if p.issue_date <= panel_date]
    if not started:
        return None
    latest = started[-1]
    if latest.concluded_on is not None and latest.concluded_on <= panel_date:
        return f"Issued {date_text(latest.issue_date)}; concluded on {date_text(latest.concluded_on)}"
    return date_text(latest.issue_date)


def _child_section(number: int, page: ChildPage, panel_date: dt.date, procedure: str | None) -> Section:
    record = page.record
    child = record.child
    period = record.latest_period(panel_date)
    placement = record.placement_on(panel_date)
    plan = record.current_plan
    held = [m for m in record.meetings if m.date <= panel_date]
    last_meeting = held[-1] if held else None
    facts = FieldTable(
        rows=[
            [Field(label="Name", value=child.display_name), Field(label="ID", value=record.child_id)],
            [
                Field(label="Date of birth", value=date_text(child.date_of_birth) or None),
                Field(label="Looked after since", value=date_text(period.start) if period else None),
            ],
            [
                Field(
                    label="Legal status", value=meaning(codes.LEGAL_STATUS, record.legal_status_on(panel_date)) or None
                ),
                Field(
                    label="Placement",
                    value=meaning(codes.PLACEMENT_TYPE, placement.placement_type) if placement else None,
                ),
            ],
            [
                Field(
                    label="Social worker",
                    value=worker_text(worker_on(record, WorkerRole.SOCIAL_WORKER, panel_date)) or None,
                ),
                Field(label="Care proceedings issued", value=_proceedings_text(record, panel_date)),
            ],
            [Field(label="Permanence plan", value=plan_text(plan) if plan else "No plan recorded", lines=2)],
            [
                Field(
                    label="Last meeting",
                    value=f"{KIND_TITLES[last_meeting.kind]}, {date_text(last_meeting.date)}" if last_meeting else None,
                )
            ],
        ]
    )
    blocks: list[Block] = []
    if page.reasons:
        blocks.append(Note(text="On the agenda: " + "; ".join(page.reasons) + "."))
    blocks.append(facts)
    blocks.append(_timescales(page, panel_date, procedure))
    blocks.append(
        Grid(
            caption="Open actions from every meeting, oldest first (carried forward until done)",
            columns=("No.", "Action", "Set at", "Owner", "Due", "Days overdue"),
            rows=[
                (
                    str(n),
                    a.action.description,
                    _set_at(a),
                    a.action.owner or "",
                    date_text(a.action.due_date),
                    str(a.days_overdue(panel_date) or ""),
                )
                for n, a in enumerate(page.open_actions, start=1)
            ],
            widths=(2, 7, 4, 4, 3, 3),
            highlight_column=5,
        )
        if page.open_actions
        else Note(text="Open actions: none.")
    )
    blocks.append(FieldTable(rows=[[Field(label="Panel's recommendation and actions", lines=5, writer=Writer.CHAIR)]]))
    return Section(
        title=f"{number}. {child.display_name} (ID {record.child_id})",
        blocks=blocks,
        page_break=True,
        keep_together=True,
    )


#: Meetings named briefly, so the "set at" column stays narrow.
_SHORT_KINDS = {
    MeetingKind.PPM: "PPM",
    MeetingKind.TRACKING_PANEL: "Tracking panel",
    MeetingKind.MONITORING_GROUP: "Monitoring group",
    MeetingKind.PLAN_REVIEW: "Plan review",
}


def _timescales(page: ChildPage, panel_date: dt.date, procedure: str | None) -> Grid | Note:
    """One table of the timescales still open: the alerted ones first (overdue, then upcoming), each with why it
    is due and where the rule comes from."""
    rows = [
        (
            a.title or a.rule,
            date_text(a.due_date),
            f"Overdue {a.days_overdue(panel_date)} days" if a.status is AlertStatus.OVERDUE else "Upcoming",
            f"{dates_in_words(_basis(a.message))} ({cited(a.source, procedure)})",
        )
        for a in sorted(page.alerts, key=lambda a: (a.status is not AlertStatus.OVERDUE, a.due_date, a.rule))
    ]
    alerted = {(a.rule, a.anchor_date) for a in page.alerts}
    rows += [
        (
            o.title or o.rule,
            date_text(o.due_date),
            "Open",
            f"{o.anchor_event or ''} {date_text(o.anchor_date)}".strip() + f" ({cited(o.source, procedure)})",
        )
        for o in page.obligations
        if (o.rule, o.anchor_date) not in alerted
    ]
    if not rows:
        return Note(text="Timescales: none open.")
    return Grid(
        caption="Timescales still open",
        columns=("Timescale", "Due", "Status", "Why"),
        rows=rows,
        widths=(5, 3, 3, 9),
        highlight_column=2,
        highlight_prefix="Overdue",
    )


def _basis(message: str) -> str:
    """What an alert's due date counts from: the engine's message after the title, due date and days left."""
    return message.partition("; ")[2] or message


def _set_at(item: MeetingAction) -> str:
    kind = _SHORT_KINDS[item.meeting_kind] if item.meeting_kind else "Meeting"
    return f"{kind} {date_text(item.meeting_date)}"
