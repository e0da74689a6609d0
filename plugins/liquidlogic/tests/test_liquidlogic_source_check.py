"""``permanence source check --adapter liquidlogic``: unmapped descriptions and codes, with counts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core import api

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def test_unmapped_legal_statuses_meeting_and_involvement_types_are_counted(
    warehouse: Warehouse, rows: dict[str, list[tuple]]
) -> None:
    legal = [
        *rows["legal_statuses"],
        (14, 202, "Emergancy protection", "2020-01-10", None),
        (15, 201, "Emergancy protection", "2020-01-10", None),
    ]
    url, options = warehouse(legal_statuses=legal)

    report = api.check_source("liquidlogic", url, options)

    assert report.ok
    found = {(v.what, v.value): v for v in report.unmapped}
    status = found[("legal status", "Emergancy protection")]
    assert status.count == 2
    assert "nearest: 'Emergency protection order (EPO)' (L2)" in status.hint
    assert found[("meeting type", "CLAReview")].count == 2
    assert found[("involvement type", "KA1")].count == 1
    assert {f.facet: f.status for f in report.facets}["siblings"] == "not read"


def test_a_warehouse_without_meeting_types_configured_says_so(warehouse: Warehouse) -> None:
    url, options = warehouse(base_settings="")

    report = api.check_source("liquidlogic", url, options)

    meetings = next(f for f in report.facets if f.facet == "meetings")
    assert (meetings.status, meetings.note) == (
        "not configured",
        "set ppm_meeting_types (or meeting_types) in [liquidlogic]",
    )
