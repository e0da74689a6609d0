"""The bodies an LCS integration gateway receives: work-tray tasks, case notes and documents, in LCS's terms.

LCS publishes no write API (research/case_systems.md section 2.1), so these bodies are this adapter's
contract with the council's gateway (docs in plugins/liquidlogic/README.md). Each names the child by the
id the council configured (``personIdType``: ``DIM_PERSON_ID`` or ``LEGACY_ID``), a work-tray task its
recipient by the configured DIM_WORKER id, and a case note carries the council's case-note type code.
Retries, timeouts, the Idempotency-Key header and the outbox are the shared write-back's
(``permanence_core.writeback.transports``); only the shape of the body is Liquidlogic's.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import attrs

from permanence_core.errors import PayloadRefused
from permanence_core.writeback import CaseNote, DocumentUpload, Payload, WorkTrayAlert, WriteBackItem
from permanence_liquidlogic.config import LiquidlogicConfig, load_config


@attrs.frozen(eq=False)
class LiquidlogicPayloads:
    """A payload builder for :class:`~permanence_core.adapters.HttpGateway`: one request body per item.

    Hashed by identity (``eq=False``): the shared transport keeps one gateway per builder for a run.
    """

    config: LiquidlogicConfig

    def __call__(self, item: WriteBackItem) -> Payload:
        """The body for ``item``; ValueError (a failed receipt, retried next run) when it cannot be addressed."""
        if isinstance(item, WorkTrayAlert):
            return Payload(json=self.task(item))
        if isinstance(item, CaseNote):
            return Payload(json=self.case_note(item))
        return self.document(item)

    def _person(self, item: WriteBackItem) -> dict[str, Any]:
        return {"personId": item.child_id, "personIdType": self.config.person_id_field}

    def task(self, item: WorkTrayAlert) -> dict[str, Any]:
        """A work-tray task for one worker: LCS work trays belong to workers, so a recipient is required."""
        if not item.recipient_id:
            raise PayloadRefused(
                f"child {item.child_id} has no allocated {item.recipient_role} to send the work-tray task to"
            )
        return {
            **self._person(item),
            "recipientWorkerId": item.recipient_id,
            "recipientWorkerIdType": self.config.worker_id_field,
            "recipientRole": item.recipient_role,
            "subject": item.title,
            "dueDate": item.due_date.isoformat() if item.due_date else None,
            "details": item.body,
            "idempotencyKey": item.idempotency_key,
        }

    def case_note(self, item: CaseNote) -> dict[str, Any]:
        """A case note of the council's configured type (``DIM_LOOKUP_CASNT_TYPE_ID_CODE``)."""
        return {
            **self._person(item),
            "caseNoteTypeCode": self.config.casenote_type_code or item.note_type,
            "eventDate": item.contact_date.isoformat(),
            "title": item.title,
            "note": item.body,
            "significantEvent": item.significant,
            "alertWorkerIds": list(item.recipients),
            "idempotencyKey": item.idempotency_key,
        }

    def document(self, item: DocumentUpload) -> Payload:
        """A document for the child's file in LCS or the council's document store: metadata plus the file."""
        metadata = {
            **self._person(item),
            "documentType": item.document_type,
            "title": item.title or item.filename,
            "fileName": item.filename,
            "category": item.category or self.config.document_category,
            "idempotencyKey": item.idempotency_key,
        }
        mime = mimetypes.guess_type(item.filename)[0] or "application/octet-stream"
        return Payload(
            fields={"metadata": json.dumps(metadata, ensure_ascii=False)},
            files={"file": (item.filename, item.content, mime)},
        )


def payloads_for(options: Mapping[str, Any]) -> LiquidlogicPayloads:
    """The builder for the council configuration the write-back options name (one per file, kept for the run)."""
    return _cached(str(options.get("config") or ""))


@lru_cache(maxsize=32)
def _cached(config_path: str) -> LiquidlogicPayloads:
    # The same builder object for the same file, so the shared transport reuses its gateway and session.
    return LiquidlogicPayloads(load_config({"config": config_path} if config_path else {}))
