"""The plugin's hooks: register the adapter, load records through the reader, write back to the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.adapters.outbox import Outbox
from permanence_core.plugins import hookimpl

#: The adapter's name, typed by users after --adapter; keep it equal to the entry-point name.
NAME = "example"

ADAPTER = AdapterInfo(
    name=NAME,
    description="example case system: one CSV export with a row per period of care",
    source_help="the CSV file exported from the case system",
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """Register this plugin's adapter."""
    register(ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load every child in ``source``; None when another plugin's adapter is asked for."""
    if adapter != NAME:
        return None
    from permanence_example.reader import read

    return read(source)


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """Write an item to the outbox folder; replace with the system's API when it has one (keep it idempotent)."""
    if adapter != NAME:
        return None
    return Outbox.from_options(options).deliver(item)
