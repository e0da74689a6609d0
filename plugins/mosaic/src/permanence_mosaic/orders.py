"""Orders made to people other than the council (dm_non_la_legal_statuses): the permanence a child leaves care for.

A special guardianship or child arrangements order ends the council's care; which ``legal_status_type``
codes mean which route is the council's own, so it is configuration (``[mosaic.order_types]``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import key_of, to_text
from permanence_mosaic.warehouse import NON_LA_LEGAL_STATUSES, table_rows


def read_orders(
    tables: Mapping[str, list[dict[str, Any]]],
    order_types: Mapping[str, str],
    children: Mapping[str, object],
    rejected: list[Rejection],
) -> dict[str, list[tuple[str, dt.date]]]:
    """(route, date made) of each configured order of each child; other legal status types are not read."""
    if not order_types:
        return {}
    rows = table_rows(NON_LA_LEGAL_STATUSES, tables[NON_LA_LEGAL_STATUSES], rejected)
    found: dict[str, list[tuple[str, dt.date]]] = defaultdict(list)
    for position, row in rows.unique():
        child = key_of(row, "person_id")
        route = order_types.get(to_text(row["legal_status_type"]) or "")
        if child not in children or route is None:
            continue
        ok, start = rows.date(position, row, "start_date")
        if not ok:
            continue
        if start is None:
            rows.reject(position, row, "is required: the day the order was made", field="start_date")
            continue
        found[child].append((route, start))
    return found
