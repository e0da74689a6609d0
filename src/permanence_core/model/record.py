"""CaseRecord: everything the library knows about one child, from whichever source."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable
from typing import Any

import attrs

from permanence_core.errors import ModelValueError
from permanence_core.model._validators import optional_date, to_tuple
from permanence_core.model.adoption import AdoptionMilestones
from permanence_core.model.care import (
    Episode,
    LegalStatusSpell,
    PeriodOfCare,
    PlacementSpell,
    PreviousPermanence,
    Review,
)
from permanence_core.model.child import Child
from permanence_core.model.meetings import Meeting, MeetingAction
from permanence_core.model.narrative import CaseNarrative, SignOff
from permanence_core.model.people import AllocatedWorker, FamilyMember, Sibling, Views
from permanence_core.model.plan import PermanencePlan
from permanence_core.model.proceedings import CareProceedings


class Facet(enum.StrEnum):
    """A kind of fact a source can supply. A rule whose facts the source lacks is not assessable,
    so a bare SSDA903 return (no plans, no proceedings) does not drown a council in false alerts."""

    CARE = "care"
    REVIEWS = "reviews"
    ADOPTION = "adoption"
    PLANS = "plans"
    MEETINGS = "meetings"
    PROCEEDINGS = "proceedings"
    SIBLINGS = "siblings"
    WORKERS = "workers"


def _facets(value: Iterable[str] | None) -> frozenset[Facet]:
    if isinstance(value, frozenset):
        # A load gives every record the same coverage: convert each distinct set once.
        return _facet_set(value)
    return frozenset(Facet(v) for v in (value or ()))


@functools.lru_cache(maxsize=256)
def _facet_set(value: frozenset[str]) -> frozenset[Facet]:
    return frozenset(Facet(v) for v in value)


def _sorted_by(value: Iterable[Any] | None, key: str) -> tuple[Any, ...]:
    def when(item: object) -> dt.date:
        day: dt.date | None = getattr(item, key)
        return day or dt.date.min

    items = to_tuple(value)
    return items if len(items) < 2 else tuple(sorted(items, key=when))


# Named converters, one per date attribute: the attrs mypy plugin types only named functions as converters.
def _by_start(value: Iterable[Any] | None) -> tuple[Any, ...]:
    return _sorted_by(value, "start")


def _by_date(value: Iterable[Any] | None) -> tuple[Any, ...]:
    return _sorted_by(value, "date")


def _by_issue_date(value: Iterable[Any] | None) -> tuple[Any, ...]:
    return _sorted_by(value, "issue_date")


def _by_decided_on(value: Iterable[Any] | None) -> tuple[Any, ...]:
    return _sorted_by(value, "decided_on")


@attrs.frozen(kw_only=True)
class CaseRecord:
    """One child's case: care history, reviews, proceedings, plans, meetings, people and views."""

    child: Child
    coverage: frozenset[Facet] = attrs.field(factory=frozenset, converter=_facets)
    periods_of_care: tuple[PeriodOfCare, ...] = attrs.field(default=(), converter=_by_start)
    legal_statuses: tuple[LegalStatusSpell, ...] = attrs.field(default=(), converter=_by_start)
    placements: tuple[PlacementSpell, ...] = attrs.field(default=(), converter=_by_start)
    reviews: tuple[Review, ...] = attrs.field(default=(), converter=_by_date)
    previous_permanence: PreviousPermanence | None = None
    adoption: AdoptionMilestones | None = None
    proceedings: tuple[CareProceedings, ...] = attrs.field(default=(), converter=_by_issue_date)
    permanence_decision_date: dt.date | None = attrs.field(default=None, validator=optional_date)
    plans: tuple[PermanencePlan, ...] = attrs.field(default=(), converter=_by_decided_on)
    meetings: tuple[Meeting, ...] = attrs.field(default=(), converter=_by_date)
    referral_date: dt.date | None = attrs.field(default=None, validator=optional_date)
    siblings: tuple[Sibling, ...] = attrs.field(default=(), converter=to_tuple)
    family: tuple[FamilyMember, ...] = attrs.field(default=(), converter=to_tuple)
    workers: tuple[AllocatedWorker, ...] = attrs.field(default=(), converter=to_tuple)
    views: Views | None = None
    narrative: CaseNarrative | None = None
    signoffs: tuple[SignOff, ...] = attrs.field(default=(), converter=to_tuple)

    @meetings.validator
    def _meetings_name_child(self, attribute: attrs.Attribute[Any], value: tuple[Meeting, ...]) -> None:
        for meeting in value:
            if meeting.children and self.child.child_id not in meeting.children:
                raise ModelValueError(attribute.name, meeting.meeting_id, f"does not include child {self.child_id}")

    @property
    def child_id(self) -> str:
        """The case-system id."""
        return self.child.child_id

    @property
    def episodes(self) -> tuple[Episode, ...]:
        """Every episode of every period, in order."""
        return tuple(e for period in self.periods_of_care for e in period.episodes)

    @property
    def current_plan(self) -> PermanencePlan | None:
        """The latest plan, or None when none is recorded."""
        return self.plans[-1] if self.plans else None

    def period_on(self, day: dt.date) -> PeriodOfCare | None:
        """The period of care (short breaks excluded) the child is in on ``day``."""
        for period in reversed(self.periods_of_care):
            if not period.short_break and period.is_open_on(day):
                return period
        return None

    def latest_period(self, as_of: dt.date) -> PeriodOfCare | None:
        """The latest period of care (short breaks excluded) that started on or before ``as_of``."""
        for period in reversed(self.periods_of_care):
            if not period.short_break and period.start <= as_of:
                return period
        return None

    def legal_status_on(self, day: dt.date) -> str | None:
        """The legal status in force on ``day``."""
        for spell in reversed(self.legal_statuses):
            if spell.start <= day and (spell.end is None or day < spell.end):
                return spell.code
        return None

    def placement_on(self, day: dt.date) -> PlacementSpell | None:
        """The placement in force on ``day``."""
        for spell in reversed(self.placements):
            if spell.start <= day and (spell.end is None or day < spell.end):
                return spell
        return None

    def actions_set(self, on: dt.date) -> tuple[MeetingAction, ...]:
        """Every action set at the child's meetings in the current period of care up to ``on``, oldest meeting
        first, each with its meeting.

        Seeds 000-002 track the plan of the child's current time in care: a meeting held before the latest period
        began belongs to an earlier plan, and its actions are not brought back.
        """
        period = self.latest_period(on)
        since = period.start if period else dt.date.min
        return tuple(
            MeetingAction(action=action, meeting_id=m.meeting_id, meeting_kind=m.kind, meeting_date=m.date)
            for m in self.meetings
            if since <= m.date <= on
            for action in m.actions
        )

    def open_actions(self, on: dt.date) -> tuple[MeetingAction, ...]:
        """The actions still open on ``on``, from every earlier meeting (each is brought back until it is done)."""
        return tuple(a for a in self.actions_set(on) if a.action.completed_on is None or a.action.completed_on > on)

    def done_actions(self, on: dt.date) -> tuple[MeetingAction, ...]:
        """The actions completed by ``on``, from every meeting: the steps taken so far."""
        return tuple(
            a for a in self.actions_set(on) if a.action.completed_on is not None and a.action.completed_on <= on
        )
