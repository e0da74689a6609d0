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
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, to_key, to_text
from permanence_core.model import PermanencePlan, PlanStatus, StatusChange
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import ANSWERS, CARE_PLANS, table_rows

PRIMARY, TICKED, CONTINGENCY = "primary", "ticked", "contingency"
_MARKS = {
    **dict.fromkeys(("Y", "YES", "TRUE", "1", "X", "TICKED", "CHECKED", "SELECTED"), TICKED),
    **dict.fromkeys(("N", "NO", "FALSE", "0", "NOT SELECTED"), None),
    **dict.fromkeys(("PRIMARY", "P", "PRIMARY PLAN"), PRIMARY),
    **dict.fromkeys(("CONTINGENCY", "C", "PARALLEL", "CONTINGENCY PLAN", "PARALLEL PLAN"), CONTINGENCY),
}


@attrs.frozen
class _Answer:
    order: int
    code: str
    mark: str
    answered: dt.date | None


def read_plans(
    answers_in: list[dict[str, Any]],
    care_plans_in: list[dict[str, Any]],
    outcome_forms: dict[str, dt.date],
    people: People,
    config: LiquidlogicConfig,
    rejected: list[Rejection],
) -> dict[str, list[PermanencePlan]]:
    """Each child's plans (by DIM_PERSON_ID), one per form that ticks a plan."""
    forms = _answers(answers_in, people, config, rejected)
    agreed = _agreed_care_plans(care_plans_in, people, config, rejected)
    found: dict[str, list[PermanencePlan]] = defaultdict(list)
    for (person_id, form_id), answers in forms.items():
        plan = _plan(form_id, answers, outcome_forms.get(form_id))
        if plan is not None:
            found[person_id].append(plan)
    for person_id, plans in found.items():
        plans.sort(key=lambda plan: (plan.decided_on or dt.date.min, plan.plan_id or ""))
        found[person_id] = _with_agreement(plans, agreed.get(person_id, []))
    return found


def _answers(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> dict[tuple[str, str], list[_Answer]]:
    rows = table_rows(ANSWERS, rows_in, rejected)
    # SQL Server compares codes case-insensitively and pads CHAR columns; the lookup here must agree.
    order = {code.strip().upper(): index for index, code in enumerate(config.answer_map)}
    annex = {code.strip().upper(): plan for code, plan in config.answer_map.items()}
    forms: dict[tuple[str, str], list[_Answer]] = defaultdict(list)
    first: dict[tuple[str, str, str], str] = {}
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        form_id = to_key(row["FACT_FORM_ID"])
        if form_id is None:
            rows.reject(position, row, "is empty: the answer belongs to no form", field="FACT_FORM_ID")
            continue
        ok, answered = rows.date(position, row, "ANSWERED_DTTM")
        if not ok:
            continue
        question = (to_text(row["ANSWER_NO"]) or "").upper()
        if question not in order:
            rows.reject(position, row, "is not in answer_map", field="ANSWER_NO", value=row["ANSWER_NO"])
            continue
        answer_id = to_key(row["FACT_FORM_ANSWER_ID"]) or ""
        earlier = first.setdefault((person_id, form_id, question), answer_id)
        if earlier != answer_id:
            rows.reject(
                position,
                row,
                f"answers the same question on the same form as FACT_FORM_ANSWER_ID={earlier}; the first was kept",
                field="ANSWER_NO",
                value=question,
            )
            continue
        mark = _mark(rows, position, row)
        if mark is False:
            continue
        # A "no" still dates the form: a plan ticked elsewhere on it was decided when the form was answered.
        forms[(person_id, form_id)].append(_Answer(order[question], annex[question], mark or "", answered))
    return forms


def _mark(rows: TableRows, position: int, row: dict[str, Any]) -> str | bool | None:
    """The answer's mark: ticked, primary, contingency, None for no; False (rejected) when unreadable."""
    text = to_text(row["ANSWER"])
    if text is None:
        return None
    key = text.upper()
    if key in _MARKS:
        return _MARKS[key]
    rows.reject(
        position,
        row,
        f"is not a yes/no, primary or contingency answer (it holds {len(text)} characters, not repeated here)",
        field="ANSWER",
    )
    return False


def _plan(form_id: str, answers: list[_Answer], ratified: dt.date | None) -> PermanencePlan | None:
    ticked = sorted((a for a in answers if a.mark), key=lambda a: a.order)
    if not ticked:
        return None
    primary = next(a for mark in (PRIMARY, TICKED, CONTINGENCY) for a in ticked if a.mark == mark)
    ordered = [primary, *(a for a in ticked if a is not primary)]
    routes = [codes.ANNEX_A_PLAN.attribute(a.code, "route") or "other" for a in ordered]
    dates = [a.answered for a in answers if a.answered]
    return PermanencePlan(
        primary=routes[0],
        contingencies=tuple(dict.fromkeys(route for route in routes[1:] if route != routes[0])),
        decided_on=max(dates) if dates else None,
        ratified_at_review=ratified,
        annex_a_codes=tuple(dict.fromkeys(a.code for a in ordered)),
        plan_id=form_id,
    )


def _agreed_care_plans(
    rows_in: list[dict[str, Any]], people: People, config: LiquidlogicConfig, rejected: list[Rejection]
) -> dict[str, list[dt.date]]:
    """Start dates of each child's agreed care plans, in order."""
    rows = table_rows(CARE_PLANS, rows_in, rejected)
    agreed_statuses = {status.upper() for status in config.care_plan_statuses}
    found: dict[str, list[dt.date]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        ok, start = rows.date(position, row, "START_DTTM")
        if not ok:
            continue
        status = (to_text(row["DIM_LOOKUP_PLAN_STATUS_ID_CODE"]) or "").upper()
        if status in agreed_statuses and start is not None:
            found[person_id].append(start)
    return {person_id: sorted(starts) for person_id, starts in found.items()}


def _with_agreement(plans: list[PermanencePlan], agreed: list[dt.date]) -> list[PermanencePlan]:
    """Each plan marked agreed on the first agreed care plan that starts between it and the next plan."""
    result = []
    for index, plan in enumerate(plans):
        following = plans[index + 1].decided_on if index + 1 < len(plans) else None
        start = plan.decided_on
        day = next(
            (d for d in agreed if start is not None and d >= start and (following is None or d < following)),
            None,
        )
        ratified = plan.ratified_at_review
        # A plan ratified by then is past agreement: an agreed entry would only hide the ratification.
        if day is None or (ratified is not None and day >= ratified):
            result.append(plan)
            continue
        history = [StatusChange(status=PlanStatus.AGREED, date=day)]
        if ratified is not None:
            # The history decides the plan's status, so the ratification must be in it too.
            history.append(StatusChange(status=PlanStatus.RATIFIED, date=ratified))
        result.append(attrs.evolve(plan, history=history))
    return result
