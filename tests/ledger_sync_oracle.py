"""The record-by-record ledger sync as it stood before ``sync_tables`` (kept as the oracle of the differential test:
tests/test_ledger_sync_tables.py demands that the table sync writes the ledger exactly as this does).

A verbatim copy of permanence_core/tracker/sync.py at commit dea4502; do not change its behaviour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import logging
import marshal
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.adapters import LoadResult
from permanence_core.collector import collector_paused
from permanence_core.model import CaseRecord, Meeting, PermanencePlan
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
    coverage = sorted({facet.value for facet in set().union(*(record.coverage for record in records))})
    counts: Counter[str] = Counter()
    # The sync allocates a few objects per meeting and action, none in cycles, nearly all freed as it goes:
    # the cyclic collector would rescan the growing heap many times over (a third of a national first sync).
    with collector_paused(), ledger.transaction() as conn, _page_cache(conn):
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
        stored = _Stored(conn.dialect, _empty_tables(conn))
        today = now().date()
        survey = _survey(records, today)
        changed = _changed(conn, survey)
        _unchanged(conn, stored, [r.child_id for r in records if r.child_id not in changed], sync_id)
        rest = [record for record in records if record.child_id in changed]
        if progress is not None:
            progress(len(records) - len(rest), len(records))
        for start in range(0, len(rest), CHUNK):
            chunk = rest[start : start + CHUNK]
            at = now()
            _children(conn, stored, chunk, sync_id, counts)
            _plans(conn, stored, chunk, sync_id, at, counts)
            _meetings(conn, stored, _held_first(chunk, survey.holders), survey, today, sync_id, at, counts)
            _record_digests(conn, stored, {r.child_id: survey.digests[r.child_id] for r in chunk}, sync_id)
            if progress is not None:
                progress(len(records) - len(rest) + min(start + CHUNK, len(rest)), len(records))
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


class _Converted(dict[Any, Any]):
    """Each value as ``convert`` makes it, converted once; None stays None (and every value when ``convert`` is)."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        super().__init__({None: None})
        self._convert = convert

    def __missing__(self, value: Any) -> Any:
        converted = self[value] = value if self._convert is None else self._convert(value)
        return converted


class _Stored:
    """Values in the form the database driver takes and gives back (dates as ISO text on SQLite, ``date`` objects
    on PostgreSQL), each distinct value converted once; and the tables that were empty when the sync began.

    Rows are built, inserted and compared in this form: the 2 million meetings and actions of a national cohort
    then cost no per-row type processing, and a row read back compares equal to the row that wrote it. Nothing
    is looked up in a table that was empty (the first sync into a new ledger compares nothing).
    """

    def __init__(self, dialect: sa.Dialect, empty: frozenset[str] = frozenset()) -> None:
        self.dialect = dialect
        self.empty = empty
        #: A date column's value: a dictionary lookup, in C, for every date but the first of each.
        self.date: Callable[[dt.date | None], Any] = _Converted(
            sa.Date().dialect_impl(dialect).bind_processor(dialect)
        ).__getitem__
        self._timestamp = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)

    def timestamp(self, value: dt.datetime) -> Any:
        """A timestamp column's value (UTC)."""
        return value if self._timestamp is None else self._timestamp(value)

    def select_in(
        self, conn: sa.Connection, query: sa.Select[Any], column: sa.Column[Any], values: Iterable[Any]
    ) -> list[sa.Row[Any]]:
        """The rows of ``query`` whose ``column`` is one of ``values``, a few hundred values per round trip."""
        rows: list[sa.Row[Any]] = []
        if column.table.name in self.empty:
            return rows
        statement = query.where(column.in_(sa.bindparam("wanted", expanding=True)))
        for chunk in _in_chunks(sorted(set(values))):
            rows += conn.execute(statement, {"wanted": list(chunk)}).all()
        return rows

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


#: The tables a sync looks rows up in: when one is empty at the start, every row of it is new.
_LOOKED_UP = (schema.children, schema.plan_history, schema.meetings, schema.meeting_children, schema.actions)


def _empty_tables(conn: sa.Connection) -> frozenset[str]:
    one = sa.literal(1)
    return frozenset(
        table.name for table in _LOOKED_UP if conn.execute(sa.select(one).select_from(table).limit(1)).first() is None
    )


#: SQLite's page cache while a sync writes, in KiB: the default 2 MB holds a sliver of the indexes of a national
#: ledger's million meetings and actions, and every insert then re-reads index pages from the file.
_SYNC_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def _page_cache(conn: sa.Connection) -> Iterator[None]:
    """A large page cache on SQLite for the sync's transaction, the connection's own given back after it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{_SYNC_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or 0)}")


def _raw(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column`` read as the driver gives it (see :class:`_Stored`), without SQLAlchemy's result processing."""
    return sa.type_coerce(column, sa.String).label(column.name) if isinstance(column.type, sa.Date) else column


# -- what the records hold, and which children are not as the last sync found them --------------------

# The digest's fields, read in C (attrgetter, map, chain: no Python bytecode per meeting or action): every value
# that reaches the ledger from a plan, a meeting or an action, or that one is derived from (a plan's status and
# its date from its history, a meeting's status from its date). Dates are kept apart (marshal takes no dates) and
# enter the digest as day numbers.
_PLAN_TEXT = operator.attrgetter("plan_id", "primary", "contingencies")
_PLAN_DATES = operator.attrgetter("decided_on", "ratified_at_review")
_CHANGE_STATUS = operator.attrgetter("status._value_")
_CHANGE_DATE = operator.attrgetter("date")
_MEETING_ID = operator.attrgetter("meeting_id")
_MEETING_CHILDREN = operator.attrgetter("children")
_MEETING_DATE = operator.attrgetter("date")
_KIND = operator.attrgetter("kind._value_")
_MEETING_ACTIONS = operator.attrgetter("actions")
# A list per field, not a tuple per meeting or action: a third less work.
_MEETING_TEXT = tuple(map(operator.attrgetter, ("meeting_id", "kind._value_", "chair")))
_MEETING_DATES = tuple(map(operator.attrgetter, ("date", "minutes_issued_on", "referral_received_on")))
_ACTION_TEXT = tuple(map(operator.attrgetter, ("action_id", "description", "owner", "depends_on")))
_ACTION_DATES = tuple(map(operator.attrgetter, ("due_date", "completed_on")))
_chained = itertools.chain.from_iterable
#: marshal's format 2 writes no back-references and no interning marks, so equal values give equal bytes
#: whatever objects hold them (a later Python may change the format: each child is then compared once).
_MARSHAL_VERSION = 2


class _DayNumbers(dict[dt.date | None, int | None]):
    """Each date's proleptic ordinal, worked out once per distinct date; None stays None."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, day: dt.date | None) -> int | None:
        number = self[day] = day.toordinal() if day is not None else None
        return number


@attrs.frozen
class _Survey:
    """The cohort's meetings and each child's digest, from one pass over the records.

    ``holders``: each meeting's holder, the first record in the sync that holds it (a sibling group's meeting is
    recorded from the first sibling's record); ``members``: each meeting's children, those its holder's copy names
    and every other child whose record holds it; ``digests``: per child, a digest of everything the sync would
    record from its record.
    """

    holders: dict[str, str]
    members: dict[str, tuple[str, ...]]
    digests: dict[str, str]


def _survey(records: Sequence[CaseRecord], today: dt.date) -> _Survey:
    holders: dict[str, str] = {}
    members: dict[str, tuple[str, ...]] = {}
    grown: set[str] = set()
    first_record: dict[str, CaseRecord] = {}
    digests: dict[str, str] = {}
    days = _DayNumbers()
    for record in records:
        child = record.child_id
        first_record.setdefault(child, record)
        meetings = record.meetings
        ids = list(map(_MEETING_ID, meetings))
        mine: Sequence[Meeting] = meetings
        if holders.keys().isdisjoint(ids) and len(set(ids)) == len(ids):
            # The usual case: every meeting is held first here, once. Bulk updates, in C.
            holders.update(dict.fromkeys(ids, child))
            named = list(map(_MEETING_CHILDREN, meetings))
            members.update(zip(ids, named, strict=True))
            alone = (child,)
            if not all(map(alone.__eq__, named)):
                for meeting_id, children in zip(ids, named, strict=True):
                    members[meeting_id] = _members((), children, child)
        else:
            mine = first = []
            for meeting in meetings:
                meeting_id = meeting.meeting_id
                known = members.get(meeting_id)
                if known is None:
                    holders[meeting_id] = child
                    members[meeting_id] = _members((), meeting.children, child)
                    first.append(meeting)
                elif not (child in known and meeting.children == known):
                    joined = _members(known, meeting.children, child)
                    if joined is not known:
                        members[meeting_id] = joined
                        grown.add(meeting_id)
        digests[child] = _digest(record, mine, members, today, days)
    # A meeting a later sibling's record joined: its holder's digest must name every child.
    for child in {holders[meeting_id] for meeting_id in grown}:
        record = first_record[child]
        copies = {m.meeting_id: m for m in reversed(record.meetings) if holders[m.meeting_id] == child}
        held = [m for m in record.meetings if copies.get(m.meeting_id) is m]
        digests[child] = _digest(record, held, members, today, days)
    return _Survey(holders=holders, members=members, digests=digests)


def _members(known: tuple[str, ...], named: tuple[str, ...], child: str) -> tuple[str, ...]:
    """A meeting's children: ``known`` so far, then those a copy in ``child``'s record names and ``child`` itself;
    ``known`` itself when that adds no one (the copy that names its own child once, and no one twice, as is)."""
    if not known and child in named and len(set(named)) == len(named):
        return named
    added = tuple(dict.fromkeys(c for c in (*named, child) if c not in known))
    return known + added if added else known


def _digest(
    record: CaseRecord,
    mine: Sequence[Meeting],
    members: dict[str, tuple[str, ...]],
    today: dt.date,
    days: _DayNumbers,
) -> str:
    """A digest of the child's row, its plans, and the meetings and actions its record is the first to hold."""
    plans = record.plans
    periods = [period for period in record.periods_of_care if not period.short_break]
    actions = list(map(_MEETING_ACTIONS, mine))
    every_action = list(_chained(actions))
    day = days.__getitem__
    content = (
        [(_PLAN_TEXT(plan), list(map(_CHANGE_STATUS, plan.history))) for plan in plans],
        list(map(day, _chained(map(_PLAN_DATES, plans)))),
        [list(map(day, map(_CHANGE_DATE, plan.history))) for plan in plans],
        list(map(day, (periods[-1].start, periods[-1].end) if periods else (None, None))),
        [list(map(field, mine)) for field in _MEETING_TEXT],
        [list(map(day, map(field, mine))) for field in _MEETING_DATES],
        list(map(members.__getitem__, map(_MEETING_ID, mine))),
        # Which meetings were held by today (the rest are scheduled): given their dates, how many.
        sum(map(today.__ge__, map(_MEETING_DATE, mine))),
        list(map(len, actions)),
        [list(map(field, every_action)) for field in _ACTION_TEXT],
        [list(map(day, map(field, every_action))) for field in _ACTION_DATES],
    )
    return hashlib.blake2b(marshal.dumps(content, _MARSHAL_VERSION), digest_size=16).hexdigest()


def _changed(conn: sa.Connection, survey: _Survey) -> set[str]:
    """The children to compare row by row: all but those whose digest is the one the latest sync recorded, none of
    whose meetings or actions changed in the ledger since that sync finished (a panel's outcome, a carry-forward:
    anything that sets a case-system meeting's or action's ``updated_at``)."""
    digests, syncs = schema.sync_digests, schema.syncs
    latest = conn.execute(sa.select(sa.func.max(digests.c.sync_id))).scalar()
    if latest is None:
        return set(survey.digests)
    query = sa.select(digests.c.child_id, digests.c.digest).where(digests.c.sync_id == latest)
    previous = {child: digest for child, digest in conn.execute(query)}
    changed = {child for child, digest in survey.digests.items() if previous.get(child) != digest}
    finished = conn.execute(sa.select(syncs.c.finished_at).where(syncs.c.sync_id == latest)).scalar_one()
    for table in (schema.meetings, schema.actions):
        # At or after: a change stamped within the same clock tick as the sync's end counts as made after it.
        query = sa.select(table.c.meeting_id).where(table.c.updated_at >= finished).distinct()
        changed.update(survey.holders[m] for m in conn.execute(query).scalars() if m in survey.holders)
    return changed


def _unchanged(conn: sa.Connection, stored: _Stored, child_ids: Sequence[str], sync_id: int) -> None:
    """Children as the latest sync found them: only the sync that saw them last, and checked them, moves on."""
    rows = [(sync_id, child) for child in child_ids]
    children, digests = schema.children, schema.sync_digests
    for table, column in ((children, children.c.last_sync_id), (digests, digests.c.sync_id)):
        key = table.c.child_id
        stored.update(
            conn,
            table.update().where(key == sa.bindparam("key")).values({column: sa.bindparam("new")}),
            ("new", "key"),
            rows,
        )


def _record_digests(conn: sa.Connection, stored: _Stored, digests: dict[str, str], sync_id: int) -> None:
    table = schema.sync_digests
    for ids in _in_chunks(list(digests)):
        conn.execute(table.delete().where(table.c.child_id.in_(ids)))
    stored.insert(
        conn, table, ("child_id", "digest", "sync_id"), [(child, digest, sync_id) for child, digest in digests.items()]
    )


def _held_first(chunk: Sequence[CaseRecord], holders: dict[str, str]) -> dict[str, Meeting]:
    """The meetings the records of ``chunk`` are the first to hold, by id (each its holder's copy)."""
    meetings: dict[str, Meeting] = {}
    for record in chunk:
        child = record.child_id
        for meeting in record.meetings:
            if holders[meeting.meeting_id] == child:
                meetings.setdefault(meeting.meeting_id, meeting)
    return meetings


# -- children ---------------------------------------------------------------------------------------

_CHILD_COLUMNS = ("child_id", "last_sync_id", "looked_after_since", "left_care_on", "first_sync_id")


def _children(
    conn: sa.Connection, stored: _Stored, chunk: Sequence[CaseRecord], sync_id: int, counts: Counter[str]
) -> None:
    table = schema.children
    known = {row.child_id for row in stored.select_in(conn, sa.select(table.c.child_id), table.c.child_id, _ids(chunk))}
    new, old = [], []
    for record in chunk:
        child = record.child_id
        periods = [p for p in record.periods_of_care if not p.short_break]
        since = stored.date(periods[-1].start if periods else None)
        left = stored.date(periods[-1].end if periods else None)
        if child in known:
            old.append((sync_id, since, left, child))
        else:
            new.append((child, sync_id, since, left, sync_id))
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
    for row in sorted(stored.select_in(conn, query, table.c.child_id, _ids(chunk)), key=lambda row: row.entry_id):
        latest[(row.child_id, row.plan_key)] = row._asdict()
    # In entry order: per child, the last plan entry is its latest route.
    for (child_id, _key), latest_row in sorted(latest.items(), key=lambda item: item[1]["entry_id"]):
        route[child_id] = latest_row["primary_route"]
    recorded_at = stored.timestamp(at)
    new_rows = []
    for record in chunk:
        child = record.child_id
        for plan in record.plans:
            state = _plan_state(stored, plan)
            before = latest.get((child, state["plan_key"]))
            if before is None:
                change = ["new"]
                if route.get(child, plan.primary) != plan.primary:
                    change.append("route")
            else:
                change = list(dict.fromkeys(name for f, name in _PLAN_FIELDS.items() if before[f] != state[f]))
            if not change:
                continue
            route[child] = plan.primary
            latest[(child, state["plan_key"])] = state
            new_rows.append((*(state[name] for name in _PLAN_STATE), child, sync_id, recorded_at, ",".join(change)))
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
    wanted: dict[str, Meeting],
    survey: _Survey,
    today: dt.date,
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    """Add or update the ``wanted`` meetings (by id, their holder's copy), their children and their actions."""
    if not wanted:
        return
    table, links = schema.meetings, schema.meeting_children
    # Only the compared columns, as the driver gives them: the timestamps would each cost a conversion, for nothing.
    query = sa.select(table.c.origin, *(_raw(table.c[name]) for name in _MEETING_VALUES))
    existing: dict[str, tuple[Any, ...]] = {}
    ours = []
    for row in stored.select_in(conn, query, table.c.meeting_id, wanted):
        if row.origin != Origin.CASE_SYSTEM:
            ours.append(row.meeting_id)
        existing[row.meeting_id] = tuple(row)[1:]
    linked: dict[str, tuple[str, ...]] = defaultdict(tuple)
    link_query = sa.select(links.c.meeting_id, links.c.child_id).order_by(links.c.position)
    for row in stored.select_in(conn, link_query, links.c.meeting_id, existing):
        linked[row.meeting_id] += (row.child_id,)
    if ours:
        # A case-system meeting with the id of a panel held in the ledger: the ledger's record stands.
        logger.warning("sync %s: %d meetings already held in the ledger were not overwritten", sync_id, len(ours))
    stamp = stored.timestamp(at)
    added = (Origin.CASE_SYSTEM.value, sync_id, sync_id, stamp, stamp)
    held, scheduled = MeetingStatus.HELD.value, MeetingStatus.SCHEDULED.value
    date, members = stored.date, survey.members
    skipped = set(ours)
    inserts, updates, relink = [], [], []
    for meeting_id, meeting in wanted.items():
        if meeting_id in skipped:
            continue
        values = (
            meeting_id,
            _KIND(meeting),
            date(meeting.date),
            held if meeting.date <= today else scheduled,
            meeting.chair,
            date(meeting.minutes_issued_on),
            date(meeting.referral_received_on),
        )
        before = existing.get(meeting_id)
        if before is None:
            inserts.append(values + added)
            relink.append(meeting_id)
        elif before != values or linked[meeting_id] != members[meeting_id]:
            updates.append((*values[1:], sync_id, stamp, meeting_id))
            if linked[meeting_id] != members[meeting_id]:
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
        [(meeting_id, child, position) for meeting_id in relink for position, child in enumerate(members[meeting_id])],
    )
    counts["meetings_added"] += len(inserts)
    counts["meetings_changed"] += len(updates)
    kept = {key: meeting for key, meeting in wanted.items() if key not in skipped}
    _actions(conn, stored, kept, set(existing), members, sync_id, at, counts)


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
    meetings: dict[str, Meeting],
    existed: set[str],
    members: dict[str, tuple[str, ...]],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    """Add or update the actions of ``meetings``; only those of meetings that ``existed`` are looked up."""
    table = schema.actions
    query = sa.select(
        table.c.meeting_id, table.c.action_id, table.c.status, *(_raw(table.c[name]) for name in _ACTION_VALUES)
    )
    existing = {
        (row.meeting_id, row.action_id): (row.status, tuple(row)[3:])
        for row in stored.select_in(conn, query, table.c.meeting_id, existed)
    }
    stamp = stored.timestamp(at)
    done, open_ = ActionStatus.DONE.value, ActionStatus.OPEN.value
    added = (0, Origin.CASE_SYSTEM.value, sync_id, sync_id, stamp, stamp)
    date = stored.date
    inserts, updates = [], []
    for meeting_id, meeting in meetings.items():
        children = members[meeting_id]
        shared = children[0] if len(children) == 1 else None
        for position, action in enumerate(meeting.actions, start=1):
            completed = date(action.completed_on)
            row = (
                shared,
                position,
                action.description,
                action.owner,
                date(action.due_date),
                completed,
                ",".join(action.depends_on),
            )
            found = existing.get((meeting_id, action.action_id)) if meeting_id in existed else None
            if found is None:
                status = done if completed is not None else open_
                inserts.append((meeting_id, action.action_id, *row, status, *added))
                continue
            status, before = found
            if before[_COMPLETED] is not None and completed is None:
                # Done stays done: a completion recorded at the panel is not undone by a system that lacks it.
                row = (*row[:_COMPLETED], before[_COMPLETED], *row[_COMPLETED + 1 :])
            if row != before:
                # Completed in the case system is done; an open action the panel carried forward stays carried.
                new_status = done if row[_COMPLETED] is not None else _reopened(status).value
                updates.append((*row, new_status, sync_id, stamp, meeting_id, action.action_id))
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
