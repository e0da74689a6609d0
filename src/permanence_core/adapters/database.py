"""Reading a case system's reporting database: connect read-only, fetch tables, turn rows into the model.

Shared by the adapters that read through SQLAlchemy (Mosaic, Liquidlogic). Every row that cannot be
used becomes a Rejection naming the table, the row's key and position, the child, the column and why.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy.engine import URL, Connection, CursorResult, make_url
from sqlalchemy.sql.expression import ColumnElement, TableClause

from permanence_core.adapters.base import Rejection
from permanence_core.collector import collector_paused  # re-exported: the warehouse plugins import it from here
from permanence_core.errors import InputError, ModelValueError

T = TypeVar("T")

#: Where :func:`connect` keeps the user's own source text in ``Connection.info``.
SOURCE_KEY = "permanence_source"


def redacted(url: URL) -> str:
    """The URL as text with any password hidden, for messages and logs."""
    return url.render_as_string(hide_password=True)


def database_url(source: str, password_env: str) -> URL:
    """Parse ``source`` as a database URL and add the password from environment variable ``password_env``."""
    try:
        url = make_url(source)
    except sqlalchemy.exc.ArgumentError:
        raise InputError(
            source, "is not a database URL (for example sqlite:///warehouse.db or mssql+pyodbc://host/db?driver=...)"
        ) from None
    if url.password:
        # Secrets come from the environment only: a password on the command line ends up in shell history.
        raise InputError(redacted(url), f"contains a password; set it in the environment variable {password_env}")
    password = os.environ.get(password_env)
    return url.set(password=password) if password else url


def _sqlite_read_only(url: URL) -> URL:
    database = url.database
    if not database or database == ":memory:":
        raise InputError(redacted(url), "names no SQLite database file")
    path = Path(database)
    if not path.is_file():
        # SQLite would silently create an empty database; a missing source must be an error.
        raise InputError(str(path), "no such database file")
    return url.set(database=f"file:{path.resolve()}?mode=ro", query={"uri": "true"})


def _attach_on_connect(engine: sqlalchemy.Engine, attach: Mapping[str, Path]) -> None:
    for schema, path in attach.items():
        if not Path(path).is_file():
            raise InputError(str(path), f"no such database file to attach as schema {schema!r}")

    @sqlalchemy.event.listens_for(engine, "connect")
    def attach_schemas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for schema, path in attach.items():
            cursor.execute("ATTACH DATABASE ? AS ?", (f"file:{Path(path).resolve()}?mode=ro", schema))
        cursor.close()


@contextmanager
def connect(source: str, *, password_env: str, attach: Mapping[str, Path] | None = None) -> Iterator[Connection]:
    """Connect to the database at URL ``source``; InputError when it cannot be read at all.

    The password, if the database needs one, is read from the environment variable ``password_env``.
    SQLite files are opened read-only and must exist; ``attach`` maps schema names to further SQLite
    files (a SQLite copy of a warehouse keeps its schema names, e.g. ``Child_Social``).
    """
    url = database_url(source, password_env)
    # Messages name the source the user gave, never the read-only URI it is opened through.
    label = redacted(url)
    if url.get_backend_name() == "sqlite":
        url = _sqlite_read_only(url)
    elif attach:
        raise InputError(label, "sqlite_attach applies to SQLite databases only")
    try:
        engine = sqlalchemy.create_engine(url)
    except (sqlalchemy.exc.ArgumentError, ImportError) as exc:
        raise InputError(label, f"cannot use this database driver: {exc}") from None
    if attach:
        _attach_on_connect(engine, attach)
    try:
        with engine.connect() as connection:
            connection.info[SOURCE_KEY] = label
            yield connection
    except sqlalchemy.exc.DBAPIError as exc:
        # The driver's own message names the table, column or host; it carries no row data.
        raise InputError(label, f"database error: {exc.orig}") from None
    finally:
        engine.dispose()


def source_of(connection: Connection) -> str:
    """The source the user named for ``connection`` (password hidden), for messages."""
    return str(connection.info.get(SOURCE_KEY) or redacted(connection.engine.url))


def require_tables(connection: Connection, tables: Collection[str], schema: str | None) -> None:
    """Raise InputError naming every table of ``tables`` the database lacks."""
    inspector = sqlalchemy.inspect(connection)
    missing = [name for name in tables if not inspector.has_table(name, schema=schema)]
    if missing:
        where = f" in schema {schema}" if schema else ""
        raise InputError(source_of(connection), f"missing table(s){where}: {', '.join(missing)}")


def fetch(
    connection: Connection,
    table: str,
    columns: Collection[str],
    *,
    schema: str | None,
    order_by: Collection[str],
    where: Callable[[TableClause], ColumnElement[bool]] | None = None,
) -> list[dict[str, Any]]:
    """Every row of ``table`` as a dict of ``columns``, in ``order_by`` order so loads are deterministic.

    ``where`` builds a filter from the table (e.g. only the workflow step types a council configured),
    so a warehouse's millions of unrelated rows never leave the database.
    """
    selectable = sqlalchemy.table(table, *(sqlalchemy.column(name) for name in columns), schema=schema)
    query = sqlalchemy.select(selectable).order_by(*(selectable.c[name] for name in order_by))
    if where is not None:
        query = query.where(where(selectable))
    return row_dicts(connection.execute(query))


#: Rows fetched from the driver at a time by :func:`row_dicts`.
BATCH_ROWS = 10_000


def row_dicts(result: CursorResult[Any]) -> list[dict[str, Any]]:
    """The rows of ``result`` as dicts keyed by column name.

    Fetched in batches straight from the driver's cursor and zipped over its plain tuples: a national
    warehouse has millions of rows, and SQLAlchemy's Row objects (or a ``fetchone`` per row) cost twice as
    much. The queries select untyped columns, so SQLAlchemy would not convert any value anyway.
    """
    names = tuple(result.keys())
    return [dict(zip(names, row, strict=True)) for batch in row_batches(result) for row in batch]


def row_batches(result: CursorResult[Any]) -> Iterator[Sequence[Any]]:
    """The rows of ``result`` as the driver's plain tuples, :data:`BATCH_ROWS` at a time (see :func:`row_dicts`)."""
    cursor = result.cursor
    dbapi_error = result.context.dialect.loaded_dbapi.Error
    try:
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield batch
    except dbapi_error as exc:
        # As SQLAlchemy would raise it, so that connect() reports it as the source's error.
        raise sqlalchemy.exc.DBAPIError.instance(None, None, exc, dbapi_error) from exc
    finally:
        result.close()


def to_key(value: Any) -> str | None:
    """An id column's value as text (``17``, ``17.0`` and ``" 17 "`` all give ``"17"``); None when empty."""
    if value is None:
        return None
    if type(value) is int:
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def key_of(row: Mapping[str, Any], column: str) -> str:
    """The id in ``column`` of a row :meth:`TableRows.unique` has passed, so it is known not to be empty."""
    key = to_key(row.get(column))
    if key is None:
        raise ValueError(f"{column} is empty: only rows TableRows.unique passed have their key taken")
    return key


def to_date(value: Any) -> dt.date | None:
    """A date or datetime column's value as a date; ValueError when it is neither."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        # SQLite keeps dates as text: ``2024-03-01`` or ``2024-03-01 00:00:00``.
        return _iso_date(text[:10]) if text else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ValueError(f"{value!r} is not a date")


@lru_cache(maxsize=1 << 16)
def _iso_date(text: str) -> dt.date:
    # A warehouse repeats the same few thousand days millions of times: parse each once and share the
    # (immutable) date, which saves both the parsing and a date object per value.
    return dt.date.fromisoformat(text)


def to_text(value: Any) -> str | None:
    """A code or text column's value stripped of padding (CHAR columns pad with spaces); None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class PositionedRows(list[dict[str, Any]]):
    """Some rows of a table read in key order, each with its position in the whole table (counted from 1).

    A reader that handles most rows another way (a columnar path) gives the rest to :class:`TableRows` this way,
    so every rejection still names the row's position in the table as a full read would.
    """

    def __init__(self, rows: list[dict[str, Any]], positions: list[int]) -> None:
        super().__init__(rows)
        if len(positions) != len(rows):
            raise ValueError("one position per row")
        self.positions = positions


class TableRows:
    """One table's rows in key order, and the rejections found while turning them into model objects.

    ``keys`` are the columns that name a row; ``person`` is the column holding the child's id (None for a
    table whose rows name no person, e.g. workflow steps); ``columns`` maps model attribute names to the
    table's columns so a rejection names the column.
    """

    def __init__(
        self,
        table: str,
        rows: list[dict[str, Any]],
        *,
        keys: tuple[str, ...],
        person: str | None,
        rejected: list[Rejection],
        columns: Mapping[str, str] | None = None,
    ) -> None:
        self.table = table
        self.rows = rows
        self.keys = keys
        self.person = person
        self.rejected = rejected
        self.columns = dict(columns or {})
        self.positions: Sequence[int] = rows.positions if isinstance(rows, PositionedRows) else range(1, len(rows) + 1)

    def reject(
        self,
        position: int,
        row: dict[str, Any],
        reason: str,
        *,
        field: str | None = None,
        value: Any = None,
        child_id: str | None = None,
    ) -> None:
        """Report ``row`` (at ``position``, counted from 1) as not loaded, or loaded without ``field``.

        ``child_id`` names the child when the row's person column does not (e.g. a form answer on a subgroup).
        """
        key = [to_key(row.get(name)) for name in self.keys]
        named = all(part is not None for part in key)
        self.rejected.append(
            Rejection(
                source=f"{self.table} " + ", ".join(f"{n}={k}" for n, k in zip(self.keys, key, strict=True))
                if named
                else self.table,
                # The position in the table read in key order: the only locator of a row without a key.
                row=position,
                child_id=child_id or (to_key(row.get(self.person)) if self.person else None),
                field=field,
                value=None if value is None else str(value),
                reason=reason,
            )
        )

    def unique(self) -> list[tuple[int, dict[str, Any]]]:
        """(position, row) of rows with a complete key and a person, each key once; the others are rejected."""
        seen: set[object] = set()
        result = []
        keys, person = self.keys, self.person
        single = keys[0] if len(keys) == 1 else None
        for position, row in zip(self.positions, self.rows, strict=True):
            # One-column keys (most tables) are compared as the key itself: no tuple to build and hash per row.
            key: object
            if single is not None:
                key = to_key(row.get(single))
                empty = single if key is None else None
            else:
                parts = tuple([to_key(row.get(name)) for name in keys])
                key = parts
                empty = keys[parts.index(None)] if None in parts else None
            if empty is not None:
                self.reject(position, row, "is empty", field=empty)
            elif person is not None and person != single and to_key(row.get(person)) is None:
                self.reject(position, row, "is empty", field=person)
            elif key in seen:
                self.reject(position, row, "duplicate row: the first row with this key was kept", field=self.keys[0])
            else:
                seen.add(key)
                result.append((position, row))
        return result

    def date(self, position: int, row: dict[str, Any], column: str, *, suffix: str = "") -> tuple[bool, dt.date | None]:
        """(ok, date) of a date column; a bad value is rejected (reason + ``suffix``) and ok is False."""
        try:
            return True, to_date(row.get(column))
        except ValueError:
            self.reject(position, row, f"is not a date{suffix}", field=column, value=row.get(column))
            return False, None

    def build(self, position: int, row: dict[str, Any], make: Callable[[], T], *, suffix: str = "") -> T | None:
        """Build a model object; a value the model refuses is rejected (reason + ``suffix``) and None returned."""
        try:
            return make()
        except ModelValueError as exc:
            column = self.columns.get(exc.field, exc.field)
            self.reject(position, row, f"{exc.reason}{suffix}", field=column, value=exc.value)
            return None


__all__ = [
    "PositionedRows",
    "TableRows",
    "collector_paused",
    "connect",
    "database_url",
    "fetch",
    "key_of",
    "redacted",
    "require_tables",
    "row_batches",
    "row_dicts",
    "source_of",
    "to_date",
    "to_key",
    "to_text",
]
