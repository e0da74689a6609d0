"""The merge rule between the return's record and the pack's record of one child."""

import datetime as dt

from permanence_core.adapters.pack import merge
from permanence_core.adapters.pack.merge import combine
from permanence_core.model import (
    AllocatedWorker,
    CaseRecord,
    Child,
    Facet,
    Identifiers,
    PeriodOfCare,
    PermanencePlan,
    Review,
)

D = dt.date
RETURN = frozenset({Facet.CARE, Facet.REVIEWS, Facet.ADOPTION})


def record(child_id="K1", *, identifiers=None, **facts) -> CaseRecord:
    child = facts.pop("child", None) or Child(identifiers=identifiers or Identifiers(case_id=child_id))
    return CaseRecord(child=child, **facts)


RETURNED = record(
    child=Child(identifiers=Identifiers(case_id="K1", upn="A12345678901B"), date_of_birth=D(2018, 1, 1), sex="F"),
    coverage=RETURN,
    periods_of_care=[PeriodOfCare(start=D(2024, 1, 1))],
    reviews=[Review(date=D(2024, 1, 20))],
    workers=[AllocatedWorker(worker_id="SW1", role="social_worker")],
)


def test_no_pack_record_and_nothing_declared_leaves_the_record_as_it_is():
    assert merge(RETURNED, None) is RETURNED


def test_declared_facets_reach_children_without_a_pack_record_unless_withheld():
    assert merge(RETURNED, None, frozenset({Facet.PLANS})).coverage == RETURN | {Facet.PLANS}
    assert merge(RETURNED, None, frozenset({Facet.PLANS}), frozenset({Facet.PLANS})) is RETURNED


def test_the_return_owns_care_and_the_pack_owns_permanence_facts():
    pack = record(
        child=Child(
            identifiers=Identifiers(case_id="K1", upn="Z98765432109Y", nhs_number="9434765919"),
            first_name="Kay",
            date_of_birth=D(2000, 1, 1),
        ),
        coverage={Facet.PLANS, Facet.CARE},
        periods_of_care=[PeriodOfCare(start=D(2010, 1, 1))],
        plans=[PermanencePlan(primary="adoption")],
        workers=[AllocatedWorker(worker_id="W9", role="iro")],
        permanence_decision_date=D(2024, 2, 1),
    )
    merged = merge(RETURNED, pack)
    assert merged.child.identifiers == Identifiers(case_id="K1", upn="A12345678901B", nhs_number="9434765919")
    assert (merged.child.first_name, merged.child.date_of_birth, merged.child.sex) == ("Kay", D(2018, 1, 1), "F")
    assert merged.periods_of_care == RETURNED.periods_of_care and merged.reviews == RETURNED.reviews
    assert merged.plans == pack.plans and merged.permanence_decision_date == D(2024, 2, 1)
    assert [w.worker_id for w in merged.workers] == ["W9"]
    # care coverage stays the return's: a pack cannot claim care the return withheld
    assert merged.coverage == RETURN | {Facet.PLANS}
    withheld = merge(record(coverage={Facet.REVIEWS}), pack)
    assert withheld.coverage == {Facet.REVIEWS, Facet.PLANS}


def test_each_side_fills_what_the_other_lacks():
    pack = record(child=Child(identifiers=Identifiers(case_id="K1"), sex="M", ethnicity="WBRI"))
    merged = merge(RETURNED, pack)
    assert (merged.child.sex, merged.child.ethnicity) == ("F", "WBRI")  # the return's sex, the pack's ethnicity
    assert [w.worker_id for w in merged.workers] == ["SW1"]  # no pack workers: the return's


def test_merging_a_record_with_itself_changes_nothing():
    assert merge(RETURNED, RETURNED) == RETURNED


def test_combine_joins_lists_and_lets_the_second_single_values_win():
    first = record(
        child=Child(identifiers=Identifiers(case_id="K1", nhs_number="9434765919"), first_name="Kay"),
        coverage={Facet.PLANS},
        plans=[PermanencePlan(primary="adoption", plan_id="J1")],
        referral_date=D(2024, 1, 1),
    )
    second = record(
        child=Child(identifiers=Identifiers(case_id="K1"), first_name="Kaye", surname="Smith"),
        coverage={Facet.WORKERS},
        plans=[PermanencePlan(primary="special_guardianship", plan_id="P1")],
    )
    combined = combine(first, second)
    assert sorted(p.plan_id for p in combined.plans) == ["J1", "P1"]
    assert (combined.child.first_name, combined.child.surname) == ("Kaye", "Smith")
    assert combined.child.identifiers.nhs_number == "9434765919"
    assert combined.referral_date == D(2024, 1, 1)
    assert combined.coverage == {Facet.PLANS, Facet.WORKERS}
