"""The example adapter: reads the system's CSV export and writes items back to an outbox folder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core.adapters import Adapter, Capability, LoadResult
from permanence_core.writeback import Receipt, WriteBackItem


class ExampleAdapter(Adapter):
    """One case system: what it is, how it loads and how it writes back. Alerts use the core's default."""

    #: Typed by users after --adapter; keep it equal to the entry-point name.
    name = "example"
    description = "example case system: one CSV export with a row per period of care"
    source_help = "the CSV file exported from the case system"
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load every child in ``source``."""
        # Imported here so that listing plugins does not pay for the reader's imports.
        from permanence_example.reader import read

        return read(source)

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """Write an item to the outbox folder; replace with the system's API when it has one (keep it idempotent)."""
        from permanence_core.writeback.outbox import Outbox

        return Outbox.from_options(options).deliver(item)
