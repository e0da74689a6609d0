"""The rules engine's edges, each worked out by hand: what an obligation and an alert say, field by field, and the
boundaries (an event on the anchor's own day, on the due date, on the as-of date) that mutation testing found
no test held. Each test names the behaviour; `make mutation` shows the faults they catch."""

import attrs
import polars as pl
import pytest
from rules_helpers import D, meeting, plan, proceedings, record

from permanence_core.calendar import WorkingCalendar
from permanence_core.cohort import cohort_from_records
from permanence_core.model import AdoptionMilestones, Facet, LegalStatusSpell, PeriodOfCare, PlanStatus, StatusChange
from permanence_core.rules import Alert, AlertStatus, Obligation, ObligationState, evaluate, load_profile
from permanence_core.rules.engine import (
    OBLIGATION_COLUMNS,
    calendar_for,
    evaluate_cohort,
    needed_facets,
    profile_facets,
)
from permanence_core.rules.events import met_by_words
from permanence_core.rules.profile import Offset, resolve

ENGLAND = load_profile("england")
REG_33_1 = "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(1)"
BARE = ["care", "reviews", "adoption"]


def found(profile, rec, as_of, rule):
    evaluation = evaluate([rec], profile if not isinstance(profile, str) else load_profile(profile), as_of)
    return [o for o in evaluation.obligations if o.rule == rule], [a for a in evaluation.alerts if a.rule == rule]


def test_a_met_obligation_says_what_met_it_and_where_the_rule_comes_from():
    [obligation], _ = found(ENGLAND, record(D(2026, 1, 5), reviews=[D(2026, 1, 30)]), D(2026, 2, 10), "review.first")
    assert obligation == Obligation(
        child_id="C1",
        rule="review.first",
        title="First looked-after review",
        state=ObligationState.MET,
        source=REG_33_1,
        anchor_event="became looked after",
        anchor_date=D(2026, 1, 5),
        due_date=D(2026, 2, 2),
        met_on=D(2026, 1, 30),
        met_by="review_held",
        met_event="looked-after review held",
        statutory=True,
    )


def test_a_rule_the_source_cannot_assess_names_every_fact_it_lacks():
    [plans], _ = found(ENGLAND, record(D(2026, 1, 5), coverage=BARE), D(2026, 6, 1), "plan.by_second_review")
    assert plans == Obligation(
        child_id="C1",
        rule="plan.by_second_review",
        title="Permanence plan in place by the second review",
        state=ObligationState.NOT_ASSESSABLE,
        source="Children Act 1989 guidance and regulations Vol. 2 (care planning), permanence planning",
        met_by="plan_recorded",
        statutory=True,
        note="the source does not supply: plans",
    )
    [ppm], _ = found("ppm-process", record(D(2026, 1, 5), coverage=BARE), D(2026, 6, 1), "ppm.after_first_cmh")
    assert ppm.note == "the source does not supply: meetings, proceedings"


def test_the_summary_counts_states_alerts_and_what_cannot_be_assessed():
    evaluation = evaluate([record(D(2026, 1, 5), coverage=BARE)], ENGLAND, D(2026, 2, 10))
    assert evaluation.summary() == {
        "obligations": {"not_assessable": 3, "open": 1},
        "alerts": {"overdue": 1},
        "not_assessable_by_rule": {"plan.by_second_review": 1, "proceedings.cmh": 1, "proceedings.final": 1},
    }
    # The columnar engine's own summary, read from its table, says the same.
    cohort = cohort_from_records([record(D(2026, 1, 5), coverage=BARE)])
    assert evaluate_cohort(cohort, ENGLAND, D(2026, 2, 10)).summary() == evaluation.summary()


@pytest.mark.parametrize(
    ("as_of", "status", "when"),
    [
        (D(2026, 1, 31), AlertStatus.UPCOMING, "due in 2 days"),
        (D(2026, 2, 1), AlertStatus.UPCOMING, "due in 1 day"),
        (D(2026, 2, 2), AlertStatus.UPCOMING, "due today"),
        (D(2026, 2, 3), AlertStatus.OVERDUE, "overdue by 1 day"),
    ],
)
def test_an_alert_says_when_in_words(as_of, status, when):
    _, [alert] = found(ENGLAND, record(D(2026, 1, 5)), as_of, "review.first")
    assert alert == Alert(
        child_id="C1",
        rule="review.first",
        status=status,
        due_date=D(2026, 2, 2),
        anchor_event="became looked after",
        anchor_date=D(2026, 1, 5),
        message=f"First looked-after review: due 2026-02-02, {when}; 20 working days after became looked after on "
        "2026-01-05",
        source=REG_33_1,
        title="First looked-after review",
        statutory=True,
    )


def test_a_same_day_rule_and_an_indicator_say_so_in_their_message():
    _, [same_day] = found(
        ENGLAND, record(D(2026, 1, 5), reviews=[D(2026, 1, 30)]), D(2026, 4, 20), "plan.by_second_review"
    )
    assert same_day.message == (
        "Permanence plan in place by the second review: due 2026-04-30, due in 10 days; "
        "0 days after second review due on 2026-04-30"
    )
    rec = record(D(2024, 11, 4), adoption=AdoptionMilestones(decision=D(2025, 3, 1)))
    _, [indicator] = found(ENGLAND, rec, D(2026, 1, 2), "adoption.a1")
    assert indicator.message == (
        "Adoption scorecard A1: entering care to placed for adoption within 426 days (indicator, not a statutory "
        "deadline): due 2026-01-04, due in 2 days; 426 days after became looked after on 2024-11-04"
    )
    assert (indicator.title, indicator.statutory) == (
        "Adoption scorecard A1: entering care to placed for adoption within 426 days",
        False,
    )


@pytest.mark.parametrize(
    ("offset", "words"),
    [
        (Offset(days=-3), "3 days before"),
        (Offset(working_days=1), "1 working day"),
        (Offset(weeks=2), "2 weeks"),
        (Offset(months=-1), "1 month before"),
        (Offset(days=0), "0 days"),
    ],
)
def test_an_offset_describes_itself(offset, words):
    assert offset.describe() == words


# --- stops ------------------------------------------------------------------------------------------------------

NEL_MEETINGS = [meeting("ppm", D(2026, 1, 16)), meeting("tracking_panel", D(2026, 1, 30))]  # next fortnight: 13 Feb


def ratified_on(day):
    return [plan(D(2026, 1, 16), history=[StatusChange(status=PlanStatus.RATIFIED, date=day)])]


def test_a_plan_ratified_on_the_due_date_means_that_fortnight_is_not_owed():
    rec = record(D(2026, 1, 5), meetings=NEL_MEETINGS, plans=ratified_on(D(2026, 2, 13)))
    obligations, alerts = found("north-east-lincolnshire", rec, D(2026, 2, 20), "tracking.fortnightly")
    assert [(o.due_date, o.state) for o in obligations] == [(D(2026, 1, 30), ObligationState.MET)]
    assert alerts == []


def test_a_plan_ratified_today_stops_the_alerts_but_keeps_the_missed_fortnight_on_record():
    rec = record(D(2026, 1, 5), meetings=NEL_MEETINGS, plans=ratified_on(D(2026, 2, 16)))
    obligations, alerts = found("north-east-lincolnshire", rec, D(2026, 2, 16), "tracking.fortnightly")
    assert [(o.due_date, o.state) for o in obligations] == [
        (D(2026, 1, 30), ObligationState.MET),
        (D(2026, 2, 13), ObligationState.OPEN),
    ]
    assert alerts == []


# --- which events count --------------------------------------------------------------------------------------


def test_a_meeting_held_on_the_as_of_date_counts():
    rec = record(D(2026, 1, 5), meetings=[meeting("ppm", D(2026, 1, 19))])
    [obligation], alerts = found("north-east-lincolnshire", rec, D(2026, 1, 19), "ppm.week_two")
    assert (obligation.state, obligation.met_on, obligation.met_event) == (
        ObligationState.MET,
        D(2026, 1, 19),
        "ppm held",
    )
    assert alerts == []


def test_only_meetings_of_the_rules_kind_meet_it():
    meetings = [meeting("ppm", D(2026, 2, 2)), meeting("tracking_panel", D(2026, 3, 2))]
    [obligation], _ = found(
        "ppm-process", record(D(2026, 1, 5), meetings=meetings), D(2026, 3, 20), "monitoring.every_4_to_6_weeks"
    )
    assert (obligation.due_date, obligation.state) == (D(2026, 3, 16), ObligationState.OPEN)


def test_a_meeting_of_the_anchors_own_kind_must_come_after_it_any_other_event_may_fall_on_its_day():
    # A second tracking meeting the same day as the PPM is not the next fortnight's.
    same_day = [meeting("ppm", D(2026, 1, 16)), meeting("tracking_panel", D(2026, 1, 16), meeting_id="T1")]
    obligations, _ = found(
        "north-east-lincolnshire", record(D(2026, 1, 5), meetings=same_day), D(2026, 2, 2), "tracking.fortnightly"
    )
    assert [(o.due_date, o.state) for o in obligations] == [(D(2026, 1, 30), ObligationState.OPEN)]
    # A PPM on the very day permanence was decided meets the three-week rule.
    rec = record(D(2026, 1, 5), permanence_decision_date=D(2026, 2, 2), meetings=[meeting("ppm", D(2026, 2, 2))])
    [obligation], _ = found("ppm-process", rec, D(2026, 3, 1), "ppm.after_permanence_decision")
    assert (obligation.state, obligation.met_on) == (ObligationState.MET, D(2026, 2, 2))


def test_a_ppm_held_before_the_hearing_meets_the_seven_day_rule():
    rec = record(
        D(2026, 1, 5),
        proceedings=[proceedings(D(2026, 1, 5), cmh=D(2026, 1, 20))],
        meetings=[meeting("ppm", D(2026, 1, 10))],
    )
    [obligation], _ = found("ppm-process", rec, D(2026, 2, 1), "ppm.after_first_cmh")
    assert (obligation.anchor_event, obligation.due_date) == ("first case management hearing", D(2026, 1, 27))
    assert (obligation.state, obligation.met_on) == (ObligationState.MET, D(2026, 1, 10))


def test_a_plan_counts_from_the_start_of_this_period_of_care_up_to_the_as_of_date():
    periods = [
        PeriodOfCare(start=D(2025, 1, 6), end=D(2025, 6, 2), reason_ceased="E4B"),
        PeriodOfCare(start=D(2026, 1, 5)),
    ]

    def state(plans):
        rec = record(None, periods=periods, reviews=[D(2026, 1, 30)], plans=plans)
        [obligation], _ = found(ENGLAND, rec, D(2026, 2, 2), "plan.by_second_review")
        return obligation.state, obligation.met_on

    assert state([plan(D(2025, 3, 3))]) == (ObligationState.OPEN, None)  # an earlier period's plan
    assert state([plan(None)]) == (ObligationState.OPEN, None)  # a plan with no date on it
    assert state([plan(D(2026, 1, 5))]) == (ObligationState.MET, D(2026, 1, 5))  # decided the day care began
    assert state([plan(D(2026, 2, 2))]) == (ObligationState.MET, D(2026, 2, 2))  # decided today
    assert state([plan(None, ratified_at_review=D(2026, 1, 30))]) == (ObligationState.MET, D(2026, 1, 30))


def test_a_meeting_counts_from_the_day_this_period_of_care_began():
    periods = [
        PeriodOfCare(start=D(2025, 1, 6), end=D(2025, 6, 2), reason_ceased="E4B"),
        PeriodOfCare(start=D(2026, 1, 5)),
    ]

    def state(day):
        rec = record(None, periods=periods, meetings=[meeting("ppm", day)])
        [obligation], _ = found("bolton", rec, D(2026, 2, 10), "ppm.convene_prompt")
        return obligation.state

    assert state(D(2025, 3, 3)) == ObligationState.OPEN  # an earlier period's PPM
    assert state(D(2026, 1, 2)) == ObligationState.OPEN  # three days before this period
    assert state(D(2026, 1, 5)) == ObligationState.MET  # held the day care began


def test_the_ppm_prompt_is_met_by_a_ppm_on_the_record_held_or_not():
    rec = record(D(2026, 1, 5), meetings=[meeting("ppm", D(2026, 3, 2))])
    [obligation], _ = found("bolton", rec, D(2026, 2, 10), "ppm.convene_prompt")
    # The source does not say when the PPM was booked: on the record means convened, as of the prompt's anchor.
    assert (obligation.state, obligation.met_on, obligation.met_event) == (
        ObligationState.MET,
        D(2026, 1, 5),
        "PPM arranged",
    )


def test_a_plan_review_and_a_looked_after_review_on_the_same_day_meet_the_plan_review_once():
    meetings = [meeting("ppm", D(2026, 1, 31)), meeting("plan_review", D(2026, 7, 20))]
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 26), D(2026, 7, 20)], meetings=meetings)
    [obligation], _ = found("ppm-process", rec, D(2026, 8, 3), "plan_review.six_months")
    met = (ObligationState.MET, D(2026, 7, 20), "plan review held")
    assert (obligation.state, obligation.met_on, obligation.met_event) == met


# --- applies -------------------------------------------------------------------------------------------------


def test_a_rule_for_one_legal_status_applies_to_each_anchor_by_the_status_on_its_day(tmp_path):
    path = tmp_path / "care-orders.toml"
    path.write_text(
        'name = "care-orders"\nextends = "england"\n'
        '[rules."panel.care_orders"]\ntitle = "Referral before a panel, full care orders only"\n'
        'anchor = "tracking_panel"\noffset = { days = -3 }\nmet_by = "referral_received"\n'
        'applies = { legal_status = ["C2"] }\nsource = "test"\n'
    )
    statuses = [
        LegalStatusSpell(code="V2", start=D(2026, 1, 5), end=D(2026, 2, 20)),
        LegalStatusSpell(code="C2", start=D(2026, 2, 20)),
    ]
    panels = [meeting("tracking_panel", D(2026, 2, 12)), meeting("tracking_panel", D(2026, 3, 12))]
    rec = record(D(2026, 1, 5), legal_statuses=statuses, meetings=panels)
    obligations, _ = found(load_profile(str(path)), rec, D(2026, 3, 20), "panel.care_orders")
    assert [(o.anchor_date, o.due_date) for o in obligations] == [(D(2026, 3, 12), D(2026, 3, 9))]


def test_a_legal_status_is_in_force_from_its_first_day_until_the_day_before_it_ends(tmp_path):
    path = tmp_path / "care-orders.toml"
    path.write_text(
        'name = "care-orders"\nextends = "england"\n'
        '[rules."panel.care_orders"]\ntitle = "Referral before a panel, full care orders only"\n'
        'anchor = "tracking_panel"\noffset = { days = -3 }\nmet_by = "referral_received"\n'
        'applies = { legal_status = ["C2"] }\nsource = "test"\n'
    )
    # The care order starts on the first panel's day and ends on the second's, with no status after it.
    statuses = [
        LegalStatusSpell(code="V2", start=D(2026, 1, 5), end=D(2026, 2, 20)),
        LegalStatusSpell(code="C2", start=D(2026, 2, 20), end=D(2026, 3, 12)),
    ]
    panels = [meeting("tracking_panel", D(2026, 2, 20)), meeting("tracking_panel", D(2026, 3, 12))]
    rec = record(D(2026, 1, 5), legal_statuses=statuses, meetings=panels)
    obligations, _ = found(load_profile(str(path)), rec, D(2026, 3, 20), "panel.care_orders")
    assert [o.anchor_date for o in obligations] == [D(2026, 2, 20)]


def test_a_second_rule_for_one_plan_route_applies_only_to_children_with_that_plan_or_contingency(tmp_path):
    path = tmp_path / "adoption-route.toml"
    path.write_text(
        'name = "adoption-route"\nextends = "england"\n'
        '[rules."adoption.ppm"]\ntitle = "PPM within 4 weeks, adoption plans only"\n'
        'anchor = "care_start"\noffset = { weeks = 4 }\nmet_by = "ppm_held"\n'
        'applies = { plan_route = ["adoption"] }\nsource = "test"\n'
    )
    profile = load_profile(str(path))
    adoption = record(D(2026, 1, 5), plans=[plan(D(2026, 1, 20), primary="adoption")])
    home = record(D(2026, 1, 5), plans=[plan(D(2026, 1, 20), primary="return_to_family")])
    contingency = record(
        D(2026, 1, 5), plans=[plan(D(2026, 1, 20), primary="return_to_family", contingencies=["adoption"])]
    )
    assert [o.due_date for o in found(profile, adoption, D(2026, 2, 10), "adoption.ppm")[0]] == [D(2026, 2, 2)]
    assert [o.due_date for o in found(profile, contingency, D(2026, 2, 10), "adoption.ppm")[0]] == [D(2026, 2, 2)]
    assert found(profile, home, D(2026, 2, 10), "adoption.ppm")[0] == []


def test_the_adoption_indicator_applies_only_once_adoption_is_the_plan():
    assert found(ENGLAND, record(D(2024, 11, 4)), D(2025, 12, 1), "adoption.a1")[0] == []
    rec = record(D(2024, 11, 4), adoption=AdoptionMilestones(decision=D(2025, 3, 1)))
    assert [o.due_date for o in found(ENGLAND, rec, D(2025, 12, 1), "adoption.a1")[0]] == [D(2026, 1, 4)]


@pytest.mark.parametrize(
    ("profile", "rule", "facets"),
    [
        ("england", "review.first", {"care", "reviews"}),
        ("england", "adoption.a1", {"care", "adoption"}),  # the stage adds adoption to the anchor's care
        ("north-east-lincolnshire", "tracking.fortnightly", {"meetings", "plans"}),  # the stop adds plans
        ("ppm-process", "plan_review.six_months", {"meetings", "reviews", "care"}),
    ],
)
def test_a_rule_needs_the_facts_of_its_anchor_met_by_stops_and_stages(profile, rule, facets):
    assert needed_facets(load_profile(profile).rule(rule)) == {Facet(f) for f in facets}


def test_a_source_covering_exactly_what_a_rule_needs_can_assess_it():
    [obligation], _ = found(
        ENGLAND, record(D(2026, 1, 5), coverage=["care", "reviews"]), D(2026, 1, 20), "review.first"
    )
    assert obligation.state is ObligationState.OPEN


def test_a_child_not_yet_looked_after_is_skipped_and_the_next_child_evaluated():
    later = record(D(2026, 3, 2), child_id="LATER")
    now = record(D(2026, 1, 5), child_id="NOW")
    evaluation = evaluate([later, now], ENGLAND, D(2026, 2, 10))
    assert {o.child_id for o in evaluation.obligations} == {"NOW"}
    assert (evaluation.as_of, evaluation.profile) == (D(2026, 2, 10), ENGLAND)


def test_a_profiles_closures_and_bank_holidays_move_working_day_due_dates(tmp_path):
    path = tmp_path / "scotland.toml"
    path.write_text('name = "closures"\nextends = "england"\n[settings]\nextra_closures = ["2026-01-30"]\n')
    [closed], _ = found(load_profile(str(path)), record(D(2026, 1, 5)), D(2026, 1, 20), "review.first")
    assert closed.due_date == D(2026, 2, 3)  # 30 January is closed: a day later than 2 February
    path.write_text('name = "scotland"\nextends = "england"\n[settings]\nholidays_subdiv = "SCT"\n')
    [scottish], _ = found(load_profile(str(path)), record(D(2025, 12, 19)), D(2026, 1, 5), "review.first")
    assert scottish.due_date == D(2026, 1, 22)  # 2 January is a bank holiday in Scotland
    assert repr(calendar_for(load_profile(str(path)))) == "WorkingCalendar(subdiv='SCT', extra_closures=0)"


def test_each_panel_anchors_its_own_referral_and_minutes():
    panels = [
        meeting("tracking_panel", D(2026, 3, 19), minutes_issued_on=D(2026, 3, 23)),
        meeting("tracking_panel", D(2026, 4, 16)),
    ]
    rec = record(D(2026, 1, 5), meetings=panels)
    minutes, _ = found("panel-tor", rec, D(2026, 4, 16), "panel.minutes")  # the second panel is held today
    assert [(o.anchor_event, o.anchor_date, o.state) for o in minutes] == [
        ("tracking panel held", D(2026, 3, 19), ObligationState.MET),
        ("tracking panel held", D(2026, 4, 16), ObligationState.OPEN),
    ]
    issued, _ = found(
        "england", record(D(2026, 1, 5), proceedings=[proceedings(D(2026, 1, 5))]), D(2026, 1, 6), "proceedings.cmh"
    )
    assert [o.anchor_event for o in issued] == ["care proceedings issued"]


def test_the_minutes_of_the_first_panel_meet_a_rule_anchored_on_the_first_panel(tmp_path):
    path = tmp_path / "first-minutes.toml"
    path.write_text(
        'name = "first-minutes"\n[rules."panel.first_minutes"]\ntitle = "Minutes of the first panel"\n'
        'anchor = "first_tracking_panel"\noffset = { working_days = 3 }\nmet_by = "minutes_issued"\n'
        'source = "test"\n'
    )
    panels = [
        meeting("tracking_panel", D(2026, 3, 19), minutes_issued_on=D(2026, 3, 23)),
        meeting("tracking_panel", D(2026, 4, 16), minutes_issued_on=D(2026, 4, 17)),
    ]
    [obligation], _ = found(
        load_profile(str(path)), record(D(2026, 1, 5), meetings=panels), D(2026, 5, 1), "panel.first_minutes"
    )
    assert (obligation.state, obligation.met_on) == (ObligationState.MET, D(2026, 3, 23))


def test_the_first_and_second_reviews_anchor_the_next_ones():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 30), D(2026, 4, 28)])
    [second], _ = found(ENGLAND, rec, D(2026, 5, 1), "review.second")
    [subsequent], _ = found(ENGLAND, rec, D(2026, 5, 1), "review.subsequent")
    assert (second.anchor_event, second.anchor_date, second.due_date) == (
        "first review held",
        D(2026, 1, 30),
        D(2026, 4, 30),
    )
    assert (subsequent.anchor_event, subsequent.anchor_date, subsequent.due_date) == (
        "second review held",
        D(2026, 4, 28),
        D(2026, 10, 28),
    )


def test_each_anchor_and_event_is_named_in_the_obligation():
    adoption = AdoptionMilestones(
        decision=D(2025, 3, 3), placement_order=D(2025, 6, 2), match=D(2025, 9, 1), placed=D(2025, 10, 1)
    )
    rec = record(
        D(2024, 11, 4),
        permanence_decision_date=D(2024, 11, 4),  # decided the day care began: still in the period
        adoption=adoption,
        meetings=[meeting("ppm", D(2024, 11, 20))],
    )
    a1, a2 = (found(ENGLAND, rec, D(2025, 12, 1), rule)[0][0] for rule in ("adoption.a1", "adoption.a2"))
    assert (a1.state, a1.met_on, a1.met_event) == (ObligationState.MET, D(2025, 10, 1), "placed for adoption")
    assert (a2.anchor_event, a2.state, a2.met_on, a2.met_event) == (
        "placement order granted",
        ObligationState.MET,
        D(2025, 9, 1),
        "matched with adopters",
    )
    assert a1.statutory is False
    [decision], _ = found("ppm-process", rec, D(2025, 12, 1), "ppm.after_permanence_decision")
    assert (decision.anchor_event, decision.anchor_date) == ("decision to pursue permanence", D(2024, 11, 4))
    [monitoring], _ = found("ppm-process", rec, D(2024, 12, 1), "monitoring.every_4_to_6_weeks")
    assert (monitoring.anchor_event, monitoring.anchor_date) == ("first PPM held", D(2024, 11, 20))


def test_an_indicator_the_source_cannot_assess_is_still_marked_as_an_indicator():
    [a1], _ = found(ENGLAND, record(D(2024, 11, 4), coverage=["care", "reviews"]), D(2025, 12, 1), "adoption.a1")
    assert (a1.state, a1.statutory) == (ObligationState.NOT_ASSESSABLE, False)


def test_minutes_and_referrals_count_on_the_day_they_are_recorded():
    panel = meeting(
        "tracking_panel", D(2026, 3, 19), minutes_issued_on=D(2026, 3, 23), referral_received_on=D(2026, 3, 16)
    )
    rec = record(D(2026, 1, 5), meetings=[panel])
    [minutes], _ = found("panel-tor", rec, D(2026, 3, 23), "panel.minutes")
    assert (minutes.state, minutes.met_on, minutes.met_event) == (ObligationState.MET, D(2026, 3, 23), "minutes issued")
    [referral], _ = found("panel-tor", rec, D(2026, 3, 23), "panel.referral")
    assert (referral.state, referral.met_event) == (ObligationState.MET, "referral received")


def test_a_rule_counting_from_the_first_hearing_can_be_met_by_the_proceedings_ending(tmp_path):
    path = tmp_path / "after-cmh.toml"
    path.write_text(
        'name = "after-cmh"\nextends = "england"\n'
        '[rules."proceedings.after_cmh"]\ntitle = "Proceedings concluded within 20 weeks of the first hearing"\n'
        'anchor = "first_cmh"\noffset = { weeks = 20 }\nmet_by = "proceedings_concluded"\nsource = "test"\n'
        # A rule pairing a review with panel minutes makes no sense, but must not break the run.
        '[rules."odd.pairing"]\ntitle = "Minutes after the first review"\n'
        'anchor = "review_1"\noffset = { days = 3 }\nmet_by = "minutes_issued"\nsource = "test"\n'
    )
    profile = load_profile(str(path))
    rec = record(
        D(2026, 1, 5),
        reviews=[D(2026, 1, 30)],
        proceedings=[proceedings(D(2026, 1, 5), cmh=D(2026, 1, 16), concluded_on=D(2026, 5, 1))],
    )
    [concluded], _ = found(profile, rec, D(2026, 6, 1), "proceedings.after_cmh")
    assert (concluded.state, concluded.met_on, concluded.met_event) == (
        ObligationState.MET,
        D(2026, 5, 1),
        "proceedings concluded",
    )
    [odd], _ = found(profile, rec, D(2026, 6, 1), "odd.pairing")
    assert odd.state is ObligationState.OPEN


def test_a_rule_for_one_plan_route_does_not_apply_to_a_child_with_no_plan(tmp_path):
    path = tmp_path / "adoption-route.toml"
    path.write_text(
        'name = "adoption-route"\nextends = "england"\n'
        '[rules."adoption.ppm"]\ntitle = "PPM within 4 weeks, adoption plans only"\n'
        'anchor = "care_start"\noffset = { weeks = 4 }\nmet_by = "ppm_held"\n'
        'applies = { plan_route = ["adoption"] }\nsource = "test"\n'
    )
    assert found(load_profile(str(path)), record(D(2026, 1, 5)), D(2026, 2, 10), "adoption.ppm")[0] == []


def test_an_event_on_the_last_day_in_care_is_in_the_period():
    # Decided and met on the day the child went home: kept on the timeline as met.
    rec = record(
        D(2026, 1, 5),
        end=D(2026, 3, 2),
        reason_ceased="E4B",
        permanence_decision_date=D(2026, 3, 2),
        meetings=[meeting("ppm", D(2026, 3, 2))],
    )
    [obligation], alerts = found("ppm-process", rec, D(2026, 4, 1), "ppm.after_permanence_decision")
    assert (obligation.anchor_date, obligation.state) == (D(2026, 3, 2), ObligationState.MET)
    assert alerts == []


@pytest.mark.parametrize(
    ("plans", "adoption", "applies"),
    [
        ([plan(D(2025, 1, 6), primary="adoption")], None, True),
        ([plan(D(2025, 1, 6), primary="long_term_fostering", contingencies=["adoption"])], None, True),
        ([plan(D(2025, 1, 6), primary="return_to_family")], None, False),
        ([], AdoptionMilestones(decision=D(2025, 3, 3)), True),
        ([], AdoptionMilestones(decision=D(2025, 3, 3), reversal=D(2025, 5, 1)), False),
    ],
)
def test_the_adoption_indicator_follows_the_plan_or_the_decision(plans, adoption, applies):
    rec = record(D(2024, 11, 4), plans=plans, adoption=adoption)
    assert len(found(ENGLAND, rec, D(2025, 12, 1), "adoption.a1")[0]) == int(applies)


def test_offsets_up_to_a_century_either_way_are_allowed_and_no_further():
    assert Offset(days=36_525).days == 36_525
    assert Offset(days=-36_525).days == -36_525
    with pytest.raises(ValueError, match=r"^days = 36526 is not from -36525 to 36525$"):
        Offset(days=36_526)
    with pytest.raises(ValueError, match=r"^weeks = -5219 is not from -5218 to 5218$"):
        Offset(weeks=-5_219)
    with pytest.raises(ValueError, match=r"must be set \(got none\)$"):
        Offset()
    with pytest.raises(ValueError, match=r"must be set \(got \['days', 'weeks'\]\)$"):
        Offset(days=1, weeks=1)


def test_a_match_on_the_order_day_and_a_placement_today_count():
    adoption = AdoptionMilestones(
        decision=D(2025, 3, 3), placement_order=D(2025, 6, 2), match=D(2025, 6, 2), placed=D(2025, 12, 1)
    )
    rec = record(D(2024, 11, 4), adoption=adoption)
    [a1], _ = found(ENGLAND, rec, D(2025, 12, 1), "adoption.a1")
    [a2], _ = found(ENGLAND, rec, D(2025, 12, 1), "adoption.a2")
    assert (a1.state, a1.met_on) == (ObligationState.MET, D(2025, 12, 1))
    assert (a2.state, a2.met_on) == (ObligationState.MET, D(2025, 6, 2))


def test_an_adoption_milestone_dated_after_the_as_of_day_has_not_met_its_rule_yet():
    adoption = AdoptionMilestones(
        decision=D(2025, 3, 3), placement_order=D(2025, 6, 2), match=D(2025, 6, 2), placed=D(2025, 12, 1)
    )
    [a1], _ = found(ENGLAND, record(D(2024, 11, 4), adoption=adoption), D(2025, 11, 30), "adoption.a1")
    assert (a1.state, a1.met_on) == (ObligationState.OPEN, None)


def test_a_profile_needs_every_facet_its_rules_read():
    # England's rules read no meeting; Bolton's permanence planning meetings do.
    england = {Facet.ADOPTION, Facet.CARE, Facet.PLANS, Facet.PROCEEDINGS, Facet.REVIEWS}
    assert profile_facets(load_profile("england")) == england
    assert profile_facets(load_profile("bolton")) == england | {Facet.MEETINGS}


IN_PROCEEDINGS = """
name = "stage"
[rules."s.review"]
title = "A review while in proceedings"
anchor = "care_start"
offset = { days = 10 }
met_by = "review_held"
applies = { stage = ["in_proceedings"] }
source = "test"
"""


def test_a_child_is_in_proceedings_from_issue_until_they_conclude():
    profile = resolve("stage", {"stage": IN_PROCEEDINGS})
    start, as_of = D(2026, 1, 5), D(2026, 4, 1)
    children = {
        "live": proceedings(D(2026, 1, 10)),
        "concluding later": proceedings(D(2026, 1, 10), concluded_on=D(2026, 4, 2)),
        "concluded": proceedings(D(2026, 1, 10), concluded_on=D(2026, 3, 1)),
        "issued later": proceedings(D(2026, 4, 2)),
        "issued today": proceedings(as_of),
        "concluded today": proceedings(D(2026, 1, 10), concluded_on=as_of),
    }
    records = [record(start, child_id=name, proceedings=[case]) for name, case in children.items()]
    in_proceedings = ["live", "concluding later", "issued today"]
    assert [o.child_id for o in evaluate(records, profile, as_of).obligations] == in_proceedings
    assert evaluate_cohort(cohort_from_records(records), profile, as_of).evaluation().obligations == (
        evaluate(records, profile, as_of).obligations
    )


def test_a_child_is_without_a_ratified_plan_until_a_review_ratifies_one():
    profile = resolve("stage", {"stage": IN_PROCEEDINGS.replace('"in_proceedings"', '"no_ratified_plan"')})
    start, as_of = D(2026, 1, 5), D(2026, 4, 1)
    children = {
        "no plan": [],
        "decided only": [plan(D(2026, 1, 20))],
        "ratified": [plan(D(2026, 1, 20), ratified_at_review=D(2026, 2, 2))],
    }
    records = [record(start, child_id=name, plans=plans) for name, plans in children.items()]
    assert [o.child_id for o in evaluate(records, profile, as_of).obligations] == ["no plan", "decided only"]
    assert evaluate_cohort(cohort_from_records(records), profile, as_of).evaluation().obligations == (
        evaluate(records, profile, as_of).obligations
    )


def test_one_childs_alerts_and_timeline_are_theirs_alone_by_due_date_with_the_undated_last():
    # B's source lacks plans and proceedings: the rules reading them are not assessable and have no due date.
    records = [
        record(D(2026, 1, 5), child_id="A", reviews=[D(2026, 1, 30)]),
        record(D(2026, 2, 2), child_id="B", coverage=BARE),
    ]
    as_of = D(2026, 6, 1)
    evaluation = evaluate(records, ENGLAND, as_of)
    columnar = evaluate_cohort(cohort_from_records(records), ENGLAND, as_of)
    for child in ("A", "B"):
        timeline = evaluation.obligations_for(child)
        assert len(timeline) == len([o for o in evaluation.obligations if o.child_id == child]) > 0
        assert {o.child_id for o in timeline} == {child}
        dated = [o for o in timeline if o.due_date is not None]
        assert timeline[: len(dated)] == tuple(dated)
        assert [(o.due_date, o.rule) for o in dated] == sorted((o.due_date, o.rule) for o in dated)
        assert [o.rule for o in timeline[len(dated) :]] == sorted(o.rule for o in timeline[len(dated) :])
        alerts = evaluation.alerts_for(child)
        assert alerts == tuple(a for a in evaluation.alerts if a.child_id == child) != ()
        assert (columnar.obligations_for(child), columnar.alerts_for(child)) == (timeline, alerts)
    undated = [o for o in evaluation.obligations_for("B") if o.due_date is None]
    assert len(undated) > 1
    assert len({o.due_date for o in evaluation.obligations_for("A")}) < len(evaluation.obligations_for("A"))


def test_an_alert_counts_calendar_days_past_its_due_date_negative_while_upcoming():
    _, [alert] = found(ENGLAND, record(D(2026, 1, 5)), D(2026, 2, 10), "review.first")
    assert alert.due_date == D(2026, 2, 2)
    assert (alert.days_overdue(D(2026, 2, 10)), alert.days_overdue(D(2026, 1, 30))) == (8, -3)


def test_what_meets_a_rule_is_said_in_words_and_a_term_the_vocabulary_lacks_says_so():
    assert met_by_words("review_held") == "a looked-after review held"
    assert met_by_words(None) == met_by_words("no_such_event") == "an event the rule does not name"


def test_a_calendar_given_to_evaluate_is_the_one_it_counts_working_days_by():
    closed = WorkingCalendar(extra_closures=[D(2026, 1, 30)])
    rec = record(D(2026, 1, 5))
    [by_profile], _ = found(ENGLAND, rec, D(2026, 1, 6), "review.first")
    [obligation] = [o for o in evaluate([rec], ENGLAND, D(2026, 1, 6), closed).obligations if o.rule == "review.first"]
    assert (by_profile.due_date, obligation.due_date) == (D(2026, 2, 2), D(2026, 2, 3))


def test_a_review_the_day_after_the_one_a_chain_counts_from_meets_the_next_step():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 30), D(2026, 4, 28), D(2026, 4, 29)])
    subsequent, _ = found(ENGLAND, rec, D(2026, 5, 1), "review.subsequent")
    assert [(o.anchor_date, o.met_on) for o in subsequent] == [(D(2026, 4, 28), D(2026, 4, 29)), (D(2026, 4, 29), None)]


def test_a_review_on_the_day_a_chain_starts_meets_its_first_step_and_the_chain_stops_at_its_limit(tmp_path):
    path = tmp_path / "visits.toml"
    path.write_text(
        'name = "visits"\n[rules."review.chain"]\ntitle = "A review every 20 days from care"\nanchor = "care_start"\n'
        'offset = { days = 20 }\nmet_by = "review_held"\nrecurrence = { chain = true, limit = 2 }\nsource = "test"\n'
    )
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 5), D(2026, 1, 20)])
    chain, _ = found(load_profile(str(path)), rec, D(2026, 1, 21), "review.chain")
    assert [(o.anchor_date, o.met_on) for o in chain] == [
        (D(2026, 1, 5), D(2026, 1, 5)),
        (D(2026, 1, 5), D(2026, 1, 20)),
    ]  # the limit: no third step from the review of 20 January


def test_only_a_child_with_adoption_as_plan_or_contingency_is_in_the_adoption_plan_stage():
    profile = resolve("stage", {"stage": IN_PROCEEDINGS.replace('"in_proceedings"', '"adoption_plan"')})
    children = {
        "adoption": [plan(D(2026, 1, 20))],
        "adoption as contingency": [plan(D(2026, 1, 20), primary="return_to_family", contingencies=["adoption"])],
        "home": [plan(D(2026, 1, 20), primary="return_to_family")],
        "no plan": [],
    }
    records = [record(D(2026, 1, 5), child_id=name, plans=plans) for name, plans in children.items()]
    obligations = evaluate(records, profile, D(2026, 4, 1)).obligations
    assert [o.child_id for o in obligations] == ["adoption", "adoption as contingency"]


def test_a_review_the_day_after_the_first_meets_the_second_review_rule():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 30), D(2026, 1, 31)])
    [second], _ = found(ENGLAND, rec, D(2026, 2, 10), "review.second")
    assert (second.anchor_date, second.met_on) == (D(2026, 1, 30), D(2026, 1, 31))


@pytest.mark.parametrize("extensions", ["", "add_extensions = true\n"])
def test_a_chain_met_by_a_plan_review_or_a_review_counts_each_step_from_the_event_that_met_the_last(
    tmp_path, extensions
):
    # plan_review_or_review_held is no sequence of one kind, so its chain takes the step-by-step loop: each step
    # searches strictly after the review that met the step before, not from its day. A step anchored on a review
    # adds no proceedings' extensions, even for a rule that adds them.
    path = tmp_path / "reviews.toml"
    path.write_text(
        'name = "reviews"\n[rules."review.chain"]\ntitle = "A review every 20 days from care"\nanchor = "care_start"\n'
        'offset = { days = 20 }\nmet_by = "plan_review_or_review_held"\nrecurrence = { chain = true, limit = 3 }\n'
        f'{extensions}source = "test"\n'
    )
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 20)], meetings=[meeting("plan_review", D(2026, 2, 1))])
    evaluation = evaluate_cohort(cohort_from_records([rec]), load_profile(str(path)), D(2026, 2, 10))
    assert [(o.anchor_date, o.due_date, o.met_on, o.met_event) for o in evaluation.obligations()] == [
        (D(2026, 1, 5), D(2026, 1, 25), D(2026, 1, 20), "looked-after review held"),
        (D(2026, 1, 20), D(2026, 2, 9), D(2026, 2, 1), "plan review held"),
        (D(2026, 2, 1), D(2026, 2, 21), None, None),
    ]
    assert evaluation.table["step"].to_list() == [0, 1, 2]
    # The third step, in its warning window, alerts: a later step may alert as the first may.
    assert [(a.due_date, a.status) for a in evaluation.alerts] == [(D(2026, 2, 21), AlertStatus.UPCOMING)]


def test_a_cohort_evaluation_lists_the_obligations_of_one_rule_alone_and_of_one_child_and_rule():
    records = [record(D(2026, 1, 5), reviews=[D(2026, 1, 30)]), record(D(2026, 1, 12), child_id="C2")]
    evaluation = evaluate_cohort(cohort_from_records(records), ENGLAND, D(2026, 6, 1))
    every = evaluation.obligations()
    second = evaluation.obligations(rule="review.second")
    assert second == tuple(o for o in every if o.rule == "review.second")
    assert [o.child_id for o in second] == ["C1"]  # C2 has held no first review to count from
    assert evaluation.obligations("C2", rule="review.first") == (evaluation.obligations_for("C2")[0],)
    assert evaluation.obligations("C2", rule="review.first")[0].rule == "review.first"
    assert evaluation.obligations(rule="no.such.rule") == ()


def test_a_not_assessable_obligation_is_a_typed_row_of_the_table_first_in_its_place_and_raising_no_alert():
    evaluation = evaluate_cohort(cohort_from_records([record(D(2026, 1, 5), coverage=BARE)]), ENGLAND, D(2026, 2, 10))
    assert evaluation.table.schema == pl.Schema(OBLIGATION_COLUMNS)
    rows = evaluation.table.filter(pl.col("state") == ObligationState.NOT_ASSESSABLE.value)
    assert rows.select("anchor_index", "step", "alert").rows() == [(0, 0, False)] * 3
    # No rule recurs here: every obligation is the first step of its chain.
    assert set(evaluation.table["step"]) == {0}


def test_a_facet_whose_coverage_is_unknown_counts_as_not_supplied():
    cohort = cohort_from_records([record(D(2026, 1, 5))])
    unknown = cohort.children.with_columns(covers_meetings=pl.lit(None, pl.Boolean))
    evaluation = evaluate_cohort(attrs.evolve(cohort, children=unknown), load_profile("ppm-process"), D(2026, 6, 1))
    [ppm] = evaluation.obligations(rule="ppm.after_first_cmh")
    assert (ppm.state, ppm.note) == (ObligationState.NOT_ASSESSABLE, "the source does not supply: meetings")


def test_a_chain_met_from_its_warning_window_with_extensions_counts_from_the_review_that_met_the_last(tmp_path):
    # A search from the window carries no reference, so the chain takes the step-by-step loop; the step anchored on
    # the review joins the proceedings' extensions by the review's index, and a review adds none.
    path = tmp_path / "window.toml"
    path.write_text(
        'name = "window"\n[rules."review.window"]\ntitle = "A review every 20 days from care"\nanchor = "care_start"\n'
        'offset = { days = 20 }\nmet_by = "review_held"\nmet_from = "window"\nadd_extensions = true\n'
        'recurrence = { chain = true, limit = 3 }\nsource = "test"\n'
    )
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 8), D(2026, 1, 20)])
    chain, _ = found(load_profile(str(path)), rec, D(2026, 2, 5), "review.window")
    assert [(o.anchor_date, o.due_date, o.met_on) for o in chain] == [
        (D(2026, 1, 5), D(2026, 1, 25), D(2026, 1, 20)),  # not the review of 8 January, before the window
        (D(2026, 1, 20), D(2026, 2, 9), None),  # the window opens on 26 January, after the only review
    ]


@pytest.mark.parametrize(("left", "owed"), [(D(2026, 2, 2), False), (D(2026, 2, 3), True)])
def test_a_child_who_leaves_care_on_the_day_a_review_falls_due_is_not_owed_it(left, owed):
    obligations, _ = found(ENGLAND, record(D(2026, 1, 5), end=left), D(2026, 3, 1), "review.first")
    assert [o.due_date for o in obligations] == ([D(2026, 2, 2)] if owed else [])


def test_proceedings_whose_extensions_are_unknown_add_none():
    # A cohort table may leave extension_weeks null (an adapter that does not know): no extension, not a week.
    cohort = cohort_from_records([record(D(2026, 1, 5), proceedings=[proceedings(D(2026, 1, 12))])])
    unknown = cohort.proceedings.with_columns(extension_weeks=pl.lit(None, pl.Int32))
    evaluation = evaluate_cohort(attrs.evolve(cohort, proceedings=unknown), ENGLAND, D(2026, 2, 1))
    [final] = evaluation.obligations(rule="proceedings.final")
    assert final.due_date == D(2026, 7, 12)  # 26 weeks beginning with the issue day: issue + 181 days


def test_a_profile_without_rules_gives_an_empty_table_of_every_column():
    # The typed empty frame the rules' tables are put together with gives the columns when there is no rule at all.
    children = cohort_from_records([record(D(2026, 1, 5))])
    evaluation = evaluate_cohort(children, attrs.evolve(ENGLAND, rules=()), D(2026, 2, 10))
    assert evaluation.table.schema == pl.Schema(OBLIGATION_COLUMNS)
    assert evaluation.table.height == 0
    assert evaluation.alerts == ()
