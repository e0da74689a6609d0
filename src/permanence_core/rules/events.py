"""The vocabulary a profile's rules are written in: anchor events, the events that meet an obligation,
the events that stop a rule, and the case stages a rule can apply to. Each names the facets it needs,
so a rule is *not assessable* for a child whose source cannot supply them."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import cached_property, partial
from typing import Any, TypeGuard

import attrs

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import CaseRecord, Facet, Meeting, MeetingKind, PeriodOfCare, PlanStatus, Review

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
