"""The Liquidlogic plugin's hooks: register the adapter, load from the warehouse, write back through the gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, Receipt, WriteBackItem
from permanence_core.plugins import hookimpl

if TYPE_CHECKING:
    from permanence_core.adapters import AlertChange
    from permanence_core.model import CaseRecord

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


@hookimpl
def permanence_alert_items(
    adapter: str, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
) -> Callable[[AlertChange], WriteBackItem | None] | None:
    """Liquidlogic raises an alert as a work-tray task for the child's allocated Team Manager."""
    if adapter != NAME:
        return None
    from permanence_liquidlogic.alerts import work_tray_tasks

    return work_tray_tasks(records, as_of)
