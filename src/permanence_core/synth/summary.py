"""What a generated cohort holds: counts, leavers' outcomes, and the situations the rules engine should flag."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import CaseRecord, Facet
from permanence_core.synth.cohort import SynthChild

#: How leavers' reasons for leaving group into the outcomes DfE statistics report.
OUTCOMES = {
    "E4A": "return_home", "E4B": "return_home", "E13": "return_home",
    "E45": "special_guardianship", "E46": "special_guardianship", "E47": "special_guardianship",
    "E48": "special_guardianship", "E11": "adoption", "E12": "adoption", "E41": "child_arrangements_order",
    "E17": "age_18_or_independence", "E5": "age_18_or_independence", "E6": "age_18_or_independence",
}  # fmt: skip
_RECENT = dt.timedelta(weeks=12)
_NEAR_26_WEEKS = dt.timedelta(weeks=22)


class CohortSummary:
    """Accumulates figures over a stream of generated children (ids only, never personal data)."""

    def __init__(self, as_of: dt.date, window_start: dt.date) -> None:
        self.as_of = as_of
        self.window_start = window_start
        self.calendar = WorkingCalendar()
        self.counts: collections.Counter[str] = collections.Counter()
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.routes: collections.Counter[str] = collections.Counter()
        self._families: set[int] = set()
        self._sibling_families: set[int] = set()
        self._previous_family: int | None = None

    def add(self, synth: SynthChild) -> None:
        """Count one child."""
        record, counts = synth.record, self.counts
        counts["children"] += 1
        self.routes[synth.route] += 1
        self._families.add(synth.family)
        if self._previous_family == synth.family:
            self._sibling_families.add(synth.family)
        self._previous_family = synth.family
        counts["episodes"] += len(record.episodes)
        counts["reviews"] += len(record.reviews)
        counts["meetings"] += len(record.meetings)
        if synth.route == "short_breaks":
            counts["short_breaks"] += 1
            return
        period = record.period_on(self.as_of)
        if period is not None:
            counts["in_care"] += 1
            if self.as_of - period.start < _RECENT:
                counts["recent_entrants"] += 1
            placement = period.episodes[-1].placement
            if placement in ("U1", "U4"):
                counts["long_term_fostering"] += 1
        else:
            last = record.periods_of_care[-1]
            if last.end and last.end >= self.window_start:
                counts["leavers"] += 1
                self.outcomes[OUTCOMES.get(last.reason_ceased or "", "other")] += 1
        for proceedings in record.proceedings:
            if proceedings.is_live_on(self.as_of):
                counts["in_proceedings"] += 1
                if self.as_of - proceedings.issue_date >= _NEAR_26_WEEKS:
                    counts["proceedings_past_22_weeks"] += 1
        counts["late_reviews"] += self._late_reviews(record)
        if self._unratified_at_second_review(record):
            counts["plans_not_ratified_by_second_review"] += 1
        counts["overdue_actions"] += len(
            {a.action_id for m in record.meetings for a in m.actions if a.is_overdue_on(self.as_of)}
        )

    def _late_reviews(self, record: CaseRecord) -> int:
        late = 0
        for period in record.periods_of_care:
            held = [r.date for r in record.reviews if r.date and period.is_open_on(r.date)]
            previous = None
            for number, day in enumerate(held):
                if number == 0:
                    due = self.calendar.add_working_days(period.start, 20)
                else:
                    due = add_months(previous, 3 if number == 1 else 6)
                late += day > due
                previous = day
        return late

    @staticmethod
    def _unratified_at_second_review(record: CaseRecord) -> bool:
        # Return-only cohorts have no plans to check.
        held = [r.date for r in record.reviews if r.held and r.date is not None]
        if Facet.PLANS not in record.coverage or len(held) < 2:
            return False
        return not any(p.ratified_at_review and p.ratified_at_review <= held[1] for p in record.plans)

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain data (for ``--format json``)."""
        return {
            "as_of": self.as_of.isoformat(),
            "families": len(self._families),
            "sibling_groups": len(self._sibling_families),
            **dict(sorted(self.counts.items())),
            "leaver_outcomes": dict(self.outcomes.most_common()),
            "routes": dict(self.routes.most_common()),
        }
