"""Cohort figures: time to permanence by route, plans in place by the second review, proceedings within 26 weeks."""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections import Counter, defaultdict
from typing import Any

import attrs

from permanence_core.rules import ObligationState
from permanence_core.tracker.report import TrackerReport, TrackerRow


class PlanBySecondReview(enum.StrEnum):
    """How rule ``plan.by_second_review`` stands for a child."""

    ON_TIME = "on time"
    LATE = "late"
    OVERDUE = "overdue, no plan"
    NOT_YET_DUE = "not yet due"
    NOT_ASSESSABLE = "not assessable"


class ProceedingsOutcome(enum.StrEnum):
    """Where a child's latest care proceedings stand against the 26 weeks."""

    WITHIN_26 = "concluded within 26 weeks"
    WITHIN_EXTENSION = "concluded within extensions"
    LATE = "concluded late"
    LIVE_WITHIN_26 = "live, within 26 weeks"
    LIVE_BEYOND_26 = "live, beyond 26 weeks"


@attrs.frozen
class RouteTimes:
    """Days from becoming looked after to permanence, for the children who reached it by ``route``."""

    route: str
    days: tuple[int, ...]

    @property
    def median(self) -> float:
        """The median number of days."""
        return statistics.median(self.days)


@attrs.frozen(kw_only=True)
class CohortFigures:
    """The figures behind the tracker's cohort charts; every count is of children."""

    children: int
    looked_after: int
    time_to_permanence: tuple[RouteTimes, ...]
    plan_by_second_review: dict[PlanBySecondReview, int]
    proceedings: dict[ProceedingsOutcome, int]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "children": self.children,
            "looked_after": self.looked_after,
            "time_to_permanence_days": {
                t.route: {"children": len(t.days), "median": t.median, "min": min(t.days), "max": max(t.days)}
                for t in self.time_to_permanence
            },
            "plan_by_second_review": {k.value: v for k, v in self.plan_by_second_review.items()},
            "proceedings": {k.value: v for k, v in self.proceedings.items()},
        }


def cohort_figures(report: TrackerReport) -> CohortFigures:
    """Count the cohort: every child with a period of care, those who have left included (their outcomes count)."""
    by_route: dict[str, list[int]] = defaultdict(list)
    plans: Counter[PlanBySecondReview] = Counter()
    proceedings: Counter[ProceedingsOutcome] = Counter()
    for row in report.rows:
        if row.secured_route and row.days_to_permanence is not None:
            by_route[row.secured_route].append(row.days_to_permanence)
        state = plan_by_second_review(row, report.as_of)
        if state is not None:
            plans[state] += 1
        outcome = proceedings_outcome(row, report.as_of)
        if outcome is not None:
            proceedings[outcome] += 1
    return CohortFigures(
        children=len(report.rows),
        looked_after=len(report.looked_after),
        time_to_permanence=tuple(RouteTimes(route, tuple(sorted(days))) for route, days in sorted(by_route.items())),
        plan_by_second_review={state: plans.get(state, 0) for state in PlanBySecondReview},
        proceedings={outcome: proceedings.get(outcome, 0) for outcome in ProceedingsOutcome},
    )


def plan_by_second_review(row: TrackerRow, as_of: dt.date) -> PlanBySecondReview | None:
    """The child's standing on ``plan.by_second_review``, or None when the profile has no such rule."""
    obligation = row.plan_by_second_review
    if obligation is None:
        return None
    if obligation.state is ObligationState.MET:
        return PlanBySecondReview.ON_TIME
    if obligation.state is ObligationState.MET_LATE:
        return PlanBySecondReview.LATE
    if obligation.state is ObligationState.NOT_ASSESSABLE or obligation.due_date is None:
        return PlanBySecondReview.NOT_ASSESSABLE
    if obligation.due_date < as_of:
        return PlanBySecondReview.OVERDUE
    return PlanBySecondReview.NOT_YET_DUE


def proceedings_outcome(row: TrackerRow, as_of: dt.date) -> ProceedingsOutcome | None:
    """Where the child's latest proceedings stand, or None when there are none."""
    bar = row.proceedings
    if bar is None:
        return None
    if bar.concluded_on is None:
        beyond = as_of > bar.week_26_ends
        return ProceedingsOutcome.LIVE_BEYOND_26 if beyond else ProceedingsOutcome.LIVE_WITHIN_26
    if bar.concluded_on <= bar.week_26_ends:
        return ProceedingsOutcome.WITHIN_26
    if bar.concluded_on <= bar.due_date:
        return ProceedingsOutcome.WITHIN_EXTENSION
    return ProceedingsOutcome.LATE
