"""The cohort as tables: the columns the rules read, one polars frame per kind of fact, for the whole cohort at once.

The attrs model (``CaseRecord``) stays the per-child interchange and document model; cohort-wide evaluation reads
these frames instead, so a national cohort never becomes a million Python objects. Every frame is keyed by
``child_id``; dates are ``pl.Date``; an absent fact is a null, never a sentinel date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
import polars as pl

from permanence_core.model import Facet

#: One row per child: what the source covers (a boolean per facet) and the facts a child has at most one of.
CHILDREN: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    **{f"covers_{facet.value}": pl.Boolean() for facet in Facet},
    "permanence_decision_date": pl.Date(),
    "adoption_decision": pl.Date(),
    "adoption_placement_order": pl.Date(),
    "adoption_match": pl.Date(),
    "adoption_placed": pl.Date(),
    "adoption_order": pl.Date(),
    "adoption_reversal": pl.Date(),
}

#: Periods of care, short breaks included (flagged); ``outcome`` is the permanence route the period ended in.
PERIODS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "start": pl.Date(),
    "end": pl.Date(),
    "reason_ceased": pl.String(),
    "outcome": pl.String(),
    "short_break": pl.Boolean(),
}

#: Legal status spells: ``code`` from ``start`` until ``end`` (exclusive; null while in force).
LEGAL_STATUSES: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "code": pl.String(),
    "start": pl.Date(),
    "end": pl.Date(),
}

#: Looked-after reviews as recorded; ``held`` is a date and not cancelled.
REVIEWS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "date": pl.Date(),
    "held": pl.Boolean(),
}

#: Permanence meetings (PPMs, tracking panels, monitoring groups, plan reviews), held or scheduled.
#: ``seq`` is the meeting's position in the child's record (date order, ties as recorded).
MEETINGS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "seq": pl.Int32(),
    "meeting_id": pl.String(),
    "kind": pl.String(),
    "date": pl.Date(),
    "referral_received_on": pl.Date(),
    "minutes_issued_on": pl.Date(),
}

#: Permanence plans; ``seq`` orders them as the record does (by decision date), the last is the current plan.
PLANS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "seq": pl.Int32(),
    "primary": pl.String(),
    "contingencies": pl.List(pl.String()),
    "decided_on": pl.Date(),
    "ratified_at_review": pl.Date(),
}

#: Each plan's status history (proposed, ratified, achieved…), by the plan's ``seq``.
PLAN_HISTORY: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "plan_seq": pl.Int32(),
    "status": pl.String(),
    "date": pl.Date(),
}

#: Care proceedings; ``seq`` orders them by issue date; ``extension_weeks`` is the total of every extension.
PROCEEDINGS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "seq": pl.Int32(),
    "issue_date": pl.Date(),
    "first_cmh": pl.Date(),
    "concluded_on": pl.Date(),
    "extension_weeks": pl.Int32(),
}

SCHEMAS: Mapping[str, Mapping[str, pl.DataType]] = {
    "children": CHILDREN,
    "periods": PERIODS,
    "legal_statuses": LEGAL_STATUSES,
    "reviews": REVIEWS,
    "meetings": MEETINGS,
    "plans": PLANS,
    "plan_history": PLAN_HISTORY,
    "proceedings": PROCEEDINGS,
}


def empty(name: str) -> pl.DataFrame:
    """An empty frame of the named table, with its schema."""
    return pl.DataFrame(schema=dict(SCHEMAS[name]))


def row_tuples(frame: pl.DataFrame, convert: Mapping[str, Callable[[Any], Any]] | None = None) -> list[tuple[Any, ...]]:
    """``frame``'s rows as tuples, made column by column: a third quicker than ``DataFrame.rows`` for a national
    cohort's million meetings (polars converts a whole column at a time; ``zip`` pairs them in C). Each column
    named in ``convert`` gives its function's value of each of its values (``map``, in C too)."""
    convert = convert or {}
    columns = (
        list(map(convert[column.name], column.to_list())) if column.name in convert else column.to_list()
        for column in frame.iter_columns()
    )
    return list(zip(*columns, strict=True))


def refuse_drift(tables: object, schemas: Mapping[str, Mapping[str, pl.DataType]], what: str) -> None:
    """Refuse a table of ``tables`` whose columns drift from ``schemas``: a producer's drifting column would be
    read wrongly, not fail."""
    for name, schema in schemas.items():
        actual = dict(getattr(tables, name).schema)
        if actual != dict(schema):
            raise ValueError(f"{what} {name!r} has columns {actual}, not {dict(schema)}")


def rows_of_child(tables: object, names: Iterable[str], child_id: str) -> dict[str, pl.DataFrame]:
    """Each named table of ``tables`` cut to the rows of ``child_id``."""
    return {name: getattr(tables, name).filter(pl.col("child_id") == child_id) for name in names}


@attrs.frozen
class Cohort:
    """Every child's facts as tables. Producers: ``cohort_from_records`` (any adapter) or an adapter's own reader."""

    children: pl.DataFrame = attrs.field(factory=lambda: empty("children"))
    periods: pl.DataFrame = attrs.field(factory=lambda: empty("periods"))
    legal_statuses: pl.DataFrame = attrs.field(factory=lambda: empty("legal_statuses"))
    reviews: pl.DataFrame = attrs.field(factory=lambda: empty("reviews"))
    meetings: pl.DataFrame = attrs.field(factory=lambda: empty("meetings"))
    plans: pl.DataFrame = attrs.field(factory=lambda: empty("plans"))
    plan_history: pl.DataFrame = attrs.field(factory=lambda: empty("plan_history"))
    proceedings: pl.DataFrame = attrs.field(factory=lambda: empty("proceedings"))

    def __attrs_post_init__(self) -> None:
        refuse_drift(self, SCHEMAS, "cohort table")

    def __len__(self) -> int:
        return self.children.height

    def only(self, child_id: str) -> Cohort:
        """The cohort of one child: each table's rows of ``child_id``."""
        return Cohort(**rows_of_child(self, SCHEMAS, child_id))
