"""The HDM.Child_Social tables the adapter reads, and the read-only queries that fetch only the rows it needs.

Names are those of the LCS reporting warehouse as the Standard Safeguarding Dataset's System C extract
uses them (research/case_systems.md section 2.2). Three tables are required; the others are read when the
warehouse has them, and each supplies a facet of the records (a warehouse without ``FACT_ADOPTION`` loads,
but its records do not claim to cover adoption). Big tables (form answers, meetings, involvements) are
filtered in the database by the council's configured codes rather than fetched whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, fetch, to_key
from permanence_core.model import Facet
from permanence_liquidlogic.config import LiquidlogicConfig

PERSON_ID = "DIM_PERSON_ID"

PERSON = "DIM_PERSON"
EPISODES = "FACT_CARE_EPISODES"
LEGAL_STATUS = "FACT_LEGAL_STATUS"
PLACEMENTS = "FACT_CLA_PLACEMENT"
ADOPTION = "FACT_ADOPTION"
CARE_PLANS = "FACT_CARE_PLANS"
FORMS = "FACT_FORMS"
ANSWERS = "FACT_FORM_ANSWERS"
MEETINGS = "FACT_MEETINGS"
SUBJECTS = "FACT_MEETING_SUBJECTS"
REVIEWS = "FACT_CLA_REVIEW"
INVOLVEMENTS = "FACT_INVOLVEMENTS"
WORKERS = "DIM_WORKER"

REQUIRED = (PERSON, EPISODES, LEGAL_STATUS)

#: The tables each optional facet needs; placements enrich CARE and need only their own table.
FACETS: dict[Facet, tuple[str, ...]] = {
    Facet.REVIEWS: (REVIEWS,),
    Facet.ADOPTION: (ADOPTION,),
    Facet.PLANS: (FORMS, ANSWERS),
    Facet.MEETINGS: (MEETINGS, SUBJECTS),
    Facet.WORKERS: (INVOLVEMENTS, WORKERS),
}
OPTIONAL = (PLACEMENTS, ADOPTION, CARE_PLANS, FORMS, ANSWERS, MEETINGS, SUBJECTS, REVIEWS, INVOLVEMENTS, WORKERS)

COLUMNS: dict[str, tuple[str, ...]] = {
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
    PLACEMENTS: (
        "FACT_CLA_PLACEMENT_ID",
        PERSON_ID,
        "START_DTTM",
        "END_DTTM",
        "DIM_LOOKUP_PLACEMENT_TYPE_CODE",
        "DIM_LOOKUP_PLACEMENT_PROVIDER_CODE",
        "DIM_LOOKUP_PLAC_CHNG_REAS_CODE",
    ),
    ADOPTION: (
        "FACT_ADOPTION_ID",
        PERSON_ID,
        "START_DTTM",
        "DECISION_DTTM",
        "PLACEMENT_ORDER_DTTM",
        "MATCHING_DTTM",
        "NO_LONGER_PLACED_DTTM",
        "DIM_LOOKUP_ADOP_REASON_CEASED_CODE",
        "ADOPTED_BY_CARER_FLAG",
    ),
    CARE_PLANS: ("FACT_CARE_PLAN_ID", PERSON_ID, "START_DTTM", "END_DTTM", "DIM_LOOKUP_PLAN_STATUS_ID_CODE"),
    ANSWERS: (
        "FACT_FORM_ANSWER_ID",
        "FACT_FORM_ID",
        "ANSWER_NO",
        "ANSWER",
        "ANSWERED_DTTM",
        "DIM_ASSESSMENT_TEMPLATE_ID_DESC",
    ),
    FORMS: ("FACT_FORM_ID", PERSON_ID),
    MEETINGS: ("FACT_MEETING_ID", "DIM_LOOKUP_MTG_TYPE_ID_CODE", "ACTUAL_DTTM", "CANCELLED"),
    SUBJECTS: ("FACT_MEETINGS_ID", PERSON_ID, "FACT_OUTCM_FORM_ID"),
    REVIEWS: ("FACT_CLA_REVIEW_ID", PERSON_ID, "FACT_MEETING_ID", "DUE_DTTM", "MEETING_DTTM"),
    INVOLVEMENTS: (
        "FACT_INVOLVEMENTS_ID",
        PERSON_ID,
        "DIM_WORKER_ID",
        "DIM_LOOKUP_INVOLVEMENT_TYPE_CODE",
        "START_DTTM",
        "END_DTTM",
        "DIM_DEPARTMENT_NAME",
    ),
    WORKERS: ("DIM_WORKER_ID", "STAFF_ID", "WORKER_ID_CODE", "FORENAME", "SURNAME", "DEPARTMENT_NAME"),
}

#: The key of each row as it reaches the adapter (joined rows are keyed by the table they describe).
KEYS: dict[str, tuple[str, ...]] = {
    PERSON: (PERSON_ID,),
    EPISODES: ("FACT_CARE_EPISODES_ID",),
    LEGAL_STATUS: ("FACT_LEGAL_STATUS_ID",),
    PLACEMENTS: ("FACT_CLA_PLACEMENT_ID",),
    ADOPTION: ("FACT_ADOPTION_ID",),
    CARE_PLANS: ("FACT_CARE_PLAN_ID",),
    ANSWERS: ("FACT_FORM_ANSWER_ID",),
    MEETINGS: ("FACT_MEETING_ID", PERSON_ID),
    REVIEWS: ("FACT_CLA_REVIEW_ID",),
    INVOLVEMENTS: ("FACT_INVOLVEMENTS_ID",),
    WORKERS: ("DIM_WORKER_ID",),
}

Rows = list[dict[str, Any]]

#: The warehouse's placeholder key for "none" (the unknown person, no placement, no worker).
UNKNOWN = -1


@attrs.frozen
class Fetched:
    """The rows read: by table (joined reads under the table they describe), and the optional tables found."""

    rows: dict[str, list[dict[str, Any]]]
    present: frozenset[str]
    review_meetings: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    @property
    def read(self) -> int:
        """Rows read, for the load's counts."""
        return sum(len(rows) for rows in self.rows.values())

    def covers(self, facet: Facet) -> bool:
        """True when the warehouse has every table ``facet`` needs."""
        return all(table in self.present for table in FACETS[facet])


class _Schema:
    """Table objects of one schema, each with the columns the adapter reads."""

    def __init__(self, schema: str | None) -> None:
        self.tables = {
            name: sa.table(name, *(sa.column(column) for column in columns), schema=schema)
            for name, columns in COLUMNS.items()
        }

    def __getitem__(self, name: str) -> sa.TableClause:
        return self.tables[name]


def table_rows(
    name: str, rows: list[dict[str, Any]], rejected: list[Rejection], columns: dict[str, str] | None = None
) -> TableRows:
    """``rows`` of table ``name`` keyed as :data:`KEYS` says; ``columns`` maps model attributes to its columns."""
    return TableRows(name, rows, keys=KEYS[name], person=PERSON_ID, rejected=rejected, columns=columns)


def _rows(connection: Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    """The rows of a joined query as dicts (single tables go through the shared ``fetch``)."""
    result = connection.execute(query)
    names = tuple(result.keys())
    # zip over plain tuples: a national warehouse has millions of rows, and RowMapping costs twice as much.
    return [dict(zip(names, row, strict=True)) for row in result]


def fetch_all(connection: Connection, config: LiquidlogicConfig) -> Fetched:
    """Read every table the warehouse has, filtered to the rows the adapter uses, in key order."""
    inspector = sa.inspect(connection)
    present = frozenset(name for name in OPTIONAL if inspector.has_table(name, schema=config.schema))
    db = _Schema(config.schema)

    def whole(name: str, where: Callable[[sa.TableClause], sa.ColumnElement[bool]] | None = None) -> Rows:
        return fetch(connection, name, COLUMNS[name], schema=config.schema, order_by=KEYS[name], where=where)

    rows = {name: whole(name) for name in REQUIRED}
    rows.update({name: whole(name) for name in (ADOPTION, CARE_PLANS, REVIEWS) if name in present})
    if PLACEMENTS in present:
        # The placeholder row (-1) stands for "no placement"; the SSD extract leaves it out the same way.
        rows[PLACEMENTS] = whole(PLACEMENTS, lambda table: table.c.FACT_CLA_PLACEMENT_ID != UNKNOWN)
    if {FORMS, ANSWERS} <= present and config.answer_map:
        rows[ANSWERS] = _rows(connection, _answers(db, config))
    if {MEETINGS, SUBJECTS} <= present and config.meeting_types:
        rows[MEETINGS] = _rows(connection, _meetings(db, config.meeting_types))
    review_meetings = _review_meetings(connection, db) if {REVIEWS, MEETINGS, SUBJECTS} <= present else {}
    if {INVOLVEMENTS, WORKERS} <= present and config.involvement_roles:
        types = sorted(config.involvement_roles)

        def wanted(table: sa.TableClause) -> sa.ColumnElement[bool]:
            # -1 is "no worker": an involvement nobody holds allocates no one.
            return sa.and_(table.c.DIM_LOOKUP_INVOLVEMENT_TYPE_CODE.in_(types), table.c.DIM_WORKER_ID != UNKNOWN)

        rows[INVOLVEMENTS] = whole(INVOLVEMENTS, wanted)
        allocated = sa.select(db[INVOLVEMENTS].c.DIM_WORKER_ID).where(wanted(db[INVOLVEMENTS]))
        rows[WORKERS] = whole(WORKERS, lambda table: table.c.DIM_WORKER_ID.in_(allocated))
    return Fetched(rows=rows, present=present, review_meetings=review_meetings)


def _answers(db: _Schema, config: LiquidlogicConfig) -> sa.Select[Any]:
    """Permanence-plan answers with their form's person; an answer whose form is missing has no person."""
    answers, forms = db[ANSWERS], db[FORMS]
    query = (
        sa.select(answers, forms.c.DIM_PERSON_ID)
        .select_from(answers.outerjoin(forms, forms.c.FACT_FORM_ID == answers.c.FACT_FORM_ID))
        .where(answers.c.ANSWER_NO.in_(sorted(config.answer_map)))
    )
    if config.permanence_form_templates:
        template = answers.c.DIM_ASSESSMENT_TEMPLATE_ID_DESC
        names = config.permanence_form_templates
        query = query.where(sa.or_(*(template.startswith(name, autoescape=True) for name in names)))
    return query.order_by(answers.c.FACT_FORM_ANSWER_ID)


def _meetings(db: _Schema, types: Collection[str]) -> sa.Select[Any]:
    """One row per permanence meeting and subject person: the meeting's type, date and cancellation."""
    meetings, subjects = db[MEETINGS], db[SUBJECTS]
    return (
        sa.select(
            meetings.c.FACT_MEETING_ID,
            subjects.c.DIM_PERSON_ID,
            meetings.c.DIM_LOOKUP_MTG_TYPE_ID_CODE,
            meetings.c.ACTUAL_DTTM,
            meetings.c.CANCELLED,
        )
        .select_from(meetings.join(subjects, subjects.c.FACT_MEETINGS_ID == meetings.c.FACT_MEETING_ID))
        .where(meetings.c.DIM_LOOKUP_MTG_TYPE_ID_CODE.in_(sorted(types)))
        .order_by(meetings.c.FACT_MEETING_ID, subjects.c.DIM_PERSON_ID)
    )


def _review_meetings(connection: Connection, db: _Schema) -> dict[str, dict[str, Any]]:
    """Per review id: whether its meeting was cancelled and the child's outcome form (the review's record)."""
    reviews, meetings, subjects = db[REVIEWS], db[MEETINGS], db[SUBJECTS]
    query = (
        sa.select(reviews.c.FACT_CLA_REVIEW_ID, meetings.c.CANCELLED, subjects.c.FACT_OUTCM_FORM_ID)
        .select_from(
            reviews.outerjoin(meetings, meetings.c.FACT_MEETING_ID == reviews.c.FACT_MEETING_ID).outerjoin(
                subjects,
                sa.and_(
                    subjects.c.FACT_MEETINGS_ID == reviews.c.FACT_MEETING_ID,
                    subjects.c.DIM_PERSON_ID == reviews.c.DIM_PERSON_ID,
                ),
            )
        )
        .where(reviews.c.FACT_MEETING_ID.is_not(None))
        # Descending puts a NULL outcome form last, in SQL Server and SQLite alike.
        .order_by(reviews.c.FACT_CLA_REVIEW_ID, subjects.c.FACT_OUTCM_FORM_ID.desc())
    )
    found: dict[str, dict[str, Any]] = {}
    for row in _rows(connection, query):
        # A subject listed twice for one meeting repeats the review: the row with an outcome form is the review's.
        found.setdefault(to_key(row["FACT_CLA_REVIEW_ID"]) or "", row)
    return found
