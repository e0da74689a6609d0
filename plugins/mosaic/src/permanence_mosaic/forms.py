"""Form answers on the configured steps: the permanence plan, contingency plans and the dates the council records.

An answer is about ``subject_person_id`` when that is a person (> 0); otherwise (0, a negative id or
empty) it is about every person subject of the step's subgroup, as the Standard Safeguarding Dataset
reads group forms. When a step carries several forms, the latest form (highest ``form_id``) answers
for it. The question code is the one ``dm_cached_form_questions`` gives the answer's ``mapping_id``,
else the answer's own ``question_user_code``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import attrs

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows, to_date, to_key, to_text
from permanence_mosaic.config import Questions
from permanence_mosaic.warehouse import ANSWERS, QUESTIONS, table_rows
from permanence_mosaic.workflow import StepDates, Steps

#: The questions whose answers are dates; the others are text.
DATE_QUESTIONS = ("decision_date", "meeting_date", "referral_received", "minutes_issued")


@attrs.frozen
class Answer:
    """One answer as read, with the row it came from so a later problem can still name it."""

    value: str | dt.date
    position: int
    row: dict[str, Any] = attrs.field(eq=False, repr=False)


@attrs.frozen
class FormAnswers:
    """The answers of the latest form on each step, by (child, step) and question name."""

    rows: TableRows
    by_child: dict[str, dict[str, dict[str, list[Answer]]]]

    def for_child(self, child_id: str) -> dict[str, dict[str, list[Answer]]]:
        """Step id → question name → answers, for one child."""
        return self.by_child.get(child_id, {})

    def step_dates(self) -> dict[str, StepDates]:
        """The date answers of each step (the same for every child a group form is about)."""
        found: dict[str, dict[str, dt.date]] = defaultdict(dict)
        for steps in self.by_child.values():
            for step_id, questions in steps.items():
                for name in ("meeting_date", "referral_received", "minutes_issued"):
                    # Date questions' answers are dates (see _value).
                    answers = questions.get(name)
                    if answers and isinstance(answers[0].value, dt.date):
                        found[step_id].setdefault(name, answers[0].value)
        return {step_id: StepDates(**names) for step_id, names in found.items()}


def _form_order(form_id: str) -> tuple[int, int | str]:
    # Form ids are numbers in Mosaic; compare them as numbers so form 10 is later than form 9.
    return (0, int(form_id)) if form_id.lstrip("-").isdigit() else (1, form_id)


def read_answers(
    tables: Mapping[str, list[dict[str, Any]]], questions: Questions, steps: Steps, rejected: list[Rejection]
) -> tuple[FormAnswers, list[str]]:
    """The configured questions' answers on the configured steps, and notices counting answers not used."""
    codes = questions.codes()
    mapped = {
        to_key(row["mapping_id"]): to_text(row["question_user_code"])
        for _position, row in table_rows(QUESTIONS, tables[QUESTIONS], rejected).unique()
    }
    rows = table_rows(ANSWERS, tables[ANSWERS], rejected)
    latest: dict[tuple[str, str, str], tuple[tuple[int, int | str], list[Answer]]] = {}
    seen: set[tuple[str | None, ...]] = set()
    about_others = 0
    for position, row in enumerate(rows.rows, start=1):
        form_id = to_key(row["form_id"])
        step_id = to_key(row["workflow_step_id"])
        code = mapped.get(to_key(row["mapping_id"])) or to_text(row["question_user_code"])
        name = codes.get(code or "")
        if name is None:
            continue
        if form_id is None or step_id is None:
            rows.reject(position, row, "is empty", field="form_id" if form_id is None else "workflow_step_id")
            continue
        subject = to_key(row["subject_person_id"])
        key = (form_id, to_key(row["form_answer_row_id"]), code, subject, step_id)
        if key in seen:
            rows.reject(position, row, "duplicate row: the first answer was kept", field="form_answer_row_id")
            continue
        seen.add(key)
        children = _about(rows, position, row, subject, steps)
        if children is None:
            continue
        if not children:
            about_others += 1
            continue
        value = _value(rows, position, row, name, children)
        if value is None:
            continue
        order = _form_order(form_id)
        for child in children:
            slot = (child, step_id, name)
            kept = latest.get(slot)
            if kept is None or order > kept[0]:
                latest[slot] = (order, [Answer(value, position, row)])
            elif order == kept[0]:
                kept[1].append(Answer(value, position, row))
    by_child: dict[str, dict[str, dict[str, list[Answer]]]] = defaultdict(lambda: defaultdict(dict))
    for (child, step_id, name), (_order, answers) in latest.items():
        by_child[child][step_id][name] = answers
    return FormAnswers(rows=rows, by_child=by_child), answer_notices(about_others)


def answer_notices(about_others: int) -> list[str]:
    """The load's notice of form answers about no child of their step (both readers give these words)."""
    return (
        [f"{about_others} answers in {ANSWERS} are about no looked-after child of their step"] if about_others else []
    )


def _about(
    rows: TableRows, position: int, row: dict[str, Any], subject: str | None, steps: Steps
) -> tuple[str, ...] | None:
    """The looked-after children an answer is about; None when the row is rejected."""
    step_id = to_key(row["workflow_step_id"])
    if step_id not in steps.steps:
        rows.reject(position, row, "its workflow step was not loaded", field="workflow_step_id", value=step_id)
        return None
    on_step = steps.about(step_id)
    if subject is None:
        return on_step
    try:
        number = int(subject)
    except ValueError:
        rows.reject(position, row, "is not a person id", field="subject_person_id", value=subject)
        return None
    # subject_person_id <= 0 means "the person comes from the subgroup" (a group form).
    if number <= 0:
        return on_step
    return (subject,) if subject in on_step else ()


def _value(
    rows: TableRows, position: int, row: dict[str, Any], name: str, children: tuple[str, ...]
) -> str | dt.date | None:
    """The answer's text or date; an unanswered question is None, an unreadable date is rejected."""
    if name not in DATE_QUESTIONS:
        return to_text(row["text_answer"])
    try:
        return to_date(row["date_answer"])
    except ValueError:
        for child in children:
            rows.reject(position, row, "is not a date", field="date_answer", value=row["date_answer"], child_id=child)
        return None
