"""One SSDA903 row to model facts: each parser takes the row's values in table order, or raises RowError."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.values import RowError, code, date, flag, required
from permanence_core.errors import ModelValueError
from permanence_core.model import AllocatedWorker, Child, Episode, Identifiers, PreviousPermanence, Review, WorkerRole

#: "UN1".."UN10" in the UPN column give the reason a UPN is unknown; they are not UPNs.
_UPN_UNKNOWN = re.compile(r"UN\d{1,2}")


@attrs.frozen
class Adopted:
    """The AD1 facts the model keeps: decision (DATE_INT), match (DATE_MATCH), adopted by foster carer."""

    decision: dt.date | None
    match: dt.date | None
    foster_carer: bool | None


@attrs.frozen
class Decision:
    """A PlacedAdoption row: the decision to place for adoption and its reversal, if any."""

    placed: dt.date
    ceased: dt.date | None
    reason: str | None


def _model_error(
    exc: ModelValueError, table: tables.Table, values: tuple[str, ...], columns: dict[str, str]
) -> RowError:
    """Translate a model field back to the column it came from, with the value as given."""
    column = columns.get(exc.field, exc.field)
    value = values[table.index(column)] if column in table.columns else str(exc.value)
    reason = exc.reason
    for field, other in columns.items():
        reason = reason.replace(f"before {field} ", f"before {other} ")
    return RowError(column, value, reason)


_HEADER_COLUMNS = {"case_id": "CHILD", "upn": "UPN", "sex": "SEX", "date_of_birth": "DOB"}


def header(values: tuple[str, ...]) -> Child:
    """A Header row: the child and its identifiers."""
    child, sex, dob, ethnic, upn, _mother, _mother_child_dob = values
    upn = upn.upper()
    try:
        return Child(
            identifiers=Identifiers(case_id=child, upn=None if not upn or _UPN_UNKNOWN.fullmatch(upn) else upn),
            date_of_birth=date(dob, "DOB"),
            sex=code(sex),
            ethnicity=code(ethnic),
        )
    except ModelValueError as exc:
        raise _model_error(exc, tables.HEADER, values, _HEADER_COLUMNS) from None


_EPISODE_COLUMNS = {
    "start": "DECOM",
    "reason_new_episode": "RNE",
    "legal_status": "LS",
    "category_of_need": "CIN",
    "placement": "PLACE",
    "placement_provider": "PLACE_PROVIDER",
    "end": "DEC",
    "reason_ceased": "REC",
    "reason_place_change": "REASON_PLACE_CHANGE",
}


def episode(values: tuple[str, ...]) -> Episode:
    """An Episodes row. DECOM, RNE, LS and PLACE are required: periods and spells are built from them."""
    _, decom, rne, ls, cin, place, provider, dec, rec, change, home, placed_at, urn = values
    start = date(decom, "DECOM", required=True)
    required(rne, "RNE")
    required(ls, "LS")
    required(place, "PLACE")
    end = date(dec, "DEC")
    try:
        return Episode(
            start=start,
            reason_new_episode=rne.upper(),
            legal_status=ls.upper(),
            category_of_need=code(cin),
            placement=place.upper(),
            placement_provider=code(provider),
            end=end,
            reason_ceased=code(rec),
            reason_place_change=code(change),
            home_postcode=home or None,
            placement_postcode=placed_at or None,
            urn=urn or None,
        )
    except ModelValueError as exc:
        raise _model_error(exc, tables.EPISODES, values, _EPISODE_COLUMNS) from None


# Reviews are (date, participation) pairs that repeat across children; frozen objects are safely shared.
@functools.lru_cache(maxsize=1 << 16)
def _review(day: dt.date, participation: str | None) -> Review:
    return Review(date=day, participation=participation)


def review(values: tuple[str, ...]) -> Review:
    """A Reviews row: the date held and the child's participation code."""
    _, _dob, held, participation = values
    day = date(held, "REVIEW", required=True)
    try:
        return _review(day, code(participation))
    except ModelValueError as exc:
        raise RowError("REVIEW_CODE", participation, exc.reason) from None


def uasc(values: tuple[str, ...]) -> dt.date | None:
    """A UASC row: the date the child ceased (or will cease) to be an unaccompanied asylum seeker."""
    return date(values[3], "DUC")


def adopted(values: tuple[str, ...]) -> Adopted:
    """An AD1 row. NB_ADOPTR, SEX_ADOPTR and LS_ADOPTR are not kept: the model has no place for them."""
    _, _dob, decided, matched, foster_care, *_adopters = values
    return Adopted(date(decided, "DATE_INT"), date(matched, "DATE_MATCH"), flag(foster_care, "FOSTER_CARE"))


def decision(values: tuple[str, ...]) -> Decision:
    """A PlacedAdoption row: DATE_PLACED is required; a reversal needs a valid RD code."""
    _, _dob, placed, ceased, reason = values
    placed_on = date(placed, "DATE_PLACED", required=True)
    ceased_on = date(ceased, "DATE_PLACED_CEASED")
    reason_code = code(reason)
    if reason_code is not None and reason_code not in codes.REVERSAL_REASON:
        raise RowError("REASON_PLACED_CEASED", reason, "is not a valid reversal reason code")
    return Decision(placed_on, ceased_on, reason_code)


def previous_permanence(values: tuple[str, ...]) -> PreviousPermanence | None:
    """A PrevPerm row; DATE_PERM is kept as given because the return allows partial dates (zz/MM/YYYY)."""
    _, _dob, option, authority, when = values
    if not option:
        return None
    try:
        return PreviousPermanence(code=option.upper(), date=when or None, local_authority=authority or None)
    except ModelValueError as exc:
        raise RowError("PREV_PERM", option, exc.reason) from None


def social_worker(values: tuple[str, ...]) -> AllocatedWorker:
    """A SWEpisodes row: the allocated social worker's id and dates."""
    _, _dob, worker, start, end, _reason = values
    worker_id = required(worker, "SW_ID")
    starts = date(start, "SW_DECOM", required=True)
    ends = date(end, "SW_DEC")
    try:
        return AllocatedWorker(worker_id=worker_id, role=WorkerRole.SOCIAL_WORKER, start=starts, end=ends)
    except ModelValueError as exc:
        raise _model_error(exc, tables.SW_EPISODES, values, {"start": "SW_DECOM", "end": "SW_DEC"}) from None


# Missing and DoLo are not kept by the model; their dates are still checked so bad rows are reported.
def _missing(values: tuple[str, ...]) -> None:
    date(values[3], "MIS_START")
    date(values[4], "MIS_END")


def _deprivation_of_liberty(values: tuple[str, ...]) -> None:
    date(values[2], "DOLO_START")
    date(values[3], "DOLO_END")


def _nothing(_values: tuple[str, ...]) -> None:
    return None


#: The parser of each table, by table name.
PARSERS: dict[str, Callable[[tuple[str, ...]], Any]] = {
    tables.HEADER.name: header,
    tables.EPISODES.name: episode,
    tables.REVIEWS.name: review,
    tables.UASC.name: uasc,
    tables.OC2.name: _nothing,
    tables.OC3.name: _nothing,
    tables.AD1.name: adopted,
    tables.PLACED_ADOPTION.name: decision,
    tables.PREV_PERM.name: previous_permanence,
    tables.MISSING.name: _missing,
    tables.SW_EPISODES.name: social_worker,
    tables.DOLO.name: _deprivation_of_liberty,
}
