"""The tracker's rows and timelines, computed from hand-built records and the rules engine's evaluation."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from rules_helpers import D, meeting, plan, proceedings, record
from tracker_helpers import AS_OF, action, adopted, bare, in_proceedings, row_of, tracker

from permanence_core.adapters import Rejection
from permanence_core.model import Extension, PlanStatus, StatusChange
from permanence_core.rules import ObligationState
from permanence_core.tracker.report import EventKind, ProceedingsBar


def test_a_child_in_proceedings_reads_as_the_tracker_table_shows_it():
    report, _ = tracker([in_proceedings()])
    row = row_of(report, "C1")
    assert row.looked_after
    assert row.days_in_care == 147
    assert row.legal_status == "C1"
    assert (row.plan_route, row.contingencies, row.plan_status) == ("adoption", ("long_term_fostering",), "ratified")
    assert row.proceedings_live
    assert row.proceedings_week == 19
    assert row.proceedings.week_26_ends == D(2026, 7, 20)
    assert row.next_deadline.rule == "proceedings.final"
    assert row.next_deadline.due_date == D(2026, 7, 20)
    assert not row.next_deadline.overdue
    assert row.last_activity == D(2026, 4, 28)
    assert row.days_since_activity == 34
    assert row.plan_by_second_review.state is ObligationState.MET


def test_an_action_done_after_the_report_date_was_overdue_on_it():
    report, _ = tracker([in_proceedings()])
    [overdue] = row_of(report, "C1").overdue_actions
    assert (overdue.action_id, overdue.meeting_id, overdue.due_date, overdue.days_overdue) == (
        "C1-A2",
        "PPM-C1",
        D(2026, 5, 1),
        31,
    )
    later, _ = tracker([in_proceedings()], as_of=D(2026, 6, 11))
    assert row_of(later, "C1").overdue_actions == ()


def test_an_action_shared_by_two_meetings_is_counted_once():
    shared = action("S1", D(2026, 3, 1))
    child = in_proceedings(
        meetings=[
            meeting("ppm", D(2026, 2, 10), meeting_id="M1", actions=[shared]),
            meeting("monitoring_group", D(2026, 3, 20), meeting_id="M2", actions=[shared]),
        ]
    )
    report, _ = tracker([child])
    assert [a.action_id for a in row_of(report, "C1").overdue_actions] == ["S1"]


def test_the_next_deadline_is_the_earliest_open_obligation_and_may_be_overdue():
    report, _ = tracker([bare()])
    deadline = row_of(report, "C3").next_deadline
    assert deadline.rule == "review.second"
    assert deadline.due_date == D(2026, 4, 30)
    assert deadline.overdue


def test_a_child_who_left_care_keeps_its_outcome_and_owes_nothing():
    report, _ = tracker([adopted(), in_proceedings()])
    row = row_of(report, "C2")
    assert not row.looked_after
    assert row.care_end == D(2026, 3, 1)
    assert row.days_in_care == 424
    assert (row.secured_on, row.secured_route, row.days_to_permanence) == (D(2026, 3, 1), "adoption", 424)
    assert row.next_deadline is None
    assert EventKind.REVIEW_DUE not in {e.kind for e in row.timeline.events}
    assert [r.child_id for r in report.looked_after] == ["C1"]


def test_a_plan_achieved_secures_permanence_by_its_route():
    achieved = plan(
        D(2026, 2, 1),
        primary="long_term_fostering",
        history=[
            StatusChange(status="proposed", date=D(2026, 2, 1)),
            StatusChange(status="achieved", date=D(2026, 5, 1)),
        ],
    )
    report, _ = tracker([in_proceedings(plans=[achieved])])
    row = row_of(report, "C1")
    assert (row.secured_on, row.secured_route, row.plan_status) == (D(2026, 5, 1), "long_term_fostering", "achieved")
    before, _ = tracker([in_proceedings(plans=[achieved])], as_of=D(2026, 4, 1))
    assert row_of(before, "C1").plan_status is PlanStatus.PROPOSED
    assert row_of(before, "C1").secured_on is None


def test_plans_decided_after_the_report_date_or_before_the_period_are_not_counted():
    plans = [
        plan(D(2025, 6, 1), primary="return_to_family"),
        plan(D(2026, 2, 10), primary="adoption"),
        plan(D(2026, 3, 1), primary="special_guardianship"),
        plan(D(2026, 7, 1), primary="long_term_fostering"),
    ]
    report, _ = tracker([in_proceedings(plans=plans)])
    row = row_of(report, "C1")
    assert row.routes == ("adoption", "special_guardianship")
    assert row.plan_route == "special_guardianship"
    assert row.plan_changes == 1


def test_a_source_without_plans_or_meetings_cannot_tell_permanence_activity():
    report, _ = tracker([bare()])
    row = row_of(report, "C3")
    assert not row.activity_assessable
    assert row.last_activity is None
    assert row.plan_route is None
    assert row.plan_by_second_review.state is ObligationState.NOT_ASSESSABLE


def test_concluded_proceedings_show_the_week_they_ended_in_and_extensions_move_the_due_date():
    extended = proceedings(
        D(2026, 1, 20),
        cmh=D(2026, 1, 30),
        extensions=[Extension(granted_on=D(2026, 7, 1), weeks=8)],
        concluded_on=D(2026, 8, 14),
    )
    report, _ = tracker([in_proceedings(proceedings=[extended])], as_of=D(2026, 9, 1))
    row = row_of(report, "C1")
    assert not row.proceedings_live
    assert row.proceedings_week == 30
    assert row.proceedings.due_date == D(2026, 9, 14)
    assert row.proceedings.extension_weeks == 8
    live, _ = tracker([in_proceedings(proceedings=[extended])], as_of=D(2026, 8, 1))
    assert row_of(live, "C1").proceedings_live


def test_the_timeline_holds_the_events_in_order_with_scheduled_and_due_ones_planned():
    report, _ = tracker([in_proceedings()])
    timeline = row_of(report, "C1").timeline
    kinds = [(e.kind, e.date, e.planned) for e in timeline.events]
    assert kinds[0] == (EventKind.CARE_START, D(2026, 1, 5), False)
    assert (EventKind.PPM, D(2026, 2, 10), False) in kinds
    assert (EventKind.PLAN_RATIFIED, D(2026, 4, 28), False) in kinds
    assert (EventKind.TRACKING_PANEL, D(2026, 6, 20), True) in kinds
    assert (EventKind.REVIEW_DUE, D(2026, 10, 28), True) in kinds
    assert [e.date for e in timeline.events] == sorted(e.date for e in timeline.events)
    assert timeline.today == AS_OF
    assert timeline.start < D(2026, 1, 5) and timeline.end > D(2026, 10, 28)
    assert timeline.proceedings[0].issue_date == D(2026, 1, 20)


def test_rows_are_in_child_id_order_and_children_not_yet_in_care_are_left_out():
    future = record(D(2026, 7, 1), child_id="C0")
    report, _ = tracker([in_proceedings("C9"), future, in_proceedings("C5")])
    assert [row.child_id for row in report.rows] == ["C5", "C9"]


def test_the_report_carries_the_rejected_records():
    rejected = (Rejection(source="episodes.csv", row=4, child_id="C7", field="DECOM", value="x", reason="not a date"),)
    report, _ = tracker([in_proceedings()], rejected=rejected)
    assert report.rejected == rejected
    assert report.profile == "england"


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 1, 1)), st.integers(min_value=0, max_value=400))
def test_week_26_ends_on_the_last_day_of_the_26_weeks_beginning_with_issue(issue, offset):
    bar = ProceedingsBar(issue_date=issue, concluded_on=None, due_date=issue)
    day = issue + dt.timedelta(days=offset)
    assert bar.week_on(issue) == 1
    assert (bar.week_on(day) <= 26) == (day <= bar.week_26_ends)
    assert bar.week_on(bar.week_26_ends) == 26
