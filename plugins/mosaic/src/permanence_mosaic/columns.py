"""Warehouse columns checked the object reader's way, one distinct value at a time, for the Mosaic fast path.

A warehouse repeats its values (a few thousand days, a few dozen codes), so each column is converted one distinct
value at a time (``permanence_core.adapters.distinct_checks``) by the object reader's own converters (``to_key``,
``to_date``, ``to_text``) and model validators. Where the object reader would reject a row, a table read per person
flags the row's person (:class:`Flags`: the object reader then builds that person); a table whose rows name no
person (workflow steps, form answers) raises :class:`Unclean`, and the whole warehouse goes the object way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from permanence_core.adapters.database import to_date, to_key, to_text
from permanence_core.adapters.distinct_checks import checked
from permanence_mosaic.warehouse import TABLES


class Unclean(Exception):
    """A row the object reader would reject that no person's fallback can take: the load goes the object way."""


class Flags:
    """The people with a row the object reader would reject: it builds them, the fast path everyone else."""

    def __init__(self) -> None:
        self._found: list[pl.Series] = [pl.Series("person", [], dtype=pl.String)]

    def rows(self, frame: pl.DataFrame, bad: pl.Series | pl.Expr, person: str = "person_id") -> None:
        """Flag the person (column ``person``, ids) of each row of ``frame`` where ``bad`` is true."""
        found = frame.filter(bad)[person]
        self._found.append(found.drop_nulls().cast(pl.String).rename("person"))

    def people(self) -> pl.Series:
        """Every person flagged, once each."""
        return pl.concat(self._found).unique()


Checked = tuple[Flags, str] | None
"""Where a conversion reports a row it refuses: (the flags, the frame's person column), or None to raise Unclean."""


def each(values: pl.Series, convert: Callable[[Any], Any], dtype: pl.DataType, table: str) -> pl.Series:
    """``values`` converted by ``convert``, once per distinct value (nulls stay null); Unclean if it refuses one."""
    kept, passed = checked(values, lambda value: None if value is None else convert(value), dtype)
    if not passed.all():
        raise Unclean(f"{table}.{values.name} has a value the object reader rejects")
    return kept


def _each(
    frame: pl.DataFrame, column: str, convert: Callable[[Any], Any], dtype: pl.DataType, table: str, by: Checked
) -> pl.Series:
    if by is None:
        return each(frame[column], convert, dtype, table)
    kept, passed = checked(frame[column], lambda value: None if value is None else convert(value), dtype)
    flags, person = by
    flags.rows(frame, ~passed, person)
    return kept


def keys(frame: pl.DataFrame, table: str, *columns: str) -> pl.DataFrame:
    """``columns`` as ids (``to_key``: ``17``, ``17.0`` and ``" 17 "`` are all ``"17"``; it refuses nothing)."""
    return frame.with_columns(key(frame[c], table) for c in columns)


def key(values: pl.Series, table: str) -> pl.Series:
    """One column as ids (``to_key``)."""
    # An integer id is its decimal digits (``to_key``'s first case): cast in one go, since ids are mostly distinct
    # and a call per value would be the load's largest cost. Text and float ids go through ``to_key`` itself.
    if values.dtype.is_integer():
        return values.cast(pl.String)
    return each(values, to_key, pl.String(), table)


def dates(frame: pl.DataFrame, table: str, *columns: str, by: Checked = None) -> pl.DataFrame:
    """``columns`` as dates (``to_date``); a value it refuses is null (and flagged, ``by``)."""
    return frame.with_columns(_each(frame, c, to_date, pl.Date(), table, by) for c in columns)


def texts(frame: pl.DataFrame, table: str, *columns: str) -> pl.DataFrame:
    """``columns`` as text stripped of padding, empty as null (``to_text``: it refuses nothing)."""
    return frame.with_columns(each(frame[c], to_text, pl.String(), table) for c in columns)


def valid(frame: pl.DataFrame, column: str, make: Callable[[Any], object], table: str, by: Checked = None) -> None:
    """Unclean (or the rows flagged, ``by``) unless ``make`` accepts every distinct value of ``column`` (a model
    object built on one field)."""
    _each(frame, column, lambda value: make(value) and None, pl.Null(), table, by)


def require(clean: bool, table: str, what: str) -> None:
    """Unclean, naming the table and what it holds, unless ``clean``."""
    if not clean:
        raise Unclean(f"{table} has {what}")


def unique(frame: pl.DataFrame, table: str, person: str | None = None, flags: Flags | None = None) -> None:
    """``TableRows.unique``'s rejections (key columns already ids): a key column or the person empty, a key repeated.

    With ``flags``, the person of each such row is flagged instead (every row of a repeated key: the object reader
    keeps the first, so they go to it together); a row naming no person goes to the object reader anyway.
    """
    key = list(TABLES[table].keys)
    needed = [*key, *([person] if person else [])]
    empty = pl.any_horizontal(pl.col(needed).is_null())
    repeated = pl.struct(key).is_duplicated() if len(key) > 1 else pl.col(key[0]).is_duplicated()
    if flags is not None and person is not None:
        flags.rows(frame, empty | repeated, person)
        return
    require(frame.select(empty.any()).item() is not True, table, "an empty key")
    require(not frame.select(repeated.any()).item(), table, "a repeated key")
