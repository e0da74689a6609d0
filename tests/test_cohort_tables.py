"""The cohort tables: their schema is enforced, and records convert to them fact for fact."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from permanence_core.cohort import Cohort, cohort_from_records
from permanence_core.cohort.tables import row_tuples
from permanence_core.model import CaseRecord, Child, Identifiers, MeetingKind, PeriodOfCare, Review
from permanence_core.model.meetings import Meeting


def test_a_table_that_drifts_from_its_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="cohort table 'reviews'"):
        Cohort(reviews=pl.DataFrame({"child_id": ["1"], "date": ["2026-01-01"], "held": [True]}))


def test_records_become_one_row_per_fact() -> None:
    record = CaseRecord(
        child=Child(identifiers=Identifiers(case_id="C1")),
        coverage={"care", "reviews", "meetings"},
        periods_of_care=[PeriodOfCare(start=dt.date(2026, 1, 5), end=dt.date(2026, 6, 1), reason_ceased="E11")],
        reviews=[Review(date=dt.date(2026, 2, 2)), Review(date=dt.date(2026, 5, 1), cancelled=True)],
        meetings=[
            Meeting(meeting_id="M2", kind=MeetingKind.PPM, date=dt.date(2026, 3, 1)),
            Meeting(meeting_id="M1", kind=MeetingKind.TRACKING_PANEL, date=dt.date(2026, 2, 1)),
        ],
    )
    cohort = cohort_from_records([record])
    [child] = cohort.children.to_dicts()
    assert (child["child_id"], child["covers_care"], child["covers_plans"]) == ("C1", True, False)
    [period] = cohort.periods.to_dicts()
    assert (period["end"], period["outcome"]) == (dt.date(2026, 6, 1), "adoption")
    assert cohort.reviews["held"].to_list() == [True, False]
    # Meetings keep the record's order (by date) as their sequence.
    assert cohort.meetings.select("seq", "meeting_id").rows() == [(0, "M1"), (1, "M2")]
    assert len(cohort) == 1


def test_row_tuples_are_the_frames_rows_values_and_types_alike() -> None:
    table = pl.DataFrame(
        {
            "meeting_id": ["M1", "M2", None],
            "date": [dt.date(2026, 3, 1), None, dt.date(1999, 12, 31)],
            "members": [["C1", "C2"], [], None],
            "held": [True, False, None],
            "position": [1, None, 3],
        }
    )
    assert row_tuples(table) == table.rows()
    assert [type(value) for value in row_tuples(table)[0]] == [str, dt.date, list, bool, int]
    assert row_tuples(table.clear()) == []
    assert row_tuples(table.select([])) == []


def test_row_tuples_convert_the_columns_named() -> None:
    table = pl.DataFrame({"day": [dt.date(2026, 3, 1), None], "open": [True, False], "id": ["A", "B"]})
    converted = row_tuples(table, {"day": lambda day: day and day.isoformat(), "open": ("done", "open").__getitem__})
    assert converted == [("2026-03-01", "open", "A"), (None, "done", "B")]
