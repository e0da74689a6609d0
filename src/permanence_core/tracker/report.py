"""The tracker's rows: one line and one timeline per child, computed from its record and the rules' evaluation."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeGuard

import attrs

from permanence_core.adapters import Rejection
from permanence_core.model import (
    CareProceedings,
    CaseRecord,
    Facet,
    Meeting,
    MeetingKind,
    PeriodOfCare,
    PermanencePlan,
    PlanStatus,
)
from permanence_core.rules import Evaluation, Obligation, ObligationState

#: Care proceedings must end within 26 weeks *beginning with* the issue day: the last day is issue + 181 days.
PROCEEDINGS_LAST_DAY = dt.timedelta(days=26 * 7 - 1)
REVIEW_RULES = frozenset({"review.first", "review.second", "review.subsequent"})
PLAN_BY_SECOND_REVIEW = "plan.by_second_review"
PROCEEDINGS_FINAL = "proceedings.final"
#: Seed 002: the routes by which permanence is achieved (residential care and supported living are not among them).
PERMANENCE_ROUTES = frozenset(
    {
        "return_to_family",
        "adoption",
        "special_guardianship",
        "connected_person",
        "child_arrangements_order",
        "long_term_fostering",
    }
)
#: Room either side of a timeline so the first and last markers are not cut in half.
_MARGIN = dt.timedelta(days=14)


class EventKind(enum.StrEnum):
    """What a timeline marker stands for."""

    CARE_START = "care_start"
    CARE_END = "care_end"
    REVIEW_HELD = "review_held"
    REVIEW_DUE = "review_due"
    PPM = "ppm"
    TRACKING_PANEL = "tracking_panel"
    MONITORING_GROUP = "monitoring_group"
    PLAN_REVIEW = "plan_review"
    PLAN_DECIDED = "plan_decided"
    PLAN_RATIFIED = "plan_ratified"
    PERMANENCE_SECURED = "permanence_secured"


_MEETING_EVENTS = {
    MeetingKind.PPM: EventKind.PPM,
    MeetingKind.TRACKING_PANEL: EventKind.TRACKING_PANEL,
    MeetingKind.MONITORING_GROUP: EventKind.MONITORING_GROUP,
    MeetingKind.PLAN_REVIEW: EventKind.PLAN_REVIEW,
}


@attrs.frozen
class TimelineEvent:
    """A marker: what happened (or is due, when ``planned``) on ``date``; ``overdue`` when due and not done."""

    kind: EventKind
    date: dt.date
    planned: bool = False
    overdue: bool = False


@attrs.frozen(kw_only=True)
class ProceedingsBar:
    """Care proceedings on the tracker: issued, concluded (None while live), the 26-week day and the due date."""

    issue_date: dt.date
    concluded_on: dt.date | None
    due_date: dt.date
    extension_weeks: int = 0

    @property
    def week_26_ends(self) -> dt.date:
        """The last day of the 26 weeks beginning with the issue day."""
        return self.issue_date + PROCEEDINGS_LAST_DAY

    def week_on(self, day: dt.date) -> int:
        """The week of the proceedings ``day`` falls in: the issue day is in week 1, issue + 182 days in week 27."""
        return (day - self.issue_date).days // 7 + 1


@attrs.frozen(kw_only=True)
class Timeline:
    """One child's events between ``start`` and ``end`` (the drawing's edges), with ``today`` marked."""

    start: dt.date
    end: dt.date
    today: dt.date
    events: tuple[TimelineEvent, ...]
    proceedings: tuple[ProceedingsBar, ...]


@attrs.frozen(kw_only=True)
class Deadline:
    """The earliest open obligation: the next thing due (or already overdue)."""

    rule: str
    title: str
    due_date: dt.date
    overdue: bool


@attrs.frozen(kw_only=True)
class OverdueAction:
    """A meeting's action past its due date and not completed on the report date."""

    child_id: str
    meeting_id: str
    meeting_kind: MeetingKind
    action_id: str
    owner: str | None
    due_date: dt.date
    days_overdue: int
    description: str


@attrs.frozen(kw_only=True)
class TrackerRow:
    """What the tracker shows for one child in its latest period of care on the report date."""

    child_id: str
    looked_after: bool
    care_start: dt.date
    care_end: dt.date | None
    days_in_care: int
    legal_status: str | None
    plan_route: str | None
    contingencies: tuple[str, ...]
    plan_status: PlanStatus | None
    routes: tuple[str, ...]
    proceedings: ProceedingsBar | None
    proceedings_week: int | None
    next_deadline: Deadline | None
    overdue_actions: tuple[OverdueAction, ...]
    activity_assessable: bool
    last_activity: dt.date | None
    days_since_activity: int | None
    secured_on: dt.date | None
    secured_route: str | None
    plan_by_second_review: Obligation | None
    timeline: Timeline
    #: The child's name: the tracker is an internal paper (``--pseudonymise`` leaves it out).
    name: str | None = None

    @property
    def plan_changes(self) -> int:
        """How many times the primary route changed from one plan to the next in this period."""
        return sum(1 for before, after in zip(self.routes, self.routes[1:], strict=False) if before != after)

    @property
    def proceedings_live(self) -> bool:
        """True when the latest proceedings were not concluded on the report date."""
        return self.proceedings is not None and self.proceedings.concluded_on is None

    @property
    def days_to_permanence(self) -> int | None:
        """Days from becoming looked after to permanence being secured, once it is."""
        return (self.secured_on - self.care_start).days if self.secured_on else None


@attrs.frozen(kw_only=True)
class TrackerReport:
    """The tracker on ``as_of`` under ``profile``: a row for every child, and the records that did not load."""

    as_of: dt.date
    profile: str
    rows: tuple[TrackerRow, ...]
    rejected: tuple[Rejection, ...] = ()
    #: Children the source held; those without a row were not yet looked after on the report date.
    source_children: int | None = None

    @property
    def left_care(self) -> int:
        """Children whose latest period of care had ended by the report date."""
        return len(self.rows) - len(self.looked_after)

    @property
    def not_yet_in_care(self) -> int:
        """Children in the source whose care had not started by the report date."""
        return (self.source_children or len(self.rows)) - len(self.rows)

    @property
    def looked_after(self) -> tuple[TrackerRow, ...]:
        """The children looked after on the report date: the tracker's working list."""
        return tuple(row for row in self.rows if row.looked_after)


@attrs.frozen
class Facts:
    """One child's latest period of care on the report date, and the events in it the tracker row shows.

    The tracker's own reading of one child for display; the rules read the cohort's tables (``rules.events``).
    """

    record: CaseRecord
    period: PeriodOfCare
    as_of: dt.date

    def in_period(self, day: dt.date | None) -> TypeGuard[dt.date]:
        """True when ``day`` falls in the period of care (on or after its start, before its end)."""
        return day is not None and day >= self.period.start and (self.period.end is None or day <= self.period.end)

    @property
    def review_dates(self) -> list[dt.date]:
        """The dates of the reviews held in the period by the report date, in date order."""
        return [
            r.date for r in self.record.reviews if r.date and r.held and self.in_period(r.date) and r.date <= self.as_of
        ]

    @property
    def meetings(self) -> list[Meeting]:
        """The child's permanence meetings from the start of the period (scheduled ones included)."""
        return [m for m in self.record.meetings if m.date >= self.period.start]

    @property
    def proceedings(self) -> list[CareProceedings]:
        """Proceedings live at some point during the period."""
        end = self.period.end
        return [
            p
            for p in self.record.proceedings
            if (p.concluded_on is None or p.concluded_on >= self.period.start) and (end is None or p.issue_date <= end)
        ]


def build_report(
    records: Iterable[CaseRecord], evaluation: Evaluation, rejected: Sequence[Rejection] = ()
) -> TrackerReport:
    """One row per child whose latest period of care started by ``evaluation.as_of``, sorted by child id."""
    as_of = evaluation.as_of
    # Grouped once: Evaluation.obligations_for scans every obligation, which is quadratic over a cohort.
    obligations: dict[str, list[Obligation]] = defaultdict(list)
    for obligation in evaluation.obligations:
        obligations[obligation.child_id].append(obligation)
    rows = []
    count = 0
    for record in records:
        count += 1
        period = record.latest_period(as_of)
        if period is not None:
            facts = Facts(record, period, as_of)
            rows.append(_row(facts, obligations.get(record.child_id, [])))
    rows.sort(key=lambda row: row.child_id)
    return TrackerReport(
        as_of=as_of, profile=evaluation.profile.name, rows=tuple(rows), rejected=tuple(rejected), source_children=count
    )


def _row(facts: Facts, obligations: list[Obligation]) -> TrackerRow:
    record, period, as_of = facts.record, facts.period, facts.as_of
    ended_on = period.end if period.end is not None and period.end <= as_of else None
    looked_after = ended_on is None
    last_day = as_of if ended_on is None else ended_on
    # A period's end date is the day care ceased, when the last legal status has usually ended too.
    status_day = as_of if ended_on is None else max(period.start, ended_on - dt.timedelta(days=1))
    plans = _plans(facts)
    plan = plans[-1] if plans else None
    bar = _proceedings(facts, obligations)
    secured_on, secured_route = _secured(facts, plans)
    last_activity = _last_activity(facts, plans)
    open_obligations = [
        (o.due_date, o) for o in obligations if o.state is ObligationState.OPEN and o.due_date is not None
    ]
    return TrackerRow(
        child_id=record.child_id,
        looked_after=looked_after,
        care_start=period.start,
        care_end=ended_on,
        days_in_care=(last_day - period.start).days,
        legal_status=record.legal_status_on(status_day),
        plan_route=plan.primary if plan else None,
        contingencies=plan.contingencies if plan else (),
        plan_status=_status(plan, as_of) if plan else None,
        routes=tuple(p.primary for p in plans),
        proceedings=bar,
        proceedings_week=bar.week_on(bar.concluded_on or as_of) if bar else None,
        next_deadline=_next_deadline(open_obligations, as_of) if looked_after else None,
        overdue_actions=_overdue_actions(facts),
        activity_assessable=bool(record.coverage & {Facet.MEETINGS, Facet.PLANS}),
        last_activity=last_activity,
        days_since_activity=(last_day - last_activity).days if last_activity else None,
        secured_on=secured_on,
        secured_route=secured_route,
        plan_by_second_review=next((o for o in obligations if o.rule == PLAN_BY_SECOND_REVIEW), None),
        timeline=_timeline(facts, plans, bar, open_obligations, secured_on),
        name=record.child.display_name,
    )


def _plans(facts: Facts) -> list[PermanencePlan]:
    """The plans of this period known on the report date (a plan with no decision date is taken as current)."""
    return [
        plan
        for plan in facts.record.plans
        if plan.decided_on is None or (plan.decided_on >= facts.period.start and plan.decided_on <= facts.as_of)
    ]


def _status(plan: PermanencePlan, as_of: dt.date) -> PlanStatus:
    """The plan's status on the report date; without a history, ratified once a review ratified it."""
    if plan.history:
        return plan.status_on(as_of) or PlanStatus.PROPOSED
    ratified = plan.ratified_at_review is not None and plan.ratified_at_review <= as_of
    return PlanStatus.RATIFIED if ratified else PlanStatus.PROPOSED


def _ratified(facts: Facts, plans: list[PermanencePlan]) -> list[dt.date]:
    """When each plan was first ratified at a review in this period (a later plan is ratified again)."""
    found: set[dt.date] = set()
    for plan in plans:
        ratified = [c.date for c in plan.history if c.status is PlanStatus.RATIFIED] + [plan.ratified_at_review]
        dates = [day for day in ratified if facts.in_period(day) and day <= facts.as_of]
        if dates:
            found.add(min(dates))
    return sorted(found)


def _proceedings(facts: Facts, obligations: list[Obligation]) -> ProceedingsBar | None:
    issued = [p for p in facts.proceedings if p.issue_date <= facts.as_of]
    if not issued:
        return None
    latest: CareProceedings = issued[-1]
    # The rules engine's due date honours a profile that counts differently; without it, the law's count.
    due = next(
        (
            o.due_date
            for o in obligations
            if o.rule == PROCEEDINGS_FINAL and o.anchor_date == latest.issue_date and o.due_date is not None
        ),
        latest.issue_date + PROCEEDINGS_LAST_DAY + dt.timedelta(weeks=latest.extension_weeks),
    )
    concluded = latest.concluded_on if latest.concluded_on and latest.concluded_on <= facts.as_of else None
    return ProceedingsBar(
        issue_date=latest.issue_date, concluded_on=concluded, due_date=due, extension_weeks=latest.extension_weeks
    )


def _secured(facts: Facts, plans: list[PermanencePlan]) -> tuple[dt.date | None, str | None]:
    """When permanence was secured and by which route (the rules engine's definition, with the route kept)."""
    candidates: list[tuple[dt.date, str]] = []
    period = facts.period
    if period.outcome and period.end:
        candidates.append((period.end, period.outcome))
    adoption = facts.record.adoption
    if adoption and adoption.order:
        candidates.append((adoption.order, "adoption"))
    candidates += [(c.date, p.primary) for p in plans for c in p.history if c.status is PlanStatus.ACHIEVED]
    candidates = [
        (day, route)
        for day, route in candidates
        if route in PERMANENCE_ROUTES and facts.in_period(day) and day <= facts.as_of
    ]
    return min(candidates) if candidates else (None, None)


def _last_activity(facts: Facts, plans: list[PermanencePlan]) -> dt.date | None:
    """The latest permanence work on the record: a meeting held, a plan decided, changed or ratified,
    the permanence decision, an action completed or an adoption milestone. Reviews and hearings are
    left out because they happen whether or not anyone is working on permanence."""
    record = facts.record
    recorded: list[dt.date | None] = [m.date for m in facts.meetings]
    recorded += [a.completed_on for m in facts.meetings for a in m.actions]
    for plan in plans:
        recorded += [plan.decided_on, plan.ratified_at_review, *(c.date for c in plan.history)]
    recorded.append(record.permanence_decision_date)
    if record.adoption:
        adoption = record.adoption
        recorded += [adoption.decision, adoption.placement_order, adoption.match, adoption.placed, adoption.order]
    dates = [day for day in recorded if day is not None and facts.period.start <= day <= facts.as_of]
    return max(dates) if dates else None


def _next_deadline(open_obligations: list[tuple[dt.date, Obligation]], as_of: dt.date) -> Deadline | None:
    if not open_obligations:
        return None
    due, first = min(open_obligations, key=lambda pair: (pair[0], pair[1].rule))
    return Deadline(rule=first.rule, title=first.title, due_date=due, overdue=due < as_of)


def _overdue_actions(facts: Facts) -> tuple[OverdueAction, ...]:
    """Actions due before the report date and not completed by it (an as-of in the past sees them as they were)."""
    as_of = facts.as_of
    found: dict[str, OverdueAction] = {}
    for meeting in facts.meetings:
        for action in meeting.actions:
            done = action.completed_on is not None and action.completed_on <= as_of
            if action.due_date is None or action.due_date >= as_of or done or action.action_id in found:
                continue
            found[action.action_id] = OverdueAction(
                child_id=facts.record.child_id,
                meeting_id=meeting.meeting_id,
                meeting_kind=meeting.kind,
                action_id=action.action_id,
                owner=action.owner,
                due_date=action.due_date,
                days_overdue=(as_of - action.due_date).days,
                description=action.description,
            )
    return tuple(sorted(found.values(), key=lambda a: (a.due_date, a.action_id)))


def _timeline(
    facts: Facts,
    plans: list[PermanencePlan],
    bar: ProceedingsBar | None,
    open_obligations: list[tuple[dt.date, Obligation]],
    secured_on: dt.date | None,
) -> Timeline:
    as_of, period = facts.as_of, facts.period
    events = [TimelineEvent(EventKind.CARE_START, period.start)]
    if period.end and period.end <= as_of:
        events.append(TimelineEvent(EventKind.CARE_END, period.end))
    events += [TimelineEvent(EventKind.REVIEW_HELD, day) for day in facts.review_dates]
    if period.end is None or period.end > as_of:
        # A child who has left care owes no further review, whatever the open obligation says.
        events += [
            TimelineEvent(EventKind.REVIEW_DUE, due, planned=True, overdue=due < as_of)
            for due, o in open_obligations
            if o.rule in REVIEW_RULES
        ]
    events += [TimelineEvent(_MEETING_EVENTS[m.kind], m.date, planned=m.date > as_of) for m in facts.meetings]
    events += [TimelineEvent(EventKind.PLAN_DECIDED, p.decided_on) for p in plans if p.decided_on]
    events += [TimelineEvent(EventKind.PLAN_RATIFIED, day) for day in _ratified(facts, plans)]
    if secured_on:
        events.append(TimelineEvent(EventKind.PERMANENCE_SECURED, secured_on))
    events.sort(key=lambda e: (e.date, e.kind))
    edges = [as_of, *(e.date for e in events)]
    if bar:
        edges += [bar.issue_date, bar.week_26_ends, bar.due_date]
    return Timeline(
        start=min(edges) - _MARGIN,
        end=max(edges) + _MARGIN,
        today=as_of,
        events=tuple(events),
        proceedings=(bar,) if bar else (),
    )
