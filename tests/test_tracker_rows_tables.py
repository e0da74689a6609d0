"""The tracker's rows from the cohort's tables (``report_from_cohort``) against the object implementation they
replaced (``tracker_oracle``): the same report, row for row and every field (timeline events, overdue actions,
names, deadlines), for synthetic cohorts of many seeds, the demo data and generated edge cases, under every built-in
profile, on month ends and before and after most children's care."""

import datetime as dt
from functools import cache

import attrs
import pytest
import tracker_oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_helpers import D
from test_rules_differential import PROFILES, edge_record

from permanence_core import api
from permanence_core.cohort import cohort_from_records, detail_from_records
from permanence_core.model import Action, Child, Identifiers
from permanence_core.rules import load_profile
from permanence_core.rules.engine import evaluate_cohort
from permanence_core.synth import CohortGenerator, CohortSpec, demo_folder
from permanence_core.tracker.report import build_report, report_from_cohort

SEEDS = range(8)
CHILDREN = 120
#: Month ends (one on a bank holiday), before most of the cohort came into care, and years after.
AS_OF = (D(2026, 11, 30), D(2026, 8, 31), D(2025, 12, 31), D(2022, 3, 1), D(2029, 6, 30))


@cache
def synthetic(seed):
    return [c.record for c in CohortGenerator(CohortSpec(children=CHILDREN, seed=seed, as_of=D(2026, 11, 2)))]


@cache
def demo_records():
    return api.load("ssda903", str(demo_folder())).records


def assert_same_report(records, profile, as_of):
    """The tables' report for ``records`` equals the object implementation's, row by row; returns it."""
    cohort = cohort_from_records(records)
    evaluation = evaluate_cohort(cohort, profile, as_of)
    expected = tracker_oracle.build_report(records, evaluation.evaluation(), ())
    actual = report_from_cohort(cohort, detail_from_records(records), evaluation)
    assert [row.child_id for row in actual.rows] == [row.child_id for row in expected.rows]
    for got, wanted in zip(actual.rows, expected.rows, strict=True):
        assert got == wanted, got.child_id
    assert actual == expected
    return actual


@pytest.mark.parametrize("as_of", AS_OF, ids=str)
@pytest.mark.parametrize("name", PROFILES)
def test_synthetic_cohorts_give_the_rows_the_records_give(name, as_of):
    profile = load_profile(name)
    reports = [assert_same_report(synthetic(seed), profile, as_of) for seed in SEEDS]
    rows = [row for report in reports for row in report.rows]
    # The comparison is only as good as what the rows show: make sure the cohorts exercise it.
    if as_of.year > 2024:
        assert any(row.overdue_actions for row in rows)
        assert any(row.proceedings for row in rows)
        assert any(row.plan_by_second_review for row in rows)
        assert any(len(row.routes) > 1 for row in rows)
        assert any(not row.looked_after for row in rows)
        assert any(row.next_deadline for row in rows)
        assert any(row.secured_on for row in rows)


@pytest.mark.parametrize("as_of", AS_OF[:3], ids=str)
@pytest.mark.parametrize("name", PROFILES)
def test_the_demo_data_gives_the_rows_the_records_give(name, as_of):
    report = assert_same_report(demo_records(), load_profile(name), as_of)
    assert report.looked_after


def test_before_anyone_came_into_care_there_are_no_rows():
    records = synthetic(0)
    report = assert_same_report(records, load_profile("england"), D(1990, 1, 1))
    assert report.rows == ()
    assert report.not_yet_in_care == len(records)


@pytest.mark.parametrize("name", ["england", "panel-tor"])
def test_the_records_path_reads_an_evaluation_of_objects_as_the_oracle_does(name):
    records = synthetic(1)
    evaluation = api.evaluate(records, name, D(2026, 11, 30))
    assert build_report(records, evaluation) == tracker_oracle.build_report(records, evaluation)


days = st.integers(min_value=0, max_value=900).map(lambda n: D(2024, 1, 1) + dt.timedelta(days=n))
actions = st.builds(
    Action,
    action_id=st.sampled_from(["A1", "A2", "A3"]),
    description=st.just("Complete the assessment"),
    owner=st.none() | st.just("Social worker"),
    due_date=st.none() | days,
    completed_on=st.none() | days,
)


@st.composite
def edge_child(draw, child_id):
    """``test_rules_differential``'s edge record, with actions at its meetings (ids repeated across meetings) and a
    name (or none)."""
    record = draw(edge_record(child_id))
    meetings = [attrs.evolve(m, actions=draw(st.lists(actions, max_size=3))) for m in record.meetings]
    name = draw(st.none() | st.just("Sam"))
    child = Child(identifiers=Identifiers(case_id=child_id), first_name=name)
    return attrs.evolve(record, meetings=meetings, child=child)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.integers(1, 5).flatmap(lambda n: st.tuples(*(edge_child(f"C{i}") for i in range(n)))),
    as_of=days,
    name=st.sampled_from(PROFILES),
)
def test_generated_edge_cases_give_the_rows_the_records_give(records, as_of, name):
    assert_same_report(list(records), load_profile(name), as_of)
