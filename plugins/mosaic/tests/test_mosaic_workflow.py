"""CLA reviews and permanence meetings from the council's workflow steps and their subgroups' children."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from permanence_mosaic.config import MosaicConfig, StepTypes
from permanence_mosaic.reader import read

from permanence_core.model import Facet, MeetingKind

Warehouse = Callable[..., str]
D = dt.date


def _by_id(result):
    return {record.child_id: record for record in result.records}


def test_reviews_are_the_cla_review_steps_held_for_each_child(warehouse: Warehouse, load) -> None:
    result = load(warehouse())

    amberly = _by_id(result)["101"]
    held = [(r.review_id, r.date) for r in amberly.reviews if r.held]
    assert held == [("3001", D(2023, 3, 28)), ("3003", D(2023, 6, 27))]
    # The cancelled subsequent review is kept as cancelled, not held.
    [cancelled] = [r for r in amberly.reviews if r.cancelled]
    assert (cancelled.review_id, cancelled.date) == ("3005", None)
    assert [(r.review_id, r.date) for r in _by_id(result)["102"].reviews] == [("3010", D(2021, 7, 6))]
    assert Facet.REVIEWS in amberly.coverage


def test_a_ppm_for_a_sibling_group_is_one_meeting_of_every_child_in_it(warehouse: Warehouse, load) -> None:
    children = _by_id(load(warehouse()))

    for child_id in ("101", "103"):
        ppm = next(m for m in children[child_id].meetings if m.kind is MeetingKind.PPM)
        # The mother is a subject of the same subgroup but is not looked after.
        assert (ppm.meeting_id, ppm.date, ppm.children) == ("3002", D(2023, 4, 3), ("101", "103"))
        assert ppm.minutes_issued_on == D(2023, 4, 5)


def test_a_booked_meeting_takes_its_date_from_the_meeting_date_answer(warehouse: Warehouse, load) -> None:
    amberly = _by_id(load(warehouse()))["101"]

    panel = next(m for m in amberly.meetings if m.kind is MeetingKind.TRACKING_PANEL)
    assert (panel.meeting_id, panel.date, panel.referral_received_on) == ("3004", D(2024, 2, 8), None)


def test_the_meeting_date_answer_wins_over_the_day_the_step_started(warehouse: Warehouse, load, rows) -> None:
    answers = [*rows["answers"], (405, 3002, 9, "perm.meeting.date", None, "2023-04-04 00:00:00", -1, 60, 4)]
    answers.append((405, 3002, 10, "perm.referral.received", None, "2023-03-29", -1, 60, 5))

    ppm = next(m for m in _by_id(load(warehouse(answers=answers)))["103"].meetings if m.kind is MeetingKind.PPM)

    assert (ppm.date, ppm.referral_received_on) == (D(2023, 4, 4), D(2023, 3, 29))


def test_steps_not_begun_and_cancelled_meetings_are_counted_not_read(warehouse: Warehouse, load, rows) -> None:
    steps = [*rows["steps"], (3006, 2210, 60, "INCOMING", "2024-03-01", None, None, 17, 1)]
    steps.append((3007, 2212, 60, "CANCELLED", "2024-03-01", None, None, 17, 1))

    result = load(warehouse(steps=steps))

    assert [m.meeting_id for m in _by_id(result)["101"].meetings] == ["3002", "3004"]
    assert "1 workflow steps in dm_workflow_steps have not begun and have no meeting date: not held yet" in (
        result.notices
    )
    assert "1 meeting steps in dm_workflow_steps were cancelled and are not meetings" in result.notices
    assert not result.rejected


def test_steps_of_other_types_are_not_read_at_all(warehouse: Warehouse, load, rows) -> None:
    steps = [*rows["steps"], (3030, 777, 60, "COMPLETED", "2023-05-01", "2023-05-01", None, 17, 1)]

    result, again = load(warehouse()), load(warehouse(steps=steps))

    assert again.read == result.read
    assert _by_id(again) == _by_id(result)


def test_steps_about_nobody_in_care_are_counted(warehouse: Warehouse, load, rows) -> None:
    steps = [*rows["steps"], (3040, 2210, 62, "COMPLETED", "2023-05-01", "2023-05-01", None, 17, 1)]
    subjects = [*rows["subjects"], (62, 900, "PER")]

    result = load(warehouse(steps=steps, subjects=subjects))

    assert "1 workflow steps in dm_workflow_steps are about no looked-after child" in result.notices


def test_bad_step_rows_are_rejected_and_the_rest_load(warehouse: Warehouse, load, rows) -> None:
    steps = [
        *rows["steps"],
        (3050, 1234, None, "COMPLETED", "2023-12-01", "2023-12-01", None, 17, 1),
        (3051, 1234, 60, "COMPLETED", "2023-12-01", "1/12/2023", None, 17, 1),
        rows["steps"][0],
    ]

    result = load(warehouse(steps=steps))

    found = {(r.source, r.field, r.value, r.reason) for r in result.rejected}
    assert found == {
        ("dm_workflow_steps workflow_step_id=3050", "subgroup_id", None, "is empty: the step is about nobody"),
        ("dm_workflow_steps workflow_step_id=3051", "started_on", "1/12/2023", "is not a date"),
        (
            "dm_workflow_steps workflow_step_id=3001",
            "workflow_step_id",
            None,
            "duplicate row: the first row with this key was kept",
        ),
    }
    assert [r.review_id for r in _by_id(result)["101"].reviews if r.held] == ["3001", "3003"]


def test_coverage_follows_the_configured_step_types(warehouse: Warehouse) -> None:
    url = warehouse()
    only_reviews = read(url, MosaicConfig(step_types=StepTypes(cla_review=(1242, 1237))))

    amberly = _by_id(only_reviews)["101"]
    assert Facet.REVIEWS in amberly.coverage
    assert not {Facet.MEETINGS, Facet.PLANS} & amberly.coverage
    assert amberly.meetings == ()
    assert [r.review_id for r in amberly.reviews] == ["3001", "3003"]
