"""Recording a sync: a load's counts, and the plans, meetings and actions it read, kept as history in the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.adapters import LoadResult
from permanence_core.model import CaseRecord, PermanencePlan
from permanence_core.tracker import schema
from permanence_core.tracker.entries import SyncEntry
from permanence_core.tracker.ledger import Ledger, shown_url, utc_now
from permanence_core.tracker.schema import ActionStatus, MeetingStatus, Origin
from permanence_core.writeback.state import UtcDateTime

logger = logging.getLogger(__name__)

#: Records handled per round trip: memory stays flat and each IN (...) list stays well inside SQLite's limit.
CHUNK = 500
_IN_LIMIT = 900
#: A positional parameter in SQL for the drivers the ledger supports (sqlite3: qmark; psycopg: format or pyformat).
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

_PLAN_FIELDS = {
    "primary_route": "route",
    "contingencies": "contingencies",
    "decided_on": "decided",
    "ratified_on": "ratified",
    "status": "status",
    "status_since": "status",
}


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
        stored = _Stored(conn.dialect)
        last = _last_check(conn)
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            at = now()
            _children(conn, stored, chunk, sync_id, counts)
            found = _found(stored, chunk, members, seen_meetings, at.date())
            same = _unchanged(conn, found, last)
            _plans(conn, stored, [r for r in chunk if r.child_id not in same], sync_id, at, counts)
            wanted = {key: meeting for key, meeting in found.meetings.items() if meeting.holder not in same}
            _meetings(conn, stored, wanted, sync_id, at, counts)
            _record_digests(conn, stored, found.digests, sync_id)
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


class _Stored:
    """Values in the form the database driver takes and gives back (dates as ISO text on SQLite, ``date`` objects
    on PostgreSQL), each distinct value converted once.

    Rows are built, inserted and compared in this form: the 2 million meetings and actions of a national cohort
    then cost no per-row type processing, and a row read back compares equal to the row that wrote it.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        self.dialect = dialect
        self._date = sa.Date().dialect_impl(dialect).bind_processor(dialect)
        self._dates: dict[dt.date, Any] = {}
        self._timestamp = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)

    def date(self, value: dt.date | None) -> Any:
        """A date column's value."""
        if value is None or self._date is None:
            return value
        stored = self._dates.get(value)
        if stored is None:
            stored = self._dates[value] = self._date(value)
        return stored

    def timestamp(self, value: dt.datetime) -> Any:
        """A timestamp column's value (UTC)."""
        return value if self._timestamp is None else self._timestamp(value)

    def insert(
        self, conn: sa.Connection, table: sa.Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Insert ``rows`` (values of the columns ``names``, in stored form) with one executemany."""
        if not rows:
            return
        marker = _MARKERS.get(self.dialect.paramstyle)
        if marker is None:
            self._many(conn, table.insert().compile(dialect=self.dialect, column_keys=list(names)), names, rows)
            return
        # Written out in the order of ``names``, so the rows go to the driver as they are.
        quote = self.dialect.identifier_preparer
        columns = ", ".join(quote.quote(name) for name in names)
        markers = ", ".join([marker] * len(names))
        conn.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES ({markers})", rows)

    def update(
        self, conn: sa.Connection, statement: sa.Update, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Run ``statement`` (its bound parameters named ``names``) once per row, with one executemany."""
        if rows:
            self._many(conn, statement.compile(dialect=self.dialect), names, rows)

    def _many(
        self, conn: sa.Connection, compiled: sa.Compiled, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        params: Sequence[Any]
        positions = getattr(compiled, "positiontup", None)
        if positions is not None:
            order = [names.index(name) for name in positions]
            params = rows if order == list(range(len(names))) else [tuple(row[i] for i in order) for row in rows]
        else:
            params = [dict(zip(names, row, strict=True)) for row in rows]
        conn.exec_driver_sql(compiled.string, params)


def _raw(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column`` read as the driver gives it (see :class:`_Stored`), without SQLAlchemy's result processing."""
    return sa.type_coerce(column, sa.String).label(column.name) if isinstance(column.type, sa.Date) else column


def _select_in(
    conn: sa.Connection, query: sa.Select[Any], column: sa.Column[Any], values: Iterable[Any]
) -> list[sa.Row[Any]]:
    rows: list[sa.Row[Any]] = []
    statement = query.where(column.in_(sa.bindparam("wanted", expanding=True)))
    for chunk in _in_chunks(sorted(set(values))):
        rows += conn.execute(statement, {"wanted": list(chunk)}).all()
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


# -- what the records hold, and which children are as the last sync found them ------------------------


@attrs.frozen
class _FoundMeeting:
    """A meeting as the sync records it: its values (``_MEETING_VALUES``), children and actions (``_ACTION_VALUES``
    by action id), in stored form, from the first record in the sync that holds it (``holder``)."""

    holder: str
    values: tuple[Any, ...]
    children: tuple[str, ...]
    actions: tuple[tuple[str, tuple[Any, ...]], ...]


@attrs.frozen
class _Found:
    """A chunk's meetings (those not met in an earlier chunk) and each child's digest."""

    meetings: dict[str, _FoundMeeting]
    digests: dict[str, str]


def _found(
    stored: _Stored,
    chunk: Sequence[CaseRecord],
    members: dict[str, tuple[str, ...]],
    seen: set[str],
    today: dt.date,
) -> _Found:
    """What the sync records from ``chunk``, and per child a digest of it: its plans, and the meetings and actions
    it is the first record to hold (a sibling group's meeting is recorded from the first sibling's record)."""
    meetings: dict[str, _FoundMeeting] = {}
    digests = {}
    held, scheduled = MeetingStatus.HELD.value, MeetingStatus.SCHEDULED.value
    for record in chunk:
        child = record.child_id
        first = []
        for meeting in record.meetings:
            meeting_id = meeting.meeting_id
            if meeting_id in seen:
                continue
            seen.add(meeting_id)
            children = members[meeting_id]
            shared = children[0] if len(children) == 1 else None
            found = _FoundMeeting(
                holder=child,
                values=(
                    meeting_id,
                    meeting.kind.value,
                    stored.date(meeting.date),
                    held if meeting.date <= today else scheduled,
                    meeting.chair,
                    stored.date(meeting.minutes_issued_on),
                    stored.date(meeting.referral_received_on),
                ),
                children=children,
                actions=tuple(
                    (
                        action.action_id,
                        (
                            shared,
                            position,
                            action.description,
                            action.owner,
                            stored.date(action.due_date),
                            stored.date(action.completed_on),
                            ",".join(action.depends_on),
                        ),
                    )
                    for position, action in enumerate(meeting.actions, start=1)
                ),
            )
            meetings[meeting_id] = found
            first.append((found.values, found.children, found.actions))
        plans = [tuple(_plan_state(stored, plan).values()) for plan in record.plans]
        digests[child] = hashlib.blake2b(repr((plans, first)).encode(), digest_size=16).hexdigest()
    return _Found(meetings=meetings, digests=digests)


@attrs.frozen
class _LastCheck:
    """The latest sync that recorded digests, when it finished, and when each meeting changed in the ledger since
    (a panel's outcome, a carry-forward: anything that sets a case-system meeting's or action's ``updated_at``)."""

    sync_id: int | None = None
    touched: frozenset[str] = frozenset()


def _last_check(conn: sa.Connection) -> _LastCheck:
    digests, syncs = schema.sync_digests, schema.syncs
    latest = conn.execute(sa.select(sa.func.max(digests.c.sync_id))).scalar()
    if latest is None:
        return _LastCheck()
    finished = conn.execute(sa.select(syncs.c.finished_at).where(syncs.c.sync_id == latest)).scalar_one()
    touched: set[str] = set()
    for table in (schema.meetings, schema.actions):
        # At or after: a change stamped within the same clock tick as the sync's end counts as made after it.
        query = sa.select(table.c.meeting_id).where(table.c.updated_at >= finished).distinct()
        touched.update(conn.execute(query).scalars())
    return _LastCheck(sync_id=latest, touched=frozenset(touched))


def _unchanged(conn: sa.Connection, found: _Found, last: _LastCheck) -> set[str]:
    """Children whose plans, meetings and actions the sync would find as the last sync recorded them: the same
    digest, and none of their meetings or actions changed in the ledger since. Their rows need no comparing."""
    if last.sync_id is None:
        return set()
    table = schema.sync_digests
    query = sa.select(table.c.child_id, table.c.digest).where(table.c.sync_id == last.sync_id)
    same = {
        row.child_id
        for row in _select_in(conn, query, table.c.child_id, found.digests)
        if row.digest == found.digests[row.child_id]
    }
    if last.touched:
        same -= {meeting.holder for meeting_id, meeting in found.meetings.items() if meeting_id in last.touched}
    return same


def _record_digests(conn: sa.Connection, stored: _Stored, digests: dict[str, str], sync_id: int) -> None:
    table = schema.sync_digests
    for ids in _in_chunks(list(digests)):
        conn.execute(table.delete().where(table.c.child_id.in_(ids)))
    stored.insert(
        conn, table, ("child_id", "digest", "sync_id"), [(child, digest, sync_id) for child, digest in digests.items()]
    )


# -- children ---------------------------------------------------------------------------------------

_CHILD_COLUMNS = ("child_id", "last_sync_id", "looked_after_since", "left_care_on", "first_sync_id")


def _children(
    conn: sa.Connection, stored: _Stored, chunk: Sequence[CaseRecord], sync_id: int, counts: Counter[str]
) -> None:
    table = schema.children
    known = {row.child_id for row in _select_in(conn, sa.select(table.c.child_id), table.c.child_id, _ids(chunk))}
    new, old = [], []
    for record in chunk:
        periods = [p for p in record.periods_of_care if not p.short_break]
        since = stored.date(periods[-1].start if periods else None)
        left = stored.date(periods[-1].end if periods else None)
        if record.child_id in known:
            old.append((sync_id, since, left, record.child_id))
        else:
            new.append((record.child_id, sync_id, since, left, sync_id))
    stored.insert(conn, table, _CHILD_COLUMNS, new)
    stored.update(
        conn,
        table.update()
        .where(table.c.child_id == sa.bindparam("key"))
        .values(
            last_sync_id=sa.bindparam("last"),
            looked_after_since=sa.bindparam("since"),
            left_care_on=sa.bindparam("left"),
        ),
        ("last", "since", "left", "key"),
        old,
    )
    counts["children_new"] += len(new)


def _ids(chunk: Sequence[CaseRecord]) -> list[str]:
    return [record.child_id for record in chunk]


# -- plans ------------------------------------------------------------------------------------------

_PLAN_STATE = ("plan_key", "primary_route", "contingencies", "decided_on", "ratified_on", "status", "status_since")
_PLAN_COLUMNS = (*_PLAN_STATE, "child_id", "sync_id", "recorded_at", "change")


def _plan_state(stored: _Stored, plan: PermanencePlan) -> dict[str, Any]:
    return {
        "plan_key": plan_key(plan),
        "primary_route": plan.primary,
        "contingencies": ",".join(plan.contingencies),
        "decided_on": stored.date(plan.decided_on),
        "ratified_on": stored.date(plan.ratified_at_review),
        "status": plan.status.value,
        "status_since": stored.date(_status_since(plan)),
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
    conn: sa.Connection,
    stored: _Stored,
    chunk: Sequence[CaseRecord],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    table = schema.plan_history
    query = sa.select(table.c.entry_id, table.c.child_id, *(_raw(table.c[name]) for name in _PLAN_STATE))
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    route: dict[str, str] = {}
    for row in sorted(_select_in(conn, query, table.c.child_id, _ids(chunk)), key=lambda row: row.entry_id):
        latest[(row.child_id, row.plan_key)] = row._asdict()
    # In entry order: per child, the last plan entry is its latest route.
    for (child_id, _key), latest_row in sorted(latest.items(), key=lambda item: item[1]["entry_id"]):
        route[child_id] = latest_row["primary_route"]
    recorded_at = stored.timestamp(at)
    new_rows = []
    for record in chunk:
        for plan in record.plans:
            state = _plan_state(stored, plan)
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
                (*(state[name] for name in _PLAN_STATE), record.child_id, sync_id, recorded_at, ",".join(change))
            )
    stored.insert(conn, table, _PLAN_COLUMNS, new_rows)
    counts["plans_changed"] += len(new_rows)


# -- meetings and actions ---------------------------------------------------------------------------

#: A meeting's values from the case system, in this order (compared with the ledger's, then written).
_MEETING_VALUES = ("meeting_id", "kind", "date", "status", "chair", "minutes_issued_on", "referral_received_on")
_MEETING_INSERT = (*_MEETING_VALUES, "origin", "first_sync_id", "last_sync_id", "created_at", "updated_at")
_MEETING_UPDATE = (*_MEETING_VALUES[1:], "last_sync_id", "updated_at", "key")
_LINK_COLUMNS = ("meeting_id", "child_id", "position")


def _meetings(
    conn: sa.Connection,
    stored: _Stored,
    wanted: dict[str, _FoundMeeting],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    if not wanted:
        return
    table, links = schema.meetings, schema.meeting_children
    # Only the compared columns, as the driver gives them: the timestamps would each cost a conversion, for nothing.
    query = sa.select(table.c.origin, *(_raw(table.c[name]) for name in _MEETING_VALUES))
    existing: dict[str, tuple[Any, ...]] = {}
    ours = []
    for row in _select_in(conn, query, table.c.meeting_id, wanted):
        if row.origin != Origin.CASE_SYSTEM:
            ours.append(row.meeting_id)
        existing[row.meeting_id] = tuple(row)[1:]
    linked: dict[str, tuple[str, ...]] = defaultdict(tuple)
    link_query = sa.select(links.c.meeting_id, links.c.child_id).order_by(links.c.position)
    for row in _select_in(conn, link_query, links.c.meeting_id, wanted):
        linked[row.meeting_id] += (row.child_id,)
    if ours:
        # A case-system meeting with the id of a panel held in the ledger: the ledger's record stands.
        logger.warning("sync %s: %d meetings already held in the ledger were not overwritten", sync_id, len(ours))
    stamp = stored.timestamp(at)
    origin = Origin.CASE_SYSTEM.value
    skipped = set(ours)
    inserts, updates, relink = [], [], []
    for meeting_id, meeting in wanted.items():
        if meeting_id in skipped:
            continue
        values, children = meeting.values, meeting.children
        before = existing.get(meeting_id)
        if before is None:
            inserts.append((*values, origin, sync_id, sync_id, stamp, stamp))
            relink.append(meeting_id)
        elif before != values or linked[meeting_id] != children:
            updates.append((*values[1:], sync_id, stamp, meeting_id))
            if linked[meeting_id] != children:
                relink.append(meeting_id)
    stored.insert(conn, table, _MEETING_INSERT, inserts)
    stored.update(
        conn,
        table.update()
        .where(table.c.meeting_id == sa.bindparam("key"))
        .values({name: sa.bindparam(name) for name in _MEETING_UPDATE[:-1]}),
        _MEETING_UPDATE,
        updates,
    )
    # A new meeting has no links yet; only a changed one's are replaced.
    for ids in _in_chunks([meeting_id for meeting_id in relink if meeting_id in existing]):
        conn.execute(links.delete().where(links.c.meeting_id.in_(ids)))
    stored.insert(
        conn,
        links,
        _LINK_COLUMNS,
        [
            (meeting_id, child, position)
            for meeting_id in relink
            for position, child in enumerate(wanted[meeting_id].children)
        ],
    )
    counts["meetings_added"] += len(inserts)
    counts["meetings_changed"] += len(updates)
    _actions(conn, stored, {key: wanted[key] for key in wanted if key not in skipped}, sync_id, at, counts)


#: An action's values from the case system, in this order (compared with the ledger's, then written).
_ACTION_VALUES = ("child_id", "position", "description", "owner", "due_date", "completed_on", "depends_on")
_ACTION_INSERT = (
    "meeting_id",
    "action_id",
    *_ACTION_VALUES,
    "status",
    "times_carried",
    "origin",
    "first_sync_id",
    "last_sync_id",
    "created_at",
    "updated_at",
)
_ACTION_UPDATE = (*_ACTION_VALUES, "status", "last_sync_id", "updated_at", "m", "a")
_COMPLETED = _ACTION_VALUES.index("completed_on")


def _actions(
    conn: sa.Connection,
    stored: _Stored,
    meetings: dict[str, _FoundMeeting],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    table = schema.actions
    query = sa.select(
        table.c.meeting_id, table.c.action_id, table.c.status, *(_raw(table.c[name]) for name in _ACTION_VALUES)
    )
    existing = {
        (row.meeting_id, row.action_id): (row.status, tuple(row)[3:])
        for row in _select_in(conn, query, table.c.meeting_id, meetings)
    }
    stamp = stored.timestamp(at)
    done, open_ = ActionStatus.DONE.value, ActionStatus.OPEN.value
    origin = Origin.CASE_SYSTEM.value
    inserts, updates = [], []
    for meeting_id, meeting in meetings.items():
        for action_id, row in meeting.actions:
            found = existing.get((meeting_id, action_id))
            if found is None:
                status = done if row[_COMPLETED] is not None else open_
                inserts.append((meeting_id, action_id, *row, status, 0, origin, sync_id, sync_id, stamp, stamp))
                continue
            status, before = found
            if before[_COMPLETED] is not None and row[_COMPLETED] is None:
                # Done stays done: a completion recorded at the panel is not undone by a system that lacks it.
                row = (*row[:_COMPLETED], before[_COMPLETED], *row[_COMPLETED + 1 :])
            if row != before:
                # Completed in the case system is done; an open action the panel carried forward stays carried.
                new_status = done if row[_COMPLETED] is not None else _reopened(status).value
                updates.append((*row, new_status, sync_id, stamp, meeting_id, action_id))
    stored.insert(conn, table, _ACTION_INSERT, inserts)
    stored.update(
        conn,
        table.update()
        .where(table.c.meeting_id == sa.bindparam("m"), table.c.action_id == sa.bindparam("a"))
        .values({name: sa.bindparam(name) for name in _ACTION_UPDATE[:-2]}),
        _ACTION_UPDATE,
        updates,
    )
    counts["actions_added"] += len(inserts)
    counts["actions_changed"] += len(updates)


def _reopened(status: str) -> ActionStatus:
    return ActionStatus.CARRIED if status == ActionStatus.CARRIED else ActionStatus.OPEN


__all__ = ["plan_key", "record_sync"]
