"""Driver rows into polars: a column is read only when its values come back exactly as the driver gave them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from permanence_liquidlogic.frames import batch_frame, dates, joined, keys

from permanence_core.adapters.database import to_date, to_key

NAMES = ["ID", "WHEN"]


@pytest.mark.parametrize(
    "rows",
    [
        [(1, "2024-01-01"), ("1", "2024-01-02")],  # an id as a number and as text
        [(1, dt.date(2024, 1, 1)), (2, dt.datetime(2024, 1, 2, 9, 0))],  # a date and a datetime
        [(1, dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))))],  # aware: polars keeps it in UTC
        [(Decimal("17"), None)],
        [(1, dt.time(9, 30))],
    ],
)
def test_a_column_not_of_one_faithful_type_is_not_read(rows: list[tuple[object, ...]]) -> None:
    assert batch_frame(NAMES, rows) is None


def test_values_come_back_as_the_driver_gave_them() -> None:
    rows = [(17, dt.datetime(2024, 3, 1, 23, 59)), (18, None), (None, dt.datetime(2024, 3, 2))]
    frame = batch_frame(NAMES, rows)
    assert frame is not None
    assert [tuple(row.values()) for row in frame.to_dicts()] == rows


def test_a_column_empty_in_one_batch_takes_the_others_type_and_two_types_are_refused() -> None:
    first, second = batch_frame(NAMES, [(1, None)]), batch_frame(NAMES, [(2, "2024-01-01")])
    third = batch_frame(NAMES, [(3.5, "2024-01-01")])
    assert first is not None and second is not None and third is not None
    frame = joined(NAMES, [first, second])
    assert frame is not None and frame.schema == pl.Schema({"ID": pl.Int64, "WHEN": pl.String})
    assert joined(NAMES, [first, third]) is None


@pytest.mark.parametrize(
    "values",
    [[17, None, -1, 10**12], [17.0, 2.5, None, float("nan")], [" 17 ", "", None, "L201"], [True, False, None]],
)
def test_keys_are_to_key_of_each_value(values: list[object]) -> None:
    assert keys(pl.Series(values, strict=False)).to_list() == [to_key(v) for v in values]


def test_dates_are_to_date_of_each_value_and_say_which_are_not_dates() -> None:
    values = ["2024-03-01 10:00:00", " 2024-03-02", "", None, "31/01/2022", "2024-02-30"]
    expected = []
    for value in values:
        try:
            expected.append((to_date(value), True))
        except ValueError:
            expected.append((None, False))
    day, ok = dates(pl.Series(values))
    assert list(zip(day.to_list(), ok.to_list(), strict=True)) == expected
