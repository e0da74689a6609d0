"""The tracker ledger: one database (a SQLite file, or PostgreSQL by URL) for write-back state and tracking history.

The ledger is the write-back state store grown: its first migration is the store's two tables, so a store
that write-back created on its own upgrades in place, and ``StateStore`` keeps working on a migrated ledger.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url

from permanence_core.errors import ConfigError
from permanence_core.tracker import schema
from permanence_core.tracker.entries import (
    ActionEntry,
    AlertEntry,
    DocumentEntry,
    MeetingEntry,
    PlanEntry,
    Produced,
    SyncEntry,
)
from permanence_core.tracker.schema import ActionStatus
from permanence_core.writeback.items import Receipt, WriteBackItem
from permanence_core.writeback.service import AlertRun, AlertToItem, Transport, WriteBack
from permanence_core.writeback.state import DEFAULT_URL, StateStore, create_state_engine, deliveries

if TYPE_CHECKING:
    from permanence_core.rules import Alert

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = "permanence_core.tracker:migrations"
SUPPORTED = ("sqlite", "postgresql")
# Up to this many children, a query names them; beyond, reading every row and filtering is quicker.
_FEW = 500
# PostgreSQL advisory locks take one 64-bit key; any fixed number will do, as long as it is always the same one.
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"permanence-ledger").digest()[:8], "big", signed=True)


def utc_now() -> dt.datetime:
    """The time a ledger row records (timezone-aware UTC)."""
    return dt.datetime.now(dt.UTC)


def shown_url(url: str | URL) -> str:
    """A database URL or path as it may be printed and stored: any password masked."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except sa.exc.ArgumentError:
        return str(url)
    return parsed.render_as_string(hide_password=True)


def alembic_config(output: io.StringIO | None = None) -> Config:
    """The Alembic configuration of the ledger's migrations (no ini file: the scripts ship in the package);
    offline SQL goes to ``output``."""
    config = Config(output_buffer=output or io.StringIO())
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The revision this version of permanence-core expects its ledger to be at."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise ConfigError("ledger", "the ledger's migrations are missing from the installed package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision of the ledger behind ``engine``; None for a database never migrated (new, or a bare state store)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_engine(url: str | URL) -> Engine:
    """An engine for ``url``: SQLite (its folder created, waiting for another run's lock) or PostgreSQL."""
    try:
        parsed = make_url(url)
        if parsed.get_driver_name() == "psycopg":
            # psycopg prepares a statement run five times, and PostgreSQL then plans it once for any values: an
            # IN (...) of many ids becomes a linear scan per row (a resync of 3,000 children took 25 s, not 2).
            engine = sa.create_engine(parsed, connect_args={"prepare_threshold": None})
        else:
            engine = create_state_engine(parsed)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError("ledger", f"cannot open the ledger at {shown_url(url)!r}: {exc}") from None
    if engine.dialect.name not in SUPPORTED:
        engine.dispose()
        raise ConfigError("ledger", f"database {engine.dialect.name!r} is not supported: use sqlite or postgresql")
    return engine


@contextlib.contextmanager
def exclusive(engine: Engine) -> Iterator[sa.Connection]:
    """A write transaction holding the ledger's writer lock: syncs, panel changes and migrations take turns.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock at once (a second writer waits for it);
    PostgreSQL: a transaction-scoped advisory lock. Readers are never blocked. Committed when the block
    ends, rolled back if it raises.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        yield conn
        conn.commit()


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that skips rows whose key exists: concurrent runs adding the same row add it once."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table).on_conflict_do_nothing()


@contextlib.contextmanager
def _engine_for(target: str | URL | Engine) -> Iterator[Engine]:
    if isinstance(target, Engine):
        yield target
        return
    engine = open_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


def _migrate(target: str | URL | Engine, run: Callable[[Config], None]) -> None:
    with _engine_for(target) as engine:
        try:
            with exclusive(engine) as conn:
                config = alembic_config()
                config.attributes["connection"] = conn
                run(config)
        except sa.exc.DBAPIError as exc:
            raise ConfigError("ledger", f"cannot migrate the ledger at {shown_url(engine.url)}: {exc.orig}") from None


def upgrade(target: str | URL | Engine = DEFAULT_URL, revision: str = "head") -> None:
    """Bring the ledger at ``target`` (a URL or an engine) up to ``revision``, creating it when new.

    One transaction under the writer lock: runs that upgrade at once take turns, and the second finds
    nothing left to do. A write-back state store made before the ledger existed keeps its tables and rows.
    """
    _migrate(target, lambda config: command.upgrade(config, revision))


def downgrade(target: str | URL | Engine, revision: str) -> None:
    """Take the ledger back to ``revision`` (``0001`` leaves only the write-back state tables)."""
    _migrate(target, lambda config: command.downgrade(config, revision))


def upgrade_sql(url: str | URL, revision: str = "head") -> str:
    """The SQL that upgrades an empty database of ``url``'s kind to ``revision``, for a DBA to review and apply."""
    output = io.StringIO()
    config = alembic_config(output)
    config.attributes["url"] = url
    command.upgrade(config, revision, sql=True)
    return output.getvalue()


class Ledger:
    """The ledger at a database URL; migrated to the current schema when opened (unless ``migrate`` is False)."""

    def __init__(self, url: str | URL = DEFAULT_URL, *, engine: Engine | None = None, migrate: bool = True) -> None:
        self.engine = engine if engine is not None else open_engine(url)
        self.url = shown_url(self.engine.url)
        head = head_revision()
        try:
            current = current_revision(self.engine)
        except sa.exc.DBAPIError as exc:
            raise ConfigError("ledger", f"cannot open the ledger at {self.url}: {exc.orig}") from None
        if current != head:
            if not migrate:
                raise ConfigError(
                    "ledger",
                    f"the ledger at {self.url} is at revision {current or 'none'}, this version needs {head}: "
                    "run `permanence ledger upgrade`",
                )
            upgrade(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def transaction(self) -> contextlib.AbstractContextManager[sa.Connection]:
        """A write transaction under the ledger's writer lock (see :func:`exclusive`)."""
        return exclusive(self.engine)

    def state_store(self) -> StateStore:
        """The write-back state store on this ledger's tables (claim before send, raised alerts)."""
        return StateStore(engine=self.engine)

    # -- publishing: each item once, whichever run gets there first -----------------------------------

    def publish(
        self,
        items: Iterable[WriteBackItem],
        transport: Transport,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Receipt]:
        """Deliver ``items`` through ``transport``, each exactly once across every run sharing this ledger.

        Each item is claimed in the ledger before it is sent, so of two runs publishing the same item at
        once one sends it and the other reports it as a duplicate.
        """
        return WriteBack(transport, self.state_store()).deliver(items, progress)

    def raise_alerts(
        self,
        alerts: Iterable[Alert],
        to_item: AlertToItem,
        transport: Transport,
        *,
        resolved_in: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> AlertRun:
        """Raise each new or changed alert (and each resolution) once, and keep every raised state in the history.

        See ``WriteBack.raise_alerts``: an unchanged alert is not raised again; upcoming → overdue, a moved
        due date or a resolution is.
        """
        store = self.state_store()
        run = WriteBack(transport, store).raise_alerts(alerts, to_item, resolved_in=resolved_in, progress=progress)
        changed = {(c.child_id, c.rule, c.anchor_date) for c in run.changes}
        stored = [state for key, state in store.raised_alerts().items() if key in changed]
        if stored:
            with self.engine.begin() as conn:
                conn.execute(
                    insert_ignoring_duplicates(conn, schema.alert_history),
                    [
                        {
                            "child_id": s.child_id,
                            "rule": s.rule,
                            "anchor_date": s.anchor_date,
                            "generation": s.generation,
                            "status": s.status,
                            "due_date": s.due_date,
                            "raised_at": s.raised_at,
                            "idempotency_key": s.idempotency_key,
                        }
                        for s in stored
                    ],
                )
        return run

    def record_documents(self, documents: Iterable[Produced], now: dt.datetime | None = None) -> None:
        """Record documents produced (one row per document content: producing it again keeps the first time)."""
        rows = [{**attrs.asdict(document), "produced_at": now or utc_now()} for document in documents]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(insert_ignoring_duplicates(conn, schema.documents), rows)

    # -- reading ------------------------------------------------------------------------------------

    def syncs(self, limit: int | None = None) -> list[SyncEntry]:
        """Syncs, newest first."""
        query = sa.select(schema.syncs).order_by(schema.syncs.c.sync_id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_sync(row) for row in conn.execute(query)]

    def plan_history(self, child_id: str | None = None) -> list[PlanEntry]:
        """Plan history (every plan as first seen and at each change), by child then in the order recorded."""
        table = schema.plan_history
        query = sa.select(table).order_by(table.c.child_id, table.c.entry_id)
        if child_id is not None:
            query = query.where(table.c.child_id == child_id)
        with self.engine.connect() as conn:
            return [_plan(row) for row in conn.execute(query)]

    def meetings(
        self, *, kind: str | None = None, child_id: str | None = None, origin: str | None = None
    ) -> list[MeetingEntry]:
        """Meetings in date order, optionally of one kind, about one child, or from one origin."""
        table, links = schema.meetings, schema.meeting_children
        query = sa.select(table).order_by(table.c.date, table.c.meeting_id)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        if origin is not None:
            query = query.where(table.c.origin == origin)
        if child_id is not None:
            query = query.where(
                table.c.meeting_id.in_(sa.select(links.c.meeting_id).where(links.c.child_id == child_id))
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            children = _children_of(conn, [row.meeting_id for row in rows])
        return [_meeting(row, children.get(row.meeting_id, ())) for row in rows]

    def meeting(self, meeting_id: str) -> MeetingEntry | None:
        """One meeting, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema.meetings).where(schema.meetings.c.meeting_id == meeting_id)).first()
            if row is None:
                return None
            return _meeting(row, _children_of(conn, [meeting_id]).get(meeting_id, ()))

    def actions(self, *, meeting_id: str | None = None, child_id: str | None = None) -> list[ActionEntry]:
        """Actions in meeting date order, of one meeting or about one child (a group meeting's shared ones too)."""
        table = schema.actions
        query = (
            sa.select(table, schema.meetings.c.date.label("meeting_date"))
            .join(schema.meetings, schema.meetings.c.meeting_id == table.c.meeting_id)
            .order_by(schema.meetings.c.date, table.c.meeting_id, table.c.position)
        )
        if meeting_id is not None:
            query = query.where(table.c.meeting_id == meeting_id)
        if child_id is not None:
            links = schema.meeting_children
            shared = sa.and_(
                table.c.child_id.is_(None),
                table.c.meeting_id.in_(sa.select(links.c.meeting_id).where(links.c.child_id == child_id)),
            )
            query = query.where(sa.or_(table.c.child_id == child_id, shared))
        with self.engine.connect() as conn:
            return [_action(row) for row in conn.execute(query)]

    def current_actions(
        self, on: dt.date, child_ids: Iterable[str] | None = None
    ) -> dict[str, tuple[dt.date, list[ActionEntry]]]:
        """Each child's current actions on ``on``, with the date of the latest meeting they come from.

        Every meeting's actions count, oldest meeting first: an action is brought back at each meeting until it
        is done (seed 000 "actions carried forward", seed 001 monitoring group). Statuses are as the ledger
        holds them now.
        """
        wanted = set(child_ids) if child_ids is not None else None
        table, meetings, links = schema.actions, schema.meetings, schema.meeting_children
        query = (
            sa.select(table, meetings.c.date.label("meeting_date"), meetings.c.origin.label("meeting_origin"))
            .join(meetings, meetings.c.meeting_id == table.c.meeting_id)
            .where(meetings.c.date <= on)
            .order_by(meetings.c.date, table.c.meeting_id, table.c.position)
        )
        link_query = sa.select(links.c.meeting_id, links.c.child_id)
        if wanted is not None and len(wanted) <= _FEW:
            # A few children (one panel's, one child's history): let the database pick their rows.
            theirs = sa.select(links.c.meeting_id).where(links.c.child_id.in_(sorted(wanted)))
            query = query.where(
                sa.or_(
                    table.c.child_id.in_(sorted(wanted)),
                    sa.and_(table.c.child_id.is_(None), table.c.meeting_id.in_(theirs)),
                )
            )
            link_query = link_query.where(links.c.child_id.in_(sorted(wanted)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            members: dict[str, list[str]] = defaultdict(list)
            for link in conn.execute(link_query):
                members[link.meeting_id].append(link.child_id)
        by_child: dict[str, dict[tuple[dt.date, str, str], list[Any]]] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            for child in [row.child_id] if row.child_id else members.get(row.meeting_id, ()):
                if wanted is None or child in wanted:
                    by_child[child][(row.meeting_date, row.meeting_id, row.meeting_origin)].append(row)
        result = {}
        for child in sorted(by_child):
            found = [row for key in sorted(by_child[child]) for row in by_child[child][key]]
            latest = max(by_child[child])[0]
            result[child] = (latest, [_action(row) for row in found])
        return result

    def open_actions(self, on: dt.date, child_ids: Iterable[str] | None = None) -> dict[str, list[ActionEntry]]:
        """Each child's open actions on ``on`` (see :meth:`current_actions`); an action carried forward to a
        meeting on or before ``on`` is its copy there, and one carried to a later meeting was still open."""
        current = self.current_actions(on, child_ids)
        table, meetings = schema.actions, schema.meetings
        with self.engine.connect() as conn:
            carried = conn.execute(
                sa.select(table, meetings.c.date.label("meeting_date"))
                .join(meetings, meetings.c.meeting_id == table.c.meeting_id)
                .where(table.c.carried_from_meeting.is_not(None), meetings.c.date <= on)
            ).all()
        copies = {((row.carried_from_meeting, row.carried_from_action), row.child_id): _action(row) for row in carried}
        result: dict[str, list[ActionEntry]] = {}
        for child, (_latest, actions) in current.items():
            seen: set[tuple[str, str]] = set()
            found = []
            for action in actions:
                while (
                    action.status == ActionStatus.CARRIED and ((action.meeting_id, action.action_id), child) in copies
                ):
                    action = copies[((action.meeting_id, action.action_id), child)]
                if action.status == ActionStatus.CARRIED:
                    # Carried to a meeting after ``on``: on that day it was still open.
                    action = attrs.evolve(action, status=ActionStatus.OPEN.value)
                key = (action.meeting_id, action.action_id)
                if action.status == ActionStatus.OPEN and key not in seen:
                    seen.add(key)
                    found.append(action)
            if found:
                result[child] = found
        return result

    def alert_history(self, child_id: str | None = None) -> list[AlertEntry]:
        """Every alert state raised, by child, rule, anchor and generation."""
        table = schema.alert_history
        query = sa.select(table).order_by(table.c.child_id, table.c.rule, table.c.anchor_date, table.c.generation)
        if child_id is not None:
            query = query.where(table.c.child_id == child_id)
        with self.engine.connect() as conn:
            return [AlertEntry(**row._asdict()) for row in conn.execute(query)]

    def documents(self, child_id: str | None = None) -> list[DocumentEntry]:
        """Documents produced, oldest first, each with its delivery's status and location when it was sent."""
        table = schema.documents
        query = (
            sa.select(table, deliveries.c.status, deliveries.c.location, deliveries.c.external_id)
            .outerjoin(deliveries, deliveries.c.idempotency_key == table.c.document_key)
            .order_by(table.c.produced_at, table.c.document_key)
        )
        if child_id is not None:
            query = query.where(table.c.child_id == child_id)
        with self.engine.connect() as conn:
            return [
                DocumentEntry(
                    **{k: v for k, v in row._asdict().items() if k != "status"},
                    delivery_status=row.status,
                )
                for row in conn.execute(query)
            ]


def split(text: str | None) -> tuple[str, ...]:
    """A comma-joined list column as a tuple."""
    return tuple(part for part in (text or "").split(",") if part)


def _children_of(conn: sa.Connection, meeting_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    links = schema.meeting_children
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(meeting_ids), 500):
        chunk = meeting_ids[start : start + 500]
        query = (
            sa.select(links.c.meeting_id, links.c.child_id)
            .where(links.c.meeting_id.in_(chunk))
            .order_by(links.c.meeting_id, links.c.position, links.c.child_id)
        )
        for row in conn.execute(query):
            found[row.meeting_id].append(row.child_id)
    return {key: tuple(value) for key, value in found.items()}


def _sync(row: sa.Row[Any]) -> SyncEntry:
    data = row._asdict()
    data["coverage"] = split(data["coverage"])
    return SyncEntry(**data)


def _plan(row: sa.Row[Any]) -> PlanEntry:
    data = row._asdict()
    del data["entry_id"]
    data["contingencies"] = split(data["contingencies"])
    data["change"] = split(data["change"])
    return PlanEntry(**data)


def _meeting(row: sa.Row[Any], children: tuple[str, ...]) -> MeetingEntry:
    wanted = attrs.fields_dict(MeetingEntry)
    return MeetingEntry(**{key: value for key, value in row._asdict().items() if key in wanted}, children=children)


def _action(row: Any) -> ActionEntry:
    carried = (row.carried_from_meeting, row.carried_from_action) if row.carried_from_meeting else None
    return ActionEntry(
        meeting_id=row.meeting_id,
        action_id=row.action_id,
        child_id=row.child_id,
        position=row.position,
        description=row.description,
        owner=row.owner,
        due_date=row.due_date,
        completed_on=row.completed_on,
        depends_on=split(row.depends_on),
        status=row.status,
        carried_from=carried,
        times_carried=row.times_carried,
        origin=row.origin,
        meeting_date=row.meeting_date,
    )


__all__ = [
    "DEFAULT_URL",
    "Ledger",
    "alembic_config",
    "current_revision",
    "downgrade",
    "exclusive",
    "head_revision",
    "insert_ignoring_duplicates",
    "open_engine",
    "shown_url",
    "upgrade",
    "upgrade_sql",
]
