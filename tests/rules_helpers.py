"""Builders for rules-engine tests: small, explicit case records."""

import datetime as dt

from permanence_core.model import (
    CareProceedings,
    CaseRecord,
    Child,
    Hearing,
    Identifiers,
    Meeting,
    PeriodOfCare,
    PermanencePlan,
    Review,
)

D = dt.date
ALL_FACETS = ["care", "reviews", "adoption", "plans", "meetings", "proceedings", "siblings", "workers"]


def record(start, *, end=None, reason_ceased=None, reviews=(), coverage=ALL_FACETS, periods=None, **fields):
    """A child looked after from ``start`` with reviews held on the given dates."""
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id=fields.pop("child_id", "C1"))),
        coverage=coverage,
        periods_of_care=periods or [PeriodOfCare(start=start, end=end, reason_ceased=reason_ceased)],
        reviews=[Review(date=day) for day in reviews],
        **fields,
    )


def meeting(kind, day, meeting_id=None, **fields):
    return Meeting(meeting_id=meeting_id or f"{kind}-{day.isoformat()}", kind=kind, date=day, **fields)


def plan(decided_on, primary="adoption", **fields):
    return PermanencePlan(primary=primary, decided_on=decided_on, **fields)


def proceedings(issue, cmh=None, **fields):
    hearings = [Hearing(date=cmh, kind="cmh")] if cmh else []
    return CareProceedings(issue_date=issue, hearings=hearings, **fields)
