"""Ages and birthdays, computed directly: relativedelta is exact but far too slow for a national cohort."""

from __future__ import annotations

import datetime as dt


def age_on(dob: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def birthday(dob: dt.date, years: int) -> dt.date:
    """The ``years``-th birthday; a 29 February birthday falls on 28 February in other years."""
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:
        return dob.replace(year=dob.year + years, day=28)
