"""FACT_ADOPTION with the care history: the adoption milestones (decision, order, match, placed, adopted, reversal).

The warehouse keeps one FACT_ADOPTION row per adoption episode; the latest (by ``START_DTTM``) is the
child's current one. Placed for adoption is the first A3-A6 placement from the decision on, as the SSD
extract reads it; the placement order falls back to the first E1 legal status, and the adoption order
is the end of a period of care that ceased E11/E12.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import to_text
from permanence_core.model import AdoptionMilestones
from permanence_liquidlogic.care import CareFacts
from permanence_liquidlogic.lookups import flag
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import ADOPTION, table_rows

PLACEMENT_ORDER = "E1"
ADOPTED = frozenset({"E11", "E12"})

_DATES = ("START_DTTM", "DECISION_DTTM", "PLACEMENT_ORDER_DTTM", "MATCHING_DTTM", "NO_LONGER_PLACED_DTTM")


def read_adoption(
    rows_in: list[dict[str, Any]], people: People, care: CareFacts, rejected: list[Rejection]
) -> tuple[dict[str, AdoptionMilestones], int]:
    """Each child's milestones (by DIM_PERSON_ID), and how many children had earlier rows superseded."""
    rows = table_rows(ADOPTION, rows_in, rejected, {"reversal_reason": "DIM_LOOKUP_ADOP_REASON_CEASED_CODE"})
    latest: dict[str, tuple[dt.date | None, int, dict[str, dt.date | None], dict[str, Any]]] = {}
    superseded: set[str] = set()
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        dates: dict[str, dt.date | None] = {}
        for column in _DATES:
            ok, dates[column] = rows.date(position, row, column)
            if not ok:
                break
        else:
            candidate = (dates["START_DTTM"], position, dates, row)
            if person_id in latest:
                superseded.add(person_id)
                if _order(candidate) < _order(latest[person_id]):
                    continue
            latest[person_id] = candidate
    found = {}
    for person_id, (_start, position, dates, row) in latest.items():
        reason = to_text(row["DIM_LOOKUP_ADOP_REASON_CEASED_CODE"])
        if reason is not None and reason not in codes.REVERSAL_REASON:
            rows.reject(
                position,
                row,
                "is not an SSDA903 reversal reason (RD1-RD4); loaded without it",
                field="DIM_LOOKUP_ADOP_REASON_CEASED_CODE",
                value=reason,
            )
            reason = None
        carer = flag(row["ADOPTED_BY_CARER_FLAG"])
        milestones = rows.build(
            position,
            row,
            partial(
                AdoptionMilestones,
                decision=dates["DECISION_DTTM"],
                placement_order=dates["PLACEMENT_ORDER_DTTM"] or _first_placement_order(care, person_id),
                match=dates["MATCHING_DTTM"],
                placed=_placed(care, person_id, dates["DECISION_DTTM"]),
                order=_adoption_order(care, person_id),
                reversal=dates["NO_LONGER_PLACED_DTTM"],
                reversal_reason=reason if dates["NO_LONGER_PLACED_DTTM"] else None,
                foster_carer_adoption=carer,
            ),
        )
        if milestones is not None:
            found[person_id] = milestones
    return found, len(superseded)


def _order(candidate: tuple[dt.date | None, int, Any, Any]) -> tuple[dt.date, int]:
    start, position, _dates, _row = candidate
    return (start or dt.date.min, position)


def _first_placement_order(care: CareFacts, person_id: str) -> dt.date | None:
    starts = [spell.start for spell in care.legal_statuses.get(person_id, ()) if spell.code == PLACEMENT_ORDER]
    return min(starts) if starts else None


def _placed(care: CareFacts, person_id: str, decision: dt.date | None) -> dt.date | None:
    starts = [
        spell.start
        for spell in care.placements.get(person_id, ())
        if spell.placement_type in codes.PLACED_FOR_ADOPTION and (decision is None or spell.start >= decision)
    ]
    return min(starts) if starts else None


def _adoption_order(care: CareFacts, person_id: str) -> dt.date | None:
    ends = [period.end for period in care.periods.get(person_id, ()) if period.end and period.reason_ceased in ADOPTED]
    return min(ends) if ends else None
