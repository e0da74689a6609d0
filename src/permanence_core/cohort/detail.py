"""The cohort's detail tables: what the ledger and the tracker keep beyond the columns the rules read.

The rules read ``Cohort``; the nightly job also records plans, meetings and actions in the ledger and shows each
child's name and overdue actions on the tracker. These tables carry those facts for the whole cohort, keyed to the
cohort's own rows (``child_id`` and the meeting's or plan's ``seq``), so the job never needs a ``CaseRecord`` per
child. A meeting shared by siblings has a copy in each child's rows, as it has in each record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import polars as pl

from permanence_core.cohort.from_records import frame
from permanence_core.cohort.tables import Cohort, refuse_drift, rows_of_child
from permanence_core.model import CaseRecord, Child, Facet, Identifiers
from permanence_core.model.people import AllocatedWorker

#: One row per child: the name the tracker shows (an internal paper; ``--pseudonymise`` leaves it out).
NAMES: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "name": pl.String(),
}

#: What a meeting holds beyond ``Cohort.meetings``, by the same (``child_id``, ``seq``): its chair and the
#: children it names (empty when the source names none: the meeting is then the holder's alone).
MEETING_DETAIL: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "seq": pl.Int32(),
    "chair": pl.String(),
    "children": pl.List(pl.String()),
}

#: Each meeting's actions, in the meeting's order (``position`` from 1), by the meeting's (``child_id``, ``seq``).
ACTIONS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "meeting_seq": pl.Int32(),
    "position": pl.Int32(),
    "action_id": pl.String(),
    "description": pl.String(),
    "owner": pl.String(),
    "depends_on": pl.List(pl.String()),
    "due_date": pl.Date(),
    "completed_on": pl.Date(),
}

#: Each plan's id in the case system (null when it gives none), by the plan's (``child_id``, ``seq``).
PLAN_IDS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "seq": pl.Int32(),
    "plan_id": pl.String(),
}

#: Each child's allocated workers (the write-back routes an alert to them), in the record's order.
WORKERS: Mapping[str, pl.DataType] = {
    "child_id": pl.String(),
    "worker_id": pl.String(),
    "role": pl.String(),
    "name": pl.String(),
    "team": pl.String(),
    "start": pl.Date(),
    "end": pl.Date(),
}

DETAIL_SCHEMAS: Mapping[str, Mapping[str, pl.DataType]] = {
    "names": NAMES,
    "meeting_detail": MEETING_DETAIL,
    "actions": ACTIONS,
    "plan_ids": PLAN_IDS,
    "workers": WORKERS,
}

#: The columns that put each detail table's rows in one order, whoever read them (a worker has no key of its own:
#: all of its values). Readers give rows in their source's order; tests compare tables sorted by these.
DETAIL_KEYS: Mapping[str, Sequence[str]] = {
    "names": ("child_id",),
    "meeting_detail": ("child_id", "seq"),
    "actions": ("child_id", "meeting_seq", "position"),
    "plan_ids": ("child_id", "seq"),
    "workers": ("child_id", "worker_id", "role", "start", "end", "name", "team"),
}


def empty_detail(name: str) -> pl.DataFrame:
    """An empty frame of the named detail table, with its schema."""
    return pl.DataFrame(schema=dict(DETAIL_SCHEMAS[name]))


@attrs.frozen
class CohortDetail:
    """The detail tables of a cohort. Producers: ``detail_from_records`` (any adapter) or an adapter's reader."""

    names: pl.DataFrame = attrs.field(factory=lambda: empty_detail("names"))
    meeting_detail: pl.DataFrame = attrs.field(factory=lambda: empty_detail("meeting_detail"))
    actions: pl.DataFrame = attrs.field(factory=lambda: empty_detail("actions"))
    plan_ids: pl.DataFrame = attrs.field(factory=lambda: empty_detail("plan_ids"))
    workers: pl.DataFrame = attrs.field(factory=lambda: empty_detail("workers"))

    def __attrs_post_init__(self) -> None:
        refuse_drift(self, DETAIL_SCHEMAS, "cohort detail table")

    def only(self, child_id: str) -> CohortDetail:
        """The detail of one child: each table's rows of ``child_id``."""
        return CohortDetail(**rows_of_child(self, DETAIL_SCHEMAS, child_id))


def detail_from_records(records: Iterable[CaseRecord]) -> CohortDetail:
    """The detail tables of ``records``, keyed as ``cohort_from_records`` keys their meetings and plans."""
    records = records if isinstance(records, Sequence) else list(records)
    meetings = [(r.child_id, seq, m) for r in records for seq, m in enumerate(r.meetings)]
    return CohortDetail(
        names=frame([(r.child_id, r.child.display_name) for r in records], NAMES),
        meeting_detail=_with_lists(
            [(child, seq, m.chair) for child, seq, m in meetings],
            [m.children for _, _, m in meetings],
            MEETING_DETAIL,
            "children",
        ),
        actions=_with_lists(
            [
                (child, seq, position, a.action_id, a.description, a.owner, a.due_date, a.completed_on)
                for child, seq, m in meetings
                for position, a in enumerate(m.actions, start=1)
            ],
            [a.depends_on for _, _, m in meetings for a in m.actions],
            ACTIONS,
            "depends_on",
        ),
        plan_ids=frame(
            [(r.child_id, seq, plan.plan_id) for r in records for seq, plan in enumerate(r.plans)], PLAN_IDS
        ),
        workers=frame(
            [
                (r.child_id, w.worker_id, w.role.value, w.name, w.team, w.start, w.end)
                for r in records
                for w in r.workers
            ],
            WORKERS,
        ),
    )


def display_name(first_name: pl.Expr, surname: pl.Expr, child_id: pl.Expr) -> pl.Expr:
    """Each child's name as ``Child.display_name`` gives it, for a reader that has the parts as columns: first name
    and surname (an empty or null part left out), else the child's id."""
    given = [pl.when(part != "").then(part) for part in (first_name, surname)]
    name = pl.concat_str(given, separator=" ", ignore_nulls=True)
    return pl.when(name != "").then(name).otherwise(child_id)


def routing_records(cohort: Cohort, detail: CohortDetail) -> list[CaseRecord]:
    """Every child as the write-back routes an alert: the child's id and allocated workers, nothing else.

    ``Adapter.alert_items`` reads only these (to find each child's workers on the day); building them from the
    tables costs a small object per child, where the whole record costs its meetings, actions and plans too.
    """
    workers: dict[str, list[AllocatedWorker]] = {}
    for child, *fields in detail.workers.iter_rows():
        worker_id, role, name, team, start, end = fields
        workers.setdefault(child, []).append(
            AllocatedWorker(worker_id=worker_id, role=role, name=name, team=team, start=start, end=end)
        )
    covered = cohort.children.select("child_id", f"covers_{Facet.WORKERS.value}").iter_rows()
    return [
        CaseRecord(
            child=Child(identifiers=Identifiers(case_id=child)),
            coverage={Facet.WORKERS.value} if covers else set(),
            workers=workers.get(child, ()),
        )
        for child, covers in covered
    ]


def _with_lists(
    rows: list[tuple[Any, ...]], lists: list[tuple[str, ...]], schema: Mapping[str, pl.DataType], column: str
) -> pl.DataFrame:
    """``rows`` (every column but ``column``, in the schema's order) with ``lists`` as the list column ``column``."""
    flat = {name: dtype for name, dtype in schema.items() if name != column}
    # A list column built from one flat column of values and each row's number, as ``cohort_from_records`` builds
    # the plans' contingencies: a Series from a list per row costs polars a Series per row (about 20 s at 85,000
    # children's actions).
    values = frame(
        [(row, value) for row, row_values in enumerate(lists) for value in row_values],
        {"row": pl.UInt32(), column: schema[column].inner},  # type: ignore[attr-defined]
    )
    grouped = values.group_by("row", maintain_order=True).agg(pl.col(column))
    return (
        frame(rows, flat)
        .with_row_index("row")
        .join(grouped, on="row", how="left")
        .sort("row")
        .with_columns(pl.col(column).fill_null(pl.lit([], dtype=schema[column])))
        .select(list(schema))
    )
