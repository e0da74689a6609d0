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
    mapping = pl.DataFrame({"key": distinct, "value": pl.Series(kept, dtype=dtype), "ok": ok})
    joined = values.rename("key").to_frame().join(mapping, on="key", how="left", maintain_order="left")
    return joined["value"].alias(values.name), joined["ok"].alias(values.name)


def outcomes(reasons: pl.Series) -> pl.Series:
    """The permanence route each reason-ceased code secures (None for none), as ``PeriodOfCare.outcome``."""
    distinct = reasons.drop_nulls().unique()
    routes = pl.Series([codes.permanence_outcome(reason) for reason in distinct.to_list()], dtype=pl.String)
    return reasons.replace_strict(distinct, routes, default=None, return_dtype=pl.String)
