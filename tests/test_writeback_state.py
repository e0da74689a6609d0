"""The state store: claim before send, one winner between runs, leases, failures listed, alert generations."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from permanence_core.errors import ConfigError
from permanence_core.writeback import Receipt, ReceiptStatus
from permanence_core.writeback.state import (
    ClaimOutcome,
    ClaimRequest,
    DeliveryStatus,
    RaisedAlert,
    StateStore,
    claim_transition,
    deliveries,
)

T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(hours=1)


def request(key, child="C001"):
    return ClaimRequest(idempotency_key=key, child_id=child, item_type="CaseNote")


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


@pytest.fixture
def store(url):
    s = StateStore(url)
    yield s
    s.close()


def test_a_new_item_is_claimed_once_and_recorded(store):
    claims = store.claim([request("k1")], T0, LEASE)
    claim = claims["k1"]
    assert claim.outcome is ClaimOutcome.CLAIMED
    assert claim.record.status is DeliveryStatus.SENDING
    assert claim.record.attempts == 1
    assert store.finish(claim, Receipt(idempotency_key="k1", status="delivered", external_id="N1"), T0)
    record = store.delivery("k1")
    assert record.status is DeliveryStatus.DELIVERED
    assert record.external_id == "N1"
    assert record.first_attempt_at == T0
    assert record.last_attempt_at.tzinfo is not None


def test_a_delivered_item_is_done_for_every_later_claim(store):
    claim = store.claim([request("k1")], T0, LEASE)["k1"]
    store.finish(claim, Receipt(idempotency_key="k1", status=ReceiptStatus.QUEUED, location="/out/x.json"), T0)
    later = store.claim([request("k1")], T0 + dt.timedelta(days=3), LEASE)["k1"]
    assert later.outcome is ClaimOutcome.DONE
    assert later.record.location == "/out/x.json"
    assert later.record.attempts == 1


def test_two_stores_on_one_file_cannot_both_claim(url):
    first, second = StateStore(url), StateStore(url)
    try:
        a = first.claim([request("k1"), request("k2")], T0, LEASE)
        b = second.claim([request("k2"), request("k3")], T0, LEASE)
        assert a["k1"].outcome is a["k2"].outcome is ClaimOutcome.CLAIMED
        assert b["k2"].outcome is ClaimOutcome.HELD
        assert b["k3"].outcome is ClaimOutcome.CLAIMED
    finally:
        first.close()
        second.close()


def test_a_failed_item_is_listed_and_claimable_again_with_its_attempts_counted(store):
    claim = store.claim([request("k1", child="C042")], T0, LEASE)["k1"]
    store.finish(claim, Receipt(idempotency_key="k1", status="failed", detail="HTTP 503 after 4 attempts"), T0)
    [failed] = store.failed()
    assert (failed.idempotency_key, failed.child_id, failed.last_error) == ("k1", "C042", "HTTP 503 after 4 attempts")
    again = store.claim([request("k1")], T0 + dt.timedelta(days=1), LEASE)["k1"]
    assert again.outcome is ClaimOutcome.CLAIMED
    assert again.record.attempts == 2
    assert again.record.first_attempt_at == T0
    store.finish(again, Receipt(idempotency_key="k1", status="delivered"), T0 + dt.timedelta(days=1))
    assert store.failed() == []
    assert store.delivery("k1").last_error is None


def test_only_one_of_two_runs_reclaims_a_failed_item(url):
    first, second = StateStore(url), StateStore(url)
    try:
        claim = first.claim([request("k1")], T0, LEASE)["k1"]
        first.finish(claim, Receipt(idempotency_key="k1", status="failed", detail="x"), T0)
        later = T0 + dt.timedelta(days=1)
        outcomes = [
            first.claim([request("k1")], later, LEASE)["k1"].outcome,
            second.claim([request("k1")], later, LEASE)["k1"].outcome,
        ]
        assert outcomes == [ClaimOutcome.CLAIMED, ClaimOutcome.HELD]
    finally:
        first.close()
        second.close()


def test_a_stale_claim_is_taken_over_after_the_lease_and_the_old_owner_cannot_record(store):
    old = store.claim([request("k1")], T0, LEASE)["k1"]
    assert store.claim([request("k1")], T0 + LEASE - dt.timedelta(seconds=1), LEASE)["k1"].outcome is ClaimOutcome.HELD
    new = store.claim([request("k1")], T0 + LEASE + dt.timedelta(seconds=1), LEASE)["k1"]
    assert new.outcome is ClaimOutcome.CLAIMED
    assert new.record.attempts == 2
    assert not store.finish(old, Receipt(idempotency_key="k1", status="failed", detail="late"), T0 + LEASE)
    assert store.finish(new, Receipt(idempotency_key="k1", status="delivered"), T0 + LEASE)
    assert store.delivery("k1").status is DeliveryStatus.DELIVERED


def test_timestamps_must_be_timezone_aware(store):
    with pytest.raises(sa.exc.StatementError):
        store.claim([request("k1")], dt.datetime(2025, 3, 3, 2, 0), LEASE)


def test_the_store_holds_ids_and_outcomes_only(store):
    assert set(deliveries.c.keys()) == {
        "idempotency_key",
        "child_id",
        "item_type",
        "status",
        "external_id",
        "location",
        "attempts",
        "first_attempt_at",
        "last_attempt_at",
        "last_error",
        "claim_token",
    }


def test_an_in_memory_store_keeps_its_rows_across_connections():
    store = StateStore("sqlite://")
    store.claim([request("k1")], T0, LEASE)
    assert store.delivery("k1").status is DeliveryStatus.SENDING


def test_an_unusable_url_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot open state store"):
        StateStore("nonsense://x")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError, match="cannot create folder"):
        StateStore(f"sqlite:///{tmp_path / 'a-file' / 'state.sqlite'}")


def test_the_folder_of_a_sqlite_file_is_created(tmp_path):
    StateStore(f"sqlite:///{tmp_path / 'new' / 'dir' / 'state.sqlite'}").close()
    assert (tmp_path / "new" / "dir" / "state.sqlite").is_file()


def raised(generation, status="upcoming", due=dt.date(2025, 4, 1)):
    return RaisedAlert(
        child_id="C001",
        rule="review.first",
        anchor_date=dt.date(2025, 3, 3),
        status=status,
        due_date=due,
        fingerprint=f"{status}-{due}",
        generation=generation,
        raised_at=T0,
    )


def test_raised_alert_generations_replace_only_their_predecessor(store):
    assert store.record_raised([raised(1)]) == 1
    assert store.record_raised([raised(1, status="overdue")]) == 0
    assert store.record_raised([raised(3, status="overdue")]) == 0
    assert store.record_raised([raised(2, status="overdue")]) == 1
    [state] = store.raised_alerts().values()
    assert (state.status, state.generation) == ("overdue", 2)
    assert state.key == ("C001", "review.first", dt.date(2025, 3, 3))


def test_runs_opening_a_new_store_together_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    errors = []

    def open_store():
        try:
            StateStore(url).close()
        except ConfigError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_claim_is_held_up_to_the_last_instant_of_the_lease_and_taken_over_after_it(store):
    tick = dt.timedelta(microseconds=1)
    sending = DeliveryStatus.SENDING
    assert claim_transition(None, None, T0, LEASE) == (ClaimOutcome.CLAIMED, sending)
    assert claim_transition(DeliveryStatus.FAILED, T0, T0, LEASE) == (ClaimOutcome.CLAIMED, sending)
    assert claim_transition(DeliveryStatus.DELIVERED, T0, T0, LEASE) == (ClaimOutcome.DONE, DeliveryStatus.DELIVERED)
    assert claim_transition(sending, T0, T0 + LEASE, LEASE) == (ClaimOutcome.HELD, sending)
    assert claim_transition(sending, T0, T0 + LEASE + tick, LEASE) == (ClaimOutcome.CLAIMED, sending)
    # The store's SQL draws the line at the same instant.
    store.claim([request("k1")], T0, LEASE)
    assert store.claim([request("k1")], T0 + LEASE, LEASE)["k1"].outcome is ClaimOutcome.HELD
    assert store.claim([request("k1")], T0 + LEASE + tick, LEASE)["k1"].outcome is ClaimOutcome.CLAIMED


def test_a_delivery_record_reads_as_json_with_its_status_and_times_as_text(store):
    claim = store.claim([request("k1", child="C042")], T0, LEASE)["k1"]
    store.finish(claim, Receipt(idempotency_key="k1", status="failed", detail="HTTP 503 after 4 attempts"), T0)
    assert store.delivery("k1").to_dict() == {
        "idempotency_key": "k1",
        "child_id": "C042",
        "item_type": "CaseNote",
        "status": "failed",
        "external_id": None,
        "location": None,
        "attempts": 1,
        "first_attempt_at": "2025-03-03T02:00:00+00:00",
        "last_attempt_at": "2025-03-03T02:00:00+00:00",
        "last_error": "HTTP 503 after 4 attempts",
    }
