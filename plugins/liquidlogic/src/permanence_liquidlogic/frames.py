"""Warehouse query results as polars frames, and each column's values read by the object reader's own functions.

The driver's rows are fetched in batches and turned into one typed column each; a column whose values are not of
one type (SQLite keeps any value in any column) or of a type whose values would not come back unchanged is not
read this way at all (``None``): the caller then reads the warehouse through the object reader. A value is read
(``to_key``, ``to_date``, ``to_text``, a code lookup) once per distinct value, by the very function the object
reader calls on each row, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from permanence_core.adapters.database import BATCH_ROWS, to_date, to_key
from permanence_core.adapters.distinct_checks import checked

#: Column types whose values come back from polars exactly as the driver gave them (``to_dicts``).
_FAITHFUL = (pl.Int64, pl.Float64, pl.String, pl.Null, pl.Boolean, pl.Date)

#: The position of a row in its query's result, counted from 1 (what a rejection names).
POSITION = "_pos"


def fetch_frame(connection: Connection, query: sa.Select[Any]) -> pl.DataFrame | None:
    """The rows of ``query`` with a ``_pos`` column, or None when a column's values are not of one faithful type."""
    result = connection.execute(query)
    names = list(result.keys())
    cursor = result.cursor
    dbapi_error = result.context.dialect.loaded_dbapi.Error
    batches: list[pl.DataFrame | None] = []
    try:
        while batch := cursor.fetchmany(BATCH_ROWS * 10):
            batches.append(batch_frame(names, batch))
            if batches[-1] is None:
                return None
    except dbapi_error as exc:
        # As SQLAlchemy would raise it, so that connect() reports it as the source's error.
        raise sa.exc.DBAPIError.instance(None, None, exc, dbapi_error) from exc
    finally:
        result.close()
    frame = joined(names, [part for part in batches if part is not None])
    if frame is None:
        return None
    return frame.with_row_index(POSITION, offset=1).with_columns(pl.col(POSITION).cast(pl.Int64))


def batch_frame(names: list[str], rows: Sequence[Sequence[Any]]) -> pl.DataFrame | None:
    """Rows from the driver as one typed column each; None when a column mixes types (1 and "1", a date and a
    datetime) or holds a type whose values would not come back as they were (a time zone, a decimal)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    try:
        frame = pl.DataFrame([pl.Series(n, c, strict=True) for n, c in zip(names, columns, strict=True)])
    except (TypeError, ValueError, OverflowError):
        return None
    if not all(_faithful(dtype) for dtype in frame.schema.values()):
        return None
    return frame


def _faithful(dtype: pl.DataType) -> bool:
    # An aware datetime is stored in UTC: its date could differ from the one the object reader takes.
    if isinstance(dtype, pl.Datetime):
        return dtype.time_zone is None
    return isinstance(dtype, _FAITHFUL)


def joined(names: list[str], parts: list[pl.DataFrame]) -> pl.DataFrame | None:
    """The batches as one frame: a column empty in one batch takes the type of the others; any other mix is None."""
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.Null()))
    types: dict[str, pl.DataType] = {}
    for name in names:
        found = {part.schema[name] for part in parts} - {pl.Null()}
        if len(found) > 1:
            return None
        types[name] = found.pop() if found else pl.Null()
    return pl.concat([part.cast(types) for part in parts], how="vertical")  # type: ignore[arg-type]


def keys(column: pl.Series) -> pl.Series:
    """Each value as ``to_key`` gives it; an integer column directly (``to_key`` of an int is ``str(int)``)."""
    if column.dtype.is_integer():
        return column.cast(pl.String)
    return values(column, to_key, pl.String())


def values(column: pl.Series, read: Callable[[Any], Any], dtype: pl.DataType) -> pl.Series:
    """``read`` of each value (called once per distinct value; it must not fail)."""
    value, _ok = checked(column, read, dtype)
    return value


def dates(column: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each value as ``to_date`` gives it (null when it is not a date), and whether it is one."""
    return checked(column, to_date, pl.Date())


def passes(column: pl.Series, check: Callable[[Any], object]) -> pl.Series:
    """Whether ``check`` accepts each value (once per distinct value): it raises ValueError (or
    ModelValueError) on a value it refuses."""
    _value, ok = checked(column, lambda value: check(value) is None or True, pl.Boolean())
    return ok
