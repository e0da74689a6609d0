"""Permanence plans from the plan answers on a child's steps, in the order the steps were held.

Each step's plan answer (and contingency answers) names a route. Consecutive steps naming the same
routes are one plan: proposed at a PPM, agreed at a panel or monitoring meeting, ratified at a CLA review.
A different plan replaces it (the old one is abandoned then); a plan is achieved when the period of care
ends in its route or a non-LA order securing its route (a special guardianship order…) is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs

from permanence_core import codes
from permanence_core.model import PeriodOfCare, PermanencePlan, PlanStatus, StatusChange
from permanence_mosaic.config import StepTypes, answer_key
from permanence_mosaic.forms import Answer, FormAnswers
from permanence_mosaic.warehouse import ANSWERS
from permanence_mosaic.workflow import StepDates, Steps

_RANK = {PlanStatus.PROPOSED: 0, PlanStatus.AGREED: 1, PlanStatus.RATIFIED: 2}


def _builtin_answers() -> dict[str, str]:
    found: dict[str, str] = {}
    for code in codes.PERMANENCE_ROUTE:
        found[answer_key(code)] = code
        found[answer_key(codes.PERMANENCE_ROUTE.meaning(code))] = code
        found[answer_key(code.replace("_", " "))] = code
    for code in codes.ANNEX_A_PLAN:
        found[answer_key(code)] = code
        found[answer_key(codes.ANNEX_A_PLAN.meaning(code))] = code
    return found


#: Answers recognised without configuration: route names and meanings, Annex A codes and meanings.
BUILTIN_ANSWERS = _builtin_answers()


@attrs.frozen
class _Entry:
    day: dt.date
    step_id: str
    route: str
    annex_a: str | None
    # None when the step's form did not answer the contingency question: it then changes nothing.
    contingencies: tuple[str, ...] | None
    status: PlanStatus
    decided: dt.date | None


class PlanReader:
    """Turns each child's plan answers into its plan history, counting the answers it cannot date."""

    def __init__(
        self,
        answers: FormAnswers,
        steps: Steps,
        step_types: StepTypes,
        dates: Mapping[str, StepDates],
        configured: Mapping[str, str],
    ) -> None:
        self.answers = answers
        self.steps = steps
        self.dates = dates
        self.configured = configured
        self.review_types = {str(t) for t in step_types.cla_review}
        self.ppm_types = {str(t) for t in step_types.ppm}
        self.not_held = 0

    def notices(self) -> list[str]:
        """Counts of plan answers not used."""
        return plan_notices(self.not_held)

    def plans(
        self, child_id: str, periods: Iterable[PeriodOfCare], orders: Iterable[tuple[str, dt.date]]
    ) -> tuple[list[PermanencePlan], dt.date | None]:
        """The child's plans, oldest first, and the date the decision to pursue permanence was made."""
        entries: list[_Entry] = []
        decisions: list[dt.date] = []
        for step_id, questions in self.answers.for_child(child_id).items():
            decided = questions["decision_date"][0].value if questions.get("decision_date") else None
            if isinstance(decided, dt.date):
                decisions.append(decided)
            entry = self._entry(child_id, step_id, questions, decided)
            if entry is not None:
                entries.append(entry)
        entries.sort(key=lambda entry: (entry.day, entry.step_id))
        groups: list[list[_Entry]] = []
        for entry in entries:
            current = groups[-1][0] if groups else None
            if current and current.route == entry.route and entry.contingencies in (None, current.contingencies):
                groups[-1].append(entry)
            else:
                groups.append([attrs.evolve(entry, contingencies=entry.contingencies or ())])
        # Each plan stands until the next one starts; the last until now.
        ends: list[dt.date | None] = [*(group[0].day for group in groups[1:]), None] if groups else []
        secured = _secured(periods, orders)
        plans = [_plan(group, end, secured) for group, end in zip(groups, ends, strict=True)]
        return plans, _decision_date(decisions, periods)

    def _entry(
        self, child_id: str, step_id: str, questions: Mapping[str, list[Answer]], decided: object
    ) -> _Entry | None:
        answers = questions.get("plan")
        if not answers:
            return None
        step = self.steps.steps[step_id]
        day = step.held_on(self.dates.get(step_id, StepDates()).meeting_date)
        if day is None:
            self.not_held += 1
            return None
        primary = self._route(child_id, answers[0])
        if primary is None:
            return None
        contingencies: list[str] = []
        answered = questions.get("contingency_plan")
        for answer in answered or ():
            route = self._route(child_id, answer)
            if route is not None and route[0] != primary[0] and route[0] not in contingencies:
                contingencies.append(route[0])
        if step.type_id in self.review_types:
            status = PlanStatus.RATIFIED
        elif step.type_id in self.ppm_types:
            status = PlanStatus.PROPOSED
        else:
            status = PlanStatus.AGREED
        return _Entry(
            day=day,
            step_id=step_id,
            route=primary[0],
            annex_a=primary[1],
            contingencies=tuple(contingencies) if answered else None,
            status=status,
            decided=decided if isinstance(decided, dt.date) else None,
        )

    def _route(self, child_id: str, answer: Answer) -> tuple[str, str | None] | None:
        """(route, Annex A code) an answer names; an answer naming none is rejected."""
        text = str(answer.value)
        route = route_of(text, self.configured)
        if route is None:
            self.answers.rows.reject(
                answer.position,
                answer.row,
                "names no permanence route the adapter knows; map it in [mosaic.plan_answers]",
                field="text_answer",
                value=text,
                child_id=child_id,
            )
            return None
        return route


def route_of(text: str, configured: Mapping[str, str]) -> tuple[str, str | None] | None:
    """(route, Annex A code) a plan answer's text names, through the council's map then the built-in names."""
    key = answer_key(text)
    code = configured.get(key) or BUILTIN_ANSWERS.get(key)
    if code is None:
        return None
    if code in codes.ANNEX_A_PLAN:
        return codes.ANNEX_A_PLAN.attribute(code, "route") or "other", code
    return code, None


def _secured(periods: Iterable[PeriodOfCare], orders: Iterable[tuple[str, dt.date]]) -> list[tuple[str, dt.date]]:
    """(route, date) of every permanence the warehouse records: care ending in a route, or an order made."""
    found = [(period.outcome, period.end) for period in periods if period.outcome and period.end]
    return sorted([*found, *orders], key=lambda pair: pair[1])


def _plan(group: list[_Entry], until: dt.date | None, secured: list[tuple[str, dt.date]]) -> PermanencePlan:
    first = group[0]
    history: list[StatusChange] = []
    rank = -1
    for entry in group:
        if _RANK[entry.status] > rank:
            rank = _RANK[entry.status]
            history.append(StatusChange(status=entry.status, date=entry.day))
    achieved = next(
        (day for route, day in secured if route == first.route and day >= first.day and (until is None or day < until)),
        None,
    )
    if achieved is not None:
        history.append(StatusChange(status=PlanStatus.ACHIEVED, date=achieved))
    elif until is not None:
        history.append(StatusChange(status=PlanStatus.ABANDONED, date=until))
    ratified = [entry.day for entry in group if entry.status is PlanStatus.RATIFIED]
    decided = [entry.decided for entry in group if entry.decided]
    return PermanencePlan(
        primary=first.route,
        contingencies=first.contingencies or (),
        decided_on=min(decided) if decided else first.day,
        ratified_at_review=ratified[0] if ratified else None,
        annex_a_codes=sorted({entry.annex_a for entry in group if entry.annex_a}),
        history=history,
        plan_id=first.step_id,
    )


def _decision_date(decisions: list[dt.date], periods: Iterable[PeriodOfCare]) -> dt.date | None:
    """The first decision recorded in the latest period of care, else the latest decision recorded."""
    if not decisions:
        return None
    starts = [period.start for period in periods if not period.short_break]
    latest_start = max(starts) if starts else None
    current = [day for day in decisions if latest_start is not None and day >= latest_start]
    return min(current) if current else max(decisions)


def plan_notices(not_held: int) -> list[str]:
    """The load's notice of plan answers on steps not held yet (both readers give these words)."""
    return [f"{not_held} plan answers in {ANSWERS} are on steps not held yet and were not read"] if not_held else []
