"""Shared adapter machinery (load results, rejections, write-back) and the built-in adapters."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from permanence_core.adapters.base import AdapterInfo, Capability, LoadResult, Rejection
from permanence_core.adapters.items import (
    CaseNote,
    DocumentUpload,
    Receipt,
    ReceiptStatus,
    WorkTrayAlert,
    WriteBackItem,
)

if TYPE_CHECKING:
    from permanence_core.adapters.audit import AuditEntry, AuditLog
    from permanence_core.adapters.http import HttpGateway, Payload, PayloadBuilder, default_payload
    from permanence_core.adapters.outbox import Outbox
    from permanence_core.adapters.state import DeliveryRecord, DeliveryStatus, RaisedAlert, StateStore
    from permanence_core.adapters.writeback import AlertChange, AlertRun, ChangeKind, Transport, WriteBack
    from permanence_core.adapters.writeback_settings import WriteBackSettings

# The write-back names load on first use: requests and SQLAlchemy would otherwise slow every command's start.
_LAZY = {
    "AuditEntry": "audit",
    "AuditLog": "audit",
    "HttpGateway": "http",
    "Payload": "http",
    "PayloadBuilder": "http",
    "default_payload": "http",
    "Outbox": "outbox",
    "DeliveryRecord": "state",
    "DeliveryStatus": "state",
    "RaisedAlert": "state",
    "StateStore": "state",
    "AlertChange": "writeback",
    "AlertRun": "writeback",
    "ChangeKind": "writeback",
    "Transport": "writeback",
    "WriteBack": "writeback",
    "WriteBackSettings": "writeback_settings",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = [
    "AdapterInfo",
    "AlertChange",
    "AlertRun",
    "AuditEntry",
    "AuditLog",
    "Capability",
    "CaseNote",
    "ChangeKind",
    "DeliveryRecord",
    "DeliveryStatus",
    "DocumentUpload",
    "HttpGateway",
    "LoadResult",
    "Outbox",
    "Payload",
    "PayloadBuilder",
    "RaisedAlert",
    "Receipt",
    "ReceiptStatus",
    "Rejection",
    "StateStore",
    "Transport",
    "WorkTrayAlert",
    "WriteBack",
    "WriteBackItem",
    "WriteBackSettings",
    "default_payload",
]
