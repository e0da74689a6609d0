"""A load narrowed to the facets the caller needs (a profile's): the others are not read and not covered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.model import Facet
from permanence_core.plugins.manager import Plugins

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def test_only_the_facets_asked_for_are_read_and_covered(warehouse: Warehouse) -> None:
    url, options = warehouse()
    everything = Plugins().load("liquidlogic", url, options)
    narrowed = Plugins().load("liquidlogic", url, {**options, "facets": ["reviews"]})

    full = {record.child_id: record for record in everything.records}
    assert full["201"].workers and full["201"].meetings  # the sample has both: leaving them out shows
    assert sorted(full) == sorted(record.child_id for record in narrowed.records)
    for record in narrowed.records:
        assert record.coverage == {Facet.CARE, Facet.REVIEWS}
        same = full[record.child_id]
        # Reviews still take their cancellation from FACT_MEETINGS, though meetings themselves are not read.
        assert (record.periods_of_care, record.legal_statuses, record.placements, record.reviews) == (
            same.periods_of_care,
            same.legal_statuses,
            same.placements,
            same.reviews,
        )
        assert record.plans == () and record.workers == () and record.meetings == () and record.adoption is None
    assert narrowed.read < everything.read
    assert "only the facets needed were read; not loaded: plans, meetings, adoption, workers" in narrowed.notices
