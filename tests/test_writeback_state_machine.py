"""The claim/lease/receipt state machine: the store's SQL does what ``state.TRANSITIONS`` says, for any sequence of
runs claiming, finishing, dying and coming back after their lease; and ``raise_alerts`` records as raised only
what arrived, so an item a killed run had claimed is sent by the first run after its lease (issue #14, class 1).
"""

import contextlib
import datetime as dt
from collections import Counter

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from test_writeback_alerts import alert, to_task

from permanence_core.writeback import Receipt, ReceiptStatus, StateStore, WriteBack
from permanence_core.writeback.state import (
    DONE,
    TRANSITIONS,
    ClaimOutcome,
    ClaimRequest,
    DeliveryStatus,
    claim_transition,
)

T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(hours=1)
KEYS = ("k1", "k2", "k3")
RUNS = ("a", "b", "c")


class Claims(RuleBasedStateMachine):
    """Runs claim and finish items against one store while time passes and runs die; a model follows the table."""

    def __init__(self):
        super().__init__()
        self.store = StateStore("sqlite://")
        self.now = T0
        self.rows: dict[str, tuple[DeliveryStatus, dt.datetime]] = {}
        self.held: dict[str, dict[str, object]] = {run: {} for run in RUNS}
        self.sent = Counter()

    @rule(run=st.sampled_from(RUNS), keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
    def claim(self, run, keys):
        requests = [ClaimRequest(idempotency_key=k, child_id="C1", item_type="WorkTrayAlert") for k in keys]
        claims = self.store.claim(requests, self.now, LEASE)
        for key in keys:
            status, at = self.rows.get(key, (None, None))
            outcome, after = claim_transition(status, at, self.now, LEASE)
            assert claims[key].outcome is outcome, (key, status, at, self.now)
            assert claims[key].record.status is after
            if outcome is ClaimOutcome.CLAIMED:
                self.rows[key] = (DeliveryStatus.SENDING, self.now)
                for other in RUNS:
                    # A claim taken over from a run whose lease expired is no longer that run's.
                    self.held[other].pop(key, None)
                self.held[run][key] = claims[key]
                self.sent[key] += 1

    @precondition(lambda self: any(self.held.values()))
    @rule(data=st.data(), status=st.sampled_from(list(ReceiptStatus)))
    def finish(self, data, status):
        if status is ReceiptStatus.HELD:
            status = ReceiptStatus.FAILED  # a transport never answers "held": only a claim does
        run = data.draw(st.sampled_from([r for r in RUNS if self.held[r]]))
        key = data.draw(st.sampled_from(sorted(self.held[run])))
        claim = self.held[run].pop(key)
        assert self.store.finish(claim, Receipt(idempotency_key=key, status=status), self.now)
        self.rows[key] = (DeliveryStatus(status.value), self.now)

    @rule(run=st.sampled_from(RUNS))
    def die(self, run):
        # SIGKILL: the run's claims stay "sending" in the store; only their lease frees them.
        self.held[run].clear()

    @rule(minutes=st.sampled_from([1, 30, 59, 60, 61, 120]))
    def wait(self, minutes):
        self.now += dt.timedelta(minutes=minutes)

    @invariant()
    def one_live_holder_at_most(self):
        holders = Counter(key for run in RUNS for key in self.held[run])
        assert all(count == 1 for count in holders.values())

    @invariant()
    def done_items_are_sent_once(self):
        for key, (status, _at) in self.rows.items():
            if status in DONE:
                # Sent again only by a claim taken after a failure or an expired lease, never after arriving.
                assert self.sent[key] >= 1

    def teardown(self):
        self.store.close()


Claims.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestClaims = Claims.TestCase


def test_the_table_covers_every_state_a_row_can_be_in():
    rows = {(status, lease) for status, lease in TRANSITIONS}
    assert (None, None) in rows
    assert {status for status, _lease in rows if status is not None} == set(DeliveryStatus)


class Dying:
    """A transport whose run is killed before it sends anything from the ``after``-th item on."""

    def __init__(self, after):
        self.after = after
        self.sent = Counter()

    def deliver(self, item):
        if sum(self.sent.values()) >= self.after:
            raise SystemExit("killed")
        self.sent[item.idempotency_key] += 1
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED)


def test_alerts_a_killed_run_had_claimed_are_sent_after_its_lease_not_recorded_as_raised(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    alerts = [alert(child=f"C{n:03d}") for n in range(20)]
    tray = Dying(after=5)
    # Killed with 8 claimed: 5 sent (and their delivery recorded), 3 not sent, nothing recorded as raised.
    with contextlib.suppress(SystemExit):
        WriteBack(tray, StateStore(url), chunk_size=8, now=lambda: T0, audit=None).raise_alerts(alerts, to_task)
    same_night = WriteBack(Dying(after=100), StateStore(url), now=lambda: T0 + LEASE / 2, audit=None)
    summary = same_night.raise_alerts(alerts, to_task).summary()
    # Held, so not recorded as raised (it used to come back "duplicate" and be recorded, and never be sent).
    assert (summary["held"], summary["duplicate"], summary["sent"]) == (3, 5, 12)
    next_night = WriteBack(Dying(after=100), StateStore(url), now=lambda: T0 + 2 * LEASE, audit=None)
    summary = next_night.raise_alerts(alerts, to_task).summary()
    assert (summary["sent"], summary["unchanged"], summary["held"]) == (3, 17, 0)
    sent = tray.sent + same_night.transport.sent + next_night.transport.sent
    assert sent == Counter({key: 1 for key in sent}) and len(sent) == 20
    last = WriteBack(Dying(after=100), StateStore(url), now=lambda: T0 + 3 * LEASE, audit=None)
    assert last.raise_alerts(alerts, to_task).summary()["unchanged"] == 20
    assert not StateStore(url).deliveries(DeliveryStatus.SENDING)
