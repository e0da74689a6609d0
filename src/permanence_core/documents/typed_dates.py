"""Dates as people type them into a Word form: 12/03/2024, 12.3.24, 12 March 2024, '2 weeks' from the meeting."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

from permanence_core.calendar import add_months

_PERIOD = re.compile(r"^(?:within|in)?\s*(\d{1,3})\s*(day|week|month)s?(?:\s+(?:time|from (?:the )?meeting))?$")
_DONE_WORDS = frozenset({"yes", "y", "done", "complete", "completed", "✓", "✔", "x"})
_NOT_DONE_WORDS = frozenset({"no", "n", "-", "–", "not yet", "outstanding", "ongoing"})
# Two defaults that differ in every part: a part the text lacks shows up as a difference.
_DEFAULTS = (dt.datetime(2001, 1, 1), dt.datetime(2002, 2, 2))


class TypedDateError(ValueError):
    """The text is not a whole date (day, month and year) or a period the reader understands."""


def parse_date(text: str) -> dt.date:
    """A UK date with day, month and year (day first: 03/04/2024 is 3 April); ISO dates are accepted too."""
    cleaned = _clean(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        return dt.date.fromisoformat(cleaned)
    try:
        first, second = (dateparser.parse(cleaned, dayfirst=True, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        raise TypedDateError("is not a date") from None
    if first != second:
        raise TypedDateError("is not a whole date (it needs a day, month and year)")
    if first.time() != dt.time():
        raise TypedDateError("is not a date (it has a time)")
    return first.date()


def parse_timescale(text: str, meeting_date: dt.date) -> dt.date:
    """A due date: a date, or a period from the meeting (``2 weeks``, ``within 10 days``, ``3 months``)."""
    cleaned = _clean(text).removeprefix("by ").strip()
    match = _PERIOD.match(cleaned)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if unit == "month":
            return add_months(meeting_date, count)
        return meeting_date + dt.timedelta(days=count * (7 if unit == "week" else 1))
    return parse_date(cleaned)


def parse_completed(text: str, meeting_date: dt.date) -> dt.date | None:
    """When a task was completed: a date; 'yes' (or a tick) means by the meeting; 'no' or blank means open."""
    cleaned = _clean(text)
    if not cleaned or cleaned in _NOT_DONE_WORDS:
        return None
    if cleaned in _DONE_WORDS:
        return meeting_date
    return parse_date(cleaned)


def _clean(text: str) -> str:
    return " ".join(text.split()).lower().rstrip(".")
