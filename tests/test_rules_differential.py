"""The columnar engine against the object engine it replaced (``rules_oracle``): identical obligations and alerts,
every field, in the same order, for synthetic cohorts of many seeds, the demo data and generated edge cases, under
every built-in profile, on month ends, bank holidays and a weekend."""

import datetime as dt
import os
from functools import cache

import attrs
import polars as pl
import pytest
import rules_oracle
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rules_helpers import ALL_FACETS, D, meeting, plan, proceedings, record

from permanence_core import api
from permanence_core.cohort import Cohort, cohort_from_records
from permanence_core.model import LegalStatusSpell, MeetingKind, PeriodOfCare, Review, StatusChange
from permanence_core.model.adoption import AdoptionMilestones
from permanence_core.model.proceedings import Extension
from permanence_core.rules import load_profile
from permanence_core.rules.engine import calendar_for, evaluate_cohort
from permanence_core.rules.profile import resolve
from permanence_core.rules.profiles import builtin_profiles
from permanence_core.synth import CohortGenerator, CohortSpec, demo_folder

PROFILES = ("england", "bolton", "north-east-lincolnshire", "panel-tor", "ppm-process", "tracker-meeting")
#: Month ends, bank holidays (Christmas, Easter Monday, the August bank holiday on a month end), a weekend.
AS_OF = (D(2026, 11, 30), D(2025, 12, 25), D(2026, 4, 6), D(2026, 8, 31), D(2026, 3, 7))
SEEDS = range(20)
CHILDREN = 150
EDGE_EXAMPLES = 40
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ

#: Under mutmut (which sets MUTANT_UNDER_TEST, also when run by hand to check one mutant) a small subset, the same
#: every run, so that each mutant of the engine costs seconds, not minutes: `make test` compares the whole.
if UNDER_MUTMUT:
    AS_OF, SEEDS, CHILDREN, EDGE_EXAMPLES = AS_OF[:1], range(1), 60, 8
#: A mutant that fails an example is killed: under mutmut, shrinking it to the smallest (minutes of the oracle) is
#: left out, as is the example database (derandomized: the same examples every run).
PHASES = (Phase.explicit, Phase.generate) if UNDER_MUTMUT else tuple(Phase)


@cache
def synthetic() -> tuple[Cohort, dict[int, list]]:
    """Twenty seeds' cohorts, each child's id prefixed with its seed, as one cohort; and each seed's records."""
    records = {
        seed: [c.record for c in CohortGenerator(CohortSpec(children=CHILDREN, seed=seed, as_of=D(2026, 11, 2)))]
        for seed in SEEDS
    }
    cohorts = [_prefixed(cohort_from_records(records[seed]), f"{seed}:") for seed in SEEDS]
    tables = {name: pl.concat([getattr(c, name) for c in cohorts]) for name in attrs.fields_dict(Cohort)}
    return Cohort(**tables), records


def _prefixed(cohort: Cohort, prefix: str) -> Cohort:
    tables = {
        name: getattr(cohort, name).with_columns(child_id=pl.lit(prefix) + pl.col("child_id"))
        for name in attrs.fields_dict(Cohort)
    }
    return Cohort(**tables)


def _oracle(records, profile, as_of):
    return rules_oracle.evaluate(records, profile, as_of, calendar_for(profile))


@pytest.mark.parametrize("as_of", AS_OF, ids=str)
@pytest.mark.parametrize("name", PROFILES)
def test_synthetic_cohorts_of_twenty_seeds_evaluate_as_the_object_engine_does(name, as_of):
    cohort, records = synthetic()
    profile = load_profile(name)
    obligations, alerts = [], []
    for seed in SEEDS:
        expected = _oracle(records[seed], profile, as_of)
        obligations += [attrs.evolve(o, child_id=f"{seed}:{o.child_id}") for o in expected.obligations]
        alerts += [attrs.evolve(a, child_id=f"{seed}:{a.child_id}") for a in expected.alerts]
    # The oracle sorts each seed's alerts by due date, child and rule; merged, they sort the same way.
    alerts.sort(key=lambda a: (a.due_date, a.child_id, a.rule))
    actual = evaluate_cohort(cohort, profile, as_of)
    assert len(obligations) > len(cohort)
    assert actual.obligations() == tuple(obligations)
    assert actual.alerts == tuple(alerts)
    assert actual.summary() == rules_oracle.Evaluation(as_of, profile, tuple(obligations), tuple(alerts)).summary()


@cache
def demo_records() -> list:
    return api.load("ssda903", str(demo_folder())).records


@pytest.mark.parametrize("as_of", AS_OF[:3], ids=str)
@pytest.mark.parametrize("name", PROFILES)
def test_the_demo_data_evaluates_as_the_object_engine_does(name, as_of):
    profile = load_profile(name)
    expected = _oracle(demo_records(), profile, as_of)
    actual = api.evaluate(demo_records(), profile, as_of)
    assert expected.alerts
    assert actual.obligations == expected.obligations
    assert actual.alerts == expected.alerts


# --- generated edge cases: every vocabulary term, ties, gaps, short breaks, negative and inclusive offsets ---------

#: A profile that uses what no built-in profile does: legal status and plan route, every met_from, every stage,
#: negative and inclusive working days, a chain on proceedings and one on a met-by with no reference.
EDGE_PROFILE = """
name = "edges"
extends = "england"
[settings]
extra_closures = ["2025-06-02", "2026-01-05"]
[rules."edge.status"]
title = "By legal status"
anchor = "tracking_panel"
offset = { working_days = -2 }
met_by = "referral_received"
applies = { legal_status = ["C2", "E1"] }
source = "test"
[rules."edge.route"]
title = "By route and stage"
anchor = "care_start"
offset = { working_days = 10 }
counting = "inclusive"
met_by = "plan_review_or_review_held"
met_from = "window"
applies = { plan_route = ["adoption", "special_guardianship"], stage = ["no_ratified_plan", "in_proceedings"] }
source = "test"
[rules."edge.cmh"]
title = "Hearing chain"
anchor = "first_cmh"
offset = { working_days = 1 }
counting = "inclusive"
met_by = "proceedings_concluded"
recurrence = { chain = true, limit = 3 }
add_extensions = true
source = "test"
[rules."edge.matched"]
title = "Matched, chained"
anchor = "placement_order"
offset = { months = -1 }
met_by = "matched"
met_from = "period_start"
recurrence = { chain = true, limit = 4 }
stops = ["plan_recorded", "permanence_secured"]
source = "test"
[rules."edge.arranged"]
title = "Arranged from the window"
anchor = "permanence_decision"
offset = { weeks = 3 }
met_by = "ppm_arranged"
met_from = "window"
applies = { stage = ["adoption_plan"] }
source = "test"
[rules."edge.minutes"]
title = "Minutes"
anchor = "tracking_panel_held"
offset = { working_days = 0 }
met_by = "minutes_issued"
recurrence = { chain = true, limit = 2 }
source = "test"
[rules."edge.reviews"]
title = "Reviews by legal status, until secured"
anchor = "review_1"
offset = { working_days = 5 }
met_by = "review_held"
recurrence = { chain = true, limit = 3 }
applies = { legal_status = ["C1", "C2"] }
stops = ["permanence_secured"]
source = "test"
[rules."edge.meetings"]
title = "Any permanence meeting from care start, in proceedings"
anchor = "care_start"
offset = { days = 10 }
met_by = "permanence_meeting_held"
recurrence = { chain = true, limit = 5 }
applies = { stage = ["in_proceedings"] }
source = "test"
[rules."edge.panels"]
title = "Panels"
anchor = "first_tracking_panel"
offset = { months = 1 }
counting = "inclusive"
met_by = "tracking_panel_held"
recurrence = { chain = true }
stops = ["plan_ratified"]
source = "test"
"""

days = st.integers(min_value=0, max_value=900).map(lambda n: D(2024, 1, 1) + dt.timedelta(days=n))
maybe_days = st.none() | days
kinds = st.sampled_from(list(MeetingKind))
routes = st.sampled_from(["adoption", "special_guardianship", "long_term_fostering", "return_to_family"])


def _after(start, most):
    return st.integers(0, most).map(lambda n: start + dt.timedelta(days=n))


@st.composite
def edge_record(draw, child_id):
    """One child with a bit of everything, often on the same days: what the rules must agree on at the edges."""
    start = draw(days)
    end = draw(st.none() | _after(start, 500))
    reason = draw(st.sampled_from(["E11", "E41", "E45", "E13"])) if end else None
    periods = [PeriodOfCare(start=start, end=end, reason_ceased=reason)]
    if draw(st.booleans()):
        periods.append(PeriodOfCare(start=draw(_after(start, 60)), short_break=True))
    if draw(st.booleans()):
        periods.insert(0, PeriodOfCare(start=start - dt.timedelta(days=400), end=start - dt.timedelta(days=200)))
    reviews = [Review(date=day, cancelled=draw(st.booleans())) for day in draw(st.lists(maybe_days, max_size=6))]
    meetings = [
        meeting(kind, day, f"M{i}", referral_received_on=draw(maybe_days), minutes_issued_on=draw(maybe_days))
        for i, (kind, day) in enumerate(draw(st.lists(st.tuples(kinds, days), max_size=8)))
    ]
    statuses = st.sampled_from(["ratified", "achieved", "proposed"])
    plans = [
        plan(
            draw(maybe_days),
            primary=draw(routes),
            contingencies=draw(st.lists(routes, max_size=2, unique=True)),
            ratified_at_review=draw(maybe_days),
            history=[StatusChange(status=s, date=d) for s, d in draw(st.lists(st.tuples(statuses, days), max_size=3))],
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    cases = []
    for _ in range(draw(st.integers(0, 2))):
        issue = draw(days)
        extensions = [Extension(granted_on=issue, weeks=w) for w in draw(st.lists(st.integers(1, 8), max_size=2))]
        cmh = draw(st.none() | _after(issue, 30))
        cases.append(proceedings(issue, cmh, concluded_on=draw(st.none() | _after(issue, 300)), extensions=extensions))
    codes = st.sampled_from(["C1", "C2", "E1", "V2"])
    spells = [
        LegalStatusSpell(code=code, start=day, end=draw(st.none() | _after(day, 120)))
        for code, day in draw(st.lists(st.tuples(codes, days), max_size=3))
    ]
    adoption = AdoptionMilestones(**{name: draw(maybe_days) for name in ADOPTION_DATES})
    coverage = draw(st.sampled_from([ALL_FACETS, ["care", "reviews"], ["care", "reviews", "meetings", "plans"]]))
    built = record(
        start,
        periods=periods,
        coverage=coverage,
        child_id=child_id,
        meetings=meetings,
        plans=plans,
        proceedings=cases,
        legal_statuses=spells,
        adoption=adoption,
        permanence_decision_date=draw(maybe_days),
    )
    return attrs.evolve(built, reviews=reviews)


ADOPTION_DATES = ("decision", "placement_order", "match", "placed", "order", "reversal")


@st.composite
def edge_cohort(draw):
    return [draw(edge_record(f"C{i}")) for i in range(draw(st.integers(1, 6)))]


@cache
def edge_profiles():
    texts = {**dict(builtin_profiles()), "edges": EDGE_PROFILE}
    return [resolve(name, texts) for name in (*PROFILES, "edges")]


@settings(
    max_examples=EDGE_EXAMPLES,
    derandomize=UNDER_MUTMUT,
    phases=PHASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(records=edge_cohort(), as_of=_after(D(2024, 3, 1), 900))
def test_generated_edge_cases_evaluate_as_the_object_engine_does(records, as_of):
    for profile in edge_profiles():
        expected = _oracle(records, profile, as_of)
        actual = api.evaluate(records, profile, as_of)
        assert actual.obligations == expected.obligations, profile.name
        assert actual.alerts == expected.alerts, profile.name
