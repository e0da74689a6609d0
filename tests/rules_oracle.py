"""The object rules engine, kept as the oracle the columnar engine is tested against (issue #18).

This is the per-child engine as it stood before the columnar path replaced it: ``rules/engine.py``'s loop and
``rules/events.py``'s ``Facts`` and vocabulary functions, unchanged except for imports. Do not fix a rule here
without fixing the columnar engine too: the differential test demands they agree.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache, partial
from typing import Any, TypeGuard

import attrs

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import CaseRecord, Facet, Meeting, MeetingKind, PeriodOfCare, PlanStatus, Review
from permanence_core.rules.obligations import Alert, AlertStatus, Obligation, ObligationState
from permanence_core.rules.profile import Counting, Offset, Profile, Rule

FIRST_REVIEW_WORKING_DAYS = 20
SECOND_REVIEW_MONTHS = 3


@attrs.frozen
class Anchor:
    """An event a rule counts from: what it was, when, and the record it came from (a review, a meeting…)."""

    event: str
    date: dt.date
    ref: Any = attrs.field(default=None, eq=False)


class Facts:
    """One child's events in its latest period of care, computed once and shared by every rule."""

    def __init__(self, record: CaseRecord, period: PeriodOfCare, as_of: dt.date, calendar: WorkingCalendar) -> None:
        self.record = record
        self.child_id = record.child_id
        self.period = period
        self.as_of = as_of
        self.calendar = calendar

    def in_period(self, day: dt.date | None) -> TypeGuard[dt.date]:
        """True when ``day`` falls in the period of care (on or after its start, before its end)."""
        return day is not None and day >= self.period.start and (self.period.end is None or day <= self.period.end)

    @cached_property
    def start_anchor(self) -> Anchor:
        """The start of the period, for rules met by events from then on."""
        return Anchor("became looked after", self.period.start)

    @cached_property
    def _held_reviews(self) -> list[tuple[dt.date, Review]]:
        # A held review has a date: pairing it with the review keeps that known wherever the date is used.
        return [(r.date, r) for r in self.record.reviews if r.held and self.in_period(r.date) and r.date <= self.as_of]

    @cached_property
    def reviews(self) -> list[Review]:
        """Reviews held in the period, in date order."""
        return [review for _, review in self._held_reviews]

    @cached_property
    def review_dates(self) -> list[dt.date]:
        """The dates of ``reviews``, for bisecting."""
        return [day for day, _ in self._held_reviews]

    @cached_property
    def meetings(self) -> list[Meeting]:
        """The child's permanence meetings from the start of the period (scheduled ones included)."""
        return [m for m in self.record.meetings if m.date >= self.period.start]

    def held(self, *kinds: MeetingKind) -> list[Meeting]:
        """Meetings of these kinds held by ``as_of``."""
        return [m for m in self.meetings if m.kind in kinds and m.date <= self.as_of]

    @cached_property
    def proceedings(self) -> list[Any]:
        """Proceedings live at some point during the period."""
        return [
            p
            for p in self.record.proceedings
            if (p.concluded_on is None or p.concluded_on >= self.period.start)
            and (self.period.end is None or p.issue_date <= self.period.end)
        ]

    @cached_property
    def second_review_anchor(self) -> Anchor:
        """The second review as held, else when it is due (from the first as held, else the first's due date)."""
        if len(self.reviews) >= 2:
            return Anchor("second review held", self.review_dates[1], self.reviews[1])
        if self.reviews:
            first = self.review_dates[0]
        else:
            first = self.calendar.add_working_days(self.period.start, FIRST_REVIEW_WORKING_DAYS)
        return Anchor("second review due", add_months(first, SECOND_REVIEW_MONTHS))

    @cached_property
    def plan_ratified_on(self) -> dt.date | None:
        """When a plan was first ratified at a review in this period."""
        dates = [p.ratified_at_review for p in self.record.plans if p.ratified_at_review]
        dates += [c.date for p in self.record.plans for c in p.history if c.status is PlanStatus.RATIFIED]
        dates = [d for d in dates if d >= self.period.start and d <= self.as_of]
        return min(dates) if dates else None

    @cached_property
    def permanence_secured_on(self) -> dt.date | None:
        """When permanence was secured: a permanence exit from care, an adoption order, or a plan achieved."""
        dates = []
        if self.period.outcome and self.period.end:
            dates.append(self.period.end)
        adoption = self.record.adoption
        if adoption and adoption.order:
            dates.append(adoption.order)
        dates += [c.date for p in self.record.plans for c in p.history if c.status is PlanStatus.ACHIEVED]
        dates = [d for d in dates if d >= self.period.start and d <= self.as_of]
        return min(dates) if dates else None


# ---------------------------------------------------------------------------------------------
# Anchors: name -> (function(facts) -> anchors, facets needed)
# ---------------------------------------------------------------------------------------------


def _care_start(facts: Facts) -> list[Anchor]:
    return [Anchor("became looked after", facts.period.start)]


# The parametrised anchors and met-bys below are plain functions bound with functools.partial, not closures,
# so that each is looked up when it is called (which is also what lets mutation testing reach their bodies).


def _review(index: int, ordinal: str, facts: Facts) -> list[Anchor]:
    if len(facts.reviews) > index:
        return [Anchor(f"{ordinal} review held", facts.review_dates[index], facts.reviews[index])]
    return []


def _proceedings_issued(facts: Facts) -> list[Anchor]:
    return [Anchor("care proceedings issued", p.issue_date, p) for p in facts.proceedings]


def _first_cmh(facts: Facts) -> list[Anchor]:
    return [Anchor("first case management hearing", p.first_cmh, p) for p in facts.proceedings if p.first_cmh]


def _permanence_decision(facts: Facts) -> list[Anchor]:
    day = facts.record.permanence_decision_date
    return [Anchor("decision to pursue permanence", day)] if facts.in_period(day) else []


def _first_held(kind: MeetingKind, label: str, facts: Facts) -> list[Anchor]:
    held = facts.held(kind)
    return [Anchor(label, held[0].date, held[0])] if held else []


def _each_panel(only_held: bool, facts: Facts) -> list[Anchor]:
    panels = [m for m in facts.meetings if m.kind is MeetingKind.TRACKING_PANEL]
    if only_held:
        return [Anchor("tracking panel held", m.date, m) for m in panels if m.date <= facts.as_of]
    return [Anchor("tracking panel date", m.date, m) for m in panels]


def _placement_order(facts: Facts) -> list[Anchor]:
    adoption = facts.record.adoption
    day = adoption.placement_order if adoption else None
    return [Anchor("placement order granted", day)] if facts.in_period(day) else []


ANCHORS: dict[str, tuple[Callable[[Facts], list[Anchor]], frozenset[Facet]]] = {
    "care_start": (_care_start, frozenset({Facet.CARE})),
    "review_1": (partial(_review, 0, "first"), frozenset({Facet.CARE, Facet.REVIEWS})),
    "review_2": (partial(_review, 1, "second"), frozenset({Facet.CARE, Facet.REVIEWS})),
    "review_2_or_due": (lambda facts: [facts.second_review_anchor], frozenset({Facet.CARE, Facet.REVIEWS})),
    "proceedings_issued": (_proceedings_issued, frozenset({Facet.PROCEEDINGS})),
    "first_cmh": (_first_cmh, frozenset({Facet.PROCEEDINGS})),
    "permanence_decision": (_permanence_decision, frozenset({Facet.PLANS})),
    "first_ppm": (partial(_first_held, MeetingKind.PPM, "first PPM held"), frozenset({Facet.MEETINGS})),
    "first_tracking_panel": (
        partial(_first_held, MeetingKind.TRACKING_PANEL, "first tracking panel held"),
        frozenset({Facet.MEETINGS}),
    ),
    "tracking_panel": (partial(_each_panel, False), frozenset({Facet.MEETINGS})),
    "tracking_panel_held": (partial(_each_panel, True), frozenset({Facet.MEETINGS})),
    "placement_order": (_placement_order, frozenset({Facet.ADOPTION})),
}


# ---------------------------------------------------------------------------------------------
# Met by: name -> (function(facts, anchor) -> (date met, the event as a new anchor) or None, facets, words)
# ---------------------------------------------------------------------------------------------

Met = tuple[dt.date, Anchor] | None


def _after(anchor: Anchor, day: dt.date, same_kind: bool) -> bool:
    # An event of the anchor's own kind (the previous review, the previous meeting) must come strictly after it.
    return day > anchor.date if same_kind else day >= anchor.date


def _review_held(facts: Facts, anchor: Anchor) -> Met:
    # Reviews are in date order: bisect rather than scan, as review chains run to dozens per child.
    same = isinstance(anchor.ref, Review)
    dates = facts.review_dates
    index = (bisect_right if same else bisect_left)(dates, anchor.date)
    if index < len(dates):
        return dates[index], Anchor("looked-after review held", dates[index], facts.reviews[index])
    return None


def _meeting_held(kinds: tuple[MeetingKind, ...], facts: Facts, anchor: Anchor) -> Met:
    same = isinstance(anchor.ref, Meeting)
    for meeting in facts.held(*kinds):
        if _after(anchor, meeting.date, same) and meeting is not anchor.ref:
            return meeting.date, Anchor(f"{meeting.kind.value.replace('_', ' ')} held", meeting.date, meeting)
    return None


def _plan_review_or_review_held(facts: Facts, anchor: Anchor) -> Met:
    # Seed 001: the six-month plan review "can also be linked into a LAC review": whichever comes first.
    plan_review = _meeting_held((MeetingKind.PLAN_REVIEW,), facts, anchor)
    held = [met for met in (plan_review, _review_held(facts, anchor)) if met]
    return min(held, key=lambda met: met[0]) if held else None


def _plan_recorded(facts: Facts, _anchor: Anchor) -> Met:
    dates = [
        d
        for p in facts.record.plans
        if (d := p.decided_on or p.ratified_at_review) and d >= facts.period.start and d <= facts.as_of
    ]
    return (min(dates), Anchor("permanence plan recorded", min(dates))) if dates else None


def _plan_ratified(facts: Facts, _anchor: Anchor) -> Met:
    day = facts.plan_ratified_on
    return (day, Anchor("plan ratified at a review", day)) if day else None


def _from_ref(attribute: str, label: str, facts: Facts, anchor: Anchor) -> Met:
    day = getattr(anchor.ref, attribute, None) if anchor.ref is not None else None
    return (day, Anchor(label, day, anchor.ref)) if day and day <= facts.as_of else None


def _adoption(attribute: str, label: str, facts: Facts, anchor: Anchor) -> Met:
    day = getattr(facts.record.adoption, attribute, None) if facts.record.adoption else None
    return (day, Anchor(label, day)) if day and anchor.date <= day <= facts.as_of else None


def _ppm_arranged(facts: Facts, anchor: Anchor) -> Met:
    # Sources record when a meeting happens, not when it was booked: a PPM on the record, held or
    # scheduled, means it has been convened, so the prompt is met as of its anchor.
    for meeting in facts.meetings:
        if meeting.kind is MeetingKind.PPM:
            return anchor.date, Anchor("PPM arranged", meeting.date, meeting)
    return None


_PERMANENCE_MEETINGS = (
    MeetingKind.PPM,
    MeetingKind.TRACKING_PANEL,
    MeetingKind.MONITORING_GROUP,
    MeetingKind.PLAN_REVIEW,
)

MET_BY: dict[str, tuple[Callable[[Facts, Anchor], Met], frozenset[Facet], str]] = {
    "review_held": (_review_held, frozenset({Facet.REVIEWS}), "a looked-after review held"),
    "plan_recorded": (_plan_recorded, frozenset({Facet.PLANS}), "a permanence plan recorded"),
    "plan_ratified": (_plan_ratified, frozenset({Facet.PLANS}), "a permanence plan ratified at a looked-after review"),
    "proceedings_concluded": (
        partial(_from_ref, "concluded_on", "proceedings concluded"),
        frozenset({Facet.PROCEEDINGS}),
        "the care proceedings concluded",
    ),
    "cmh_held": (
        partial(_from_ref, "first_cmh", "case management hearing held"),
        frozenset({Facet.PROCEEDINGS}),
        "the case management hearing held",
    ),
    "ppm_held": (partial(_meeting_held, (MeetingKind.PPM,)), frozenset({Facet.MEETINGS}), "a PPM held"),
    "ppm_arranged": (_ppm_arranged, frozenset({Facet.MEETINGS}), "a PPM on the record, held or scheduled"),
    "monitoring_held": (
        partial(_meeting_held, (MeetingKind.MONITORING_GROUP,)),
        frozenset({Facet.MEETINGS}),
        "a monitoring group meeting held",
    ),
    "plan_review_held": (
        partial(_meeting_held, (MeetingKind.PLAN_REVIEW,)),
        frozenset({Facet.MEETINGS}),
        "a plan review held",
    ),
    "plan_review_or_review_held": (
        _plan_review_or_review_held,
        frozenset({Facet.MEETINGS, Facet.REVIEWS}),
        "a plan review or a looked-after review held",
    ),
    "tracking_panel_held": (
        partial(_meeting_held, (MeetingKind.TRACKING_PANEL,)),
        frozenset({Facet.MEETINGS}),
        "a tracking panel held",
    ),
    "permanence_meeting_held": (
        partial(_meeting_held, _PERMANENCE_MEETINGS),
        frozenset({Facet.MEETINGS}),
        "a PPM, tracking panel, monitoring group or plan review held",
    ),
    "referral_received": (
        partial(_from_ref, "referral_received_on", "referral received"),
        frozenset({Facet.MEETINGS}),
        "the referral received",
    ),
    "minutes_issued": (
        partial(_from_ref, "minutes_issued_on", "minutes issued"),
        frozenset({Facet.MEETINGS}),
        "the minutes issued",
    ),
    "placed_for_adoption": (
        partial(_adoption, "placed", "placed for adoption"),
        frozenset({Facet.ADOPTION}),
        "the child placed for adoption",
    ),
    "matched": (
        partial(_adoption, "match", "matched with adopters"),
        frozenset({Facet.ADOPTION}),
        "a match with adopters",
    ),
}


def met_by_words(term: str | None) -> str:
    """The event a ``met_by`` term asks for, in words: what `permanence explain` shows beside each obligation."""
    return MET_BY[term][2] if term is not None and term in MET_BY else "an event the rule does not name"


# ---------------------------------------------------------------------------------------------
# Stops: name -> (function(facts) -> date the rule stops applying, or None; facets)
# ---------------------------------------------------------------------------------------------

STOPS: dict[str, tuple[Callable[[Facts], dt.date | None], frozenset[Facet]]] = {
    "plan_ratified": (lambda facts: facts.plan_ratified_on, frozenset({Facet.PLANS})),
    "permanence_secured": (lambda facts: facts.permanence_secured_on, frozenset({Facet.CARE})),
    "plan_recorded": (
        lambda facts: (_plan_recorded(facts, Anchor("", facts.period.start)) or (None,))[0],
        frozenset({Facet.PLANS}),
    ),
}


# ---------------------------------------------------------------------------------------------
# Stages: name -> (function(facts) -> bool, facets)
# ---------------------------------------------------------------------------------------------


def _adoption_plan(facts: Facts) -> bool:
    plan = facts.record.current_plan
    if plan and (plan.primary == "adoption" or "adoption" in plan.contingencies):
        return True
    adoption = facts.record.adoption
    return bool(adoption and adoption.decision and not adoption.reversal)


STAGES: dict[str, tuple[Callable[[Facts], bool], frozenset[Facet]]] = {
    "in_proceedings": (
        lambda facts: any(p.is_live_on(facts.as_of) for p in facts.proceedings),
        frozenset({Facet.PROCEEDINGS}),
    ),
    "adoption_plan": (_adoption_plan, frozenset({Facet.ADOPTION})),
    "no_ratified_plan": (lambda facts: facts.plan_ratified_on is None, frozenset({Facet.PLANS})),
}


@lru_cache(maxsize=1 << 18)
def due_date(anchor: dt.date, offset: Offset, counting: Counting, calendar: WorkingCalendar) -> dt.date:
    """The due date ``offset`` from ``anchor``.

    ``inclusive`` counting makes the anchor day day 1: 26 weeks *beginning with* the issue day end on
    issue + 181 days, and PLO "Day 12" is issue + 11 days. Cached, as anchors repeat across a cohort.
    """
    inclusive = counting is Counting.INCLUSIVE
    if offset.working_days is not None:
        if offset.working_days < 0:
            return calendar.subtract_working_days(anchor, -offset.working_days)
        return calendar.add_working_days(anchor, offset.working_days, count_start=inclusive)
    if offset.months is not None:
        due = add_months(anchor, offset.months)
    elif offset.days is not None:
        due = anchor + dt.timedelta(days=offset.days)
    elif offset.weeks is not None:
        due = anchor + dt.timedelta(weeks=offset.weeks)
    else:
        raise AssertionError("unreachable: Offset validates that exactly one unit is set")
    return due - dt.timedelta(days=1) if inclusive and due > anchor else due


def needed_facets(rule: Rule) -> frozenset[Facet]:
    """Every fact the rule needs from the source to be assessable."""
    facets = set(ANCHORS[rule.anchor][1]) | MET_BY[rule.met_by][1]
    for stop in rule.stops:
        facets |= STOPS[stop][1]
    for stage in rule.applies.stage:
        facets |= STAGES[stage][1]
    if rule.applies.plan_route:
        facets.add(Facet.PLANS)
    if rule.applies.legal_status:
        facets.add(Facet.CARE)
    return frozenset(facets)


def profile_facets(profile: Profile) -> frozenset[Facet]:
    """Every facet a rule of ``profile`` needs: all a load for its alerts has to read."""
    return frozenset(facet for rule in profile.rules for facet in needed_facets(rule))


@attrs.frozen
class Evaluation:
    """The obligations of every child under a profile on ``as_of``, and the alerts the open ones raise."""

    as_of: dt.date
    profile: Profile
    obligations: tuple[Obligation, ...]
    alerts: tuple[Alert, ...]

    def alerts_for(self, child_id: str) -> tuple[Alert, ...]:
        """One child's alerts."""
        return tuple(a for a in self.alerts if a.child_id == child_id)

    def obligations_for(self, child_id: str) -> tuple[Obligation, ...]:
        """One child's obligation timeline, by due date."""
        return tuple(
            sorted(
                (o for o in self.obligations if o.child_id == child_id),
                key=lambda o: (o.due_date or dt.date.max, o.rule),
            )
        )

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts by obligation state and alert status, and not-assessable counts per rule."""
        states = Counter(o.state.value for o in self.obligations)
        not_assessable = Counter(o.rule for o in self.obligations if o.state is ObligationState.NOT_ASSESSABLE)
        return {
            "obligations": dict(sorted(states.items())),
            "alerts": dict(sorted(Counter(a.status.value for a in self.alerts).items())),
            "not_assessable_by_rule": dict(sorted(not_assessable.items())),
        }


@attrs.frozen
class _Compiled:
    """A rule with its vocabulary looked up once, not once per child."""

    rule: Rule
    needs: frozenset[Facet]
    anchors: Callable[[Facts], list[Anchor]]
    find_met: Callable[[Facts, Anchor], Met]
    repeats: int
    chain: bool
    window: dt.timedelta
    checks_applies: bool
    met_from: str
    dues: dict[dt.date, dt.date] = attrs.field(factory=dict)  # anchor date -> due date, for this run


def _compile(rule: Rule, profile: Profile) -> _Compiled:
    window = rule.warning_days if rule.warning_days is not None else profile.settings.warning_days
    applies = rule.applies
    return _Compiled(
        rule=rule,
        needs=needed_facets(rule),
        anchors=ANCHORS[rule.anchor][0],
        find_met=MET_BY[rule.met_by][0],
        repeats=rule.recurrence.limit if rule.recurrence else 1,
        chain=bool(rule.recurrence and rule.recurrence.chain),
        window=dt.timedelta(days=window),
        checks_applies=bool(applies.legal_status or applies.plan_route or applies.stage),
        met_from=rule.met_from,
    )


def evaluate(
    records: Iterable[CaseRecord],
    profile: Profile,
    as_of: dt.date,
    calendar: WorkingCalendar | None = None,
) -> Evaluation:
    """Evaluate every rule of ``profile`` for every record on ``as_of``."""
    calendar = calendar or calendar_for(profile)
    compiled = [_compile(rule, profile) for rule in profile.rules]
    obligations: list[Obligation] = []
    alerts: list[Alert] = []
    for record in records:
        period = record.latest_period(as_of)
        if period is None:
            continue
        facts = Facts(record, period, as_of, calendar)
        in_care = period.end is None or period.end > as_of
        for rule in compiled:
            if not rule.needs <= record.coverage:
                obligations.append(_not_assessable(record, rule.rule, rule.needs))
            else:
                _evaluate_rule(rule, facts, in_care, obligations, alerts)
    alerts.sort(key=lambda a: (a.due_date, a.child_id, a.rule))
    return Evaluation(as_of=as_of, profile=profile, obligations=tuple(obligations), alerts=tuple(alerts))


def calendar_for(profile: Profile) -> WorkingCalendar:
    """The working-day calendar a profile's settings describe."""
    closures = [dt.date.fromisoformat(day) for day in profile.settings.extra_closures]
    return WorkingCalendar(extra_closures=closures, subdiv=profile.settings.holidays_subdiv)


def _not_assessable(record: CaseRecord, rule: Rule, needs: frozenset[Facet]) -> Obligation:
    missing = ", ".join(sorted(f.value for f in needs - record.coverage))
    return Obligation(
        child_id=record.child_id,
        rule=rule.id,
        title=rule.title,
        state=ObligationState.NOT_ASSESSABLE,
        source=rule.source,
        met_by=rule.met_by,
        statutory=rule.statutory,
        note=f"the source does not supply: {missing}",
    )


def _applies(rule: Rule, facts: Facts, anchor: Anchor) -> bool:
    applies = rule.applies
    if applies.legal_status and facts.record.legal_status_on(anchor.date) not in applies.legal_status:
        return False
    if applies.plan_route:
        plan = facts.record.current_plan
        routes = {plan.primary, *plan.contingencies} if plan else set()
        if not routes & set(applies.plan_route):
            return False
    return all(STAGES[stage][0](facts) for stage in applies.stage)


def _stop_date(rule: Rule, facts: Facts) -> dt.date | None:
    # Leaving care stops every rule: children who have left care owe nothing further.
    dates = [day for day in (STOPS[stop][0](facts) for stop in rule.stops) if day]
    if facts.period.end:
        dates.append(facts.period.end)
    return min(dates) if dates else None


def _evaluate_rule(
    compiled: _Compiled, facts: Facts, in_care: bool, obligations: list[Obligation], alerts: list[Alert]
) -> None:
    anchors = compiled.anchors(facts)
    if not anchors:
        return
    rule = compiled.rule
    stop = _stop_date(rule, facts) if rule.stops else facts.period.end
    # Alerts only for children still in care, and only while the rule has not been stopped.
    may_alert = in_care and (stop is None or stop > facts.as_of)
    child_id = facts.child_id
    for first in anchors:
        anchor: Anchor | None = first
        for _ in range(compiled.repeats):
            if anchor is None or (compiled.checks_applies and not _applies(rule, facts, anchor)):
                break
            due = compiled.dues.get(anchor.date)
            if due is None:
                due = compiled.dues[anchor.date] = due_date(anchor.date, rule.offset, rule.counting, facts.calendar)
            if rule.add_extensions and anchor.ref is not None:
                due += dt.timedelta(weeks=anchor.ref.extension_weeks)
            met = compiled.find_met(facts, _met_since(compiled, facts, anchor, due))
            # Not owed when the rule stopped (left care, plan ratified…) before it fell due, unless it was met
            # by then: a deadline kept before leaving care stays on the child's timeline.
            if stop is not None and stop <= due and (met is None or met[0] > stop):
                break
            if met is None:
                state = ObligationState.OPEN
            else:
                state = ObligationState.MET if met[0] <= due else ObligationState.MET_LATE
            obligation = Obligation(
                child_id=child_id,
                rule=rule.id,
                title=rule.title,
                state=state,
                source=rule.source,
                anchor_event=anchor.event,
                anchor_date=anchor.date,
                due_date=due,
                met_on=met[0] if met else None,
                met_by=rule.met_by,
                met_event=met[1].event if met else None,
                statutory=rule.statutory,
            )
            obligations.append(obligation)
            if may_alert and met is None and due <= facts.as_of + compiled.window:
                alerts.append(_alert(obligation, rule, facts.as_of, anchor=anchor, due=due))
            # A recurring rule anchors again on the event that met it, as held: a late review moves the next one.
            anchor = met[1] if (met and compiled.chain) else None


def _met_since(compiled: _Compiled, facts: Facts, anchor: Anchor, due: dt.date) -> Anchor:
    """Where the search for the event that meets an obligation starts (the rule's ``met_from``)."""
    if compiled.met_from == "anchor":
        return anchor
    if compiled.met_from == "period_start":
        return facts.start_anchor
    # "window": only an event from the day the warning window opens is the one the rule asks for.
    return Anchor("warning window opened", due - compiled.window)


def _alert(obligation: Obligation, rule: Rule, as_of: dt.date, *, anchor: Anchor, due: dt.date) -> Alert:
    """The alert an open obligation inside its warning window (or past due) raises."""
    if due < as_of:
        status = AlertStatus.OVERDUE
        when = f"overdue by {_days(as_of - due)}"
    else:
        status = AlertStatus.UPCOMING
        when = f"due in {_days(due - as_of)}" if due > as_of else "due today"
    direction = "before" if _is_before(rule.offset) else "after"
    offset = rule.offset.describe().removesuffix(" before")
    kind = "" if rule.statutory else " (indicator, not a statutory deadline)"
    message = (
        f"{rule.title}{kind}: due {due.isoformat()}, {when}; "
        f"{offset} {direction} {anchor.event} on {anchor.date.isoformat()}"
    )
    return Alert(
        child_id=obligation.child_id,
        rule=rule.id,
        status=status,
        due_date=due,
        anchor_event=anchor.event,
        anchor_date=anchor.date,
        message=message,
        source=rule.source,
        title=rule.title,
        statutory=rule.statutory,
    )


def _days(span: dt.timedelta) -> str:
    return "1 day" if span.days == 1 else f"{span.days} days"


def _is_before(offset: Offset) -> bool:
    return any(value is not None and value < 0 for value in attrs.astuple(offset))
