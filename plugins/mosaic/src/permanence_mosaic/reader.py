"""Reads the Mosaic reporting warehouse (``dm_*`` tables) into CaseRecords.

What a record covers follows what the warehouse supplies and the council configured: care, adoption,
siblings and workers always; CLA reviews, permanence meetings and plans once their step types and
question codes are in ``[mosaic]``. Every row that cannot be used becomes a Rejection naming the table,
the row's key and its position in key order, the child, the column and the reason; the rest still loads.
Rows that are simply not about a looked-after child (parents, carers, other steps) are counted in notices.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from permanence_core.adapters import LoadResult, Rejection
from permanence_core.adapters.database import collector_paused, connect, source_of
from permanence_core.adapters.warehouse import TablesOnDemand, Warehouse, survey
from permanence_core.model import CaseRecord, Facet, Meeting, Review
from permanence_mosaic.adoption import milestones, read_journeys
from permanence_mosaic.care import not_in_care_notice, read_care
from permanence_mosaic.completed import apply_completed_forms
from permanence_mosaic.config import PASSWORD_ENV, MosaicConfig
from permanence_mosaic.forms import read_answers
from permanence_mosaic.orders import read_orders
from permanence_mosaic.persons import People
from permanence_mosaic.plans import PlanReader
from permanence_mosaic.relationships import ended_notice, read_siblings
from permanence_mosaic.warehouse import PERSONS, TABLES, count_rows, layout, queries
from permanence_mosaic.workers import read_workers
from permanence_mosaic.workflow import read_steps, reviews_and_meetings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def read(
    source: str, config: MosaicConfig, progress: Progress | None = None, facets: Collection[str] | None = None
) -> LoadResult:
    """Load every looked-after child from the warehouse at database URL ``source``.

    ``progress`` is called with (tables read, tables to read) as the load goes. ``facets`` narrows the load
    to what the caller needs (None: every facet, as documents need); a facet not read is in no coverage.
    """
    with collector_paused():
        with opened(source, config, facets) as (warehouse, warnings):
            # Each table is fetched as the build reaches it and dropped after: rows never all live at once.
            tables = TablesOnDemand(queries(config, warehouse), warehouse.rows, TABLES, progress)
            result = build(tables, config, warehouse.survey.available, warnings)
        for table, count in tables.counts.items():
            log.debug("read %d rows from %s", count, table)
    log.info("mosaic load: %s", result.summary())
    return result


@contextmanager
def opened(source: str, config: MosaicConfig, facets: Collection[str] | None) -> Iterator[tuple[Warehouse, list[str]]]:
    """The surveyed warehouse at ``source`` narrowed to ``facets``, and the warnings a load begins its notices with."""
    with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, layout(config).only(facets), config.schema, config.columns)
        found.require(source_of(connection))
        warnings = found.warnings()
        for warning in warnings:
            log.warning("mosaic: %s", warning)
        left_out = layout(config).left_out(facets)
        if left_out:
            warnings.append(f"only the facets needed were read; not loaded: {', '.join(left_out)}")
        yield Warehouse(connection, found), warnings


def coverage(config: MosaicConfig, available: frozenset[str] | None = None) -> frozenset[Facet]:
    """The facets every record covers: those configured whose tables and columns the warehouse has."""
    needs = layout(config).needs
    return frozenset(
        Facet(facet)
        for facet in needs
        if facet in {f.value for f in Facet} and (available is None or facet in available)
    )


def build(
    tables: Mapping[str, list[dict[str, Any]]],
    config: MosaicConfig,
    available: frozenset[str] | None = None,
    warnings: list[str] | None = None,
) -> LoadResult:
    """The load result from the tables' rows; ``available`` are the facets the warehouse supplies."""
    return built(tables, config, available, warnings).result


@attrs.frozen
class Built:
    """A build's load result, with the counts behind its notices and each child's orders, for a reader that
    builds some children this way and the rest another (the fast path's fallback, :mod:`.cohort`)."""

    result: LoadResult
    not_in_care: int
    ended_siblings: int
    orders: Mapping[str, list[tuple[str, dt.date]]]


def built(
    tables: Mapping[str, list[dict[str, Any]]],
    config: MosaicConfig,
    available: frozenset[str] | None = None,
    warnings: list[str] | None = None,
) -> Built:
    """:func:`build`, with the counts and orders kept apart."""
    rejected: list[Rejection] = []
    people = People(tables[PERSONS], rejected)
    care = read_care(tables, people, rejected)
    children = care.periods
    notices = not_in_care_notice(care.not_in_care)
    journeys = read_journeys(tables, children, rejected)
    siblings, ended = read_siblings(tables, people, care, rejected)
    workers = read_workers(tables, config.worker_role, children, rejected)
    orders = read_orders(tables, config.order_types, children, rejected)
    reviews: dict[str, list[Review]] = {}
    meetings: dict[str, list[Meeting]] = {}
    plans = None
    facets = coverage(config, available)
    if facets & {Facet.REVIEWS, Facet.MEETINGS, Facet.PLANS}:
        steps = read_steps(tables, children, rejected)
        # Answers date reviews and meetings as well as holding plans; a table not read is empty here.
        answers, answer_notices = read_answers(tables, config.questions, steps, rejected)
        dates = answers.step_dates() if answers else {}
        reviews, meetings, step_notices = reviews_and_meetings(steps, config.step_types, dates)
        reviews = reviews if Facet.REVIEWS in facets else {}
        meetings = meetings if Facet.MEETINGS in facets else {}
        notices += step_notices + answer_notices
        if Facet.PLANS in facets:
            plans = PlanReader(answers, steps, config.step_types, dates, config.plan_answers)
    records: dict[str, CaseRecord] = {}
    for child_id, periods in children.items():
        child_plans, decided = plans.plans(child_id, periods, orders.get(child_id, ())) if plans else ([], None)
        records[child_id] = CaseRecord(
            child=people.child(child_id),
            coverage=facets,
            periods_of_care=periods,
            placements=care.placements[child_id],
            legal_statuses=care.legal_statuses[child_id],
            adoption=milestones(
                journeys.get(child_id), periods, care.legal_statuses[child_id], care.placements[child_id]
            ),
            siblings=siblings.get(child_id, ()),
            workers=workers.get(child_id, ()),
            reviews=reviews.get(child_id, ()),
            meetings=meetings.get(child_id, ()),
            plans=child_plans,
            permanence_decision_date=decided,
        )
    notices += ended_notice(ended) + (plans.notices() if plans else [])
    if config.documents.completed_forms is not None:
        _applied, form_notices = apply_completed_forms(records, config.documents.completed_forms, rejected)
        notices += form_notices
    notices = list(warnings or []) + notices
    read = tables.read if isinstance(tables, TablesOnDemand) else count_rows(tables.values())
    result = LoadResult(records=records.values(), rejected=rejected, read=read, notices=notices)
    return Built(result=result, not_in_care=care.not_in_care, ended_siblings=ended, orders=orders)
