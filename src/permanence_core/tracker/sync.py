"""Recording a sync: a load's counts, and the plans, meetings and actions it read, kept as history in the ledger."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from permanence_core.adapters import LoadResult
from permanence_core.model import CaseRecord, Meeting, PermanencePlan
from permanence_core.tracker import schema
from permanence_core.tracker.entries import SyncEntry
from permanence_core.tracker.ledger import Ledger, shown_url, utc_now
from permanence_core.tracker.schema import ActionStatus, MeetingStatus, Origin

logger = logging.getLogger(__name__)

#: Records handled per round trip: memory stays flat and each IN (...) list stays well inside SQLite's limit.
CHUNK = 500
_IN_LIMIT = 900

_PLAN_FIELDS = {
    "primary_route": "route",
    "contingencies": "contingencies",
    "decided_on": "decided",
    "ratified_on": "ratified",
    "status": "status",
    "status_since": "status",
}
_ACTION_FIELDS = ("child_id", "position", "description", "owner", "due_date", "completed_on", "depends_on")
_MEETING_FIELDS = (
    "meeting_id",
    "kind",
    "date",
    "status",
    "origin",
    "chair",
    "minutes_issued_on",
    "referral_received_on",
)


def plan_key(plan: PermanencePlan) -> str:
    """The plan's id in the case system, or its route and decision date when the system gives none."""
    if plan.plan_id:
        return plan.plan_id
    return f"{plan.primary}@{plan.decided_on.isoformat() if plan.decided_on else 'undated'}"


def record_sync(
    ledger: Ledger,
    result: LoadResult,
    *,
    adapter: str,
    source: str,
    started_at: dt.datetime | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> SyncEntry:
    """Record ``result`` (a load through ``adapter`` from ``source``) in the ledger, in one transaction.

    The ledger keeps what changed since the last sync: children seen for the first time, each plan when
    first seen and whenever its route, contingencies, dates or status change, meetings and actions added or
    changed. A meeting the ledger itself holds (a panel) is never overwritten by one from the case system.
    Syncs take turns under the ledger's writer lock, so two at once cannot record the same change twice.
    """
    started = started_at or now()
    records = result.records
    coverage = sorted({facet.value for record in records for facet in record.coverage})
    members = _meeting_members(records)
    counts: Counter[str] = Counter()
    with ledger.transaction() as conn:
        inserted = conn.execute(
            schema.syncs.insert().values(
                adapter=adapter,
                source=shown_url(source),
                started_at=started,
                finished_at=started,
                read=result.read,
                loaded=result.loaded,
                rejected=len(result.rejected),
                children=len(records),
                coverage=",".join(coverage),
                **dict.fromkeys(_COUNTS, 0),
            )
        ).inserted_primary_key
        if inserted is None:  # an insert of one row always has its key; SQLAlchemy's type allows none
            raise RuntimeError("the ledger did not return the new sync's id")
        sync_id = inserted[0]
        seen_meetings: set[str] = set()
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            at = now()
            _children(conn, chunk, sync_id, counts)
            _plans(conn, chunk, sync_id, at, counts)
            _meetings(conn, chunk, members, seen_meetings, sync_id, at, counts)
            if progress is not None:
                progress(min(start + CHUNK, len(records)), len(records))
        finished = now()
        values = {name: counts[name] for name in _COUNTS}
        conn.execute(
            schema.syncs.update().where(schema.syncs.c.sync_id == sync_id).values(finished_at=finished, **values)
        )
    logger.info("sync %s through %s: %s", sync_id, adapter, values)
    return SyncEntry(
        sync_id=sync_id,
        adapter=adapter,
        source=shown_url(source),
        started_at=started,
        finished_at=finished,
        read=result.read,
        loaded=result.loaded,
        rejected=len(result.rejected),
        children=len(records),
        coverage=coverage,
        **values,
    )


_COUNTS = (
    "children_new",
    "plans_changed",
    "meetings_added",
    "meetings_changed",
    "actions_added",
    "actions_changed",
)


def _in_chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_LIMIT):
        yield values[start : start + _IN_LIMIT]


def _select_in(
    conn: sa.Connection, query: sa.Select[Any], column: sa.Column[Any], values: Iterable[Any]
) -> list[sa.Row[Any]]:
    rows: list[sa.Row[Any]] = []
    for chunk in _in_chunks(sorted(set(values))):
        rows += conn.execute(query.where(column.in_(chunk))).all()
    return rows


def _meeting_members(records: Sequence[CaseRecord]) -> dict[str, tuple[str, ...]]:
    """Every meeting's children: those it names and every child whose record holds it (a sibling group's PPM)."""
    # Built as tuples, sharing the meeting's own tuple when it already names everyone: a dict per meeting
    # cost 340 MB for the 1.5 million meetings of a national cohort.
    members: dict[str, tuple[str, ...]] = {}
    for record in records:
        for meeting in record.meetings:
            known = members.get(meeting.meeting_id, ())
            if (
                not known
                and record.child_id in meeting.children
                and len(set(meeting.children)) == len(meeting.children)
            ):
                members[meeting.meeting_id] = meeting.children
                continue
            added = tuple(dict.fromkeys(c for c in (*meeting.children, record.child_id) if c not in known))
            members[meeting.meeting_id] = known + added
    return members


# -- children ---------------------------------------------------------------------------------------


def _children(conn: sa.Connection, chunk: Sequence[CaseRecord], sync_id: int, counts: Counter[str]) -> None:
    table = schema.children
    known = {row.child_id for row in _select_in(conn, sa.select(table.c.child_id), table.c.child_id, _ids(chunk))}
    rows = []
    for record in chunk:
        periods = [p for p in record.periods_of_care if not p.short_break]
        rows.append(
            {
                "child_id": record.child_id,
                "last_sync_id": sync_id,
                "looked_after_since": periods[-1].start if periods else None,
                "left_care_on": periods[-1].end if periods else None,
            }
        )
    new, old = [], []
    for row in rows:
        if row["child_id"] in known:
            # Executed with many rows, an UPDATE sets the columns each row names; "key" is the WHERE's parameter.
            old.append({"key": row.pop("child_id"), **row})
        else:
            new.append({**row, "first_sync_id": sync_id})
    if new:
        conn.execute(table.insert(), new)
    if old:
        conn.execute(table.update().where(table.c.child_id == sa.bindparam("key")), old)
    counts["children_new"] += len(new)


def _ids(chunk: Sequence[CaseRecord]) -> list[str]:
    return [record.child_id for record in chunk]


# -- plans ------------------------------------------------------------------------------------------


def _plan_state(plan: PermanencePlan) -> dict[str, Any]:
    return {
        "plan_key": plan_key(plan),
        "primary_route": plan.primary,
        "contingencies": ",".join(plan.contingencies),
        "decided_on": plan.decided_on,
        "ratified_on": plan.ratified_at_review,
        "status": plan.status.value,
        "status_since": _status_since(plan),
    }


def _status_since(plan: PermanencePlan) -> dt.date | None:
    """When the plan took its current status: the first of the latest run of changes to that status."""
    changes = sorted(plan.history, key=lambda change: change.date)
    since = plan.decided_on
    for index, change in enumerate(changes):
        if index == 0 or change.status != changes[index - 1].status:
            since = change.date
    return since


def _plans(
    conn: sa.Connection, chunk: Sequence[CaseRecord], sync_id: int, at: dt.datetime, counts: Counter[str]
) -> None:
    table = schema.plan_history
    query = sa.select(table).order_by(table.c.entry_id)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    route: dict[str, str] = {}
    for row in _select_in(conn, query, table.c.child_id, _ids(chunk)):
        latest[(row.child_id, row.plan_key)] = row._asdict()
    # The rows came in chunks of children, each in entry order: per child, the last one is its latest route.
    for (child_id, _key), latest_row in sorted(latest.items(), key=lambda item: item[1]["entry_id"]):
        route[child_id] = latest_row["primary_route"]
    new_rows = []
    for record in chunk:
        for plan in record.plans:
            state = _plan_state(plan)
            before = latest.get((record.child_id, state["plan_key"]))
            if before is None:
                change = ["new"]
                if route.get(record.child_id, plan.primary) != plan.primary:
                    change.append("route")
            else:
                change = list(dict.fromkeys(name for f, name in _PLAN_FIELDS.items() if before[f] != state[f]))
            if not change:
                continue
            route[record.child_id] = plan.primary
            latest[(record.child_id, state["plan_key"])] = state
            new_rows.append(
                {
                    **state,
                    "child_id": record.child_id,
                    "sync_id": sync_id,
                    "recorded_at": at,
                    "change": ",".join(change),
                }
            )
    if new_rows:
        conn.execute(table.insert(), new_rows)
    counts["plans_changed"] += len(new_rows)


# -- meetings and actions ---------------------------------------------------------------------------


def _meetings(
    conn: sa.Connection,
    chunk: Sequence[CaseRecord],
    members: dict[str, tuple[str, ...]],
    seen: set[str],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    wanted: dict[str, Meeting] = {}
    for record in chunk:
        for meeting in record.meetings:
            if meeting.meeting_id not in seen:
                wanted.setdefault(meeting.meeting_id, meeting)
    seen.update(wanted)
    if not wanted:
        return
    table, links = schema.meetings, schema.meeting_children
    # Only the compared columns: the timestamps would each cost a conversion, for nothing.
    compared = [table.c[name] for name in _MEETING_FIELDS]
    existing = {row.meeting_id: row for row in _select_in(conn, sa.select(*compared), table.c.meeting_id, wanted)}
    linked: dict[str, tuple[str, ...]] = defaultdict(tuple)
    link_query = sa.select(links.c.meeting_id, links.c.child_id).order_by(links.c.position)
    for row in _select_in(conn, link_query, links.c.meeting_id, wanted):
        linked[row.meeting_id] += (row.child_id,)
    ours = sorted(key for key, row in existing.items() if row.origin != Origin.CASE_SYSTEM)
    if ours:
        # A case-system meeting with the id of a panel held in the ledger: the ledger's record stands.
        logger.warning("sync %s: %d meetings already held in the ledger were not overwritten", sync_id, len(ours))
    inserts, updates, relink = [], [], []
    for meeting_id, meeting in wanted.items():
        if meeting_id in ours:
            continue
        values = {
            "meeting_id": meeting_id,
            "kind": meeting.kind.value,
            "date": meeting.date,
            "status": (MeetingStatus.HELD if meeting.date <= at.date() else MeetingStatus.SCHEDULED).value,
            "chair": meeting.chair,
            "minutes_issued_on": meeting.minutes_issued_on,
            "referral_received_on": meeting.referral_received_on,
        }
        before = existing.get(meeting_id)
        children = members[meeting_id]
        if before is None:
            inserts.append(
                {
                    **values,
                    "origin": Origin.CASE_SYSTEM.value,
                    "first_sync_id": sync_id,
                    "last_sync_id": sync_id,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            relink.append(meeting_id)
        elif any(getattr(before, key) != value for key, value in values.items()) or linked[meeting_id] != children:
            del values["meeting_id"]
            updates.append({**values, "key": meeting_id, "last_sync_id": sync_id, "updated_at": at})
            if linked[meeting_id] != children:
                relink.append(meeting_id)
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        conn.execute(table.update().where(table.c.meeting_id == sa.bindparam("key")), updates)
    # A new meeting has no links yet; only a changed one's are replaced.
    for ids in _in_chunks([meeting_id for meeting_id in relink if meeting_id in existing]):
        conn.execute(links.delete().where(links.c.meeting_id.in_(ids)))
    link_rows = [
        {"meeting_id": meeting_id, "child_id": child, "position": position}
        for meeting_id in relink
        for position, child in enumerate(members[meeting_id])
    ]
    if link_rows:
        conn.execute(links.insert(), link_rows)
    counts["meetings_added"] += len(inserts)
    counts["meetings_changed"] += len(updates)
    _actions(conn, {key: wanted[key] for key in wanted if key not in ours}, members, sync_id, at, counts)


def _actions(
    conn: sa.Connection,
    meetings: dict[str, Meeting],
    members: dict[str, tuple[str, ...]],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    table = schema.actions
    compared = [table.c.meeting_id, table.c.action_id, table.c.status, *(table.c[name] for name in _ACTION_FIELDS)]
    existing = {
        (row.meeting_id, row.action_id): row
        for row in _select_in(conn, sa.select(*compared), table.c.meeting_id, meetings)
    }
    inserts, updates = [], []
    for meeting_id, meeting in meetings.items():
        children = members[meeting_id]
        for position, action in enumerate(meeting.actions, start=1):
            row = {
                "child_id": children[0] if len(children) == 1 else None,
                "position": position,
                "description": action.description,
                "owner": action.owner,
                "due_date": action.due_date,
                "completed_on": action.completed_on,
                "depends_on": ",".join(action.depends_on),
            }
            before = existing.get((meeting_id, action.action_id))
            if before is not None and before.completed_on is not None and action.completed_on is None:
                # Done stays done: a completion recorded at the panel is not undone by a system that lacks it.
                row["completed_on"] = before.completed_on
            if before is None:
                status = ActionStatus.DONE if action.completed_on else ActionStatus.OPEN
                inserts.append(
                    {
                        **row,
                        "meeting_id": meeting_id,
                        "action_id": action.action_id,
                        "status": status.value,
                        "times_carried": 0,
                        "origin": Origin.CASE_SYSTEM.value,
                        "first_sync_id": sync_id,
                        "last_sync_id": sync_id,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            elif any(getattr(before, key) != row[key] for key in _ACTION_FIELDS):
                # Completed in the case system is done; an open action the panel carried forward stays carried.
                status = ActionStatus.DONE if row["completed_on"] else _reopened(before.status)
                updates.append(
                    {
                        **row,
                        "m": meeting_id,
                        "a": action.action_id,
                        "status": status.value,
                        "last_sync_id": sync_id,
                        "updated_at": at,
                    }
                )
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        conn.execute(
            table.update().where(table.c.meeting_id == sa.bindparam("m"), table.c.action_id == sa.bindparam("a")),
            updates,
        )
    counts["actions_added"] += len(inserts)
    counts["actions_changed"] += len(updates)


def _reopened(status: str) -> ActionStatus:
    return ActionStatus.CARRIED if status == ActionStatus.CARRIED else ActionStatus.OPEN


__all__ = ["plan_key", "record_sync"]
