"""Each SSDA903 column's check for the columnar reader, one distinct value at a time, by the object reader's own code.

A return repeats its values (a few thousand dates, a few dozen codes, one id per child), so each column is checked
one distinct value at a time (``permanence_core.adapters.distinct_checks``) with the very parsers and model
validators the object reader uses. A check returns the value as the object reader keeps it (a date, an upper-case
code, None for blank) or raises; a row with any failing value goes to the object reader, which names the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import polars as pl

from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.assemble import _CONTROL
from permanence_core.adapters.ssda903.rows import decision, previous_permanence
from permanence_core.adapters.ssda903.values import RowError, code, date, flag, required
from permanence_core.errors import ModelValueError
from permanence_core.model import AllocatedWorker, Child, Episode, Identifiers, Review, WorkerRole
from permanence_core.model.child import _UPN as UPN_PATTERN

#: A value's check: the value as kept, or an exception (RowError, ModelValueError, ValueError) when it is bad.
Check = Callable[[str], Any]
_UPN_UNKNOWN = re.compile(r"UN\d{1,2}")
# A day any date validator accepts, to check one coded field of a model object at a time.
_SOME_DAY = dt.date(2000, 1, 1)
_SOME_CHILD = Identifiers(case_id="x")


def child_ids(values: pl.Series) -> pl.Series:
    """The id each row is filed under; null when the object reader gives the row no child (blank, or holding
    a control character: ``Assembler.sink``'s own pattern)."""
    usable = (values != "") & ~values.str.contains(_CONTROL.pattern)
    return values.to_frame().select(pl.when(usable).then(values))[values.name]


# The parametrised checks below are plain functions bound with functools.partial in ``CHECKS``, not closures
# made by a factory at import, so that each is looked up when it is called (as the rules' vocabulary does):
# mutation testing reaches their bodies only that way.


def _date(text: str, *, column: str, needed: bool = False) -> dt.date | None:
    return date(text, column, required=needed)


def _episode_code(text: str, *, field: str, column: str, needed: bool = False) -> str | None:
    value = required(text, column).upper() if needed else code(text)
    one_field: dict[str, Any] = {field: value}
    Episode(start=_SOME_DAY, **one_field)
    return value


def _sex(text: str) -> str | None:
    value = code(text)
    Child(identifiers=_SOME_CHILD, sex=value)
    return value


def upn(text: str) -> str | None:
    """A UPN as ``Identifiers`` keeps it (upper case; None when blank or a UN reason code), or ModelValueError."""
    value = text.upper()
    if not value or _UPN_UNKNOWN.fullmatch(value):
        return None
    # The model's own pattern, without building an Identifiers for each of the cohort's UPNs.
    if not UPN_PATTERN.match(value):
        raise ModelValueError("upn", value, "is not a 13-character UPN")
    return value


def _participation(text: str) -> str | None:
    value = code(text)
    Review(date=_SOME_DAY, participation=value)
    return value


def _reversal(text: str) -> str | None:
    # The PlacedAdoption parser checks the reason code; its dates are checked as their own columns.
    return decision(("", "", "01/01/2000", "", text)).reason


def _previous(text: str) -> str | None:
    kept = previous_permanence(("", "", text, "", ""))
    return kept.code if kept else None


def _worker_id(text: str) -> str:
    worker = required(text, "SW_ID")
    AllocatedWorker(worker_id=worker, role=WorkerRole.SOCIAL_WORKER, start=_SOME_DAY)
    return worker


def _flag(text: str, *, column: str) -> bool | None:
    return flag(text, column)


#: For each table, each column's check (columns not named are not parsed by the object reader).
CHECKS: Mapping[str, Mapping[str, Check]] = {
    tables.HEADER.name: {"SEX": _sex, "DOB": partial(_date, column="DOB"), "UPN": upn},
    tables.EPISODES.name: {
        "DECOM": partial(_date, column="DECOM", needed=True),
        "RNE": partial(_episode_code, field="reason_new_episode", column="RNE", needed=True),
        "LS": partial(_episode_code, field="legal_status", column="LS", needed=True),
        "CIN": partial(_episode_code, field="category_of_need", column="CIN"),
        "PLACE": partial(_episode_code, field="placement", column="PLACE", needed=True),
        "PLACE_PROVIDER": partial(_episode_code, field="placement_provider", column="PLACE_PROVIDER"),
        "DEC": partial(_date, column="DEC"),
        "REC": partial(_episode_code, field="reason_ceased", column="REC"),
        "REASON_PLACE_CHANGE": partial(_episode_code, field="reason_place_change", column="REASON_PLACE_CHANGE"),
    },
    tables.REVIEWS.name: {"REVIEW": partial(_date, column="REVIEW", needed=True), "REVIEW_CODE": _participation},
    tables.UASC.name: {"DUC": partial(_date, column="DUC")},
    tables.OC2.name: {},
    tables.OC3.name: {},
    tables.AD1.name: {
        "DATE_INT": partial(_date, column="DATE_INT"),
        "DATE_MATCH": partial(_date, column="DATE_MATCH"),
        "FOSTER_CARE": partial(_flag, column="FOSTER_CARE"),
    },
    tables.PLACED_ADOPTION.name: {
        "DATE_PLACED": partial(_date, column="DATE_PLACED", needed=True),
        "DATE_PLACED_CEASED": partial(_date, column="DATE_PLACED_CEASED"),
        "REASON_PLACED_CEASED": _reversal,
    },
    tables.PREV_PERM.name: {"PREV_PERM": _previous},
    tables.MISSING.name: {"MIS_START": partial(_date, column="MIS_START"), "MIS_END": partial(_date, column="MIS_END")},
    tables.SW_EPISODES.name: {
        "SW_ID": _worker_id,
        "SW_DECOM": partial(_date, column="SW_DECOM", needed=True),
        "SW_DEC": partial(_date, column="SW_DEC"),
    },
    tables.DOLO.name: {
        "DOLO_START": partial(_date, column="DOLO_START"),
        "DOLO_END": partial(_date, column="DOLO_END"),
    },
}
_DATES = frozenset(
    {"DOB", "DECOM", "DEC", "REVIEW", "DUC", "DATE_INT", "DATE_MATCH", "DATE_PLACED", "DATE_PLACED_CEASED",
     "MIS_START", "MIS_END", "SW_DECOM", "SW_DEC", "DOLO_START", "DOLO_END"}
)  # fmt: skip
#: What the checks raise on a bad value (``distinct_checks.checked``'s ``refused``).
REFUSED = (RowError, ModelValueError, ValueError)


def kept_type(column: str) -> pl.DataType:
    """The type a checked column's values are kept as."""
    if column in _DATES:
        return pl.Date()
    return pl.Boolean() if column == "FOSTER_CARE" else pl.String()
