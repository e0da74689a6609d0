"""The england profile, rule by rule, with the counting examples of research/timescales.md."""

import datetime as dt

import pytest
from rules_helpers import D, meeting, plan, proceedings, record

from permanence_core.model import AdoptionMilestones, Extension, PeriodOfCare
from permanence_core.rules import AlertStatus, ObligationState, evaluate, load_profile

ENGLAND = load_profile("england")


def obligations(rec, as_of, rule):
    return [o for o in evaluate([rec], ENGLAND, as_of).obligations if o.rule == rule]


def only(rec, as_of, rule):
    found = obligations(rec, as_of, rule)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (D(2026, 1, 5), D(2026, 2, 2)),
        (D(2025, 12, 19), D(2026, 1, 21)),  # Christmas, Boxing Day, New Year
        (D(2026, 3, 20), D(2026, 4, 21)),  # Good Friday, Easter Monday
        (D(2022, 5, 23), D(2022, 6, 22)),  # Platinum Jubilee 2 and 3 June 2022
        (D(2022, 9, 9), D(2022, 10, 10)),  # State Funeral 19 September 2022
        (D(2023, 4, 28), D(2023, 5, 31)),  # early May, Coronation 8 May and spring bank holidays 2023
        (D(2021, 12, 17), D(2022, 1, 19)),  # substitute days 27 and 28 December 2021, 3 January 2022
    ],
)
def test_first_review_due_20_working_days_after_becoming_looked_after(start, due):
    obligation = only(record(start), start + dt.timedelta(days=1), "review.first")
    assert obligation.due_date == due
    assert obligation.anchor_event == "became looked after"
    assert obligation.state is ObligationState.OPEN


def test_first_review_held_on_the_due_date_is_met_and_a_day_late_is_a_breach():
    on_time = only(record(D(2026, 1, 5), reviews=[D(2026, 2, 2)]), D(2026, 3, 1), "review.first")
    late = only(record(D(2026, 1, 5), reviews=[D(2026, 2, 3)]), D(2026, 3, 1), "review.first")
    assert (on_time.state, on_time.met_on) == (ObligationState.MET, D(2026, 2, 2))
    assert (late.state, late.met_on) == (ObligationState.MET_LATE, D(2026, 2, 3))


@pytest.mark.parametrize(
    ("first_review", "due"),
    [(D(2025, 11, 30), D(2026, 2, 28)), (D(2025, 8, 31), D(2025, 11, 30)), (D(2026, 1, 31), D(2026, 4, 30))],
)
def test_second_review_three_months_after_the_first_clamped_to_month_end(first_review, due):
    rec = record(first_review - dt.timedelta(days=20), reviews=[first_review])
    assert only(rec, first_review, "review.second").due_date == due


def test_a_late_review_is_a_breach_that_moves_the_next_due_date():
    # First review held late on 10 Feb: the second is due three months after it *as held*.
    rec = record(D(2026, 1, 5), reviews=[D(2026, 2, 10), D(2026, 5, 20), D(2026, 11, 1)])
    as_of = D(2026, 12, 1)
    assert only(rec, as_of, "review.first").state is ObligationState.MET_LATE
    second = only(rec, as_of, "review.second")
    assert (second.due_date, second.state) == (D(2026, 5, 10), ObligationState.MET_LATE)
    subsequent = obligations(rec, as_of, "review.subsequent")
    # The third review counts from the second as held (20 May), not from its due date (10 May).
    assert [(o.anchor_date, o.due_date, o.state) for o in subsequent] == [
        (D(2026, 5, 20), D(2026, 11, 20), ObligationState.MET),
        (D(2026, 11, 1), D(2027, 5, 1), ObligationState.OPEN),
    ]


def test_subsequent_reviews_keep_recurring_every_six_months():
    reviews = [D(2024, 1, 20), D(2024, 4, 15), D(2024, 10, 10), D(2025, 4, 8), D(2025, 10, 1)]
    rec = record(D(2023, 12, 18), reviews=reviews)
    due = [o.due_date for o in obligations(rec, D(2026, 1, 1), "review.subsequent")]
    assert due == [D(2024, 10, 15), D(2025, 4, 10), D(2025, 10, 8), D(2026, 4, 1)]


@pytest.mark.parametrize(
    ("decided", "state"),
    [(D(2026, 4, 1), ObligationState.MET), (D(2026, 5, 20), ObligationState.MET_LATE), (None, ObligationState.OPEN)],
)
def test_plan_by_second_review(decided, state):
    plans = [plan(decided)] if decided else []
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 30), D(2026, 4, 28)], plans=plans)
    obligation = only(rec, D(2026, 6, 1), "plan.by_second_review")
    assert (obligation.anchor_event, obligation.due_date, obligation.state) == (
        "second review held",
        D(2026, 4, 28),
        state,
    )


def test_plan_by_second_review_uses_the_due_date_until_the_second_review_is_held():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 30)])
    obligation = only(rec, D(2026, 3, 1), "plan.by_second_review")
    assert (obligation.anchor_event, obligation.due_date) == ("second review due", D(2026, 4, 30))


def test_proceedings_end_26_weeks_beginning_with_the_issue_day():
    rec = record(D(2026, 1, 5), proceedings=[proceedings(D(2026, 1, 5))])
    assert only(rec, D(2026, 2, 1), "proceedings.final").due_date == D(2026, 7, 5)


def test_each_extension_adds_its_weeks():
    extended = proceedings(D(2026, 1, 5), extensions=[Extension(granted_on=D(2026, 6, 20), weeks=8)])
    rec = record(D(2026, 1, 5), proceedings=[extended])
    assert only(rec, D(2026, 2, 1), "proceedings.final").due_date == D(2026, 8, 30)


def test_proceedings_concluded_in_time_are_met():
    concluded = proceedings(D(2026, 1, 5), concluded_on=D(2026, 6, 30))
    obligation = only(record(D(2026, 1, 5), proceedings=[concluded]), D(2026, 8, 1), "proceedings.final")
    assert (obligation.state, obligation.met_on) == (ObligationState.MET, D(2026, 6, 30))


def test_cmh_by_day_12_calendar_and_business_day_bases():
    rec = record(D(2026, 1, 5), proceedings=[proceedings(D(2026, 1, 5), cmh=D(2026, 1, 19))])
    calendar_basis = only(rec, D(2026, 2, 1), "proceedings.cmh")
    assert (calendar_basis.due_date, calendar_basis.state) == (D(2026, 1, 16), ObligationState.MET_LATE)
    text = 'name = "business"\nextends = "england"\n[rules."proceedings.cmh"]\noffset = { working_days = 12 }\n'
    from permanence_core.rules.profile import resolve
    from permanence_core.rules.profiles import builtin_profiles

    business = resolve("business", {**builtin_profiles(), "business": text})
    found = [o for o in evaluate([rec], business, D(2026, 2, 1)).obligations if o.rule == "proceedings.cmh"]
    assert (found[0].due_date, found[0].state) == (D(2026, 1, 20), ObligationState.MET)


def test_children_who_have_left_care_owe_nothing_further():
    rec = record(D(2026, 1, 5), end=D(2026, 1, 20), reason_ceased="E4A")
    evaluation = evaluate([rec], ENGLAND, D(2026, 3, 1))
    assert [o for o in evaluation.obligations if o.rule.startswith("review")] == []
    assert evaluation.alerts == ()


def test_a_breach_before_leaving_care_is_kept_but_raises_no_alert():
    rec = record(D(2026, 1, 5), end=D(2026, 3, 1), reason_ceased="E13")
    evaluation = evaluate([rec], ENGLAND, D(2026, 4, 1))
    assert only(rec, D(2026, 4, 1), "review.first").state is ObligationState.OPEN
    assert evaluation.alerts == ()


def test_short_breaks_are_not_periods_of_care():
    rec = record(D(2026, 1, 5), periods=[PeriodOfCare(start=D(2026, 1, 5), short_break=True)])
    assert evaluate([rec], ENGLAND, D(2026, 3, 1)).obligations == ()


def test_a_new_period_of_care_starts_the_review_cycle_again():
    periods = [
        PeriodOfCare(start=D(2025, 1, 6), end=D(2025, 6, 1), reason_ceased="E4B"),
        PeriodOfCare(start=D(2026, 1, 5)),
    ]
    rec = record(None, periods=periods, reviews=[D(2025, 2, 1), D(2025, 5, 1)])
    evaluation = evaluate([rec], ENGLAND, D(2026, 1, 20))
    reviews = [o for o in evaluation.obligations if o.rule.startswith("review")]
    assert [(o.rule, o.due_date, o.state) for o in reviews] == [("review.first", D(2026, 2, 2), ObligationState.OPEN)]


def test_alert_window_upcoming_then_overdue():
    rec = record(D(2026, 1, 5))  # first review due Mon 2 Feb 2026

    def statuses(as_of):
        return [a.status for a in evaluate([rec], ENGLAND, as_of).alerts if a.rule == "review.first"]

    assert statuses(D(2026, 1, 18)) == []  # 15 days before: outside the 14-day window
    assert statuses(D(2026, 1, 19)) == [AlertStatus.UPCOMING]
    assert statuses(D(2026, 2, 2)) == [AlertStatus.UPCOMING]  # due today
    assert statuses(D(2026, 2, 3)) == [AlertStatus.OVERDUE]


def test_an_alert_explains_itself():
    [alert] = [a for a in evaluate([record(D(2026, 1, 5))], ENGLAND, D(2026, 2, 10)).alerts if a.rule == "review.first"]
    assert alert.to_dict() == {
        "child_id": "C1",
        "rule": "review.first",
        "status": "overdue",
        "due_date": "2026-02-02",
        "anchor_event": "became looked after",
        "anchor_date": "2026-01-05",
        "message": "First looked-after review: due 2026-02-02, overdue by 8 days; "
        "20 working days after became looked after on 2026-01-05",
        "source": "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(1)",
    }


def test_a_bare_return_cannot_assess_plans_or_proceedings():
    rec = record(D(2026, 1, 5), coverage=["care", "reviews", "adoption"])
    evaluation = evaluate([rec], ENGLAND, D(2026, 6, 1))
    assert evaluation.summary()["not_assessable_by_rule"] == {
        "plan.by_second_review": 1,
        "proceedings.cmh": 1,
        "proceedings.final": 1,
    }
    assert not [a for a in evaluation.alerts if a.rule.startswith(("plan", "proceedings"))]


def test_adoption_indicators_are_marked_as_not_statutory():
    adoption = AdoptionMilestones(decision=D(2025, 3, 1), placement_order=D(2025, 6, 2))
    rec = record(D(2024, 11, 4), adoption=adoption)
    alerts = {a.rule: a for a in evaluate([rec], ENGLAND, D(2025, 12, 1)).alerts}
    assert alerts["adoption.a1"].due_date == D(2024, 11, 4) + dt.timedelta(days=426)
    assert not alerts["adoption.a1"].statutory
    assert "not a statutory deadline" in alerts["adoption.a1"].message
    assert alerts["adoption.a2"].status is AlertStatus.OVERDUE  # 2 Jun 2025 + 121 days = 1 Oct 2025


def test_alerts_are_sorted_by_due_date_then_child_id():
    records = [
        record(D(2026, 1, 5), child_id="B"),
        record(D(2026, 1, 5), child_id="A"),
        record(D(2025, 12, 1), child_id="C"),
    ]
    alerts = evaluate(records, ENGLAND, D(2026, 2, 20)).alerts
    assert [(a.due_date, a.child_id) for a in alerts] == sorted((a.due_date, a.child_id) for a in alerts)
    assert [a.child_id for a in alerts if a.rule == "review.first"] == ["C", "A", "B"]


def test_meetings_do_not_count_for_reviews():
    rec = record(D(2026, 1, 5), meetings=[meeting("ppm", D(2026, 1, 20))])
    assert only(rec, D(2026, 2, 10), "review.first").state is ObligationState.OPEN


def test_a_deadline_met_before_leaving_care_stays_on_the_timeline():
    # Proceedings issued 5 Jan, concluded 30 Jun (inside 26 weeks); the child left care that day with an SGO.
    concluded = proceedings(D(2026, 1, 5), concluded_on=D(2026, 6, 30))
    rec = record(D(2026, 1, 5), end=D(2026, 6, 30), reason_ceased="E45", proceedings=[concluded])
    obligation = only(rec, D(2026, 8, 1), "proceedings.final")
    assert (obligation.due_date, obligation.state, obligation.met_on) == (
        D(2026, 7, 5),
        ObligationState.MET,
        D(2026, 6, 30),
    )
    assert evaluate([rec], ENGLAND, D(2026, 8, 1)).alerts == ()
