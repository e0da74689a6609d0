"""How model values read in a document: dates, code meanings, names and the facts the forms print."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from permanence_core import codes
from permanence_core.model import (
    Action,
    AllocatedWorker,
    CaseRecord,
    Facet,
    PermanencePlan,
    WorkerRole,
)

#: What a form prints where the source covers a fact and has none, so an empty box always means "write here".
NONE_RECORDED = "None recorded"
#: The hint under an empty box whose facts the source cannot hold (a facet not in source).
NOT_IN_SOURCE = "Not in source"


def date_text(day: dt.date | None) -> str:
    """A date as English documents write it (``5 March 2024``); empty when unknown."""
    return f"{day.day} {day:%B %Y}" if day else ""


def meaning(code_list: codes.CodeList, code: str | None) -> str:
    """``Meaning (CODE)``; a code the list does not know is printed as it is."""
    if not code:
        return ""
    return f"{code_list.meaning(code)} ({code})" if code in code_list else code


def route_text(route: str) -> str:
    """The name of a permanence route (``adoption`` → ``Adoption``)."""
    return codes.PERMANENCE_ROUTE.meaning(route) if route in codes.PERMANENCE_ROUTE else route


def plan_text(plan: PermanencePlan, *, with_description: bool = True) -> str:
    """The plan as seed 000 item 21 asks for it: primary and contingency routes, status, dates, description."""
    lines = [f"Primary plan: {route_text(plan.primary)}"]
    if plan.contingencies:
        lines.append("Contingency plan: " + "; ".join(route_text(r) for r in plan.contingencies))
    status = f"Status: {plan.status.value}"
    if plan.decided_on:
        status += f"; decided {date_text(plan.decided_on)}"
    if plan.ratified_at_review:
        status += f"; ratified at review {date_text(plan.ratified_at_review)}"
    lines.append(status)
    if plan.annex_a_codes:
        lines.append("Annex A: " + "; ".join(meaning(codes.ANNEX_A_PLAN, c) for c in plan.annex_a_codes))
    if with_description and plan.description:
        lines.append(plan.description)
    return "\n".join(lines)


def worker_on(record: CaseRecord, role: WorkerRole, day: dt.date) -> AllocatedWorker | None:
    """The worker allocated in ``role`` on ``day`` (the latest allocation when several overlap)."""
    current = [
        w
        for w in record.workers
        if w.role is role and (w.start is None or w.start <= day) and (w.end is None or day < w.end)
    ]
    return max(current, key=lambda w: w.start or dt.date.min) if current else None


def worker_text(worker: AllocatedWorker | None) -> str:
    """``Name (Team)`` for a worker, or the worker id when the source has no name."""
    if worker is None:
        return ""
    name = worker.name or f"worker {worker.worker_id}"
    return f"{name} ({worker.team})" if worker.team else name


def known_or_none(record: CaseRecord, facet: Facet, text: str) -> str:
    """``text`` if there is one; "None recorded" when the source covers ``facet``; else empty for a person to write."""
    if text:
        return text
    return NONE_RECORDED if facet in record.coverage else ""


def not_in_source(record: CaseRecord, facet: Facet) -> str | None:
    """The hint "Not in source" for a box whose facts the record's source cannot hold; None when it can.

    The box stays empty for a person to write in; the hint says why nothing was filled in.
    """
    return None if facet in record.coverage else NOT_IN_SOURCE


def action_line(action: Action) -> str:
    """One action as a bullet line: what, who, by when, done when."""
    parts = [action.description]
    if action.owner:
        parts.append(action.owner)
    if action.completed_on:
        parts.append(f"completed {date_text(action.completed_on)}")
    elif action.due_date:
        parts.append(f"by {date_text(action.due_date)}")
    return "• " + " – ".join(parts)


def lines(items: Iterable[str]) -> str:
    """Join non-empty lines."""
    return "\n".join(item for item in items if item)
