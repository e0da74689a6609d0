"""The built-in SSDA903 adapter: the national Children Looked After return (CSV or XML) plus the permanence pack."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from permanence_core.adapters.base import Adapter, Capability, CohortLoad, LoadResult
from permanence_core.adapters.ssda903.layout import discover
from permanence_core.adapters.ssda903.reader import ReturnLoad, read_layout, read_return
from permanence_core.collector import collector_paused
from permanence_core.model import Facet

if TYPE_CHECKING:
    from permanence_core.writeback import Receipt, WriteBackItem

__all__ = ["ReturnLoad", "Ssda903Adapter", "load", "read_return"]


class Ssda903Adapter(Adapter):
    """The national return every English council can export; items go to the council's gateway or an outbox."""

    name = "ssda903"
    description = "SSDA903 Children Looked After return (CSV folder or XML), with the optional permanence pack"
    source_help = "a folder of SSDA903 CSV tables and/or an EXPSSDA903 XML file, with an optional pack/ folder"
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )
    detail_tables = True

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load an SSDA903 return (CSV folder or XML file) plus the optional permanence pack."""
        return load(source, options)

    def load_cohort(
        self, source: str, options: Mapping[str, Any], facets: Collection[Facet] | None = None
    ) -> CohortLoad:
        """The return and its pack read straight into cohort tables (``cohort.read_cohort``): the same tables,
        rejections and counts as a load turned into tables, without a record per child; with the option
        ``detail``, the detail tables too."""
        from permanence_core.adapters.ssda903.cohort import read_cohort

        pack = options.get("pack")
        loaded = read_cohort(source, facets, str(pack) if pack else None, detail=bool(options.get("detail")))
        progress = options.get("progress")
        if callable(progress):
            progress(1, 1)  # read whole: polars gives no running count of bytes
        return loaded

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """The return has no system of its own to write to: the council's HTTP gateway, else the outbox folder."""
        from permanence_core.writeback.transports import transport_for

        return transport_for(options).deliver(item)


def load(source: str, options: Mapping[str, Any]) -> LoadResult:
    """Load every child in ``source``, merged with the permanence pack when there is one.

    ``source`` is a folder (CSV tables and/or XML returns, collection years in subfolders, the pack in
    ``pack/``) or one XML or CSV file. Options: ``pack`` (the pack folder or ``pack.json``, instead of
    ``pack/``), ``facets`` (the facets the caller needs, e.g. a profile's: the pack reads only those; default
    every facet, as documents need) and ``progress`` (a callable ``(done, total)`` in bytes read); other keys
    are ignored.
    """
    layout = discover(source, options.get("pack"))
    progress = options.get("progress")
    returned = read_layout(layout, progress=progress if callable(progress) else None)
    if layout.pack is None:
        return LoadResult(
            records=returned.records, rejected=returned.rejected, read=returned.read, notices=returned.notices
        )
    # Imported here: the pack reuses this package's value parsers, so a module-level import would be circular.
    from permanence_core.adapters.pack import merge_all, read_pack

    facets = options.get("facets")
    wanted = None if facets is None else frozenset(Facet(facet) for facet in facets)
    with collector_paused():
        pack = read_pack(layout.pack, [record.child_id for record in returned.records], wanted)
        records = merge_all(returned.records, pack)
    return LoadResult(
        records=records,
        rejected=returned.rejected + pack.rejected,
        read=returned.read + pack.read,
        notices=returned.notices + pack.notices,
    )
