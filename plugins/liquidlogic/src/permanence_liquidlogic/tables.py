"""The HDM.Child_Social tables the adapter reads, and the read-only queries that fetch only the rows it needs.

Names are those of the LCS reporting warehouse as the Standard Safeguarding Dataset's System C extract
uses them (research/case_systems.md section 2.2). Only the identity and care facets are required
(``DIM_PERSON``, ``FACT_CARE_EPISODES``, ``FACT_LEGAL_STATUS``); each other facet is read when the warehouse
has its tables and columns (:func:`layout`), so a warehouse without ``FACT_ADOPTION`` loads, but its records
do not claim to cover adoption. Big tables (form answers, meetings, involvements) are
filtered in the database by the council's configured codes rather than fetched whole.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, to_key
from permanence_core.adapters.warehouse import Layout, Survey, TablesOnDemand, TableSpec, Warehouse
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

#: Each table's own key, for reading it in a deterministic order.
_TABLE_KEYS = {
    **KEYS,
    MEETINGS: ("FACT_MEETING_ID",),
    SUBJECTS: ("FACT_MEETINGS_ID", PERSON_ID),
    FORMS: ("FACT_FORM_ID",),
}

TABLES = {
    name: TableSpec(name, columns, _TABLE_KEYS[name], PERSON_ID if PERSON_ID in columns else None)
    for name, columns in COLUMNS.items()
}

_DETAIL = {
    PERSON: {"UPN", "BIRTH_DTTM", "GENDER_MAIN_CODE", "DUPLICATED_DTTM", "FORENAME", "SURNAME", "LEGACY_ID"},
    REVIEWS: {"FACT_MEETING_ID", "DUE_DTTM"},
    INVOLVEMENTS: {"DIM_DEPARTMENT_NAME"},
    ANSWERS: {"DIM_ASSESSMENT_TEMPLATE_ID_DESC"},
    SUBJECTS: {"FACT_OUTCM_FORM_ID"},
}


def _needed(table: str, *also: str) -> tuple[str, ...]:
    """The columns of ``table`` a facet cannot do without: all but its detail columns, plus ``also``."""
    return tuple(c for c in COLUMNS[table] if c not in _DETAIL.get(table, set()) or c in also)


def layout(config: LiquidlogicConfig) -> Layout:
    """Per facet, the tables and columns it needs; facets the council has not configured need nothing.

    Placements and care plans are detail tables (read when there); so are the columns that only enrich a
    record (UPN, date of birth, gender, a review's due date, a worker's department): a warehouse without
    them loads with them empty. A review's cancellation comes from its FACT_MEETINGS row when there is one.
    """
    identity = ("DIM_PERSON_ID", "LEGACY_ID") if config.person_id_field == "LEGACY_ID" else ("DIM_PERSON_ID",)
    needs: dict[str, dict[str, tuple[str, ...]]] = {
        "identity": {PERSON: identity},
        "names": {PERSON: ("FORENAME", "SURNAME")},
        "care": {EPISODES: _needed(EPISODES), LEGAL_STATUS: _needed(LEGAL_STATUS)},
        "reviews": {REVIEWS: _needed(REVIEWS)},
        "adoption": {ADOPTION: _needed(ADOPTION)},
    }
    if config.answer_map:
        template = ("DIM_ASSESSMENT_TEMPLATE_ID_DESC",) if config.permanence_form_templates else ()
        needs["plans"] = {FORMS: _needed(FORMS), ANSWERS: _needed(ANSWERS, *template)}
    if config.meeting_types:
        needs["meetings"] = {MEETINGS: _needed(MEETINGS), SUBJECTS: _needed(SUBJECTS)}
    if config.involvement_roles:
        worker_id = () if config.worker_id_field == "DIM_WORKER_ID" else (config.worker_id_field,)
        needs["workers"] = {INVOLVEMENTS: _needed(INVOLVEMENTS), WORKERS: ("DIM_WORKER_ID", *worker_id)}
    return Layout(tables=TABLES, needs=needs)


Rows = list[dict[str, Any]]

#: The warehouse's placeholder key for "none" (the unknown person, no placement, no worker).
UNKNOWN = -1


@attrs.frozen
class Fetched:
    """The rows read: by table (joined reads under the table they describe), and what the warehouse holds."""

    rows: Mapping[str, list[dict[str, Any]]]
    survey: Survey
    review_meetings: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    @property
    def counts(self) -> Mapping[str, int]:
        """Rows read so far, by table."""
        if isinstance(self.rows, TablesOnDemand):
            return self.rows.counts
        return {name: len(rows) for name, rows in self.rows.items()}

    @property
    def read(self) -> int:
        """Rows read, for the load's counts."""
        return sum(self.counts.values())

    def covers(self, facet: Facet) -> bool:
        """True when the warehouse has every table and column ``facet`` needs (and the council configured it)."""
        return facet.value in self.survey.available


def table_rows(
    name: str, rows: list[dict[str, Any]], rejected: list[Rejection], columns: dict[str, str] | None = None
) -> TableRows:
    """``rows`` of table ``name`` keyed as :data:`KEYS` says; ``columns`` maps model attributes to its columns."""
    return TableRows(name, rows, keys=KEYS[name], person=PERSON_ID, rejected=rejected, columns=columns)


def queries(config: LiquidlogicConfig, warehouse: Warehouse) -> dict[str, sa.Select[Any]]:
    """The query of each table read: the facets' tables the warehouse has, filtered to the rows the adapter uses."""
    found = warehouse.survey
    available = found.available
    queries: dict[str, sa.Select[Any]] = {}
    for name in (PERSON, EPISODES, LEGAL_STATUS):
        queries[name] = warehouse.select(name)
    for facet, name in (("adoption", ADOPTION), ("reviews", REVIEWS)):
        if facet in available:
            queries[name] = warehouse.select(name)
    if found.has(CARE_PLANS) and "plans" in available:
        queries[CARE_PLANS] = warehouse.select(CARE_PLANS)
    if found.has(PLACEMENTS):
        # The placeholder row (-1) stands for "no placement"; the SSD extract leaves it out the same way.
        queries[PLACEMENTS] = warehouse.select(PLACEMENTS, where=lambda table: table.c.FACT_CLA_PLACEMENT_ID != UNKNOWN)
    if "plans" in available:
        queries[ANSWERS] = _answers(warehouse, config)
    if "meetings" in available:
        queries[MEETINGS] = _meetings(warehouse, config.meeting_types)
    if "reviews" in available and found.has(MEETINGS) and found.has(SUBJECTS):
        queries[REVIEW_MEETINGS] = _review_meetings(warehouse)
    if "workers" in available:
        types = sorted(config.involvement_roles)

        def wanted(table: sa.FromClause) -> sa.ColumnElement[bool]:
            # -1 is "no worker": an involvement nobody holds allocates no one.
            return sa.and_(table.c.DIM_LOOKUP_INVOLVEMENT_TYPE_CODE.in_(types), table.c.DIM_WORKER_ID != UNKNOWN)

        queries[INVOLVEMENTS] = warehouse.select(INVOLVEMENTS, where=wanted)
        involvements = warehouse.table(INVOLVEMENTS)
        allocated = sa.select(involvements.c.DIM_WORKER_ID).where(wanted(involvements))
        queries[WORKERS] = warehouse.select(WORKERS, where=lambda table: table.c.DIM_WORKER_ID.in_(allocated))
    return queries


#: The name the review-and-meeting join is read under.
REVIEW_MEETINGS = "review meetings"


def fetch_all(
    warehouse: Warehouse, config: LiquidlogicConfig, progress: Callable[[int, int], None] | None = None
) -> Fetched:
    """Every table the warehouse has, filtered to the rows the adapter uses, in key order.

    The review-and-meeting join is read now; each table's rows are fetched when the assembly asks for
    them (:class:`TablesOnDemand`), so the connection must stay open until the records are built.
    """
    selects = queries(config, warehouse)
    joined = selects.pop(REVIEW_MEETINGS, None)
    review_meetings: dict[str, dict[str, Any]] = {}
    for row in [] if joined is None else warehouse.rows(joined):
        # A subject listed twice for one meeting repeats the review: the row with an outcome form is the review's.
        review_meetings.setdefault(to_key(row["FACT_CLA_REVIEW_ID"]) or "", row)
    rows = TablesOnDemand(selects, warehouse.rows, TABLES, progress)
    return Fetched(rows=rows, survey=warehouse.survey, review_meetings=review_meetings)


def _answers(warehouse: Warehouse, config: LiquidlogicConfig) -> sa.Select[Any]:
    """Permanence-plan answers with their form's person; an answer whose form is missing has no person."""
    answers, forms = warehouse.table(ANSWERS), warehouse.table(FORMS)
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


def _meetings(warehouse: Warehouse, types: Collection[str]) -> sa.Select[Any]:
    """One row per permanence meeting and subject person: the meeting's type, date and cancellation."""
    meetings, subjects = warehouse.table(MEETINGS), warehouse.table(SUBJECTS)
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


def _review_meetings(warehouse: Warehouse) -> sa.Select[Any]:
    """Per review: whether its meeting was cancelled and the child's outcome form (the review's record)."""
    reviews, meetings = warehouse.table(REVIEWS), warehouse.table(MEETINGS)
    subjects = warehouse.table(SUBJECTS)
    return (
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
        # A NULL outcome form last: DESC alone does that in SQL Server and SQLite but not in PostgreSQL,
        # and SQL Server has no NULLS LAST.
        .order_by(
            reviews.c.FACT_CLA_REVIEW_ID,
            sa.case((subjects.c.FACT_OUTCM_FORM_ID.is_(None), 1), else_=0),
            subjects.c.FACT_OUTCM_FORM_ID.desc(),
        )
    )
