"""Being looked after: FACT_CARE_EPISODES grouped into periods of care, FACT_LEGAL_STATUS and FACT_CLA_PLACEMENT.

A child's episodes form periods of care by ``FACT_CLA_ID`` (LCS's own period). Each episode takes the
legal status and the placement in force on its first day, so an episode needs no placement key.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from functools import partial
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, to_key, to_text
from permanence_core.model import Episode, LegalStatusSpell, PeriodOfCare, PlacementSpell
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.lookups import legal_status_map
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import EPISODES, LEGAL_STATUS, PLACEMENTS, table_rows

_KEPT = "; loaded without it"


@attrs.frozen
class CareFacts:
    """Each child's (by DIM_PERSON_ID) periods of care, legal-status spells and placements."""

    periods: dict[str, list[PeriodOfCare]]
    legal_statuses: dict[str, list[LegalStatusSpell]]
    placements: dict[str, list[PlacementSpell]]


def read_care(
    tables: Mapping[str, list[dict[str, Any]]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> CareFacts:
    """The care history of every known person; unusable rows are rejected, naming table, key and column."""
    legal = _legal_statuses(tables[LEGAL_STATUS], people, config, rejected)
    placements = _placements(tables.get(PLACEMENTS, []), people, rejected)
    episodes = _episodes(tables[EPISODES], people, legal, placements, rejected)
    periods = {
        person: [_period(cla_id, group) for cla_id, group in found.items()] for person, found in episodes.items()
    }
    return CareFacts(periods=periods, legal_statuses=legal, placements=placements)


def _legal_statuses(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> dict[str, list[LegalStatusSpell]]:
    rows = table_rows(
        LEGAL_STATUS,
        rows_in,
        rejected,
        {"code": "DIM_LOOKUP_LGL_STATUS_DESC", "start": "START_DTTM", "end": "END_DTTM"},
    )
    found: dict[str, list[LegalStatusSpell]] = defaultdict(list)
    descriptions = legal_status_map(config.legal_status_map)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        start_ok, start = rows.date(position, row, "START_DTTM")
        end_ok, end = rows.date(position, row, "END_DTTM")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="START_DTTM")
            continue
        description = to_text(row["DIM_LOOKUP_LGL_STATUS_DESC"])
        code = descriptions.code(description) if description else None
        if code is None:
            reason = (
                descriptions.unmatched(description, "legal_status_map in the [liquidlogic] settings")
                if description
                else "is empty"
            )
            rows.reject(position, row, reason, field="DIM_LOOKUP_LGL_STATUS_DESC", value=description)
            continue
        spell = rows.build(position, row, partial(LegalStatusSpell, code=code, start=start, end=end))
        if spell is not None:
            found[person_id].append(spell)
    return found


def _placements(
    rows_in: list[dict[str, Any]], people: People, rejected: list[Rejection]
) -> dict[str, list[PlacementSpell]]:
    rows = table_rows(
        PLACEMENTS,
        rows_in,
        rejected,
        {"placement_type": "DIM_LOOKUP_PLACEMENT_TYPE_CODE", "start": "START_DTTM", "end": "END_DTTM"},
    )
    found: dict[str, list[PlacementSpell]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        start_ok, start = rows.date(position, row, "START_DTTM")
        end_ok, end = rows.date(position, row, "END_DTTM")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="START_DTTM")
            continue
        placement_type = to_text(row["DIM_LOOKUP_PLACEMENT_TYPE_CODE"])
        if placement_type is None:
            rows.reject(position, row, "is required", field="DIM_LOOKUP_PLACEMENT_TYPE_CODE")
            continue
        # Provider and change reason add detail; an unknown one is reported and the placement still loads.
        provider = _optional_code(rows, position, row, "DIM_LOOKUP_PLACEMENT_PROVIDER_CODE", codes.PLACEMENT_PROVIDER)
        reason = _optional_code(rows, position, row, "DIM_LOOKUP_PLAC_CHNG_REAS_CODE", codes.REASON_PLACE_CHANGE)
        spell = rows.build(
            position,
            row,
            partial(
                PlacementSpell,
                placement_type=placement_type,
                start=start,
                end=end,
                provider=provider,
                reason_change=reason,
            ),
        )
        if spell is not None:
            found[person_id].append(spell)
    for spells in found.values():
        spells.sort(key=lambda spell: spell.start)
    return found


def _optional_code(
    rows: TableRows, position: int, row: dict[str, Any], column: str, known: Container[str]
) -> str | None:
    value = to_text(row[column])
    if value is not None and value not in known:
        rows.reject(position, row, f"is not an SSDA903 code{_KEPT}", field=column, value=value)
        return None
    return value


def _episodes(
    rows_in: list[dict[str, Any]],
    people: People,
    legal: dict[str, list[LegalStatusSpell]],
    placements: dict[str, list[PlacementSpell]],
    rejected: list[Rejection],
) -> dict[str, dict[str, list[Episode]]]:
    """Each child's episodes, grouped by period of care (``FACT_CLA_ID``)."""
    rows = table_rows(
        EPISODES,
        rows_in,
        rejected,
        {"start": "CARE_START_DATE", "end": "CARE_END_DATE", "reason_ceased": "CARE_REASON_END_CODE"},
    )
    found: dict[str, dict[str, list[Episode]]] = defaultdict(lambda: defaultdict(list))
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        cla_id = to_key(row["FACT_CLA_ID"])
        if cla_id is None:
            rows.reject(position, row, "is empty: the episode belongs to no period of care", field="FACT_CLA_ID")
            continue
        start_ok, start = rows.date(position, row, "CARE_START_DATE")
        end_ok, end = rows.date(position, row, "CARE_END_DATE")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="CARE_START_DATE")
            continue
        placement = _on(placements.get(person_id, ()), start)
        episode = rows.build(
            position,
            row,
            partial(
                Episode,
                start=start,
                end=end,
                reason_ceased=to_text(row["CARE_REASON_END_CODE"]),
                legal_status=_status_on(legal.get(person_id, ()), start),
                placement=placement.placement_type if placement else None,
                placement_provider=placement.provider if placement else None,
            ),
        )
        if episode is not None:
            found[person_id][cla_id].append(episode)
    return found


def _period(cla_id: str, episodes: list[Episode]) -> PeriodOfCare:
    """A period of care from its episodes (each already valid, so the period is too)."""
    episodes = sorted(episodes, key=lambda episode: episode.start)
    ended = [(episode.end, episode) for episode in episodes if episode.end is not None]
    # The period is open while any of its episodes is; otherwise it ends with its last episode.
    last = max(ended, key=lambda pair: pair[0])[1] if len(ended) == len(episodes) else None
    return PeriodOfCare(
        start=episodes[0].start,
        end=last.end if last else None,
        reason_ceased=last.reason_ceased if last else None,
        short_break=all(episode.is_short_break for episode in episodes),
        period_id=cla_id,
        episodes=episodes,
    )


def _status_on(spells: Sequence[LegalStatusSpell], day: dt.date) -> str | None:
    for spell in sorted(spells, key=lambda spell: spell.start, reverse=True):
        if spell.start <= day and (spell.end is None or day < spell.end):
            return spell.code
    return None


def _on(spells: Sequence[PlacementSpell], day: dt.date) -> PlacementSpell | None:
    # Spells are sorted by start: the latest one begun by ``day`` and not yet ended holds on that day.
    for spell in reversed(spells):
        if spell.start <= day and (spell.end is None or day < spell.end):
            return spell
    return None


__all__ = ["CareFacts", "read_care"]
