"""The Mosaic warehouse read straight into cohort tables, equal to the object reader's, without building records.

The same queries as a load fetch each table into polars columns; periods of care, legal statuses and adoption
milestones are derived here, reviews, meetings and plans in :mod:`.cohort_steps`, all with column expressions.
Every value is checked the object reader's way, one distinct value at a time, by its own converters and model
validators (:mod:`.columns`: ``to_key``, ``to_date``, ``PlacementSpell``…).

A warehouse with any row the object reader would reject, or that reads completed forms, is read whole by the object
reader (``cohort_from_records(read(...))``): its rejections and notices are then exactly the object load's. Clean
warehouses take the fast path; a messy one is as slow as before, and still right.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from permanence_core import codes
from permanence_core.adapters.base import CohortLoad
from permanence_core.adapters.database import collector_paused, row_batches
from permanence_core.adapters.distinct_checks import outcomes
from permanence_core.adapters.warehouse import Warehouse
from permanence_core.cohort import SCHEMAS, Cohort, cohort_from_records
from permanence_core.errors import ModelValueError
from permanence_core.model import (
    Facet,
    Identifiers,
    LegalStatusSpell,
    PlacementSpell,
)
from permanence_mosaic.adoption import ADOPTED, PLACEMENT_ORDER
from permanence_mosaic.cohort_steps import Workflow, read_workflow
from permanence_mosaic.columns import Unclean, dates, keys, require, texts, unique, valid
from permanence_mosaic.config import MosaicConfig
from permanence_mosaic.persons import SEX
from permanence_mosaic.reader import coverage, opened, read
from permanence_mosaic.warehouse import (
    ALLOCATIONS,
    ANSWERS,
    LEGAL_STATUSES,
    NON_LA_LEGAL_STATUSES,
    PERIODS,
    PERSONS,
    PLACEMENTS,
    QUESTIONS,
    RELATIONSHIPS,
    STEP_PEOPLE,
    STEPS,
    SUBJECTS,
    TABLES,
    WORKERS,
    queries,
)

log = logging.getLogger(__name__)

#: The tables read here; the workflow tables (read when reviews, meetings or plans are) in cohort_steps.
COLUMNAR = (PERSONS, PERIODS, PLACEMENTS, LEGAL_STATUSES, STEP_PEOPLE, RELATIONSHIPS, WORKERS, ALLOCATIONS)
WORKFLOW = (STEPS, SUBJECTS, QUESTIONS, ANSWERS)
# A day any date validator accepts, to check one coded field of a model object at a time.
_SOME_DAY = dt.date(2000, 1, 1)
_RESPITE = ("Y", "y", "1")


def read_cohort(source: str, config: MosaicConfig, facets: Collection[str] | None = None) -> MosaicCohortLoad:
    """Read the warehouse at ``source`` as ``read`` would, into a Cohort (``facets`` as ``read``'s).

    The cohort, rejections, rows read and notices equal ``cohort_from_records(read(...).records)`` and that
    load's account.
    """
    if config.documents.completed_forms is None:
        with collector_paused(), opened(source, config, facets) as (warehouse, warnings):
            try:
                return _read(warehouse, config, warnings)
            except Unclean as exc:
                log.info("mosaic: %s; the object reader reads the warehouse", exc)
    loaded = read(source, config, facets=facets)
    return MosaicCohortLoad(
        cohort=cohort_from_records(loaded.records),
        rejected=loaded.rejected,
        read=loaded.read,
        notices=loaded.notices,
        by_object_reader=True,
    )


def _read(warehouse: Warehouse, config: MosaicConfig, warnings: list[str]) -> MosaicCohortLoad:
    available = warehouse.survey.available
    facets = coverage(config, available)
    wanted = queries(config, warehouse)
    workflow = bool(facets & {Facet.REVIEWS, Facet.MEETINGS, Facet.PLANS})
    # As the object reader: the orders table is read only when the council maps order types.
    asked = {*COLUMNAR, *(WORKFLOW if workflow else ()), *((NON_LA_LEGAL_STATUSES,) if config.order_types else ())}
    read_counts: dict[str, int] = {}

    def frame(name: str) -> pl.DataFrame:
        query = wanted.get(name) if name in asked else None
        found = _empty(name) if query is None else _fetch(warehouse, query, name)
        if query is not None:
            read_counts[name] = found.height
        return found

    people = _people(frame(PERSONS))
    care = _Care(frame(PERIODS), frame(PLACEMENTS), frame(LEGAL_STATUSES), people)
    children = care.children
    _check_identity(people.filter(pl.col("id").is_in(children["child_id"].implode())))
    journeys = _journeys(frame(STEP_PEOPLE), children)
    ended, siblings = _siblings(frame(RELATIONSHIPS), people, children)
    # Dates of birth are read for the children and their siblings only (dm_persons holds every client).
    dates(
        people.filter(pl.col("id").is_in(pl.concat([children["child_id"], siblings]).implode())),
        PERSONS,
        "date_of_birth",
    )
    _workers(frame(WORKERS), frame(ALLOCATIONS), children)
    orders = _orders(frame(NON_LA_LEGAL_STATUSES), children, config.order_types)
    notices = [f"{care.not_in_care} people in {PERSONS} have no care records and are not looked after"]
    notices = notices if care.not_in_care else []
    empty = Workflow.empty()
    flow = empty
    if workflow:
        periods = care.periods_table()
        flow = read_workflow({name: frame(name) for name in WORKFLOW}, config, children["child_id"], periods, orders)
        notices += flow.notices
    notices += [f"{ended} sibling relationships in {RELATIONSHIPS} have ended and were not read"] if ended else []
    plans = flow if Facet.PLANS in facets else empty
    notices += plans.plan_notices
    rank = children.with_row_index("_rank")
    cohort = Cohort(
        children=_children_table(children, care, journeys, plans.decided, facets),
        periods=care.periods_table(),
        legal_statuses=care.legal_table(),
        reviews=_in_order(rank, (flow if Facet.REVIEWS in facets else empty).reviews, "reviews"),
        meetings=_in_order(rank, (flow if Facet.MEETINGS in facets else empty).meetings, "meetings"),
        plans=_in_order(rank, plans.plans, "plans"),
        plan_history=_in_order(rank, plans.history, "plan_history"),
    )
    return MosaicCohortLoad(cohort=cohort, read=sum(read_counts.values()), notices=[*warnings, *notices])


def _fetch(warehouse: Warehouse, query: sa.Select[Any], name: str) -> pl.DataFrame:
    """The rows of ``query`` as a frame of the table's columns, each as the driver gave it."""
    assert warehouse.connection is not None  # a surveyed warehouse is connected
    result = warehouse.connection.execute(query)
    names = list(result.keys())
    rows = [row for batch in row_batches(result) for row in batch]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    try:
        return pl.DataFrame(
            [pl.Series(column, values, strict=True) for column, values in zip(names, columns, strict=True)]
        )
    except (TypeError, pl.exceptions.PolarsError) as exc:
        raise Unclean(f"{name} holds values of mixed types") from exc


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=dict.fromkeys(TABLES[name].columns, pl.Null()))


def _people(frame: pl.DataFrame) -> pl.DataFrame:
    """dm_persons: ids checked, in key order (the children's order)."""
    frame = texts(keys(frame, PERSONS, "person_id"), PERSONS, "gender", "nhs_id", "upn_id")
    unique(frame, PERSONS)
    return frame.rename({"person_id": "id"})


def _check_identity(children: pl.DataFrame) -> None:
    """``People.child``'s rejections: an identifier the model refuses, a gender that is not M, F or U."""
    gender = children["gender"].drop_nulls().str.to_uppercase()
    require(gender.is_in(list(SEX)).all(), PERSONS, "a gender that is not a Mosaic gender code")
    for case_id, nhs, upn in children.select("id", "nhs_id", "upn_id").iter_rows():
        try:
            Identifiers(case_id=case_id, nhs_number=nhs, upn=upn)
        except ModelValueError as exc:
            raise Unclean(f"{PERSONS} has an identifier the model refuses") from exc


def _known(frame: pl.DataFrame, people: pl.DataFrame, table: str, column: str = "person_id") -> None:
    require(frame[column].is_in(people["id"].implode()).all(), table, f"a {column} not in {PERSONS}")


def _ordered(frame: pl.DataFrame, table: str) -> None:
    require(not (frame["end_date"] < frame["start_date"]).any(), table, "an end before its start")


@attrs.frozen(kw_only=True)
class MosaicCohortLoad(CohortLoad):
    """A cohort load, and whether the object reader read the warehouse (a row it would reject was found)."""

    by_object_reader: bool = False


class _Care:
    """dm_periods_of_care, dm_placements and dm_legal_statuses checked as ``read_care`` does, and the children."""

    def __init__(
        self, periods: pl.DataFrame, placements: pl.DataFrame, legal: pl.DataFrame, people: pl.DataFrame
    ) -> None:
        periods = dates(keys(periods, PERIODS, "period_of_care_id", "person_id"), PERIODS, "start_date", "end_date")
        unique(periods, PERIODS, "person_id")
        _known(periods, people, PERIODS)
        require(periods["start_date"].null_count() == 0, PERIODS, "a period without a start")
        _ordered(periods, PERIODS)
        placements = keys(placements, PLACEMENTS, "placement_id", "split_number", "person_id", "period_of_care_id")
        placements = dates(placements, PLACEMENTS, "start_date", "end_date")
        placements = texts(
            placements, PLACEMENTS, "placement_type", "reason_episode_ceased", "reason_for_placement_change"
        )
        unique(placements, PLACEMENTS, "person_id")
        _known(placements, people, PLACEMENTS)
        ceased = placements["reason_episode_ceased"].drop_nulls()
        require(ceased.is_in(list(codes.REASON_EPISODE_CEASED)).all(), PLACEMENTS, "a reason that is not a code")
        require(placements["start_date"].null_count() == 0, PLACEMENTS, "a placement without a start")
        _ordered(placements, PLACEMENTS)
        valid(placements["placement_type"], lambda v: PlacementSpell(placement_type=v, start=_SOME_DAY), PLACEMENTS)
        valid(
            placements["reason_for_placement_change"],
            lambda v: PlacementSpell(placement_type=None, start=_SOME_DAY, reason_change=v),
            PLACEMENTS,
        )
        legal = keys(legal, LEGAL_STATUSES, "legal_status_id", "person_id", "period_of_care_id")
        legal = texts(
            dates(legal, LEGAL_STATUSES, "start_date", "end_date"), LEGAL_STATUSES, "legal_status", "is_respite_care"
        )
        unique(legal, LEGAL_STATUSES, "person_id")
        _known(legal, people, LEGAL_STATUSES)
        require(legal["start_date"].null_count() == 0, LEGAL_STATUSES, "a status without a start")
        require(legal["legal_status"].null_count() == 0, LEGAL_STATUSES, "a status without a code")
        _ordered(legal, LEGAL_STATUSES)
        valid(legal["legal_status"], lambda v: LegalStatusSpell(code=v, start=_SOME_DAY), LEGAL_STATUSES)
        in_care = periods["person_id"].unique().implode()
        cared_for = pl.concat([placements["person_id"], legal["person_id"]]).unique()
        require(cared_for.is_in(in_care).all(), PERSONS, "care records without a period of care")
        ranked = people.select(pl.col("id").alias("child_id")).with_row_index("_rank")
        self.children = ranked.filter(pl.col("child_id").is_in(in_care)).drop("_rank")
        self.not_in_care = people.height - self.children.height
        # The reason a period ended is its last-ending placement's (the later row on a tie).
        endings = (
            placements.with_row_index("_row")
            .filter(pl.all_horizontal(pl.col("period_of_care_id", "end_date", "reason_episode_ceased").is_not_null()))
            .sort("end_date", "_row")
            .group_by("period_of_care_id")
            .agg(pl.col("reason_episode_ceased").last().alias("_ending"))
        )
        respite = pl.col("is_respite_care").is_in(list(_RESPITE)) | pl.col("legal_status").is_in(
            list(codes.SHORT_BREAK_LEGAL_STATUSES)
        )
        short = (
            legal.filter(pl.col("period_of_care_id").is_not_null())
            .group_by("period_of_care_id")
            .agg(respite.fill_null(False).all().alias("_short"))
        )
        rank = ranked.rename({"child_id": "person_id"})
        self.periods = (
            periods.join(endings, on="period_of_care_id", how="left", maintain_order="left")
            .join(short, on="period_of_care_id", how="left", maintain_order="left")
            .join(rank, on="person_id", how="left", maintain_order="left")
            .sort("_rank", "start_date", maintain_order=True)
            .select(
                pl.col("person_id").alias("child_id"),
                pl.col("start_date").alias("start"),
                pl.col("end_date").alias("end"),
                pl.when(pl.col("end_date").is_not_null()).then(pl.col("_ending")).alias("reason_ceased"),
                pl.col("_short").fill_null(False).alias("short_break"),
            )
        )
        self.legal = legal.join(rank, on="person_id", how="left", maintain_order="left").sort(
            "_rank", "start_date", maintain_order=True
        )
        self.placements = placements

    def periods_table(self) -> pl.DataFrame:
        return (
            self.periods.with_columns(outcomes(self.periods["reason_ceased"]).alias("outcome"))
            .select(*SCHEMAS["periods"])
            .cast(pl.Schema(SCHEMAS["periods"]))
        )

    def legal_table(self) -> pl.DataFrame:
        return self.legal.select(
            pl.col("person_id").alias("child_id"),
            pl.col("legal_status").alias("code"),
            pl.col("start_date").alias("start"),
            pl.col("end_date").alias("end"),
        ).cast(pl.Schema(SCHEMAS["legal_statuses"]))


def _journeys(frame: pl.DataFrame, children: pl.DataFrame) -> pl.DataFrame:
    """Per child: the latest adoption decision, and the first match and reversal from it (``read_journeys``)."""
    frame = keys(frame, STEP_PEOPLE, "workflow_step_id", "person_id")
    unique(frame, STEP_PEOPLE, "person_id")
    days = ("adoption_best_interest_date", "adoption_match_date", "adoption_plan_date_ceased")
    frame = frame.filter(pl.col("person_id").is_in(children["child_id"].implode()))
    frame = texts(dates(frame, STEP_PEOPLE, *days), STEP_PEOPLE, "adoption_plan_reason_cat_code")
    reasons = frame.filter(pl.col("adoption_plan_date_ceased").is_not_null())["adoption_plan_reason_cat_code"]
    require(reasons.drop_nulls().is_in(list(codes.REVERSAL_REASON)).all(), STEP_PEOPLE, "a reason that is not a code")
    since = pl.col("adoption_decision").fill_null(dt.date.min)
    return (
        frame.with_columns(pl.col("adoption_best_interest_date").max().over("person_id").alias("adoption_decision"))
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("adoption_decision").first(),
            pl.col("adoption_match_date").filter(pl.col("adoption_match_date") >= since).min().alias("adoption_match"),
            pl.col("adoption_plan_date_ceased")
            .filter(pl.col("adoption_plan_date_ceased") >= since)
            .min()
            .alias("adoption_reversal"),
        )
        .rename({"person_id": "child_id"})
    )


def _siblings(frame: pl.DataFrame, people: pl.DataFrame, children: pl.DataFrame) -> tuple[int, pl.Series]:
    """``read_siblings``' checks: the relationships that have ended, and the children's siblings (siblings are no
    cohort fact, but their dates of birth are read)."""
    frame = keys(frame, RELATIONSHIPS, "person_id", "other_person_id")
    unique(frame, RELATIONSHIPS, "person_id")
    _known(frame, people, RELATIONSHIPS)
    _known(frame, people, RELATIONSHIPS, "other_person_id")
    frame = dates(frame, RELATIONSHIPS, "end_date")
    current = frame.filter(pl.col("end_date").is_null())
    require(not (current["person_id"] == current["other_person_id"]).any(), RELATIONSHIPS, "a person their own sibling")
    in_care = children["child_id"].implode()
    siblings = pl.concat(
        [
            current.filter(pl.col("person_id").is_in(in_care))["other_person_id"],
            current.filter(pl.col("other_person_id").is_in(in_care))["person_id"],
        ]
    )
    return frame.height - current.height, siblings


def _workers(workers: pl.DataFrame, allocations: pl.DataFrame, children: pl.DataFrame) -> None:
    """``read_workers``' checks (allocations are no cohort fact)."""
    workers = keys(workers, WORKERS, "worker_id")
    unique(workers, WORKERS)
    # The start date is part of an allocation's key, compared as the key text before it is read as a date.
    keyed = keys(
        allocations.with_columns(pl.col("start_date").alias("_start")), ALLOCATIONS, "person_id", "worker_id", "_start"
    )
    unique(keyed.drop("start_date").rename({"_start": "start_date"}), ALLOCATIONS, "person_id")
    ours = keyed.filter(pl.col("person_id").is_in(children["child_id"].implode()))
    ours = dates(ours, ALLOCATIONS, "start_date", "end_date")
    require(ours["worker_id"].is_in(workers["worker_id"].implode()).all(), ALLOCATIONS, f"a worker not in {WORKERS}")
    _ordered(ours, ALLOCATIONS)


def _orders(frame: pl.DataFrame, children: pl.DataFrame, order_types: Mapping[str, str]) -> pl.DataFrame:
    """(child_id, route, date made) of each configured order of each child (``read_orders``)."""
    schema = {"child_id": pl.String(), "route": pl.String(), "date": pl.Date()}
    if not order_types or frame.is_empty():
        return pl.DataFrame(schema=schema)
    frame = keys(frame, NON_LA_LEGAL_STATUSES, "legal_status_id", "person_id")
    frame = texts(frame, NON_LA_LEGAL_STATUSES, "legal_status_type")
    unique(frame, NON_LA_LEGAL_STATUSES, "person_id")
    frame = frame.filter(
        pl.col("person_id").is_in(children["child_id"].implode()) & pl.col("legal_status_type").is_in(list(order_types))
    )
    frame = dates(frame, NON_LA_LEGAL_STATUSES, "start_date")
    require(frame["start_date"].null_count() == 0, NON_LA_LEGAL_STATUSES, "an order without the day it was made")
    return frame.select(
        pl.col("person_id").alias("child_id"),
        pl.col("legal_status_type").replace_strict(dict(order_types), return_dtype=pl.String).alias("route"),
        pl.col("start_date").alias("date"),
    ).cast(pl.Schema(schema))


def _children_table(
    children: pl.DataFrame,
    care: _Care,
    journeys: pl.DataFrame,
    decided: pl.DataFrame,
    facets: frozenset[Facet],
) -> pl.DataFrame:
    """One row per child: coverage, the permanence decision, the adoption milestones (``milestones``)."""
    since = journeys.select("child_id", pl.col("adoption_decision").alias("_since"))
    placements = care.placements.rename({"person_id": "child_id"}).join(since, on="child_id", how="left")
    placed = (
        placements.filter(
            pl.col("placement_type").is_in(list(codes.PLACED_FOR_ADOPTION))
            & (pl.col("start_date") >= pl.col("_since").fill_null(dt.date.min))
        )
        .group_by("child_id")
        .agg(pl.col("start_date").min().alias("adoption_placed"))
    )
    ordered = (
        care.legal.filter(pl.col("legal_status") == PLACEMENT_ORDER)
        .group_by(pl.col("person_id").alias("child_id"))
        .agg(pl.col("start_date").min().alias("adoption_placement_order"))
    )
    adopted = (
        care.periods.filter(pl.col("end").is_not_null() & pl.col("reason_ceased").is_in(list(ADOPTED)))
        .group_by("child_id")
        .agg(pl.col("end").max().alias("adoption_order"))
    )
    covers = {f"covers_{facet.value}": pl.lit(facet in facets) for facet in Facet}
    table = children.with_columns(**covers)
    for part in (decided, journeys, ordered, placed, adopted):
        table = table.join(part, on="child_id", how="left", maintain_order="left")
    return table.select(*SCHEMAS["children"]).cast(pl.Schema(SCHEMAS["children"]))


def _in_order(rank: pl.DataFrame, rows: pl.DataFrame, name: str) -> pl.DataFrame:
    """A workflow table in the children's order, each child's rows as ``CaseRecord`` sorts them (by date, stable)."""
    ranked = rows.join(rank, on="child_id", maintain_order="left")
    if name in ("reviews", "meetings"):
        ranked = ranked.sort("_rank", pl.col("date").fill_null(dt.date.min), "_row", maintain_order=True)
        if name == "meetings":
            ranked = ranked.with_columns(pl.col("_rank").cum_count().over("_rank").sub(1).alias("seq"))
    else:
        # Plans come in seq order and their history in status order within each child.
        ranked = ranked.sort("_rank", maintain_order=True)
    return ranked.select(*SCHEMAS[name]).cast(pl.Schema(SCHEMAS[name]))
