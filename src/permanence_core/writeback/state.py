"""The write-back state store: what was delivered and which alerts were raised (SQLAlchemy Core, SQLite by default)."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from permanence_core.errors import ConfigError, StoreError
from permanence_core.private_files import create_private_file
from permanence_core.writeback.items import Receipt

DEFAULT_URL = "sqlite:///permanence-writeback.sqlite"

# A claim older than this is taken to belong to a run that died; the item may then be sent again, which
# the gateway's Idempotency-Key (or the outbox's sidecar check) turns into a no-op.
DEFAULT_LEASE = dt.timedelta(hours=1)

_SQLITE_BUSY_SECONDS = 30


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Timestamps stored as naive UTC (portable and comparable in SQL), returned timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("state store timestamps must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = sa.MetaData()

deliveries = sa.Table(
    "writeback_deliveries",
    metadata,
    sa.Column("idempotency_key", sa.String(64), primary_key=True),
    sa.Column("child_id", sa.String(64), nullable=False, index=True),
    sa.Column("item_type", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("external_id", sa.String(200)),
    sa.Column("location", sa.String(1000)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("claim_token", sa.String(32)),
)

raised_alerts = sa.Table(
    "writeback_raised_alerts",
    metadata,
    sa.Column("child_id", sa.String(64), primary_key=True),
    sa.Column("rule", sa.String(100), primary_key=True),
    sa.Column("anchor_date", sa.Date, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("fingerprint", sa.String(32), nullable=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("idempotency_key", sa.String(64)),
)


class DeliveryStatus(enum.StrEnum):
    """A claimed item being sent, an item that reached its destination in one of three ways, or a failure."""

    SENDING = "sending"
    DELIVERED = "delivered"
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    FAILED = "failed"


DONE = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.QUEUED, DeliveryStatus.DUPLICATE})


@attrs.frozen(kw_only=True)
class DeliveryRecord:
    """One item's delivery history (ids and outcome only: the store never holds a document or a note's text)."""

    idempotency_key: str
    child_id: str
    item_type: str
    status: DeliveryStatus = attrs.field(converter=DeliveryStatus)
    external_id: str | None
    location: str | None
    attempts: int
    first_attempt_at: dt.datetime
    last_attempt_at: dt.datetime
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form for reports (timestamps in ISO format)."""
        data = attrs.asdict(self)
        data["status"] = self.status.value
        data["first_attempt_at"] = self.first_attempt_at.isoformat()
        data["last_attempt_at"] = self.last_attempt_at.isoformat()
        return data


class ClaimOutcome(enum.StrEnum):
    """This run may send the item, it was delivered before, or another run holds a live claim on it."""

    CLAIMED = "claimed"
    DONE = "done"
    HELD = "held"


class Lease(enum.StrEnum):
    """Whether a ``sending`` row's claim is still within its lease (its run may be sending) or has expired."""

    LIVE = "live"
    EXPIRED = "expired"


#: The delivery state machine, the one description of it (``docs/write-back.md`` draws it): for an item's row as
#: a claim finds it (None: no row), what the claim answers and the row it leaves. ``finish`` then moves a row this
#: run claimed from ``sending`` to the receipt's status; a run that dies leaves it ``sending`` until the lease
#: expires. ``claim`` implements this table in SQL, in one transaction, so exactly one run wins each claim.
TRANSITIONS: dict[tuple[DeliveryStatus | None, Lease | None], tuple[ClaimOutcome, DeliveryStatus | None]] = {
    (None, None): (ClaimOutcome.CLAIMED, DeliveryStatus.SENDING),
    (DeliveryStatus.FAILED, None): (ClaimOutcome.CLAIMED, DeliveryStatus.SENDING),
    (DeliveryStatus.SENDING, Lease.EXPIRED): (ClaimOutcome.CLAIMED, DeliveryStatus.SENDING),
    (DeliveryStatus.SENDING, Lease.LIVE): (ClaimOutcome.HELD, DeliveryStatus.SENDING),
    **{(status, None): (ClaimOutcome.DONE, status) for status in DONE},
}


def claim_transition(
    status: DeliveryStatus | None, last_attempt_at: dt.datetime | None, now: dt.datetime, lease: dt.timedelta
) -> tuple[ClaimOutcome, DeliveryStatus | None]:
    """What :data:`TRANSITIONS` says a claim at ``now`` does to a row in ``status`` last attempted then."""
    live = None
    if status is DeliveryStatus.SENDING and last_attempt_at is not None:
        live = Lease.LIVE if last_attempt_at >= now - lease else Lease.EXPIRED
    return TRANSITIONS[(status, live)]


@attrs.frozen
class Claim:
    """The answer to "may I send this item?", with the item's record as the store now holds it."""

    outcome: ClaimOutcome
    record: DeliveryRecord
    token: str | None = None


@attrs.frozen(kw_only=True)
class ClaimRequest:
    """What the store needs to know to claim one item."""

    idempotency_key: str
    child_id: str
    item_type: str


@attrs.frozen(kw_only=True)
class RaisedAlert:
    """The last state raised for one obligation (child, rule, anchor date); ``status`` is ``resolved`` once closed."""

    child_id: str
    rule: str
    anchor_date: dt.date
    status: str
    due_date: dt.date
    fingerprint: str
    generation: int
    raised_at: dt.datetime
    idempotency_key: str | None = None

    @property
    def key(self) -> tuple[str, str, dt.date]:
        """The obligation this state belongs to."""
        return (self.child_id, self.rule, self.anchor_date)


def _insert_ignoring_duplicates(engine: Engine, table: sa.Table) -> Any:
    """An INSERT that skips rows whose primary key exists: the atomic "first one wins" of a claim."""
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    raise ConfigError(
        "write-back state", f"database {engine.dialect.name!r} is not supported: use sqlite or postgresql"
    )


def create_state_engine(url: str | URL) -> Engine:
    """An engine for ``url``; a SQLite file (its folder created) waits for another run's lock instead of failing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if parsed.query.get("uri") == "true" or database.startswith("file:"):
            # A SQLite URI names its own file and mode (mode=ro): nothing is created for it.
            return sa.create_engine(parsed, connect_args={"timeout": _SQLITE_BUSY_SECONDS})
        if database in ("", ":memory:"):
            # One shared connection, or every connection would see its own empty in-memory database.
            return sa.create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError("write-back state", f"cannot create folder {folder}: {exc.strerror}") from None
        create_private_file(Path(database).expanduser())
        return sa.create_engine(parsed, connect_args={"timeout": _SQLITE_BUSY_SECONDS})
    return sa.create_engine(parsed)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _store_errors(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn the database's failures (read-only, locked, damaged) into StoreError, naming the store, not the SQL."""

    @functools.wraps(method)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except sa.exc.DBAPIError as exc:
            store = args[0]
            url = store.engine.url.render_as_string(hide_password=True) if isinstance(store, StateStore) else "?"
            # The driver's message only: the statement's parameters may hold ids and dates.
            raise StoreError(f"write-back state store {url}: {exc.orig}") from None

    return guarded


class _PerRow:
    """A statement compiled once and run row by row through the driver: each row's count, as ``conn.execute`` gives
    it, without SQLAlchemy's per-execution work (a tenth of the cost, for the 19,000 alerts of a national night).

    ``names`` are the statement's bound parameters in the order rows give them; rows hold values as the driver
    takes them (see :meth:`driver_value`).
    """

    def __init__(self, conn: sa.Connection, statement: sa.ClauseElement, names: Sequence[str]) -> None:
        compiled = statement.compile(dialect=conn.dialect, column_keys=list(names))
        self._sql = compiled.string
        positions = getattr(compiled, "positiontup", None)
        self._order = None if positions is None else [names.index(name) for name in positions]
        self._names = names
        self._conn = conn
        self._date = sa.Date().dialect_impl(conn.dialect).bind_processor(conn.dialect)
        self._timestamp = UtcDateTime().dialect_impl(conn.dialect).bind_processor(conn.dialect)

    def driver_value(self, value: Any) -> Any:
        """A value as the driver takes it: timestamps as UTC (``UtcDateTime``), dates as the ``Date`` type binds."""
        if isinstance(value, dt.datetime):
            return value if self._timestamp is None else self._timestamp(value)
        if isinstance(value, dt.date):
            return value if self._date is None else self._date(value)
        return value

    def run(self, row: Sequence[Any]) -> int:
        """Run the statement for one row; the rows it changed (or inserted)."""
        values = [self.driver_value(value) for value in row]
        params: Any = (
            dict(zip(self._names, values, strict=True))
            if self._order is None
            else tuple(values[index] for index in self._order)
        )
        return int(self._conn.exec_driver_sql(self._sql, params).rowcount)


class StateStore:
    """Deliveries and raised alerts in a database; safe for several runs at once (claim before send).

    Every failure of the database is a :class:`~permanence_core.errors.StoreError`.
    """

    def __init__(self, url: str | URL = DEFAULT_URL, *, engine: Engine | None = None) -> None:
        try:
            self.engine = engine if engine is not None else create_state_engine(url)
        except (sa.exc.ArgumentError, ImportError) as exc:
            # A URL object renders with its password masked; a string never holds one (settings refuse it).
            shown = url if isinstance(url, str) else url.render_as_string(hide_password=True)
            raise ConfigError("write-back state", f"cannot open state store {shown!r}: {exc}") from None
        self._create_tables()

    def _create_tables(self) -> None:
        # Runs starting together can all see a table missing and all create it. Each failure means another
        # run created a table, so after at most one failure per table the next look finds them all in place.
        attempts = len(metadata.tables) + 1
        for attempt in range(1, attempts + 1):
            try:
                metadata.create_all(self.engine)
                return
            except sa.exc.DBAPIError as exc:
                if attempt == attempts:
                    raise ConfigError("write-back state", f"cannot open state store: {exc.orig}") from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # -- deliveries ---------------------------------------------------------------------------------

    @_store_errors
    def claim(
        self, items: Sequence[ClaimRequest], now: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE
    ) -> dict[str, Claim]:
        """Claim items for sending, in one transaction: new items and failed ones (or stale claims) are claimed.

        A new item is claimed by inserting its row (the primary key lets exactly one run in); a failed or
        stale one by a conditional update that only one run can win. Whatever this call did not claim is
        either done or being sent by another run.
        """
        if not items:
            return {}
        token = uuid.uuid4().hex
        keys = [r.idempotency_key for r in items]
        claimable = sa.or_(
            deliveries.c.status == DeliveryStatus.FAILED.value,
            sa.and_(deliveries.c.status == DeliveryStatus.SENDING.value, deliveries.c.last_attempt_at < now - lease),
        )
        with self.engine.begin() as conn:
            conn.execute(
                _insert_ignoring_duplicates(self.engine, deliveries),
                [
                    {
                        "idempotency_key": r.idempotency_key,
                        "child_id": r.child_id,
                        "item_type": r.item_type,
                        "status": DeliveryStatus.SENDING.value,
                        "attempts": 1,
                        "first_attempt_at": now,
                        "last_attempt_at": now,
                        "claim_token": token,
                    }
                    for r in items
                ],
            )
            conn.execute(
                deliveries.update()
                .where(deliveries.c.idempotency_key.in_(keys), claimable)
                .values(
                    status=DeliveryStatus.SENDING.value,
                    claim_token=token,
                    attempts=deliveries.c.attempts + 1,
                    last_attempt_at=now,
                )
            )
            rows = conn.execute(sa.select(deliveries).where(deliveries.c.idempotency_key.in_(keys))).all()
        claims = {}
        for row in rows:
            record = _delivery(row)
            if row.claim_token == token and record.status is DeliveryStatus.SENDING:
                claims[record.idempotency_key] = Claim(ClaimOutcome.CLAIMED, record, token)
            elif record.status in DONE:
                claims[record.idempotency_key] = Claim(ClaimOutcome.DONE, record)
            else:
                # Another run's live claim: an expired one (or a failure) would have been taken just above.
                claims[record.idempotency_key] = Claim(ClaimOutcome.HELD, record)
        return claims

    def finish(self, claim: Claim, receipt: Receipt, now: dt.datetime) -> bool:
        """Record what happened to a claimed item; False when the claim was lost to another run meanwhile."""
        return self.finish_all([(claim, receipt)], now)[0]

    @_store_errors
    def finish_all(self, outcomes: Sequence[tuple[Claim, Receipt]], now: dt.datetime) -> list[bool]:
        """Record what happened to claimed items in one transaction (group commit); for each, False when its
        claim was lost to another run meanwhile."""
        if not outcomes:
            return []
        # One statement with bound parameters, compiled once, run per item: each item's row count says whether
        # its claim still held.
        statement = (
            deliveries.update()
            .where(
                deliveries.c.idempotency_key == sa.bindparam("key"),
                deliveries.c.claim_token == sa.bindparam("token"),
            )
            .values(
                status=sa.bindparam("new_status"),
                external_id=sa.bindparam("new_external_id"),
                location=sa.bindparam("new_location"),
                last_error=sa.bindparam("new_error"),
                last_attempt_at=sa.bindparam("new_at", type_=UtcDateTime),
                claim_token=sa.null(),
            )
        )
        names = ("key", "token", "new_status", "new_external_id", "new_location", "new_error", "new_at")
        recorded = []
        with self.engine.begin() as conn:
            finish = _PerRow(conn, statement, names)
            for claim, receipt in outcomes:
                failed = receipt.status.value == DeliveryStatus.FAILED.value
                changed = finish.run(
                    (
                        claim.record.idempotency_key,
                        claim.token,
                        DeliveryStatus(receipt.status.value).value,
                        receipt.external_id,
                        receipt.location,
                        receipt.detail if failed else None,
                        now,
                    )
                )
                recorded.append(changed == 1)
        return recorded

    @_store_errors
    def delivery(self, idempotency_key: str) -> DeliveryRecord | None:
        """The record of one item, or None when it was never attempted."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(deliveries).where(deliveries.c.idempotency_key == idempotency_key)).first()
        return None if row is None else _delivery(row)

    @_store_errors
    def deliveries(self, status: DeliveryStatus | None = None) -> list[DeliveryRecord]:
        """Every delivery record (optionally of one status), oldest attempt first."""
        query = sa.select(deliveries).order_by(deliveries.c.first_attempt_at, deliveries.c.idempotency_key)
        if status is not None:
            query = query.where(deliveries.c.status == status.value)
        with self.engine.connect() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def failed(self) -> list[DeliveryRecord]:
        """Items whose last attempt failed: the next run that produces them again retries them."""
        return self.deliveries(DeliveryStatus.FAILED)

    # -- raised alerts ------------------------------------------------------------------------------

    @_store_errors
    def raised_alerts(self) -> dict[tuple[str, str, dt.date], RaisedAlert]:
        """The last raised state of every obligation, by (child, rule, anchor date)."""
        with self.engine.connect() as conn:
            found = [RaisedAlert(**row._asdict()) for row in conn.execute(sa.select(raised_alerts))]
        return {alert.key: alert for alert in found}

    @_store_errors
    def record_raised(self, states: Iterable[RaisedAlert]) -> int:
        """Store newly raised states; each replaces the previous generation only, so two runs cannot both win.

        Returns how many states were stored (a state another run stored first is skipped).
        """
        first = _insert_ignoring_duplicates(self.engine, raised_alerts)
        # The previous generation's row, replaced; one statement compiled once (run per state for its row count).
        later = (
            raised_alerts.update()
            .where(
                raised_alerts.c.child_id == sa.bindparam("key_child"),
                raised_alerts.c.rule == sa.bindparam("key_rule"),
                raised_alerts.c.anchor_date == sa.bindparam("key_anchor"),
                raised_alerts.c.generation == sa.bindparam("previous"),
            )
            .values({column.name: sa.bindparam(f"new_{column.name}") for column in raised_alerts.columns})
        )
        fields = [field.name for field in attrs.fields(RaisedAlert)]
        stored = 0
        with self.engine.begin() as conn:
            insert = _PerRow(conn, first, fields)
            replace = _PerRow(
                conn, later, ("key_child", "key_rule", "key_anchor", "previous", *(f"new_{name}" for name in fields))
            )
            for state in states:
                values = attrs.astuple(state, recurse=False)
                if state.generation == 1:
                    stored += insert.run(values)
                else:
                    keys = (state.child_id, state.rule, state.anchor_date, state.generation - 1)
                    stored += replace.run((*keys, *values))
        return stored


def _delivery(row: sa.Row[Any]) -> DeliveryRecord:
    data = row._asdict()
    data.pop("claim_token", None)
    return DeliveryRecord(**data)


__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_URL",
    "TRANSITIONS",
    "Claim",
    "ClaimOutcome",
    "ClaimRequest",
    "DeliveryRecord",
    "DeliveryStatus",
    "Lease",
    "RaisedAlert",
    "StateStore",
    "claim_transition",
    "create_state_engine",
]
