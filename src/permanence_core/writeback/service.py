"""The write-back service: each item delivered once through a transport, each alert raised once per change."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import requests

from permanence_core.errors import ConfigError, StoreError
from permanence_core.private_files import deferred_sync
from permanence_core.writeback.audit import (
    AuditEntry,
    AuditLog,
    audit_path,
    beside_store,
    destination_of,
    found_on_retry,
    transport_name,
)
from permanence_core.writeback.http import HttpGateway, PayloadBuilder, default_payload
from permanence_core.writeback.items import ARRIVED, Receipt, ReceiptStatus, WriteBackItem, content_key
from permanence_core.writeback.outbox import Outbox
from permanence_core.writeback.settings import WriteBackSettings
from permanence_core.writeback.state import (
    DEFAULT_LEASE,
    Claim,
    ClaimOutcome,
    ClaimRequest,
    DeliveryRecord,
    RaisedAlert,
    StateStore,
)

if TYPE_CHECKING:
    from permanence_core.rules.obligations import Alert

logger = logging.getLogger(__name__)

RESOLVED = "resolved"
#: Items claimed per transaction when each is sent, audited and recorded on its own (a gateway).
CHUNK = 50
#: Items claimed, written, audited and recorded per group to an outbox (one flush to disk, folder sync, audit fsync
#: and commit).
GROUP_CHUNK = 500


class Transport(Protocol):
    """Where items go: :class:`HttpGateway` or :class:`Outbox` (or an adapter's own)."""

    def deliver(self, item: WriteBackItem) -> Receipt:
        """Deliver one item; a failure is a FAILED receipt, not an exception."""
        ...


class ChangeKind(enum.StrEnum):
    """Why an alert is raised: first seen, its status or due date changed, or it is no longer open."""

    NEW = "new"
    CHANGED = "changed"
    RESOLVED = "resolved"


@attrs.frozen(kw_only=True)
class AlertChange:
    """An obligation's alert that must be raised; ``alert`` is None once resolved, ``previous`` None when new."""

    kind: ChangeKind
    child_id: str
    rule: str
    anchor_date: dt.date
    status: str
    due_date: dt.date
    alert: Alert | None = None
    previous: RaisedAlert | None = None

    @property
    def fingerprint(self) -> str:
        """What makes two raised states the same: the status and the due date."""
        return alert_fingerprint(self.status, self.due_date)


AlertToItem = Callable[[AlertChange], WriteBackItem | None]


@attrs.frozen(kw_only=True)
class AlertRun:
    """What ``raise_alerts`` did: the changes found, a receipt per item sent, and how many alerts were unchanged."""

    changes: tuple[AlertChange, ...]
    receipts: tuple[Receipt, ...]
    unchanged: int

    def summary(self) -> dict[str, int]:
        """Counts for reports and logs: each change ends in exactly one of sent, duplicate (already delivered by an
        earlier run), failed (raised again next run) or recorded (kept without sending: the adapter sends nothing
        for it, e.g. a resolution)."""
        counts = {kind.value: 0 for kind in ChangeKind}
        for change in self.changes:
            counts[change.kind.value] += 1
        outcomes = {status: sum(r.status is status for r in self.receipts) for status in ReceiptStatus}
        return {
            **counts,
            "unchanged": self.unchanged,
            "sent": outcomes[ReceiptStatus.DELIVERED] + outcomes[ReceiptStatus.QUEUED],
            "duplicate": outcomes[ReceiptStatus.DUPLICATE],
            "held": outcomes[ReceiptStatus.HELD],
            "failed": outcomes[ReceiptStatus.FAILED],
            "recorded": len(self.changes) - len(self.receipts),
        }


def alert_fingerprint(status: str, due_date: dt.date) -> str:
    """The fingerprint stored for a raised alert."""
    return content_key("alert-state", status, due_date.isoformat())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditDefault(enum.Enum):
    """``WriteBack(audit=BESIDE_STORE)``: the audit log beside a SQLite state store file (none for other stores)."""

    BESIDE_STORE = "beside-store"


BESIDE_STORE = AuditDefault.BESIDE_STORE


class WriteBack:
    """Delivers write-back items exactly once per idempotency key, recording every attempt in the state store."""

    def __init__(
        self,
        transport: Transport,
        store: StateStore,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        chunk_size: int | None = None,
        now: Callable[[], dt.datetime] = _utc_now,
        audit: AuditLog | AuditDefault | None = BESIDE_STORE,
    ) -> None:
        """``audit``: where every attempt is logged; by default beside the store's SQLite file; None for no log.
        ``chunk_size``: items claimed per transaction (by default 50, or 500 to an outbox, whose items are also
        written, audited and recorded a chunk at a time)."""
        self.transport = transport
        self.store = store
        self.lease = lease
        self.now = now
        if audit is BESIDE_STORE:
            path = beside_store(store.engine.url)
            audit = AuditLog(path) if path is not None else None
        self.audit = audit
        self._transport_name = transport_name(transport)
        self._destination = destination_of(transport)
        self._grouped = found_on_retry(transport)
        # Items claimed (and, to an outbox, written, audited and recorded) at once.
        self.chunk_size = chunk_size or (GROUP_CHUNK if self._grouped else CHUNK)

    @classmethod
    def from_settings(
        cls,
        settings: WriteBackSettings,
        *,
        payloads: PayloadBuilder = default_payload,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> WriteBack:
        """An HTTP gateway when ``endpoint`` is set, else the ``outbox`` folder; the store from ``state``."""
        if settings.endpoint and settings.outbox:
            raise ConfigError("write-back settings", "set either endpoint (HTTP gateway) or outbox (folder), not both")
        transport: Transport
        if settings.endpoint:
            transport = HttpGateway.from_settings(settings, payloads=payloads, session=session, sleep=sleep)
        elif settings.outbox:
            transport = Outbox(settings.outbox)
        else:
            raise ConfigError("write-back settings", "set endpoint (HTTP gateway) or outbox (folder)")
        store = StateStore(settings.state_url())
        return cls(
            transport,
            store,
            lease=dt.timedelta(minutes=settings.lease_minutes),
            audit=AuditLog(audit_path(settings)),
        )

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        *,
        payloads: PayloadBuilder = default_payload,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> WriteBack:
        """From the hook's write-back options (``config`` file, ``endpoint``, ``outbox``, ``state``).

        ``payloads`` shapes the request body for the adapter's system (Mosaic and Liquidlogic differ).
        """
        return cls.from_settings(
            WriteBackSettings.from_options(options), payloads=payloads, session=session, sleep=sleep
        )

    def close(self) -> None:
        """Close the transport's connections (if any) and the store."""
        close = getattr(self.transport, "close", None)
        if close is not None:
            close()
        self.store.close()

    def __enter__(self) -> WriteBack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- delivering ---------------------------------------------------------------------------------

    def deliver(
        self, items: Iterable[WriteBackItem], progress: Callable[[int, int], None] | None = None
    ) -> list[Receipt]:
        """Deliver ``items``, one receipt each, in order; never raises for an item that fails.

        An item already delivered (by this or another run) is a DUPLICATE and is not sent; one whose claim
        another run holds is HELD and is not sent either (the first run after that claim's lease sends it).
        A failed item is recorded and sent again by the next run that passes it in. The same key twice in
        ``items`` is sent once. The states are those of :data:`~permanence_core.writeback.state.TRANSITIONS`.
        """
        items = list(items)
        first: dict[str, WriteBackItem] = {}
        for item in items:
            first.setdefault(item.idempotency_key, item)
        unique = list(first.values())
        receipts: dict[str, Receipt] = {}
        done = 0
        for start in range(0, len(unique), self.chunk_size):
            chunk = tuple(unique[start : start + self.chunk_size])
            for item, receipt in zip(chunk, self._deliver_chunk(chunk), strict=True):
                receipts[item.idempotency_key] = receipt
                done += 1
                if progress is not None:
                    progress(done, len(unique))
        return [receipts[item.idempotency_key] for item in items]

    def _deliver_chunk(self, chunk: tuple[WriteBackItem, ...]) -> Iterable[Receipt]:
        wanted = [
            ClaimRequest(idempotency_key=i.idempotency_key, child_id=i.child_id, item_type=type(i).__name__)
            for i in chunk
        ]
        try:
            claims = self.store.claim(wanted, self.now(), self.lease)
        except StoreError as exc:
            # Without a claim nothing may be sent; the items stay undelivered and the next run tries again.
            logger.error("write-back state store unavailable: %s", exc)
            return [_failed(item.idempotency_key, f"state store unavailable ({exc})") for item in chunk]
        receipts: dict[str, Receipt] = {}
        claimed: list[tuple[WriteBackItem, Claim]] = []
        for item in chunk:
            claim = claims[item.idempotency_key]
            if claim.outcome is ClaimOutcome.DONE:
                receipts[item.idempotency_key] = _already(claim.record)
            elif claim.outcome is ClaimOutcome.HELD:
                # Not "delivered": the holder may have died; its lease decides when the item is sent again.
                until = claim.record.last_attempt_at + self.lease
                receipts[item.idempotency_key] = Receipt(
                    idempotency_key=item.idempotency_key,
                    status=ReceiptStatus.HELD,
                    detail=f"another run holds this item until {until:%Y-%m-%d %H:%M} UTC",
                )
            else:
                claimed.append((item, claim))
        # An outbox's items are written, audited and recorded a group at a time; anything else one by one.
        groups = [claimed] if self._grouped else [[pair] for pair in claimed]
        for group in groups:
            if group:
                receipts.update(self._send(group))
        return [receipts[item.idempotency_key] for item in chunk]

    def _send(self, group: list[tuple[WriteBackItem, Claim]]) -> dict[str, Receipt]:
        """Deliver a group of claimed items, then audit them, then record them: each item's outcome is on disk
        where it went, then in the audit log, then in the store (a kill between any two leaves the next run to
        find it there: a duplicate, not a second copy)."""
        with deferred_sync() as written:
            receipts = [self._deliver_one(item) for item, _claim in group]
            try:
                written.sync()
            except OSError as exc:
                # None is counted as arrived: those not put in place were removed and are written again by the
                # retry; those in place may not survive a power cut, and the retry records them as duplicates.
                logger.error("write-back: the outbox files could not be synced: %s", type(exc).__name__)
                receipts = [
                    receipt
                    if receipt.status is ReceiptStatus.FAILED
                    else _failed(receipt.idempotency_key, f"{type(exc).__name__} while delivering")
                    for receipt in receipts
                ]
        # Audited before the store records it: a run killed in between leaves the line, and the rerun's
        # line (a duplicate, or the gateway's answer to the repeated key) follows it.
        self._audit([item for item, _claim in group], receipts)
        try:
            recorded = self.store.finish_all(
                [(claim, receipt) for (_item, claim), receipt in zip(group, receipts, strict=True)], self.now()
            )
        except StoreError as exc:
            recorded = [False] * len(group)
            logger.error("write-back state store unavailable: %s", exc)
        for receipt, done in zip(receipts, recorded, strict=True):
            if not done:
                # The claim lapsed or the store failed: the next run may send it again, which the gateway's
                # Idempotency-Key (or the outbox's sidecar check) absorbs.
                logger.warning("write-back %s: outcome %s not recorded", receipt.idempotency_key, receipt.status.value)
        return {receipt.idempotency_key: receipt for receipt in receipts}

    def _deliver_one(self, item: WriteBackItem) -> Receipt:
        try:
            return self.transport.deliver(item)
        except Exception as exc:
            # One item's unexpected failure must not cost the rest of the batch: it is recorded as failed
            # (the exception's type only, as its message may carry personal data) and retried next run.
            logger.error(
                "write-back %s of child %s failed: %s", item.idempotency_key, item.child_id, type(exc).__name__
            )
            return _failed(item.idempotency_key, f"{type(exc).__name__} while delivering")

    def _audit(self, items: list[WriteBackItem], receipts: list[Receipt]) -> None:
        if self.audit is None:
            return
        at = self.now()
        entries = [
            AuditEntry.of(item, receipt, transport=self._transport_name, destination=self._destination_of(item), at=at)
            for item, receipt in zip(items, receipts, strict=True)
        ]
        try:
            self.audit.append_all(entries)
        except OSError as exc:
            # The items went (or failed) whatever the log says; the state store still records them, so the run
            # carries on and says loudly that the audit trail has a gap.
            for entry in entries:
                logger.error(
                    "write-back %s of child %s not written to the audit log %s: %s",
                    entry.idempotency_key,
                    entry.child_id,
                    self.audit.path,
                    type(exc).__name__,
                )

    def _destination_of(self, item: WriteBackItem) -> str | None:
        try:
            return self._destination(item)
        except Exception as exc:
            # Naming the destination is for the record only; a payload that cannot be built already failed.
            logger.debug("write-back %s: no destination for the audit (%s)", item.idempotency_key, type(exc).__name__)
            return None

    def failed(self) -> list[DeliveryRecord]:
        """Items whose last attempt failed: they are sent again when a run produces them again."""
        return self.store.failed()

    # -- alerts -------------------------------------------------------------------------------------

    def changes(
        self, alerts: Iterable[Alert], resolved_in: Iterable[str] | None = None
    ) -> tuple[list[AlertChange], int]:
        """The alerts that must be raised (new or changed), plus resolutions, and the count left unchanged.

        ``resolved_in`` names the children whose obligations were all evaluated in this run: a raised
        alert of one of them that is no longer open is resolved. Children not named are left as they are,
        so a run over part of the caseload resolves nothing outside it.
        """
        previous = self.store.raised_alerts()
        changes: list[AlertChange] = []
        seen: set[tuple[str, str, dt.date]] = set()
        unchanged = 0
        for alert in alerts:
            key = (alert.child_id, alert.rule, alert.anchor_date)
            if key in seen:
                logger.warning(
                    "alert %s for child %s given twice for one anchor; first kept", alert.rule, alert.child_id
                )
                continue
            seen.add(key)
            before = previous.get(key)
            status = alert.status.value
            if before is not None and before.fingerprint == alert_fingerprint(status, alert.due_date):
                unchanged += 1
                continue
            changes.append(
                AlertChange(
                    kind=ChangeKind.NEW if before is None else ChangeKind.CHANGED,
                    child_id=alert.child_id,
                    rule=alert.rule,
                    anchor_date=alert.anchor_date,
                    status=status,
                    due_date=alert.due_date,
                    alert=alert,
                    previous=before,
                )
            )
        scope = set(resolved_in or ())
        for key, before in sorted(previous.items()):
            if before.status != RESOLVED and before.child_id in scope and key not in seen:
                changes.append(
                    AlertChange(
                        kind=ChangeKind.RESOLVED,
                        child_id=before.child_id,
                        rule=before.rule,
                        anchor_date=before.anchor_date,
                        status=RESOLVED,
                        due_date=before.due_date,
                        previous=before,
                    )
                )
        return changes, unchanged

    def raise_alerts(
        self,
        alerts: Iterable[Alert],
        to_item: AlertToItem,
        *,
        resolved_in: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> AlertRun:
        """Raise each alert that is new or changed (and each resolution) once, through ``to_item`` and ``deliver``.

        ``to_item`` turns a change into the adapter's item (a work-tray alert, a case note) or None to
        record it without sending. The item's idempotency key is replaced by one derived from the
        obligation and its state, so a rerun of the same change is a duplicate whatever the item holds.
        Only a change whose item arrived (delivered, queued, or found there by a retry) is recorded as raised:
        one that failed, or that another run holds, is raised again by the next run.
        """
        changes, unchanged = self.changes(alerts, resolved_in)
        now = self.now()
        states: dict[int, RaisedAlert] = {}
        outgoing: list[tuple[int, WriteBackItem]] = []
        for index, change in enumerate(changes):
            generation = change.previous.generation + 1 if change.previous else 1
            item = to_item(change)
            key = None
            if item is not None:
                key = content_key(
                    "raised-alert",
                    change.child_id,
                    change.rule,
                    change.anchor_date.isoformat(),
                    str(generation),
                    change.fingerprint,
                )
                outgoing.append((index, attrs.evolve(item, idempotency_key=key)))
            states[index] = RaisedAlert(
                child_id=change.child_id,
                rule=change.rule,
                anchor_date=change.anchor_date,
                status=change.status,
                due_date=change.due_date,
                fingerprint=change.fingerprint,
                generation=generation,
                raised_at=now,
                idempotency_key=key,
            )
        receipts = self.deliver([item for _index, item in outgoing], progress)
        for (index, _item), receipt in zip(outgoing, receipts, strict=True):
            if receipt.status not in ARRIVED:
                del states[index]
        self.store.record_raised(states.values())
        return AlertRun(changes=tuple(changes), receipts=tuple(receipts), unchanged=unchanged)


def _failed(key: str, detail: str) -> Receipt:
    return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail=detail)


def _already(record: DeliveryRecord) -> Receipt:
    return Receipt(
        idempotency_key=record.idempotency_key,
        status=ReceiptStatus.DUPLICATE,
        external_id=record.external_id,
        location=record.location,
        detail=f"sent before: {record.status.value} on {record.last_attempt_at:%Y-%m-%d}",
    )


__all__ = [
    "BESIDE_STORE",
    "AlertChange",
    "AlertRun",
    "AlertToItem",
    "AuditDefault",
    "ChangeKind",
    "Transport",
    "WriteBack",
    "alert_fingerprint",
]
