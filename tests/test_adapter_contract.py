"""The adapter contract suite itself: each of its checks fails for an adapter that breaks the promise it names."""

import datetime as dt

import pytest

from permanence_core.adapters import LoadResult
from permanence_core.model import CaseRecord, Child, Identifiers, PeriodOfCare, Review
from permanence_core.testing import AdapterContract

D = dt.date


def loaded(coverage, **fields):
    record = CaseRecord(
        child=Child(identifiers=Identifiers(case_id="C1")),
        coverage=coverage,
        periods_of_care=[PeriodOfCare(start=D(2025, 1, 6))],
        **fields,
    )
    return LoadResult(records=[record], read=1)


def test_records_must_declare_every_facet_they_hold_and_their_care():
    check = AdapterContract().test_records_declare_their_coverage
    check(loaded(["care", "reviews"], reviews=[Review(date=D(2025, 2, 3))]))
    check(loaded(["care", "reviews", "plans"]))  # a facet covered with nothing in it: the child has none
    with pytest.raises(AssertionError, match="C1 holds reviews but does not declare it"):
        check(loaded(["care"], reviews=[Review(date=D(2025, 2, 3))]))
    with pytest.raises(AssertionError, match="C1: no care"):
        check(loaded(["reviews"]))
