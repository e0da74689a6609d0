"""The rows a columnar reader leaves to the object reader: every row of the people it flagged, and every row naming
no person, each at its position in the whole table, so the object reader's rejections name the same rows in the same
order as a full load (:class:`~permanence_core.adapters.database.PositionedRows`)."""

from __future__ import annotations

import polars as pl

from permanence_core.adapters.database import PositionedRows


def rows_of(frame: pl.DataFrame, person: pl.Series, people: pl.Series) -> PositionedRows:
    """The rows of ``frame`` (a table in key order, as the driver gave it) whose ``person`` (one id a row) is empty or
    one of ``people``, each with its position in ``frame`` counted from 1."""
    picked = person.is_null() | person.is_in(people.implode())
    return PositionedRows(frame.filter(picked).to_dicts(), (picked.arg_true() + 1).to_list())
