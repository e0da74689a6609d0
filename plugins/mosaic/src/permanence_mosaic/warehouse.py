"""The Mosaic warehouse tables the adapter reads: their real names, columns and keys, and the filtered queries.

Names and columns are those of the Mosaic data warehouse as the Standard Safeguarding Dataset's extract
SQL uses them (research/case_systems.md section 1.2). Workflow steps, their subjects and form answers
are filtered in the database to the council's configured step types and question codes: a national
warehouse holds every form of every person, and only a few questions of a few steps matter here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement, FromClause

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows
from permanence_core.adapters.warehouse import Layout, TableSpec, Warehouse
from permanence_mosaic.config import MosaicConfig

PERSONS = "dm_persons"
PERIODS = "dm_periods_of_care"
PLACEMENTS = "dm_placements"
LEGAL_STATUSES = "dm_legal_statuses"
NON_LA_LEGAL_STATUSES = "dm_non_la_legal_statuses"
STEPS = "dm_workflow_steps"
STEP_PEOPLE = "dm_workflow_steps_people_vw"
SUBJECTS = "dm_subgroup_subjects"
ANSWERS = "dm_cached_form_answers"
QUESTIONS = "dm_cached_form_questions"
RELATIONSHIPS = "dm_personal_relationships"
ALLOCATIONS = "dm_allocated_workers"
WORKERS = "dm_workers"

#: dm_subgroup_subjects rows that are people (the others are organisations and groups).
PERSON_SUBJECT = "PER"


TABLES = {
    table.name: table
    for table in (
        TableSpec(
            PERSONS, "person_id first_name last_name upn_id nhs_id date_of_birth gender", "person_id", "person_id"
        ),
        TableSpec(PERIODS, "period_of_care_id person_id start_date end_date", "period_of_care_id", "person_id"),
        TableSpec(
            PLACEMENTS,
            "placement_id split_number person_id period_of_care_id start_date end_date placement_type"
            " reason_episode_ceased reason_for_placement_change",
            "placement_id split_number",
            "person_id",
        ),
        TableSpec(
            LEGAL_STATUSES,
            "legal_status_id person_id period_of_care_id legal_status start_date end_date is_respite_care",
            "legal_status_id",
            "person_id",
        ),
        TableSpec(
            NON_LA_LEGAL_STATUSES,
            "legal_status_id person_id legal_status_type start_date end_date",
            "legal_status_id",
            "person_id",
        ),
        TableSpec(
            STEPS, "workflow_step_id workflow_step_type_id subgroup_id step_status started_on", "workflow_step_id"
        ),
        TableSpec(
            STEP_PEOPLE,
            "workflow_step_id person_id adoption_best_interest_date adoption_plan_date_ceased"
            " adoption_plan_reason_cat_code adoption_match_date",
            "workflow_step_id person_id",
            "person_id",
        ),
        TableSpec(
            SUBJECTS,
            "subgroup_id subject_compound_id subject_type_code",
            "subgroup_id subject_compound_id",
            "subject_compound_id",
        ),
        TableSpec(
            ANSWERS,
            "form_id workflow_step_id form_answer_row_id question_user_code text_answer date_answer"
            " subject_person_id subgroup_id mapping_id",
            "form_id form_answer_row_id mapping_id",
        ),
        TableSpec(QUESTIONS, "mapping_id question_user_code", "mapping_id"),
        TableSpec(
            RELATIONSHIPS,
            "person_id other_person_id family_category start_date end_date",
            "person_id other_person_id",
            "person_id",
        ),
        # No public source shows an allocation id: an allocation is named by its person, worker and start.
        TableSpec(
            ALLOCATIONS, "person_id worker_id start_date end_date", "person_id worker_id start_date", "person_id"
        ),
        TableSpec(WORKERS, "worker_id full_name", "worker_id"),
    )
}

_STEP_COLUMNS = ("workflow_step_id", "workflow_step_type_id", "subgroup_id", "step_status", "started_on")
_SUBJECT_COLUMNS = TABLES[SUBJECTS].columns


def layout(config: MosaicConfig) -> Layout:
    """Per facet, the tables and columns it needs; the facets the council has not configured need nothing.

    Columns no facet needs (UPN, NHS number, date of birth, gender, a worker's name, a placement's change
    reason, the respite flag) are detail: a warehouse without them loads with them empty.
    """
    steps = {STEPS: _STEP_COLUMNS, SUBJECTS: _SUBJECT_COLUMNS}
    needs: dict[str, dict[str, tuple[str, ...]]] = {
        "identity": {PERSONS: ("person_id",)},
        "names": {PERSONS: ("first_name", "last_name")},
        "care": {
            PERIODS: TABLES[PERIODS].columns,
            PLACEMENTS: tuple(c for c in TABLES[PLACEMENTS].columns if c != "reason_for_placement_change"),
            LEGAL_STATUSES: tuple(c for c in TABLES[LEGAL_STATUSES].columns if c != "is_respite_care"),
        },
        "adoption": {STEP_PEOPLE: TABLES[STEP_PEOPLE].columns},
        "siblings": {RELATIONSHIPS: TABLES[RELATIONSHIPS].columns},
        "workers": {ALLOCATIONS: TABLES[ALLOCATIONS].columns, WORKERS: ("worker_id",)},
    }
    answers = {ANSWERS: TABLES[ANSWERS].columns, QUESTIONS: TABLES[QUESTIONS].columns}
    questions = config.questions
    # A review or meeting held on another day than its step started says so in a form answer; the
    # referral and minutes dates are answers too. Configured, they cannot be read without the answers.
    if config.step_types.cla_review:
        needs["reviews"] = {**steps, **(answers if questions.meeting_date else {})}
    if config.step_types.meeting_kinds():
        dated = questions.meeting_date or questions.referral_received or questions.minutes_issued
        needs["meetings"] = {**steps, **(answers if dated else {})}
    if config.step_types.all() and questions.plan:
        needs["plans"] = {**steps, **answers}
        if config.order_types:
            needs["plans"][NON_LA_LEGAL_STATUSES] = TABLES[NON_LA_LEGAL_STATUSES].columns
    used = {name for need in needs.values() for name in need}
    return Layout(tables={name: spec for name, spec in TABLES.items() if name in used}, needs=needs)


#: Model attribute names to the Mosaic columns they come from, so a rejection names the column.
MODEL_COLUMNS = {
    "start": "start_date",
    "end": "end_date",
    "code": "legal_status",
    "reason_change": "reason_for_placement_change",
    "reason_ceased": "reason_episode_ceased",
    "nhs_number": "nhs_id",
    "upn": "upn_id",
}


def table_rows(table: str, rows: list[dict[str, Any]], rejected: list[Rejection]) -> TableRows:
    """``rows`` of warehouse ``table``, reporting into ``rejected``."""
    spec = TABLES[table]
    return TableRows(table, rows, keys=spec.keys, person=spec.person, rejected=rejected, columns=MODEL_COLUMNS)


Filter = Callable[[FromClause], ColumnElement[bool]]


def _filters(config: MosaicConfig, warehouse: Warehouse) -> dict[str, Filter]:
    """The WHERE clause of each filtered table, built on the table the query selects from."""
    step_types = list(config.step_types.all())
    codes = list(config.questions.codes())

    def configured_steps() -> sa.Select[Any]:
        steps = warehouse.table(STEPS)
        return sa.select(steps.c.workflow_step_id).where(steps.c.workflow_step_type_id.in_(step_types))

    def step_subgroups() -> sa.Select[Any]:
        steps = warehouse.table(STEPS)
        return sa.select(steps.c.subgroup_id).where(steps.c.workflow_step_type_id.in_(step_types))

    def configured_questions() -> sa.Select[Any]:
        questions = warehouse.table(QUESTIONS)
        return sa.select(questions.c.mapping_id).where(questions.c.question_user_code.in_(codes))

    # Only rows carrying an adoption date: the view has a row for every step of every person.
    adoption_columns = ("adoption_best_interest_date", "adoption_plan_date_ceased", "adoption_match_date")
    return {
        STEPS: lambda t: t.c.workflow_step_type_id.in_(step_types),
        SUBJECTS: lambda t: sa.and_(t.c.subject_type_code == PERSON_SUBJECT, t.c.subgroup_id.in_(step_subgroups())),
        # The question code is the mapping's (as the SSD joins it) or, failing that, the answer's own.
        ANSWERS: lambda t: sa.and_(
            t.c.workflow_step_id.in_(configured_steps()),
            sa.or_(t.c.mapping_id.in_(configured_questions()), t.c.question_user_code.in_(codes)),
        ),
        QUESTIONS: lambda t: t.c.question_user_code.in_(codes),
        STEP_PEOPLE: lambda t: sa.or_(*(t.c[name].is_not(None) for name in adoption_columns)),
        RELATIONSHIPS: lambda t: t.c.family_category.in_(list(config.sibling_categories)),
    }


def queries(config: MosaicConfig, warehouse: Warehouse) -> dict[str, sa.Select[Any]]:
    """The query of each table the facets available and configured need, in reading order."""
    found = warehouse.survey
    wanted = {name for facet in found.available for name in found.layout.needs[facet]}
    filters = _filters(config, warehouse)
    return {name: warehouse.select(name, where=filters.get(name)) for name in TABLES if name in wanted}


def count_rows(tables: Iterable[list[dict[str, Any]]]) -> int:
    """Rows read across ``tables``."""
    return sum(len(rows) for rows in tables)
