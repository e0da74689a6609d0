"""Reads the case system's CSV export: one row per period of care, into CaseRecords with coverage CARE."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

from permanence_core.adapters import LoadResult, Rejection
from permanence_core.errors import InputError, ModelValueError
from permanence_core.model import CaseRecord, Child, Facet, Identifiers, PeriodOfCare

log = logging.getLogger(__name__)

COLUMNS = ("child_id", "first_name", "surname", "date_of_birth", "care_start", "care_end")
DATE_COLUMNS = ("date_of_birth", "care_start", "care_end")

#: Model attribute names to the CSV columns, so a rejection names the column the user can fix.
_MODEL_COLUMNS = {"start": "care_start", "end": "care_end"}


def read(source: str) -> LoadResult:
    """Load every child in the CSV file ``source``; bad rows are rejected and the rest still loads."""
    path = Path(source)
    if not path.is_file():
        raise InputError(str(path), "no such file")
    rejected: list[Rejection] = []
    children: dict[str, Child] = {}
    periods: dict[str, list[PeriodOfCare]] = {}
    rows = 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
        if missing:
            raise InputError(str(path), f"missing column(s): {', '.join(missing)}")
        for row in reader:
            rows += 1
            outcome = _read_row(row, reader.line_num, path.name)
            if isinstance(outcome, Rejection):
                rejected.append(outcome)
                continue
            child, period = outcome
            # The child's details come from its first row.
            children.setdefault(child.child_id, child)
            periods.setdefault(child.child_id, []).append(period)
    records = [
        CaseRecord(child=child, coverage={Facet.CARE}, periods_of_care=periods[child_id])
        for child_id, child in children.items()
    ]
    result = LoadResult(records=records, rejected=rejected, read=rows)
    # Counts only: never names, dates of birth or free text in logs.
    log.info("%s read: %s", path.name, result.summary())
    return result


def _read_row(row: dict[str, str], line: int, source: str) -> tuple[Child, PeriodOfCare] | Rejection:
    """One row as the child and a period of care, or the Rejection saying what is wrong with it."""
    child_id = (row["child_id"] or "").strip()

    def rejection(field: str, value: object, reason: str) -> Rejection:
        text = None if value is None else str(value)
        return Rejection(source=source, row=line, child_id=child_id or None, field=field, value=text, reason=reason)

    if not child_id:
        return rejection("child_id", None, "is empty")
    dates: dict[str, dt.date | None] = {}
    for column in DATE_COLUMNS:
        text = (row[column] or "").strip()
        try:
            dates[column] = dt.date.fromisoformat(text) if text else None
        except ValueError:
            return rejection(column, text, "is not a date in YYYY-MM-DD form")
    start = dates["care_start"]
    if start is None:
        return rejection("care_start", None, "is required")
    try:
        period = PeriodOfCare(start=start, end=dates["care_end"])
    except ModelValueError as exc:
        return rejection(_MODEL_COLUMNS.get(exc.field, exc.field), exc.value, exc.reason)
    child = Child(
        identifiers=Identifiers(case_id=child_id),
        first_name=(row["first_name"] or "").strip() or None,
        surname=(row["surname"] or "").strip() or None,
        date_of_birth=dates["date_of_birth"],
    )
    return child, period
