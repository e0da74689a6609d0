"""Each distinct value of a column checked once, by the object reader's own function, for a columnar reader.

A source repeats its values (a few thousand dates, a few dozen codes), so a fast ``load_cohort`` can read a column
exactly as the object reader reads each row by calling the object reader's parser or model validator once per
distinct value: it costs little and cannot drift from the object reader, since there is no second copy of a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from permanence_core import codes

#: What a check raises on a value it refuses (ModelValueError is a ValueError); a reader whose parsers raise their
#: own error adds it (the SSDA903 reader's ``RowError``).
REFUSED: tuple[type[Exception], ...] = (ValueError,)


def checked(
    values: pl.Series,
    check: Callable[[Any], Any],
    dtype: pl.DataType,
    *,
    refused: tuple[type[Exception], ...] = REFUSED,
) -> tuple[pl.Series, pl.Series]:
    """``values`` as ``check`` keeps them (``dtype``; null where ``check`` refuses one) and whether each passed.

    ``check`` is called once per distinct value, null included; it returns the value as the object reader keeps
    it or raises one of ``refused``. Any other exception is a fault and propagates.
    """
    if values.is_empty():  # polars keeps an empty series' type through replace_strict
        return pl.Series(values.name, [], dtype=dtype), pl.Series(values.name, [], dtype=pl.Boolean)
    distinct = values.unique()
    kept: list[Any] = []
    passed: list[bool] = []
    for value in distinct.to_list():
        try:
            kept.append(check(value))
            passed.append(True)
        except refused:
            kept.append(None)
            passed.append(False)
    ok = pl.Series(passed, dtype=pl.Boolean)
    if not isinstance(dtype, pl.List):
        # A lookup in place: lighter than a join (replace_strict cannot return lists).
        value = values.replace_strict(distinct, pl.Series(kept, dtype=dtype), return_dtype=dtype)
        return value.alias(values.name), values.replace_strict(distinct, ok, return_dtype=pl.Boolean).alias(values.name)
    mapping = pl.DataFrame({"key": distinct, "value": _lists(kept, dtype), "ok": ok})
    # A null is a distinct value too: it joins its own check's outcome.
    joined = (
        values.rename("key").to_frame().join(mapping, on="key", how="left", maintain_order="left", nulls_equal=True)
    )
    return joined["value"].alias(values.name), joined["ok"].alias(values.name)


def _lists(values: list[Any], dtype: pl.List) -> pl.Series:
    """``values`` (each a list, or None) as a series of ``dtype``, built from one flat series of their items: a series
    from a list per value costs polars a series per value (about 6 s for the 190,000 distinct ``depends_on`` of a
    national cohort's actions)."""
    count = len(values)
    lengths = [0 if value is None else len(value) for value in values]
    items = pl.Series("item", [item for value in values if value is not None for item in value], dtype=dtype.inner)
    # Each item's value number: a value of n items repeats its number n times (none of an empty one).
    numbers = (
        pl.DataFrame({"row": range(count), "length": lengths}, schema={"row": pl.Int64, "length": pl.Int64})
        .select(pl.col("row").repeat_by("length"))
        .explode("row")
        .drop_nulls()
    )
    grouped = numbers.with_columns(items).group_by("row", maintain_order=True).agg("item")
    every = pl.DataFrame(
        {"row": range(count), "none": [value is None for value in values]}, schema={"row": pl.Int64, "none": pl.Boolean}
    ).join(grouped, on="row", how="left", maintain_order="left")
    empty = pl.lit([], dtype=dtype)
    return every.select(pl.when(~pl.col("none")).then(pl.col("item").fill_null(empty)).alias("value")).to_series()


def outcomes(reasons: pl.Series) -> pl.Series:
    """The permanence route each reason-ceased code secures (None for none), as ``PeriodOfCare.outcome``."""
    distinct = reasons.drop_nulls().unique()
    routes = pl.Series([codes.permanence_outcome(reason) for reason in distinct.to_list()], dtype=pl.String)
    return reasons.replace_strict(distinct, routes, default=None, return_dtype=pl.String)
