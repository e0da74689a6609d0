"""The rules engine: a pure function of (case records, profile, as_of, calendar) to obligations and alerts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

import attrs

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import CaseRecord, Facet
from permanence_core.rules.events import ANCHORS, MET_BY, STAGES, STOPS, Anchor, Facts, Met
from permanence_core.rules.obligations import Alert, AlertStatus, Obligation, ObligationState
from permanence_core.rules.profile import Counting, Offset, Profile, Rule


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
