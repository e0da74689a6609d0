"""The outbox: write-back as files a council's upload tooling or business support can pick up.

Each item becomes a JSON sidecar (and, for documents, the file beside it) named after the child id,
the item type and its idempotency key. Files are written to a temporary name and renamed, the
sidecar last, so a sidecar on disk means the item is complete; a retry finds it and is a duplicate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core.errors import ConfigError
from permanence_core.private_files import write_private as write_atomic
from permanence_core.writeback.items import CaseNote, DocumentUpload, Receipt, ReceiptStatus, WriteBackItem

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(part: str) -> str:
    # Never a leading dot: upload tooling skips hidden files (and ".." must not be a name).
    return _UNSAFE.sub("-", part).strip("-.") or "x"


def _kind(item: WriteBackItem) -> str:
    if isinstance(item, DocumentUpload):
        return _safe(item.document_type)
    return "case-note" if isinstance(item, CaseNote) else "work-tray-alert"


def sidecar(item: WriteBackItem) -> dict[str, Any]:
    """The JSON sidecar describing ``item`` (document content itself stays in its own file)."""
    data = attrs.asdict(item, filter=lambda attribute, _value: attribute.name != "content")
    data["item_type"] = type(item).__name__
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    return data


@attrs.frozen
class Outbox:
    """A folder receiving write-back items."""

    folder: Path = attrs.field(converter=Path)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Outbox:
        """Build from write-back options; the ``outbox`` folder is required."""
        folder = options.get("outbox")
        if not folder:
            raise ConfigError("write-back options", "outbox: a folder is required for outbox write-back")
        return cls(folder)

    def stem(self, item: WriteBackItem) -> str:
        """File name stem: child id, item type and the start of the idempotency key."""
        return f"{_safe(item.child_id)}_{_kind(item)}_{item.idempotency_key[:16]}"

    def deliver(self, item: WriteBackItem) -> Receipt:
        """Write ``item``; an item already in the outbox is a duplicate and is not written again."""
        stem = self.stem(item)
        meta_path = self.folder / f"{stem}.json"
        if meta_path.exists():
            return Receipt(
                idempotency_key=item.idempotency_key, status=ReceiptStatus.DUPLICATE, location=str(meta_path)
            )
        meta = sidecar(item)
        if isinstance(item, DocumentUpload):
            content_path = self.folder / f"{stem}{Path(item.filename).suffix}"
            write_atomic(content_path, item.content)
            meta["file"] = content_path.name
        write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8"))
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.QUEUED, location=str(meta_path))


__all__ = ["Outbox", "sidecar", "write_atomic"]
