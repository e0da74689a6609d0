"""A delivery run SIGKILLed between the other side taking an item and the store recording it: the rerun delivers
every item exactly once, counted where it arrives (the gateway's records per Idempotency-Key, the outbox's sidecars).
"""

import datetime as dt
import signal
from collections import Counter

import pytest
from faults_helpers import (
    KILL_PATHS,
    KILL_STEPS,
    RUN_CHUNK,
    KillSwitch,
    LocalGateway,
    go,
    kill_when_ready,
    killed_nights,
    make_items,
    start_run,
)

from permanence_core.writeback import AuditLog, HttpGateway, Outbox, ReceiptStatus, StateStore, WriteBack
from permanence_core.writeback.audit import AUDIT_FILE
from permanence_core.writeback.state import DeliveryStatus

COUNT = 30


def after_the_lease():
    # The next night's run: the killed run's claims are older than the lease, so they are taken over.
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)


@pytest.fixture
def state_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def audit_by_key(tmp_path):
    lines = AuditLog(tmp_path / AUDIT_FILE).read().entries
    return Counter(e.idempotency_key for e in lines), {e.idempotency_key: e.status for e in lines}


@pytest.mark.parametrize("kill_at", [1, 11, COUNT])
def test_killed_after_the_gateway_took_the_item_before_it_answered(tmp_path, state_url, kill_at):
    items = make_items(COUNT)
    switch = KillSwitch(at=kill_at)
    with LocalGateway(switch) as gateway:
        process = start_run("http", gateway.url, state_url, COUNT)
        switch.pid = process.pid
        go(process)
        assert process.wait(timeout=60) == -signal.SIGKILL
        killed = items[kill_at - 1].idempotency_key
        store = StateStore(state_url)
        in_flight = {r.idempotency_key for r in store.deliveries(DeliveryStatus.SENDING)}
        assert killed in in_flight
        assert {r.idempotency_key for r in store.deliveries(DeliveryStatus.DELIVERED)} == {
            i.idempotency_key for i in items[: kill_at - 1]
        }

        # Rerun the same night: what the dead run had claimed waits for its lease, and is not sent twice.
        with WriteBack(HttpGateway(gateway.url, sleep=lambda _s: None), StateStore(state_url)) as wb:
            receipts = wb.deliver(items)
        assert {r.idempotency_key for r in receipts if r.status is ReceiptStatus.HELD} == in_flight
        assert gateway.ledger.replayed == Counter()

        with WriteBack(
            HttpGateway(gateway.url, sleep=lambda _s: None), StateStore(state_url), now=after_the_lease
        ) as wb:
            receipts = wb.deliver(items)
        assert ReceiptStatus.FAILED not in {r.status for r in receipts}

    assert gateway.ledger.created == Counter({item.idempotency_key: 1 for item in items})
    # The one item the gateway took without answering came again, and its key made it a no-op.
    assert gateway.ledger.replayed == Counter({killed: 1})
    assert gateway.ledger.resent_after_answer == Counter()
    assert {r.status for r in StateStore(state_url).deliveries()} == {DeliveryStatus.DELIVERED}
    lines, last = audit_by_key(tmp_path)
    assert lines == Counter({item.idempotency_key: 1 for item in items})
    assert set(last.values()) == {"delivered"}


def test_killed_after_the_answer_arrived_before_the_store_recorded_it(tmp_path, state_url):
    items = make_items(COUNT)
    with LocalGateway() as gateway:
        process = start_run("http-answered", gateway.url, state_url, COUNT, stop_at=5)
        kill_when_ready(process)
        answered_not_recorded = items[4].idempotency_key
        assert StateStore(state_url).delivery(answered_not_recorded).status is DeliveryStatus.SENDING
        with WriteBack(
            HttpGateway(gateway.url, sleep=lambda _s: None), StateStore(state_url), now=after_the_lease
        ) as wb:
            assert ReceiptStatus.FAILED not in {r.status for r in wb.deliver(items)}
    assert gateway.ledger.created == Counter({item.idempotency_key: 1 for item in items})
    # Sent again because the dead run never recorded its answer; the gateway answered it as already done.
    assert gateway.ledger.resent_after_answer == Counter({answered_not_recorded: 1})
    # Killed before its audit line too: the rerun's line is the one record of that item.
    lines, last = audit_by_key(tmp_path)
    assert lines == Counter({item.idempotency_key: 1 for item in items})
    assert set(last.values()) == {"delivered"}


def sidecars(folder):
    return Counter(p.name for p in folder.glob("*.json"))


def test_killed_after_the_sidecar_was_written_before_the_store_recorded_it(tmp_path, state_url):
    items = make_items(COUNT)
    folder = tmp_path / "out"
    # Killed once the first group's files are in place: the 7th item is one of them.
    process = start_run("outbox", folder, state_url, COUNT, stop_at=1)
    kill_when_ready(process)
    queued_not_recorded = items[6]
    assert StateStore(state_url).delivery(queued_not_recorded.idempotency_key).status is DeliveryStatus.SENDING
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    with WriteBack(Outbox(folder), StateStore(state_url), now=after_the_lease) as wb:
        receipts = {r.idempotency_key: r for r in wb.deliver(items)}
    assert receipts[queued_not_recorded.idempotency_key].status is ReceiptStatus.DUPLICATE
    outbox = Outbox(folder)
    assert sidecars(folder) == Counter({f"{outbox.stem(i)}.json": 1 for i in items})
    # What the killed run wrote was found, not written again.
    assert all(folder.joinpath(name).stat().st_mtime_ns == mtime for name, mtime in before.items())
    assert {r.status for r in StateStore(state_url).deliveries()} <= {DeliveryStatus.QUEUED, DeliveryStatus.DUPLICATE}


def test_killed_in_the_middle_of_writing_a_file(tmp_path, state_url):
    items = make_items(COUNT)
    folder = tmp_path / "out"
    # Renames go document, its sidecar, note, alert, document...: the 9th is the third document's content. A group's
    # files are all written before the first is renamed, so the 9th and the group's later files are left written.
    process = start_run("outbox-torn", folder, state_url, COUNT, stop_at=9)
    kill_when_ready(process)
    left = sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))
    group_files = sum(2 if hasattr(item, "content") else 1 for item in items[:RUN_CHUNK])
    assert len(left) == group_files - 8

    with WriteBack(Outbox(folder), StateStore(state_url), now=after_the_lease) as wb:
        assert ReceiptStatus.FAILED not in {r.status for r in wb.deliver(items)}
    outbox = Outbox(folder)
    assert sidecars(folder) == Counter({f"{outbox.stem(i)}.json": 1 for i in items})
    documents = [i for i in items if hasattr(i, "content")]
    for document in documents:
        assert (folder / f"{outbox.stem(document)}.docx").read_bytes() == document.content
    # The dead run's half-written temporary file is all that is left over; upload tooling skips ".tmp-" names.
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith((".json", ".docx"))) == left


@pytest.mark.parametrize("step", KILL_STEPS)
@pytest.mark.parametrize("path", KILL_PATHS)
def test_nightly_runs_killed_at_every_step_lose_nothing_and_send_nothing_twice(tmp_path, path, step):
    # The small version of benchmarks/faults.py's kill rows: real processes, SIGKILL, counted where items arrive.
    outcome = killed_nights(path, step, count=16, seed=1, kills=2, scratch=tmp_path)
    assert outcome.kills >= 1
    assert (outcome.lost, outcome.duplicated) == (0, 0)
    # Every alert recorded as raised, and no claim left "sending" for ever.
    assert (outcome.unrecorded, outcome.sending) == (0, 0)
