"""What the ledger hands back: frozen rows of syncs, plan history, meetings, actions, alerts and documents."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from permanence_core.model import Action
from permanence_core.model._validators import to_tuple
from permanence_core.tracker.schema import ActionStatus
from permanence_core.writeback.items import DocumentUpload, content_key


def _plain(_instance: Any, _attribute: Any, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


@attrs.frozen
class _Entry:
    """Shared ``to_dict``: the JSON form (dates in ISO format)."""

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready values."""
        return attrs.asdict(self, value_serializer=_plain)


@attrs.frozen(kw_only=True)
class SyncEntry(_Entry):
    """One sync from a case system: what was read, when, and what it changed in the ledger."""

    sync_id: int
    adapter: str
    source: str
    started_at: dt.datetime
    finished_at: dt.datetime
    read: int
    loaded: int
    rejected: int
    children: int
    coverage: tuple[str, ...] = attrs.field(converter=to_tuple)
    children_new: int
    plans_changed: int
    meetings_added: int
    meetings_changed: int
    actions_added: int
    actions_changed: int


@attrs.frozen(kw_only=True)
class PlanEntry(_Entry):
    """A plan as a sync first saw it, or saw it change: ``change`` names what changed (``new``, ``route``, …)."""

    child_id: str
    sync_id: int
    recorded_at: dt.datetime
    plan_key: str
    primary_route: str
    contingencies: tuple[str, ...] = attrs.field(converter=to_tuple)
    decided_on: dt.date | None
    ratified_on: dt.date | None
    status: str
    status_since: dt.date | None
    change: tuple[str, ...] = attrs.field(converter=to_tuple)


@attrs.frozen(kw_only=True)
class MeetingEntry(_Entry):
    """A meeting the ledger knows: read from the case system, or a panel scheduled and recorded in the ledger."""

    meeting_id: str
    kind: str
    date: dt.date
    status: str
    origin: str
    chair: str | None
    children: tuple[str, ...] = attrs.field(converter=to_tuple)
    referral_deadline: dt.date | None
    minutes_due: dt.date | None
    minutes_issued_on: dt.date | None
    referral_received_on: dt.date | None


@attrs.frozen(kw_only=True)
class ActionEntry(_Entry):
    """An action with its status; ``carried_from`` is the (meeting, action) it continues, ``times_carried`` how
    many panels it has been carried through."""

    meeting_id: str
    action_id: str
    child_id: str | None
    position: int
    description: str = attrs.field(repr=False)
    owner: str | None
    due_date: dt.date | None
    completed_on: dt.date | None
    depends_on: tuple[str, ...] = attrs.field(converter=to_tuple)
    status: str
    carried_from: tuple[str, str] | None
    times_carried: int
    origin: str
    meeting_date: dt.date

    def is_overdue_on(self, day: dt.date) -> bool:
        """Open and past its due date on ``day``."""
        return self.status == ActionStatus.OPEN and self.due_date is not None and self.due_date < day

    def to_action(self) -> Action:
        """The model's action, for the documents."""
        return Action(
            action_id=self.action_id,
            description=self.description,
            owner=self.owner,
            due_date=self.due_date,
            completed_on=self.completed_on,
            depends_on=self.depends_on,
        )


@attrs.frozen(kw_only=True)
class AlertEntry(_Entry):
    """One raised state of an obligation's alert (``upcoming``, ``overdue`` or ``resolved``), oldest first."""

    child_id: str
    rule: str
    anchor_date: dt.date
    generation: int
    status: str
    due_date: dt.date
    raised_at: dt.datetime
    idempotency_key: str | None


@attrs.frozen(kw_only=True)
class DocumentEntry(_Entry):
    """A document produced, where it was saved, and what became of its delivery (None when never sent)."""

    document_key: str
    child_id: str | None
    document_type: str
    meeting_id: str | None
    filename: str
    size: int
    produced_at: dt.datetime
    path: str | None
    delivery_status: str | None
    location: str | None
    external_id: str | None


@attrs.frozen(kw_only=True)
class Produced:
    """A document just produced, for the ledger: its key is the write-back idempotency key of its upload."""

    document_key: str
    child_id: str | None
    document_type: str
    filename: str
    size: int
    meeting_id: str | None = None
    path: str | None = None

    @classmethod
    def from_upload(cls, upload: DocumentUpload, *, meeting_id: str | None = None, path: str | None = None) -> Produced:
        """A child's document, keyed as its upload is, so its delivery can be found."""
        return cls(
            document_key=upload.idempotency_key,
            child_id=upload.child_id,
            document_type=upload.document_type,
            filename=upload.filename,
            size=len(upload.content),
            meeting_id=meeting_id,
            path=path,
        )

    @classmethod
    def panel_document(
        cls, document_type: str, filename: str, content: bytes, *, meeting_id: str, path: str | None = None
    ) -> Produced:
        """A document about a whole panel (the pack): no child, keyed by its content."""
        return cls(
            document_key=content_key("document", meeting_id, document_type, filename, content),
            child_id=None,
            document_type=document_type,
            filename=filename,
            size=len(content),
            meeting_id=meeting_id,
            path=path,
        )
