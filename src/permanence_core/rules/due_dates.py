"""Due dates as column expressions: an offset in days, weeks, months or working days from a column of anchor dates.

The same counting as ``WorkingCalendar`` and ``add_months`` (the tests compare them day by day): months use the
corresponding date clamped to the month's end, working days skip weekends, the calendar's bank holidays and the
profile's own closures, and ``inclusive`` counting makes the anchor day day 1.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from permanence_core.calendar import WorkingCalendar

if TYPE_CHECKING:  # the profile module imports the vocabulary, which counts working days with this one
    from permanence_core.rules.profile import Offset

#: Working days in a year, rounded down: how many years of closures an offset in working days can cross.
_WORKING_DAYS_A_YEAR = 250


def closures_between(calendar: WorkingCalendar, dates: pl.Series, working_days: int) -> list[dt.date]:
    """Every closure (bank holiday, extra closure) a count of ``working_days`` from any of ``dates`` can meet."""
    first, last = dates.min(), dates.max()
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return []
    margin = abs(working_days) // _WORKING_DAYS_A_YEAR + 2
    return calendar.closed_days(max(first.year - margin, dt.MINYEAR), min(last.year + margin, dt.MAXYEAR))


def due_date_expr(anchor: pl.Expr, offset: Offset, inclusive: bool, closures: list[dt.date]) -> pl.Expr:
    """The due date ``offset`` from each ``anchor`` date, the anchor day counted as day 1 when ``inclusive``
    (``closures`` only matter for working days)."""
    if offset.working_days is not None:
        return working_days_expr(anchor, offset.working_days, inclusive, closures)
    if offset.months is not None:
        due = anchor.dt.offset_by(f"{offset.months}mo")
    elif offset.days is not None:
        due = anchor + pl.duration(days=offset.days)
    elif offset.weeks is not None:
        due = anchor + pl.duration(weeks=offset.weeks)
    else:
        raise AssertionError("unreachable: Offset validates that exactly one unit is set")
    if not inclusive:
        return due
    # Inclusive counting makes the anchor day 1, so the last day is one earlier; never before the anchor itself.
    return pl.when(due > anchor).then(due - pl.duration(days=1)).otherwise(due)


def working_days_expr(anchor: pl.Expr, count: int, count_start: bool, closures: list[dt.date]) -> pl.Expr:
    """``WorkingCalendar.add_working_days`` (``count`` ≥ 0) or ``subtract_working_days`` (``count`` < 0).

    A negative count ignores ``count_start``, as the calendar does. Rolling the anchor to a working day first does
    not move the count: backward before adding (no working day lies between), forward before subtracting.
    """
    if count < 0:
        return anchor.dt.add_business_days(count, holidays=closures, roll="forward")
    if count == 0:
        return anchor
    if not count_start:
        return anchor.dt.add_business_days(count, holidays=closures, roll="backward")
    # The anchor counts as day 1 when it is a working day: one working day fewer after it (none left: the anchor).
    working = anchor.dt.is_business_day(holidays=closures)
    if count == 1:
        return (
            pl.when(working).then(anchor).otherwise(anchor.dt.add_business_days(1, holidays=closures, roll="backward"))
        )
    return (
        pl.when(working)
        .then(anchor.dt.add_business_days(count - 1, holidays=closures, roll="backward"))
        .otherwise(anchor.dt.add_business_days(count, holidays=closures, roll="backward"))
    )
