"""The Mosaic warehouse tables the adapter reads: their real names, columns and keys, and the filtered queries.

Names and columns are those of the Mosaic data warehouse as the Standard Safeguarding Dataset's extract
SQL uses them (research/case_systems.md section 1.2). Workflow steps, their subjects and form answers
are filtered in the database to the council's configured step types and question codes: a national
warehouse holds every form of every person, and only a few questions of a few steps matter here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import sqlalchemy
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, TableClause

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows, fetch, require_tables
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


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@attrs.frozen
class Table:
    """A warehouse table: the columns read, the key that names a row, and the column naming the person."""

    name: str
    columns: tuple[str, ...] = attrs.field(converter=_names)
    keys: tuple[str, ...] = attrs.field(converter=_names)
    person: str | None = "person_id"


TABLES = {
    table.name: table
    for table in (
        Table(PERSONS, "person_id first_name last_name upn_id nhs_id date_of_birth gender", "person_id"),
        Table(PERIODS, "period_of_care_id person_id start_date end_date", "period_of_care_id"),
        Table(
            PLACEMENTS,
            "placement_id split_number person_id period_of_care_id start_date end_date placement_type"
            " reason_episode_ceased reason_for_placement_change",
            "placement_id split_number",
        ),
        Table(
            LEGAL_STATUSES,
            "legal_status_id person_id period_of_care_id legal_status start_date end_date is_respite_care",
            "legal_status_id",
        ),
        Table(
            NON_LA_LEGAL_STATUSES, "legal_status_id person_id legal_status_type start_date end_date", "legal_status_id"
        ),
        Table(
            STEPS,
            "workflow_step_id workflow_step_type_id subgroup_id step_status started_on",
            "workflow_step_id",
            person=None,
        ),
        Table(
            STEP_PEOPLE,
            "workflow_step_id person_id adoption_best_interest_date adoption_plan_date_ceased"
            " adoption_plan_reason_cat_code adoption_match_date",
            "workflow_step_id person_id",
        ),
        Table(
            SUBJECTS,
            "subgroup_id subject_compound_id subject_type_code",
            "subgroup_id subject_compound_id",
            person="subject_compound_id",
        ),
        Table(
            ANSWERS,
            "form_id workflow_step_id form_answer_row_id question_user_code text_answer date_answer"
            " subject_person_id subgroup_id mapping_id",
            "form_id form_answer_row_id mapping_id",
            person=None,
        ),
        Table(QUESTIONS, "mapping_id question_user_code", "mapping_id", person=None),
        Table(
            RELATIONSHIPS, "person_id other_person_id family_category start_date end_date", "person_id other_person_id"
        ),
        Table(ALLOCATIONS, "allocation_id person_id worker_id start_date end_date", "allocation_id"),
        Table(WORKERS, "worker_id full_name", "worker_id", person=None),
    )
}

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


Filter = Callable[[TableClause], ColumnElement[bool]]


def _table(name: str, schema: str | None) -> TableClause:
    return sqlalchemy.table(name, *(sqlalchemy.column(c) for c in TABLES[name].columns), schema=schema)


def _filters(config: MosaicConfig) -> dict[str, Filter]:
    """The WHERE clause of each filtered table, built on the table the query selects from."""
    schema = config.schema
    step_types = list(config.step_types.all())
    codes = list(config.questions.codes())

    def configured_steps() -> sqlalchemy.Select[Any]:
        steps = _table(STEPS, schema)
        return sqlalchemy.select(steps.c.workflow_step_id).where(steps.c.workflow_step_type_id.in_(step_types))

    def step_subgroups() -> sqlalchemy.Select[Any]:
        steps = _table(STEPS, schema)
        return sqlalchemy.select(steps.c.subgroup_id).where(steps.c.workflow_step_type_id.in_(step_types))

    def configured_questions() -> sqlalchemy.Select[Any]:
        questions = _table(QUESTIONS, schema)
        return sqlalchemy.select(questions.c.mapping_id).where(questions.c.question_user_code.in_(codes))

    # Only rows carrying an adoption date: the view has a row for every step of every person.
    adoption_columns = ("adoption_best_interest_date", "adoption_plan_date_ceased", "adoption_match_date")
    return {
        STEPS: lambda t: t.c.workflow_step_type_id.in_(step_types),
        SUBJECTS: lambda t: sqlalchemy.and_(
            t.c.subject_type_code == PERSON_SUBJECT, t.c.subgroup_id.in_(step_subgroups())
        ),
        # The question code is the mapping's (as the SSD joins it) or, failing that, the answer's own.
        ANSWERS: lambda t: sqlalchemy.and_(
            t.c.workflow_step_id.in_(configured_steps()),
            sqlalchemy.or_(t.c.mapping_id.in_(configured_questions()), t.c.question_user_code.in_(codes)),
        ),
        QUESTIONS: lambda t: t.c.question_user_code.in_(codes),
        STEP_PEOPLE: lambda t: sqlalchemy.or_(*(t.c[name].is_not(None) for name in adoption_columns)),
        RELATIONSHIPS: lambda t: t.c.family_category.in_(list(config.sibling_categories)),
    }


def tables_for(config: MosaicConfig) -> list[str]:
    """The tables a load reads: care, adoption, siblings and workers always; the rest when configured."""
    names = [PERSONS, PERIODS, PLACEMENTS, LEGAL_STATUSES, STEP_PEOPLE, RELATIONSHIPS, ALLOCATIONS, WORKERS]
    if config.step_types.all():
        names += [STEPS, SUBJECTS]
        if config.questions.codes():
            names += [ANSWERS, QUESTIONS]
    if config.order_types:
        names.append(NON_LA_LEGAL_STATUSES)
    return names


def read_tables(
    connection: Connection, config: MosaicConfig, progress: Callable[[int, int], None] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every needed table's rows in key order; InputError when a table or column is missing."""
    names = tables_for(config)
    require_tables(connection, names, config.schema)
    filters = _filters(config)
    found = {}
    for done, name in enumerate(names, start=1):
        table = TABLES[name]
        found[name] = fetch(
            connection, name, table.columns, schema=config.schema, order_by=table.keys, where=filters.get(name)
        )
        if progress is not None:
            progress(done, len(names))
    return found


def count_rows(tables: Iterable[list[dict[str, Any]]]) -> int:
    """Rows read across ``tables``."""
    return sum(len(rows) for rows in tables)
