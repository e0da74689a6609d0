"""The Mosaic warehouse read straight into cohort tables, equal to the object reader's, without building records.

The same queries as a load fetch each table into polars columns; periods of care, legal statuses and adoption
milestones are derived here, reviews, meetings and plans in :mod:`.cohort_steps`, all with column expressions.
Every value is checked the object reader's way, one distinct value at a time, by its own converters and model
validators (:mod:`.columns`: ``to_key``, ``to_date``, ``PlacementSpell``…).

A person with any row the object reader would reject is *flagged* (:class:`.columns.Flags`), and so is anyone whose
load reads that row: every child a person with a bad date of birth is a sibling of, and, transitively, people whose
care rows name each other's period of care. All of the flagged people's rows, the sibling relationships naming them,
and every row naming no person go through the object reader's own build (:func:`.reader.built`) at their own
positions, so its rejections name the same rows in the same order as a full load; the other children's rows are
derived here. The workflow tables (steps, subjects, answers) are shared by every
child of a subgroup: every child's reviews, meetings and plans are derived here, the flagged children's from the
periods of care and orders the object reader built. Notices count the whole warehouse. A bad row of the workflow
tables or dm_workers, a column of mixed types, or completed forms send the whole warehouse to the object reader
(``cohort_from_records(read(...))``).

Asked for them (``detail``), the detail tables come from the same rows (:func:`_detail`), equal to
``detail_from_records`` of the records.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs
import polars as pl
import sqlalchemy as sa

from permanence_core import codes
from permanence_core.adapters.base import CohortLoad
from permanence_core.adapters.database import collector_paused, row_batches, to_key
from permanence_core.adapters.distinct_checks import outcomes
from permanence_core.adapters.people_rows import rows_of
from permanence_core.adapters.warehouse import Warehouse
from permanence_core.cohort import (
    DETAIL_SCHEMAS,
    SCHEMAS,
    Cohort,
    CohortDetail,
    cohort_from_records,
    detail_from_records,
)
from permanence_core.cohort.detail import display_name
from permanence_core.errors import ModelValueError
from permanence_core.model import (
    CaseRecord,
    Facet,
    Identifiers,
    LegalStatusSpell,
    PlacementSpell,
)
from permanence_mosaic.adoption import ADOPTED, PLACEMENT_ORDER
from permanence_mosaic.care import not_in_care_notice
from permanence_mosaic.cohort_steps import Workflow, read_workflow
from permanence_mosaic.columns import Flags, Unclean, dates, key, keys, texts, unique, valid
from permanence_mosaic.config import MosaicConfig
from permanence_mosaic.persons import SEX
from permanence_mosaic.reader import Built, built, coverage, opened, read
from permanence_mosaic.relationships import ended_notice
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


def read_cohort(
    source: str, config: MosaicConfig, facets: Collection[str] | None = None, *, detail: bool = False
) -> MosaicCohortLoad:
    """Read the warehouse at ``source`` as ``read`` would, into a Cohort (``facets`` as ``read``'s).

    The cohort, rejections, rows read and notices equal ``cohort_from_records(read(...).records)`` and that
    load's account; with ``detail``, the detail tables equal ``detail_from_records`` of those records.
    """
    if config.documents.completed_forms is None:
        with collector_paused(), opened(source, config, facets) as (warehouse, warnings):
            try:
                return _read(warehouse, config, warnings, detail)
            except Unclean as exc:
                log.info("mosaic: %s; the object reader reads the warehouse", exc)
    loaded = read(source, config, facets=facets)
    return MosaicCohortLoad(
        cohort=cohort_from_records(loaded.records),
        detail=detail_from_records(loaded.records) if detail else None,
        rejected=loaded.rejected,
        read=loaded.read,
        notices=loaded.notices,
        by_object_reader=len(loaded.records),
        whole_warehouse=True,
    )


def _read(warehouse: Warehouse, config: MosaicConfig, warnings: list[str], detail: bool) -> MosaicCohortLoad:
    available = warehouse.survey.available
    facets = coverage(config, available)
    wanted = queries(config, warehouse)
    workflow = bool(facets & {Facet.REVIEWS, Facet.MEETINGS, Facet.PLANS})
    # As the object reader: the orders table is read only when the council maps order types.
    asked = {*COLUMNAR, *(WORKFLOW if workflow else ()), *((NON_LA_LEGAL_STATUSES,) if config.order_types else ())}
    raw: dict[str, pl.DataFrame] = {}

    def frame(name: str) -> pl.DataFrame:
        query = wanted.get(name) if name in asked else None
        found = _empty(name) if query is None else _fetch(warehouse, query, name)
        if query is not None:
            raw[name] = found
        return found

    flags = Flags()
    people = _people(frame(PERSONS), flags)
    care = _Care(frame(PERIODS), frame(PLACEMENTS), frame(LEGAL_STATUSES), people, flags)
    children = care.children
    in_care = children["child_id"].implode()
    _check_identity(people.filter(pl.col("id").is_in(in_care)), flags)
    journeys = _journeys(frame(STEP_PEOPLE), children, flags)
    relationships = _relationships(frame(RELATIONSHIPS), people, flags)
    current = relationships.filter(pl.col("end_date").is_null())
    siblings = pl.concat(
        [
            current.filter(pl.col("person_id").is_in(in_care))["other_person_id"],
            current.filter(pl.col("other_person_id").is_in(in_care))["person_id"],
        ]
    )
    # Dates of birth are read for the children and their siblings only (dm_persons holds every client).
    born = people.filter(pl.col("id").is_in(pl.concat([children["child_id"], siblings]).implode()))
    misborn = Flags()
    dates(born, PERSONS, "date_of_birth", by=(misborn, "id"))
    allocations = _workers(frame(WORKERS), frame(ALLOCATIONS), children, flags)
    orders = _orders(frame(NON_LA_LEGAL_STATUSES), children, config.order_types, flags)
    # A child's load reads their siblings' dates of birth: a bad one is rejected in the load of each child it is a
    # sibling of. A period's ending and respite come from any care row naming it, whoever's it is.
    flagged = _together(pl.concat([flags.people(), _tied(misborn.people(), relationships)]), care.ties)
    fast = ~pl.col("child_id").is_in(flagged.implode())
    slow, lent = _object_reader(raw, flagged, config, available)
    if slow:
        log.info("mosaic: %d people with rows the object reader rejects, or tied to them, read by it", flagged.len())
    slow_records = slow.result.records if slow else ()
    slow_cohort = cohort_from_records(slow_records)
    fast_children = children.filter(fast)
    periods = pl.concat([care.periods_table().filter(fast), slow_cohort.periods])
    orders = pl.concat([orders.filter(fast), _orders_of(slow)])
    everyone = pl.concat([fast_children["child_id"], slow_cohort.children["child_id"]])
    not_in_care = people.filter(
        pl.col("id").is_not_null() & ~pl.col("id").is_in(flagged.implode()) & ~pl.col("id").is_in(in_care)
    ).height
    # The object reader counts the siblings lent to it (with no care rows of theirs) as not in care.
    notices = not_in_care_notice(not_in_care + (slow.not_in_care - lent if slow else 0))
    empty = Workflow.empty()
    flow = empty
    if workflow:
        flow = read_workflow({name: frame(name) for name in WORKFLOW}, config, everyone, periods, orders)
        notices += flow.notices
    fast_ended = relationships.filter(
        pl.col("end_date").is_not_null()
        & ~pl.any_horizontal(pl.col("person_id", "other_person_id").is_in(flagged.implode()))
    )
    notices += ended_notice(fast_ended.height + (slow.ended_siblings if slow else 0))
    plans = flow if Facet.PLANS in facets else empty
    notices += plans.plan_notices
    # Children in dm_persons order (the object reader's), whichever way each was read.
    rank = (
        people.select(pl.col("id").alias("child_id"))
        .unique("child_id", keep="first", maintain_order=True)
        .filter(pl.col("child_id").is_in(everyone.implode()))
        .with_row_index("_rank")
    )
    slow_children = slow_cohort.children.drop("permanence_decision_date").join(
        plans.decided, on="child_id", how="left", maintain_order="left"
    )
    meetings = _in_order(rank, (flow if Facet.MEETINGS in facets else empty).meetings, "meetings", "subgroup")
    plan_rows = _in_order(rank, plans.plans, "plans", "plan_id")
    cohort = Cohort(
        children=_by_rank(
            rank,
            pl.concat(
                [
                    _children_table(fast_children, care, journeys, plans.decided, facets),
                    slow_children.select(*SCHEMAS["children"]).cast(pl.Schema(SCHEMAS["children"])),
                ]
            ),
        ),
        periods=_by_rank(rank, periods),
        legal_statuses=_by_rank(rank, pl.concat([care.legal_table().filter(fast), slow_cohort.legal_statuses])),
        reviews=_in_order(rank, (flow if Facet.REVIEWS in facets else empty).reviews, "reviews"),
        meetings=meetings.select(*SCHEMAS["meetings"]),
        plans=plan_rows.select(*SCHEMAS["plans"]),
        plan_history=_in_order(rank, plans.history, "plan_history"),
    )
    return MosaicCohortLoad(
        cohort=cohort,
        detail=(
            _detail(rank, people, allocations, config, fast_children, slow_records, meetings, flow.subjects, plan_rows)
            if detail
            else None
        ),
        rejected=slow.result.rejected if slow else (),
        read=sum(found.height for found in raw.values()),
        notices=[*warnings, *notices],
        by_object_reader=slow_cohort.children.height,
    )


def _detail(
    rank: pl.DataFrame,
    people: pl.DataFrame,
    allocations: pl.DataFrame,
    config: MosaicConfig,
    fast_children: pl.DataFrame,
    slow_records: Sequence[CaseRecord],
    meetings: pl.DataFrame,
    subjects: pl.DataFrame,
    plans: pl.DataFrame,
) -> CohortDetail:
    """The detail tables: names and workers of the fast children from their rows and of the others from the object
    reader's records; every child's meeting detail and plan ids from the workflow (Mosaic meetings carry no chair
    and no actions: those come only from completed forms, which the object reader reads)."""
    fast = fast_children["child_id"].implode()
    named = texts(people.filter(pl.col("id").is_in(fast)), PERSONS, "first_name", "last_name").select(
        pl.col("id").alias("child_id"),
        display_name(pl.col("first_name"), pl.col("last_name"), pl.col("id")).alias("name"),
    )
    workers = allocations.filter(pl.col("person_id").is_in(fast)).select(
        pl.col("person_id").alias("child_id"),
        "worker_id",
        pl.lit(config.worker_role.value).alias("role"),
        pl.col("full_name").alias("name"),
        pl.lit(None, dtype=pl.String).alias("team"),
        pl.col("start_date").alias("start"),
        pl.col("end_date").alias("end"),
    )
    slow = detail_from_records(slow_records)
    meeting_detail = meetings.join(subjects, on="subgroup", how="left", maintain_order="left").select(
        "child_id", "seq", pl.lit(None, dtype=pl.String).alias("chair"), "children"
    )
    return CohortDetail(
        names=_by_rank(rank, pl.concat([named, slow.names])),
        meeting_detail=meeting_detail.cast(pl.Schema(DETAIL_SCHEMAS["meeting_detail"])),
        plan_ids=plans.select("child_id", "seq", "plan_id"),
        workers=_by_rank(rank, pl.concat([workers.cast(pl.Schema(DETAIL_SCHEMAS["workers"])), slow.workers])),
    )


def _tied(people: pl.Series, ties: pl.DataFrame) -> pl.Series:
    """``people`` and everyone named with one of them in a row of ``ties`` (two columns of ids)."""
    first, second = ties.columns[:2]
    named = pl.col(first).is_in(people.implode()) | pl.col(second).is_in(people.implode())
    tied = ties.filter(named)
    return pl.concat([people, tied[first].rename("person"), tied[second].rename("person")]).drop_nulls().unique()


def _together(flagged: pl.Series, ties: pl.DataFrame) -> pl.Series:
    """``flagged`` and everyone tied to one of them by ``ties``, transitively."""
    while (grown := _tied(flagged, ties)).len() > flagged.len():
        flagged = grown
    return flagged


def _object_reader(
    raw: Mapping[str, pl.DataFrame], flagged: pl.Series, config: MosaicConfig, available: frozenset[str]
) -> tuple[Built | None, int]:
    """The object reader's build over every row of the flagged people and every row naming no person (None when
    there are none), and how many people not flagged it was lent.

    A sibling relationship naming a flagged person on either side goes with them (it places them among the children
    whose siblings are read), and the other person's dm_persons row is lent, so the object reader knows them: with
    no care rows of theirs, it counts them as not in care. The workflow tables are left out (their rows were all
    clean, or the whole warehouse went the object way): the fast path derives every child's reviews, meetings and
    plans, these children's from the periods of care and orders built here.
    """
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for name, found in raw.items():
        person = TABLES[name].person
        if person is None or name in (*WORKFLOW, PERSONS):
            continue
        who = key(found[person], name)
        if name == RELATIONSHIPS:
            other = key(found["other_person_id"], name)
            who = pl.select(pl.when(other.is_in(flagged.implode())).then(other).otherwise(who)).to_series()
        tables[name] = rows_of(found, who, flagged)
    named = [to_key(row[column]) for row in tables[RELATIONSHIPS] for column in ("person_id", "other_person_id")]
    lent = pl.Series("person", named, dtype=pl.String).drop_nulls().unique()
    lent = lent.filter(~lent.is_in(flagged.implode()))
    if PERSONS in raw:
        people = key(raw[PERSONS]["person_id"], PERSONS)
        tables[PERSONS] = rows_of(raw[PERSONS], people, pl.concat([flagged, lent]))
        lent = lent.filter(lent.is_in(people.implode()))
    if not any(tables.values()):
        return None, 0
    # dm_workers names no person: it is read whole, as it names the flagged children's workers.
    tables[WORKERS] = raw[WORKERS].to_dicts() if WORKERS in raw else []
    return built(tables, config, available), lent.len()


def _orders_of(slow: Built | None) -> pl.DataFrame:
    """(child_id, route, date made) of the object reader's children's orders."""
    rows = [(child, route, day) for child, made in (slow.orders if slow else {}).items() for route, day in made]
    return pl.DataFrame(rows, schema=_ORDERS, orient="row")


def _by_rank(rank: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """A care table in the children's order, each child's rows in their own order."""
    return rows.join(rank, on="child_id", maintain_order="left").sort("_rank", maintain_order=True).drop("_rank")


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


def _people(frame: pl.DataFrame, flags: Flags) -> pl.DataFrame:
    """dm_persons: ids checked, in key order (the children's order)."""
    frame = texts(keys(frame, PERSONS, "person_id"), PERSONS, "gender", "nhs_id", "upn_id")
    unique(frame, PERSONS, "person_id", flags)
    return frame.rename({"person_id": "id"})


def _check_identity(children: pl.DataFrame, flags: Flags) -> None:
    """``People.child``'s rejections: an identifier the model refuses, a gender that is not M, F or U."""
    gender = pl.col("gender")
    flags.rows(children, gender.is_not_null() & ~gender.str.to_uppercase().is_in(list(SEX)), "id")
    refused = []
    for case_id, nhs, upn in children.select("id", "nhs_id", "upn_id").iter_rows():
        try:
            Identifiers(case_id=case_id, nhs_number=nhs, upn=upn)
        except ModelValueError:
            refused.append(case_id)
    flags.rows(children, pl.col("id").is_in(refused), "id")


def _known(frame: pl.DataFrame, people: pl.DataFrame, flags: Flags, column: str = "person_id") -> None:
    """Flag the rows naming someone not in dm_persons (``People.known``)."""
    flags.rows(frame, ~pl.col(column).is_in(people["id"].implode()))


def _ordered(frame: pl.DataFrame, flags: Flags) -> None:
    """Flag the rows ending before they start (the model's validators)."""
    flags.rows(frame, pl.col("end_date") < pl.col("start_date"))


def _required(frame: pl.DataFrame, flags: Flags, *columns: str) -> None:
    """Flag the rows without a value in one of ``columns``."""
    flags.rows(frame, pl.any_horizontal(pl.col(columns).is_null()))


@attrs.frozen(kw_only=True)
class MosaicCohortLoad(CohortLoad):
    """A cohort load, how many of its children the object reader built (those with a row it rejects, and anyone
    tied to them), and whether it read the whole warehouse (a row no child's fallback can take)."""

    by_object_reader: int = 0
    whole_warehouse: bool = False


class _Care:
    """dm_periods_of_care, dm_placements and dm_legal_statuses checked as ``read_care`` does, and the children."""

    def __init__(
        self, periods: pl.DataFrame, placements: pl.DataFrame, legal: pl.DataFrame, people: pl.DataFrame, flags: Flags
    ) -> None:
        by = (flags, "person_id")
        periods = keys(periods, PERIODS, "period_of_care_id", "person_id")
        periods = dates(periods, PERIODS, "start_date", "end_date", by=by)
        unique(periods, PERIODS, "person_id", flags)
        _known(periods, people, flags)
        _required(periods, flags, "start_date")
        _ordered(periods, flags)
        placements = keys(placements, PLACEMENTS, "placement_id", "split_number", "person_id", "period_of_care_id")
        placements = dates(placements, PLACEMENTS, "start_date", "end_date", by=by)
        placements = texts(
            placements, PLACEMENTS, "placement_type", "reason_episode_ceased", "reason_for_placement_change"
        )
        unique(placements, PLACEMENTS, "person_id", flags)
        _known(placements, people, flags)
        ceased = pl.col("reason_episode_ceased")
        flags.rows(placements, ceased.is_not_null() & ~ceased.is_in(list(codes.REASON_EPISODE_CEASED)))
        _required(placements, flags, "start_date")
        _ordered(placements, flags)
        valid(placements, "placement_type", lambda v: PlacementSpell(placement_type=v, start=_SOME_DAY), PLACEMENTS, by)
        valid(
            placements,
            "reason_for_placement_change",
            lambda v: PlacementSpell(placement_type=None, start=_SOME_DAY, reason_change=v),
            PLACEMENTS,
            by,
        )
        legal = keys(legal, LEGAL_STATUSES, "legal_status_id", "person_id", "period_of_care_id")
        legal = texts(
            dates(legal, LEGAL_STATUSES, "start_date", "end_date", by=by),
            LEGAL_STATUSES,
            "legal_status",
            "is_respite_care",
        )
        unique(legal, LEGAL_STATUSES, "person_id", flags)
        _known(legal, people, flags)
        _required(legal, flags, "start_date", "legal_status")
        _ordered(legal, flags)
        valid(legal, "legal_status", lambda v: LegalStatusSpell(code=v, start=_SOME_DAY), LEGAL_STATUSES, by)
        in_care = periods["person_id"].unique().implode()
        # ``read_care`` rejects the person with care records but no period of care.
        flags.rows(
            pl.concat([placements.select("person_id"), legal.select("person_id")]), ~pl.col("person_id").is_in(in_care)
        )
        # A placement or legal status naming another person's period decides that period's ending or respite.
        owners = periods.select("period_of_care_id", pl.col("person_id").alias("other_person_id"))
        self.ties = (
            pl.concat(
                [placements.select("person_id", "period_of_care_id"), legal.select("person_id", "period_of_care_id")]
            )
            .join(owners, on="period_of_care_id")
            .filter(pl.col("person_id") != pl.col("other_person_id"))
            .select("person_id", "other_person_id")
        )
        ranked = people.select(pl.col("id").alias("child_id")).with_row_index("_rank")
        self.children = ranked.filter(pl.col("child_id").is_in(in_care)).drop("_rank")
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


def _journeys(frame: pl.DataFrame, children: pl.DataFrame, flags: Flags) -> pl.DataFrame:
    """Per child: the latest adoption decision, and the first match and reversal from it (``read_journeys``)."""
    frame = keys(frame, STEP_PEOPLE, "workflow_step_id", "person_id")
    unique(frame, STEP_PEOPLE, "person_id", flags)
    days = ("adoption_best_interest_date", "adoption_match_date", "adoption_plan_date_ceased")
    frame = frame.filter(pl.col("person_id").is_in(children["child_id"].implode()))
    frame = texts(
        dates(frame, STEP_PEOPLE, *days, by=(flags, "person_id")), STEP_PEOPLE, "adoption_plan_reason_cat_code"
    )
    reason = pl.col("adoption_plan_reason_cat_code")
    flags.rows(
        frame,
        pl.col("adoption_plan_date_ceased").is_not_null()
        & reason.is_not_null()
        & ~reason.is_in(list(codes.REVERSAL_REASON)),
    )
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


def _relationships(frame: pl.DataFrame, people: pl.DataFrame, flags: Flags) -> pl.DataFrame:
    """``read_siblings``' checks: the sibling relationships (person_id, other_person_id, end_date), each read
    (siblings are no cohort fact, but their dates of birth are read)."""
    frame = keys(frame, RELATIONSHIPS, "person_id", "other_person_id")
    unique(frame, RELATIONSHIPS, "person_id", flags)
    _known(frame, people, flags)
    _known(frame, people, flags, "other_person_id")
    frame = dates(frame, RELATIONSHIPS, "end_date", by=(flags, "person_id"))
    flags.rows(frame, pl.col("end_date").is_null() & (pl.col("person_id") == pl.col("other_person_id")))
    return frame.select("person_id", "other_person_id", "end_date")


def _workers(workers: pl.DataFrame, allocations: pl.DataFrame, children: pl.DataFrame, flags: Flags) -> pl.DataFrame:
    """``read_workers``' checks (allocations are no cohort fact); a repeated worker is no one child's. The
    children's allocations (person_id, worker_id, start_date, end_date, full_name: the worker's name), in row
    order, for the detail table of workers."""
    workers = keys(workers, WORKERS, "worker_id")
    unique(workers, WORKERS)
    # The start date is part of an allocation's key, compared as the key text before it is read as a date.
    keyed = keys(
        allocations.with_columns(pl.col("start_date").alias("_start")), ALLOCATIONS, "person_id", "worker_id", "_start"
    )
    unique(keyed.drop("start_date").rename({"_start": "start_date"}), ALLOCATIONS, "person_id", flags)
    ours = keyed.filter(pl.col("person_id").is_in(children["child_id"].implode()))
    ours = dates(ours, ALLOCATIONS, "start_date", "end_date", by=(flags, "person_id"))
    flags.rows(ours, ~pl.col("worker_id").is_in(workers["worker_id"].implode()))
    _ordered(ours, flags)
    return ours.select("person_id", "worker_id", "start_date", "end_date").join(
        texts(workers, WORKERS, "full_name").select("worker_id", "full_name"),
        on="worker_id",
        how="left",
        maintain_order="left",
    )


_ORDERS = {"child_id": pl.String(), "route": pl.String(), "date": pl.Date()}


def _orders(frame: pl.DataFrame, children: pl.DataFrame, order_types: Mapping[str, str], flags: Flags) -> pl.DataFrame:
    """(child_id, route, date made) of each configured order of each child (``read_orders``)."""
    if not order_types or frame.is_empty():
        return pl.DataFrame(schema=_ORDERS)
    frame = keys(frame, NON_LA_LEGAL_STATUSES, "legal_status_id", "person_id")
    frame = texts(frame, NON_LA_LEGAL_STATUSES, "legal_status_type")
    unique(frame, NON_LA_LEGAL_STATUSES, "person_id", flags)
    frame = frame.filter(
        pl.col("person_id").is_in(children["child_id"].implode()) & pl.col("legal_status_type").is_in(list(order_types))
    )
    frame = dates(frame, NON_LA_LEGAL_STATUSES, "start_date", by=(flags, "person_id"))
    _required(frame, flags, "start_date")
    return frame.select(
        pl.col("person_id").alias("child_id"),
        pl.col("legal_status_type").replace_strict(dict(order_types), return_dtype=pl.String).alias("route"),
        pl.col("start_date").alias("date"),
    ).cast(pl.Schema(_ORDERS))


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


def _in_order(rank: pl.DataFrame, rows: pl.DataFrame, name: str, *kept: str) -> pl.DataFrame:
    """A workflow table in the children's order, each child's rows as ``CaseRecord`` sorts them (by date, stable);
    with the ``kept`` columns beyond the table's."""
    ranked = rows.join(rank, on="child_id", maintain_order="left")
    if name in ("reviews", "meetings"):
        ranked = ranked.sort("_rank", pl.col("date").fill_null(dt.date.min), "_row", maintain_order=True)
        if name == "meetings":
            ranked = ranked.with_columns(pl.col("_rank").cum_count().over("_rank").sub(1).alias("seq"))
    else:
        # Plans come in seq order and their history in status order within each child.
        ranked = ranked.sort("_rank", maintain_order=True)
    return ranked.select(*SCHEMAS[name], *kept).cast(pl.Schema(SCHEMAS[name]))
