"""Each seed council's local profile: its rules, layered on england, citing its seed document."""

from pathlib import Path

import pytest
from rules_helpers import D, meeting, plan, proceedings, record

from permanence_core.model import PlanStatus, StatusChange
from permanence_core.rules import AlertStatus, ObligationState, evaluate, load_profile
from permanence_core.rules.profiles import builtin_profiles

PROFILES = Path(__file__).parents[1] / "src" / "permanence_core" / "rules" / "profiles"
DOCS = Path(__file__).parents[1] / "docs"
LOCAL = ["tracker-meeting", "ppm-process", "panel-tor", "north-east-lincolnshire", "bolton"]
SEEDS = {
    "tracker-meeting": "000_",
    "ppm-process": "001_",
    "panel-tor": "002_",
    "north-east-lincolnshire": "003_",
    "bolton": "004_",
}


def run(profile, rec, as_of, rule):
    evaluation = evaluate([rec], load_profile(profile), as_of)
    return [o for o in evaluation.obligations if o.rule == rule], [a for a in evaluation.alerts if a.rule == rule]


@pytest.mark.parametrize("name", LOCAL)
def test_local_profiles_extend_england_and_cite_their_seed(name):
    profile = load_profile(name)
    assert profile.chain == (name, "england")
    england = {r.id for r in load_profile("england").rules}
    local_rules = [r for r in profile.rules if r.id not in england]
    assert local_rules
    for rule in local_rules:
        assert rule.source.startswith(f"seeds/{SEEDS[name]}"), rule.id


@pytest.mark.parametrize("name", LOCAL)
def test_each_local_rule_quotes_its_seed_and_says_how_it_was_read(name):
    text = (PROFILES / f"{name}.toml").read_text(encoding="utf-8")
    readings = (DOCS / "seeds.md").read_text(encoding="utf-8").split("## How each seed was read")[1]
    for rule in load_profile(name).rules:
        header = f'[rules."{rule.id}"]'
        if rule.source.startswith("seeds/") and header in text:
            comment = text.split(header)[0].rstrip().rsplit("\n\n", 1)[-1]
            assert "# Seed:" in comment and "# Read:" in comment, rule.id
            assert f"| {SEEDS[name][:3]} | `{rule.id}` |" in readings, rule.id


def test_every_shipped_profile_is_registered():
    assert set(builtin_profiles()) == {"england", *LOCAL}


def test_000_pro_forma_due_three_working_days_before_the_tracking_meeting():
    panel = meeting("tracking_panel", D(2026, 4, 9), referral_received_on=D(2026, 4, 3))
    [obligation], _ = run("tracker-meeting", record(D(2025, 11, 3), meetings=[panel]), D(2026, 4, 10), "panel.referral")
    # Thursday 9 April 2026 minus 3 working days skips Easter Monday: Thursday 2 April.
    assert obligation.due_date == D(2026, 4, 2)
    assert obligation.state is ObligationState.MET_LATE


def test_000_missing_pro_forma_alerts_before_the_meeting():
    panel = meeting("tracking_panel", D(2026, 4, 9))
    _, alerts = run("tracker-meeting", record(D(2025, 11, 3), meetings=[panel]), D(2026, 3, 30), "panel.referral")
    assert [a.status for a in alerts] == [AlertStatus.UPCOMING]
    assert "3 working days before tracking panel date on 2026-04-09" in alerts[0].message


def test_001_first_ppm_within_seven_days_of_the_first_cmh():
    rec = record(
        D(2026, 1, 5),
        proceedings=[proceedings(D(2026, 1, 5), cmh=D(2026, 1, 16))],
        meetings=[meeting("ppm", D(2026, 1, 26))],
    )
    [obligation], _ = run("ppm-process", rec, D(2026, 2, 1), "ppm.after_first_cmh")
    assert (obligation.due_date, obligation.state) == (D(2026, 1, 23), ObligationState.MET_LATE)


def test_001_ppm_within_three_weeks_of_the_permanence_decision():
    rec = record(D(2026, 1, 5), permanence_decision_date=D(2026, 2, 2))
    [obligation], alerts = run("ppm-process", rec, D(2026, 2, 24), "ppm.after_permanence_decision")
    assert obligation.due_date == D(2026, 2, 23)
    assert [a.status for a in alerts] == [AlertStatus.OVERDUE]


def test_001_monitoring_group_every_four_to_six_weeks_until_permanence_secured():
    meetings = [
        meeting("ppm", D(2026, 2, 2)),
        meeting("monitoring_group", D(2026, 3, 9)),
        meeting("monitoring_group", D(2026, 4, 30)),
    ]
    rec = record(D(2026, 1, 5), meetings=meetings)
    found, alerts = run("ppm-process", rec, D(2026, 6, 1), "monitoring.every_4_to_6_weeks")
    assert [(o.due_date, o.state) for o in found] == [
        (D(2026, 3, 16), ObligationState.MET),
        (D(2026, 4, 20), ObligationState.MET_LATE),
        (D(2026, 6, 11), ObligationState.OPEN),
    ]
    assert [a.status for a in alerts] == [AlertStatus.UPCOMING]  # 11 June is inside the 14-day window
    secured = record(D(2026, 1, 5), meetings=meetings, end=D(2026, 5, 20), reason_ceased="E45")
    assert [o.due_date for o in run("ppm-process", secured, D(2026, 6, 1), "monitoring.every_4_to_6_weeks")[0]] == [
        D(2026, 3, 16),
        D(2026, 4, 20),
    ]


def test_001_plan_review_six_months_after_the_first_ppm():
    rec = record(D(2026, 1, 5), meetings=[meeting("ppm", D(2026, 1, 31))])
    [obligation], _ = run("ppm-process", rec, D(2026, 3, 1), "plan_review.six_months")
    assert obligation.due_date == D(2026, 7, 31)


def test_002_referral_three_days_before_panel_and_minutes_within_three_working_days():
    panel = meeting("tracking_panel", D(2026, 12, 24), referral_received_on=D(2026, 12, 21))
    rec = record(D(2026, 6, 1), meetings=[panel])
    [referral], _ = run("panel-tor", rec, D(2027, 1, 10), "panel.referral")
    assert (referral.due_date, referral.state) == (D(2026, 12, 21), ObligationState.MET)
    [minutes], alerts = run("panel-tor", rec, D(2027, 1, 10), "panel.minutes")
    # Thursday 24 December: Christmas Friday, the weekend, Boxing Day's substitute Monday 28th: due Thursday 31st.
    assert minutes.due_date == D(2026, 12, 31)
    assert [a.status for a in alerts] == [AlertStatus.OVERDUE]


def test_002_panel_tracks_monthly_until_permanence_is_secured():
    panels = [meeting("tracking_panel", D(2026, 3, 19)), meeting("tracking_panel", D(2026, 4, 16))]
    rec = record(D(2026, 1, 5), meetings=panels)
    found, _ = run("panel-tor", rec, D(2026, 5, 1), "panel.monthly_tracking")
    assert [(o.due_date, o.state) for o in found] == [
        (D(2026, 4, 19), ObligationState.MET),
        (D(2026, 5, 16), ObligationState.OPEN),
    ]


def test_003_ppm_around_week_two_and_fortnightly_tracking_until_the_plan_is_ratified():
    meetings = [meeting("ppm", D(2026, 1, 16)), meeting("tracking_panel", D(2026, 1, 30))]
    rec = record(D(2026, 1, 5), meetings=meetings)
    [week_two], _ = run("north-east-lincolnshire", rec, D(2026, 2, 1), "ppm.week_two")
    assert (week_two.due_date, week_two.state) == (D(2026, 1, 19), ObligationState.MET)
    found, alerts = run("north-east-lincolnshire", rec, D(2026, 2, 16), "tracking.fortnightly")
    assert [(o.due_date, o.state) for o in found] == [
        (D(2026, 1, 30), ObligationState.MET),
        (D(2026, 2, 13), ObligationState.OPEN),
    ]
    assert [a.status for a in alerts] == [AlertStatus.OVERDUE]
    ratified = plan(D(2026, 1, 16), history=[StatusChange(status=PlanStatus.RATIFIED, date=D(2026, 2, 10))])
    rec = record(D(2026, 1, 5), meetings=meetings, plans=[ratified])
    found, alerts = run("north-east-lincolnshire", rec, D(2026, 2, 16), "tracking.fortnightly")
    assert [o.due_date for o in found] == [D(2026, 1, 30)]
    assert alerts == []


def test_003_a_child_who_went_home_gets_no_further_fortnightly_tracking():
    meetings = [meeting("ppm", D(2026, 1, 16)), meeting("tracking_panel", D(2026, 1, 30))]
    # Went home on 5 February, before the second fortnight fell due on the 13th; no plan was ever ratified.
    home = record(D(2026, 1, 5), meetings=meetings, end=D(2026, 2, 5), reason_ceased="E4A")
    found, alerts = run("north-east-lincolnshire", home, D(2026, 3, 2), "tracking.fortnightly")
    assert [(o.due_date, o.state) for o in found] == [(D(2026, 1, 30), ObligationState.MET)]
    assert alerts == []


SECOND_REVIEW_HELD = [D(2026, 2, 2), D(2026, 4, 30)]


@pytest.mark.parametrize("profile", ["north-east-lincolnshire", "tracker-meeting"])
def test_000_and_003_plan_by_the_second_review_is_met_only_by_a_plan_ratified_at_a_review(profile):
    proposed = record(D(2026, 1, 5), reviews=SECOND_REVIEW_HELD, plans=[plan(D(2026, 1, 20))])
    # England is content with a plan on the record; these councils want it approved at a review.
    [recorded], _ = run("england", proposed, D(2026, 5, 4), "plan.by_second_review")
    assert (recorded.state, recorded.met_event) == (ObligationState.MET, "permanence plan recorded")
    [open_], alerts = run(profile, proposed, D(2026, 5, 4), "plan.by_second_review")
    assert (open_.anchor_event, open_.due_date, open_.state) == (
        "second review held",
        D(2026, 4, 30),
        ObligationState.OPEN,
    )
    assert open_.met_by == "plan_ratified"
    assert [a.status for a in alerts] == [AlertStatus.OVERDUE]
    at_second = record(
        D(2026, 1, 5), reviews=SECOND_REVIEW_HELD, plans=[plan(D(2026, 1, 20), ratified_at_review=D(2026, 4, 30))]
    )
    [met], alerts = run(profile, at_second, D(2026, 5, 4), "plan.by_second_review")
    assert (met.state, met.met_on, met.met_event) == (ObligationState.MET, D(2026, 4, 30), "plan ratified at a review")
    assert alerts == []
    at_third = record(
        D(2026, 1, 5),
        reviews=[*SECOND_REVIEW_HELD, D(2026, 10, 29)],
        plans=[plan(D(2026, 1, 20), ratified_at_review=D(2026, 10, 29))],
    )
    [late], _ = run(profile, at_third, D(2026, 11, 2), "plan.by_second_review")
    assert (late.due_date, late.state) == (D(2026, 4, 30), ObligationState.MET_LATE)


FIRST_PPM = meeting("ppm", D(2026, 1, 31))  # the plan review falls due on 31 July; its window opens on 3 July


@pytest.mark.parametrize(
    ("plan_review", "review", "state", "event"),
    [
        (D(2026, 7, 20), None, ObligationState.MET, "plan review held"),
        (None, D(2026, 7, 15), ObligationState.MET, "looked-after review held"),
        (None, D(2026, 7, 3), ObligationState.MET, "looked-after review held"),
        (D(2026, 7, 24), D(2026, 7, 10), ObligationState.MET, "looked-after review held"),  # the first to be held
        (None, D(2026, 8, 10), ObligationState.MET_LATE, "looked-after review held"),
        (None, D(2026, 7, 2), ObligationState.OPEN, None),  # before the window: not the review "after six months"
        (D(2026, 3, 2), None, ObligationState.OPEN, None),
    ],
)
def test_001_plan_review_is_met_by_a_plan_review_or_a_looked_after_review_held_in_its_window(
    plan_review, review, state, event
):
    meetings = [FIRST_PPM, *([meeting("plan_review", plan_review)] if plan_review else [])]
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 26), *([review] if review else [])], meetings=meetings)
    [obligation], _ = run("ppm-process", rec, D(2026, 8, 14), "plan_review.six_months")
    assert (obligation.due_date, obligation.state, obligation.met_event) == (D(2026, 7, 31), state, event)


def test_001_plan_review_alert_opens_four_weeks_before_it_falls_due():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 1, 26)], meetings=[FIRST_PPM])
    assert run("ppm-process", rec, D(2026, 7, 2), "plan_review.six_months")[1] == []
    [alert] = run("ppm-process", rec, D(2026, 7, 3), "plan_review.six_months")[1]
    assert alert.status is AlertStatus.UPCOMING


def test_004_team_manager_prompt_at_four_weeks():
    rec = record(D(2026, 1, 5))
    assert run("bolton", rec, D(2026, 2, 1), "ppm.convene_prompt")[1] == []  # not before the 4-week point
    [obligation], alerts = run("bolton", rec, D(2026, 2, 2), "ppm.convene_prompt")
    assert obligation.due_date == D(2026, 2, 2)
    assert [a.status for a in alerts] == [AlertStatus.UPCOMING]
    booked = record(D(2026, 1, 5), meetings=[meeting("ppm", D(2026, 3, 2))])
    [obligation], alerts = run("bolton", booked, D(2026, 2, 10), "ppm.convene_prompt")
    assert obligation.state is ObligationState.MET
    assert alerts == []


def test_004_ppm_window_6_to_12_weeks_and_before_the_4_month_review():
    rec = record(D(2026, 1, 5), reviews=[D(2026, 2, 2), D(2026, 4, 30)], meetings=[meeting("ppm", D(2026, 5, 5))])
    [window], _ = run("bolton", rec, D(2026, 6, 1), "ppm.within_12_weeks")
    assert (window.due_date, window.state) == (D(2026, 3, 30), ObligationState.MET_LATE)
    [before], _ = run("bolton", rec, D(2026, 6, 1), "ppm.before_second_review")
    assert (before.anchor_event, before.due_date, before.state) == (
        "second review held",
        D(2026, 4, 29),
        ObligationState.MET_LATE,
    )
    early = record(D(2026, 1, 5), reviews=[D(2026, 2, 2)])
    _, alerts = run("bolton", early, D(2026, 2, 16), "ppm.within_12_weeks")
    assert [a.status for a in alerts] == [AlertStatus.UPCOMING]  # from the 6-week point the window is open
    assert run("bolton", early, D(2026, 2, 15), "ppm.within_12_weeks")[1] == []


def test_local_rules_without_meeting_data_are_not_assessable():
    rec = record(D(2026, 1, 5), coverage=["care", "reviews", "adoption"])
    summary = evaluate([rec], load_profile("bolton"), D(2026, 3, 1)).summary()
    assert {"ppm.convene_prompt", "ppm.within_12_weeks", "ppm.before_second_review"} <= set(
        summary["not_assessable_by_rule"]
    )
