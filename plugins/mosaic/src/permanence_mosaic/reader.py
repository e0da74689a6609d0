"""Reads the Mosaic reporting warehouse (``dm_*`` tables) into CaseRecords with coverage CARE.

Table and column names are those of the Mosaic data warehouse as the Standard Safeguarding Dataset's
extract SQL uses them (research/case_systems.md section 1.2). ``dm_persons`` holds every person the
council works with, so a child is read when it has a period of care; placements and legal statuses
are attached to the child. Every row that cannot be used becomes a Rejection naming the table, the
row's key and its position in key order, the child, the column and the reason; the rest still loads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from permanence_core import codes
from permanence_core.adapters import LoadResult, Rejection
from permanence_core.adapters.database import (
    TableRows,
    collector_paused,
    connect,
    fetch,
    require_tables,
    to_key,
    to_text,
)
from permanence_core.model import (
    CaseRecord,
    Child,
    Facet,
    Identifiers,
    LegalStatusSpell,
    PeriodOfCare,
    PlacementSpell,
)
from permanence_mosaic.config import PASSWORD_ENV, MosaicConfig

log = logging.getLogger(__name__)

PERSONS = "dm_persons"
PERIODS = "dm_periods_of_care"
PLACEMENTS = "dm_placements"
LEGAL_STATUSES = "dm_legal_statuses"

#: The columns read from each table, with the key that names a row in a rejection.
COLUMNS = {
    PERSONS: ("person_id", "first_name", "last_name", "upn_id", "nhs_id", "date_of_birth", "gender"),
    PERIODS: ("period_of_care_id", "person_id", "start_date", "end_date"),
    PLACEMENTS: (
        "placement_id",
        "split_number",
        "person_id",
        "period_of_care_id",
        "start_date",
        "end_date",
        "placement_type",
        "reason_episode_ceased",
        "reason_for_placement_change",
    ),
    LEGAL_STATUSES: (
        "legal_status_id",
        "person_id",
        "period_of_care_id",
        "legal_status",
        "start_date",
        "end_date",
        "is_respite_care",
    ),
}
KEYS = {
    PERSONS: ("person_id",),
    PERIODS: ("period_of_care_id",),
    PLACEMENTS: ("placement_id", "split_number"),
    LEGAL_STATUSES: ("legal_status_id",),
}

#: Mosaic gender codes to the SSDA903 sex codes the model holds.
SEX = {"M": "M", "F": "F", "U": "U"}

#: Model attribute names to the Mosaic columns they come from, so a rejection names the column.
_MODEL_COLUMNS = {
    "start": "start_date",
    "end": "end_date",
    "code": "legal_status",
    "reason_change": "reason_for_placement_change",
    "reason_ceased": "reason_episode_ceased",
    "nhs_number": "nhs_id",
    "upn": "upn_id",
}


def _rows(table: str, rows: list[dict[str, Any]], rejected: list[Rejection]) -> TableRows:
    return TableRows(table, rows, keys=KEYS[table], person="person_id", rejected=rejected, columns=_MODEL_COLUMNS)


def read(source: str, config: MosaicConfig) -> LoadResult:
    """Load every looked-after child from the warehouse at database URL ``source``."""
    with collector_paused():
        with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
            require_tables(connection, COLUMNS, config.schema)
            tables = {
                table: fetch(connection, table, columns, schema=config.schema, order_by=KEYS[table])
                for table, columns in COLUMNS.items()
            }
        for table, rows in tables.items():
            log.debug("read %d rows from %s", len(rows), table)
        result = _build(tables)
    log.info("mosaic load: %s", result.summary())
    return result


def _build(tables: dict[str, list[dict[str, Any]]]) -> LoadResult:
    rejected: list[Rejection] = []
    persons = _rows(PERSONS, tables[PERSONS], rejected)
    people = {to_key(row["person_id"]): (position, row) for position, row in persons.unique()}
    periods = _rows(PERIODS, tables[PERIODS], rejected)
    period_rows = _period_rows(periods, people)
    placements, endings = _placements(_rows(PLACEMENTS, tables[PLACEMENTS], rejected), people)
    legal, respite = _legal_statuses(_rows(LEGAL_STATUSES, tables[LEGAL_STATUSES], rejected), people)

    records = []
    not_in_care = 0
    for person_id, (position, row) in people.items():
        entries = period_rows.get(person_id, [])
        care = [period for entry in entries if (period := _period(periods, entry, endings, respite)) is not None]
        if care:
            records.append(
                CaseRecord(
                    child=_child(persons, position, row),
                    coverage={Facet.CARE},
                    periods_of_care=care,
                    placements=placements.get(person_id, ()),
                    legal_statuses=legal.get(person_id, ()),
                )
            )
        elif entries or person_id in placements or person_id in legal:
            persons.reject(
                position,
                row,
                f"has care records but no usable period of care in {PERIODS}; not loaded",
                field="period_of_care_id",
            )
        else:
            # dm_persons holds parents, carers and every other client too: they are simply not read.
            not_in_care += 1
    notices = (
        [f"{not_in_care} people in {PERSONS} have no care records and are not looked after"] if not_in_care else []
    )
    return LoadResult(
        records=records, rejected=rejected, read=sum(len(rows) for rows in tables.values()), notices=notices
    )


def _known_person(rows: TableRows, position: int, row: dict[str, Any], people: dict) -> bool:
    if to_key(row["person_id"]) in people:
        return True
    rows.reject(position, row, f"no such person in {PERSONS}", field="person_id", value=row["person_id"])
    return False


_PeriodRow = tuple[int, dict[str, Any], dt.date, dt.date | None]


def _period_rows(rows: TableRows, people: dict) -> dict[str, list[_PeriodRow]]:
    found: dict[str, list[_PeriodRow]] = defaultdict(list)
    for position, row in rows.unique():
        if not _known_person(rows, position, row, people):
            continue
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="start_date")
            continue
        found[to_key(row["person_id"])].append((position, row, start, end))
    return found


def _period(
    rows: TableRows, entry: _PeriodRow, endings: dict[str, str], respite: dict[str, bool]
) -> PeriodOfCare | None:
    position, row, start, end = entry
    period_id = to_key(row["period_of_care_id"])
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


def _placements(rows: TableRows, people: dict) -> tuple[dict[str, list[PlacementSpell]], dict[str, str]]:
    spells: dict[str, list[PlacementSpell]] = defaultdict(list)
    last_end: dict[str, tuple[dt.date, str]] = {}
    for position, row in rows.unique():
        if not _known_person(rows, position, row, people):
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
        spell = rows.build(
            position,
            row,
            lambda start=start, end=end, row=row: PlacementSpell(
                placement_type=to_text(row["placement_type"]),
                start=start,
                end=end,
                reason_change=to_text(row["reason_for_placement_change"]),
            ),
        )
        if spell is None:
            continue
        spells[to_key(row["person_id"])].append(spell)
        period_id = to_key(row["period_of_care_id"])
        if period_id and end and reason_ceased and (period_id not in last_end or end >= last_end[period_id][0]):
            last_end[period_id] = (end, reason_ceased)
    return spells, {period_id: reason for period_id, (_end, reason) in last_end.items()}


def _legal_statuses(rows: TableRows, people: dict) -> tuple[dict[str, list[LegalStatusSpell]], dict[str, bool]]:
    spells: dict[str, list[LegalStatusSpell]] = defaultdict(list)
    respite: dict[str, list[bool]] = defaultdict(list)
    for position, row in rows.unique():
        if not _known_person(rows, position, row, people):
            continue
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        if not (start_ok and end_ok):
            continue
        code = to_text(row["legal_status"])
        spell = rows.build(
            position, row, lambda code=code, start=start, end=end: LegalStatusSpell(code=code, start=start, end=end)
        )
        if spell is None:
            continue
        spells[to_key(row["person_id"])].append(spell)
        period_id = to_key(row["period_of_care_id"])
        if period_id:
            is_respite = to_text(row["is_respite_care"]) in ("Y", "y", "1") or code in codes.SHORT_BREAK_LEGAL_STATUSES
            respite[period_id].append(is_respite)
    # A period is a short break only when every legal status in it is respite care.
    return spells, {period_id: all(flags) for period_id, flags in respite.items()}


def _child(rows: TableRows, position: int, row: dict[str, Any]) -> Child:
    """The child; an identifier, date of birth or gender the model refuses is reported and left out."""
    person_id = to_key(row["person_id"])
    kept = "; loaded without it"
    nhs = rows.build(
        position, row, lambda: Identifiers(case_id=person_id, nhs_number=to_text(row["nhs_id"])), suffix=kept
    )
    upn = rows.build(position, row, lambda: Identifiers(case_id=person_id, upn=to_text(row["upn_id"])), suffix=kept)
    _ok, born = rows.date(position, row, "date_of_birth", suffix=kept)
    gender = to_text(row["gender"])
    sex = SEX.get(gender.upper()) if gender else None
    if gender and sex is None:
        rows.reject(position, row, f"is not a Mosaic gender code (M, F, U){kept}", field="gender", value=gender)
    return Child(
        identifiers=Identifiers(
            case_id=person_id,
            nhs_number=nhs.nhs_number if nhs else None,
            upn=upn.upn if upn else None,
        ),
        first_name=to_text(row["first_name"]),
        surname=to_text(row["last_name"]),
        date_of_birth=born,
        sex=sex,
    )
