"""The Mosaic plugin's hooks: register the adapter, load from the warehouse, write back to the gateway or outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import AdapterInfo, Capability, LoadResult, PayloadBuilder, Receipt, WriteBackItem
from permanence_core.plugins import hookimpl

if TYPE_CHECKING:
    from permanence_core.adapters import AlertChange
    from permanence_core.model import CaseRecord

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

    progress = options.get("progress")
    return read(source, load_config(options), progress if callable(progress) else None)


@lru_cache(maxsize=8)
def payload_builder(config: str | None, endpoint: str | None) -> PayloadBuilder:
    """Mosaic payloads shaped by the council's settings; one per configuration, so the gateway is reused."""
    from permanence_core.adapters.writeback_settings import WriteBackSettings
    from permanence_mosaic.config import load_config
    from permanence_mosaic.payloads import mosaic_payload

    options = {"config": config, "endpoint": endpoint}
    settings = load_config(options)
    paths = WriteBackSettings.from_options(options).paths
    return partial(
        mosaic_payload, documents=settings.documents, case_notes=settings.case_notes, case_note_path=paths["case_note"]
    )


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """Mosaic publishes no write API: items go to the council's gateway (Mosaic's fields) or to the outbox."""
    if adapter != NAME:
        return None
    from permanence_core.adapters.transports import transport_for

    payloads = payload_builder(options.get("config") or None, options.get("endpoint") or None)
    return transport_for(options, payloads).deliver(item)


@hookimpl
def permanence_alert_items(
    adapter: str, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
) -> Callable[[AlertChange], WriteBackItem | None] | None:
    """Mosaic raises an alert as a case note alerting the child's allocated workers."""
    if adapter != NAME:
        return None
    from permanence_mosaic.alerts import AlertNotes
    from permanence_mosaic.config import load_config

    return AlertNotes(records, as_of=as_of, settings=load_config(options).case_notes)
