"""The monthly panel pack (seed 002): the agenda, then one page per child with the plan, timescales and alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from permanence_core import codes
from permanence_core.calendar import add_months
from permanence_core.documents.formatting import date_text, meaning, plan_text, worker_on, worker_text
from permanence_core.documents.layout import Block, Field, FieldTable, Grid, Layout, Note, Section, Writer
from permanence_core.documents.marker import FormMarker
from permanence_core.documents.record import KIND_TITLES
from permanence_core.model import Action, CaseRecord, MeetingKind, WorkerRole
from permanence_core.model._validators import to_tuple
from permanence_core.rules.obligations import Alert, Obligation, ObligationState

FORM = "panel-pack"
TITLE = "Permanence Planning Tracking Panel"


@attrs.frozen(kw_only=True)
class AgendaItem:
    """A child on the agenda, why, and the date that puts them there."""

    child_id: str
    name: str
    reason: str
    date: dt.date | None = None


@attrs.frozen(kw_only=True)
class ChildPage:
    """One child's page: the record, the timescales that apply, the open alerts and the open actions."""

    record: CaseRecord
    obligations: tuple[Obligation, ...] = attrs.field(default=(), converter=to_tuple)
    alerts: tuple[Alert, ...] = attrs.field(default=(), converter=to_tuple)
    open_actions: tuple[Action, ...] = attrs.field(default=(), converter=to_tuple)


@attrs.frozen(kw_only=True)
class PanelPack:
    """The pack for the panel on ``panel_date``; ``since`` is the previous panel, ``until`` the next."""

    panel_date: dt.date
    since: dt.date
    until: dt.date
    due: tuple[AgendaItem, ...] = attrs.field(default=(), converter=to_tuple)
    new_entrants: tuple[AgendaItem, ...] = attrs.field(default=(), converter=to_tuple)
    overdue: tuple[AgendaItem, ...] = attrs.field(default=(), converter=to_tuple)
    pages: tuple[ChildPage, ...] = attrs.field(default=(), converter=to_tuple)


def build_panel_pack(
    records: Iterable[CaseRecord],
    alerts: Iterable[Alert],
    panel_date: dt.date,
    *,
    obligations: Iterable[Obligation] = (),
    previous_panel: dt.date | None = None,
    next_panel: dt.date | None = None,
) -> PanelPack:
    """Gather the agenda and the child pages for the panel on ``panel_date``.

    The panel meets monthly (seed 002), so the previous and next panels default to a calendar month either
    side. On the agenda:

    - *due at this panel*: a tracking-panel meeting is recorded for the child on the panel date, or an
      alert falls due from the panel date up to the next panel;
    - *new entrants*: the child's current period of care started after the previous panel;
    - *overdue obligations*: an alert fell due before the panel date.

    ``alerts`` and ``obligations`` come from the rules engine (evaluated as of the panel date); a child
    appears once per agenda list that applies, and has one page. The page's timescales are the ones the
    panel acts on: those still open, and those met (on time or late) since the previous panel; a child's
    older history, and rules the source cannot assess, are left off so the page stays a page.
    """
    since = previous_panel or add_months(panel_date, -1)
    until = next_panel or add_months(panel_date, 1)
    by_child: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_child.setdefault(alert.child_id, []).append(alert)
    obligations_by_child: dict[str, list[Obligation]] = {}
    for obligation in obligations:
        recent = obligation.met_on is not None and since < obligation.met_on <= panel_date
        if obligation.state is ObligationState.OPEN or recent:
            obligations_by_child.setdefault(obligation.child_id, []).append(obligation)
    due, new, overdue, pages = [], [], [], []
    for record in sorted(records, key=lambda r: r.child_id):
        child_alerts = sorted(by_child.get(record.child_id, ()), key=lambda a: (a.due_date, a.rule))
        name = record.child.display_name
        scheduled = any(m.kind is MeetingKind.TRACKING_PANEL and m.date == panel_date for m in record.meetings)
        coming = [a for a in child_alerts if panel_date <= a.due_date < until]
        late = [a for a in child_alerts if a.due_date < panel_date]
        period = record.latest_period(panel_date)
        entered = period.start if period is not None and since < period.start <= panel_date else None
        if scheduled or coming:
            reason = "Scheduled for this panel" if scheduled else f"Due: {coming[0].title or coming[0].rule}"
            due.append(
                AgendaItem(
                    child_id=record.child_id, name=name, reason=reason, date=None if scheduled else coming[0].due_date
                )
            )
        if entered:
            new.append(
                AgendaItem(child_id=record.child_id, name=name, reason="Started to be looked after", date=entered)
            )
        if late:
            reason = f"{len(late)} overdue: " + "; ".join(a.title or a.rule for a in late)
            overdue.append(AgendaItem(child_id=record.child_id, name=name, reason=reason, date=late[0].due_date))
        if scheduled or coming or late or entered:
            pages.append(
                ChildPage(
                    record=record,
                    obligations=sorted(
                        obligations_by_child.get(record.child_id, ()),
                        key=lambda o: (o.due_date or dt.date.max, o.rule),
                    ),
                    alerts=child_alerts,
                    open_actions=_open_actions(record),
                )
            )
    return PanelPack(
        panel_date=panel_date,
        since=since,
        until=until,
        due=due,
        new_entrants=sorted(new, key=lambda item: (item.date, item.child_id)),
        overdue=sorted(overdue, key=lambda item: (item.date, item.child_id)),
        pages=pages,
    )


def _open_actions(record: CaseRecord) -> tuple[Action, ...]:
    """The open tasks of the child's latest meeting that set any."""
    actions = next((m.actions for m in reversed(record.meetings) if m.actions), ())
    return tuple(a for a in actions if a.completed_on is None)


def panel_pack_layout(pack: PanelPack, *, generated_on: dt.date) -> Layout:
    """The pack as a document: the agenda's three lists, then a page per child."""
    agenda = Section(
        title="Agenda",
        blocks=[
            Note(
                text=f"Panel of {date_text(pack.panel_date)}. Previous panel {date_text(pack.since)}; "
                f"next panel {date_text(pack.until)}."
            ),
            _agenda_grid("1. Children due at this panel", "Due", pack.due),
            _agenda_grid("2. New entrants to care since the previous panel", "Looked after since", pack.new_entrants),
            _agenda_grid("3. Children with overdue obligations", "Earliest due", pack.overdue),
        ],
        level=2,
    )
    pages = [_child_section(page, pack.panel_date) for page in pack.pages]
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
    )


def _agenda_grid(caption: str, date_column: str, items: tuple[AgendaItem, ...]) -> Grid | Note:
    if not items:
        return Note(text=f"{caption}: none.")
    return Grid(
        caption=caption,
        columns=("Child", "ID", "Why", date_column),
        rows=[(i.name, i.child_id, i.reason, date_text(i.date)) for i in items],
        widths=(4, 2, 7, 3),
    )


def _child_section(page: ChildPage, panel_date: dt.date) -> Section:
    record = page.record
    child = record.child
    period = record.latest_period(panel_date)
    placement = record.placement_on(panel_date)
    plan = record.current_plan
    proceedings = next((p for p in reversed(record.proceedings) if p.is_live_on(panel_date)), None)
    last_meeting = record.meetings[-1] if record.meetings else None
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
                Field(
                    label="Care proceedings issued",
                    value=date_text(proceedings.issue_date) if proceedings else None,
                ),
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
    blocks: list[Block] = [facts]
    if page.obligations:
        blocks.append(
            Grid(
                caption="Timescales: open, or met since the previous panel",
                columns=("Timescale", "From", "Due", "State"),
                rows=[
                    (
                        o.title or o.rule,
                        f"{o.anchor_event or ''} {date_text(o.anchor_date)}".strip(),
                        date_text(o.due_date),
                        _state(o),
                    )
                    for o in page.obligations
                ],
                widths=(6, 5, 3, 3),
            )
        )
    blocks.append(
        Grid(
            caption="Alerts",
            columns=("Status", "Timescale", "Due", "Days overdue", "Why"),
            rows=[
                (
                    a.status.value,
                    a.title or a.rule,
                    date_text(a.due_date),
                    str(max(a.days_overdue(panel_date), 0)),
                    f"{a.message} ({a.source})",
                )
                for a in page.alerts
            ],
            widths=(2, 4, 3, 2, 8),
        )
        if page.alerts
        else Note(text="Alerts: none open.")
    )
    if page.open_actions:
        blocks.append(
            Grid(
                caption="Open actions",
                columns=("No.", "Action", "Owner", "Due", "Overdue"),
                rows=[
                    (
                        a.action_id,
                        a.description,
                        a.owner or "",
                        date_text(a.due_date),
                        "yes" if a.is_overdue_on(panel_date) else "",
                    )
                    for a in page.open_actions
                ],
                widths=(1, 7, 3, 3, 2),
            )
        )
    blocks.append(FieldTable(rows=[[Field(label="Panel's recommendation and actions", lines=5, writer=Writer.CHAIR)]]))
    return Section(title=f"{child.display_name} (ID {record.child_id})", blocks=blocks, page_break=True)


def _state(obligation: Obligation) -> str:
    labels = {
        ObligationState.MET: "met",
        ObligationState.MET_LATE: "met late",
        ObligationState.OPEN: "open",
        ObligationState.NOT_ASSESSABLE: "not assessable",
    }
    text = labels[obligation.state]
    return f"{text} {date_text(obligation.met_on)}".strip() if obligation.met_on else text
