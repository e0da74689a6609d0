"""FACT_INVOLVEMENTS / DIM_WORKER: the workers allocated to each child (social worker, team manager, IRO…).

An involvement's type (``DIM_LOOKUP_INVOLVEMENT_TYPE_CODE``) gives the worker's role through the
council's ``involvement_roles``; the public SSD extract names only ``CW`` (the allocated case worker), so
the team manager's code comes from configuration. The worker's id is the configured DIM_WORKER column
(the one LCS's work trays know the worker by); names are for documents, never logged.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import to_key, to_text
from permanence_core.model import AllocatedWorker, WorkerRole
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.persons import People
from permanence_liquidlogic.tables import INVOLVEMENTS, table_rows


def worker_roles(config: LiquidlogicConfig) -> dict[str, WorkerRole]:
    """Each configured involvement type code (upper case) to the worker's role."""
    return {code.strip().upper(): role for code, role in config.involvement_roles.items()}


def worker_name(forename: Any, surname: Any) -> str | None:
    """A DIM_WORKER row's name for documents: its forename and surname, whichever are given."""
    return " ".join(part for part in (to_text(forename), to_text(surname)) if part) or None


def team_of(involvement_department: Any, worker_department: Any) -> str | None:
    """The worker's team: the involvement's department, else the worker's own."""
    return to_text(involvement_department) or to_text(worker_department)


def read_workers(
    involvements_in: list[dict[str, Any]],
    workers_in: list[dict[str, Any]],
    people: People,
    config: LiquidlogicConfig,
    rejected: list[Rejection],
) -> dict[str, list[AllocatedWorker]]:
    """Each child's allocated workers (by DIM_PERSON_ID), in involvement order."""
    workers: dict[str, dict[str, Any]] = {}
    for row in workers_in:
        # DIM_WORKER is keyed by DIM_WORKER_ID; a repeated key would be a broken warehouse, and the first wins.
        workers.setdefault(to_key(row["DIM_WORKER_ID"]) or "", row)
    roles = worker_roles(config)
    rows = table_rows(INVOLVEMENTS, involvements_in, rejected, {"end": "END_DTTM", "worker_id": config.worker_id_field})
    found: dict[str, list[AllocatedWorker]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row)
        if person_id is None:
            continue
        key = to_key(row["DIM_WORKER_ID"])
        worker = workers.get(key or "")
        if worker is None:
            rows.reject(position, row, "no such worker in DIM_WORKER", field="DIM_WORKER_ID", value=key)
            continue
        role = roles.get((to_text(row["DIM_LOOKUP_INVOLVEMENT_TYPE_CODE"]) or "").upper())
        if role is None:
            rows.reject(
                position,
                row,
                "is not in involvement_roles",
                field="DIM_LOOKUP_INVOLVEMENT_TYPE_CODE",
                value=row["DIM_LOOKUP_INVOLVEMENT_TYPE_CODE"],
            )
            continue
        start_ok, start = rows.date(position, row, "START_DTTM")
        end_ok, end = rows.date(position, row, "END_DTTM")
        if not (start_ok and end_ok):
            continue
        worker_id = to_key(worker[config.worker_id_field])
        if worker_id is None:
            rows.reject(
                position,
                row,
                f"the worker's {config.worker_id_field} in DIM_WORKER is empty",
                field="DIM_WORKER_ID",
                value=key,
            )
            continue
        name = worker_name(worker["FORENAME"], worker["SURNAME"])
        team = team_of(row["DIM_DEPARTMENT_NAME"], worker["DEPARTMENT_NAME"])
        allocated = rows.build(
            position,
            row,
            partial(AllocatedWorker, worker_id=worker_id, role=role, name=name, team=team, start=start, end=end),
        )
        if allocated is not None:
            found[person_id].append(allocated)
    return found
