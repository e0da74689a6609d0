"""FACT_CLA_REVIEW: looked-after reviews with their due and held dates, and each review's outcome form.

A review whose meeting (``FACT_MEETINGS.CANCELLED``) was cancelled is kept as cancelled: it was due but
not held. The child's outcome form (``FACT_MEETING_SUBJECTS.FACT_OUTCM_FORM_ID``) is the record of the
review; a permanence plan recorded on it was approved at that review (see plans.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import key_of, to_key
from permanence_core.model import Review
from permanence_liquidlogic.lookups import flag
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import REVIEWS, table_rows


@attrs.frozen
class ReviewFacts:
    """Each child's reviews (by DIM_PERSON_ID), and the held review each outcome form records."""

    reviews: dict[str, list[Review]]
    outcome_forms: dict[str, dt.date]


def read_reviews(
    rows_in: list[dict[str, Any]],
    meetings: dict[str, dict[str, Any]],
    people: People,
    rejected: list[Rejection],
) -> ReviewFacts:
    """Reviews from FACT_CLA_REVIEW rows; ``meetings`` holds each review's cancellation and outcome form by id."""
    rows = table_rows(REVIEWS, rows_in, rejected, {"date": "MEETING_DTTM", "due_date": "DUE_DTTM"})
    found: dict[str, list[Review]] = defaultdict(list)
    outcome_forms: dict[str, dt.date] = {}
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        due_ok, due = rows.date(position, row, "DUE_DTTM")
        held_ok, held = rows.date(position, row, "MEETING_DTTM")
        if not (due_ok and held_ok):
            continue
        if due is None and held is None:
            rows.reject(position, row, "is empty, and so is DUE_DTTM: a review needs one of them", field="MEETING_DTTM")
            continue
        review_id = key_of(row, "FACT_CLA_REVIEW_ID")
        meeting = meetings.get(review_id, {})
        cancelled = bool(flag(meeting.get("CANCELLED")))
        review = rows.build(
            position,
            row,
            partial(Review, date=held, due_date=due, cancelled=cancelled, review_id=review_id),
        )
        if review is None:
            continue
        found[person_id].append(review)
        form_id = to_key(meeting.get("FACT_OUTCM_FORM_ID"))
        if held is not None and not cancelled and form_id is not None:
            outcome_forms[form_id] = held
    return ReviewFacts(reviews=found, outcome_forms=outcome_forms)
