"""What can be written back to a case system, and the receipt that says what happened to it."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib

import attrs

from permanence_core.model._validators import not_blank, optional_date, to_tuple


def content_key(*parts: str | bytes) -> str:
    """A stable idempotency key from the parts that make an item what it is."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


@attrs.frozen(kw_only=True)
class DocumentUpload:
    """A generated document for the child's record (Mosaic: Category / Sub-category; names ≤ 80 chars)."""

    child_id: str = attrs.field(validator=not_blank)
    document_type: str = attrs.field(validator=not_blank)
    filename: str = attrs.field(validator=not_blank)
    content: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")
    title: str | None = None
    category: str | None = None
    idempotency_key: str = attrs.field()

    @idempotency_key.default
    def _key(self) -> str:
        return content_key("document", self.child_id, self.document_type, self.filename, self.content)


@attrs.frozen(kw_only=True)
class CaseNote:
    """A case note as Mosaic's screen has it: type, title, contact date, body, significant event, recipients."""

    child_id: str = attrs.field(validator=not_blank)
    note_type: str = attrs.field(validator=not_blank)
    title: str = attrs.field(validator=not_blank)
    contact_date: dt.date = attrs.field(validator=optional_date)
    body: str = attrs.field(repr=False)
    significant: bool = False
    recipients: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    idempotency_key: str = attrs.field()

    @idempotency_key.default
    def _key(self) -> str:
        return content_key("note", self.child_id, self.note_type, self.title, self.contact_date.isoformat(), self.body)


@attrs.frozen(kw_only=True)
class WorkTrayAlert:
    """A task in a worker's work tray (Liquidlogic) or an alert case note (Mosaic)."""

    child_id: str = attrs.field(validator=not_blank)
    recipient_role: str = attrs.field(validator=not_blank)
    title: str = attrs.field(validator=not_blank)
    body: str = attrs.field(repr=False)
    due_date: dt.date | None = attrs.field(default=None, validator=optional_date)
    recipient_id: str | None = None
    idempotency_key: str = attrs.field()

    @idempotency_key.default
    def _key(self) -> str:
        due = self.due_date.isoformat() if self.due_date else ""
        return content_key("alert", self.child_id, self.recipient_role, self.title, due)


WriteBackItem = DocumentUpload | CaseNote | WorkTrayAlert


class ReceiptStatus(enum.StrEnum):
    """Delivered to the system, queued in an outbox, already there (a retry), failed (retry next run), or held by
    another run's live claim (not sent by this run: that run sends it, or the first run after its lease expires)."""

    DELIVERED = "delivered"
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    HELD = "held"


#: The receipts that say the item is at its destination: only these may be recorded as raised.
ARRIVED = frozenset({ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED, ReceiptStatus.DUPLICATE})


@attrs.frozen(kw_only=True)
class Receipt:
    """What happened to one write-back item."""

    idempotency_key: str
    status: ReceiptStatus = attrs.field(converter=ReceiptStatus)
    external_id: str | None = None
    location: str | None = None
    detail: str | None = None
