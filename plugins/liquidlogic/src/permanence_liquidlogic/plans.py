"""Permanence plans: the care plan form's permanence answers (FACT_FORMS / FACT_FORM_ANSWERS) and FACT_CARE_PLANS.

Each form with at least one plan ticked is one plan in the child's plan history, decided on the date it
was answered. The questions (``ANSWER_NO``, by default ``CPFUP1``-``CPFUP10``) map to Annex A plan codes;
an answer of yes ticks the plan, ``Primary`` or ``Contingency`` say which role it has. Without a
``Primary`` the first ticked plan in the answer map's order is the primary. A plan recorded on a looked-
after review's outcome form was approved (ratified) at that review; the first agreed care plan
(``FACT_CARE_PLANS``, statuses from configuration) starting from the plan's date marks it agreed.
Answers are never repeated in messages: a form's free text is the child's record, not a log's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Literal

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, to_key, to_text
from permanence_core.model import PermanencePlan, PlanStatus, StatusChange
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import ANSWERS, CARE_PLANS, table_rows

PRIMARY, TICKED, CONTINGENCY = "primary", "ticked", "contingency"
MARKS = {
    **dict.fromkeys(("Y", "YES", "TRUE", "1", "X", "TICKED", "CHECKED", "SELECTED"), TICKED),
    **dict.fromkeys(("N", "NO", "FALSE", "0", "NOT SELECTED"), None),
    **dict.fromkeys(("PRIMARY", "P", "PRIMARY PLAN"), PRIMARY),
    **dict.fromkeys(("CONTINGENCY", "C", "PARALLEL", "CONTINGENCY PLAN", "PARALLEL PLAN"), CONTINGENCY),
}


class _Form:
    """One form's permanence answers as read: its latest answer date, its ticked plans, the questions seen."""

    __slots__ = ("answered", "questions", "ticked")

    def __init__(self) -> None:
        self.answered: dt.date | None = None
        self.ticked: list[tuple[int, str, str]] = []
        self.questions: dict[str, dict[str, Any]] = {}


def read_plans(
    answers_in: list[dict[str, Any]],
    care_plans_in: list[dict[str, Any]],
    outcome_forms: dict[str, dt.date],
    people: People,
    config: LiquidlogicConfig,
    rejected: list[Rejection],
) -> dict[str, list[PermanencePlan]]:
    """Each child's plans (by DIM_PERSON_ID), one per form that ticks a plan, in date order."""
    forms = _answers(answers_in, people, config, rejected)
    agreed = _agreed_care_plans(care_plans_in, people, config, rejected)
    found: dict[str, list[PermanencePlan]] = {}
    for person_id, by_form in forms.items():
        ticked = sorted(
            ((form.answered or dt.date.min, form_id, form) for form_id, form in by_form.items() if form.ticked),
            key=lambda entry: entry[:2],
        )
        plans = []
        for index, (_day, form_id, form) in enumerate(ticked):
            following = ticked[index + 1][2].answered if index + 1 < len(ticked) else None
            agreed_on = _agreed_between(agreed.get(person_id, ()), form.answered, following)
            plans.append(_plan(form_id, form, outcome_forms.get(form_id), agreed_on))
        if plans:
            found[person_id] = plans
    return found


def _answers(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> dict[str, dict[str, _Form]]:
    rows = table_rows(ANSWERS, rows_in, rejected)
    order, annex = answer_codes(config)
    forms: dict[str, dict[str, _Form]] = defaultdict(dict)
    # A form's answers share their timestamp: parse each distinct value once (a warehouse has millions).
    parsed: dict[Any, dt.date | None] = {}
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        form_id = to_key(row["FACT_FORM_ID"])
        if form_id is None:
            rows.reject(position, row, "is empty: the answer belongs to no form", field="FACT_FORM_ID")
            continue
        value = row["ANSWERED_DTTM"]
        if value in parsed:
            answered = parsed[value]
        else:
            ok, answered = rows.date(position, row, "ANSWERED_DTTM")
            if not ok:
                continue
            parsed[value] = answered
        question = (to_text(row["ANSWER_NO"]) or "").upper()
        if question not in order:
            rows.reject(position, row, "is not in answer_map", field="ANSWER_NO", value=row["ANSWER_NO"])
            continue
        form = forms[person_id].get(form_id)
        if form is None:
            form = forms[person_id][form_id] = _Form()
        earlier = form.questions.setdefault(question, row)
        if earlier is not row:
            first = to_key(earlier["FACT_FORM_ANSWER_ID"])
            rows.reject(
                position,
                row,
                f"answers the same question on the same form as FACT_FORM_ANSWER_ID={first}; the first was kept",
                field="ANSWER_NO",
                value=question,
            )
            continue
        mark = _mark(rows, position, row)
        if mark is False:
            continue
        # A "no" still dates the form: a plan ticked elsewhere on it was decided when the form was answered.
        if answered is not None and (form.answered is None or answered > form.answered):
            form.answered = answered
        if mark:
            form.ticked.append((order[question], annex[question], mark))
    return forms


def answer_codes(config: LiquidlogicConfig) -> tuple[dict[str, int], dict[str, str]]:
    """Each question code (``ANSWER_NO``, upper case) to its place in the answer map and to its Annex A plan."""
    # SQL Server compares codes case-insensitively and pads CHAR columns; the lookup here must agree.
    order = {code.strip().upper(): index for index, code in enumerate(config.answer_map)}
    annex = {code.strip().upper(): plan for code, plan in config.answer_map.items()}
    return order, annex


def route_of(annex_a_code: str) -> str:
    """The permanence route an Annex A plan code is (``other`` when the list names none)."""
    return codes.ANNEX_A_PLAN.attribute(annex_a_code, "route") or "other"


def _mark(rows: TableRows, position: int, row: dict[str, Any]) -> str | Literal[False] | None:
    """The answer's mark: ticked, primary, contingency, None for no; False (rejected) when unreadable."""
    text = to_text(row["ANSWER"])
    if text is None:
        return None
    key = text.upper()
    if key in MARKS:
        return MARKS[key]
    rows.reject(
        position,
        row,
        f"is not a yes/no, primary or contingency answer (it holds {len(text)} characters, not repeated here)",
        field="ANSWER",
    )
    return False


def _plan(form_id: str, form: _Form, ratified: dt.date | None, agreed: dt.date | None) -> PermanencePlan:
    ticked = sorted(form.ticked)
    primary = next(entry for mark in (PRIMARY, TICKED, CONTINGENCY) for entry in ticked if entry[2] == mark)
    ordered = [primary, *(entry for entry in ticked if entry is not primary)]
    routes = [route_of(code) for _order, code, _mark in ordered]
    history = []
    # A plan ratified by then is past agreement: an agreed entry would only hide the ratification.
    if agreed is not None and (ratified is None or agreed < ratified):
        history.append(StatusChange(status=PlanStatus.AGREED, date=agreed))
        if ratified is not None:
            # The history decides the plan's status, so the ratification must be in it too.
            history.append(StatusChange(status=PlanStatus.RATIFIED, date=ratified))
    return PermanencePlan(
        primary=routes[0],
        contingencies=tuple(dict.fromkeys(route for route in routes[1:] if route != routes[0])),
        decided_on=form.answered,
        ratified_at_review=ratified,
        annex_a_codes=tuple(dict.fromkeys(code for _order, code, _mark in ordered)),
        history=history,
        plan_id=form_id,
    )


def _agreed_care_plans(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> dict[str, list[dt.date]]:
    """Start dates of each child's agreed care plans, in order."""
    rows = table_rows(CARE_PLANS, rows_in, rejected)
    agreed = agreed_status(config)
    found: dict[str, list[dt.date]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        ok, start = rows.date(position, row, "START_DTTM")
        if not ok:
            continue
        if agreed(row["DIM_LOOKUP_PLAN_STATUS_ID_CODE"]) and start is not None:
            found[person_id].append(start)
    return {person_id: sorted(starts) for person_id, starts in found.items()}


def agreed_status(config: LiquidlogicConfig) -> Callable[[Any], bool]:
    """Whether a ``DIM_LOOKUP_PLAN_STATUS_ID_CODE`` value is one of an agreed care plan (case and padding aside)."""
    statuses = {status.upper() for status in config.care_plan_statuses}
    return lambda value: (to_text(value) or "").upper() in statuses


def _agreed_between(agreed: Sequence[dt.date], start: dt.date | None, following: dt.date | None) -> dt.date | None:
    """The first agreed care plan's start from ``start`` and before the next plan's date, if any."""
    if start is None:
        return None
    for day in agreed:
        if day >= start and (following is None or day < following):
            return day
    return None
