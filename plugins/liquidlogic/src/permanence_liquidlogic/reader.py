"""Reads the Liquidlogic reporting warehouse (``HDM.Child_Social``) into CaseRecords.

The reading is split by concept (persons, care, adoption, plans, meetings, reviews, workers); this module
fetches the tables, runs each concept over them and assembles one CaseRecord per looked-after child, with
coverage naming the facets the warehouse supplied. Every row that cannot be used becomes a Rejection
naming the table, the row's key and position, the child, the column and the reason; the rest still loads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping

import attrs

from permanence_core.adapters import LoadResult, Rejection
from permanence_core.adapters.database import collector_paused, connect, source_of
from permanence_core.adapters.warehouse import Warehouse, survey
from permanence_core.model import AdoptionMilestones, CaseRecord, Facet
from permanence_liquidlogic.adoption import read_adoption
from permanence_liquidlogic.care import read_care
from permanence_liquidlogic.config import PASSWORD_ENV, LiquidlogicConfig
from permanence_liquidlogic.meetings import MeetingFacts, read_meetings
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.plans import read_plans
from permanence_liquidlogic.reviews import ReviewFacts, read_reviews
from permanence_liquidlogic.tables import (
    ADOPTION,
    ANSWERS,
    CARE_PLANS,
    INVOLVEMENTS,
    MEETINGS,
    PERSON,
    REVIEWS,
    WORKERS,
    Fetched,
    fetch_all,
    layout,
    table_rows,
)
from permanence_liquidlogic.workers import read_workers

log = logging.getLogger(__name__)


def read(
    source: str,
    config: LiquidlogicConfig,
    facets: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Load every looked-after child from the warehouse at database URL ``source``.

    ``facets`` narrows the load to what the caller needs (None: every facet, as documents need); a facet
    not read is in no child's coverage. ``progress`` is called with (tables read, tables to read).
    """
    with collector_paused():
        with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
            found = survey(connection, layout(config).only(facets), config.schema, config.columns)
            found.require(source_of(connection))
            # Each table is fetched as the assembly reaches it and dropped after: rows never all live at once.
            fetched = fetch_all(Warehouse(connection, found), config, progress)
            result = assemble(fetched, config, layout(config).left_out(facets))
        for table, count in fetched.counts.items():
            log.debug("read %d rows from %s", count, table)
    log.info("liquidlogic load: %s", result.summary())
    return result


#: The model facets this adapter can supply.
_FACETS = (Facet.REVIEWS, Facet.ADOPTION, Facet.PLANS, Facet.MEETINGS, Facet.WORKERS)


def coverage_of(fetched: Fetched, config: LiquidlogicConfig, notices: list[str]) -> frozenset[Facet]:
    """CARE, and each facet whose tables and columns the warehouse has and whose codes the configuration gives."""
    for warning in fetched.survey.warnings():
        log.warning("liquidlogic: %s", warning)
        notices.append(warning)
    unconfigured = {
        Facet.MEETINGS: (bool(config.meeting_types), "no meeting type codes (ppm_meeting_types) are configured"),
        Facet.PLANS: (bool(config.answer_map), "answer_map is empty"),
        Facet.WORKERS: (bool(config.involvement_roles), "involvement_roles is empty"),
    }
    for facet, (configured, why) in unconfigured.items():
        if not configured:
            notices.append(f"{facet.value} not read: {why}")
    return frozenset({Facet.CARE} | {facet for facet in _FACETS if fetched.covers(facet)})


def assemble(fetched: Fetched, config: LiquidlogicConfig, left_out: Collection[str] = ()) -> LoadResult:
    """One CaseRecord per looked-after person, from the rows read; ``left_out``: facets the caller did not want."""
    notices: list[str] = []
    coverage = coverage_of(fetched, config, notices)
    if left_out:
        notices.append(f"only the facets needed were read; not loaded: {', '.join(left_out)}")
    built = build(fetched, config, coverage)
    notices.extend(counted(built.merged, built.not_in_care, built.cancelled, built.superseded))
    return LoadResult(records=built.records, rejected=built.rejected, read=fetched.read, notices=notices)


def counted(merged: int, not_in_care: int, cancelled: int, superseded: int) -> list[str]:
    """The load's notices of rows left out on purpose, by what they are."""
    notices = []
    if merged:
        notices.append(f"{merged} {PERSON} rows are marked duplicated (DUPLICATED_DTTM) and were skipped")
    if not_in_care:
        notices.append(f"{not_in_care} people in {PERSON} have no care episodes and are not looked after")
    if cancelled:
        notices.append(f"{cancelled} cancelled permanence meetings were left out")
    if superseded:
        notices.append(f"{superseded} children have several {ADOPTION} rows; the latest (START_DTTM) was used")
    return notices


@attrs.frozen
class Built:
    """The records of a load, its rejections (naming children by case id) and what it left out on purpose."""

    records: list[CaseRecord]
    #: Each record's person (DIM_PERSON_ID).
    persons: list[str]
    rejected: list[Rejection]
    merged: int
    not_in_care: int
    cancelled: int
    superseded: int


def build(
    fetched: Fetched,
    config: LiquidlogicConfig,
    coverage: frozenset[Facet],
    outcome_forms: Mapping[str, dt.date] | None = None,
) -> Built:
    """The records of every looked-after person in ``fetched``; ``outcome_forms`` (the held review each outcome
    form records) replaces the one the reviews read here give, when the caller read the reviews of more people."""
    rejected: list[Rejection] = []
    rows = fetched.rows
    columns = {"upn": "UPN", "case_id": config.person_id_field}
    people = People(table_rows(PERSON, rows[PERSON], rejected, columns), config.person_id_field)
    care = read_care(rows, people, config, rejected)
    reviews = ReviewFacts(reviews={}, outcome_forms={})
    if Facet.REVIEWS in coverage:
        reviews = read_reviews(rows[REVIEWS], fetched.review_meetings, people, rejected)
    adoption: dict[str, AdoptionMilestones] = {}
    superseded = 0
    if Facet.ADOPTION in coverage:
        adoption, superseded = read_adoption(rows[ADOPTION], people, care, rejected)
    plans = {}
    if Facet.PLANS in coverage:
        forms = reviews.outcome_forms if outcome_forms is None else dict(outcome_forms)
        plans = read_plans(rows[ANSWERS], rows.get(CARE_PLANS, []), forms, people, config, rejected)
    meetings = MeetingFacts(by_person={}, cancelled=0)
    if Facet.MEETINGS in coverage:
        meetings = read_meetings(rows[MEETINGS], people, config, rejected)
    workers = {}
    if Facet.WORKERS in coverage:
        workers = read_workers(rows[INVOLVEMENTS], rows[WORKERS], people, config, rejected)

    children = {}
    taken: set[str] = set()
    not_in_care = 0
    for person_id in people.people:
        if person_id not in care.periods:
            if person_id in care.legal_statuses:
                people.reject(
                    person_id,
                    "has legal statuses but no usable care episode in FACT_CARE_EPISODES; not loaded",
                    field="FACT_CLA_ID",
                )
            else:
                # DIM_PERSON holds every client of children's services, not only children in care.
                not_in_care += 1
            continue
        child = people.child(person_id, taken)
        if child is not None:
            children[person_id] = child
    case_ids = {person_id: child.child_id for person_id, child in children.items()}
    records = [
        CaseRecord(
            child=child,
            coverage=coverage,
            periods_of_care=care.periods[person_id],
            legal_statuses=care.legal_statuses.get(person_id, ()),
            placements=care.placements.get(person_id, ()),
            reviews=reviews.reviews.get(person_id, ()),
            adoption=adoption.get(person_id),
            plans=plans.get(person_id, ()),
            meetings=[meeting.build(case_ids) for meeting in meetings.by_person.get(person_id, ())],
            workers=workers.get(person_id, ()),
        )
        for person_id, child in children.items()
    ]
    return Built(
        records=records,
        persons=list(children),
        rejected=[people.named(r) for r in rejected],
        merged=len(people.merged),
        not_in_care=not_in_care,
        cancelled=meetings.cancelled,
        superseded=superseded,
    )
