"""The tracker's rows as the object implementation computed them, one child at a time from its ``CaseRecord``: the
oracle ``test_tracker_rows_tables`` holds the table implementation (``tracker.report``) to. It is the former
``tracker/report.py``'s ``Facts`` and row functions, unchanged except for imports. Do not fix a row rule here
without fixing it there.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeGuard

import attrs

from permanence_core.adapters import Rejection
from permanence_core.model import CareProceedings, CaseRecord, Facet, Meeting, PeriodOfCare, PermanencePlan, PlanStatus
from permanence_core.rules import Evaluation, Obligation, ObligationState
from permanence_core.tracker.report import (
    _MARGIN,
    _MEETING_EVENTS,
    PERMANENCE_ROUTES,
    PLAN_BY_SECOND_REVIEW,
    PROCEEDINGS_FINAL,
    PROCEEDINGS_LAST_DAY,
    REVIEW_RULES,
    Deadline,
    EventKind,
    OverdueAction,
    ProceedingsBar,
    Timeline,
    TimelineEvent,
    TrackerReport,
    TrackerRow,
)


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
