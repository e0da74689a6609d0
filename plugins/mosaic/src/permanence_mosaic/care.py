"""Care history from dm_periods_of_care, dm_placements and dm_legal_statuses: who is looked after, and when.

A child is a person with a usable period of care. Each period's ending reason is the
``reason_episode_ceased`` of its last placement; a period whose legal statuses are all respite care is
a short break.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import partial
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows, key_of, to_key, to_text
from permanence_core.model import LegalStatusSpell, PeriodOfCare, PlacementSpell
from permanence_mosaic.persons import People
from permanence_mosaic.warehouse import LEGAL_STATUSES, PERIODS, PERSONS, PLACEMENTS, table_rows


@attrs.frozen
class CareHistory:
    """Each child's periods of care, placements and legal statuses, by person id."""

    periods: dict[str, list[PeriodOfCare]]
    placements: dict[str, list[PlacementSpell]]
    legal_statuses: dict[str, list[LegalStatusSpell]]
    not_in_care: int


def read_care(tables: Mapping[str, list[dict[str, Any]]], people: People, rejected: list[Rejection]) -> CareHistory:
    """Children with their care history; people with care records but no usable period are reported."""
    periods = table_rows(PERIODS, tables[PERIODS], rejected)
    period_rows = _period_rows(periods, people)
    placements, endings = _placements(table_rows(PLACEMENTS, tables[PLACEMENTS], rejected), people)
    legal, respite = _legal_statuses(table_rows(LEGAL_STATUSES, tables[LEGAL_STATUSES], rejected), people)
    care: dict[str, list[PeriodOfCare]] = {}
    not_in_care = 0
    for person_id in people.index:
        entries = period_rows.get(person_id, [])
        found = [period for entry in entries if (period := _period(periods, entry, endings, respite)) is not None]
        if found:
            care[person_id] = found
        elif entries or person_id in placements or person_id in legal:
            people.reject(
                person_id,
                f"has care records but no usable period of care in {PERIODS}; not loaded",
                field="period_of_care_id",
            )
        else:
            # dm_persons holds parents, carers and every other client too: they are simply not read.
            not_in_care += 1
    return CareHistory(
        periods=care,
        placements={person_id: placements.get(person_id, []) for person_id in care},
        legal_statuses={person_id: legal.get(person_id, []) for person_id in care},
        not_in_care=not_in_care,
    )


def not_in_care_notice(count: int) -> list[str]:
    """The notice counting people who are not looked after."""
    return [f"{count} people in {PERSONS} have no care records and are not looked after"] if count else []


_PeriodRow = tuple[int, dict[str, Any], dt.date, dt.date | None]


def _period_rows(rows: TableRows, people: People) -> dict[str, list[_PeriodRow]]:
    found: dict[str, list[_PeriodRow]] = defaultdict(list)
    for position, row in rows.unique():
        if not people.known(rows, position, row):
            continue
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="start_date")
            continue
        found[key_of(row, "person_id")].append((position, row, start, end))
    return found


def _period(
    rows: TableRows, entry: _PeriodRow, endings: dict[str, str], respite: dict[str, bool]
) -> PeriodOfCare | None:
    position, row, start, end = entry
    period_id = key_of(row, "period_of_care_id")
    return rows.build(
        position,
        row,
        lambda: PeriodOfCare(
            start=start,
            end=end,
            # The reason the period ended is the reason its last placement ended.
            reason_ceased=endings.get(period_id) if end else None,
            short_break=respite.get(period_id, False),
            period_id=period_id,
        ),
    )


def _placements(rows: TableRows, people: People) -> tuple[dict[str, list[PlacementSpell]], dict[str, str]]:
    spells: dict[str, list[PlacementSpell]] = defaultdict(list)
    last_end: dict[str, tuple[dt.date, str]] = {}
    for position, row in rows.unique():
        if not people.known(rows, position, row):
            continue
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        reason_ceased = to_text(row["reason_episode_ceased"])
        if not (start_ok and end_ok):
            continue
        if reason_ceased is not None and reason_ceased not in codes.REASON_EPISODE_CEASED:
            rows.reject(
                position, row, "is not a reason-episode-ceased code", field="reason_episode_ceased", value=reason_ceased
            )
            continue
        if start is None:
            rows.reject(position, row, "is required", field="start_date")
            continue
        spell = rows.build(
            position,
            row,
            partial(
                PlacementSpell,
                placement_type=to_text(row["placement_type"]),
                start=start,
                end=end,
                reason_change=to_text(row["reason_for_placement_change"]),
            ),
        )
        if spell is None:
            continue
        spells[key_of(row, "person_id")].append(spell)
        period_id = to_key(row["period_of_care_id"])
        if period_id and end and reason_ceased and (period_id not in last_end or end >= last_end[period_id][0]):
            last_end[period_id] = (end, reason_ceased)
    return spells, {period_id: reason for period_id, (_end, reason) in last_end.items()}


def _legal_statuses(rows: TableRows, people: People) -> tuple[dict[str, list[LegalStatusSpell]], dict[str, bool]]:
    spells: dict[str, list[LegalStatusSpell]] = defaultdict(list)
    respite: dict[str, list[bool]] = defaultdict(list)
    for position, row in rows.unique():
        if not people.known(rows, position, row):
            continue
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="start_date")
            continue
        code = to_text(row["legal_status"])
        if code is None:
            rows.reject(position, row, "is required", field="legal_status")
            continue
        spell = rows.build(position, row, partial(LegalStatusSpell, code=code, start=start, end=end))
        if spell is None:
            continue
        spells[key_of(row, "person_id")].append(spell)
        period_id = to_key(row["period_of_care_id"])
        if period_id:
            is_respite = to_text(row["is_respite_care"]) in ("Y", "y", "1") or code in codes.SHORT_BREAK_LEGAL_STATUSES
            respite[period_id].append(is_respite)
    # A period is a short break only when every legal status in it is respite care.
    return spells, {period_id: all(flags) for period_id, flags in respite.items()}
