"""Recording a sync: a load's counts, and the plans, meetings and actions it read, kept as history in the ledger."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from permanence_core.adapters import CohortLoad, LoadResult
from permanence_core.cohort import Cohort, CohortDetail
from permanence_core.cohort.tables import row_tuples
from permanence_core.collector import collector_paused
from permanence_core.model import Facet, PermanencePlan, PlanStatus
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
    return _plan_key(plan.plan_id, plan.primary, plan.decided_on)


def _plan_key(plan_id: str | None, primary: str, decided_on: dt.date | None) -> str:
    if plan_id:
        return plan_id
    return f"{primary}@{decided_on.isoformat() if decided_on else 'undated'}"


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
    """Record ``result`` (a load through ``adapter`` from ``source``) in the ledger: its records as cohort and
    detail tables, recorded by :func:`sync_tables`."""
    return sync_tables(
        ledger,
        CohortLoad.of(result, detail=True),
        adapter=adapter,
        source=source,
        started_at=started_at,
        now=now,
        progress=progress,
    )


def sync_tables(
    ledger: Ledger,
    loaded: CohortLoad,
    *,
    adapter: str,
    source: str,
    started_at: dt.datetime | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> SyncEntry:
    """Record ``loaded`` (a load through ``adapter`` from ``source``, as cohort tables with their detail tables) in
    the ledger, in one transaction.

    The ledger keeps what changed since the last sync: children seen for the first time, each plan when
    first seen and whenever its route, contingencies, dates or status change, meetings and actions added or
    changed. A meeting the ledger itself holds (a panel) is never overwritten by one from the case system.
    Syncs take turns under the ledger's writer lock, so two at once cannot record the same change twice.
    The children are taken in the order of ``loaded.cohort.children``, as a record sync takes its records.
    """
    if loaded.detail is None:
        raise ValueError("sync_tables needs the load's detail tables: load the cohort with its detail")
    cohort, detail = loaded.cohort, loaded.detail
    started = started_at or now()
    coverage = sorted(facet.value for facet in Facet if cohort.children.get_column(f"covers_{facet.value}").any())
    child_ids: list[str] = cohort.children.get_column("child_id").to_list()
    counts: Counter[str] = Counter()
    # The sync allocates a few objects per meeting and action, none in cycles, nearly all freed as it goes:
    # the cyclic collector would rescan the growing heap many times over (a third of a national first sync).
    with collector_paused(), ledger.transaction() as conn, _page_cache(conn), contextlib.ExitStack() as stack:
        inserted = conn.execute(
            schema.syncs.insert().values(
                adapter=adapter,
                source=shown_url(source),
                started_at=started,
                finished_at=started,
                read=loaded.read,
                loaded=loaded.loaded,
                rejected=len(loaded.rejected),
                children=len(child_ids),
                coverage=",".join(coverage),
                **dict.fromkeys(_COUNTS, 0),
            )
        ).inserted_primary_key
        if inserted is None:  # an insert of one row always has its key; SQLAlchemy's type allows none
            raise RuntimeError("the ledger did not return the new sync's id")
        sync_id = inserted[0]
        stored = _Stored(conn.dialect, _empty_tables(conn))
        stack.enter_context(_indexes_built_after(conn, stored.empty))
        today = now().date()
        survey = _survey(cohort, detail, today)
        changed = _changed(conn, survey)
        _unchanged(conn, stored, [child for child in child_ids if child not in changed], sync_id)
        rest = [child for child in child_ids if child in changed]
        if progress is not None:
            progress(len(child_ids) - len(rest), len(child_ids))
        digests = survey.digests
        chunks = _chunks(cohort, detail, survey, rest, stored)
        del survey  # the chunks hold what they need of it, and let the rest go (see _chunks)
        for start, chunk in chunks:
            at = now()
            _children(conn, stored, chunk.children, sync_id, counts)
            _plans(conn, stored, chunk.plans, sync_id, at, counts)
            if chunk.new is not None:
                _new_meetings(conn, stored, chunk.new, sync_id, at, counts)
            else:
                _meetings(conn, stored, chunk.meetings, chunk.actions, today, sync_id, at, counts)
            _record_digests(conn, stored, {child: digests[child] for child, _, _ in chunk.children}, sync_id)
            if progress is not None:
                progress(len(child_ids) - len(rest) + min(start + CHUNK, len(rest)), len(child_ids))
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
        read=loaded.read,
        loaded=loaded.loaded,
        rejected=len(loaded.rejected),
        children=len(child_ids),
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
        self,
        conn: sa.Connection,
        table: sa.Table,
        names: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        same: Sequence[tuple[str, Any]] = (),
    ) -> None:
        """Insert ``rows`` (values of the columns ``names``, in stored form) with one executemany; every row also
        takes the ``same`` values (column name, stored value)."""
        if not rows:
            return
        marker = _MARKERS.get(self.dialect.paramstyle)
        if marker is None:
            every = tuple(value for _, value in same)
            names = [*names, *(name for name, _ in same)]
            compiled = table.insert().compile(dialect=self.dialect, column_keys=names)
            self._many(conn, compiled, names, [row + every for row in rows])
            return
        # Written out in the order of ``names``, so the rows go to the driver as they are. The values every row
        # shares are written into the statement, as SQLAlchemy renders literals: a national first sync's two
        # million meetings and actions then bind a third fewer values each (about a second on one core).
        quote = self.dialect.identifier_preparer
        columns = ", ".join(quote.quote(name) for name in (*names, *(name for name, _ in same)))
        literals = [
            str(sa.literal(value).compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
            for _, value in same
        ]
        values = ", ".join([*([marker] * len(names)), *literals])
        conn.exec_driver_sql(f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES ({values})", rows)

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


@contextlib.contextmanager
def _indexes_built_after(conn: sa.Connection, empty: frozenset[str]) -> Iterator[None]:
    """The secondary indexes of the tables that were empty when the sync began, built once after their rows are
    in rather than kept up row by row (a national first sync: 1.1 million meetings indexed by kind and origin).
    They are dropped and made again inside the sync's transaction, so a sync that fails leaves them as they were."""
    indexes = [index for table in _LOOKED_UP if table.name in empty for index in table.indexes]
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)


def _raw(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column`` read as the driver gives it (see :class:`_Stored`), without SQLAlchemy's result processing."""
    return sa.type_coerce(column, sa.String).label(column.name) if isinstance(column.type, sa.Date) else column


# -- what the tables hold, and which children are not as the last sync found them ----------------------

#: Each digest names the polars version that hashed it and how its rows were combined ("+": summed): polars keeps its
#: hashes stable only within a version, so after an upgrade every child is compared row by row once (as after the
#: first sync).
_DIGEST_TAG = "p" + pl.__version__ + "+:"
_SEED = 18


@attrs.frozen
class _Survey:
    """The cohort's meetings and each child's digest, from the tables.

    ``held``: each meeting's holder's copy, the first copy in the sync's order (a sibling group's meeting is
    recorded from the first sibling's record), with ``members``: the meeting's children, those its copies name and
    every child whose record holds it, in the order met; ``actions``: the actions of those copies, each meeting's
    together, with ``shared``: the meeting's child when it has one (else null, as the ledger keeps it); ``last_period``:
    each child's latest period of care (short breaks aside); ``digests``: per child, a digest of everything the
    sync would record from its rows.
    """

    order: pl.DataFrame
    held: pl.DataFrame
    actions: pl.DataFrame
    last_period: pl.DataFrame
    digests: dict[str, str]

    def holders(self, meeting_ids: Iterable[str]) -> set[str]:
        """The children who hold the meetings ``meeting_ids`` (those this sync reads)."""
        return set(self.held.filter(pl.col("meeting_id").is_in(list(meeting_ids))).get_column("child_id").to_list())


def _survey(cohort: Cohort, detail: CohortDetail, today: dt.date) -> _Survey:
    order = cohort.children.select("child_id").unique(keep="first", maintain_order=True).with_row_index("order")
    # Every copy of every meeting, in the sync's order: child by child, each child's meetings as its record has them.
    copies = (
        cohort.meetings.lazy()
        .join(detail.meeting_detail.lazy(), on=["child_id", "seq"], how="left")
        .join(order.lazy(), on="child_id")
        .sort("order", "seq", maintain_order=True)
        .with_columns(pl.col("children").fill_null(pl.lit([], dtype=pl.List(pl.String()))))
    )
    # One group per meeting, in the order its first copy is met: the holder's copy is each column's first value, and
    # the meeting's children are those each copy names, then the copy's own child; each once, in the order met. One
    # pass over the national cohort's 1.5 million copies, not a group, a distinct filter and a join (0.9 s less).
    columns = [name for name in copies.collect_schema().names() if name != "children"]
    held = (
        copies.group_by("meeting_id", maintain_order=True)
        .agg(
            *(pl.col(name).first() for name in columns if name != "meeting_id"),
            pl.concat_list("children", "child_id").explode().unique(maintain_order=True).alias("members"),
        )
        .with_columns((pl.col("date") <= today).alias("held"))
        .select(*columns, "members", "held")
        .collect()
        # In one piece: the lazy query's many pieces cost the chunks' join below 160 MB more at 85k (measured).
        .rechunk()
    )
    shared = pl.when(pl.col("members").list.len() == 1).then(pl.col("members").list.first())
    actions = detail.actions.join(
        held.select("child_id", pl.col("seq").alias("meeting_seq"), "meeting_id", "order", shared.alias("shared")),
        on=["child_id", "meeting_seq"],
    ).sort("order", "meeting_seq", "position", maintain_order=True)
    # The latest period, as a record orders them (by start): an adapter's reader may give them in another order.
    last_period = (
        cohort.periods.filter(~pl.col("short_break"))
        .sort("start", maintain_order=True)
        .group_by("child_id", maintain_order=True)
        .agg(pl.col("start").last(), pl.col("end").last())
    )
    return _Survey(
        order=order,
        held=held,
        actions=actions,
        last_period=last_period,
        digests=_digests(cohort, detail, order, held, actions, last_period),
    )


def _digests(
    cohort: Cohort,
    detail: CohortDetail,
    order: pl.DataFrame,
    held: pl.DataFrame,
    actions: pl.DataFrame,
    last_period: pl.DataFrame,
) -> dict[str, str]:
    """Per child, a hash of every value that reaches the ledger from its rows, or that one is derived from (a
    plan's status and its date from its history, a meeting's status from its date): its plans and their history,
    its latest period of care, and the meetings (with their children) and actions it is the first to hold."""

    def part(frame: pl.DataFrame, number: int, keys: Sequence[str], values: Sequence[str]) -> pl.LazyFrame:
        # Each row's hash holds where it stands (the part, its keys) with its values: the rows need no order.
        where = [pl.col(key).cast(pl.Int32()).alias(f"k{i}") for i, key in enumerate(keys)]
        return frame.lazy().select(
            "child_id",
            pl.struct(pl.lit(number, dtype=pl.Int32()).alias("part"), *where, *values).hash(_SEED).alias("hash"),
        )

    plans = cohort.plans.join(detail.plan_ids, on=["child_id", "seq"], how="left", maintain_order="left")
    history = cohort.plan_history.with_columns(pl.int_range(pl.len()).over("child_id", "plan_seq").alias("position"))
    rows = pl.concat(
        [
            part(plans, 0, ["seq"], ["plan_id", "primary", "contingencies", "decided_on", "ratified_at_review"]),
            part(history, 1, ["plan_seq", "position"], ["status", "date"]),
            part(last_period, 2, [], ["start", "end"]),
            part(
                held,
                3,
                ["seq"],
                ["meeting_id", "kind", "date", "held", "chair", "minutes_issued_on", "referral_received_on", "members"],
            ),
            part(actions, 4, ["meeting_seq", "position"], _ACTION_FIELDS),
        ]
    )
    # A child's digest is the hash of its rows' hashes summed (wrapping at 64 bits) and counted: the national
    # cohort's 3 million hashed rows are grouped, not sorted first (0.5 s less). A child with no rows has one too.
    hashed = (
        order.lazy()
        .join(rows.group_by("child_id").agg(pl.col("hash").sum(), pl.len()), on="child_id", how="left")
        .select("child_id", pl.struct("hash", "len").hash(_SEED))
        .collect()
    )
    return {child: f"{_DIGEST_TAG}{digest:016x}" for child, digest in hashed.iter_rows()}


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
        changed.update(survey.holders(conn.execute(query).scalars()))
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


# -- the rows of a chunk of children ---------------------------------------------------------------

#: An action's values as the detail tables hold them, in this order.
_ACTION_FIELDS = ("action_id", "description", "owner", "due_date", "completed_on", "depends_on")
_MEETING_FIELDS = ("kind", "date", "chair", "minutes_issued_on", "referral_received_on", "members")


@attrs.frozen
class _NewRows:
    """The rows a chunk's meetings bring to a ledger that held no meeting when the sync began, ready to insert:
    every meeting, link and action is new, so there is nothing to compare (``_MEETING_VALUES``,
    ``_LINK_COLUMNS`` and ``_ACTION_INSERT``, values in stored form)."""

    meetings: list[tuple[Any, ...]]
    links: list[tuple[Any, ...]]
    actions: list[tuple[Any, ...]]


@attrs.frozen
class _Chunk:
    """What a few hundred children bring to the ledger, as plain rows: each child's latest period of care (its
    start and end); its plans (``_PLAN_FIELDS`` order); the meetings it is the first to hold, by id
    (``_MEETING_FIELDS``); and their actions, by meeting id (``_ACTION_FIELDS``, the ids each depends on joined
    by commas, as the ledger keeps them). Into a ledger that held no meeting, those meetings and actions come as
    ``new`` rows instead (and ``meetings`` and ``actions`` are empty)."""

    children: list[tuple[str, dt.date | None, dt.date | None]]
    plans: list[tuple[Any, ...]]
    meetings: dict[str, tuple[Any, ...]]
    actions: dict[str, list[tuple[Any, ...]]]
    new: _NewRows | None = None


_PLAN_ROW = ("child_id", "plan_id", "primary", "contingencies", "decided_on", "ratified_at_review", "status", "date")


def _chunks(
    cohort: Cohort, detail: CohortDetail, survey: _Survey, child_ids: Sequence[str], stored: _Stored
) -> Iterator[tuple[int, _Chunk]]:
    """The rows of the children ``child_ids`` (in the sync's order), ``CHUNK`` children at a time, each chunk with
    the index of its first child. Only these children's rows become Python values, a chunk at a time. When the
    ledger held no meeting (``stored.empty``), the meetings and actions come as rows to insert (``_NewRows``)."""
    if not child_ids:
        return
    wanted = pl.DataFrame({"child_id": pl.Series(child_ids, dtype=pl.String())}).with_row_index("index")
    wanted = wanted.with_columns((pl.col("index") // CHUNK).alias("chunk"))

    def by_chunk(frame: pl.DataFrame, columns: Sequence[str]) -> Callable[[int], pl.DataFrame]:
        # ``frame`` is in the sync's order (child by child, as ``survey.order``), so the synced children's rows keep
        # it without a sort, and each chunk is a slice of them (a view: no copy of a national cohort's rows).
        picked = frame.join(wanted, on="child_id", how="inner", maintain_order="left")
        numbers = picked.get_column("chunk")
        picked = picked.select(columns)

        def rows_of(number: int) -> pl.DataFrame:
            start = numbers.search_sorted(number, "left")
            return picked.slice(start, numbers.search_sorted(number, "right") - start)

        return rows_of

    history = cohort.plan_history.group_by("child_id", "plan_seq", maintain_order=True).agg("status", "date")
    plans = (
        cohort.plans.join(detail.plan_ids, on=["child_id", "seq"], how="left", maintain_order="left")
        .join(history.rename({"plan_seq": "seq"}), on=["child_id", "seq"], how="left", maintain_order="left")
        .with_columns(pl.col("status", "date").fill_null(pl.lit([])))
        .join(survey.order, on="child_id")
        .sort("order", "seq", maintain_order=True)
    )
    periods = (
        wanted.join(survey.last_period, on="child_id", how="left").sort("index").select("child_id", "start", "end")
    )
    plans_of = by_chunk(plans, _PLAN_ROW)
    del plans
    # Joined by polars: a national cohort's million lists of ids never become Python lists (0.4 s, measured).
    joined = survey.actions.with_columns(pl.col("depends_on").list.join(","))
    if schema.meetings.name in stored.empty:
        chunks = _new_chunks(survey.held, joined, periods, plans_of, by_chunk, stored)
        del survey, joined  # as below: the survey's tables go once the chunks have what they need of them
        yield from chunks
        return
    meetings_of = by_chunk(survey.held, ["meeting_id", *_MEETING_FIELDS])
    actions_of = by_chunk(joined, ["meeting_id", *_ACTION_FIELDS])
    del joined
    # The survey's meetings and actions (hundreds of MB for a national cohort) are not needed past this point.
    del survey
    for number, start in enumerate(range(0, len(child_ids), CHUNK)):
        actions: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for meeting_id, values in _by_meeting(actions_of(number)):
            actions[meeting_id].append(values)
        yield (
            start,
            _Chunk(
                children=row_tuples(periods.slice(start, CHUNK)),
                plans=row_tuples(plans_of(number)),
                meetings=dict(_by_meeting(meetings_of(number))),
                actions=actions,
            ),
        )


def _new_chunks(
    held: pl.DataFrame,
    actions: pl.DataFrame,
    periods: pl.DataFrame,
    plans_of: Callable[[int], pl.DataFrame],
    by_chunk: Callable[[pl.DataFrame, Sequence[str]], Callable[[int], pl.DataFrame]],
    stored: _Stored,
) -> Iterator[tuple[int, _Chunk]]:
    """The chunks of :func:`_chunks` for a ledger that held no meeting: what ``_meetings`` and ``_actions`` would
    make of each meeting, made by polars for the whole cohort at once and converted column by column (a national
    first sync's two million meetings and actions, and their links, without a Python loop over them)."""
    # A status comes from a flag as the rows are made (a Python string each, not a column of them held meanwhile).
    meeting_status = (MeetingStatus.SCHEDULED.value, MeetingStatus.HELD.value).__getitem__  # by ``held``
    action_status = (ActionStatus.DONE.value, ActionStatus.OPEN.value).__getitem__  # by ``open``
    date = stored.date
    meetings_of = by_chunk(held, [*_MEETING_VALUES[:3], "held", *_MEETING_VALUES[4:]])
    # A meeting's children, numbered from 0 in the order met.
    links = held.select(
        "child_id",
        "meeting_id",
        pl.col("members").alias("member"),
        pl.int_ranges(pl.col("members").list.len(), dtype=pl.Int32()).alias("position"),
    ).explode("member", "position")
    links_of = by_chunk(links, ["meeting_id", "member", "position"])
    del links
    # Each action numbered from 1 within its meeting, in order: a meeting's actions are together, so its number is
    # its distance from the first of them (a window over the million meeting ids would hash them: 0.6 s).
    row = pl.int_range(pl.len(), dtype=pl.Int32())
    first = pl.when(pl.col("meeting_id").ne_missing(pl.col("meeting_id").shift(1))).then(row).forward_fill()
    numbered = actions.with_columns((row - first + 1).alias("position"), pl.col("completed_on").is_null().alias("open"))
    columns = ("meeting_id", "action_id", "shared", "position", *_ACTION_FIELDS[1:], "open")
    actions_of = by_chunk(numbered, columns)
    del held, actions, numbered
    meeting_values: dict[str, Callable[[Any], Any]] = {
        "date": date,
        "held": meeting_status,
        "minutes_issued_on": date,
        "referral_received_on": date,
    }
    action_values: dict[str, Callable[[Any], Any]] = {"due_date": date, "completed_on": date, "open": action_status}
    for number, start in enumerate(range(0, len(periods), CHUNK)):
        rows = _NewRows(
            meetings=row_tuples(meetings_of(number), meeting_values),
            links=row_tuples(links_of(number)),
            actions=row_tuples(actions_of(number), action_values),
        )
        yield (
            start,
            _Chunk(
                children=row_tuples(periods.slice(start, CHUNK)),
                plans=row_tuples(plans_of(number)),
                meetings={},
                actions={},
                new=rows,
            ),
        )


def _by_meeting(frame: pl.DataFrame) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each row of ``frame`` as its first column's value (the meeting id) and the tuple of its other values; made
    column by column, as ``row_tuples`` (a ``drop`` of the first column costs polars a query per chunk)."""
    meeting_ids, *others = (column.to_list() for column in frame.iter_columns())
    return zip(meeting_ids, zip(*others, strict=True), strict=True)


# -- children ---------------------------------------------------------------------------------------

_CHILD_COLUMNS = ("child_id", "last_sync_id", "looked_after_since", "left_care_on", "first_sync_id")


def _children(
    conn: sa.Connection,
    stored: _Stored,
    rows: Sequence[tuple[str, dt.date | None, dt.date | None]],
    sync_id: int,
    counts: Counter[str],
) -> None:
    table = schema.children
    ids = [child for child, _, _ in rows]
    known = {row.child_id for row in stored.select_in(conn, sa.select(table.c.child_id), table.c.child_id, ids)}
    new, old = [], []
    for child, start, end in rows:
        since, left = stored.date(start), stored.date(end)
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


# -- plans ------------------------------------------------------------------------------------------

_PLAN_STATE = ("plan_key", "primary_route", "contingencies", "decided_on", "ratified_on", "status", "status_since")
_PLAN_COLUMNS = (*_PLAN_STATE, "child_id", "sync_id", "recorded_at", "change")


def _plan_state(stored: _Stored, row: tuple[Any, ...]) -> dict[str, Any]:
    """A plan's row in the ledger, from its row in the chunk (``_PLAN_ROW``)."""
    _child, plan_id, primary, contingencies, decided_on, ratified, statuses, dates = row
    history = list(zip(statuses, dates, strict=True))
    return {
        "plan_key": _plan_key(plan_id, primary, decided_on),
        "primary_route": primary,
        "contingencies": ",".join(contingencies),
        "decided_on": stored.date(decided_on),
        "ratified_on": stored.date(ratified),
        "status": _status(history, ratified),
        "status_since": stored.date(_status_since(history, decided_on)),
    }


def _status(history: Sequence[tuple[str, dt.date]], ratified: dt.date | None) -> str:
    """As ``PermanencePlan.status``: the latest status; with no history, proposed (ratified if a review did)."""
    if history:
        return max(history, key=operator.itemgetter(1))[0]
    return PlanStatus.RATIFIED.value if ratified else PlanStatus.PROPOSED.value


def _status_since(history: Sequence[tuple[str, dt.date]], decided_on: dt.date | None) -> dt.date | None:
    """When the plan took its current status: the first of the latest run of changes to that status."""
    changes = sorted(history, key=operator.itemgetter(1))
    since = decided_on
    for index, (status, day) in enumerate(changes):
        if index == 0 or status != changes[index - 1][0]:
            since = day
    return since


def _plans(
    conn: sa.Connection,
    stored: _Stored,
    rows: Sequence[tuple[Any, ...]],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    table = schema.plan_history
    query = sa.select(table.c.entry_id, table.c.child_id, *(_raw(table.c[name]) for name in _PLAN_STATE))
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    route: dict[str, str] = {}
    ids = list(dict.fromkeys(row[0] for row in rows))
    for row in sorted(stored.select_in(conn, query, table.c.child_id, ids), key=lambda row: row.entry_id):
        latest[(row.child_id, row.plan_key)] = row._asdict()
    # In entry order: per child, the last plan entry is its latest route.
    for (child_id, _key), latest_row in sorted(latest.items(), key=lambda item: item[1]["entry_id"]):
        route[child_id] = latest_row["primary_route"]
    recorded_at = stored.timestamp(at)
    new_rows = []
    for plan in rows:
        child = plan[0]
        state = _plan_state(stored, plan)
        primary = state["primary_route"]
        before = latest.get((child, state["plan_key"]))
        if before is None:
            change = ["new"]
            if route.get(child, primary) != primary:
                change.append("route")
        else:
            change = list(dict.fromkeys(name for f, name in _PLAN_FIELDS.items() if before[f] != state[f]))
        if not change:
            continue
        route[child] = primary
        latest[(child, state["plan_key"])] = state
        new_rows.append((*(state[name] for name in _PLAN_STATE), child, sync_id, recorded_at, ",".join(change)))
    stored.insert(conn, table, _PLAN_COLUMNS, new_rows)
    counts["plans_changed"] += len(new_rows)


# -- meetings and actions ---------------------------------------------------------------------------

#: A meeting's values from the case system, in this order (compared with the ledger's, then written).
_MEETING_VALUES = ("meeting_id", "kind", "date", "status", "chair", "minutes_issued_on", "referral_received_on")
_MEETING_UPDATE = (*_MEETING_VALUES[1:], "last_sync_id", "updated_at", "key")
_LINK_COLUMNS = ("meeting_id", "child_id", "position")


def _meetings(
    conn: sa.Connection,
    stored: _Stored,
    wanted: dict[str, tuple[Any, ...]],
    actions: dict[str, list[tuple[Any, ...]]],
    today: dt.date,
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    """Add or update the ``wanted`` meetings (by id, their holder's copy: ``_MEETING_FIELDS``), their children and
    their ``actions``."""
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
    held, scheduled = MeetingStatus.HELD.value, MeetingStatus.SCHEDULED.value
    date = stored.date
    skipped = set(ours)
    members: dict[str, tuple[str, ...]] = {}
    inserts, updates, relink = [], [], []
    for meeting_id, (kind, day, chair, minutes, referral, children) in wanted.items():
        if meeting_id in skipped:
            continue
        members[meeting_id] = tuple(children)
        values = (
            meeting_id,
            kind,
            date(day),
            held if day <= today else scheduled,
            chair,
            date(minutes),
            date(referral),
        )
        before = existing.get(meeting_id)
        if before is None:
            inserts.append(values)
            relink.append(meeting_id)
        elif before != values or linked[meeting_id] != members[meeting_id]:
            updates.append((*values[1:], sync_id, stamp, meeting_id))
            if linked[meeting_id] != members[meeting_id]:
                relink.append(meeting_id)
    stored.insert(conn, table, _MEETING_VALUES, inserts, _added(sync_id, stamp))
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
    _actions(conn, stored, members, actions, set(existing), sync_id, at, counts)


#: An action's values from the case system, in this order (compared with the ledger's, then written).
_ACTION_VALUES = ("child_id", "position", "description", "owner", "due_date", "completed_on", "depends_on")
_ACTION_INSERT = ("meeting_id", "action_id", *_ACTION_VALUES, "status")
_ACTION_UPDATE = (*_ACTION_VALUES, "status", "last_sync_id", "updated_at", "m", "a")
_COMPLETED = _ACTION_VALUES.index("completed_on")


def _actions(
    conn: sa.Connection,
    stored: _Stored,
    members: dict[str, tuple[str, ...]],
    actions: dict[str, list[tuple[Any, ...]]],
    existed: set[str],
    sync_id: int,
    at: dt.datetime,
    counts: Counter[str],
) -> None:
    """Add or update the ``actions`` (``_ACTION_FIELDS``) of the meetings ``members`` names (each with its
    children); only those of meetings that ``existed`` are looked up."""
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
    date = stored.date
    inserts, updates = [], []
    for meeting_id, children in members.items():
        shared = children[0] if len(children) == 1 else None
        for position, (action_id, description, owner, due, done_on, depends_on) in enumerate(
            actions.get(meeting_id, ()), start=1
        ):
            completed = date(done_on)
            row = (shared, position, description, owner, date(due), completed, depends_on)
            found = existing.get((meeting_id, action_id)) if meeting_id in existed else None
            if found is None:
                status = done if completed is not None else open_
                inserts.append((meeting_id, action_id, *row, status))
                continue
            status, before = found
            if before[_COMPLETED] is not None and completed is None:
                # Done stays done: a completion recorded at the panel is not undone by a system that lacks it.
                row = (*row[:_COMPLETED], before[_COMPLETED], *row[_COMPLETED + 1 :])
            if row != before:
                # Completed in the case system is done; an open action the panel carried forward stays carried.
                new_status = done if row[_COMPLETED] is not None else _reopened(status).value
                updates.append((*row, new_status, sync_id, stamp, meeting_id, action_id))
    stored.insert(conn, table, _ACTION_INSERT, inserts, (("times_carried", 0), *_added(sync_id, stamp)))
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


def _new_meetings(
    conn: sa.Connection, stored: _Stored, new: _NewRows, sync_id: int, at: dt.datetime, counts: Counter[str]
) -> None:
    """Insert the meetings, links and actions of a chunk into a ledger that held no meeting (see ``_NewRows``)."""
    stamp = stored.timestamp(at)
    stored.insert(conn, schema.meetings, _MEETING_VALUES, new.meetings, _added(sync_id, stamp))
    stored.insert(conn, schema.meeting_children, _LINK_COLUMNS, new.links)
    stored.insert(conn, schema.actions, _ACTION_INSERT, new.actions, (("times_carried", 0), *_added(sync_id, stamp)))
    counts["meetings_added"] += len(new.meetings)
    counts["actions_added"] += len(new.actions)


def _reopened(status: str) -> ActionStatus:
    return ActionStatus.CARRIED if status == ActionStatus.CARRIED else ActionStatus.OPEN


def _added(sync_id: int, stamp: Any) -> tuple[tuple[str, Any], ...]:
    """The values of a meeting or action the sync adds from the case system: where from, when and by which sync."""
    return (
        ("origin", Origin.CASE_SYSTEM.value),
        ("first_sync_id", sync_id),
        ("last_sync_id", sync_id),
        ("created_at", stamp),
        ("updated_at", stamp),
    )


__all__ = ["plan_key", "record_sync", "sync_tables"]
