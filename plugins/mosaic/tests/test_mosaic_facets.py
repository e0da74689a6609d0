"""A load narrowed to the facets the caller needs (a profile's): the others are not read and not covered."""

from __future__ import annotations

from collections.abc import Callable

from permanence_core.api import load
from permanence_core.model import Facet

Warehouse = Callable[..., str]


def test_only_the_facets_asked_for_are_read_and_covered(warehouse: Warehouse, config) -> None:
    url = warehouse()
    everything = load("mosaic", url, {"config": str(config)})
    narrowed = load("mosaic", url, {"config": str(config), "facets": ["reviews"]})

    full = {record.child_id: record for record in everything.records}
    assert full["101"].plans and full["101"].workers  # the sample has both: leaving them out shows
    assert len(narrowed.records) == len(everything.records)
    for record in narrowed.records:
        assert record.coverage == {Facet.CARE, Facet.REVIEWS}
        same = full[record.child_id]
        assert (record.periods_of_care, record.placements, record.legal_statuses) == (
            same.periods_of_care,
            same.placements,
            same.legal_statuses,
        )
        assert record.reviews == same.reviews
        assert record.plans == () and record.workers == () and record.siblings == () and record.meetings == ()
    assert narrowed.read < everything.read
    assert [n for n in narrowed.notices if n.startswith("only the facets")] == [
        "only the facets needed were read; not loaded: plans, meetings, adoption, siblings, workers"
    ]
    assert narrowed.rejected == everything.rejected == ()
