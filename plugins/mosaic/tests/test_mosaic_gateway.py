"""Write-back to the council's gateway through the Mosaic hook: retries, failures, and nothing lost or sent twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests
from permanence_mosaic.adapter import payload_builder

from permanence_core import api
from permanence_core.writeback import CaseNote, DocumentUpload, HttpGateway, ReceiptStatus, WriteBackSettings

D = dt.date


def document(child_id: str) -> DocumentUpload:
    return DocumentUpload(
        child_id=child_id,
        document_type="pro-forma",
        filename=f"{child_id}-pro-forma.docx",
        content=f"PK synthetic pro-forma {child_id}".encode(),
        title="Permanence Tracker Meeting pro-forma",
    )


def note(child_id: str) -> CaseNote:
    return CaseNote(
        child_id=child_id,
        note_type="PERMALERT",
        title="Tracking meeting referral due",
        contact_date=D(2024, 2, 1),
        body="<p>Synthetic</p>",
        recipients=("17",),
    )


def test_documents_and_notes_reach_their_paths_with_mosaics_fields(config: Path, gateway) -> None:
    with api.writer("mosaic", {"config": str(config)}) as writer:
        receipts = writer.deliver([document("101"), note("101")])

    assert [r.status for r in receipts] == [ReceiptStatus.DELIVERED, ReceiptStatus.DELIVERED]
    assert [r.external_id for r in receipts] == ["MOS-1", "MOS-2"]
    assert gateway.paths() == ["/people/101/documents", "/people/101/case-notes"]
    upload, posted = gateway.requests
    assert upload.headers["Authorization"] == "Bearer synthetic-token-0001"
    assert json.loads(posted.body)["note_type"] == "PERMALERT"
    assert posted.headers["Idempotency-Key"] == note("101").idempotency_key


@pytest.mark.parametrize("timeout", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout])
def test_a_timeout_is_retried_with_the_same_key(config: Path, gateway, timeout: type[Exception]) -> None:
    gateway.fail["/people/101/case-notes"] = [timeout("synthetic timeout")]

    with api.writer("mosaic", {"config": str(config)}) as writer:
        [receipt] = writer.deliver([note("101")])

    assert receipt.status is ReceiptStatus.DELIVERED
    assert [r.headers["Idempotency-Key"] for r in gateway.requests] == [note("101").idempotency_key] * 2


def test_500s_fail_the_item_this_run_and_the_next_run_sends_it(config: Path, gateway) -> None:
    gateway.fail["/people/101/case-notes"] = [500, 502, 503]

    with api.writer("mosaic", {"config": str(config)}) as writer:
        [first] = writer.deliver([note("101")])
        waiting = writer.failed()
    with api.writer("mosaic", {"config": str(config)}) as writer:
        [second] = writer.deliver([note("101")])
    with api.writer("mosaic", {"config": str(config)}) as writer:
        [third] = writer.deliver([note("101")])

    assert (first.status, first.detail) == (ReceiptStatus.FAILED, "HTTP 503 Service Unavailable after 3 attempts")
    assert [(w.child_id, w.item_type, w.last_error) for w in waiting] == [("101", "CaseNote", first.detail)]
    assert second.status is ReceiptStatus.DELIVERED
    assert third.status is ReceiptStatus.DUPLICATE
    assert len(gateway.requests) == 4
    assert len(gateway.created) == 1


def test_429_waits_as_long_as_retry_after_says(config: Path, gateway) -> None:
    gateway.fail["/people/101/documents"] = [429]
    sleeps: list[float] = []
    settings = WriteBackSettings.from_file(config)
    mosaic = HttpGateway(
        settings.endpoint,
        paths=settings.paths,
        token_env=settings.token_env,
        backoff=5.0,
        max_wait=30.0,
        payloads=payload_builder(str(config), None),
        sleep=sleeps.append,
    )

    receipt = mosaic.deliver(document("101"))

    assert receipt.status is ReceiptStatus.DELIVERED
    assert sleeps == [1.0]  # the gateway's Retry-After, not the 5-second back-off


def test_a_batch_where_some_items_fail_loses_none_and_sends_none_twice(config: Path, gateway) -> None:
    items = [make(child) for child in ("101", "102", "103") for make in (document, note)]
    # Cassius's document is refused outright; his note meets an overloaded gateway all run long.
    gateway.fail["/people/103/documents"] = [422]
    gateway.fail["/people/103/case-notes"] = [503, 503, 503]

    with api.writer("mosaic", {"config": str(config)}) as writer:
        first = writer.deliver(items)
        waiting = {record.idempotency_key for record in writer.failed()}
    sent_first = len(gateway.requests)
    with api.writer("mosaic", {"config": str(config)}) as writer:
        second = writer.deliver(items)
    sent_second = len(gateway.requests) - sent_first
    with api.writer("mosaic", {"config": str(config)}) as writer:
        third = writer.deliver(items)

    assert [r.status.value for r in first] == ["delivered"] * 4 + ["failed"] * 2
    assert waiting == {items[4].idempotency_key, items[5].idempotency_key}
    assert [r.status.value for r in second] == ["duplicate"] * 4 + ["delivered"] * 2
    assert sent_second == 2
    assert all(r.status is ReceiptStatus.DUPLICATE for r in third)
    assert len(gateway.requests) == sent_first + sent_second
    # Each item created once at the gateway: none lost, none twice.
    assert sorted(key for _path, key in gateway.created) == sorted(item.idempotency_key for item in items)


def test_the_outbox_takes_the_items_when_no_gateway_is_set(tmp_path: Path) -> None:
    options = {"outbox": str(tmp_path / "outbox"), "state": f"sqlite:///{tmp_path / 'state.sqlite'}"}

    with api.writer("mosaic", options) as writer:
        receipts = writer.deliver([document("101"), note("101")])

    assert [r.status for r in receipts] == [ReceiptStatus.QUEUED, ReceiptStatus.QUEUED]
    assert sorted(p.suffix for p in (tmp_path / "outbox").iterdir()) == [".docx", ".json", ".json"]
