"""Parsing one input value: dates (dd/mm/YYYY or ISO), codes, booleans; a RowError names what is wrong."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Literal, overload

from permanence_core.serialization import EARLIEST_DATE

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TRUE = frozenset({"1", "Y", "YES", "TRUE", "T"})
_FALSE = frozenset({"0", "N", "NO", "FALSE", "F"})


#: Why a row is rejected before it is parsed: ``(column, value, reason)``, the arguments of a RowError.
Problem = tuple[str | None, str | None, str]


class RowError(Exception):
    """A value that stops its row from loading: the column, the value as given and why."""

    def __init__(self, column: str | None, value: str | None, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason
        super().__init__(f"{column}: {value!r} {reason}")


# Dates repeat across hundreds of thousands of rows; caching the parse keeps a national load linear
# in the number of distinct dates rather than the number of rows.
@functools.lru_cache(maxsize=1 << 16)
def _parse_date(text: str) -> dt.date:
    match = _DMY.fullmatch(text)
    if match:
        day, month, year = match.groups()
    else:
        match = _ISO.fullmatch(text)
        if not match:
            raise ValueError("is not a date in dd/mm/YYYY or YYYY-MM-DD form")
        year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError("is not a real calendar date") from None


#: No child in care today was born, nor any event of theirs happened, before this.
EARLIEST = EARLIEST_DATE
#: Columns recording something that has happened (a birth, a start, a review held): never far in the future.
#: Others may be (DUC, the day a UASC child turns 18, is years ahead).
HAPPENED = frozenset(
    {"DOB", "MC_DOB", "DECOM", "DEC", "REVIEW", "DATE_INT", "DATE_MATCH", "DATE_PLACED", "DATE_PLACED_CEASED",
     "DATE_PERM", "MIS_START", "MIS_END", "SW_DECOM", "SW_DEC", "DOLO_START", "DOLO_END"}
)  # fmt: skip


def sensible(day: dt.date, column: str, today: dt.date | None = None) -> dt.date:
    """``day`` when a record can hold it: not before 1900; in a HAPPENED column, not over a year after today
    (a year's slack: the return's as-of date is not known while it is read, and clocks and returns drift)."""
    if day < EARLIEST:
        raise ValueError(f"is before {EARLIEST.year}: not a date in a child's record")
    if column in HAPPENED and day > (today or dt.date.today()) + dt.timedelta(days=366):
        raise ValueError("is more than a year from today: it cannot have happened yet")
    return day


@overload
def date(text: str, column: str, *, required: Literal[True]) -> dt.date: ...


@overload
def date(text: str, column: str, *, required: bool = False) -> dt.date | None: ...


def date(text: str, column: str, *, required: bool = False) -> dt.date | None:
    """Parse a date (dd/mm/YYYY or YYYY-MM-DD); blank is None unless ``required``."""
    if not text:
        if required:
            raise RowError(column, text, "is required")
        return None
    try:
        return sensible(_parse_date(text), column)
    except ValueError as exc:
        raise RowError(column, text, str(exc)) from None


def required(text: str, column: str) -> str:
    """Return a value that must not be blank."""
    if not text:
        raise RowError(column, text, "is required")
    return text


def code(text: str) -> str | None:
    """A code as the code lists spell it (upper case), or None when blank."""
    return text.upper() if text else None


def flag(text: str, column: str) -> bool | None:
    """Parse a yes/no value (1/0, Y/N, yes/no, true/false); blank is None."""
    if not text:
        return None
    upper = text.upper()
    if upper in _TRUE:
        return True
    if upper in _FALSE:
        return False
    raise RowError(column, text, "is not a yes/no value (1/0, Y/N, yes/no, true/false)")


def split_list(text: str) -> tuple[str, ...]:
    """Split a ``;``-separated list, dropping blanks."""
    # map and filter in C: a national pack's actions have 130,000 distinct lists.
    return tuple(filter(None, map(str.strip, text.split(";"))))
