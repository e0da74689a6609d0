"""Write-back: items, transports (HTTP gateway, outbox), the state store, the audit log and their settings."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from permanence_core.writeback.items import (
    CaseNote,
    DocumentUpload,
    Receipt,
    ReceiptStatus,
    WorkTrayAlert,
    WriteBackItem,
)

if TYPE_CHECKING:
    from permanence_core.writeback.audit import AuditEntry, AuditLog
    from permanence_core.writeback.http import HttpGateway, Payload, PayloadBuilder, default_payload
    from permanence_core.writeback.outbox import Outbox
    from permanence_core.writeback.service import AlertChange, AlertRun, ChangeKind, Transport, WriteBack
    from permanence_core.writeback.settings import WriteBackSettings
    from permanence_core.writeback.state import DeliveryRecord, DeliveryStatus, RaisedAlert, StateStore

# These names load on first use: requests and SQLAlchemy would otherwise slow every command's start.
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
    "AlertChange": "service",
    "AlertRun": "service",
    "ChangeKind": "service",
    "Transport": "service",
    "WriteBack": "service",
    "WriteBackSettings": "settings",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


__all__ = [
    "AlertChange",
    "AlertRun",
    "AuditEntry",
    "AuditLog",
    "CaseNote",
    "ChangeKind",
    "DeliveryRecord",
    "DeliveryStatus",
    "DocumentUpload",
    "HttpGateway",
    "Outbox",
    "Payload",
    "PayloadBuilder",
    "RaisedAlert",
    "Receipt",
    "ReceiptStatus",
    "StateStore",
    "Transport",
    "WorkTrayAlert",
    "WriteBack",
    "WriteBackItem",
    "WriteBackSettings",
    "default_payload",
]
