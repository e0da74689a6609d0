"""The Mosaic plugin's hooks: register the adapter, load from the warehouse, write back to the outbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.adapters.outbox import Outbox
from permanence_core.plugins import hookimpl

NAME = "mosaic"

ADAPTER = AdapterInfo(
    name=NAME,
    description="Mosaic reporting warehouse (dm_* tables) read through SQLAlchemy",
    source_help=(
        "a SQLAlchemy URL of the Mosaic warehouse, e.g. mssql+pyodbc://host/MosaicDW?driver=ODBC+Driver+18"
        "+for+SQL+Server, password in PERMANENCE_MOSAIC_PASSWORD"
    ),
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """The Mosaic adapter."""
    register(ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load every looked-after child from the Mosaic warehouse at database URL ``source``."""
    if adapter != NAME:
        return None
    # Imported here so that listing plugins does not pay for the reader's imports.
    from permanence_mosaic.config import load_config
    from permanence_mosaic.reader import read

    return read(source, load_config(options))


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """Mosaic publishes no write API: items go to the outbox for the council's upload tooling."""
    if adapter != NAME:
        return None
    return Outbox.from_options(options).deliver(item)
