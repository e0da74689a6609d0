"""Warehouse columns checked the object reader's way, one distinct value at a time, for the Mosaic fast path.

A warehouse repeats its values (a few thousand days, a few dozen codes), so each column is converted one distinct
value at a time (``permanence_core.adapters.distinct_checks``) by the object reader's own converters (``to_key``,
``to_date``, ``to_text``) and model validators. Where the object reader would reject a row, :class:`Unclean` is
raised instead: the fast path then leaves the whole warehouse to the object reader, which names every rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from permanence_core.adapters.database import to_date, to_key, to_text
from permanence_core.adapters.distinct_checks import checked
from permanence_mosaic.warehouse import TABLES


class Unclean(Exception):
    """A row the object reader would reject (or a value polars cannot hold): the load goes the object way."""


def each(values: pl.Series, convert: Callable[[Any], Any], dtype: pl.DataType, table: str) -> pl.Series:
    """``values`` converted by ``convert``, once per distinct value (nulls stay null); Unclean if it refuses one."""
    kept, passed = checked(values, lambda value: None if value is None else convert(value), dtype)
    if not passed.all():
        raise Unclean(f"{table}.{values.name} has a value the object reader rejects")
    return kept


def keys(frame: pl.DataFrame, table: str, *columns: str) -> pl.DataFrame:
    """``columns`` as ids (``to_key``: ``17``, ``17.0`` and ``" 17 "`` are all ``"17"``)."""
    return frame.with_columns(_key(frame[c], table) for c in columns)


def _key(values: pl.Series, table: str) -> pl.Series:
    # An integer id is its decimal digits (``to_key``'s first case): cast in one go, since ids are mostly distinct
    # and a call per value would be the load's largest cost. Text and float ids go through ``to_key`` itself.
    if values.dtype.is_integer():
        return values.cast(pl.String)
    return each(values, to_key, pl.String(), table)


def dates(frame: pl.DataFrame, table: str, *columns: str) -> pl.DataFrame:
    """``columns`` as dates (``to_date``)."""
    return frame.with_columns(each(frame[c], to_date, pl.Date(), table) for c in columns)


def texts(frame: pl.DataFrame, table: str, *columns: str) -> pl.DataFrame:
    """``columns`` as text stripped of padding, empty as null (``to_text``)."""
    return frame.with_columns(each(frame[c], to_text, pl.String(), table) for c in columns)


def valid(values: pl.Series, make: Callable[[Any], object], table: str) -> None:
    """Unclean unless ``make`` accepts every distinct value (a model object built on one field)."""
    each(values, lambda value: make(value) and None, pl.Null(), table)


def require(clean: bool, table: str, what: str) -> None:
    """Unclean, naming the table and what it holds, unless ``clean``."""
    if not clean:
        raise Unclean(f"{table} has {what}")


def unique(frame: pl.DataFrame, table: str, person: str | None = None) -> None:
    """``TableRows.unique``'s rejections (key columns already ids): a key column or the person empty, a key repeated."""
    key = list(TABLES[table].keys)
    needed = [*key, *([person] if person else [])]
    empty = frame.select(pl.any_horizontal(pl.col(needed).is_null()).any()).item()
    require(empty is not True, table, "an empty key")
    require(not frame.select(key).is_duplicated().any(), table, "a repeated key")
