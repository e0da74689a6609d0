"""Any adapter's records as cohort tables: the one conversion every producer of a ``Cohort`` must agree with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from permanence_core.cohort.tables import SCHEMAS, Cohort
from permanence_core.model import CaseRecord, Facet


def cohort_from_records(records: Iterable[CaseRecord]) -> Cohort:
    """The cohort tables of ``records``: one row per child, period, spell, review, meeting, plan and proceedings."""
    rows: dict[str, dict[str, list[Any]]] = {
        name: {column: [] for column in schema} for name, schema in SCHEMAS.items()
    }
    for record in records:
        _add_child(rows, record)
    return Cohort(**{name: pl.DataFrame(columns, schema=dict(SCHEMAS[name])) for name, columns in rows.items()})


def _append(table: dict[str, list[Any]], **values: Any) -> None:
    for column, value in values.items():
        table[column].append(value)


def _add_child(rows: dict[str, dict[str, list[Any]]], record: CaseRecord) -> None:
    child_id = record.child_id
    adoption = record.adoption
    _append(
        rows["children"],
        child_id=child_id,
        **{f"covers_{facet.value}": facet in record.coverage for facet in Facet},
        permanence_decision_date=record.permanence_decision_date,
        **{
            f"adoption_{name}": getattr(adoption, name) if adoption else None
            for name in ("decision", "placement_order", "match", "placed", "order", "reversal")
        },
    )
    for period in record.periods_of_care:
        _append(
            rows["periods"],
            child_id=child_id,
            start=period.start,
            end=period.end,
            reason_ceased=period.reason_ceased,
            outcome=period.outcome,
            short_break=period.short_break,
        )
    for spell in record.legal_statuses:
        _append(rows["legal_statuses"], child_id=child_id, code=spell.code, start=spell.start, end=spell.end)
    for review in record.reviews:
        _append(rows["reviews"], child_id=child_id, date=review.date, held=review.held)
    for seq, meeting in enumerate(record.meetings):
        _append(
            rows["meetings"],
            child_id=child_id,
            seq=seq,
            meeting_id=meeting.meeting_id,
            kind=meeting.kind.value,
            date=meeting.date,
            referral_received_on=meeting.referral_received_on,
            minutes_issued_on=meeting.minutes_issued_on,
        )
    for seq, plan in enumerate(record.plans):
        _append(
            rows["plans"],
            child_id=child_id,
            seq=seq,
            primary=plan.primary,
            contingencies=list(plan.contingencies),
            decided_on=plan.decided_on,
            ratified_at_review=plan.ratified_at_review,
        )
        for change in plan.history:
            _append(rows["plan_history"], child_id=child_id, plan_seq=seq, status=change.status.value, date=change.date)
    for seq, proceedings in enumerate(record.proceedings):
        _append(
            rows["proceedings"],
            child_id=child_id,
            seq=seq,
            issue_date=proceedings.issue_date,
            first_cmh=proceedings.first_cmh,
            concluded_on=proceedings.concluded_on,
            extension_weeks=proceedings.extension_weeks,
        )
