"""The built-in SSDA903 adapter: the national Children Looked After return (CSV or XML) plus the permanence pack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core.adapters.base import AdapterInfo, Capability, LoadResult
from permanence_core.adapters.ssda903.layout import discover
from permanence_core.adapters.ssda903.reader import ReturnLoad, read_layout, read_return

__all__ = ["ADAPTER", "ReturnLoad", "load", "read_return"]

ADAPTER = AdapterInfo(
    name="ssda903",
    description="SSDA903 Children Looked After return (CSV folder or XML), with the optional permanence pack",
    source_help="a folder of SSDA903 CSV tables and/or an EXPSSDA903 XML file, with an optional pack/ folder",
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


def load(source: str, options: Mapping[str, Any]) -> LoadResult:
    """Load every child in ``source``, merged with the permanence pack when there is one.

    ``source`` is a folder (CSV tables and/or XML returns, collection years in subfolders, the pack in
    ``pack/``) or one XML or CSV file. Options: ``pack`` (the pack folder or ``pack.json``, instead of
    ``pack/``) and ``progress`` (a callable ``(done, total)`` in bytes read); other keys are ignored.
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

    pack = read_pack(layout.pack, [record.child_id for record in returned.records])
    return LoadResult(
        records=merge_all(returned.records, pack),
        rejected=returned.rejected + pack.rejected,
        read=returned.read + pack.read,
        notices=returned.notices + pack.notices,
    )
