"""What the return lacks, as a council records it: plans, PPMs, panels, actions, workers, family and views."""

from __future__ import annotations

import datetime as dt

import attrs

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.model import (
    Action,
    AllocatedWorker,
    Attendee,
    CareOffer,
    CaseNarrative,
    FamilyMember,
    Meeting,
    MeetingKind,
    PeriodOfCare,
    PermanencePlan,
    PlanStatus,
    ResidentialAims,
    Review,
    Sibling,
    SiblingPlan,
    SignOff,
    SignOffRole,
    StatusChange,
    Views,
)
from permanence_core.synth.ages import age_on, birthday
from permanence_core.synth.courts import weekday_on_or_after
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import first_name, person, surname
from permanence_core.synth.routes import ChildPlan, FamilyPlan, PlanIntent
from permanence_core.synth.staff import Allocation, Worker
from permanence_core.synth.vocabulary import WORDS

_ANNEX_A = {
    "return_to_family": "RETURN6M",
    "special_guardianship": "LTRELFR",
    "child_arrangements_order": "LTRELFR",
    "adoption": "ADOPTION",
    "long_term_fostering": "LTFOST18",
    "connected_person": "LTRELFR",
    "residential": "RESPLMT",
    "independence": "SUPPLIV",
    "other": "OTHERPLN",
}
_STAGE = {
    "return_to_family": "return_home",
    "special_guardianship": "special_guardianship",
    "child_arrangements_order": "return_home",
    "adoption": "adoption",
    "long_term_fostering": "long_term_fostering",
    "connected_person": "long_term_fostering",
    "residential": "residential",
    "independence": "independence",
    "other": "assessment",
}
#: Permanence is secured (tracking stops) by these exits; long-term fostering by the approved match.
_SECURING_EXITS = frozenset({"E11", "E12", "E41", "E45", "E46", "E47", "E48", "E4A"})
#: Plans for these routes are achieved once the child is settled in the planned placement, not by leaving care.
_SETTLING_ROUTES = frozenset({"residential", "independence"})


@attrs.frozen(kw_only=True)
class Member:
    """One child of the family as the return shows it on the as-of date, with its identity."""

    child_id: str
    first_name: str
    surname: str
    plan: ChildPlan
    periods: tuple[PeriodOfCare, ...]
    reviews: tuple[Review, ...]

    def in_care_on(self, day: dt.date) -> bool:
        return any(p.is_open_on(day) for p in self.periods if not p.short_break)

    @property
    def entry(self) -> dt.date:
        return self.periods[0].start


@attrs.frozen(kw_only=True)
class Casework:
    """The pack's part of one child's record."""

    permanence_decision_date: dt.date | None = None
    referral_date: dt.date | None = None
    plans: tuple[PermanencePlan, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    siblings: tuple[Sibling, ...] = ()
    family: tuple[FamilyMember, ...] = ()
    workers: tuple[AllocatedWorker, ...] = ()
    views: Views | None = None
    narrative: CaseNarrative | None = None
    signoffs: tuple[SignOff, ...] = ()


class FamilyCasework:
    """Builds the casework for one family's children up to ``as_of``."""

    def __init__(
        self,
        dice: Dice,
        family: FamilyPlan,
        members: list[Member],
        staff: Allocation,
        calendar: WorkingCalendar,
        as_of: dt.date,
    ) -> None:
        self.dice = dice
        self.family = family
        self.members = members
        self.staff = staff
        self.calendar = calendar
        self.as_of = as_of
        self.lead = members[0]
        self.meeting_count = 0
        self.secured: dict[str, dt.date | None] = {}

    def build(self) -> list[Casework]:
        """One Casework per member, in order."""
        lead = self.lead
        planned = [m for m in self.members if m.plan.plans]
        relatives = self._relatives()
        outside = self._siblings_not_in_care()
        ppm = self._first_ppm() if planned else None
        self.secured = {m.child_id: self._secured_on(m, ppm) for m in self.members}
        decision = None
        if ppm is not None:
            gap = self.dice.days(3, 21) if self.dice.chance(0.85) else self.dice.days(22, 45)
            decision = max(ppm - gap, lead.entry)
            decision = decision if decision <= self.as_of else None
        plans = {m.child_id: self._plans(m, ppm) for m in self.members}
        meetings: list[Meeting] = []
        if ppm is not None and ppm <= self.as_of:
            meetings.append(self._meeting(MeetingKind.PPM, ppm, self._in_care(ppm), "assessment", plans))
            meetings.extend(self._tracking(ppm, plans))
            meetings.extend(self._monitoring(ppm, plans))
            meetings.extend(self._plan_reviews(ppm, plans))
        referral = lead.entry - self.dice.skewed_days(120, 1, 900)
        result = []
        for member in self.members:
            own_meetings = tuple(m for m in meetings if member.child_id in m.children)
            result.append(
                Casework(
                    permanence_decision_date=decision if member.plan.plans else None,
                    referral_date=referral,
                    plans=plans[member.child_id],
                    meetings=own_meetings,
                    siblings=self._siblings(member) + outside,
                    family=relatives,
                    workers=self._workers(member),
                    views=self._views(member),
                    narrative=self._narrative(member, plans[member.child_id]),
                    signoffs=self._signoffs(ppm) if ppm and ppm <= self.as_of and member.plan.plans else (),
                )
            )
        return result

    # -- when things happen ------------------------------------------------------------------------

    def _first_ppm(self) -> dt.date | None:
        """Seeds: PPM within 7 days of the first CMH; otherwise around week 2, or at 6-12 weeks; some late."""
        dice, lead = self.dice, self.lead
        proceedings = lead.plan.proceedings
        if proceedings is not None and proceedings.cmh < lead.entry + dt.timedelta(days=140):
            day = proceedings.cmh + (dice.days(1, 7) if dice.chance(0.8) else dice.days(8, 30))
        else:
            weeks = dice.pick({(2, 4): 40, (6, 12): 45, (13, 20): 15})
            day = lead.entry + dice.days(weeks[0] * 7, weeks[1] * 7)
        day = weekday_on_or_after(max(day, lead.entry + dt.timedelta(days=3)))
        return day if self._in_care(day) else None

    def _in_care(self, day: dt.date) -> tuple[str, ...]:
        return tuple(m.child_id for m in self.members if m.plan.plans and m.in_care_on(day))

    def _secured_on(self, member: Member, ppm: dt.date | None) -> dt.date | None:
        """The day permanence was secured: a permanence exit, the approved long-term match, or settling
        in the planned residential or supported placement."""
        for period in member.periods:
            if period.end and period.reason_ceased in _SECURING_EXITS:
                return period.end
        if member.plan.long_term_match:
            return member.plan.long_term_match
        last = member.plan.plans[-1] if member.plan.plans else None
        planned = last and (last.day or ppm)
        if last and planned and last.primary in _SETTLING_ROUTES:
            return planned + self.dice.days(90, 270)
        return None

    def _tracking_end(self) -> dt.date:
        ends = [self.secured[m.child_id] or self.as_of for m in self.members if m.plan.plans]
        left = [max((p.end or self.as_of) for p in m.periods) for m in self.members if m.plan.plans]
        return min(max(ends), max(left), self.as_of)

    # -- plans -------------------------------------------------------------------------------------

    def _plans(self, member: Member, ppm: dt.date | None) -> tuple[PermanencePlan, ...]:
        dice = self.dice
        intents: list[tuple[dt.date, PlanIntent]] = []
        for intent in member.plan.plans:
            day = intent.day or ppm
            if day is not None and day <= self.as_of and (not intents or day > intents[-1][0]):
                intents.append((day, intent))
        reviews = [r.date for r in member.reviews if r.date]
        second = reviews[1] if len(reviews) > 1 else None
        plans = []
        for index, (day, intent) in enumerate(intents):
            until = intents[index + 1][0] if index + 1 < len(intents) else None
            ratified = self._ratified(day, until, reviews, second)
            history = [StatusChange(status=PlanStatus.PROPOSED, date=day)]
            agreed = day + dice.days(0, 14)
            if agreed <= self.as_of and (until is None or agreed < until):
                history.append(StatusChange(status=PlanStatus.AGREED, date=agreed))
            if ratified:
                history.append(StatusChange(status=PlanStatus.RATIFIED, date=max(ratified, agreed)))
            secured = self.secured[member.child_id]
            if until is not None:
                history.append(StatusChange(status=PlanStatus.ABANDONED, date=until))
            elif secured and secured <= self.as_of and _achieves(intent.primary, member, secured):
                history.append(StatusChange(status=PlanStatus.ACHIEVED, date=max(secured, day)))
            plans.append(
                PermanencePlan(
                    primary=intent.primary,
                    contingencies=intent.contingencies,
                    decided_on=day,
                    ratified_at_review=ratified,
                    annex_a_codes=tuple(_ANNEX_A[r] for r in dict.fromkeys((intent.primary, *intent.contingencies))),
                    history=history,
                    description=f"Permanence through {WORDS.routes[intent.primary]}.",
                    residential_aims=_residential_aims() if intent.primary == "residential" else None,
                    plan_id=f"{member.child_id}-P{index + 1}",
                )
            )
        return tuple(plans)

    def _ratified(
        self, day: dt.date, until: dt.date | None, reviews: list[dt.date], second: dt.date | None
    ) -> dt.date | None:
        """A plan in force at the second review is usually ratified there, some only later or not at all;
        a later plan is usually ratified at the next review."""
        candidates = [r for r in reviews if r >= day and (until is None or r < until)]
        if not candidates:
            return None
        if second is not None and second in candidates:
            if self.dice.chance(0.9):
                return second
            later = [r for r in candidates if r > second]
            return later[0] if later else None
        return candidates[0] if self.dice.chance(0.9) else None

    # -- meetings ----------------------------------------------------------------------------------

    def _tracking(self, ppm: dt.date, plans: dict[str, tuple[PermanencePlan, ...]]) -> list[Meeting]:
        """Fortnightly until the plan is ratified at the second review, then monthly until permanence."""
        dice = self.dice
        lead_plans = plans[self.lead.child_id] or next(iter(plans.values()))
        ratified = next((p.ratified_at_review for p in lead_plans if p.ratified_at_review), None)
        end = self._tracking_end()
        meetings: list[Meeting] = []
        day = ppm
        while True:
            fortnightly = ratified is None or day < ratified
            day = weekday_on_or_after(day + (dt.timedelta(days=14) if fortnightly else dice.days(28, 35)))
            if day > end:
                return meetings
            children = self._in_care(day)
            # A few panels pass a family by (sickness, a full agenda): gaps the tracker should notice.
            if children and dice.chance(0.93):
                meetings.append(self._meeting(MeetingKind.TRACKING_PANEL, day, children, None, plans))

    def _monitoring(self, ppm: dt.date, plans: dict[str, tuple[PermanencePlan, ...]]) -> list[Meeting]:
        """The monitoring group (social worker, carer, family finder) every 4-6 weeks from the first PPM
        until permanence is secured; now and then a gap runs longer."""
        dice = self.dice
        end = self._tracking_end()
        meetings: list[Meeting] = []
        day = ppm
        while True:
            day = weekday_on_or_after(day + (dice.days(28, 42) if dice.chance(0.92) else dice.days(43, 63)))
            if day > end:
                return meetings
            children = self._in_care(day)
            if children:
                current = _plan_on(plans[children[0]], day)
                stage = "family_finding" if current and current.primary == "adoption" else None
                meetings.append(self._meeting(MeetingKind.MONITORING_GROUP, day, children, stage, plans))

    def _plan_reviews(self, ppm: dt.date, plans: dict[str, tuple[PermanencePlan, ...]]) -> list[Meeting]:
        """Six months after the first PPM, and every six months until permanence is secured."""
        dice = self.dice
        end = self._tracking_end()
        meetings: list[Meeting] = []
        day = ppm
        while True:
            day = weekday_on_or_after(
                add_months(day, 6) - dice.days(0, 14) if dice.chance(0.88) else add_months(day, 6) + dice.days(1, 45)
            )
            if day > end:
                return meetings
            children = self._in_care(day)
            if children:
                meetings.append(self._meeting(MeetingKind.PLAN_REVIEW, day, children, None, plans))

    def _meeting(
        self,
        kind: MeetingKind,
        day: dt.date,
        children: tuple[str, ...],
        stage: str | None,
        plans: dict[str, tuple[PermanencePlan, ...]],
    ) -> Meeting:
        dice, staff, calendar = self.dice, self.staff, self.calendar
        self.meeting_count += 1
        meeting_id = f"{kind.value.upper()}-{children[0]}-{self.meeting_count}"
        current = _plan_on(plans[children[0]], day)
        primary = current.primary if current else "other"
        present = [Attendee(name=staff.social_worker.name, role="Social worker")]
        present.append(Attendee(name=staff.team_manager.name, role="Team manager"))
        if kind in (MeetingKind.PPM, MeetingKind.PLAN_REVIEW):
            present.append(Attendee(name=staff.iro.name, role="Independent reviewing officer"))
        if kind is MeetingKind.MONITORING_GROUP or primary == "adoption":
            present.append(Attendee(name=staff.family_finder.name, role="Family finder"))
        if kind is MeetingKind.MONITORING_GROUP:
            present.append(Attendee(name=person(dice.rng), role="Foster carer"))
        apologies = tuple(a.name for a in present[1:] if dice.chance(0.12))
        present = [a for a in present if a.name not in apologies]
        summaries = {
            MeetingKind.PPM: "ppm_summary",
            MeetingKind.TRACKING_PANEL: "tracking_summary",
            MeetingKind.MONITORING_GROUP: "monitoring_summary",
            MeetingKind.PLAN_REVIEW: "plan_review_summary",
        }
        minutes = calendar.add_working_days(day, dice.between(1, 3) if dice.chance(0.85) else dice.between(4, 8))
        referral = None
        if kind is MeetingKind.TRACKING_PANEL:
            referral = calendar.subtract_working_days(
                day, dice.between(3, 7) if dice.chance(0.9) else dice.between(1, 2)
            )
        return Meeting(
            meeting_id=meeting_id,
            kind=kind,
            date=day,
            chair=staff.service_manager.name if kind is not MeetingKind.MONITORING_GROUP else staff.team_manager.name,
            children=children,
            present=present,
            apologies=apologies,
            summary=dice.choice(WORDS.meetings[summaries[kind]]),
            agreed_plan=f"Primary plan: {WORDS.routes[primary]}." if current else None,
            actions=self._actions(meeting_id, day, stage or _STAGE[primary]),
            minutes_issued_on=minutes if minutes <= self.as_of else None,
            referral_received_on=referral,
        )

    def _actions(self, meeting_id: str, day: dt.date, stage: str) -> tuple[Action, ...]:
        """A few actions of the stage, in order; an action waiting on an unfinished one stays open."""
        dice = self.dice
        templates = WORDS.actions[stage]
        # PPMs set several actions; the frequent panels and groups mostly carry earlier ones forward.
        count = min(len(templates), dice.between(2, 4) if stage == "assessment" else dice.pick({0: 35, 1: 40, 2: 25}))
        start = dice.between(0, len(templates) - count) if count else 0
        chosen = templates[start : start + count]
        done: dict[str, tuple[str, dt.date | None]] = {}
        actions = []
        for number, template in enumerate(chosen, start=1):
            action_id = f"{meeting_id}-A{number}"
            due = day + dice.days(7, 42)
            completed = self._completion(day, due)
            waits = done.get(template.after) if template.after else None
            if waits is not None:
                completed = None if waits[1] is None or completed is None else max(completed, waits[1])
            done[template.key] = (action_id, completed)
            actions.append(
                Action(
                    action_id=action_id,
                    description=template.text,
                    owner=self.staff.by_role(template.owner).name,
                    due_date=due,
                    completed_on=completed,
                    depends_on=(waits[0],) if waits else (),
                )
            )
        return tuple(actions)

    def _completion(self, day: dt.date, due: dt.date) -> dt.date | None:
        """Most actions are done around their due date; some are left open (overdue once past due)."""
        dice, as_of = self.dice, self.as_of
        old = (as_of - day).days > 180
        if due <= as_of:
            if dice.chance(0.99 if old else 0.88):
                return min(day + dice.days(1, (due - day).days + 10), as_of)
            return None
        if dice.chance(0.35) and as_of > day:
            return day + dice.days(1, (as_of - day).days)
        return None

    # -- people ------------------------------------------------------------------------------------

    def _siblings(self, member: Member) -> tuple[Sibling, ...]:
        plan = SiblingPlan.TOGETHER if self.family.together else SiblingPlan.APART
        return tuple(
            Sibling(
                name=f"{other.first_name} {other.surname}",
                date_of_birth=other.plan.dob,
                child_id=other.child_id,
                in_concurrent_planning=bool(other.plan.plans),
                plan=plan,
            )
            for other in self.members
            if other is not member
        )

    def _siblings_not_in_care(self) -> tuple[Sibling, ...]:
        dice = self.dice
        if not dice.chance(0.3):
            return ()
        eldest = min(m.plan.dob for m in self.members)
        return tuple(
            Sibling(
                name=f"{first_name(dice.rng, dice.choice('MF'))} {surname(dice.rng)}",
                date_of_birth=eldest - dice.days(700, 3000),
                in_concurrent_planning=False,
            )
            for _ in range(dice.between(1, 2))
        )

    def _relatives(self) -> tuple[FamilyMember, ...]:
        dice = self.dice
        eldest = min(m.plan.dob for m in self.members)
        family_name = self.lead.surname
        relatives = [
            FamilyMember(
                name=f"{first_name(dice.rng, 'F', adult=True)} {family_name}",
                date_of_birth=birthday(eldest, -dice.between(17, 38)),
                relationship="Mother",
                whereabouts=dice.pick({"Known address": 85, "Whereabouts unknown": 10, "In custody": 5}),
            )
        ]
        if dice.chance(0.6):
            relatives.append(
                FamilyMember(
                    name=person(dice.rng, "M"),
                    date_of_birth=birthday(eldest, -dice.between(18, 45)),
                    relationship="Father",
                    whereabouts=dice.pick({"Known address": 70, "Whereabouts unknown": 22, "In custody": 8}),
                )
            )
        kin = self.lead.plan.kin
        if kin or dice.chance(0.3):
            relatives.append(
                FamilyMember(
                    name=f"{first_name(dice.rng, 'F', adult=True)} {family_name}",
                    relationship=(kin or "maternal grandmother").capitalize(),
                    whereabouts="Known address",
                )
            )
        return tuple(relatives)

    def _workers(self, member: Member) -> tuple[AllocatedWorker, ...]:
        dice, staff = self.dice, self.staff
        entry = member.entry
        change = entry + dice.days(60, 900)
        changed = dice.chance(0.3) and change <= self.as_of
        workers = [_allocated(staff.social_worker, entry, change if changed else None)]
        if changed:
            workers.append(_allocated(staff.next_social_worker, change, None))
        workers.append(_allocated(staff.team_manager, entry, None))
        workers.append(_allocated(staff.iro, min(entry + dice.days(1, 10), self.as_of), None))
        adoption = member.plan.adoption
        if adoption and adoption.decision <= self.as_of:
            workers.append(_allocated(staff.family_finder, adoption.decision, None))
        return tuple(workers)

    def _views(self, member: Member) -> Views | None:
        if not member.plan.plans:
            return None
        dice = self.dice
        last = min(max((p.end or self.as_of) for p in member.periods), self.as_of)
        speaks = age_on(member.plan.dob, last) >= 5
        offers: tuple[CareOffer, ...] = ()
        if member.plan.kin:
            offers = (
                CareOffer(
                    name=f"{first_name(dice.rng, 'F', adult=True)} {self.lead.surname}",
                    relationship=member.plan.kin,
                    detail=dice.choice(WORDS.views["offer_detail"]),
                ),
            )
        return Views(
            child=dice.choice(WORDS.views["child"]) if speaks else None,
            parents=dice.choice(WORDS.views["parents"]),
            iro=dice.choice(WORDS.views["iro"]),
            wider_family=dice.choice(WORDS.views["wider_family"]),
            offers_to_care=offers,
        )

    def _narrative(self, member: Member, plans: tuple[PermanencePlan, ...]) -> CaseNarrative | None:
        if not member.plan.plans:
            return None
        need = member.periods[0].episodes[0].category_of_need or "N1"
        return CaseNarrative(
            reason_for_care=WORDS.narrative[need],
            care_plan=plans[-1].description if plans else None,
            life_story_work=WORDS.narrative["life_story"],
            family_time=WORDS.narrative["family_time"] if member.plan.route != "uasc" else None,
            barriers_to_permanence=self.dice.choice(WORDS.narrative["barriers"]),
        )

    def _signoffs(self, ppm: dt.date) -> tuple[SignOff, ...]:
        dice, staff = self.dice, self.staff
        signed = ppm - dice.days(3, 10)
        return (
            SignOff(role=SignOffRole.SOCIAL_WORKER, name=staff.social_worker.name, date=signed),
            SignOff(role=SignOffRole.TEAM_MANAGER, name=staff.team_manager.name, date=signed + dice.days(0, 2)),
            SignOff(role=SignOffRole.SERVICE_MANAGER, name=staff.service_manager.name, date=signed + dice.days(1, 3)),
        )


def _allocated(worker: Worker, start: dt.date, end: dt.date | None) -> AllocatedWorker:
    return AllocatedWorker(
        worker_id=worker.worker_id, role=worker.role, name=worker.name, team=worker.team, start=start, end=end
    )


def _plan_on(plans: tuple[PermanencePlan, ...], day: dt.date) -> PermanencePlan | None:
    earlier = [p for p in plans if p.decided_on and p.decided_on <= day]
    return earlier[-1] if earlier else None


def _achieves(primary: str, member: Member, secured: dt.date) -> bool:
    """Whether the way permanence was secured (exit, long-term match, settling) is what the plan aimed for."""
    reason = next((p.reason_ceased for p in member.periods if p.end), None)
    if primary in ("long_term_fostering", "connected_person"):
        return member.plan.long_term_match == secured
    if primary in _SETTLING_ROUTES:
        return True
    wanted = {
        "adoption": ("E11", "E12"),
        "special_guardianship": ("E45", "E46", "E47", "E48"),
        "child_arrangements_order": ("E41",),
        "return_to_family": ("E4A",),
    }
    return reason in wanted.get(primary, ())


def _residential_aims() -> ResidentialAims:
    return ResidentialAims(
        short_term="Settle in the home and keep the school place.",
        medium_term="Rebuild family time and address emotional wellbeing with the therapist.",
        long_term="Step down to a foster family or move on to supported accommodation at 17.",
    )
