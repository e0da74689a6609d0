"""FACT_MEETINGS / FACT_MEETING_SUBJECTS: the permanence meetings (PPM and the others the council configures).

Only meetings whose type code (``DIM_LOOKUP_MTG_TYPE_ID_CODE``) the configuration names are read; a
meeting is about every child among its subjects (a sibling group shares its PPM). A cancelled meeting
was not held and is left out, counted in the load's notices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import to_key, to_text
from permanence_core.model import Meeting, MeetingKind
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.lookups import flag
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import MEETINGS, table_rows


@attrs.frozen
class MeetingRow:
    """A meeting as read, before its subjects are known by their case ids."""

    meeting_id: str
    kind: MeetingKind
    date: dt.date
    subjects: tuple[str, ...]

    def build(self, case_ids: dict[str, str]) -> Meeting:
        """The model meeting, naming the subjects that loaded as children by their case ids."""
        children = tuple(case_ids[person] for person in self.subjects if person in case_ids)
        return Meeting(meeting_id=self.meeting_id, kind=self.kind, date=self.date, children=children)


@attrs.frozen
class MeetingFacts:
    """The meetings each child (by DIM_PERSON_ID) was a subject of, and how many cancelled ones were skipped."""

    by_person: dict[str, list[MeetingRow]]
    cancelled: int


def meeting_kinds(config: LiquidlogicConfig) -> dict[str, MeetingKind]:
    """Each configured meeting type code (upper case) to the meeting it is."""
    # SQL Server compares codes case-insensitively and pads CHAR columns; the lookup here must agree.
    return {code.strip().upper(): kind for code, kind in config.meeting_types.items()}


def read_meetings(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> MeetingFacts:
    """Permanence meetings from the joined meeting-subject rows."""
    rows = table_rows(MEETINGS, rows_in, rejected, {"date": "ACTUAL_DTTM"})
    subjects: dict[str, list[str]] = defaultdict(list)
    details: dict[str, tuple[MeetingKind, dt.date]] = {}
    cancelled: set[str] = set()
    kinds = meeting_kinds(config)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        meeting_id = to_key(row["FACT_MEETING_ID"]) or ""
        if flag(row["CANCELLED"]):
            cancelled.add(meeting_id)
            continue
        ok, day = rows.date(position, row, "ACTUAL_DTTM")
        if not ok:
            continue
        if day is None:
            rows.reject(position, row, "is empty: a meeting needs its date", field="ACTUAL_DTTM")
            continue
        code = to_text(row["DIM_LOOKUP_MTG_TYPE_ID_CODE"])
        kind = kinds.get((code or "").upper())
        if kind is None:
            rows.reject(
                position, row, "is not a configured meeting type", field="DIM_LOOKUP_MTG_TYPE_ID_CODE", value=code
            )
            continue
        details[meeting_id] = (kind, day)
        subjects[meeting_id].append(person_id)
    by_person: dict[str, list[MeetingRow]] = defaultdict(list)
    for meeting_id, (kind, day) in details.items():
        meeting = MeetingRow(meeting_id=meeting_id, kind=kind, date=day, subjects=tuple(subjects[meeting_id]))
        for person_id in meeting.subjects:
            by_person[person_id].append(meeting)
    return MeetingFacts(by_person=by_person, cancelled=len(cancelled))
