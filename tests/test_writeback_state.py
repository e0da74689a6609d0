"""The state store: claim before send, one winner between runs, leases, failures listed, alert generations."""

import datetime as dt
import threading
import time

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from permanence_core.errors import ConfigError
from permanence_core.writeback import Receipt, ReceiptStatus
from permanence_core.writeback.state import (
    ClaimOutcome,
    ClaimRequest,
    DeliveryStatus,
    RaisedAlert,
    StateStore,
    _insert_ignoring_duplicates,
    claim_transition,
    create_state_engine,
    deliveries,
    metadata,
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


def test_a_store_file_waits_30_seconds_for_another_runs_lock_and_an_in_memory_store_is_shared_across_threads(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    timeouts = {}
    for name, url in (
        ("file", f"sqlite:///{tmp_path / 'state.sqlite'}"),
        ("uri", f"sqlite:///file:{tmp_path / 'uri.sqlite'}?uri=true"),
    ):
        engine = create_state_engine(url)
        sa.event.listen(engine, "do_connect", lambda _d, _r, _a, params, name=name: timeouts.update({name: params}))
        StateStore(engine=engine).close()
    assert {name: params.get("timeout") for name, params in timeouts.items()} == {"file": 30, "uri": 30}
    # One connection shared by every thread, or each would see its own empty in-memory database.
    for url in ("sqlite://", "sqlite:///:memory:"):
        store = StateStore(url)
        errors = []

        def claim_in_another_thread(store=store, errors=errors):
            try:
                store.claim([request("k1")], T0, LEASE)
            except Exception as exc:  # the assertion below names it
                errors.append(exc)

        worker = threading.Thread(target=claim_in_another_thread)
        worker.start()
        worker.join()
        assert errors == []
        assert store.delivery("k1").status is DeliveryStatus.SENDING
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite", "uri.sqlite"]


def test_a_sqlite_uri_names_its_own_file_so_nothing_is_created_for_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite:///file:sub/state.sqlite", "sqlite:///sub/state.sqlite?uri=true"):
        engine = create_state_engine(url)
        assert engine.url == sa.engine.make_url(url)
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_a_store_given_an_engine_uses_it_and_opens_no_file_of_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = create_state_engine("sqlite://")
    store = StateStore(engine=engine)
    assert store.engine is engine
    assert list(tmp_path.iterdir()) == []


def test_a_url_that_cannot_be_opened_is_named_with_its_password_hidden(tmp_path):
    plugin = "Can't load plugin: sqlalchemy.dialects:mysql.nosuchdriver"
    with pytest.raises(ConfigError) as text_url:
        StateStore("mysql+nosuchdriver://h/db")
    assert str(text_url.value) == f"write-back state: cannot open state store 'mysql+nosuchdriver://h/db': {plugin}"
    with pytest.raises(ConfigError) as url_object:
        StateStore(sa.engine.make_url("mysql+nosuchdriver://user:s3cret@h/db"))
    assert str(url_object.value) == (
        f"write-back state: cannot open state store 'mysql+nosuchdriver://user:***@h/db': {plugin}"
    )
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError) as folder:
        StateStore(f"sqlite:///{tmp_path / 'a-file' / 'state.sqlite'}")
    # The OS's reason after the colon ("File exists" on Linux) differs between systems.
    assert str(folder.value).startswith(f"write-back state: cannot create folder {tmp_path / 'a-file'}: ")


def test_only_sqlite_and_postgresql_can_claim_atomically():
    def engine(name):
        return sa.create_mock_engine(f"{name}://", executor=lambda *_args: None)

    claim = _insert_ignoring_duplicates(engine("postgresql"), deliveries)
    assert claim.compile(dialect=postgresql.dialect()).string.endswith("ON CONFLICT DO NOTHING")
    assert isinstance(claim, postgresql.Insert)
    with pytest.raises(ConfigError) as mysql:
        _insert_ignoring_duplicates(engine("mysql"), deliveries)
    assert str(mysql.value) == "write-back state: database 'mysql' is not supported: use sqlite or postgresql"


def test_creating_the_tables_is_tried_once_more_than_there_are_tables_then_refused(url, monkeypatch):
    calls = []

    def failing(times):
        def create_all(_engine):
            calls.append(1)
            if len(calls) <= times:
                raise sa.exc.OperationalError("CREATE TABLE", {}, Exception("table exists"))

        return create_all

    attempts = len(metadata.tables) + 1
    monkeypatch.setattr(metadata, "create_all", failing(attempts - 1))
    StateStore(url).close()
    assert len(calls) == attempts
    calls.clear()
    monkeypatch.setattr(metadata, "create_all", failing(attempts))
    with pytest.raises(ConfigError) as refused:
        StateStore(url)
    assert str(refused.value) == "write-back state: cannot open state store: table exists"
    assert len(calls) == attempts


def test_timestamps_are_stored_as_utc_whatever_the_machines_zone_and_offset(url, monkeypatch):
    # A POSIX zone rule (UTC+05:30, written with POSIX's inverted sign): it needs no zone files, which a minimal
    # machine may lack (and a zone name it cannot find would quietly be UTC, where the fault passes).
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    assert time.localtime(0).tm_gmtoff == 5 * 3600 + 30 * 60
    try:
        store = StateStore(url)
        plus_one = dt.timezone(dt.timedelta(hours=1))
        at = dt.datetime(2025, 3, 3, 10, 30, tzinfo=plus_one)
        claim = store.claim([request("k1")], at, LEASE)["k1"]
        assert store.finish_all([(claim, Receipt(idempotency_key="k1", status="delivered"))], at) == [True]
        assert store.record_raised([attrs.evolve(raised(1), raised_at=at)]) == 1
        with store.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT last_attempt_at FROM writeback_deliveries").scalar_one()
            raised_at = conn.exec_driver_sql("SELECT raised_at FROM writeback_raised_alerts").scalar_one()
        assert (stored, raised_at) == ("2025-03-03 09:30:00.000000", "2025-03-03 09:30:00.000000")
        assert store.delivery("k1").last_attempt_at == dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.UTC)
        store.close()
    finally:
        monkeypatch.undo()  # the machine's own zone back before any other test runs
        time.tzset()


def test_a_naive_timestamp_is_refused_with_its_reason(store):
    with pytest.raises(sa.exc.StatementError) as refused:
        store.claim([request("k1")], dt.datetime(2025, 3, 3, 2, 0), LEASE)
    assert str(refused.value.orig) == "state store timestamps must be timezone-aware"


def test_the_per_row_statements_run_under_a_driver_that_takes_named_parameters(tmp_path):
    # PostgreSQL's driver takes parameters by name, SQLite's by position: the same rows must give the same store.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'named.sqlite'}", paramstyle="named")
    store = StateStore(engine=engine)
    claim = store.claim([request("k1")], T0, LEASE)["k1"]
    assert store.finish_all([(claim, Receipt(idempotency_key="k1", status="delivered", external_id="X9"))], T0)
    assert (store.delivery("k1").status, store.delivery("k1").external_id) == (DeliveryStatus.DELIVERED, "X9")
    assert store.record_raised([raised(1), attrs.evolve(raised(2, status="overdue"), raised_at=T0)]) == 2
    assert store.raised_alerts()[("C001", "review.first", dt.date(2025, 3, 3))].status == "overdue"
    store.close()
