"""Each column check of the columnar SSDA903 reader (``checks.CHECKS``), one value at a time.

A check returns the value as the object reader keeps it or refuses it; a refused row goes to the object reader.
``tests/test_ssda903_cohort.py`` compares whole cohorts with the object reader's, which a check that refuses too
much cannot fail (the object reader then reads the rows, rightly, only slower) and a kept value no cohort table
holds (SEX, UPN, a review's participation) cannot fail either. These tests pin both, in milliseconds.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.checks import CHECKS, REFUSED, child_ids, kept_type, upn
from permanence_core.adapters.ssda903.values import RowError
from permanence_core.errors import ModelValueError

H, E, R, A, P = (
    tables.HEADER.name,
    tables.EPISODES.name,
    tables.REVIEWS.name,
    tables.AD1.name,
    tables.PLACED_ADOPTION.name,
)
#: (table, column, value as read, value as the object reader keeps it)
KEPT = [
    (H, "SEX", "2", "2"),
    (H, "SEX", "f", "F"),
    (H, "SEX", "", None),
    (H, "DOB", "03/04/2015", dt.date(2015, 4, 3)),
    (H, "DOB", "", None),
    (H, "UPN", "a123456789012", "A123456789012"),
    (H, "UPN", "un3", None),
    (H, "UPN", "", None),
    (E, "DECOM", "2020-01-31", dt.date(2020, 1, 31)),
    (E, "DEC", "", None),
    (E, "RNE", "s", "S"),
    (E, "LS", "c2", "C2"),
    (E, "CIN", "n1", "N1"),
    (E, "CIN", "", None),
    (E, "PLACE", "u1", "U1"),
    (E, "PLACE_PROVIDER", "pr1", "PR1"),
    (E, "PLACE_PROVIDER", "", None),
    (E, "REC", "e11", "E11"),
    (E, "REC", "", None),
    (E, "REASON_PLACE_CHANGE", "carpl", "CARPL"),
    (E, "REASON_PLACE_CHANGE", "", None),
    (R, "REVIEW", "01/02/2021", dt.date(2021, 2, 1)),
    (R, "REVIEW_CODE", "pn1", "PN1"),
    (R, "REVIEW_CODE", "", None),
    (A, "FOSTER_CARE", "y", True),
    (A, "FOSTER_CARE", "0", False),
    (A, "FOSTER_CARE", "", None),
    (P, "DATE_PLACED", "05/06/2019", dt.date(2019, 6, 5)),
    (P, "REASON_PLACED_CEASED", "rd1", "RD1"),
    (P, "REASON_PLACED_CEASED", "", None),
    (tables.PREV_PERM.name, "PREV_PERM", "p1", "P1"),
    (tables.PREV_PERM.name, "PREV_PERM", "", None),
    (tables.SW_EPISODES.name, "SW_ID", "SW 12", "SW 12"),
    (tables.MISSING.name, "MIS_END", "", None),
]
#: (table, column, value the object reader refuses)
REFUSED_VALUES = [
    (H, "SEX", "3"),
    (H, "DOB", "31/02/2015"),
    (H, "UPN", "A12345678901"),
    (H, "UPN", "un"),
    (E, "DECOM", ""),
    (E, "DECOM", "2020/01/31"),
    (E, "RNE", ""),
    (E, "RNE", "Q"),
    (E, "LS", ""),
    (E, "LS", "Z9"),
    (E, "CIN", "N0"),
    (E, "PLACE", ""),
    (E, "PLACE", "X9"),
    (E, "PLACE_PROVIDER", "PR9"),
    (E, "REC", "E0"),
    (E, "REASON_PLACE_CHANGE", "NOPE"),
    (R, "REVIEW", ""),
    (R, "REVIEW_CODE", "PN9"),
    (A, "FOSTER_CARE", "maybe"),
    (P, "DATE_PLACED", ""),
    (P, "REASON_PLACED_CEASED", "RD9"),
    (tables.PREV_PERM.name, "PREV_PERM", "P9"),
    (tables.SW_EPISODES.name, "SW_ID", ""),
    (tables.SW_EPISODES.name, "SW_DECOM", ""),
    (tables.DOLO.name, "DOLO_START", "1/1/1"),
]


@pytest.mark.parametrize(("table", "column", "text", "kept"), KEPT)
def test_a_good_value_is_kept_as_the_object_reader_keeps_it(table, column, text, kept):
    assert CHECKS[table][column](text) == kept


@pytest.mark.parametrize(("table", "column", "text"), REFUSED_VALUES)
def test_a_bad_value_is_refused(table, column, text):
    with pytest.raises(REFUSED) as refused:
        CHECKS[table][column](text)
    # Only these: anything else (a TypeError) is a fault, not a refusal, and stops the reader.
    assert type(refused.value) in (RowError, ModelValueError)


def test_a_dates_column_is_named_when_required_and_blank():
    with pytest.raises(RowError) as refused:
        CHECKS[E]["DECOM"]("")
    assert refused.value.column == "DECOM"


def test_upn_is_the_models_pattern():
    assert upn("UN10") is None
    with pytest.raises(ModelValueError):
        upn("UN100")


@pytest.mark.parametrize(("column", "kept"), [(column, kept) for _, column, _, kept in KEPT if kept is not None])
def test_a_column_is_kept_as_the_type_of_its_values(column, kept):
    types = {dt.date: pl.Date(), bool: pl.Boolean(), str: pl.String()}
    assert kept_type(column) == types[type(kept)]


def test_child_ids_are_null_where_the_object_reader_files_no_child():
    values = pl.Series("CHILD", ["C1", "", "C\x072", "C 3"])
    assert child_ids(values).to_list() == ["C1", None, None, "C 3"]
    assert child_ids(values).name == "CHILD"
