"""The detail tables of a columnar load (names, meeting detail, plan ids, workers), with no record per child.

The children read by columns get theirs from the warehouse rows the load already holds; the object reader's
children (the flagged ones) from their records (``detail_from_records``), concatenated. A meeting's children are
the one thing a record cannot give alone: the object reader read only the flagged people's rows, so a meeting a
flagged child shares with a sibling read by columns would name the flagged child alone. Every meeting's children
come from all of its subject rows instead, as the object reader finds them over the whole warehouse. LCS records
no chair and no actions for a meeting: those stay empty, as in the records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from permanence_core.adapters.database import to_text
from permanence_core.cohort import CohortDetail, detail_from_records
from permanence_core.cohort.detail import DETAIL_SCHEMAS, display_name
from permanence_core.model import CaseRecord
from permanence_liquidlogic.frames import values


def names(children: pl.DataFrame) -> pl.DataFrame:
    """The names table of ``children`` (``child_id``, ``FORENAME``, ``SURNAME`` as the warehouse gives them): the
    name ``Child.display_name`` gives a child that People.child made from the row (the parts read by ``to_text``,
    as People.child reads them)."""
    first, surname = (values(children[column], to_text, pl.String()) for column in ("FORENAME", "SURNAME"))
    return (
        pl.DataFrame({"child_id": children["child_id"], "first": first, "surname": surname})
        .select("child_id", display_name(pl.col("first"), pl.col("surname"), pl.col("child_id")).alias("name"))
        .cast(pl.Schema(DETAIL_SCHEMAS["names"]))
    )


def meeting_detail(meetings: pl.DataFrame, subjects: pl.DataFrame) -> pl.DataFrame:
    """Each meeting row of the cohort (``child_id``, ``seq``, ``meeting_id``) with its children: ``subjects``
    (``meeting_id``, ``child_id``) in the order the object reader meets them, each a subject row it keeps
    of a person it loads as a child. No chair."""
    schema = DETAIL_SCHEMAS["meeting_detail"]
    children = subjects.group_by("meeting_id", maintain_order=True).agg(pl.col("child_id").alias("children"))
    return (
        meetings.select("child_id", "seq", "meeting_id")
        .join(children, on="meeting_id", how="left", maintain_order="left")
        .select(
            "child_id",
            "seq",
            pl.lit(None, dtype=pl.String).alias("chair"),
            pl.col("children").fill_null(pl.lit([], dtype=schema["children"])),
        )
        .cast(pl.Schema(schema))
    )


def columnar_detail(
    fast: dict[str, pl.DataFrame], meetings: pl.DataFrame, subjects: pl.DataFrame, records: Sequence[CaseRecord]
) -> CohortDetail:
    """The detail tables: ``fast``'s (names, plan ids, workers of the children read by columns, by table, with
    the table's columns) and the ``records``' own, concatenated; every meeting's children from ``subjects``."""
    slow = detail_from_records(records)
    tables: dict[str, Any] = {
        name: pl.concat([frame.cast(pl.Schema(DETAIL_SCHEMAS[name])), getattr(slow, name)])
        for name, frame in fast.items()
    }
    # LCS meetings have no actions: the records' (none) stand.
    return CohortDetail(**tables, actions=slow.actions, meeting_detail=meeting_detail(meetings, subjects))


__all__ = ["columnar_detail", "meeting_detail", "names"]
