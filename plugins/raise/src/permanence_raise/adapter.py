"""The RAISE adapter: loads the inbox's current snapshot, writes back to the council's gateway or an outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import Adapter, Capability, LoadResult

if TYPE_CHECKING:
    from permanence_core.writeback import Receipt, WriteBackItem

NAME = "raise"


class RaiseAdapter(Adapter):
    """RAISE has no public schema: it reads the file drops ``permanence raise ingest`` merged into the inbox."""

    name = NAME
    description = "Northgate/NEC RAISE file drops: SSDA903 return and permanence pack, ingested by permanence raise"
    source_help = "the RAISE inbox folder (its incoming/ drops ingested with `permanence raise ingest --inbox DIR`)"
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load every child in the current snapshot of the inbox folder ``source``."""
        # Imported here so that listing plugins does not pay for the reader's imports.
        from permanence_raise.reader import read

        return read(source, options)

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """RAISE has no write API: items go to the council's HTTP gateway when one is configured, else the outbox."""
        from permanence_core.writeback.transports import transport_for

        return transport_for(options).deliver(item)
