"""The tracking panel in the ledger: schedule it, record each child's outcome and actions, carry open actions on.

Seed 002: the panel meets monthly, referrals reach business support three days before it and minutes are
due within three working days; business support keeps the panel's records. Seed 000: one record per child.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.calendar import WorkingCalendar
from permanence_core.documents import CompletedProForma, CompletedRecord, Layout, meeting_record
from permanence_core.errors import InputError, Location
from permanence_core.model import Action, Attendee, CaseRecord, Meeting, MeetingKind
from permanence_core.model._validators import to_tuple
from permanence_core.tracker import schema
from permanence_core.tracker.entries import ActionEntry, MeetingEntry
from permanence_core.tracker.ledger import Ledger, utc_now
from permanence_core.tracker.schema import ActionStatus, MeetingStatus, Origin

KIND = MeetingKind.TRACKING_PANEL
#: Seed 000: the pro-forma reaches business support at least 3 working days before the meeting.
REFERRAL_WORKING_DAYS = 3
#: Seed 002: the minutes are available within three working days.
MINUTES_WORKING_DAYS = 3


class PanelError(InputError):
    """A panel operation that cannot be done; the message names the panel, child or action and why."""


class Decision(enum.StrEnum):
    """What the panel decided for a child (seed 002: approve plans, monitor progress, track until secured)."""

    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    PROGRESSING = "progressing"
    DEFERRED = "deferred"
    SECURED = "secured"


def _decision(value: str | None) -> Decision | None:
    return None if value is None else Decision(value)


@attrs.frozen(kw_only=True)
class Panel:
    """A tracking panel held in the ledger, with the dates business support works to."""

    panel_id: str
    date: dt.date
    status: MeetingStatus = attrs.field(converter=MeetingStatus)
    chair: str | None = None
    referral_deadline: dt.date | None = None
    minutes_due: dt.date | None = None
    minutes_issued_on: dt.date | None = None

    @classmethod
    def from_entry(cls, entry: MeetingEntry) -> Panel:
        """The panel a ledger meeting row describes."""
        return cls(
            panel_id=entry.meeting_id,
            date=entry.date,
            status=entry.status,
            chair=entry.chair,
            referral_deadline=entry.referral_deadline,
            minutes_due=entry.minutes_due,
            minutes_issued_on=entry.minutes_issued_on,
        )

    def to_dict(self) -> dict[str, str | None]:
        """The JSON form."""
        return {
            "panel_id": self.panel_id,
            "date": self.date.isoformat(),
            "status": self.status.value,
            "chair": self.chair,
            "referral_deadline": _iso(self.referral_deadline),
            "minutes_due": _iso(self.minutes_due),
            "minutes_issued_on": _iso(self.minutes_issued_on),
        }


@attrs.frozen(kw_only=True)
class Outcome:
    """What the panel recorded for one child: decision, discussion, plan, who was there, and the actions.

    ``completed`` marks existing actions done (action id → date); ``actions`` are the tasks set at this
    panel, numbered as on the form (they may depend on each other or on the child's open actions).
    """

    child_id: str
    decision: Decision | None = attrs.field(default=None, converter=_decision)
    summary: str | None = None
    agreed_plan: str | None = None
    chair: str | None = None
    present: tuple[Attendee, ...] = attrs.field(default=(), converter=to_tuple)
    apologies: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    completed: Mapping[str, dt.date] = attrs.field(factory=dict)
    retimed: Mapping[str, dt.date] = attrs.field(factory=dict)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=to_tuple)


@attrs.frozen(kw_only=True)
class Recorded:
    """What ``record_outcome`` stored: the new actions' ledger ids and the actions marked done."""

    panel_id: str
    child_id: str
    added: tuple[str, ...]
    completed: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CarriedAction:
    """An open action copied to the next panel: where it was, its id there, how many panels it has been through."""

    child_id: str
    from_meeting: str
    from_action: str
    action_id: str
    times_carried: int


@attrs.frozen(kw_only=True)
class CarryForward:
    """What ``carry_forward`` did: the panel carried to, each action copied, and those copied by an earlier run."""

    to_panel: Panel
    carried: tuple[CarriedAction, ...]
    already: int


@attrs.frozen(kw_only=True)
class Minutes:
    """One child's record of the panel: ``final`` once the outcome is recorded, else a draft for the chair."""

    child_id: str
    layout: Layout
    final: bool


def panel_id_for(day: dt.date) -> str:
    """The ledger id of the panel on ``day`` (one panel a day)."""
    return f"panel-{day.isoformat()}"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# -- scheduling -------------------------------------------------------------------------------------


def schedule(
    ledger: Ledger,
    day: dt.date,
    *,
    chair: str | None = None,
    calendar: WorkingCalendar | None = None,
    now: dt.datetime | None = None,
) -> Panel:
    """Schedule the panel on ``day``: referrals due 3 working days before, minutes 3 working days after."""
    calendar = calendar or WorkingCalendar()
    at = now or utc_now()
    panel = Panel(
        panel_id=panel_id_for(day),
        date=day,
        status=MeetingStatus.SCHEDULED,
        chair=chair,
        referral_deadline=calendar.subtract_working_days(day, REFERRAL_WORKING_DAYS),
        minutes_due=calendar.add_working_days(day, MINUTES_WORKING_DAYS),
    )
    meetings = schema.meetings
    with ledger.transaction() as conn:
        # Under the writer lock, so two runs scheduling the same day cannot both find it free.
        taken = conn.execute(sa.select(meetings.c.meeting_id).where(meetings.c.meeting_id == panel.panel_id)).first()
        if taken is not None:
            raise PanelError(Location(source="ledger", element=panel.panel_id), "a panel is already scheduled that day")
        conn.execute(
            meetings.insert().values(
                meeting_id=panel.panel_id,
                kind=KIND.value,
                date=day,
                status=panel.status.value,
                origin=Origin.LEDGER.value,
                chair=chair,
                referral_deadline=panel.referral_deadline,
                minutes_due=panel.minutes_due,
                created_at=at,
                updated_at=at,
            )
        )
    return panel


def cancel(ledger: Ledger, panel: Panel, *, now: dt.datetime | None = None) -> Panel:
    """Call the panel off: it leaves the schedule (agendas and carry-forward skip it); a held panel cannot be."""
    meetings = schema.meetings
    with ledger.transaction() as conn:
        status = conn.execute(sa.select(meetings.c.status).where(meetings.c.meeting_id == panel.panel_id)).scalar()
        if status == MeetingStatus.HELD:
            raise PanelError(Location(source="ledger", element=panel.panel_id), "was held: its outcomes are recorded")
        conn.execute(
            meetings.update()
            .where(meetings.c.meeting_id == panel.panel_id)
            .values(status=MeetingStatus.CANCELLED.value, updated_at=now or utc_now())
        )
    return attrs.evolve(panel, status=MeetingStatus.CANCELLED)


def panels(ledger: Ledger) -> list[Panel]:
    """Every panel held in the ledger, in date order (tracking meetings read from a case system are not panels)."""
    return [
        Panel.from_entry(entry)
        for entry in ledger.meetings(kind=KIND.value, origin=Origin.LEDGER.value)
        if entry.meeting_id.startswith("panel-")
    ]


def find_panel(
    ledger: Ledger,
    reference: str | dt.date | None = None,
    *,
    today: dt.date | None = None,
    upcoming: bool = True,
) -> Panel:
    """A panel by id or date; without one, the next panel on or after ``today`` (``upcoming``) or the latest
    on or before it (for recording outcomes and writing minutes after the panel)."""
    known = panels(ledger)
    if reference is None:
        day = today or dt.date.today()
        live = [p for p in known if p.status is not MeetingStatus.CANCELLED]
        found = [p for p in live if p.date >= day] if upcoming else [p for p in reversed(live) if p.date <= day]
        if not found:
            side = "on or after" if upcoming else "on or before"
            raise PanelError(Location(source="ledger"), f"no panel is scheduled {side} {day.isoformat()}")
        return found[0]
    if isinstance(reference, str):
        # A panel is named by its id or by its date: "panel-2025-03-13" or "2025-03-13".
        with contextlib.suppress(ValueError):
            reference = dt.date.fromisoformat(reference)
    wanted = panel_id_for(reference) if isinstance(reference, dt.date) else reference
    for panel in known:
        if panel.panel_id == wanted:
            return panel
    listed = ", ".join(p.panel_id for p in known[-5:]) or "none scheduled"
    raise PanelError(Location(source="ledger", element=wanted), f"no such panel (latest: {listed})")


def neighbours(ledger: Ledger, panel: Panel) -> tuple[Panel | None, Panel | None]:
    """The panels before and after ``panel`` (cancelled ones skipped)."""
    known = [p for p in panels(ledger) if p.status is not MeetingStatus.CANCELLED]
    before = [p for p in known if p.date < panel.date]
    after = [p for p in known if p.date > panel.date]
    return (before[-1] if before else None, after[0] if after else None)


# -- the panel's children ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PanelChild:
    """A child on a panel: agenda position, sibling group, reasons, and the outcome once recorded."""

    child_id: str
    position: int
    group: str | None
    reasons: tuple[str, ...] = attrs.field(converter=to_tuple)
    decision: Decision | None = attrs.field(converter=_decision)
    summary: str | None = attrs.field(repr=False)
    agreed_plan: str | None = attrs.field(repr=False)
    recorded_at: dt.datetime | None

    @property
    def recorded(self) -> bool:
        """True once the panel's outcome for the child is recorded."""
        return self.recorded_at is not None


def panel_children(ledger: Ledger, panel: Panel) -> list[PanelChild]:
    """The children on the panel in agenda order."""
    links = schema.meeting_children
    query = sa.select(links).where(links.c.meeting_id == panel.panel_id).order_by(links.c.position, links.c.child_id)
    with ledger.engine.connect() as conn:
        return [
            PanelChild(
                child_id=row.child_id,
                position=row.position,
                group=row.group_key,
                reasons=tuple((row.reasons or "").splitlines()),
                decision=row.decision,
                summary=row.summary,
                agreed_plan=row.agreed_plan,
                recorded_at=row.recorded_at,
            )
            for row in conn.execute(query)
        ]


def latest_decisions(ledger: Ledger, before: dt.date) -> dict[str, Decision]:
    """Each child's latest recorded panel decision at a panel before ``before``."""
    links, meetings = schema.meeting_children, schema.meetings
    query = (
        sa.select(links.c.child_id, links.c.decision)
        .join(meetings, meetings.c.meeting_id == links.c.meeting_id)
        .where(meetings.c.date < before, meetings.c.origin == Origin.LEDGER.value, links.c.decision.is_not(None))
        .order_by(meetings.c.date)
    )
    with ledger.engine.connect() as conn:
        return {row.child_id: Decision(row.decision) for row in conn.execute(query)}


def attendees(ledger: Ledger, panel: Panel) -> tuple[tuple[Attendee, ...], tuple[str, ...]]:
    """Who was present, and who sent apologies."""
    table = schema.attendees
    query = sa.select(table).where(table.c.meeting_id == panel.panel_id).order_by(table.c.position)
    with ledger.engine.connect() as conn:
        rows = conn.execute(query).all()
    present = tuple(Attendee(name=row.name, role=row.role) for row in rows if row.present)
    return present, tuple(row.name for row in rows if not row.present)


def with_panels(ledger: Ledger, records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """``records`` with the panels held in the ledger added as the children's tracking meetings.

    A panel counts for a child once its outcome there is recorded, so the rules see the tracking the
    panel did (seed 002: monthly until permanence is secured). Coverage is not changed: a source that
    holds no meetings still cannot assess the rules that need them.
    """
    held = [p for p in panels(ledger) if p.status is MeetingStatus.HELD]
    if not held:
        return list(records)
    links = schema.meeting_children
    query = sa.select(links.c.meeting_id, links.c.child_id).where(
        links.c.meeting_id.in_([p.panel_id for p in held]), links.c.recorded_at.is_not(None)
    )
    with ledger.engine.connect() as conn:
        discussed = [(row.meeting_id, row.child_id) for row in conn.execute(query)]
    by_id = {p.panel_id: p for p in held}
    actions: dict[tuple[str, str], list[Action]] = {}
    for entry in ledger.actions():
        if entry.meeting_id in by_id and entry.child_id:
            actions.setdefault((entry.meeting_id, entry.child_id), []).append(entry.to_action())
    extra: dict[str, list[Meeting]] = {}
    for panel_id, child in discussed:
        panel = by_id[panel_id]
        extra.setdefault(child, []).append(
            Meeting(
                meeting_id=panel_id,
                kind=KIND,
                date=panel.date,
                chair=panel.chair,
                children=(child,),
                actions=actions.get((panel_id, child), ()),
                minutes_issued_on=panel.minutes_issued_on,
            )
        )
    return [
        attrs.evolve(record, meetings=(*record.meetings, *extra[record.child_id]))
        if record.child_id in extra
        else record
        for record in records
    ]


# -- outcomes ---------------------------------------------------------------------------------------


def record_outcome(ledger: Ledger, panel: Panel, outcome: Outcome, *, now: dt.datetime | None = None) -> Recorded:
    """Record a child's outcome at ``panel``: decision, summary, agreed plan, attendance, actions done and new.

    Recording again replaces the decision and text it gives (leaving those it does not give), and adds only
    the actions not recorded before (an action is known by its description and due date), so reading the
    same completed form twice is safe.
    A child not on the agenda is added to it (discussed at the panel).
    """
    at = now or utc_now()
    child = outcome.child_id
    if panel.status is MeetingStatus.CANCELLED:
        raise PanelError(Location(source="ledger", element=panel.panel_id), "the panel was cancelled")
    table, links = schema.actions, schema.meeting_children
    with ledger.transaction() as conn:
        # A mistyped id must not put an unknown child on the agenda: only children a sync has seen.
        if (
            conn.execute(sa.select(schema.children.c.child_id).where(schema.children.c.child_id == child)).first()
            is None
        ):
            raise PanelError(
                Location(source="ledger", element=panel.panel_id, field=child),
                "is not a child the ledger knows: run `permanence ledger sync` first, or check the id",
            )
        known_ids = {entry.action_id: entry for entry in reviewed_actions(ledger, panel, child)}
        for action_id in (*outcome.completed, *outcome.retimed):
            if action_id not in known_ids:
                listed = ", ".join(sorted(known_ids)) or "none"
                raise PanelError(
                    Location(source="ledger", element=panel.panel_id, field=action_id),
                    f"is not an action of child {child} reviewed at this panel (reviewed: {listed})",
                )
        mine = conn.execute(
            sa.select(table).where(table.c.meeting_id == panel.panel_id, table.c.child_id == child)
        ).all()
        ids = _new_ids(child, [row.action_id for row in mine], outcome.actions, known_ids, mine)
        added = []
        for position, action in enumerate(outcome.actions, start=len(mine) + 1):
            if ids[action.action_id] in {row.action_id for row in mine}:
                continue
            conn.execute(
                table.insert().values(
                    meeting_id=panel.panel_id,
                    action_id=ids[action.action_id],
                    child_id=child,
                    position=position,
                    description=action.description,
                    owner=action.owner,
                    due_date=action.due_date,
                    completed_on=action.completed_on,
                    depends_on=",".join(ids.get(d, d) for d in action.depends_on),
                    status=(ActionStatus.DONE if action.completed_on else ActionStatus.OPEN).value,
                    times_carried=0,
                    origin=Origin.LEDGER.value,
                    created_at=at,
                    updated_at=at,
                )
            )
            added.append(ids[action.action_id])
        for action_id, day in outcome.completed.items():
            entry = known_ids[action_id]
            conn.execute(
                table.update()
                .where(table.c.meeting_id == entry.meeting_id, table.c.action_id == entry.action_id)
                .values(completed_on=day, status=ActionStatus.DONE.value, updated_at=at)
            )
        for action_id, day in outcome.retimed.items():
            entry = known_ids[action_id]
            conn.execute(
                table.update()
                .where(table.c.meeting_id == entry.meeting_id, table.c.action_id == entry.action_id)
                .values(due_date=day, updated_at=at)
            )
        given = {
            "decision": outcome.decision.value if outcome.decision else None,
            "summary": outcome.summary,
            "agreed_plan": outcome.agreed_plan,
        }
        # What this outcome leaves out (a decision given on the command line, not on the form) stays as recorded.
        values = {key: value for key, value in given.items() if value is not None} | {"recorded_at": at}
        changed = conn.execute(
            links.update().where(links.c.meeting_id == panel.panel_id, links.c.child_id == child).values(**values)
        )
        if changed.rowcount == 0:
            last = conn.execute(
                sa.select(sa.func.max(links.c.position)).where(links.c.meeting_id == panel.panel_id)
            ).scalar()
            conn.execute(
                links.insert().values(
                    meeting_id=panel.panel_id,
                    child_id=child,
                    position=(last or 0) + 1,
                    reasons="Discussed at the panel",
                    **values,
                )
            )
        _attend(conn, panel, outcome)
        meeting_values = {"status": MeetingStatus.HELD.value, "updated_at": at}
        if outcome.chair:
            meeting_values["chair"] = outcome.chair
        conn.execute(
            schema.meetings.update().where(schema.meetings.c.meeting_id == panel.panel_id).values(**meeting_values)
        )
    return Recorded(panel_id=panel.panel_id, child_id=child, added=tuple(added), completed=tuple(outcome.completed))


def reviewed_actions(ledger: Ledger, panel: Panel, child: str) -> list[ActionEntry]:
    """The child's actions the panel reviews: those current the day before it (open, or done since the meeting
    that set them; one carried to this panel is shown by its copy), then those set at or carried to this panel."""
    here = [a for a in ledger.actions(meeting_id=panel.panel_id) if a.child_id == child]
    copied = {a.carried_from for a in here if a.carried_from}
    latest, before = ledger.current_actions(panel.date - dt.timedelta(days=1), [child]).get(child, (panel.date, []))
    earlier = [
        a
        for a in before
        if (a.meeting_id, a.action_id) not in copied
        and (a.status != ActionStatus.DONE or (a.completed_on is not None and a.completed_on >= latest))
    ]
    return earlier + here


def _without_missing_dependencies(actions: Sequence[Action]) -> tuple[Action, ...]:
    """The actions with dependencies only on each other: one on a task not listed (done long ago) is met."""
    listed = {a.action_id for a in actions}
    return tuple(attrs.evolve(a, depends_on=[d for d in a.depends_on if d in listed]) for a in actions)


def _new_ids(
    child: str,
    taken: Sequence[str],
    actions: Sequence[Action],
    known: Mapping[str, ActionEntry],
    mine: Sequence[sa.Row[Any]],
) -> dict[str, str]:
    """Ledger ids for the form's new actions: ``<child>.<n>``; one already recorded keeps its id."""
    recorded = {(row.description, row.due_date): row.action_id for row in mine}
    ids: dict[str, str] = {}
    used = set(taken)
    number = len(taken)
    for action in actions:
        if action.action_id in known:
            raise PanelError(
                Location(source="ledger", field=action.action_id),
                f"child {child} already has an open action with this id: mark it done instead of adding it",
            )
        existing = recorded.get((action.description, action.due_date))
        if existing is not None:
            ids[action.action_id] = existing
            continue
        number += 1
        while f"{child}.{number}" in used:
            number += 1
        ids[action.action_id] = f"{child}.{number}"
        used.add(ids[action.action_id])
    return ids


def _attend(conn: sa.Connection, panel: Panel, outcome: Outcome) -> None:
    """Add the people a child's record names to the panel's attendance (one line a person)."""
    table = schema.attendees
    rows = conn.execute(sa.select(table).where(table.c.meeting_id == panel.panel_id)).all()
    known = {row.name.casefold(): row for row in rows}
    added: set[str] = set()
    position = max((row.position for row in rows), default=0)
    people = [(a.name, a.role, True) for a in outcome.present] + [(name, None, False) for name in outcome.apologies]
    for name, role, present in people:
        key = name.casefold()
        before = known.get(key)
        if before is None and key not in added:
            position += 1
            added.add(key)
            conn.execute(
                table.insert().values(
                    meeting_id=panel.panel_id, position=position, name=name, role=role, present=present
                )
            )
        elif before is not None and present and not before.present:
            # Sent apologies for one child's discussion but present for another's: present at the panel.
            conn.execute(
                table.update()
                .where(table.c.meeting_id == panel.panel_id, table.c.position == before.position)
                .values(present=True, role=role or before.role)
            )


def outcome_from_form(form: CompletedRecord | CompletedProForma, ledger: Ledger, panel: Panel) -> Outcome:
    """The outcome a completed meeting record (or pro-forma Part 2) gives for the form's child at ``panel``.

    The form's own child (the first it names) is the one recorded. A task whose number is one of the
    child's open actions is that action: a completion date marks it done, a new timescale re-times it;
    every other task is a new action.
    """
    meeting = form.meeting
    where = Location(source=form.source, element="1. Date of meeting")
    if meeting is None:
        raise PanelError(where, "Part 2 (the meeting record) is not completed")
    if meeting.kind is not KIND:
        raise PanelError(where, f"is a {meeting.kind.value} record, not a tracking panel record")
    if meeting.date != panel.date and meeting.meeting_id != panel.panel_id:
        raise PanelError(where, f"is dated {meeting.date.isoformat()}, but {panel.panel_id} is on {panel.date}")
    child = meeting.children[0]
    known = {a.action_id: a for a in reviewed_actions(ledger, panel, child)}
    completed, retimed, new = {}, {}, []
    for action in meeting.actions:
        before = known.get(action.action_id)
        if before is None:
            new.append(action)
            continue
        if action.completed_on and before.completed_on is None:
            completed[action.action_id] = action.completed_on
        if action.due_date and action.due_date != before.due_date:
            retimed[action.action_id] = action.due_date
    if not (
        meeting.summary or meeting.agreed_plan or meeting.present or meeting.apologies or completed or retimed or new
    ):
        raise PanelError(
            Location(source=form.source),
            "is not completed: no summary, agreed plan, attendance or change to the actions",
        )
    return Outcome(
        child_id=child,
        summary=meeting.summary,
        agreed_plan=meeting.agreed_plan,
        chair=meeting.chair,
        present=meeting.present,
        apologies=meeting.apologies,
        completed=completed,
        retimed=retimed,
        actions=new,
    )


# -- carrying forward -------------------------------------------------------------------------------


def carry_forward(
    ledger: Ledger, panel: Panel, to: Panel | None = None, *, now: dt.datetime | None = None
) -> CarryForward:
    """Copy each open action of the panel's children to the next panel (or ``to``), and mark it carried.

    The copy keeps the owner, due date and dependencies, and counts the panels it has been carried
    through. Running it again copies nothing twice: each action has at most one copy.
    """
    at = now or utc_now()
    target = to or neighbours(ledger, panel)[1]
    if target is None:
        raise PanelError(
            Location(source="ledger", element=panel.panel_id),
            "no later panel is scheduled: schedule the next panel first",
        )
    if target.date <= panel.date:
        raise PanelError(Location(source="ledger", element=target.panel_id), f"is not after {panel.panel_id}")
    table, links = schema.actions, schema.meeting_children
    children = [c.child_id for c in panel_children(ledger, panel)]
    carried: list[CarriedAction] = []
    already = 0
    with ledger.transaction() as conn:
        open_actions = ledger.open_actions(panel.date, children)
        taken = {
            row.action_id
            for row in conn.execute(sa.select(table.c.action_id).where(table.c.meeting_id == target.panel_id))
        }
        on_target = {
            row.child_id
            for row in conn.execute(sa.select(links.c.child_id).where(links.c.meeting_id == target.panel_id))
        }
        last = max(
            (
                row.position
                for row in conn.execute(sa.select(links.c.position).where(links.c.meeting_id == target.panel_id))
            ),
            default=0,
        )
        for child in children:
            entries = open_actions.get(child, [])
            if not entries:
                continue
            renamed: dict[str, str] = {}
            fresh: list[tuple[ActionEntry, str]] = []
            for entry in entries:
                if entry.meeting_id == target.panel_id:
                    already += 1
                    continue
                copy = conn.execute(
                    sa.select(table.c.action_id).where(
                        table.c.carried_from_meeting == entry.meeting_id,
                        table.c.carried_from_action == entry.action_id,
                        table.c.child_id == child,
                    )
                ).scalar()
                if copy is not None:
                    already += 1
                    renamed[entry.action_id] = copy
                    continue
                number = 1
                while f"{child}.{number}" in taken:
                    number += 1
                renamed[entry.action_id] = f"{child}.{number}"
                taken.add(renamed[entry.action_id])
                fresh.append((entry, renamed[entry.action_id]))
            for position, (entry, new_id) in enumerate(fresh, start=1):
                conn.execute(
                    table.insert().values(
                        meeting_id=target.panel_id,
                        action_id=new_id,
                        child_id=child,
                        position=position,
                        description=entry.description,
                        owner=entry.owner,
                        due_date=entry.due_date,
                        depends_on=",".join(renamed.get(d, d) for d in entry.depends_on),
                        status=ActionStatus.OPEN.value,
                        carried_from_meeting=entry.meeting_id,
                        carried_from_action=entry.action_id,
                        times_carried=entry.times_carried + 1,
                        origin=Origin.LEDGER.value,
                        created_at=at,
                        updated_at=at,
                    )
                )
                conn.execute(
                    table.update()
                    .where(table.c.meeting_id == entry.meeting_id, table.c.action_id == entry.action_id)
                    .values(status=ActionStatus.CARRIED.value, updated_at=at)
                )
                carried.append(
                    CarriedAction(
                        child_id=child,
                        from_meeting=entry.meeting_id,
                        from_action=entry.action_id,
                        action_id=new_id,
                        times_carried=entry.times_carried + 1,
                    )
                )
            if fresh and child not in on_target:
                last += 1
                on_target.add(child)
                conn.execute(
                    links.insert().values(
                        meeting_id=target.panel_id,
                        child_id=child,
                        position=last,
                        reasons=f"Actions carried forward from {panel.panel_id}",
                    )
                )
    return CarryForward(to_panel=target, carried=tuple(carried), already=already)


# -- minutes ----------------------------------------------------------------------------------------


def minutes(
    ledger: Ledger,
    panel: Panel,
    records: Mapping[str, CaseRecord],
    *,
    generated_on: dt.date,
    children: Iterable[str] | None = None,
) -> list[Minutes]:
    """One record per child on the panel: the minutes once its outcome is recorded, else a draft for the chair.

    A draft is a blank tracking-meeting record dated for the panel, carrying the child's open actions, to
    be completed in Word and read back with ``outcome_from_form``. A child the source does not hold is
    left out (its record would have no name or plan); the caller reports it.
    """
    wanted = set(children) if children is not None else None
    everyone = panel_children(ledger, panel)
    on_panel = [c for c in everyone if wanted is None or c.child_id in wanted]
    present, apologies = attendees(ledger, panel)
    groups: dict[str, list[str]] = {}
    for child in everyone:
        groups.setdefault(child.group or child.child_id, []).append(child.child_id)
    result = []
    for child in on_panel:
        if child.child_id not in records:
            continue
        reviewed = reviewed_actions(ledger, panel, child.child_id)
        if not child.recorded:
            layout = meeting_record(
                KIND,
                child.child_id,
                records,
                date=panel.date,
                generated_on=generated_on,
                carried_actions=_without_missing_dependencies(
                    [a.to_action() for a in reviewed if a.status == ActionStatus.OPEN]
                ),
            )
            result.append(Minutes(child_id=child.child_id, layout=layout, final=False))
            continue
        together = groups[child.group or child.child_id]
        meeting = Meeting(
            meeting_id=panel.panel_id,
            kind=KIND,
            date=panel.date,
            chair=panel.chair,
            children=(child.child_id, *(c for c in together if c != child.child_id)),
            present=present,
            apologies=apologies,
            summary=child.summary,
            agreed_plan=child.agreed_plan,
            actions=_without_missing_dependencies([a.to_action() for a in reviewed]),
        )
        layout = meeting_record(KIND, child.child_id, records, meeting=meeting, generated_on=generated_on)
        result.append(Minutes(child_id=child.child_id, layout=layout, final=True))
    return result


def minutes_issued(ledger: Ledger, panel: Panel, day: dt.date, *, now: dt.datetime | None = None) -> Panel:
    """Record that the panel's minutes were issued on ``day`` (the first issue stands)."""
    meetings = schema.meetings
    with ledger.transaction() as conn:
        conn.execute(
            meetings.update()
            .where(meetings.c.meeting_id == panel.panel_id, meetings.c.minutes_issued_on.is_(None))
            .values(minutes_issued_on=day, updated_at=now or utc_now())
        )
    entry = ledger.meeting(panel.panel_id)
    if entry is None:
        raise PanelError(Location(source="ledger", element=panel.panel_id), "no such panel")
    return Panel.from_entry(entry)


__all__ = [
    "KIND",
    "MINUTES_WORKING_DAYS",
    "REFERRAL_WORKING_DAYS",
    "CarriedAction",
    "CarryForward",
    "Decision",
    "Minutes",
    "Outcome",
    "Panel",
    "PanelChild",
    "PanelError",
    "Recorded",
    "attendees",
    "cancel",
    "carry_forward",
    "find_panel",
    "latest_decisions",
    "minutes",
    "minutes_issued",
    "neighbours",
    "outcome_from_form",
    "panel_children",
    "panel_id_for",
    "panels",
    "record_outcome",
    "reviewed_actions",
    "schedule",
    "with_panels",
]
