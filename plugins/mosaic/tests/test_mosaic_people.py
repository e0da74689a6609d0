"""Adoption milestones, siblings and allocated workers from the Mosaic warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from permanence_core.model import WorkerRole

Warehouse = Callable[..., str]
D = dt.date


def _by_id(result):
    return {record.child_id: record for record in result.records}


def test_adoption_milestones_come_from_the_view_and_the_care_history(warehouse: Warehouse, load, rows) -> None:
    step_people = [
        # An earlier journey reversed, then a new best-interest decision, a match and a placement.
        (2990, 101, 2210, "COMPLETED", "2023-03-10", None, None, None, "N", "N"),
        (2991, 101, 2210, "COMPLETED", None, "2023-03-25", "RD1", None, "N", "N"),
        *rows["step_people"],
        (3003, 101, 1237, "COMPLETED", None, None, None, "2023-11-15", "N", "N"),
    ]
    placements = [*rows["placements"], (7009, 1, 101, 5001, "2023-12-01", None, "A5", "N1", None, None, "N")]

    adoption = _by_id(load(warehouse(step_people=step_people, placements=placements)))["101"].adoption

    assert adoption.decision == D(2023, 4, 20)
    # The reversal of March belongs to the earlier journey, not the current one.
    assert (adoption.reversal, adoption.reversal_reason) == (None, None)
    assert adoption.placement_order == D(2023, 10, 2)  # the E1 legal status
    assert adoption.match == D(2023, 11, 15)
    assert adoption.placed == D(2023, 12, 1)  # the first A3-A6 placement
    assert adoption.order is None


def test_a_reversal_after_the_decision_and_a_bad_reason_code(warehouse: Warehouse, load, rows) -> None:
    step_people = [
        *rows["step_people"],
        (3003, 103, 1237, "COMPLETED", None, "2023-06-27", "R9", None, "N", "N"),
        (3003, 101, 1237, "COMPLETED", None, "2023-06-27", "RD3", "27/06/2023", "N", "N"),
    ]

    result = load(warehouse(step_people=step_people))

    children = _by_id(result)
    assert (children["101"].adoption.reversal, children["101"].adoption.reversal_reason) == (D(2023, 6, 27), "RD3")
    assert (children["103"].adoption.reversal, children["103"].adoption.reversal_reason) == (D(2023, 6, 27), None)
    found = {(r.child_id, r.field, r.value) for r in result.rejected}
    assert found == {("103", "adoption_plan_reason_cat_code", "R9"), ("101", "adoption_match_date", "27/06/2023")}
    assert all(r.reason.endswith("; loaded without it") for r in result.rejected)


def test_adopted_children_have_their_order_date(warehouse: Warehouse, load, rows) -> None:
    periods = [(5002, 102, "2021-06-10", "2023-01-20") if row[0] == 5002 else row for row in rows["periods"]]
    placements = [row for row in rows["placements"] if row[2] != 102]
    placements.append((7003, 1, 102, 5002, "2021-06-10", "2023-01-20", "A4", "N2", "E11", None, "Y"))

    adoption = _by_id(load(warehouse(periods=periods, placements=placements)))["102"].adoption

    assert (adoption.placed, adoption.order) == (D(2021, 6, 10), D(2023, 1, 20))
    # Adopted from an A4 placement: not by the child's foster carers.
    assert adoption.foster_carer_adoption is False


def test_adopted_by_foster_carers_when_placed_with_them(warehouse: Warehouse, load, rows) -> None:
    placements = [row for row in rows["placements"] if row[2] != 102]
    placements.append((7003, 1, 102, 5002, "2021-06-10", "2022-05-01", "U4", "N2", None, None, "N"))
    placements.append((7008, 1, 102, 5002, "2022-05-01", "2023-01-20", "A5", "N2", "E12", None, "Y"))

    adoption = _by_id(load(warehouse(placements=placements)))["102"].adoption

    assert (adoption.placed, adoption.order, adoption.foster_carer_adoption) == (
        D(2022, 5, 1),
        D(2023, 1, 20),
        True,
    )


def test_siblings_either_way_round_with_names_and_whether_in_planning(warehouse: Warehouse, load, rows) -> None:
    relationships = [
        (101, 103, "Child's Siblings", "N", "2018-08-14", None),  # recorded from one side only
        (102, 103, "Child's Siblings", "N", "2019-11-23", None),
        (101, 900, "Child's Siblings", "N", "2016-04-02", "2017-01-01"),  # ended on the record
    ]

    result = load(warehouse(relationships=relationships))

    children = _by_id(result)
    assert [(s.child_id, s.name, s.date_of_birth) for s in children["103"].siblings] == [
        ("101", "Amberly Testcase", D(2016, 4, 2)),
        ("102", "Brennock Samplewood", D(2019, 11, 23)),
    ]
    # Amberly is looked after now; Brennock left care, so is not in concurrent planning.
    assert [s.in_concurrent_planning for s in children["103"].siblings] == [True, False]
    assert [s.child_id for s in children["101"].siblings] == ["103"]
    assert "1 sibling relationships in dm_personal_relationships have ended and were not read" in result.notices


def test_relationships_of_other_categories_are_not_siblings(warehouse: Warehouse, load) -> None:
    # The sample records Amberly's mother as "Child's Parents".
    assert "900" not in [s.child_id for s in _by_id(load(warehouse()))["101"].siblings]


def test_bad_relationship_rows_are_rejected(warehouse: Warehouse, load, rows) -> None:
    relationships = [
        *rows["relationships"],
        (101, 555, "Child's Siblings", "N", None, None),
        (103, 103, "Child's Siblings", "N", None, None),
    ]

    result = load(warehouse(relationships=relationships))

    found = {(r.source, r.child_id, r.field, r.reason) for r in result.rejected}
    assert found == {
        (
            "dm_personal_relationships person_id=101, other_person_id=555",
            "101",
            "other_person_id",
            "no such person in dm_persons",
        ),
        (
            "dm_personal_relationships person_id=103, other_person_id=103",
            "103",
            "other_person_id",
            "is the person themself",
        ),
    }


def test_allocated_workers_with_their_names(warehouse: Warehouse, load) -> None:
    children = _by_id(load(warehouse()))

    [worker] = children["102"].workers
    assert (worker.worker_id, worker.role, worker.name) == (
        "22",
        WorkerRole.SOCIAL_WORKER,
        "Synthetic Worker Twentytwo",
    )
    assert (worker.start, worker.end) == (D(2021, 6, 10), D(2023, 1, 20))
    # Allocations of people who are not looked after (the mother's) are not read.
    assert all(w.worker_id != "30" for record in children.values() for w in record.workers)


def test_bad_allocations_are_reported(warehouse: Warehouse, load, rows) -> None:
    allocations = [
        *rows["allocations"],
        (5, 101, None, "2023-03-01", None),
        (6, 101, 99, "2023-06-01", None),
        (7, 103, 17, "2023-06-01", "2023-01-01"),
    ]

    result = load(warehouse(allocations=allocations))

    found = {(r.source, r.field, r.reason) for r in result.rejected}
    assert found == {
        # An allocation is named by person, worker and start: no public source shows an allocation id.
        ("dm_allocated_workers", "worker_id", "is empty"),
        (
            "dm_allocated_workers person_id=101, worker_id=99, start_date=2023-06-01",
            "worker_id",
            "no such worker in dm_workers; loaded without a name",
        ),
        (
            "dm_allocated_workers person_id=103, worker_id=17, start_date=2023-06-01",
            "end_date",
            "is before start 2023-06-01",
        ),
    }
    assert [(w.worker_id, w.name) for w in _by_id(result)["101"].workers] == [
        ("17", "Synthetic Worker Seventeen"),
        ("99", None),
    ]
