"""Gateway faults on a seeded plan (timeouts, 500/502/503, 429 Retry-After, connections reset before or after the
gateway took the item, answers lost): rerun until nothing fails, and the gateway holds each item exactly once.
"""

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from faults_helpers import (
    HTTP_AFTER,
    HTTP_BEFORE,
    HTTP_KINDS,
    FaultPlan,
    Gateway,
    deliver_until_done,
    gateway_writeback,
    make_items,
    mocked_gateway,
    property_examples,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from permanence_core.writeback import AuditLog, HttpGateway, StateStore, WriteBack
from permanence_core.writeback.audit import AUDIT_FILE
from permanence_core.writeback.state import DeliveryStatus


@pytest.fixture
def state_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", HTTP_KINDS)
def test_each_fault_kind_loses_nothing_and_duplicates_nothing(state_url, kind, seed):
    items = make_items(45)
    plan = FaultPlan([kind], rate=0.4, seed=seed)
    gateway = Gateway(plan)
    with mocked_gateway(gateway):
        deliver_until_done(items, gateway_writeback(state_url, max_attempts=2))
    assert plan.total > 0
    assert gateway.lost(items) == 0
    assert gateway.duplicated() == 0
    assert gateway.created == Counter({item.idempotency_key: 1 for item in items})
    # Only a fault after the gateway took the item makes the client send it again; its key makes that a no-op.
    if kind in HTTP_BEFORE:
        assert gateway.replayed == Counter()
    assert {r.status for r in StateStore(state_url).deliveries()} == {DeliveryStatus.DELIVERED}


def test_answers_lost_after_the_gateway_took_the_item_are_absorbed_by_the_key(state_url):
    items = make_items(45)
    plan = FaultPlan(HTTP_AFTER, rate=0.5, seed=7)
    gateway = Gateway(plan)
    with mocked_gateway(gateway):
        deliver_until_done(items, gateway_writeback(state_url, max_attempts=3))
    assert sum(gateway.replayed.values()) == plan.total
    assert gateway.duplicated() == 0


def test_every_fault_shows_in_the_audit_log_and_each_item_succeeds_there_once(tmp_path, state_url):
    items = make_items(30)
    plan = FaultPlan(HTTP_KINDS, rate=0.5, seed=11)
    gateway = Gateway(plan)
    with mocked_gateway(gateway):
        # One attempt per run, so each fault fails its item for that run and the audit shows it.
        runs, outcomes = deliver_until_done(items, gateway_writeback(state_url, max_attempts=1))
    entries = AuditLog(tmp_path / AUDIT_FILE).read().entries
    failed = [e for e in entries if e.status == "failed"]
    assert len(failed) == sum(o["failed"] for o in outcomes) == plan.total
    assert {e.error.split(" after ")[0] for e in failed} <= {
        "ConnectTimeout",
        "ReadTimeout",
        "ConnectionError",
        "HTTP 500 Internal Server Error",
        "HTTP 502 Bad Gateway",
        "HTTP 503 Service Unavailable",
        "HTTP 429 Too Many Requests",
    }
    succeeded = Counter(e.idempotency_key for e in entries if e.status == "delivered")
    assert succeeded == Counter({item.idempotency_key: 1 for item in items})
    assert runs > 1


def test_429_waits_as_long_as_the_gateway_asks(state_url):
    items = make_items(12)
    gateway = Gateway(FaultPlan(["429"], rate=0.5, seed=5))
    waits = []
    with mocked_gateway(gateway):
        deliver_until_done(
            items,
            lambda: WriteBack(
                HttpGateway("https://gateway.council.test/permanence", sleep=waits.append), StateStore(state_url)
            ),
        )
    assert waits and set(waits) == {7.0}
    assert gateway.duplicated() == 0


@settings(max_examples=property_examples(25), deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    rate=st.floats(min_value=0.05, max_value=0.7),
    count=st.integers(min_value=1, max_value=30),
    attempts=st.integers(min_value=1, max_value=3),
)
def test_any_mix_of_gateway_faults_ends_with_every_item_there_once(seed, rate, count, attempts):
    items = make_items(count)
    plan = FaultPlan(HTTP_KINDS, rate=rate, seed=seed)
    gateway = Gateway(plan)
    with tempfile.TemporaryDirectory() as folder, mocked_gateway(gateway):
        url = f"sqlite:///{Path(folder) / 'state.sqlite'}"
        deliver_until_done(items, gateway_writeback(url, max_attempts=attempts), max_runs=60)
    assert gateway.lost(items) == 0
    assert gateway.duplicated() == 0
