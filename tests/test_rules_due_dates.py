"""Due dates as column expressions count exactly as the calendar does, day by day: weekends, bank holidays (of each
part of the UK), a council's own closures, negative offsets, inclusive counting and month ends."""

import datetime as dt
import os

import polars as pl
import pytest

from permanence_core.calendar import WorkingCalendar
from permanence_core.rules.due_dates import closures_between, due_date_expr
from permanence_core.rules.engine import due_date
from permanence_core.rules.profile import Counting, Offset

#: Every day of seven years: each weekday, bank holiday, Easter and month end in them. Under mutmut (which sets
#: MUTANT_UNDER_TEST, also when run by hand to check one mutant) nineteen months and a leap day's week, a quarter of
#: the days, so that a mutant of the calendar costs seconds: each weekday, Christmas and New Year twice, Easter, the
#: council's closures, months of 28, 30 and 31 days and 29 February are still in it. `make test` counts every day.
if "MUTANT_UNDER_TEST" in os.environ:
    DAYS = pl.DataFrame(
        {
            "anchor": pl.concat(
                [
                    pl.date_range(dt.date(2025, 5, 25), dt.date(2026, 12, 31), eager=True),
                    pl.date_range(dt.date(2028, 2, 25), dt.date(2028, 3, 2), eager=True),
                ]
            )
        }
    )
else:
    DAYS = pl.DataFrame({"anchor": pl.date_range(dt.date(2023, 1, 1), dt.date(2029, 12, 31), eager=True)})
CALENDARS = {
    "england": WorkingCalendar(),
    "closures": WorkingCalendar(extra_closures=[dt.date(2026, 12, 29), dt.date(2026, 12, 30), dt.date(2025, 6, 2)]),
    "scotland": WorkingCalendar(subdiv="SCT"),
}
OFFSETS = [
    *(Offset(working_days=n) for n in (-20, -3, -1, 0, 1, 2, 3, 20, 300)),
    *(Offset(months=n) for n in (-6, -1, 1, 3, 6, 14)),
    *(Offset(days=n) for n in (-3, 0, 1, 12, 426)),
    *(Offset(weeks=n) for n in (-2, 0, 4, 26)),
]


@pytest.mark.parametrize("counting", list(Counting))
@pytest.mark.parametrize("calendar", CALENDARS, ids=str)
@pytest.mark.parametrize("offset", OFFSETS, ids=lambda o: o.describe().replace(" ", "_"))
def test_a_column_of_due_dates_is_the_calendars_day_by_day(offset, calendar, counting):
    working = CALENDARS[calendar]
    closures = closures_between(working, DAYS["anchor"], offset.working_days or 0)
    inclusive = counting is Counting.INCLUSIVE
    computed = DAYS.select(due_date_expr(pl.col("anchor"), offset, inclusive, closures))["anchor"].to_list()
    expected = [due_date(day, offset, counting, working) for day in DAYS["anchor"].to_list()]
    mismatches = [
        (day, got, want) for day, got, want in zip(DAYS["anchor"], computed, expected, strict=True) if got != want
    ]
    assert mismatches == []


def test_closures_cover_a_count_of_working_days_across_years():
    closures = closures_between(WorkingCalendar(), pl.Series([dt.date(2026, 1, 5)]), 600)
    assert dt.date(2024, 12, 25) in closures
    assert dt.date(2029, 12, 25) in closures
    assert closures_between(WorkingCalendar(), pl.Series([], dtype=pl.Date), 5) == []
