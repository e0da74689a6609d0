"""Care journeys by route: each family's dated path from entering care to permanence, 18, or still in care."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs

from permanence_core.synth.ages import age_on, birthday
from permanence_core.synth.courts import Proceedings, plan_proceedings
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import ofsted_urn, postcode
from permanence_core.synth.timeline import Change, Period, Placement

#: Share of each route among children looked after on the as-of date, and among children who left care
#: in the year before it. Tuned so leavers come out near national proportions (DfE "Children looked
#: after in England", recent years): about a quarter return home, then SGO, adoption ~10-13%, CAO.
STOCK_WEIGHTS = {
    "long_term_fostering": 48,
    "return_home": 8,
    "adoption": 7,
    "special_guardianship": 5,
    "teenager": 14,
    "uasc": 7,
    "child_arrangements": 1,
    "remand": 0.4,
    "other": 3,
}
LEAVER_WEIGHTS = {
    "return_home": 24,
    "special_guardianship": 12,
    "adoption": 11,
    "child_arrangements": 4,
    "long_term_fostering": 15,
    "teenager": 20,
    "uasc": 4,
    "remand": 4,
    "other": 6,
}
#: Children per family entering care together; routes for older young people are single children.
FAMILY_SIZES = {
    "return_home": {1: 60, 2: 22, 3: 12, 4: 4, 5: 2},
    "special_guardianship": {1: 55, 2: 28, 3: 12, 4: 5},
    "child_arrangements": {1: 60, 2: 30, 3: 10},
    "adoption": {1: 65, 2: 25, 3: 8, 4: 2},
    "long_term_fostering": {1: 65, 2: 22, 3: 10, 4: 3},
}

_CATEGORY_OF_NEED = {"N1": 66, "N2": 3, "N3": 3, "N4": 8, "N5": 14, "N6": 2, "N7": 0.3}
_ETHNICITY = {
    "WBRI": 66, "WIRI": 0.5, "WOTH": 5, "WIRT": 0.5, "WROM": 0.5, "MWBC": 4, "MWBA": 2, "MWAS": 2, "MOTH": 3,
    "AIND": 1, "APKN": 2, "ABAN": 1, "AOTH": 2, "BCRB": 1.5, "BAFR": 3, "BOTH": 2, "CHNE": 0.3, "OOTH": 4,
    "REFU": 0.3, "NOBT": 0.3,
}  # fmt: skip
_UASC_ETHNICITY = {"OOTH": 40, "AOTH": 25, "BAFR": 20, "BOTH": 10, "WOTH": 5}
_PROVIDERS = {
    "U1": {"PR1": 1}, "U2": {"PR1": 1}, "U3": {"PR1": 1},
    "U4": {"PR1": 60, "PR4": 35, "PR5": 5}, "U5": {"PR1": 60, "PR4": 35, "PR5": 5},
    "U6": {"PR1": 55, "PR4": 40, "PR5": 5},
    "A3": {"PR1": 55, "PR2": 25, "PR5": 20}, "A4": {"PR1": 55, "PR2": 25, "PR5": 20},
    "A5": {"PR1": 55, "PR2": 25, "PR5": 20}, "A6": {"PR1": 55, "PR2": 25, "PR5": 20},
    "K1": {"PR1": 40, "PR2": 40, "PR4": 20}, "K2": {"PR4": 75, "PR1": 20, "PR5": 5},
    "K3": {"PR4": 60, "PR5": 25, "PR1": 15}, "H5": {"PR4": 60, "PR5": 25, "PR1": 15},
    "P1": {"PR0": 1}, "R1": {"PR4": 1}, "R3": {"PR1": 50, "PR4": 50},
}  # fmt: skip
#: Ofsted registers children's homes, fostering and adoption agencies and (since 2024) supported
#: accommodation; placements with parents have no URN, written as XXXXXXX in the return.
_HAS_URN = frozenset({"U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6", "K1", "K2", "K3", "H5"})
_MOVE_REASONS = {
    "CREQB": 25, "CREQO": 15, "CHILD": 10, "ALLEG": 4, "STAND": 5, "LAREQ": 10, "CLOSE": 8, "CARPL": 18,
    "OTHER": 5,
}  # fmt: skip
_KIN = ("maternal grandmother", "maternal grandparents", "paternal grandmother", "maternal aunt", "paternal aunt",
        "paternal uncle", "family friend", "adult sibling")  # fmt: skip


@attrs.frozen(kw_only=True)
class PlanIntent:
    """A permanence plan the route makes: on ``day`` (None: at the first PPM), aiming for ``primary``."""

    day: dt.date | None
    primary: str
    contingencies: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class AdoptionPlan:
    """The SSDA903 adoption dates (AD1, PlacedAdoption, E1/A3-A6 episodes) and the adopters."""

    decision: dt.date
    placement_order: dt.date | None = None
    match: dt.date | None = None
    placed: dt.date | None = None
    order: dt.date | None = None
    reversal: dt.date | None = None
    reversal_reason: str | None = None
    foster_carer: bool = False
    adopters: tuple[int, str, str] | None = None


@attrs.frozen(kw_only=True)
class ChildPlan:
    """One child's whole planned journey (it may run past the as-of date; the cohort cuts it there)."""

    route: str
    sex: str
    dob: dt.date
    ethnicity: str
    periods: tuple[Period, ...]
    proceedings: Proceedings | None = None
    court_outcome: str | None = None
    adoption: AdoptionPlan | None = None
    plans: tuple[PlanIntent, ...] = ()
    long_term_match: dt.date | None = None
    uasc_until: dt.date | None = None
    kin: str | None = None

    @property
    def last_day(self) -> dt.date | None:
        """The day the last period ends."""
        return self.periods[-1].end


@attrs.frozen(kw_only=True)
class FamilyPlan:
    """Children of one family who entered care together; ``together`` says whether they are planned together."""

    route: str
    children: tuple[ChildPlan, ...]
    together: bool


def eighteenth(dob: dt.date) -> dt.date:
    """The 18th birthday (29 February birthdays fall on 28 February)."""
    return birthday(dob, 18)


class _Journey:
    """Builds one child's period: the opening state, the dated changes and the way it ends."""

    def __init__(self, dice: Dice, entry: dt.date, status: str, placement: Placement, need: str, home: str):
        self.dice = dice
        self.entry = entry
        self.status = status
        self.placement = placement
        self.need = need
        self.home = home
        self.changes: list[Change] = []
        self.end: dt.date | None = None
        self.reason_ceased: str | None = None

    def current(self, day: dt.date) -> Placement:
        return self.period().placement_on(day)

    def legal(self, day: dt.date, status: str) -> None:
        self.changes.append(Change(day=day, legal_status=status))

    def move(self, day: dt.date, placement: Placement, reason: str) -> None:
        self.changes.append(Change(day=day, placement=placement, reason=reason))

    def moves(self, start: dt.date, end: dt.date, per_year: float, choose: Callable[[dt.date], str]) -> None:
        """Placement breakdowns at ``per_year`` between ``start`` and ``end``, to placements ``choose`` picks."""
        for day in self.dice.events(start, end, per_year):
            self.move(day, place(self.dice, choose(day)), self.dice.pick(_MOVE_REASONS))

    def respite(self, start: dt.date, end: dt.date, per_year: float) -> None:
        """Short stays elsewhere while foster carers are on holiday (T3, at most three weeks, rule 376),
        always back to the same carers (rule 383) and never two within a year (rule 377)."""
        last: dt.date | None = None
        for day in self.dice.events(start, end, per_year):
            back = day + self.dice.days(3, 20)
            usual = self.current(day)
            quiet = all(not day - dt.timedelta(days=2) <= c.day <= back + dt.timedelta(days=2) for c in self.changes)
            recent = last is not None and (day - last).days < 366
            if back < end and quiet and not recent and usual.code.startswith("U"):
                self.changes.append(Change(day=day, placement=place(self.dice, "T3")))
                self.changes.append(Change(day=back, placement=usual))
                last = day

    def leave(self, day: dt.date, reason: str) -> None:
        self.end, self.reason_ceased = day, reason

    def period(self) -> Period:
        ordered = tuple(sorted((c for c in self.changes if self.end is None or c.day < self.end), key=lambda c: c.day))
        return Period(
            start=self.entry,
            legal_status=self.status,
            placement=self.placement,
            category_of_need=self.need,
            home_postcode=self.home,
            changes=ordered,
            end=self.end,
            reason_ceased=self.reason_ceased,
        )


def place(dice: Dice, code: str, carer: str | None = None) -> Placement:
    """A placement of type ``code`` with a provider, URN and postcode that fit it."""
    provider = dice.pick(_PROVIDERS.get(code, {"PR4": 1}))
    return Placement(
        code=code,
        carer=carer or f"{code}-{dice.between(0, 10**9)}",
        provider=provider,
        urn=ofsted_urn(dice.rng) if code in _HAS_URN else "XXXXXXX",
        postcode=postcode(dice.rng),
    )


def same_carers(dice: Dice, old: Placement, code: str) -> Placement:
    """The same household in a new placement type (a long-term match, or foster carers adopting)."""
    return attrs.evolve(place(dice, code, carer=old.carer), postcode=old.postcode)


class Family:
    """What siblings share: entry day, need, home, proceedings; and the seeds for each child."""

    def __init__(self, dice: Dice, entry: dt.date, year: int, size: int, youngest: tuple[int, int]):
        self.dice = dice
        self.entry = entry
        self.year = year
        self.need = dice.pick(_CATEGORY_OF_NEED)
        self.home = postcode(dice.rng)
        self.ethnicity = dice.pick(_ETHNICITY)
        age = dt.timedelta(days=dice.between(*youngest))
        births = [entry - age]
        for _ in range(size - 1):
            born = births[-1] - dice.days(330, 1100)
            # An older brother or sister who is already an adult does not come into care with the others.
            if age_on(born, entry) < 17:
                births.append(born)
        self.births = births
        self.size = len(births)
        self.sexes = [dice.choice("MF") for _ in births]

    def age_at(self, index: int, day: dt.date) -> int:
        return age_on(self.births[index], day)

    def supported_accommodation(self) -> str:
        """K3 from the 2024/25 collection; before it, semi-independent living was H5."""
        return "K3" if self.year >= 2025 else "H5"


def _court_entry(fam: Family, first: Placement) -> tuple[_Journey, Proceedings]:
    """How a child comes into care around proceedings: on an interim care order, after police protection,
    or accommodated under s.20 first. Returns the journey so far and the proceedings."""
    dice, entry = fam.dice, fam.entry
    path = dice.pick({"ico": 40, "police": 15, "s20": 45})
    if path == "ico":
        issue = entry - dice.days(1, 6)
        journey = _Journey(dice, entry, "C1", first, fam.need, fam.home)
    elif path == "police":
        journey = _Journey(dice, entry, "L1", first, fam.need, fam.home)
        interim_order = entry + dice.days(1, 3)
        issue = interim_order - dice.days(0, 1)
        journey.legal(interim_order, "C1")
    else:
        journey = _Journey(dice, entry, "V2", first, fam.need, fam.home)
        issue = entry + dice.skewed_days(45, 14, 160)
        journey.legal(issue + dice.days(1, 10), "C1")
    return journey, plan_proceedings(dice, max(issue, entry - dt.timedelta(days=6)))


def _child(fam: Family, index: int, route: str, journeys: list[_Journey], **fields: Any) -> ChildPlan:
    return ChildPlan(
        route=route,
        sex=fam.sexes[index],
        dob=fam.births[index],
        ethnicity=fam.ethnicity,
        periods=tuple(j.period() for j in journeys),
        **fields,
    )


def _adopters(dice: Dice) -> tuple[int, str, str]:
    """NB_ADOPTR, SEX_ADOPTR and LS_ADOPTR that agree with each other."""
    if dice.chance(0.15):
        return 1, dice.pick({"F1": 85, "M1": 15}), "L0"
    sexes = dice.pick({"MF": 80, "FF": 10, "MM": 10})
    status = dice.pick({"L11": 70, "L3": 30}) if sexes == "MF" else dice.pick({"L12": 40, "L2": 35, "L4": 25})
    return 2, sexes, status


def _long_term_placement(dice: Dice, current: Placement) -> tuple[Placement, str]:
    """The long-term match: kinship carers (U3 to U1) and most foster carers (U6 to U4) keep the child;
    otherwise the child moves to new long-term carers."""
    if current.code == "U3":
        return same_carers(dice, current, "U1"), "PLACE"
    if current.code == "U6" and dice.chance(0.55):
        return same_carers(dice, current, "U4"), "PLACE"
    return place(dice, "U4"), "CARPL"


def _grow_up_in_care(
    fam: Family, index: int, journey: _Journey, start: dt.date, match: tuple[dt.date, Placement, str] | None
) -> dt.date | None:
    """After the court (or s.20) phase: the long-term match, later breakdowns, supported accommodation at
    16-17, and leaving care at 18 (or earlier by SGO to the carers). Returns the long-term match day."""
    dice = journey.dice
    birth = fam.births[index]
    adult = eighteenth(birth)
    matched = None
    if match is not None and match[0] < adult and journey.current(match[0]).code in ("U3", "U6", "U5"):
        journey.move(match[0], match[1], match[2])
        matched = match[0]
    settled = matched or start
    rate = 0.8 if journey.current(settled).code == "K2" else (0.2 if matched else 0.6)
    sixteen = birthday(birth, 16)
    journey.moves(settled, min(adult, sixteen), rate, lambda day: _next_placement(fam, index, day))
    move_on = max(sixteen, settled) + dice.days(0, 500)
    if dice.chance(0.4) and move_on + dt.timedelta(days=30) < adult:
        journey.move(move_on, place(dice, fam.supported_accommodation()), "CARPL")
    journey.respite(settled, adult - dt.timedelta(days=30), 0.25)
    if matched and dice.chance(0.1):
        sgo_day = matched + dice.days(300, 1500)
        if sgo_day < adult and journey.current(sgo_day).code in ("U1", "U4"):
            journey.leave(sgo_day, "E45" if journey.current(sgo_day).code == "U1" else "E46")
            return matched
    fostered = journey.current(adult).code.startswith("U")
    reasons = {"E17": 45 if fostered else 0, "E5": 35, "E6": 10, "E13": 8, "E7": 2 if fam.need == "N2" else 0}
    journey.leave(adult, dice.pick(reasons))
    return matched


def _next_placement(fam: Family, index: int, day: dt.date) -> str:
    if fam.age_at(index, day) < 11:
        return "U6"
    return fam.dice.pick({"U6": 50, "K2": 45, "R1": 5})


def _copy(template: _Journey) -> _Journey:
    journey = _Journey(template.dice, template.entry, template.status, template.placement, template.need, template.home)
    journey.changes = list(template.changes)
    return journey


def adoption_family(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Young children through care proceedings to a placement order (E1), a match, placement for adoption
    (A5/A6) and an adoption order (E11/E12). Older siblings stay in long-term fostering; some plans are
    reversed because the court refuses the placement order (RD2) or no adopters are found (RD3)."""
    fam = Family(dice, entry, year, size, youngest=(0, 900))
    variant = dice.pick({"standard": 70, "ffa": 15, "carers_adopt": 10, "no_adopters": 5})
    refused = dice.chance(0.05)
    template, proceedings = _court_entry(fam, place(dice, "U5" if variant == "ffa" else "U6"))
    if variant != "ffa" and dice.chance(0.4):
        template.move(entry + dice.days(7, 90), place(dice, "U6"), "CARPL")
    final = proceedings.final
    decision = max(final - dice.days(14, 90), proceedings.issue + dt.timedelta(days=56), entry)
    match = final + dice.skewed_days(110, 14, 420)
    placed = match + (dice.days(7, 42) if variant == "standard" else dice.days(0, 7))
    order = placed + dice.skewed_days(150, 70, 400)
    reversal = final + dice.days(270, 540)
    adopters = _adopters(dice)
    new_family = place(dice, "A6")
    exit_code = dice.pick({"E11": 40, "E12": 60})
    long_term = (final + dice.skewed_days(200, 30, 700), *_long_term_placement(dice, template.current(final)))
    early = (
        PlanIntent(day=None, primary="return_to_family", contingencies=("adoption",))
        if dice.chance(0.5)
        else PlanIntent(day=None, primary="adoption", contingencies=("long_term_fostering",))
    )
    fostering_plan = PlanIntent(day=final, primary="long_term_fostering")
    children = []
    for index in range(fam.size):
        journey = _copy(template)
        common = {"proceedings": proceedings}
        if fam.age_at(index, entry) >= 5 or refused:
            journey.legal(final, "C2")
            matched = _grow_up_in_care(fam, index, journey, final, long_term)
            adoption = None
            if fam.age_at(index, entry) < 5:
                adoption = AdoptionPlan(decision=decision, reversal=final, reversal_reason="RD2")
            route = "adoption" if adoption else "long_term_fostering"
            children.append(
                _child(
                    fam,
                    index,
                    route,
                    [journey],
                    court_outcome="care order",
                    plans=(early, fostering_plan),
                    long_term_match=matched,
                    adoption=adoption,
                    **common,
                )
            )
            continue
        journey.legal(final, "E1")
        adoption_plan = PlanIntent(day=decision, primary="adoption", contingencies=("long_term_fostering",))
        if variant == "no_adopters":
            journey.legal(reversal + dice.days(60, 150), "C2")
            later = (reversal + dice.days(30, 200), *_long_term_placement(dice, journey.current(reversal)))
            matched = _grow_up_in_care(fam, index, journey, reversal, later)
            adoption = AdoptionPlan(decision=decision, placement_order=final, reversal=reversal, reversal_reason="RD3")
            plans = (early, adoption_plan, PlanIntent(day=reversal, primary="long_term_fostering"))
            children.append(
                _child(
                    fam,
                    index,
                    "adoption",
                    [journey],
                    court_outcome="placement order",
                    adoption=adoption,
                    plans=plans,
                    long_term_match=matched,
                    **common,
                )
            )
            continue
        if variant == "standard":
            journey.move(placed, new_family, "CARPL")
        else:
            journey.move(placed, same_carers(dice, journey.current(placed), "A5"), "CARPL")
        journey.leave(order, exit_code)
        adoption = AdoptionPlan(
            decision=decision,
            placement_order=final,
            match=match,
            placed=placed,
            order=order,
            foster_carer=variant != "standard",
            adopters=adopters,
        )
        children.append(
            _child(
                fam,
                index,
                "adoption",
                [journey],
                court_outcome="placement order",
                adoption=adoption,
                plans=(early, adoption_plan),
                **common,
            )
        )
    together = len({child.route for child in children}) == 1
    return FamilyPlan(route="adoption", children=tuple(children), together=together)


def special_guardianship_family(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Care proceedings ending in a special guardianship order to relatives: to kinship foster carers
    (E45) or to relatives who were not the foster carers (E47); a few SGOs follow a care order later."""
    fam = Family(dice, entry, year, size, youngest=(0, 3650))
    kin = dice.choice(_KIN)
    kin_first = dice.chance(0.45)
    template, proceedings = _court_entry(fam, place(dice, "U3" if kin_first else "U6"))
    final = proceedings.final
    if not kin_first and dice.chance(0.65):
        template.move(min(entry + dice.days(14, 100), final - dt.timedelta(days=7)), place(dice, "U3"), "CARPL")
    after_care_order = dice.chance(0.12)
    sgo_day = final + dice.days(120, 500) if after_care_order else final
    early = PlanIntent(day=None, primary="return_to_family", contingencies=("special_guardianship",))
    decided = PlanIntent(
        day=max(proceedings.irh - dice.days(0, 30), entry),
        primary="special_guardianship",
        contingencies=("long_term_fostering",),
    )
    children = []
    for index in range(fam.size):
        journey = _copy(template)
        if after_care_order:
            journey.legal(final, "C2")
        journey.leave(sgo_day, "E45" if journey.current(sgo_day).code == "U3" else "E47")
        outcome = "care order" if after_care_order else "special guardianship order"
        children.append(
            _child(
                fam,
                index,
                "special_guardianship",
                [journey],
                proceedings=proceedings,
                court_outcome=outcome,
                plans=(early, decided),
                kin=kin,
            )
        )
    return FamilyPlan(route="special_guardianship", children=tuple(children), together=True)


def child_arrangements_family(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Care proceedings ending in a child arrangements order (E41) to a parent or relative."""
    fam = Family(dice, entry, year, size, youngest=(365, 4400))
    kin = dice.choice(("father", "maternal grandmother", "paternal grandmother", "maternal aunt"))
    template, proceedings = _court_entry(fam, place(dice, dice.pick({"U3": 50, "U6": 50})))
    early = PlanIntent(day=None, primary="return_to_family", contingencies=("child_arrangements_order",))
    decided = PlanIntent(day=max(proceedings.irh - dice.days(0, 30), entry), primary="child_arrangements_order")
    children = []
    for index in range(fam.size):
        journey = _copy(template)
        journey.leave(proceedings.final, "E41")
        children.append(
            _child(
                fam,
                index,
                "child_arrangements",
                [journey],
                proceedings=proceedings,
                court_outcome="child arrangements order",
                plans=(early, decided),
                kin=kin,
            )
        )
    return FamilyPlan(route="child_arrangements", children=tuple(children), together=True)


def return_home_family(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Back to the family: after a short s.20 accommodation (E4A, E4B, E13), or through proceedings ending
    in a supervision order, no order, or a care order at home (P1) later discharged. A few come back into
    care later (a second period, reason for new episode S)."""
    fam = Family(dice, entry, year, size, youngest=(0, 5800))
    teen = fam.age_at(0, entry) >= 11
    first = place(dice, dice.pick({"U6": 70, "U3": 15, "K2": 15 if teen else 0}))
    contingency = (
        "adoption" if fam.age_at(0, entry) < 2 else dice.pick({"special_guardianship": 1, "long_term_fostering": 1})
    )
    early = PlanIntent(day=None, primary="return_to_family", contingencies=(contingency,))
    children = []
    if dice.chance(0.4):
        template, proceedings = _court_entry(fam, first)
        final = proceedings.final
        outcome = dice.pick({"supervision order": 45, "no order": 15, "care order": 40})
        home = place(dice, "P1", carer="parents")
        home_day = final - dice.days(0, 60)
        discharge = final + dice.skewed_days(300, 120, 700)
        for index in range(fam.size):
            journey = _copy(template)
            if outcome == "care order":
                journey.legal(final, "C2")
                journey.move(home_day, home, "CARPL")
                journey.leave(discharge, "E4A")
            else:
                journey.leave(final, "E4A")
            children.append(
                _child(
                    fam, index, "return_home", [journey], proceedings=proceedings, court_outcome=outcome, plans=(early,)
                )
            )
        return FamilyPlan(route="return_home", children=tuple(children), together=True)
    leave_day = entry + dice.skewed_days(100, 10, 540)
    move = (entry + dice.days(3, 60), place(dice, "U6"), dice.pick(_MOVE_REASONS)) if dice.chance(0.3) else None
    reason = dice.pick({"E4A": 72, "E4B": 12, "E13": 16})
    comes_back = dice.chance(0.08)
    back = leave_day + dice.days(30, 300)
    second_first = place(dice, "U6")
    second_match = (back + dice.skewed_days(250, 60, 700), *_long_term_placement(dice, second_first))
    for index in range(fam.size):
        journey = _Journey(dice, entry, "V2", first, fam.need, fam.home)
        if move and move[0] < leave_day:
            journey.move(*move)
        journey.leave(leave_day, reason)
        journeys = [journey]
        plans = [early]
        if comes_back and back < eighteenth(fam.births[index]) - dt.timedelta(days=60):
            again = _Journey(dice, back, "V2", second_first, fam.need, fam.home)
            _grow_up_in_care(fam, index, again, back, second_match)
            journeys.append(again)
            plans.append(PlanIntent(day=back + dice.days(20, 60), primary="long_term_fostering"))
        children.append(_child(fam, index, "return_home", journeys, plans=tuple(plans)))
    return FamilyPlan(route="return_home", children=tuple(children), together=True)


def long_term_fostering_family(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Care order (or long-term s.20) and a long-term foster or kinship match, or residential care for some
    older children; siblings placed together or apart; most leave care at 18."""
    fam = Family(dice, entry, year, size, youngest=(0, 5100))
    older = fam.age_at(0, entry) >= 10
    first = place(dice, dice.pick({"U6": 65, "U3": 22, "K2": 13 if older else 0}))
    if dice.chance(0.75):
        template, proceedings = _court_entry(fam, first)
        start = proceedings.final
        template.legal(start, "C2")
        outcome = "care order"
        early = PlanIntent(day=None, primary="return_to_family", contingencies=("long_term_fostering",))
    else:
        template = _Journey(dice, entry, "V2", first, fam.need, fam.home)
        proceedings, outcome, start = None, None, entry + dice.days(60, 300)
        early = PlanIntent(day=None, primary="long_term_fostering", contingencies=("return_to_family",))
    if first.code == "U6" and dice.chance(0.45):
        template.move(entry + dice.days(7, 120), place(dice, "U6"), "CARPL")
    together = size == 1 or dice.chance(0.6)
    match_day = start + dice.skewed_days(150, 30, 600)
    shared_match = (match_day, *_long_term_placement(dice, template.current(match_day)))
    children = []
    for index in range(fam.size):
        journey = _copy(template)
        match = shared_match
        if not together and index > 0:
            journey.move(entry + dice.days(1, 30), place(dice, "U6"), "CARPL")
            match = (match_day, *_long_term_placement(dice, journey.current(match_day)))
        matched = _grow_up_in_care(fam, index, journey, start, match)
        residential = journey.current(start).code == "K2"
        if residential:
            settled = PlanIntent(day=start, primary="residential")
        else:
            kinship = journey.current(matched or start).code in ("U1", "U3")
            settled = PlanIntent(day=start, primary="connected_person" if kinship else "long_term_fostering")
        children.append(
            _child(
                fam,
                index,
                "long_term_fostering",
                [journey],
                proceedings=proceedings,
                court_outcome=outcome,
                plans=(early, settled),
                long_term_match=matched,
            )
        )
    return FamilyPlan(route="long_term_fostering", children=tuple(children), together=together)


def teenager(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """An adolescent accommodated under s.20 (a few through proceedings): foster care, children's homes,
    supported accommodation from 16; leaves at 18 or earlier (home, custody, other reasons)."""
    fam = Family(dice, entry, year, 1, youngest=(13 * 365, 17 * 365 + 300))
    age = fam.age_at(0, entry)
    first = place(dice, dice.pick({"U6": 45, "K2": 40, fam.supported_accommodation(): 15 if age >= 16 else 0}))
    proceedings = outcome = None
    # Proceedings for a 16- or 17-year-old would outlast their time in care.
    if age < 16 and dice.chance(0.15):
        journey, proceedings = _court_entry(fam, first)
        journey.legal(proceedings.final, "C2")
        outcome = "care order"
    else:
        journey = _Journey(dice, entry, "V2", first, fam.need, fam.home)
    adult = eighteenth(fam.births[0])
    if dice.chance(0.45):
        leave_day = min(entry + dice.skewed_days(150, 7, 1500), adult - dt.timedelta(days=1))
        reason = dice.pick({"E13": 35, "E4A": 20, "E4B": 15, "E8": 20, "E9": 5, "E3": 5})
    else:
        leave_day = adult
        fostered = first.code.startswith("U")
        reason = dice.pick({"E5": 45, "E6": 15, "E17": 25 if fostered else 0, "E13": 10, "E7": 5})
    if proceedings and leave_day <= proceedings.final:
        leave_day = proceedings.final + dice.days(30, 200)
        reason = "E13" if leave_day < adult else reason
        leave_day = min(leave_day, adult)

    def choose(day: dt.date) -> str:
        sixteen = fam.age_at(0, day) >= 16
        return dice.pick({"U6": 40, "K2": 40, fam.supported_accommodation(): 40 if sixteen else 0})

    journey.moves(entry, leave_day, 1.2, choose)
    journey.leave(leave_day, reason)
    if first.code == "K2":
        plan = PlanIntent(day=None, primary="residential", contingencies=("long_term_fostering",))
    elif age >= 16:
        plan = PlanIntent(day=None, primary="independence")
    else:
        plan = PlanIntent(day=None, primary="return_to_family", contingencies=("long_term_fostering",))
    child = _child(fam, 0, "teenager", [journey], proceedings=proceedings, court_outcome=outcome, plans=(plan,))
    return FamilyPlan(route="teenager", children=(child,), together=True)


def uasc(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """An unaccompanied asylum-seeking child (N8, s.20): mostly 16-17, mostly boys; leaves at 18, or when
    an age assessment finds them an adult (E15)."""
    fam = Family(dice, entry, year, 1, youngest=(14 * 365, 17 * 365 + 300))
    fam.need = "N8"
    fam.ethnicity = dice.pick(_UASC_ETHNICITY)
    fam.sexes = ["M" if dice.chance(0.9) else "F"]
    sixteen = fam.age_at(0, entry) >= 16
    first = place(dice, dice.pick({fam.supported_accommodation(): 55 if sixteen else 0, "U6": 35, "K2": 10}))
    journey = _Journey(dice, entry, "V2", first, fam.need, fam.home)
    adult = eighteenth(fam.births[0])
    if dice.chance(0.05):
        leave_day, reason = min(entry + dice.days(20, 120), adult), "E15"
    else:
        leave_day, reason = adult, dice.pick({"E5": 60, "E6": 25, "E17": 15 if first.code == "U6" else 0})
    journey.moves(entry, leave_day, 0.5, lambda _day: dice.pick({fam.supported_accommodation(): 60, "U6": 40}))
    journey.leave(leave_day, reason)
    plan = PlanIntent(day=None, primary="independence")
    child = _child(fam, 0, "uasc", [journey], plans=(plan,), uasc_until=leave_day)
    return FamilyPlan(route="uasc", children=(child,), together=True)


def remand(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Remanded to local authority accommodation (J1) for weeks; remand ends (E14) or custody (E9)."""
    fam = Family(dice, entry, year, 1, youngest=(12 * 365, 17 * 365 + 200))
    fam.need = "N6"
    journey = _Journey(dice, entry, "J1", place(dice, dice.pick({"K1": 30, "U6": 40, "K2": 30})), fam.need, fam.home)
    leave_day = min(entry + dice.days(7, 110), eighteenth(fam.births[0]) - dt.timedelta(days=1))
    journey.leave(leave_day, dice.pick({"E14": 65, "E9": 35}))
    return FamilyPlan(route="remand", children=(_child(fam, 0, "remand", [journey]),), together=True)


def other(dice: Dice, entry: dt.date, year: int, size: int) -> FamilyPlan:
    """Journeys ending for other reasons: another authority takes over (E3), moved abroad (E16), adult
    social care (E7), other (E8), death (E2)."""
    fam = Family(dice, entry, year, 1, youngest=(730, 17 * 365))
    journey = _Journey(dice, entry, "V2", place(dice, dice.pick({"U6": 70, "K2": 30})), fam.need, fam.home)
    adult = eighteenth(fam.births[0])
    leave_day = min(entry + dice.skewed_days(250, 20, 3000), adult - dt.timedelta(days=1))
    older = fam.age_at(0, leave_day) >= 17
    reason = dice.pick({"E8": 50, "E3": 20, "E16": 10, "E7": 10 if older else 0, "E2": 2, "E4B": 8})
    journey.moves(entry, leave_day, 0.6, lambda day: _next_placement(fam, 0, day))
    journey.leave(leave_day, reason)
    plan = PlanIntent(day=None, primary="return_to_family", contingencies=("long_term_fostering",))
    return FamilyPlan(route="other", children=(_child(fam, 0, "other", [journey], plans=(plan,)),), together=True)


BUILDERS: dict[str, Callable[[Dice, dt.date, int, int], FamilyPlan]] = {
    "adoption": adoption_family,
    "special_guardianship": special_guardianship_family,
    "child_arrangements": child_arrangements_family,
    "return_home": return_home_family,
    "long_term_fostering": long_term_fostering_family,
    "teenager": teenager,
    "uasc": uasc,
    "remand": remand,
    "other": other,
}


def short_breaks(dice: Dice, first_day: dt.date, as_of: dt.date, year: int) -> FamilyPlan:
    """A disabled child (N2) on an agreed series of short breaks (V3): each break of 1-4 nights is its own
    period starting with S, within the 17-day and 75-days-a-year limits; reviews are not recorded for V3."""
    fam = Family(dice, first_day, year, 1, youngest=(5 * 365, 17 * 365))
    fam.need = "N2"
    carer = place(dice, dice.pick({"U6": 60, "K2": 40}))
    periods = []
    day = first_day
    while day <= as_of:
        journey = _Journey(dice, day, "V3", carer, fam.need, fam.home)
        back = day + dice.days(1, 4)
        journey.leave(back, "E13")
        periods.append(journey)
        day = back + dice.days(21, 56)
    return FamilyPlan(route="short_breaks", children=(_child(fam, 0, "short_breaks", periods),), together=True)
