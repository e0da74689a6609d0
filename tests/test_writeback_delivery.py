"""WriteBack.deliver: failed items reported and retried next run, none lost, none sent twice, even with two runs."""

import datetime as dt
import json
import logging
import re
import threading
from collections import Counter

import pytest
import requests
import responses
from faults_helpers import property_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from permanence_core.errors import StoreError
from permanence_core.writeback import CaseNote, HttpGateway, Receipt, ReceiptStatus, StateStore, WriteBack
from permanence_core.writeback.audit import AUDIT_FILE, AuditLog
from permanence_core.writeback.service import CHUNK, GROUP_CHUNK
from permanence_core.writeback.state import ClaimRequest, DeliveryStatus

BASE = "https://gateway.council.test/permanence"


def notes(count, prefix="C"):
    return [
        CaseNote(
            child_id=f"{prefix}{n:03d}",
            note_type="PERM",
            title="Tracking panel outcome",
            contact_date=dt.date(2025, 3, 1),
            body=f"Synthetic body {n}.",
        )
        for n in range(count)
    ]


class Gateway:
    """A council gateway that honours Idempotency-Key: a replayed key gets the first answer, nothing new is created."""

    def __init__(self):
        self.created = Counter()
        self.requests = Counter()
        self.fail = {}

    def __call__(self, request):
        key = request.headers["Idempotency-Key"]
        self.requests[key] += 1
        failure = self.fail.get(key)
        if failure == "accept-then-timeout" and not self.created[key]:
            self.created[key] += 1
            return requests.exceptions.ReadTimeout("response lost")
        if failure is not None and failure != "accept-then-timeout":
            return failure
        if not self.created[key]:
            self.created[key] += 1
        return (201, {"Content-Type": "application/json"}, json.dumps({"id": f"N-{key[:6]}"}))


@pytest.fixture
def gateway():
    fake = Gateway()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, f"{BASE}/case-notes", callback=fake)
        yield fake


@pytest.fixture
def state_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def writeback(state_url, max_attempts=2):
    gw = HttpGateway(BASE, max_attempts=max_attempts, sleep=lambda _s: None)
    return WriteBack(gw, StateStore(state_url), chunk_size=4)


def statuses(receipts):
    return [r.status.value for r in receipts]


def test_a_partial_batch_failure_is_reported_then_retried_next_run_exactly_once(gateway, state_url):
    items = notes(10)
    broken = {items[2].idempotency_key, items[7].idempotency_key}
    gateway.fail = {key: (500, {}, "") for key in broken}

    with writeback(state_url) as first:
        receipts = first.deliver(items)
        assert [r.idempotency_key for r in receipts] == [i.idempotency_key for i in items]
        assert [r.status is ReceiptStatus.FAILED for r in receipts] == [i.idempotency_key in broken for i in items]
        assert {r.idempotency_key for r in first.failed()} == broken
        assert all("HTTP 500" in r.last_error for r in first.failed())

    sent_in_first_run = Counter(gateway.requests)
    gateway.fail = {}
    with writeback(state_url) as second:
        receipts = second.deliver(items)
        assert [r.status is ReceiptStatus.DELIVERED for r in receipts] == [i.idempotency_key in broken for i in items]
        assert all(r.status is ReceiptStatus.DUPLICATE for r in receipts if r.idempotency_key not in broken)
        assert second.failed() == []
        assert second.store.delivery(items[2].idempotency_key).attempts == 2

    assert gateway.created == Counter({item.idempotency_key: 1 for item in items})
    resent = {key for key in gateway.requests if gateway.requests[key] != sent_in_first_run[key]}
    assert resent == broken


def test_a_connection_reset_mid_batch_fails_that_item_only(gateway, state_url):
    items = notes(6)
    reset = items[3].idempotency_key
    gateway.fail = {reset: requests.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))}
    with writeback(state_url) as wb:
        receipts = wb.deliver(items)
    assert statuses(receipts) == ["delivered"] * 3 + ["failed"] + ["delivered"] * 2
    assert receipts[3].detail == "ConnectionError after 2 attempts"
    gateway.fail = {}
    with writeback(state_url) as wb:
        assert statuses(wb.deliver(items)) == ["duplicate"] * 3 + ["delivered"] + ["duplicate"] * 2
    assert set(gateway.created.values()) == {1}


def test_a_lost_response_is_retried_and_the_gateway_key_prevents_a_second_note(gateway, state_url):
    [item] = notes(1)
    gateway.fail = {item.idempotency_key: "accept-then-timeout"}
    with writeback(state_url) as wb:
        [receipt] = wb.deliver([item])
    assert receipt.status is ReceiptStatus.DELIVERED
    assert gateway.requests[item.idempotency_key] == 2
    assert gateway.created[item.idempotency_key] == 1


def test_a_rerun_of_a_delivered_batch_sends_nothing(gateway, state_url):
    items = notes(5)
    with writeback(state_url) as wb:
        assert statuses(wb.deliver(items)) == ["delivered"] * 5
    before = sum(gateway.requests.values())
    with writeback(state_url) as wb:
        receipts = wb.deliver(items)
    assert statuses(receipts) == ["duplicate"] * 5
    assert receipts[0].external_id == f"N-{items[0].idempotency_key[:6]}"
    assert sum(gateway.requests.values()) == before


def test_the_same_item_twice_in_one_batch_is_sent_once(gateway, state_url):
    [item] = notes(1)
    with writeback(state_url) as wb:
        receipts = wb.deliver([item, item])
    assert statuses(receipts) == ["delivered", "delivered"]
    assert gateway.requests[item.idempotency_key] == 1


def test_progress_is_reported_per_item(gateway, state_url):
    seen = []
    with writeback(state_url) as wb:
        wb.deliver(notes(5), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 5) for n in range(1, 6)]


class Recording:
    """A transport that remembers what it delivered and can misbehave for chosen children."""

    def __init__(self, raise_for=(), during=None):
        self.sent = Counter()
        self.raise_for = set(raise_for)
        self.during = during
        self.lock = threading.Lock()

    def deliver(self, item):
        if item.child_id in self.raise_for:
            raise RuntimeError("Jane Doe's note could not be rendered")
        if self.during is not None:
            self.during(item)
        with self.lock:
            self.sent[item.idempotency_key] += 1
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED)


def test_a_transport_exception_fails_one_item_and_keeps_personal_text_out_of_the_record(state_url):
    items = notes(3)
    transport = Recording(raise_for={"C001"})
    with WriteBack(transport, StateStore(state_url)) as wb:
        receipts = wb.deliver(items)
        assert statuses(receipts) == ["delivered", "failed", "delivered"]
        [failed] = wb.failed()
        assert failed.last_error == "RuntimeError while delivering"
        assert "Jane" not in receipts[1].detail


def test_a_transport_exception_text_never_reaches_a_log(tmp_path, caplog):
    # An exception's text can quote the gateway's reply, and that can hold the child's details.
    personal = "Jane Doe, born 01/02/2015"
    with caplog.at_level(logging.DEBUG):
        with WriteBack(Recording(raise_for={"C001"}), StateStore(f"sqlite:///{tmp_path / 'a' / 'state.sqlite'}")) as wb:
            assert statuses(wb.deliver(notes(2))) == ["delivered", "failed"]
        with responses.RequestsMock() as gateway:
            gateway.post(re.compile(f"{re.escape(BASE)}/.*"), body=requests.ConnectionError(f"reply: {personal}"))
            http = HttpGateway(BASE, max_attempts=2, sleep=lambda _s: None)
            with WriteBack(http, StateStore(f"sqlite:///{tmp_path / 'b' / 'state.sqlite'}")) as wb:
                assert statuses(wb.deliver(notes(1))) == ["failed"]
    # Every record as a handler would write it, traceback included.
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    audits = "\n".join((tmp_path / run / AUDIT_FILE).read_text() for run in ("a", "b"))
    for text in (logged, audits):
        assert "Jane" not in text and "01/02/2015" not in text
    # The failures themselves are not hidden: the exception's type and the item are.
    assert "C001" in logged and "RuntimeError" in logged and "ConnectionError" in logged
    assert f"write-back {notes(2)[1].idempotency_key} of child C001 failed: RuntimeError" in caplog.messages


def test_a_payload_builder_error_text_never_reaches_a_log_the_audit_or_the_store(tmp_path, caplog):
    # The builder is adapter code handed the whole item; its message may quote a name or a date of birth.
    def refuses(item):
        raise ValueError(f"no case worker for Jane Doe, born 01/02/2015 ({item.child_id})")

    http = HttpGateway(BASE, payloads=refuses, sleep=lambda _s: None)
    store = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")
    with caplog.at_level(logging.DEBUG), responses.RequestsMock(), WriteBack(http, store) as wb:
        assert statuses(wb.deliver(notes(1))) == ["failed"]
        [failed] = wb.failed()
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    audit = (tmp_path / AUDIT_FILE).read_text()
    for text in (logged, audit, failed.last_error):
        assert "Jane" not in text and "01/02/2015" not in text
    # The failure is not hidden: the item and the error's class are recorded.
    assert failed.child_id == "C000" and failed.last_error == "payload: ValueError"
    assert json.loads(audit.splitlines()[-1])["error"] == "payload: ValueError"


def test_nothing_is_sent_without_a_claim_when_the_store_is_unavailable(state_url, monkeypatch, caplog):
    transport = Recording()
    store = StateStore(state_url)

    def locked(*_args, **_kwargs):
        raise StoreError("write-back state store sqlite:///state.sqlite: database is locked")

    monkeypatch.setattr(store, "claim", locked)
    with WriteBack(transport, store) as wb:
        receipts = wb.deliver(notes(3))
    assert statuses(receipts) == ["failed"] * 3
    assert (
        receipts[0].detail
        == "state store unavailable (write-back state store sqlite:///state.sqlite: database is locked)"
    )
    assert transport.sent == Counter()
    assert [r.idempotency_key for r in receipts] == [item.idempotency_key for item in notes(3)]
    assert caplog.messages == [
        "write-back state store unavailable: write-back state store sqlite:///state.sqlite: database is locked"
    ]


def test_a_second_run_started_while_the_first_is_sending_does_not_send_again(state_url):
    items = notes(3)
    second = WriteBack(Recording(), StateStore(state_url))
    second_receipts = []

    def meanwhile(item):
        if not second_receipts:
            second_receipts.extend(second.deliver(items))

    first = WriteBack(Recording(during=meanwhile), StateStore(state_url))
    try:
        assert statuses(first.deliver(items)) == ["delivered"] * 3
    finally:
        first.close()
        second.close()
    # Held, not "duplicate": the first run's claim says nothing yet about the items arriving.
    assert statuses(second_receipts) == ["held"] * 3
    assert all(r.detail.startswith("another run holds this item until") for r in second_receipts)
    assert second.transport.sent == Counter()


def test_two_writebacks_on_one_sqlite_store_in_parallel_send_each_item_once(state_url):
    items = notes(120)
    transport = Recording()
    results = {}

    def run(name):
        with WriteBack(transport, StateStore(state_url), chunk_size=7) as wb:
            results[name] = wb.deliver(items)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert transport.sent == Counter({item.idempotency_key: 1 for item in items})
    for a, b in zip(results["a"], results["b"], strict=True):
        # The loser finds it delivered (duplicate) or still held by the winner's claim (held).
        assert sorted([a.status.value, b.status.value]) in (["delivered", "duplicate"], ["delivered", "held"])
    store = StateStore(state_url)
    assert {r.status for r in store.deliveries()} == {DeliveryStatus.DELIVERED}
    store.close()


class Flaky:
    """Fails the items a test plan says, run by run, and counts what it accepted."""

    def __init__(self):
        self.accepted = Counter()
        self.failing = set()
        self.after_accept = []

    def deliver(self, item):
        key = item.idempotency_key
        if key in self.failing:
            return Receipt(idempotency_key=key, status=ReceiptStatus.FAILED, detail="HTTP 503")
        if self.accepted[key]:
            self.after_accept.append(key)
        self.accepted[key] += 1
        return Receipt(idempotency_key=key, status=ReceiptStatus.DELIVERED)


@settings(max_examples=property_examples(60), deadline=None)
@given(
    count=st.integers(min_value=1, max_value=25),
    plans=st.lists(st.sets(st.integers(min_value=0, max_value=24)), min_size=1, max_size=4),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_whatever_fails_along_the_way_every_item_is_delivered_exactly_once(count, plans, chunk):
    items = notes(count)
    transport = Flaky()
    store = StateStore("sqlite://")
    wb = WriteBack(transport, store, chunk_size=chunk)
    for failing in [*plans, set()]:
        transport.failing = {items[i].idempotency_key for i in failing if i < count}
        receipts = wb.deliver(items)
        failed = {r.idempotency_key for r in receipts if r.status is ReceiptStatus.FAILED}
        assert failed == {r.idempotency_key for r in wb.failed()}
    wb.close()
    assert transport.accepted == Counter({item.idempotency_key: 1 for item in items})
    assert transport.after_accept == []


def test_a_claim_another_run_holds_is_held_until_this_runs_lease_ends_and_taken_over_after_it(state_url):
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    items = notes(2)
    store = StateStore(state_url)
    store.claim(
        [ClaimRequest(idempotency_key=i.idempotency_key, child_id=i.child_id, item_type="CaseNote") for i in items], at
    )
    lease = dt.timedelta(minutes=5)
    held = WriteBack(Recording(), store, lease=lease, now=lambda: at + dt.timedelta(minutes=1)).deliver(items[:1])
    assert [(r.status, r.idempotency_key, r.detail) for r in held] == [
        (ReceiptStatus.HELD, items[0].idempotency_key, "another run holds this item until 2025-03-01 09:05 UTC")
    ]
    # After this run's lease (not the store's default of an hour) the claim is taken to belong to a dead run.
    taken = WriteBack(Recording(), store, lease=lease, now=lambda: at + dt.timedelta(minutes=6)).deliver(items)
    assert statuses(taken) == ["delivered", "delivered"]


class Grouping(Recording):
    """A transport that, like an outbox, finds on retry what a killed run delivered."""

    def found_on_retry(self):
        return True


def test_items_a_retry_finds_are_recorded_a_chunk_at_a_time_and_others_one_by_one(state_url, monkeypatch):
    for transport, chunk, recorded in ((Grouping(), GROUP_CHUNK, [3]), (Recording(), CHUNK, [1, 1, 1])):
        store = StateStore(state_url)
        sizes = []
        finish_all = store.finish_all
        monkeypatch.setattr(
            store,
            "finish_all",
            lambda outcomes, now, f=finish_all, s=sizes: s.append(len(outcomes)) or f(outcomes, now),
        )
        items = notes(3, prefix=type(transport).__name__)
        with WriteBack(transport, store) as wb:
            assert (wb.chunk_size, statuses(wb.deliver(items))) == (chunk, ["delivered"] * 3)
            # The store records each item's type as the claim names it.
            assert [store.delivery(i.idempotency_key).item_type for i in items] == ["CaseNote"] * 3
        assert sizes == recorded


def test_an_audit_log_that_cannot_be_written_is_named_with_each_item_and_the_errors_type(tmp_path, caplog):
    folder = tmp_path / "audit-is-a-folder"
    folder.mkdir()
    items = notes(2)
    with WriteBack(Recording(), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), audit=AuditLog(folder)) as wb:
        assert statuses(wb.deliver(items)) == ["delivered", "delivered"]
    assert [m for m in caplog.messages if "audit" in m] == [
        f"write-back {item.idempotency_key} of child {item.child_id} not written to the audit log {folder}: "
        "IsADirectoryError"
        for item in items
    ]
