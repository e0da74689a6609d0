"""Drift: the signals the seeds watch for, per looked-after child and as cohort totals, with thresholds as data."""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from permanence_core.calendar import WorkingCalendar
from permanence_core.errors import ModelValueError
from permanence_core.rules import ObligationState
from permanence_core.tracker.report import TrackerRow


def _at_least(minimum: int) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ModelValueError(attribute.name, value, f"must be a whole number, at least {minimum}")

    return check


@attrs.frozen(kw_only=True)
class DriftThresholds:
    """When a local signal fires. The defaults follow the seeds: the monitoring group meets every four to six
    weeks (seed 001), and one change of plan is parallel planning at work while a second is a plan that keeps
    moving. The 26 weeks of care proceedings are law (Children Act 1989 s.32), not a threshold."""

    weeks_without_activity: int = attrs.field(default=6, validator=_at_least(1))
    overdue_actions: int = attrs.field(default=1, validator=_at_least(1))
    plan_changes: int = attrs.field(default=2, validator=_at_least(1))
    #: An action is drift once it is more than this many working days overdue (the profile's
    #: ``[panel] drift_working_days``): one task a day late is not a plan drifting.
    action_working_days: int = attrs.field(default=10, validator=_at_least(0))

    def to_dict(self) -> dict[str, int]:
        """The thresholds by name, for the JSON summary."""
        return attrs.asdict(self)


class Signal(enum.StrEnum):
    """A drift signal, each from a seed's purpose."""

    NO_ACTIVITY = "no_permanence_activity"
    PLAN_NOT_BY_SECOND_REVIEW = "plan_not_by_second_review"
    PROCEEDINGS_OVER_26_WEEKS = "proceedings_beyond_26_weeks"
    ACTIONS_OVERDUE = "actions_overdue"
    REPEATED_PLAN_CHANGES = "repeated_plan_changes"

    @property
    def label(self) -> str:
        """The signal as a manager reads it."""
        return _LABELS[self]


_LABELS = {
    Signal.NO_ACTIVITY: "No permanence activity",
    Signal.PLAN_NOT_BY_SECOND_REVIEW: "No plan by the second review",
    Signal.PROCEEDINGS_OVER_26_WEEKS: "Proceedings beyond 26 weeks",
    Signal.ACTIONS_OVERDUE: "Actions overdue",
    Signal.REPEATED_PLAN_CHANGES: "Repeated plan changes",
}


@attrs.frozen(kw_only=True)
class DriftFlag:
    """One signal raised for one child; ``detail`` says why (an overdue action by what it is, not its id)."""

    child_id: str
    signal: Signal
    detail: str


@attrs.frozen(kw_only=True)
class DriftReport:
    """The drift flags of a cohort on ``as_of``: ``assessed`` counts the looked-after children examined."""

    as_of: dt.date
    thresholds: DriftThresholds
    assessed: int
    flags: tuple[DriftFlag, ...]

    def for_child(self, child_id: str) -> tuple[DriftFlag, ...]:
        """One child's flags."""
        return self.by_child().get(child_id, ())

    def by_child(self) -> dict[str, tuple[DriftFlag, ...]]:
        """Flags grouped by child id, children in id order."""
        grouped: dict[str, list[DriftFlag]] = {}
        for flag in self.flags:
            grouped.setdefault(flag.child_id, []).append(flag)
        return {child_id: tuple(grouped[child_id]) for child_id in sorted(grouped)}

    def totals(self) -> dict[Signal, int]:
        """Children flagged per signal (every signal listed, zero included)."""
        counts = Counter(flag.signal for flag in self.flags)
        return {signal: counts.get(signal, 0) for signal in Signal}

    @property
    def children_flagged(self) -> int:
        """Children with at least one signal."""
        return len({flag.child_id for flag in self.flags})

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary ``permanence tracker --format json`` prints."""
        return {
            "as_of": self.as_of.isoformat(),
            "thresholds": self.thresholds.to_dict(),
            "assessed": self.assessed,
            "children_flagged": self.children_flagged,
            "totals": {signal.value: count for signal, count in self.totals().items()},
            "children": [
                {"child_id": child_id, "signals": [{"signal": f.signal.value, "detail": f.detail} for f in flags]}
                for child_id, flags in self.by_child().items()
            ],
        }


def assess_drift(
    rows: Iterable[TrackerRow],
    as_of: dt.date,
    thresholds: DriftThresholds | None = None,
    calendar: WorkingCalendar | None = None,
) -> DriftReport:
    """Raise the drift signals for every child looked after on ``as_of``.

    Children who have left care, and (for the activity signal) children whose permanence is secured, are
    not tracked any more (seed 002: tracking runs until permanence is secured).
    """
    thresholds = thresholds or DriftThresholds()
    # An action due before this day is more than the threshold's working days overdue on ``as_of``.
    late_before = (calendar or WorkingCalendar()).subtract_working_days(as_of, thresholds.action_working_days)
    flags: list[DriftFlag] = []
    assessed = 0
    for row in rows:
        if not row.looked_after:
            continue
        assessed += 1
        flags += _flags(row, as_of, thresholds, late_before)
    return DriftReport(as_of=as_of, thresholds=thresholds, assessed=assessed, flags=tuple(flags))


def _flags(row: TrackerRow, as_of: dt.date, thresholds: DriftThresholds, late_before: dt.date) -> list[DriftFlag]:
    found = []

    def flag(signal: Signal, detail: str) -> None:
        found.append(DriftFlag(child_id=row.child_id, signal=signal, detail=detail))

    limit = thresholds.weeks_without_activity * 7
    if row.activity_assessable and row.secured_on is None:
        if row.last_activity is None and row.days_in_care > limit:
            flag(Signal.NO_ACTIVITY, f"none recorded in {row.days_in_care} days looked after")
        elif row.last_activity is not None and row.days_since_activity is not None and row.days_since_activity > limit:
            flag(Signal.NO_ACTIVITY, f"last on {row.last_activity.isoformat()}, {row.days_since_activity} days ago")
    plan = row.plan_by_second_review
    if plan and plan.state is ObligationState.OPEN and plan.due_date and plan.due_date < as_of:
        flag(
            Signal.PLAN_NOT_BY_SECOND_REVIEW,
            f"{plan.anchor_event} {plan.due_date.isoformat()}, no plan {(as_of - plan.due_date).days} days later",
        )
    bar = row.proceedings
    if bar and row.proceedings_live and as_of > bar.week_26_ends:
        extended = (
            f"; extended {bar.extension_weeks} weeks to {bar.due_date.isoformat()}" if bar.extension_weeks else ""
        )
        past_due = ", which has passed" if bar.extension_weeks and bar.due_date < as_of else ""
        flag(
            Signal.PROCEEDINGS_OVER_26_WEEKS,
            f"week {row.proceedings_week}, issued {bar.issue_date.isoformat()}{extended}{past_due}",
        )
    late = [a for a in row.overdue_actions if a.due_date < late_before]
    if late and len(late) >= thresholds.overdue_actions:
        oldest = late[0]
        more = f"; {len(late) - 1} more" if len(late) > 1 else ""
        flag(
            Signal.ACTIONS_OVERDUE,
            f"{oldest.description} (due {oldest.due_date.isoformat()}, {oldest.days_overdue} days overdue){more}",
        )
    if row.plan_changes >= thresholds.plan_changes:
        flag(Signal.REPEATED_PLAN_CHANGES, f"{row.plan_changes} changes of route: {' → '.join(row.routes)}")
    return found
