"""Adoption milestones: the decision, match and reversal from dm_workflow_steps_people_vw, the rest from care.

The view's adoption columns are those the Standard Safeguarding Dataset reads for its adoption journeys:
``adoption_best_interest_date`` (the decision that adoption is in the child's best interests),
``adoption_match_date`` and ``adoption_plan_date_ceased`` with ``adoption_plan_reason_cat_code`` (the
decision reversed). The journey read is the latest decision's; its match and reversal are the first
after it. The placement order is the first E1 legal status, placed for adoption the first A3-A6
placement (from the decision on, when there is one), and the order the end of care by adoption; the child
was adopted by their foster carers when the placement they were adopted from was with them (A3, A5), as the
Standard Safeguarding Dataset reads it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows, key_of, to_text
from permanence_core.model import AdoptionMilestones, LegalStatusSpell, PeriodOfCare, PlacementSpell
from permanence_mosaic.warehouse import STEP_PEOPLE, table_rows

PLACEMENT_ORDER = "E1"
ADOPTED = frozenset({"E11", "E12"})
#: Placed for adoption with the child's current foster carers.
WITH_FOSTER_CARERS = frozenset({"A3", "A5"})


@attrs.frozen
class _Journey:
    decisions: list[dt.date] = attrs.field(factory=list)
    matches: list[dt.date] = attrs.field(factory=list)
    reversals: list[tuple[dt.date, str | None]] = attrs.field(factory=list)


def read_journeys(
    tables: Mapping[str, list[dict[str, Any]]], children: Mapping[str, object], rejected: list[Rejection]
) -> dict[str, _Journey]:
    """Each child's adoption dates from the view; rows of people not looked after are not read."""
    rows = table_rows(STEP_PEOPLE, tables[STEP_PEOPLE], rejected)
    journeys: dict[str, _Journey] = defaultdict(_Journey)
    for position, row in rows.unique():
        child = key_of(row, "person_id")
        if child not in children:
            continue
        dates = {}
        for column in ("adoption_best_interest_date", "adoption_match_date", "adoption_plan_date_ceased"):
            _ok, dates[column] = rows.date(position, row, column, suffix="; loaded without it")
        journey = journeys[child]
        if dates["adoption_best_interest_date"]:
            journey.decisions.append(dates["adoption_best_interest_date"])
        if dates["adoption_match_date"]:
            journey.matches.append(dates["adoption_match_date"])
        if dates["adoption_plan_date_ceased"]:
            journey.reversals.append((dates["adoption_plan_date_ceased"], _reason(rows, position, row)))
    return journeys


def _reason(rows: TableRows, position: int, row: dict[str, Any]) -> str | None:
    reason = to_text(row["adoption_plan_reason_cat_code"])
    if reason is not None and reason not in codes.REVERSAL_REASON:
        rows.reject(
            position,
            row,
            "is not an SSDA903 reversal reason (RD1-RD4); loaded without it",
            field="adoption_plan_reason_cat_code",
            value=reason,
        )
        return None
    return reason


def milestones(
    journey: _Journey | None,
    periods: Iterable[PeriodOfCare],
    legal_statuses: Iterable[LegalStatusSpell],
    placements: Iterable[PlacementSpell],
) -> AdoptionMilestones | None:
    """The child's adoption milestones, or None when the warehouse records none."""
    decision = max(journey.decisions) if journey and journey.decisions else None
    since = decision or dt.date.min
    matches = sorted(day for day in (journey.matches if journey else []) if day >= since)
    reversals = sorted(pair for pair in (journey.reversals if journey else []) if pair[0] >= since)
    orders = sorted(spell.start for spell in legal_statuses if spell.code == PLACEMENT_ORDER)
    placed = sorted(
        spell.start
        for spell in placements
        if spell.placement_type in codes.PLACED_FOR_ADOPTION and spell.start >= since
    )
    adopted = sorted(period.end for period in periods if period.end and period.reason_ceased in ADOPTED)
    adopted_from = [
        spell.placement_type
        for spell in placements
        if adopted and spell.end == adopted[-1] and spell.placement_type in codes.PLACED_FOR_ADOPTION
    ]
    found = AdoptionMilestones(
        decision=decision,
        placement_order=orders[0] if orders else None,
        match=matches[0] if matches else None,
        placed=placed[0] if placed else None,
        order=adopted[-1] if adopted else None,
        reversal=reversals[0][0] if reversals else None,
        reversal_reason=reversals[0][1] if reversals else None,
        foster_carer_adoption=adopted_from[-1] in WITH_FOSTER_CARERS if adopted_from else None,
    )
    return found if found != AdoptionMilestones() else None
