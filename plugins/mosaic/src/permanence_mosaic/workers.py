"""Allocated workers from dm_allocated_workers, named from dm_workers: who case notes alert."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import partial
from typing import Any

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import key_of, to_key, to_text
from permanence_core.model import AllocatedWorker, WorkerRole
from permanence_mosaic.warehouse import ALLOCATIONS, WORKERS, table_rows


def read_workers(
    tables: Mapping[str, list[dict[str, Any]]],
    role: WorkerRole,
    children: Mapping[str, object],
    rejected: list[Rejection],
) -> dict[str, list[AllocatedWorker]]:
    """Each child's allocations, oldest first; allocations of people not looked after are not read."""
    names = {
        to_key(row["worker_id"]): to_text(row["full_name"])
        for _position, row in table_rows(WORKERS, tables[WORKERS], rejected).unique()
    }
    rows = table_rows(ALLOCATIONS, tables[ALLOCATIONS], rejected)
    found: dict[str, list[AllocatedWorker]] = defaultdict(list)
    for position, row in rows.unique():
        child = key_of(row, "person_id")
        if child not in children:
            continue
        # The worker is part of an allocation's key, so unique() has checked it is not empty.
        worker = key_of(row, "worker_id")
        start_ok, start = rows.date(position, row, "start_date")
        end_ok, end = rows.date(position, row, "end_date")
        if not (start_ok and end_ok):
            continue
        if worker not in names:
            rows.reject(position, row, f"no such worker in {WORKERS}; loaded without a name", field="worker_id")
        allocation = rows.build(
            position,
            row,
            partial(AllocatedWorker, worker_id=worker, role=role, name=names.get(worker), start=start, end=end),
        )
        if allocation is not None:
            found[child].append(allocation)
    return found
