"""A panel's outcomes: each child's decision, discussion, attendance and actions, recorded in the ledger or read
from a completed record; the children on a panel and the panels as tracking meetings the rules see."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from permanence_core.cohort import SCHEMAS, Cohort
from permanence_core.documents import CompletedProForma, CompletedRecord
from permanence_core.errors import Location
from permanence_core.model import Action, Attendee, CaseRecord, Meeting
from permanence_core.model._validators import to_tuple
from permanence_core.tracker import schema
from permanence_core.tracker.entries import ActionEntry
from permanence_core.tracker.ledger import Ledger, utc_now
from permanence_core.tracker.panel.schedule import KIND, Panel, PanelError, panels
from permanence_core.tracker.schema import ActionStatus, MeetingStatus, Origin


class Decision(enum.StrEnum):
    """What the panel decided for a child (seed 002: approve plans, monitor progress, track until secured)."""

    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    PROGRESSING = "progressing"
    DEFERRED = "deferred"
    SECURED = "secured"


def optional_decision(value: str | None) -> Decision | None:
    """A decision from its name (None stays None)."""
    return None if value is None else Decision(value)


@attrs.frozen(kw_only=True)
class Outcome:
    """What the panel recorded for one child: decision, discussion, plan, who was there, and the actions.

    ``completed`` marks existing actions done (action id → date); ``actions`` are the tasks set at this
    panel, numbered as on the form (they may depend on each other or on the child's open actions).
    """

    child_id: str
    decision: Decision | None = attrs.field(default=None, converter=optional_decision)
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
class PanelChild:
    """A child on a panel: agenda position, sibling group, reasons, and the outcome once recorded."""

    child_id: str
    position: int
    group: str | None
    reasons: tuple[str, ...] = attrs.field(converter=to_tuple)
    decision: Decision | None = attrs.field(converter=optional_decision)
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
    discussed = _discussed(ledger)
    if not discussed:
        return list(records)
    by_id = {panel.panel_id: panel for panel, _child in discussed}
    actions: dict[tuple[str, str], list[Action]] = {}
    for entry in ledger.actions():
        if entry.meeting_id in by_id and entry.child_id:
            actions.setdefault((entry.meeting_id, entry.child_id), []).append(entry.to_action())
    extra: dict[str, list[Meeting]] = {}
    for panel, child in discussed:
        panel_id = panel.panel_id
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


def _discussed(ledger: Ledger) -> list[tuple[Panel, str]]:
    """Each held panel and child whose outcome there is recorded."""
    held = {p.panel_id: p for p in panels(ledger) if p.status is MeetingStatus.HELD}
    if not held:
        return []
    links = schema.meeting_children
    query = sa.select(links.c.meeting_id, links.c.child_id).where(
        links.c.meeting_id.in_(list(held)), links.c.recorded_at.is_not(None)
    )
    with ledger.engine.connect() as conn:
        return [(held[row.meeting_id], row.child_id) for row in conn.execute(query)]


def cohort_with_panels(ledger: Ledger, cohort: Cohort) -> Cohort:
    """``cohort`` with the panels held in the ledger as its children's tracking meetings: the meeting rows of
    ``cohort_from_records(with_panels(ledger, records))`` (each child's meetings renumbered in date order, the
    panels after the case system's meetings of the same day, as a record orders them)."""
    discussed = _discussed(ledger)
    if not discussed:
        return cohort
    rows = [
        (child, 0, panel.panel_id, KIND.value, panel.date, None, panel.minutes_issued_on) for panel, child in discussed
    ]
    schema_ = SCHEMAS["meetings"]
    added = pl.DataFrame(rows, schema=dict(schema_), orient="row").filter(
        pl.col("child_id").is_in(cohort.children.get_column("child_id").implode())
    )
    # The record's order: its own meetings by date then the panels appended, sorted by date (ties keep that order).
    meetings = (
        pl.concat([cohort.meetings.sort("child_id", "seq", maintain_order=True), added])
        .sort("child_id", pl.col("date"), maintain_order=True)
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32()).over("child_id").alias("seq"))
    )
    return attrs.evolve(cohort, meetings=meetings.select(*schema_))


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


def without_missing_dependencies(actions: Sequence[Action]) -> tuple[Action, ...]:
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
