"""England & Wales working days and calendar-month arithmetic, as the statutory timescales count them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

_WEEKEND = (5, 6)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD, as every command takes it; ValueError with the one message they all print.

    Stricter than ``date.fromisoformat``, which also takes 20261102 and 2026-W44-1.
    """
    try:
        if _ISO_DATE.fullmatch(text.strip()):
            return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date in YYYY-MM-DD form")


@lru_cache(maxsize=1 << 16)
def add_months(day: dt.date, months: int) -> dt.date:
    """Return the corresponding date ``months`` calendar months later, clamped to the month's end.

    This is the corresponding-date rule (Dodds v Walker): 30 Nov + 3 months is 28 Feb. Cached: a
    national cohort asks for the same few thousand dates hundreds of thousands of times.
    """
    return day + relativedelta(months=months)


class WorkingCalendar:
    """Working days: not a weekend, Christmas Day, Good Friday or an England & Wales bank holiday.

    ``holidays`` needs ``subdiv="ENG"``: without it Easter Monday and the August bank holiday are
    silently missing. Councils may add their own closure days (``extra_closures``) and any future
    proclaimed one-off bank holiday the package does not know yet.
    """

    def __init__(self, extra_closures: Iterable[dt.date] = (), subdiv: str = "ENG") -> None:
        self.subdiv = subdiv
        self.extra_closures = frozenset(extra_closures)
        self._holidays = holidays.country_holidays("GB", subdiv=subdiv)
        self._cache: dict[dt.date, bool] = {}
        self._closed: dict[tuple[int, int], list[dt.date]] = {}

    def __repr__(self) -> str:
        return f"WorkingCalendar(subdiv={self.subdiv!r}, extra_closures={len(self.extra_closures)})"

    def is_working_day(self, day: dt.date) -> bool:
        """Return True when ``day`` is a working day."""
        known = self._cache.get(day)
        if known is None:
            known = day.weekday() not in _WEEKEND and day not in self._holidays and day not in self.extra_closures
            self._cache[day] = known
        return known

    def closed_days(self, first_year: int, last_year: int) -> list[dt.date]:
        """Every bank holiday and extra closure from ``first_year`` to ``last_year``, in date order (weekends aside).

        What a column of dates needs to count working days at once (``polars`` ``add_business_days``).
        """
        known = self._closed.get((first_year, last_year))
        if known is None:
            years = range(first_year, last_year + 1)
            bank = holidays.country_holidays("GB", subdiv=self.subdiv, years=years)
            days = set(bank) | {day for day in self.extra_closures if first_year <= day.year <= last_year}
            known = self._closed[(first_year, last_year)] = sorted(days)
        return known

    def add_working_days(self, day: dt.date, count: int, *, count_start: bool = False) -> dt.date:
        """Return the ``count``-th working day after ``day`` (``day`` itself not counted).

        With ``count_start=True`` the start day counts as day 1 when it is a working day, which is
        how some councils count; the result is then one working day earlier.
        """
        if count < 0:
            raise ValueError(f"count: {count!r} must not be negative")
        if count == 0:
            return day
        remaining = count
        if count_start and self.is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return day
        current = day
        while remaining:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def subtract_working_days(self, day: dt.date, count: int) -> dt.date:
        """Return the working day ``count`` working days before ``day``."""
        if count < 0:
            raise ValueError(f"count: {count!r} must not be negative")
        current = day
        remaining = count
        while remaining:
            current -= dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        return sum(self.is_working_day(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))
