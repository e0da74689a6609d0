"""The LCS request bodies, sent through the shared HTTP gateway (mocked with ``responses``), faults included."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from permanence_liquidlogic.config import LiquidlogicConfig
from permanence_liquidlogic.payloads import LiquidlogicPayloads

from permanence_core.writeback import CaseNote, DocumentUpload, HttpGateway, ReceiptStatus, WorkTrayAlert

GATEWAY = "https://lcs-gateway.example.test/permanence"
CONFIG = LiquidlogicConfig(
    person_id_field="LEGACY_ID", casenote_type_code="PERM", document_category="Permanence", worker_id_field="STAFF_ID"
)

TASK = WorkTrayAlert(
    child_id="L501",
    recipient_role="team_manager",
    recipient_id="S302",
    title="Team Manager to convene the PPM: upcoming",
    body="Synthetic alert text",
    due_date=dt.date(2025, 3, 31),
)
NOTE = CaseNote(
    child_id="L501",
    note_type="permanence",
    title="Permanence Planning Meeting held",
    contact_date=dt.date(2025, 4, 24),
    body="Synthetic note",
    significant=True,
    recipients=("S301", "S302"),
)
DOCUMENT = DocumentUpload(
    child_id="L501",
    document_type="ppm-record",
    filename="L501_ppm_93.docx",
    content=b"PK\x03\x04synthetic",
    title="Permanence Planning Meeting record",
)


def gateway(waits: list[float] | None = None, **kwargs: Any) -> HttpGateway:
    sleep = waits.append if waits is not None else (lambda _seconds: None)
    return HttpGateway(GATEWAY, payloads=LiquidlogicPayloads(CONFIG), sleep=sleep, **kwargs)


@responses.activate
def test_a_work_tray_task_names_the_child_and_the_recipient_worker() -> None:
    responses.post(f"{GATEWAY}/alerts", json={"id": "T-1"}, status=201)

    receipt = gateway().deliver(TASK)

    assert (receipt.status, receipt.external_id) == (ReceiptStatus.DELIVERED, "T-1")
    [call] = responses.calls
    assert call.request.headers["Idempotency-Key"] == TASK.idempotency_key
    assert json.loads(call.request.body) == {
        "personId": "L501",
        "personIdType": "LEGACY_ID",
        "recipientWorkerId": "S302",
        "recipientWorkerIdType": "STAFF_ID",
        "recipientRole": "team_manager",
        "subject": "Team Manager to convene the PPM: upcoming",
        "dueDate": "2025-03-31",
        "details": "Synthetic alert text",
        "idempotencyKey": TASK.idempotency_key,
    }


@responses.activate
def test_a_case_note_carries_the_councils_case_note_type() -> None:
    responses.post(f"{GATEWAY}/case-notes", json={"id": "N-1"}, status=201)

    assert gateway().deliver(NOTE).status is ReceiptStatus.DELIVERED

    body = json.loads(responses.calls[0].request.body)
    assert (body["caseNoteTypeCode"], body["eventDate"], body["significantEvent"]) == ("PERM", "2025-04-24", True)
    assert (body["personId"], body["alertWorkerIds"], body["note"]) == ("L501", ["S301", "S302"], "Synthetic note")


def test_without_a_configured_type_the_notes_own_type_is_sent() -> None:
    body = LiquidlogicPayloads(LiquidlogicConfig()).case_note(NOTE)

    assert (body["caseNoteTypeCode"], body["personIdType"]) == ("permanence", "DIM_PERSON_ID")


@responses.activate
def test_a_document_is_metadata_and_the_file(request_body: Callable[..., tuple[dict[str, Any], bytes]]) -> None:
    responses.post(f"{GATEWAY}/documents", json={"id": "D-1"}, status=201)

    assert gateway().deliver(DOCUMENT).status is ReceiptStatus.DELIVERED

    request = responses.calls[0].request
    metadata, content = request_body(request)
    assert content == DOCUMENT.content
    assert 'filename="L501_ppm_93.docx"' in request.body.decode("latin-1")
    assert metadata == {
        "personId": "L501",
        "personIdType": "LEGACY_ID",
        "documentType": "ppm-record",
        "title": "Permanence Planning Meeting record",
        "fileName": "L501_ppm_93.docx",
        "category": "Permanence",
        "idempotencyKey": DOCUMENT.idempotency_key,
    }


@responses.activate
def test_a_task_without_a_recipient_fails_without_a_request() -> None:
    task = WorkTrayAlert(child_id="L502", recipient_role="team_manager", title="PPM", body="Synthetic")

    receipt = gateway().deliver(task)

    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "payload: child L502 has no allocated team_manager to send the work-tray task to"
    assert not responses.calls


@responses.activate
def test_a_429_is_retried_after_the_servers_retry_after() -> None:
    responses.post(f"{GATEWAY}/alerts", status=429, headers={"Retry-After": "7"})
    responses.post(f"{GATEWAY}/alerts", json={"id": "T-2"}, status=201)
    waits: list[float] = []

    receipt = gateway(waits).deliver(TASK)

    assert (receipt.status, receipt.external_id, waits) == (ReceiptStatus.DELIVERED, "T-2", [7.0])
    assert len({call.request.headers["Idempotency-Key"] for call in responses.calls}) == 1


@responses.activate
def test_500s_are_retried_with_back_off_then_fail_for_the_next_run() -> None:
    responses.post(f"{GATEWAY}/case-notes", status=500)
    waits: list[float] = []

    receipt = gateway(waits, max_attempts=3, backoff=2.0).deliver(NOTE)

    assert receipt.status is ReceiptStatus.FAILED
    assert receipt.detail == "HTTP 500 Internal Server Error after 3 attempts"
    assert (len(responses.calls), waits) == (3, [2.0, 4.0])


@responses.activate
def test_a_timeout_is_retried_and_the_same_key_sent_again() -> None:
    responses.post(f"{GATEWAY}/documents", body=requests.exceptions.ReadTimeout("synthetic"))
    responses.post(f"{GATEWAY}/documents", json={"id": "D-2"}, status=201)

    receipt = gateway().deliver(DOCUMENT)

    assert (receipt.status, receipt.external_id) == (ReceiptStatus.DELIVERED, "D-2")
    keys = [call.request.headers["Idempotency-Key"] for call in responses.calls]
    assert keys == [DOCUMENT.idempotency_key] * 2


@pytest.mark.parametrize("status", [400, 409, 422])
@responses.activate
def test_a_refusal_is_final_for_the_run(status: int) -> None:
    responses.post(f"{GATEWAY}/alerts", status=status)

    receipt = gateway().deliver(TASK)

    assert receipt.status is ReceiptStatus.FAILED and receipt.detail.startswith(f"HTTP {status}")
    assert len(responses.calls) == 1
