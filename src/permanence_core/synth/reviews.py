"""Looked-after child reviews: 20 working days, then 3 months, then every 6 months; mostly on time, some late."""

from __future__ import annotations

import datetime as dt

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import PeriodOfCare, Review
from permanence_core.synth.ages import age_on
from permanence_core.synth.dice import Dice

_PARTICIPATION = {"PN1": 52, "PN2": 8, "PN3": 3, "PN4": 3, "PN5": 15, "PN6": 9, "PN7": 10}
#: Most reviews are held a few working days before they fall due; some children's reviews slip often.
_LATE = 0.05
_LATE_PRONE = 0.35
_LATE_PRONE_SHARE = 0.15


def review_lateness(dice: Dice) -> float:
    """The chance that any one of a child's reviews is late: most children low, some high."""
    return _LATE_PRONE if dice.chance(_LATE_PRONE_SHARE) else _LATE


def hold_reviews(
    dice: Dice, period: PeriodOfCare, dob: dt.date, calendar: WorkingCalendar, as_of: dt.date, lateness: float
) -> list[Review]:
    """The reviews held in ``period`` up to ``as_of`` (none for short breaks: validator rule 399)."""
    if period.short_break:
        return []
    last = min(period.end or as_of, as_of)
    held: list[Review] = []
    due = calendar.add_working_days(period.start, 20)
    previous = period.start
    while True:
        if dice.chance(lateness):
            day = due + dice.skewed_days(10, 1, 60)
        else:
            day = max(calendar.subtract_working_days(due, dice.between(0, 8)), previous + dt.timedelta(days=7))
        # A review is not held on the day the child leaves care, nor after.
        if day > last or (period.end is not None and day >= period.end):
            return held
        held.append(Review(date=day, participation=_participation(dice, dob, day)))
        due = add_months(day, 3 if len(held) == 1 else 6)
        previous = day


def _participation(dice: Dice, dob: dt.date, day: dt.date) -> str:
    # Rules 440/441: PN0 exactly when the child is under 4 on the day of the review.
    if age_on(dob, day) < 4:
        return "PN0"
    return dice.pick(_PARTICIPATION)
