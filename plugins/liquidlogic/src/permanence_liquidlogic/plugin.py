"""The Liquidlogic plugin's hooks: register the adapter, load from the warehouse, write back through the gateway."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.plugins import hookimpl

NAME = "liquidlogic"

ADAPTER = AdapterInfo(
    name=NAME,
    description="Liquidlogic LCS reporting warehouse (HDM.Child_Social DIM_/FACT_ tables) read through SQLAlchemy",
    source_help=(
        "a SQLAlchemy URL of the LCS warehouse, e.g. mssql+pyodbc://host/HDM?driver=ODBC+Driver+18+for+SQL+Server,"
        " password in PERMANENCE_LIQUIDLOGIC_PASSWORD"
    ),
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """The Liquidlogic adapter."""
    register(ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load every looked-after child from the LCS warehouse at database URL ``source``."""
    if adapter != NAME:
        return None
    # Imported here so that listing plugins does not pay for the reader's imports.
    from permanence_liquidlogic.config import load_config
    from permanence_liquidlogic.reader import read

    return read(source, load_config(options))


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """Deliver one item to the council's gateway in LCS's terms, or to the outbox (LCS publishes no write API)."""
    if adapter != NAME:
        return None
    from permanence_core.adapters.transports import transport_for
    from permanence_liquidlogic.payloads import payloads_for

    return transport_for(options, payloads_for(options)).deliver(item)
