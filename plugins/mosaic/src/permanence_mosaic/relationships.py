"""Siblings from dm_personal_relationships: the council's sibling categories, either way round.

A relationship recorded from the sibling's side only still makes them siblings; one with an end date
has been ended on the record and is not read. A sibling who is looked after now (in this load, with a
period of care still open) is in concurrent permanence planning.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import key_of
from permanence_core.model import Sibling
from permanence_mosaic.care import CareHistory
from permanence_mosaic.persons import People
from permanence_mosaic.warehouse import RELATIONSHIPS, table_rows


def read_siblings(
    tables: Mapping[str, list[dict[str, Any]]], people: People, care: CareHistory, rejected: list[Rejection]
) -> tuple[dict[str, list[Sibling]], int]:
    """Each child's siblings, and how many relationships have ended (:func:`ended_notice`)."""
    rows = table_rows(RELATIONSHIPS, tables[RELATIONSHIPS], rejected)
    others: dict[str, list[str]] = defaultdict(list)
    ended = 0
    for position, row in rows.unique():
        if not (people.known(rows, position, row) and people.known(rows, position, row, "other_person_id")):
            continue
        end_ok, end = rows.date(position, row, "end_date")
        if not end_ok:
            continue
        if end is not None:
            ended += 1
            continue
        person, other = key_of(row, "person_id"), key_of(row, "other_person_id")
        if person == other:
            rows.reject(position, row, "is the person themself", field="other_person_id", value=other)
            continue
        for child, sibling in ((person, other), (other, person)):
            if child in care.periods and sibling not in others[child]:
                others[child].append(sibling)
    open_now = {child for child, periods in care.periods.items() if any(p.end is None for p in periods)}
    siblings = {
        child: [people.sibling(other, in_planning=other in open_now) for other in ids] for child, ids in others.items()
    }
    return siblings, ended


def ended_notice(ended: int) -> list[str]:
    """The notice counting sibling relationships that have ended."""
    return [f"{ended} sibling relationships in {RELATIONSHIPS} have ended and were not read"] if ended else []
