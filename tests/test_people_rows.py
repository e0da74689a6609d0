"""The rows a columnar reader leaves to the object reader: the flagged people's and those naming no one."""

from __future__ import annotations

import polars as pl

from permanence_core.adapters.database import PositionedRows, TableRows
from permanence_core.adapters.people_rows import rows_of


def test_the_flagged_peoples_rows_and_rows_naming_no_one_keep_their_positions_in_the_table() -> None:
    frame = pl.DataFrame({"id": [10, 11, 12, 13, 14], "person": ["A", "B", None, "A", "C"]})

    rows = rows_of(frame, frame["person"], pl.Series(["A", "Z"]))

    assert isinstance(rows, PositionedRows)
    assert rows == [{"id": 10, "person": "A"}, {"id": 12, "person": None}, {"id": 13, "person": "A"}]
    assert rows.positions == [1, 3, 4]


def test_a_rejection_of_a_picked_row_names_its_position_in_the_whole_table() -> None:
    frame = pl.DataFrame({"id": [1, 2, 2], "person": ["A", "B", "B"]})
    rejected: list = []

    rows = TableRows(
        "t", rows_of(frame, frame["person"], pl.Series(["B"])), keys=("id",), person="person", rejected=rejected
    )
    rows.unique()

    assert [(r.row, r.reason) for r in rejected] == [(3, "duplicate row: the first row with this key was kept")]
