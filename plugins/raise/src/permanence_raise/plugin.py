"""The RAISE plugin's hooks: register the adapter, load the newest file drop, write back to the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.adapters.outbox import Outbox
from permanence_core.plugins import hookimpl

NAME = "raise"

ADAPTER = AdapterInfo(
    name=NAME,
    description="Northgate/NEC RAISE file drops: the SSDA903 return plus the permanence pack, newest drop first",
    source_help="the inbox folder the RAISE report writer drops its exports into (one folder per export)",
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """The RAISE adapter."""
    register(ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load every child in the newest complete drop of the inbox folder ``source``."""
    if adapter != NAME:
        return None
    # Imported here so that listing plugins does not pay for the reader's imports.
    from permanence_raise.config import load_config
    from permanence_raise.reader import read

    return read(source, load_config(options), options)


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """RAISE has no write API: items go to the outbox for manual or bulk upload."""
    if adapter != NAME:
        return None
    return Outbox.from_options(options).deliver(item)
