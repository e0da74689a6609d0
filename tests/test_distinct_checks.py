"""A column read by the object reader's own function, called once per distinct value."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from permanence_core.adapters.distinct_checks import checked, outcomes


class _Refused(Exception):
    """A reader's own error for a bad value."""


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def test_each_value_is_kept_as_the_check_returns_it_and_a_refused_one_is_null_and_marked() -> None:
    values = pl.Series("DOB", ["2015-02-03", "", "2015-13-01", "2015-02-03", None])

    kept, passed = checked(values, _day, pl.Date())

    assert kept.to_list() == [dt.date(2015, 2, 3), None, None, dt.date(2015, 2, 3), None]
    assert passed.to_list() == [True, True, False, True, True]
    assert (kept.name, passed.name, kept.dtype) == ("DOB", "DOB", pl.Date())


def test_the_check_is_called_once_per_distinct_value() -> None:
    calls: list[str] = []

    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    kept, _passed = checked(pl.Series("code", ["a", "b", "a", "a", "b"]), upper, pl.String())

    assert kept.to_list() == ["A", "B", "A", "A", "B"]
    assert sorted(calls) == ["a", "b"]


def test_a_reader_s_own_error_counts_as_refused_only_when_named() -> None:
    def refuse(text: str) -> str:
        raise _Refused(text)

    values = pl.Series("code", ["x"])

    _kept, passed = checked(values, refuse, pl.String(), refused=(_Refused,))
    assert passed.to_list() == [False]
    with pytest.raises(_Refused):
        checked(values, refuse, pl.String())


def test_a_fault_in_the_check_is_not_taken_for_a_bad_value() -> None:
    with pytest.raises(TypeError):
        checked(pl.Series("n", ["1"]), lambda text: text + 1, pl.Int64())


def test_list_values_are_kept_by_a_join() -> None:
    values = pl.Series("codes", ["a,b", "", "a,b"])

    kept, passed = checked(values, lambda text: text.split(",") if text else [], pl.List(pl.String()))

    assert kept.to_list() == [["a", "b"], [], ["a", "b"]]
    assert passed.all()


@given(
    st.lists(st.one_of(st.none(), st.text(alphabet="ab,x", max_size=6)), max_size=30),
)
def test_list_values_are_each_the_checks_own_list_refused_ones_null(texts: list[str | None]) -> None:
    """Every shape a list can take: empty, one item, several, repeated values, a refused value (null)."""

    def split(text: str | None) -> list[str]:
        if text is not None and "x" in text:
            raise ValueError(text)
        return [part for part in (text or "").split(",") if part]

    kept, passed = checked(pl.Series("codes", texts, dtype=pl.String), split, pl.List(pl.String()))

    expected = [None if text is not None and "x" in text else split(text) for text in texts]
    assert kept.to_list() == expected
    assert kept.dtype == pl.List(pl.String())
    assert passed.to_list() == [value is not None for value in expected]


def test_an_empty_column_keeps_its_types() -> None:
    kept, passed = checked(pl.Series("DOB", [], dtype=pl.String), _day, pl.Date())

    assert (kept.dtype, passed.dtype, kept.len()) == (pl.Date(), pl.Boolean(), 0)


def test_outcomes_are_the_routes_of_the_reason_ceased_codes() -> None:
    reasons = pl.Series("reason_ceased", ["E11", "E45", "X1", None, "E11"])

    assert outcomes(reasons).to_list() == ["adoption", "special_guardianship", None, None, "adoption"]
