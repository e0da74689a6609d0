"""The RAISE plugin's hooks: register the adapter, load the inbox's current snapshot, write back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.plugins import hookimpl

NAME = "raise"

ADAPTER = AdapterInfo(
    name=NAME,
    description="Northgate/NEC RAISE file drops: SSDA903 return and permanence pack, ingested by permanence-raise",
    source_help="the RAISE inbox folder (its incoming/ drops ingested with `permanence-raise ingest --inbox DIR`)",
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """The RAISE adapter."""
    register(ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load every child in the current snapshot of the inbox folder ``source``."""
    if adapter != NAME:
        return None
    # Imported here so that listing plugins does not pay for the reader's imports.
    from permanence_raise.reader import read

    return read(source, options)


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """RAISE has no write API: items go to the council's HTTP gateway when one is configured, else the outbox."""
    if adapter != NAME:
        return None
    from permanence_core.adapters.transports import transport_for

    return transport_for(options).deliver(item)
