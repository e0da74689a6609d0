"""Shared adapter machinery (load results, rejections, write-back) and the built-in adapters."""

from permanence_core.adapters.base import AdapterInfo, Capability, LoadResult, Rejection
from permanence_core.adapters.items import CaseNote, DocumentUpload, Receipt, ReceiptStatus, WorkTrayAlert, WriteBackItem

__all__ = [
    "AdapterInfo",
    "Capability",
    "CaseNote",
    "DocumentUpload",
    "LoadResult",
    "Receipt",
    "ReceiptStatus",
    "Rejection",
    "WorkTrayAlert",
    "WriteBackItem",
]
