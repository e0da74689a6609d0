"""Publishing through the ledger: each document and alert once, even from two runs at once; history kept."""

import datetime as dt
import threading
import time

import pytest
from ledger_helpers import BACKENDS, D, database

from permanence_core.rules import Alert, AlertStatus
from permanence_core.tracker.entries import Produced
from permanence_core.tracker.ledger import Ledger
from permanence_core.writeback import DocumentUpload, Receipt, ReceiptStatus, WorkTrayAlert


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


class Gateway:
    """A transport that remembers every item it was given; slow enough for two runs to overlap."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.sent = []
        self.lock = threading.Lock()

    def deliver(self, item):
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(item.idempotency_key)
        return Receipt(idempotency_key=item.idempotency_key, status="delivered", location=f"/docs/{item.child_id}")


def minutes(child_id, text=b"minutes"):
    return DocumentUpload(
        child_id=child_id,
        document_type="panel-minutes",
        filename=f"{child_id}-panel-2025-03-13.docx",
        content=text + child_id.encode(),
    )


def alert(child_id, status="upcoming"):
    return Alert(
        child_id=child_id,
        rule="review.second",
        status=AlertStatus(status),
        due_date=D(2025, 3, 20),
        anchor_event="first review held",
        anchor_date=D(2024, 12, 20),
        message="Second review due",
        source="CPPCR 2010 reg 33",
        title="Second review",
    )


def to_task(change):
    return WorkTrayAlert(
        child_id=change.child_id,
        recipient_role="team_manager",
        title=f"{change.rule}: {change.status}",
        body="Synthetic alert body",
        due_date=change.due_date,
    )


def test_two_runs_at_once_publish_each_document_and_alert_once(ledger_url):
    gateway = Gateway(delay=0.01)
    documents = [minutes(f"C{n}") for n in range(12)]
    alerts = [alert(f"C{n}") for n in range(12)]
    Ledger(ledger_url).close()
    barrier = threading.Barrier(2)
    receipts, runs, errors = [], [], []

    def run():
        with Ledger(ledger_url) as ledger:
            barrier.wait()
            try:
                receipts.append(ledger.publish(documents, gateway))
                runs.append(ledger.raise_alerts(alerts, to_task, gateway))
            except Exception as exc:  # collected: a thread's exception would otherwise be lost
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(gateway.sent) == len(set(gateway.sent)) == 24
    for key in {d.idempotency_key for d in documents}:
        outcomes = sorted(r.status.value for batch in receipts for r in batch if r.idempotency_key == key)
        # The other run found it delivered (duplicate) or still held by the first run's claim (held).
        assert outcomes in (["delivered", "duplicate"], ["delivered", "held"])
    with Ledger(ledger_url) as ledger:
        assert len(ledger.state_store().raised_alerts()) == 12
        assert [(a.child_id, a.generation) for a in ledger.alert_history("C3")] == [("C3", 1)]


def test_an_alert_is_raised_again_only_when_it_changes(ledger_url):
    gateway = Gateway()
    with Ledger(ledger_url) as ledger:
        assert ledger.raise_alerts([alert("C1")], to_task, gateway).summary()["new"] == 1
        assert ledger.raise_alerts([alert("C1")], to_task, gateway).summary()["unchanged"] == 1
        assert ledger.raise_alerts([alert("C1", "overdue")], to_task, gateway).summary()["changed"] == 1
        assert ledger.raise_alerts([], to_task, gateway, resolved_in=["C1"]).summary()["resolved"] == 1
        assert ledger.raise_alerts([], to_task, gateway, resolved_in=["C1"]).changes == ()
        history = ledger.alert_history("C1")
    assert [(h.generation, h.status) for h in history] == [(1, "upcoming"), (2, "overdue"), (3, "resolved")]
    assert len(gateway.sent) == 3


def test_documents_produced_and_where_they_went(ledger_url):
    gateway = Gateway()
    sent, kept = minutes("C1"), minutes("C2")
    now = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)
    with Ledger(ledger_url) as ledger:
        produced = Produced.from_upload(sent, meeting_id="panel-2025-03-13", path="/out/C1.docx")
        ledger.record_documents([produced, Produced.from_upload(kept, meeting_id="panel-2025-03-13")], now)
        ledger.record_documents([produced], now + dt.timedelta(days=1))
        pack = Produced.panel_document("panel-pack", "pack.docx", b"pack", meeting_id="panel-2025-03-13")
        ledger.record_documents([pack], now)
        [receipt] = ledger.publish([sent], gateway)
        assert receipt.status is ReceiptStatus.DELIVERED
        documents = {d.child_id: d for d in ledger.documents()}
    assert documents["C1"].delivery_status == "delivered"
    assert documents["C1"].location == "/docs/C1"
    assert documents["C1"].produced_at == now
    assert (documents["C1"].path, documents["C1"].size) == ("/out/C1.docx", len(sent.content))
    assert documents["C2"].delivery_status is None
    assert (documents[None].document_type, documents[None].size) == ("panel-pack", 4)
