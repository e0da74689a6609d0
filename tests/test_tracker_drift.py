"""Drift signals: each fires at its threshold and not before, per child, with cohort totals."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import D, plan, proceedings, record
from tracker_helpers import AS_OF, adopted, bare, in_proceedings, tracker

from permanence_core.errors import ModelValueError
from permanence_core.model import Extension, StatusChange
from permanence_core.tracker.drift import DriftThresholds, Signal


def signals(drift, child_id="C1"):
    return {flag.signal for flag in drift.for_child(child_id)}


def detail(drift, signal, child_id="C1"):
    return next(flag.detail for flag in drift.for_child(child_id) if flag.signal is signal)


def test_no_permanence_activity_fires_after_the_weeks_threshold_not_on_it():
    # Last activity the ratification on 28 April: 42 days later is six weeks exactly, 43 days is past it.
    child = in_proceedings(meetings=[])
    _, on_the_day = tracker([child], as_of=D(2026, 6, 9))
    assert Signal.NO_ACTIVITY not in signals(on_the_day)
    _, past = tracker([child], as_of=D(2026, 6, 10))
    assert detail(past, Signal.NO_ACTIVITY) == "last on 2026-04-28, 43 days ago"
    _, eight_weeks = tracker([child], as_of=D(2026, 6, 10), thresholds=DriftThresholds(weeks_without_activity=8))
    assert Signal.NO_ACTIVITY not in signals(eight_weeks)


def test_a_completed_action_counts_as_permanence_activity():
    _, drift = tracker([in_proceedings()], as_of=D(2026, 6, 10))
    assert Signal.NO_ACTIVITY not in signals(drift)


def test_a_child_with_no_permanence_activity_at_all_is_flagged_once_in_care_longer_than_the_threshold():
    quiet = record(D(2026, 1, 5), child_id="C1", reviews=[D(2026, 1, 30)])
    _, drift = tracker([quiet])
    assert detail(drift, Signal.NO_ACTIVITY) == "none recorded in 147 days looked after"
    _, early = tracker([quiet], as_of=D(2026, 2, 16))
    assert Signal.NO_ACTIVITY not in signals(early)


def test_no_activity_is_not_judged_without_plans_or_meetings_in_the_source_or_after_permanence_is_secured():
    _, drift = tracker([bare("C1")])
    assert Signal.NO_ACTIVITY not in signals(drift)
    secured = in_proceedings(
        plans=[plan(D(2026, 2, 1), history=[StatusChange(status="achieved", date=D(2026, 3, 1))], primary="adoption")],
        meetings=[],
    )
    _, drift = tracker([secured])
    assert Signal.NO_ACTIVITY not in signals(drift)


def test_no_plan_after_the_second_review_is_drift_but_a_plan_not_yet_due_or_recorded_late_is_not():
    no_plan = record(D(2026, 1, 5), child_id="C1", reviews=[D(2026, 1, 30), D(2026, 4, 28)])
    _, drift = tracker([no_plan])
    assert detail(drift, Signal.PLAN_NOT_BY_SECOND_REVIEW) == "second review held 2026-04-28, no plan 34 days later"
    _, before = tracker([no_plan], as_of=D(2026, 4, 28))
    assert Signal.PLAN_NOT_BY_SECOND_REVIEW not in signals(before)
    late = record(D(2026, 1, 5), child_id="C1", reviews=[D(2026, 1, 30), D(2026, 4, 28)], plans=[plan(D(2026, 5, 10))])
    _, drift = tracker([late])
    assert Signal.PLAN_NOT_BY_SECOND_REVIEW not in signals(drift)


def test_live_proceedings_beyond_26_weeks_are_drift_and_the_detail_names_any_extension():
    issued = D(2025, 11, 3)
    long_running = in_proceedings(proceedings=[proceedings(issued, cmh=D(2025, 11, 12))])
    _, drift = tracker([long_running])
    assert detail(drift, Signal.PROCEEDINGS_OVER_26_WEEKS) == "week 31, issued 2025-11-03"
    _, last_day = tracker([long_running], as_of=issued + dt.timedelta(days=181))
    assert Signal.PROCEEDINGS_OVER_26_WEEKS not in signals(last_day)
    extended = in_proceedings(
        proceedings=[
            proceedings(issued, cmh=D(2025, 11, 12), extensions=[Extension(granted_on=D(2026, 4, 1), weeks=4)])
        ]
    )
    _, drift = tracker([extended])
    assert detail(drift, Signal.PROCEEDINGS_OVER_26_WEEKS) == (
        "week 31, issued 2025-11-03; extended 4 weeks to 2026-05-31, which has passed"
    )
    concluded = in_proceedings(proceedings=[proceedings(issued, cmh=D(2025, 11, 12), concluded_on=D(2026, 5, 20))])
    _, drift = tracker([concluded])
    assert Signal.PROCEEDINGS_OVER_26_WEEKS not in signals(drift)


def test_overdue_actions_fire_at_the_threshold_count():
    _, drift = tracker([in_proceedings()])
    assert detail(drift, Signal.ACTIONS_OVERDUE) == "Complete the assessment (due 2026-05-01, 31 days overdue)"
    _, two = tracker([in_proceedings()], thresholds=DriftThresholds(overdue_actions=2))
    assert Signal.ACTIONS_OVERDUE not in signals(two)


@pytest.mark.parametrize(
    ("routes", "flagged"),
    [
        (["adoption", "special_guardianship", "adoption"], True),
        (["adoption", "special_guardianship"], False),
        (["adoption", "adoption", "adoption"], False),
    ],
)
def test_repeated_changes_of_route_are_drift(routes, flagged):
    plans = [plan(D(2026, 2, 1) + dt.timedelta(days=10 * i), primary=route) for i, route in enumerate(routes)]
    _, drift = tracker([in_proceedings(plans=plans)])
    assert (Signal.REPEATED_PLAN_CHANGES in signals(drift)) is flagged
    if flagged:
        assert detail(drift, Signal.REPEATED_PLAN_CHANGES) == (
            "2 changes of route: adoption → special_guardianship → adoption"
        )


def test_cohort_totals_count_children_per_signal_and_skip_children_who_left_care():
    no_plan = record(D(2026, 1, 5), child_id="C4", reviews=[D(2026, 1, 30), D(2026, 4, 28)])
    _, drift = tracker([in_proceedings("C1"), in_proceedings("C2"), adopted("C3"), no_plan])
    assert drift.assessed == 3
    assert drift.children_flagged == 3
    totals = drift.totals()
    assert set(totals) == set(Signal)
    assert totals[Signal.ACTIONS_OVERDUE] == 2
    assert totals[Signal.PLAN_NOT_BY_SECOND_REVIEW] == 1
    assert totals[Signal.REPEATED_PLAN_CHANGES] == 0
    assert list(drift.by_child()) == ["C1", "C2", "C4"]
    summary = drift.to_dict()
    assert summary["as_of"] == AS_OF.isoformat()
    assert summary["totals"]["actions_overdue"] == 2
    assert summary["thresholds"] == {
        "weeks_without_activity": 6,
        "overdue_actions": 1,
        "plan_changes": 2,
        "action_working_days": 10,
    }
    assert summary["children"][0]["child_id"] == "C1"


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_thresholds_must_be_whole_positive_numbers(bad):
    with pytest.raises(ModelValueError, match="weeks_without_activity"):
        DriftThresholds(weeks_without_activity=bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=120), st.integers(min_value=1, max_value=12))
def test_the_activity_signal_fires_exactly_when_the_gap_exceeds_the_weeks(offset, weeks):
    as_of = D(2026, 4, 28) + dt.timedelta(days=offset)
    child = in_proceedings(meetings=[])
    _, drift = tracker([child], as_of=as_of, thresholds=DriftThresholds(weeks_without_activity=weeks))
    assert (Signal.NO_ACTIVITY in signals(drift)) is (offset > weeks * 7)
