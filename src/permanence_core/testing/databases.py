"""Test support for database readers: the queries a load sends, and a SQLite warehouse copied into PostgreSQL.

Councils run SQL Server and PostgreSQL while tests use SQLite. :func:`sent_queries` records every SELECT a
load sends so a test can compile each with another dialect; :func:`postgres_copy` puts a SQLite warehouse
into a fresh schema of the server named by ``PERMANENCE_TEST_POSTGRES_URL`` (``.ci/run`` starts one), with
date columns as real ``TIMESTAMP`` columns, and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

#: The environment variable naming the PostgreSQL server tests may use.
POSTGRES_ENV = "PERMANENCE_TEST_POSTGRES_URL"


def sent_queries(run: Callable[[], object]) -> list[ClauseElement]:
    """Every SELECT statement sent while ``run()`` runs (schema inspection, sent as text, is not included)."""
    captured: list[ClauseElement] = []

    def listen(_conn: Any, element: ClauseElement, *_args: Any) -> None:
        if isinstance(element, sa.Select):
            captured.append(element)

    sa.event.listen(sa.engine.Engine, "before_execute", listen)
    try:
        run()
    finally:
        sa.event.remove(sa.engine.Engine, "before_execute", listen)
    return captured


def compiled(query: ClauseElement, dialect: Dialect) -> str:
    """The SQL ``query`` sends to a database of ``dialect``, values inline so a reader can check it whole."""
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _is_date(column: str) -> bool:
    name = column.casefold()
    return name.endswith(("_date", "_dttm", "date_of_birth", "_on")) or name in ("pers_dob", "actual_dttm")


def _value(value: Any, is_date: bool) -> Any:
    if is_date and isinstance(value, str) and value.strip():
        return dt.datetime.fromisoformat(value.strip())
    return value


@contextlib.contextmanager
def postgres_copy(sqlite_file: Path, *, url: str | None = None) -> Iterator[tuple[str, str]]:
    """Copy every table of ``sqlite_file`` into a new schema; yield (server URL, schema), drop it afterwards.

    Columns named like dates (``*_date``, ``*_DTTM``, ``date_of_birth``, ``*_on``) become ``TIMESTAMP``;
    the others ``TEXT``, or ``BIGINT`` when every value is a whole number, as warehouse keys are.
    """
    server = url or os.environ[POSTGRES_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server)
    source = sqlite3.connect(sqlite_file)
    try:
        with engine.begin() as target:
            target.execute(sa.schema.CreateSchema(schema))
            names = [row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in names:
                cursor = source.execute(f'SELECT * FROM "{name}"')
                columns = [entry[0] for entry in cursor.description]
                rows = cursor.fetchall()
                types = [
                    sa.DateTime()
                    if _is_date(column)
                    else sa.BigInteger()
                    if rows and all(isinstance(row[i], int) or row[i] is None for row in rows)
                    else sa.Text()
                    for i, column in enumerate(columns)
                ]
                table = sa.Table(
                    name,
                    sa.MetaData(),
                    *(sa.Column(c, t) for c, t in zip(columns, types, strict=True)),
                    schema=schema,
                )
                table.create(target)
                if rows:
                    dates = [_is_date(column) for column in columns]
                    target.execute(
                        table.insert(),
                        [{c: _value(v, d) for c, v, d in zip(columns, row, dates, strict=True)} for row in rows],
                    )
        yield server, schema
    finally:
        source.close()
        with engine.begin() as target:
            target.execute(sa.schema.DropSchema(schema, cascade=True))
        engine.dispose()


__all__ = ["POSTGRES_ENV", "compiled", "postgres_copy", "sent_queries"]
