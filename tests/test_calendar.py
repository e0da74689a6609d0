"""Working days and month arithmetic, with the worked examples of research/timescales.md §2."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.calendar import WorkingCalendar, add_months, parse_iso_date

CAL = WorkingCalendar()
D = dt.date


@pytest.mark.parametrize(
    ("looked_after", "due"),
    [
        (D(2026, 1, 5), D(2026, 2, 2)),  # ordinary weeks
        (D(2025, 12, 19), D(2026, 1, 21)),  # 25/26 Dec and 1 Jan skipped
        (D(2026, 3, 20), D(2026, 4, 21)),  # Good Friday and Easter Monday skipped
    ],
)
def test_first_review_worked_examples(looked_after, due):
    assert CAL.add_working_days(looked_after, 20) == due


def test_counting_the_start_day_gives_one_working_day_earlier():
    assert CAL.add_working_days(D(2026, 1, 5), 20, count_start=True) == D(2026, 1, 30)


def test_counting_the_start_day_of_two_working_days_ends_the_next_working_day():
    assert CAL.add_working_days(D(2026, 1, 5), 2, count_start=True) == D(2026, 1, 6)
    assert CAL.add_working_days(D(2026, 1, 5), 1, count_start=True) == D(2026, 1, 5)


def test_start_on_a_non_working_day_counts_from_the_next_working_day():
    # Saturday 3 Jan 2026: the first counted day is Monday 5 Jan, so 20 working days end on Fri 30 Jan.
    assert CAL.add_working_days(D(2026, 1, 3), 20) == D(2026, 1, 30)
    assert CAL.add_working_days(D(2026, 1, 3), 20, count_start=True) == D(2026, 1, 30)


@pytest.mark.parametrize(
    "holiday",
    [
        D(2021, 12, 27),  # Christmas Day substitute
        D(2021, 12, 28),  # Boxing Day substitute
        D(2022, 6, 2),  # Platinum Jubilee
        D(2022, 6, 3),
        D(2022, 9, 19),  # State Funeral
        D(2023, 5, 8),  # Coronation
        D(2020, 5, 8),  # VE Day move
        D(2026, 4, 6),  # Easter Monday: missing when holidays is asked without subdiv="ENG"
        D(2026, 8, 31),  # August bank holiday: likewise
    ],
)
def test_bank_holidays_are_not_working_days(holiday):
    assert not CAL.is_working_day(holiday)


def test_extra_closure_days_are_not_working_days():
    closure = D(2026, 12, 29)
    assert CAL.is_working_day(closure)
    assert not WorkingCalendar(extra_closures=[closure]).is_working_day(closure)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 8, 31), 3, D(2025, 11, 30)),
        (D(2026, 1, 31), 3, D(2026, 4, 30)),
        (D(2027, 11, 30), 3, D(2028, 2, 29)),
        (D(2026, 3, 15), 6, D(2026, 9, 15)),
    ],
)
def test_add_months_uses_the_corresponding_date_clamped_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_working_days_between_counts_after_start_up_to_end():
    assert CAL.working_days_between(D(2026, 1, 5), D(2026, 2, 2)) == 20
    assert CAL.working_days_between(D(2026, 2, 2), D(2026, 1, 5)) == 0


def test_subtract_working_days_skips_weekends_and_holidays():
    # Three working days before Thursday 9 April 2026 skips Easter Monday (6 April) and lands on Thursday 2 April.
    assert CAL.subtract_working_days(D(2026, 4, 9), 3) == D(2026, 4, 2)
    assert CAL.subtract_working_days(D(2026, 4, 4), 0) == D(2026, 4, 4)  # no days back: the day itself, even a Saturday


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="count"):
        CAL.add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(ValueError, match="count"):
        CAL.subtract_working_days(D(2026, 1, 5), -1)


days = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))


@given(day=days, count=st.integers(min_value=1, max_value=60))
def test_a_working_day_due_date_is_never_a_non_working_day(day, count):
    assert CAL.is_working_day(CAL.add_working_days(day, count))


@given(day=days, later=st.integers(min_value=0, max_value=40), count=st.integers(min_value=0, max_value=60))
def test_later_anchors_never_give_earlier_due_dates(day, later, count):
    assert CAL.add_working_days(day + dt.timedelta(days=later), count) >= CAL.add_working_days(day, count)


@given(day=days, count=st.integers(min_value=1, max_value=60))
def test_adding_then_counting_working_days_round_trips(day, count):
    assert CAL.working_days_between(day, CAL.add_working_days(day, count)) == count


@given(day=days, months=st.integers(min_value=0, max_value=24))
def test_add_months_is_monotonic_and_lands_in_the_right_month(day, months):
    result = add_months(day, months)
    assert result >= day
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months


def test_a_command_takes_a_date_only_as_yyyy_mm_dd():
    assert parse_iso_date(" 2026-11-02 ") == dt.date(2026, 11, 2)
    for text in ("20261102", "2026-W44-1", "2026-02-30"):
        with pytest.raises(ValueError, match=f"^'{text}' is not a date in YYYY-MM-DD form$"):
            parse_iso_date(text)


def test_the_closed_days_of_a_span_of_years_are_its_bank_holidays_and_extra_closures_in_date_order():
    closures = [D(2025, 12, 31), D(2026, 1, 2), D(2026, 12, 29), D(2027, 1, 4)]
    calendar = WorkingCalendar(extra_closures=closures)
    bank_2026 = [D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31)]
    christmas_2026 = [D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 28)]  # Boxing Day's substitute on the 28th
    expected = [*bank_2026[:1], D(2026, 1, 2), *bank_2026[1:], *christmas_2026, D(2026, 12, 29)]
    assert calendar.closed_days(2026, 2026) == expected
    two_years = calendar.closed_days(2025, 2026)
    assert two_years[-len(expected) :] == expected
    assert {D(2025, 12, 25), D(2025, 12, 31)} < set(two_years)
