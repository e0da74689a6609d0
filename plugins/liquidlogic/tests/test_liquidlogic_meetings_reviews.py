"""Permanence meetings (FACT_MEETINGS / FACT_MEETING_SUBJECTS) and looked-after reviews (FACT_CLA_REVIEW)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.model import Facet, MeetingKind
from permanence_core.plugins.manager import Plugins

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]

# 204 is 201's sibling, in care since 2022-09-05 too.
SIBLING = (204, "L204", None, "Gwenllian", "Examplefield", "2016-03-01 00:00:00", "F", None)
SIBLING_EPISODE = (4, 204, 33, "2022-09-05 00:00:00", None, None)


def _load(built: tuple[str, Mapping[str, Any]]):
    result = Plugins().load("liquidlogic", *built)
    return {record.child_id: record for record in result.records}, result


def test_a_configured_ppm_is_read_and_other_meetings_are_not(warehouse: Warehouse) -> None:
    records, result = _load(warehouse())

    [meeting] = records["201"].meetings
    assert (meeting.meeting_id, meeting.kind, meeting.date, meeting.children) == (
        "93",
        MeetingKind.PPM,
        dt.date(2022, 10, 20),
        ("201",),
    )
    assert "1 cancelled permanence meetings were left out" in result.notices
    assert not result.rejected


def test_a_sibling_group_shares_its_ppm(warehouse: Warehouse, rows) -> None:
    records, result = _load(
        warehouse(
            persons=[*rows["persons"], SIBLING],
            episodes=[*rows["episodes"], SIBLING_EPISODE],
            subjects=[*rows["subjects"], (93, 204, None)],
        )
    )

    assert records["201"].meetings == records["204"].meetings
    assert records["204"].meetings[0].children == ("201", "204")
    assert not result.rejected


def test_meeting_children_are_named_by_the_case_id(warehouse: Warehouse) -> None:
    records, _ = _load(warehouse(settings='person_id_field = "LEGACY_ID"\n'))

    assert records["L201"].meetings[0].children == ("L201",)


def test_other_permanence_meetings_come_from_meeting_types(warehouse: Warehouse, rows) -> None:
    meetings = [*rows["meetings"], (96, "PermTrack", "2022-11-03 10:00:00", "N")]
    subjects = [*rows["subjects"], (96, 201, None)]

    records, _ = _load(
        warehouse(meetings=meetings, subjects=subjects, settings='meeting_types = { PermTrack = "tracking_panel" }\n')
    )

    assert [(m.meeting_id, m.kind) for m in records["201"].meetings] == [
        ("93", MeetingKind.PPM),
        ("96", MeetingKind.TRACKING_PANEL),
    ]


def test_a_meeting_without_a_date_is_rejected_for_each_child(warehouse: Warehouse, rows) -> None:
    meetings = [*rows["meetings"], (97, "PPM", None, None)]
    subjects = [*rows["subjects"], (97, 201, None)]

    records, result = _load(warehouse(meetings=meetings, subjects=subjects))

    [rejection] = result.rejected
    assert (rejection.source, rejection.child_id, rejection.field) == (
        "FACT_MEETINGS FACT_MEETING_ID=97, DIM_PERSON_ID=201",
        "201",
        "ACTUAL_DTTM",
    )
    assert [m.meeting_id for m in records["201"].meetings] == ["93"]


def test_without_meeting_type_codes_meetings_are_not_covered(warehouse: Warehouse) -> None:
    records, result = _load(warehouse(base_settings=""))

    assert Facet.MEETINGS not in records["201"].coverage
    assert records["201"].meetings == ()
    assert "meetings not read: no meeting type codes (ppm_meeting_types) are configured" in result.notices


def test_reviews_carry_due_and_held_dates(warehouse: Warehouse) -> None:
    records, _ = _load(warehouse())

    assert [(r.review_id, r.due_date, r.date, r.held) for r in records["201"].reviews] == [
        ("81", dt.date(2022, 10, 3), dt.date(2022, 9, 30), True),
        ("82", dt.date(2022, 12, 30), dt.date(2022, 12, 20), True),
    ]


def test_a_review_whose_meeting_was_cancelled_is_not_held(warehouse: Warehouse, rows) -> None:
    meetings = [(98, "CLAReview", "2023-03-20 10:00:00", "Y"), *rows["meetings"]]
    reviews = [*rows["reviews"], (83, 98, 201, "2023-03-20", "2023-03-20 10:00:00")]

    records, _ = _load(warehouse(meetings=meetings, reviews=reviews, subjects=[*rows["subjects"], (98, 201, None)]))

    third = records["201"].reviews[-1]
    assert (third.review_id, third.cancelled, third.held) == ("83", True, False)


def test_a_review_due_but_not_yet_held_is_kept(warehouse: Warehouse, rows) -> None:
    reviews = [*rows["reviews"], (84, None, 201, "2023-06-20", None)]

    records, result = _load(warehouse(reviews=reviews))

    due = next(review for review in records["201"].reviews if review.review_id == "84")
    assert (due.due_date, due.date, due.held) == (dt.date(2023, 6, 20), None, False)
    assert not result.rejected


def test_a_review_with_neither_date_is_rejected(warehouse: Warehouse, rows) -> None:
    reviews = [*rows["reviews"], (85, None, 201, None, None)]

    records, result = _load(warehouse(reviews=reviews))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field) == ("FACT_CLA_REVIEW FACT_CLA_REVIEW_ID=85", "MEETING_DTTM")
    assert len(records["201"].reviews) == 2
