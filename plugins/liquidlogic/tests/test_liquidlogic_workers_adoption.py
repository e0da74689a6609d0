"""Allocated workers (FACT_INVOLVEMENTS / DIM_WORKER), placements (FACT_CLA_PLACEMENT) and adoption (FACT_ADOPTION)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.model import Facet, WorkerRole
from permanence_core.plugins.manager import Plugins

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def _load(built: tuple[str, Mapping[str, Any]]):
    result = Plugins().load("liquidlogic", *built)
    return {record.child_id: record for record in result.records}, result


def test_involvements_give_the_social_worker_and_team_manager(warehouse: Warehouse) -> None:
    records, result = _load(warehouse())

    assert [(w.worker_id, w.role, w.name, w.team, w.start) for w in records["201"].workers] == [
        ("301", WorkerRole.SOCIAL_WORKER, "Workerina Casefield", "Safeguarding 1", dt.date(2022, 9, 5)),
        ("302", WorkerRole.TEAM_MANAGER, "Managera Teamleigh", "Safeguarding 1", dt.date(2022, 9, 5)),
    ]
    assert not result.rejected


def test_the_worker_id_can_be_the_staff_id(warehouse: Warehouse) -> None:
    records, _ = _load(warehouse(settings='worker_id_field = "STAFF_ID"\n'))

    assert [w.worker_id for w in records["201"].workers] == ["S301", "S302"]


def test_a_worker_missing_from_dim_worker_is_rejected(warehouse: Warehouse, rows) -> None:
    involvements = [*rows["involvements"], (106, 201, 399, "TM", "2023-01-01", None, None)]

    records, result = _load(warehouse(involvements=involvements))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field, rejection.value, rejection.reason) == (
        "FACT_INVOLVEMENTS FACT_INVOLVEMENTS_ID=106",
        "DIM_WORKER_ID",
        "399",
        "no such worker in DIM_WORKER",
    )
    assert len(records["201"].workers) == 2


def test_an_empty_worker_id_column_is_rejected_naming_it(warehouse: Warehouse) -> None:
    _, result = _load(warehouse(settings='worker_id_field = "WORKER_ID_CODE"\n'))

    assert [(r.source, r.reason) for r in result.rejected] == [
        ("FACT_INVOLVEMENTS FACT_INVOLVEMENTS_ID=102", "the worker's WORKER_ID_CODE in DIM_WORKER is empty")
    ]


def test_an_allocation_ending_before_it_starts_is_rejected(warehouse: Warehouse, rows) -> None:
    involvements = [*rows["involvements"], (107, 201, 303, "TM", "2023-01-01", "2022-01-01", None)]

    _, result = _load(warehouse(involvements=involvements))

    [rejection] = result.rejected
    assert (rejection.field, rejection.value) == ("END_DTTM", "2022-01-01")


def test_episodes_take_the_placement_in_force_on_their_first_day(warehouse: Warehouse) -> None:
    records, _ = _load(warehouse())

    [episode] = records["202"].episodes
    assert (episode.placement, episode.placement_provider) == ("U4", "PR1")
    assert [(p.placement_type, p.start, p.reason_change) for p in records["202"].placements] == [
        ("U4", dt.date(2020, 1, 10), "CARPL"),
        ("A5", dt.date(2020, 6, 1), None),
    ]


def test_a_placement_with_an_unknown_provider_loads_without_it(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"][:3], (43, 202, "2020-06-01", "2021-03-31", "A5", "PRX", None)]

    records, result = _load(warehouse(placements=placements))

    [rejection] = result.rejected
    assert (rejection.field, rejection.value, rejection.reason) == (
        "DIM_LOOKUP_PLACEMENT_PROVIDER_CODE",
        "PRX",
        "is not an SSDA903 code; loaded without it",
    )
    assert records["202"].placements[-1].provider is None


def test_a_placement_of_an_unknown_type_is_rejected(warehouse: Warehouse, rows) -> None:
    placements = [*rows["placements"][:3], (43, 202, "2020-06-01", "2021-03-31", "Z9", "PR1", None)]

    records, result = _load(warehouse(placements=placements))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field, rejection.value) == (
        "FACT_CLA_PLACEMENT FACT_CLA_PLACEMENT_ID=43",
        "DIM_LOOKUP_PLACEMENT_TYPE_CODE",
        "Z9",
    )
    assert len(records["202"].placements) == 1


def test_adoption_milestones_come_from_fact_adoption_and_the_care_history(warehouse: Warehouse) -> None:
    records, _ = _load(warehouse())

    adoption = records["202"].adoption
    assert (adoption.decision, adoption.placement_order, adoption.match) == (
        dt.date(2020, 2, 1),
        dt.date(2020, 4, 1),
        dt.date(2020, 5, 15),
    )
    # Placed: the A5 placement; adopted: the period ceased E11.
    assert (adoption.placed, adoption.order, adoption.foster_carer_adoption) == (
        dt.date(2020, 6, 1),
        dt.date(2021, 3, 31),
        False,
    )
    assert records["201"].adoption is None
    assert Facet.ADOPTION in records["201"].coverage


def test_the_latest_adoption_row_is_used_and_a_bad_reversal_reason_is_reported(warehouse: Warehouse) -> None:
    adoptions = [
        (51, 202, "2020-02-01", "2020-02-01", None, None, "2020-03-01", "RD1", None),
        (52, 202, "2020-03-10", "2020-03-10", None, None, "2020-05-01", "XX", "Y"),
    ]

    records, result = _load(warehouse(adoptions=adoptions))

    adoption = records["202"].adoption
    assert (adoption.decision, adoption.reversal, adoption.reversal_reason) == (
        dt.date(2020, 3, 10),
        dt.date(2020, 5, 1),
        None,
    )
    # No placement order date in the row: the first E1 legal status stands in.
    assert adoption.placement_order == dt.date(2020, 1, 10)
    [rejection] = result.rejected
    assert (rejection.source, rejection.field, rejection.value) == (
        "FACT_ADOPTION FACT_ADOPTION_ID=52",
        "DIM_LOOKUP_ADOP_REASON_CEASED_CODE",
        "XX",
    )
    assert "1 children have several FACT_ADOPTION rows; the latest (START_DTTM) was used" in result.notices
