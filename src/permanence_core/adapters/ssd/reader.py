"""Reads a Standard Safeguarding Dataset (the ``ssd_*`` tables) into CaseRecords.

What a record covers is what the SSD build holds (:func:`permanence_core.adapters.ssd.tables.layout`):
care always; reviews, plans, adoption, siblings and workers when their tables and columns are there;
meetings never (the SSD has no meetings table); proceedings only as the documented stand-in the council
asks for. Every row that cannot be used becomes a Rejection naming the table, the row's key, the child,
the column and why; the rest still loads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

import sqlalchemy as sa

from permanence_core.adapters.base import LoadResult, Rejection
from permanence_core.adapters.database import collector_paused, connect, source_of
from permanence_core.adapters.episodes import CareHistory
from permanence_core.adapters.ssd.care import People, proceedings_stand_in, read_care, table_rows
from permanence_core.adapters.ssd.casework import read_adoption, read_plans, read_reviews, read_siblings, read_workers
from permanence_core.adapters.ssd.config import PASSWORD_ENV, SsdConfig
from permanence_core.adapters.ssd.tables import (
    CARE_PLAN,
    EPISODES,
    FAMILY,
    IDENTIFIERS,
    INVOLVEMENTS,
    LEGAL_STATUS,
    PERMANENCE,
    PERSON,
    PLACEMENTS,
    PROFESSIONALS,
    REVIEWS,
    TABLES,
    layout,
)
from permanence_core.adapters.warehouse import Survey, TablesOnDemand, Warehouse, survey
from permanence_core.model import AdoptionMilestones, CaseRecord, Facet

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: The table each facet's rows come from (care and identity are always read).
_FACET_TABLES = {
    "reviews": (REVIEWS,),
    "plans": (CARE_PLAN,),
    "adoption": (PERMANENCE,),
    "siblings": (FAMILY,),
    "workers": (INVOLVEMENTS, PROFESSIONALS),
}


def queries(config: SsdConfig, warehouse: Warehouse) -> dict[str, sa.Select[Any]]:
    """The query of each table read: identity and care, each available facet's tables, the detail tables there."""
    found = warehouse.survey
    names = [PERSON, EPISODES, LEGAL_STATUS]
    names += [name for facet, tables in _FACET_TABLES.items() if facet in found.available for name in tables]
    names += [name for name in (PLACEMENTS, IDENTIFIERS) if found.has(name)]
    roles = sorted(config.worker_roles)

    def wanted(table: sa.FromClause) -> sa.ColumnElement[bool]:
        return table.c.invo_professional_role_id.in_(roles)

    involvements = warehouse.table(INVOLVEMENTS) if INVOLVEMENTS in names else None
    filters: dict[str, Callable[[sa.FromClause], sa.ColumnElement[bool]]] = {INVOLVEMENTS: wanted}
    if involvements is not None:
        allocated = sa.select(involvements.c.invo_professional_id).where(wanted(involvements))
        filters[PROFESSIONALS] = lambda table: table.c.prof_professional_id.in_(allocated)
    return {name: warehouse.select(name, where=filters.get(name)) for name in names}


def read(
    source: str, config: SsdConfig, progress: Progress | None = None, facets: Collection[str] | None = None
) -> LoadResult:
    """Load every looked-after child from the SSD at database URL ``source``.

    ``facets`` narrows the load to what the caller needs (None: every facet, as documents need); a facet
    not read is in no child's coverage.
    """
    with collector_paused(), connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, layout(config).only(facets), config.schema, config.columns)
        found.require(source_of(connection))
        warehouse = Warehouse(connection, found)
        # Each table is fetched as the build reaches it and dropped after: rows never all live at once.
        tables = TablesOnDemand(queries(config, warehouse), warehouse.rows, TABLES, progress)
        result = build(tables, config, found, layout(config).left_out(facets))
    log.info("ssd load: %s", result.summary())
    return result


def build(
    tables: Mapping[str, list[dict[str, Any]]], config: SsdConfig, found: Survey, left_out: Collection[str] = ()
) -> LoadResult:
    """The load result from the tables' rows; ``found`` says which facets the SSD holds, ``left_out`` the
    facets the caller did not want."""
    rejected: list[Rejection] = []
    notices = found.warnings()
    for warning in notices:
        log.warning("ssd: %s", warning)
    if left_out:
        notices.append(f"only the facets needed were read; not loaded: {', '.join(left_out)}")
    available = found.available
    coverage = frozenset(Facet(f) for f in available if f in {facet.value for facet in Facet})
    notices.append("meetings not in source: the Standard Safeguarding Dataset has no meetings table")
    if Facet.PROCEEDINGS in coverage:
        notices.append("proceedings: a stand-in from legal status C1 (proceedings_from_legal_status), not issue dates")
    else:
        notices.append("proceedings not in source: the Standard Safeguarding Dataset has no issue date")
    people = People(table_rows(PERSON, tables[PERSON], rejected), tables.get(IDENTIFIERS, []))
    care = read_care(tables, people, config, rejected)
    children = {person_id: people.child(person_id) for person_id in people.index if person_id in care.history}
    reviews = read_reviews(tables[REVIEWS], care.periods, rejected) if Facet.REVIEWS in coverage else {}
    adoption = read_adoption(tables[PERMANENCE], people, care.history, rejected) if Facet.ADOPTION in coverage else {}
    plans = read_plans(tables[CARE_PLAN], people, config, rejected) if Facet.PLANS in coverage else {}
    workers = (
        read_workers(tables[INVOLVEMENTS], tables[PROFESSIONALS], people, config, rejected)
        if Facet.WORKERS in coverage
        else {}
    )
    siblings = read_siblings(tables[FAMILY], people, children, rejected) if Facet.SIBLINGS in coverage else {}
    records = []
    for person_id, child in children.items():
        history = care.history[person_id]
        records.append(
            CaseRecord(
                child=child,
                coverage=coverage,
                periods_of_care=history.periods,
                legal_statuses=history.legal_statuses,
                placements=history.placements,
                reviews=reviews.get(person_id, ()),
                adoption=adoption.get(person_id) or _from_episodes(history),
                plans=plans.get(person_id, ()),
                workers=workers.get(person_id, ()),
                siblings=siblings.get(person_id, ()),
                proceedings=proceedings_stand_in(care.legal.get(person_id, []))
                if Facet.PROCEEDINGS in coverage
                else (),
            )
        )
    not_in_care = len(people.index) - len(children)
    if not_in_care:
        notices.append(f"{not_in_care} people in {PERSON} have no care episodes and are not looked after")
    read_rows = tables.read if isinstance(tables, TablesOnDemand) else sum(len(rows) for rows in tables.values())
    return LoadResult(records=records, rejected=rejected, read=read_rows, notices=notices)


def _from_episodes(history: CareHistory) -> AdoptionMilestones | None:
    """Adoption dates the episodes alone show (placement order, placed, adopted), or None."""
    facts = (history.placement_order, history.placed_for_adoption, history.adoption_order)
    if all(day is None for day in facts):
        return None
    return AdoptionMilestones(
        placement_order=history.placement_order, placed=history.placed_for_adoption, order=history.adoption_order
    )
