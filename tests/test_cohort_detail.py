"""The cohort's detail tables: their schema is enforced, and records convert to them keyed as the cohort is."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from permanence_core.cohort import CohortDetail, cohort_from_records, detail_from_records
from permanence_core.model import CaseRecord, Child, Identifiers, MeetingKind, PeriodOfCare
from permanence_core.model.meetings import Action, Meeting
from permanence_core.model.plan import PermanencePlan


def test_a_detail_table_that_drifts_from_its_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="cohort detail table 'names'"):
        CohortDetail(names=pl.DataFrame({"child_id": ["1"]}))


def _record() -> CaseRecord:
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id="C1"), first_name="Ada", surname="Byron"),
        coverage={"care", "meetings", "plans"},
        periods_of_care=[PeriodOfCare(start=dt.date(2026, 1, 5))],
        plans=[
            PermanencePlan(primary="adoption", decided_on=dt.date(2026, 4, 1), plan_id="P2"),
            PermanencePlan(primary="special_guardianship", decided_on=dt.date(2026, 2, 1)),
        ],
        meetings=[
            Meeting(
                meeting_id="M2",
                kind=MeetingKind.PPM,
                date=dt.date(2026, 3, 1),
                chair="Chair B",
                children=("C1", "C9"),
                actions=[
                    Action(action_id="A1", description="Visit", owner="SW", due_date=dt.date(2026, 3, 9)),
                    Action(action_id="A2", description="Write", depends_on=("A1",), completed_on=dt.date(2026, 3, 2)),
                ],
            ),
            Meeting(meeting_id="M1", kind=MeetingKind.TRACKING_PANEL, date=dt.date(2026, 2, 1)),
        ],
    )


def test_records_become_detail_rows_keyed_to_the_cohorts_meetings_and_plans() -> None:
    record = _record()
    cohort, detail = cohort_from_records([record]), detail_from_records([record])
    assert detail.names.rows() == [("C1", "Ada Byron")]
    # The detail's (child_id, seq) finds the same meeting in Cohort.meetings: M1 is first by date.
    joined = cohort.meetings.join(detail.meeting_detail, on=["child_id", "seq"]).sort("seq")
    assert joined.select("meeting_id", "chair", "children").rows() == [
        ("M1", None, []),
        ("M2", "Chair B", ["C1", "C9"]),
    ]
    actions = detail.actions.join(cohort.meetings.rename({"seq": "meeting_seq"}), on=["child_id", "meeting_seq"]).sort(
        "position"
    )
    assert actions.select(
        "meeting_id", "position", "action_id", "owner", "depends_on", "due_date", "completed_on"
    ).rows() == [
        ("M2", 1, "A1", "SW", [], dt.date(2026, 3, 9), None),
        ("M2", 2, "A2", None, ["A1"], None, dt.date(2026, 3, 2)),
    ]
    plans = cohort.plans.join(detail.plan_ids, on=["child_id", "seq"]).sort("seq")
    assert plans.select("primary", "plan_id").rows() == [("special_guardianship", None), ("adoption", "P2")]


def test_one_childs_detail() -> None:
    other = CaseRecord(child=Child(identifiers=Identifiers(case_id="C2")), coverage={"care"})
    detail = detail_from_records([_record(), other]).only("C2")
    assert detail.names.rows() == [("C2", "C2")]
    assert detail.actions.height == detail.meeting_detail.height == detail.plan_ids.height == 0
