"""A synthetic cohort, generated one family at a time from a seed and cut at the as-of date."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Mapping

import attrs

from permanence_core.calendar import WorkingCalendar
from permanence_core.model import (
    AdoptionMilestones,
    CaseRecord,
    Child,
    Facet,
    Identifiers,
    PeriodOfCare,
    PreviousPermanence,
)
from permanence_core.synth.ages import age_on, birthday
from permanence_core.synth.casework import Casework, FamilyCasework, Member
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import first_name, nhs_numbers, surname, upn
from permanence_core.synth.reviews import hold_reviews, review_lateness
from permanence_core.synth.routes import (
    BUILDERS,
    FAMILY_SIZES,
    LEAVER_WEIGHTS,
    STOCK_WEIGHTS,
    ChildPlan,
    FamilyPlan,
    short_breaks,
)
from permanence_core.synth.staff import Staff
from permanence_core.synth.timeline import to_period_of_care

#: About a quarter of the children looked after during a year left care in it (DfE national figures).
LEAVER_SHARE = 0.26
#: Children looked after only under an agreed series of short breaks.
SHORT_BREAK_SHARE = 0.015
RETURN_FACETS = frozenset({Facet.CARE, Facet.REVIEWS, Facet.ADOPTION})
PACK_FACETS = frozenset({Facet.PLANS, Facet.MEETINGS, Facet.PROCEEDINGS, Facet.SIBLINGS, Facet.WORKERS})
_PREVIOUS_PERMANENCE = {"Z1": 90, "P1": 1.5, "P2": 4, "P3": 2, "P4": 2.5}
_FIRST_ID = 1_000_001


def collection_year(day: dt.date) -> int:
    """The SSDA903 collection year ``day`` falls in, named by its ending year (1 April to 31 March)."""
    return day.year + 1 if day.month >= 4 else day.year


@attrs.frozen(kw_only=True)
class CohortSpec:
    """What to generate: ``children`` children looked after in the year up to ``as_of``, from ``seed``.

    With ``casework`` False only the return's facts are made (faster, for load benchmarks).
    """

    children: int = attrs.field(validator=attrs.validators.ge(1))
    seed: int
    as_of: dt.date
    casework: bool = True


@attrs.frozen(kw_only=True)
class SynthChild:
    """One generated child: the record as known on the as-of date, plus return fields the model lacks."""

    record: CaseRecord
    route: str
    family: int
    adopters: tuple[int, str, str] | None = None
    mother: str | None = None
    mother_child_dob: dt.date | None = None


def _family_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Per-child route shares turned into per-family shares, so sibling groups do not inflate a route."""
    result = {}
    for route, weight in weights.items():
        sizes = FAMILY_SIZES.get(route, {1: 1})
        mean = sum(size * share for size, share in sizes.items()) / sum(sizes.values())
        result[route] = weight / mean
    return result


class CohortGenerator:
    """Yields the children of a cohort in order; families are independent, each from ``(seed, index)``."""

    def __init__(self, spec: CohortSpec) -> None:
        self.spec = spec
        self.as_of = spec.as_of
        self.window_start = birthday(spec.as_of, -1) + dt.timedelta(days=1)
        self.year = collection_year(spec.as_of)
        self.calendar = WorkingCalendar()
        self.staff = Staff(spec.seed, spec.children)
        self.stock = _family_weights(STOCK_WEIGHTS)
        self.leavers = _family_weights(LEAVER_WEIGHTS)
        self.ids = itertools.count(_FIRST_ID)

    def __iter__(self) -> Iterator[SynthChild]:
        nhs = nhs_numbers()
        produced = 0
        for index in itertools.count():
            family, dice = self._family(index)
            for member in self._members(family, dice, index, self.spec.children - produced, nhs):
                produced += 1
                yield member
            if produced >= self.spec.children:
                return

    def _family(self, index: int) -> tuple[FamilyPlan, Dice]:
        """The family's journeys placed in time: a leaver's exit falls in the year before the as-of date,
        a child still in care is at a uniformly random point of its journey (so long stays dominate the
        stock, as they do nationally). A journey that misses the year is drawn again."""
        attempt = 0
        while True:
            rng = random.Random(f"{self.spec.seed}:{index}:{attempt}")
            attempt += 1
            dice = Dice(rng)
            if dice.chance(SHORT_BREAK_SHARE):
                first = self.window_start - dice.days(0, 60)
                return short_breaks(dice, first, self.as_of, self.year), dice
            leaver = dice.chance(LEAVER_SHARE)
            route = dice.pick(self.leavers if leaver else self.stock)
            size = dice.pick(FAMILY_SIZES.get(route, {1: 1}))
            when = rng.random()
            build = BUILDERS[route]
            state = rng.getstate()
            probe = build(dice, self.as_of, self.year, size).children[0]
            last_day = probe.last_day
            if last_day is None:
                raise AssertionError(f"the {route} route planned a journey that never ends")
            span = (last_day - probe.periods[0].start).days
            if leaver:
                window = (self.as_of - self.window_start).days
                entry = self.window_start + dt.timedelta(days=5 + int(when * (window - 5)) - span)
            else:
                entry = self.as_of - dt.timedelta(days=int(when * span))
            rng.setstate(state)
            family = build(dice, entry, self.year, size)
            if all(self._in_window(child) for child in family.children):
                return family, dice

    def _in_window(self, child: ChildPlan) -> bool:
        return any(p.start <= self.as_of and (p.end is None or p.end >= self.window_start) for p in child.periods)

    def _members(self, family: FamilyPlan, dice: Dice, index: int, room: int, nhs: Iterator[str]) -> list[SynthChild]:
        as_of = self.as_of
        family_name = surname(dice.rng)
        members = []
        for plan in family.children[:room]:
            child_id = str(next(self.ids))
            periods = self._periods(plan, child_id)
            lateness = review_lateness(dice)
            reviews = tuple(r for p in periods for r in hold_reviews(dice, p, plan.dob, self.calendar, as_of, lateness))
            members.append(
                Member(
                    child_id=child_id,
                    first_name=first_name(dice.rng, plan.sex),
                    surname=family_name,
                    plan=plan,
                    periods=periods,
                    reviews=reviews,
                )
            )
        casework: list[Casework] = [Casework() for _ in members]
        if self.spec.casework:
            # Casework draws from its own stream, so a return-only cohort's return is the same as the full one's.
            work_dice = Dice(random.Random(f"{self.spec.seed}:{index}:casework"))
            staff = self.staff.allocate(work_dice)
            casework = FamilyCasework(work_dice, family, members, staff, self.calendar, as_of).build()
        return [self._child(dice, member, work, index, nhs) for member, work in zip(members, casework, strict=True)]

    def _periods(self, plan: ChildPlan, child_id: str) -> tuple[PeriodOfCare, ...]:
        periods = []
        for number, period in enumerate(plan.periods, start=1):
            known = to_period_of_care(period, self.as_of, f"{child_id}-{number}")
            # Short breaks before the year are not part of this cohort's history.
            if known is None or (known.short_break and known.end and known.end < self.window_start):
                continue
            periods.append(known)
        return tuple(periods)

    def _child(self, dice: Dice, member: Member, work: Casework, index: int, nhs: Iterator[str]) -> SynthChild:
        plan, as_of = member.plan, self.as_of
        age = age_on(plan.dob, as_of)
        child = Child(
            identifiers=Identifiers(
                case_id=member.child_id,
                nhs_number=next(nhs),
                upn=upn(dice.rng, int(member.child_id)) if age >= 4 else None,
            ),
            first_name=member.first_name,
            surname=member.surname,
            date_of_birth=plan.dob,
            sex=plan.sex if self.year >= 2025 else {"M": "1", "F": "2"}[plan.sex],
            ethnicity=plan.ethnicity,
            uasc_until=plan.uasc_until,
        )
        proceedings = plan.proceedings.as_of(as_of, plan.court_outcome) if plan.proceedings else None
        record = CaseRecord(
            child=child,
            coverage=RETURN_FACETS | (PACK_FACETS if self.spec.casework else frozenset()),
            periods_of_care=member.periods,
            reviews=member.reviews,
            previous_permanence=self._previous_permanence(dice, plan, member.entry),
            adoption=self._adoption(plan),
            proceedings=(proceedings,) if proceedings else (),
            **attrs.asdict(work, recurse=False),
        )
        adoption = plan.adoption
        adopters = adoption.adopters if adoption and adoption.match and adoption.match <= as_of else None
        mother, mother_child_dob = self._motherhood(dice, plan, member)
        return SynthChild(
            record=record,
            route=plan.route,
            family=index,
            adopters=adopters,
            mother=mother,
            mother_child_dob=mother_child_dob,
        )

    def _previous_permanence(self, dice: Dice, plan: ChildPlan, entry: dt.date) -> PreviousPermanence:
        code = dice.pick(_PREVIOUS_PERMANENCE)
        if code in ("Z1", "P4") or (entry - plan.dob).days < 120:
            return PreviousPermanence(code="Z1" if code != "P4" else code)
        day = plan.dob + dice.days(30, (entry - plan.dob).days - 60)
        # Councils often know only the month and year (csc_data.md section 2).
        date = f"zz/{day:%m/%Y}" if dice.chance(0.3) else f"{day:%d/%m/%Y}"
        return PreviousPermanence(code=code, date=date)

    def _adoption(self, plan: ChildPlan) -> AdoptionMilestones | None:
        adoption, as_of = plan.adoption, self.as_of
        if adoption is None or adoption.decision > as_of:
            return None

        def known(day: dt.date | None) -> dt.date | None:
            return day if day is not None and day <= as_of else None

        reversal = known(adoption.reversal)
        return AdoptionMilestones(
            decision=adoption.decision,
            placement_order=known(adoption.placement_order),
            match=known(adoption.match),
            placed=known(adoption.placed),
            order=known(adoption.order),
            reversal=reversal,
            reversal_reason=adoption.reversal_reason if reversal else None,
            foster_carer_adoption=adoption.foster_carer if known(adoption.match) else None,
        )

    def _motherhood(self, dice: Dice, plan: ChildPlan, member: Member) -> tuple[str | None, dt.date | None]:
        """MOTHER is returned for girls of 12 and over; a few older girls in care are mothers."""
        last = min(max((p.end or self.as_of) for p in member.periods), self.as_of)
        if plan.sex != "F" or age_on(plan.dob, last) < 12:
            return None, None
        fifteen = birthday(plan.dob, 15)
        if fifteen < last and dice.chance(0.03):
            return "1", fifteen + dice.days(0, (last - fifteen).days)
        return "0", None
