"""Reads the Liquidlogic reporting warehouse (``HDM.Child_Social``) into CaseRecords with coverage CARE.

Table and column names are those of the LCS warehouse as the Standard Safeguarding Dataset's System C
extract uses them (research/case_systems.md section 2.2). The unknown-person row (``DIM_PERSON_ID`` -1)
and persons merged into another record (``DUPLICATED_DTTM`` set) are not children. A child's care
episodes are grouped into periods of care by ``FACT_CLA_ID``; each episode takes the legal status in
force on its first day. Every row that cannot be used becomes a Rejection naming the table, the row's
key and position, the child, the column and the reason; the rest still loads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

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
from permanence_core.model import CaseRecord, Child, Episode, Facet, Identifiers, LegalStatusSpell, PeriodOfCare
from permanence_liquidlogic.config import PASSWORD_ENV, LiquidlogicConfig
from permanence_liquidlogic.lookups import legal_status_code

log = logging.getLogger(__name__)

PERSON = "DIM_PERSON"
EPISODES = "FACT_CARE_EPISODES"
LEGAL_STATUS = "FACT_LEGAL_STATUS"
PERSON_ID = "DIM_PERSON_ID"

#: The warehouse's placeholder for "person not known".
UNKNOWN_PERSON = "-1"

COLUMNS = {
    PERSON: (PERSON_ID, "LEGACY_ID", "UPN", "FORENAME", "SURNAME", "BIRTH_DTTM", "GENDER_MAIN_CODE", "DUPLICATED_DTTM"),
    EPISODES: (
        "FACT_CARE_EPISODES_ID",
        PERSON_ID,
        "FACT_CLA_ID",
        "CARE_START_DATE",
        "CARE_END_DATE",
        "CARE_REASON_END_CODE",
    ),
    LEGAL_STATUS: ("FACT_LEGAL_STATUS_ID", PERSON_ID, "DIM_LOOKUP_LGL_STATUS_DESC", "START_DTTM", "END_DTTM"),
}
KEYS = {PERSON: (PERSON_ID,), EPISODES: ("FACT_CARE_EPISODES_ID",), LEGAL_STATUS: ("FACT_LEGAL_STATUS_ID",)}

#: Model attribute names to each table's columns, so a rejection names the column.
_MODEL_COLUMNS = {
    PERSON: {"upn": "UPN"},
    EPISODES: {"start": "CARE_START_DATE", "end": "CARE_END_DATE", "reason_ceased": "CARE_REASON_END_CODE"},
    LEGAL_STATUS: {"code": "DIM_LOOKUP_LGL_STATUS_DESC", "start": "START_DTTM", "end": "END_DTTM"},
}

#: LCS gender codes to the SSDA903 sex codes the model holds.
SEX = {"M": "M", "F": "F", "U": "U"}


def read(source: str, config: LiquidlogicConfig) -> LoadResult:
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
        result = _Load(tables, config).result()
    log.info("liquidlogic load: %s", result.summary())
    return result


class _Load:
    """One load: the tables' rows, the rejections found, and the children built from them."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]], config: LiquidlogicConfig) -> None:
        self.tables = tables
        self.config = config
        self.rejected: list[Rejection] = []
        self.persons = self._rows(PERSON)
        self.people: dict[str, tuple[int, dict[str, Any]]] = {}
        self.merged: set[str] = set()
        for position, row in self.persons.unique():
            person_id = to_key(row[PERSON_ID])
            if person_id == UNKNOWN_PERSON:
                continue
            if to_text(row["DUPLICATED_DTTM"]) is not None:
                self.merged.add(person_id)
            else:
                self.people[person_id] = (position, row)

    def _rows(self, table: str) -> TableRows:
        return TableRows(
            table,
            self.tables[table],
            keys=KEYS[table],
            person=PERSON_ID,
            rejected=self.rejected,
            columns=_MODEL_COLUMNS[table],
        )

    def _known_person(self, rows: TableRows, position: int, row: dict[str, Any]) -> bool:
        person_id = to_key(row[PERSON_ID])
        if person_id in self.people:
            return True
        if person_id in self.merged:
            reason = (
                f"the person is marked duplicated in {PERSON} (DUPLICATED_DTTM); their merged record holds the care"
            )
        elif person_id == UNKNOWN_PERSON:
            reason = f"belongs to {PERSON}'s unknown-person row (-1)"
        else:
            reason = f"no such person in {PERSON}"
        rows.reject(position, row, reason, field=PERSON_ID, value=person_id)
        return False

    def result(self) -> LoadResult:
        legal = self._legal_statuses()
        episodes = self._episodes(legal)
        records = []
        case_ids: set[str] = set()
        not_in_care = 0
        for person_id, (position, row) in self.people.items():
            periods = [_period(cla_id, group) for cla_id, group in episodes.get(person_id, {}).items()]
            if not periods:
                if person_id in legal:
                    self.persons.reject(
                        position,
                        row,
                        f"has legal statuses but no usable care episode in {EPISODES}; not loaded",
                        field="FACT_CLA_ID",
                    )
                else:
                    # DIM_PERSON holds every client of children's services, not only children in care.
                    not_in_care += 1
                continue
            child = self._child(position, row, case_ids)
            if child is not None:
                records.append(
                    CaseRecord(
                        child=child,
                        coverage={Facet.CARE},
                        periods_of_care=periods,
                        legal_statuses=legal.get(person_id, ()),
                    )
                )
        notices = []
        if self.merged:
            notices.append(f"{len(self.merged)} {PERSON} rows are marked duplicated (DUPLICATED_DTTM) and were skipped")
        if not_in_care:
            notices.append(f"{not_in_care} people in {PERSON} have no care episodes and are not looked after")
        read = sum(len(rows) for rows in self.tables.values())
        return LoadResult(records=records, rejected=self.rejected, read=read, notices=notices)

    def _legal_statuses(self) -> dict[str, list[LegalStatusSpell]]:
        rows = self._rows(LEGAL_STATUS)
        found: dict[str, list[LegalStatusSpell]] = defaultdict(list)
        for position, row in rows.unique():
            if not self._known_person(rows, position, row):
                continue
            start_ok, start = rows.date(position, row, "START_DTTM")
            end_ok, end = rows.date(position, row, "END_DTTM")
            if not (start_ok and end_ok):
                continue
            description = to_text(row["DIM_LOOKUP_LGL_STATUS_DESC"])
            code = legal_status_code(description, self.config.legal_status_map) if description else None
            if code is None:
                rows.reject(
                    position,
                    row,
                    "is not a known legal status: add it to legal_status_map in the [liquidlogic] settings",
                    field="DIM_LOOKUP_LGL_STATUS_DESC",
                    value=description,
                )
                continue
            spell = rows.build(position, row, lambda c=code, s=start, e=end: LegalStatusSpell(code=c, start=s, end=e))
            if spell is not None:
                found[to_key(row[PERSON_ID])].append(spell)
        return found

    def _episodes(self, legal: dict[str, list[LegalStatusSpell]]) -> dict[str, dict[str, list[Episode]]]:
        """Each child's episodes, grouped by period of care (``FACT_CLA_ID``)."""
        rows = self._rows(EPISODES)
        found: dict[str, dict[str, list[Episode]]] = defaultdict(lambda: defaultdict(list))
        for position, row in rows.unique():
            if not self._known_person(rows, position, row):
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
            person_id = to_key(row[PERSON_ID])
            episode = rows.build(
                position,
                row,
                lambda s=start, e=end, r=row, p=person_id: Episode(
                    start=s,
                    end=e,
                    reason_ceased=to_text(r["CARE_REASON_END_CODE"]),
                    legal_status=_status_on(legal.get(p, ()), s),
                ),
            )
            if episode is not None:
                found[person_id][cla_id].append(episode)
        return found

    def _child(self, position: int, row: dict[str, Any], case_ids: set[str]) -> Child | None:
        """The child, or None when its case id is empty or taken; a bad UPN, birth date or gender is left out."""
        case_id = to_key(row[self.config.person_id_field])
        if case_id is None or case_id in case_ids:
            reason = "is empty" if case_id is None else "is the case id of another person"
            self.persons.reject(
                position, row, f"{reason}; not loaded", field=self.config.person_id_field, value=case_id
            )
            return None
        case_ids.add(case_id)
        kept = "; loaded without it"
        upn = self.persons.build(
            position, row, lambda: Identifiers(case_id=case_id, upn=to_text(row["UPN"])), suffix=kept
        )
        _ok, born = self.persons.date(position, row, "BIRTH_DTTM", suffix=kept)
        gender = to_text(row["GENDER_MAIN_CODE"])
        sex = SEX.get(gender.upper()) if gender else None
        if gender and sex is None:
            self.persons.reject(
                position, row, f"is not an LCS gender code (M, F, U){kept}", field="GENDER_MAIN_CODE", value=gender
            )
        return Child(
            identifiers=Identifiers(case_id=case_id, upn=upn.upn if upn else None),
            first_name=to_text(row["FORENAME"]),
            surname=to_text(row["SURNAME"]),
            date_of_birth=born,
            sex=sex,
        )


def _period(cla_id: str, episodes: list[Episode]) -> PeriodOfCare:
    """A period of care from its episodes (each already valid, so the period is too)."""
    episodes = sorted(episodes, key=lambda episode: episode.start)
    ends = [episode.end for episode in episodes]
    # The period is open while any of its episodes is; otherwise it ends with its last episode.
    last = None if None in ends else max(episodes, key=lambda episode: episode.end)
    return PeriodOfCare(
        start=episodes[0].start,
        end=last.end if last else None,
        reason_ceased=last.reason_ceased if last else None,
        short_break=all(episode.is_short_break for episode in episodes),
        period_id=cla_id,
        episodes=episodes,
    )


def _status_on(spells: list[LegalStatusSpell] | tuple[()], day: dt.date) -> str | None:
    for spell in reversed(sorted(spells, key=lambda spell: spell.start)):
        if spell.start <= day and (spell.end is None or day < spell.end):
            return spell.code
    return None
