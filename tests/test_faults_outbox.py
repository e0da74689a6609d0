"""Outbox faults on a seeded plan (disk full at create or mid-write, write, fsync and rename errors, a folder sync
failing after the rename): rerun until nothing fails, and the outbox holds each item's sidecar exactly once.
"""

import json
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from faults_helpers import (
    DISK_KINDS,
    FaultPlan,
    deliver_until_done,
    faulty_disk,
    make_items,
    outbox_lost,
    property_examples,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from permanence_core.writeback import AuditLog, DocumentUpload, Outbox, StateStore, WriteBack
from permanence_core.writeback.audit import AUDIT_FILE
from permanence_core.writeback.outbox import sidecar


def outbox_writeback(folder, state_url):
    # Groups of 4: an outbox syncs its folder once per group, so small groups give the folder-sync faults their
    # chances (45 items, 12 syncs a run), and a failing sync fails a whole group.
    return lambda: WriteBack(Outbox(folder), StateStore(state_url), chunk_size=4)


def check_outbox(folder, items, disk):
    assert outbox_lost(folder, items) == 0
    assert disk.duplicated() == 0
    outbox = Outbox(folder)
    assert Counter(p.name for p in folder.glob("*.json")) == Counter(f"{outbox.stem(i)}.json" for i in items)
    # A failed write cleans up after itself: nothing half-written is left for the upload tooling.
    assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []
    for item in items:
        meta = json.loads((folder / f"{outbox.stem(item)}.json").read_text())
        if isinstance(item, DocumentUpload):
            assert (folder / meta.pop("file")).read_bytes() == item.content
        assert meta == sidecar(item)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", DISK_KINDS)
def test_each_disk_fault_loses_nothing_and_duplicates_nothing(tmp_path, kind, seed):
    items = make_items(45)
    folder = tmp_path / "out"
    plan = FaultPlan([kind], rate=0.3, seed=seed)
    with faulty_disk(plan) as disk:
        runs, _outcomes = deliver_until_done(items, outbox_writeback(folder, f"sqlite:///{tmp_path / 'state.sqlite'}"))
    assert plan.total > 0 and runs > 1
    check_outbox(folder, items, disk)


def test_a_folder_sync_failing_after_the_rename_is_found_on_disk_by_the_retry(tmp_path):
    items = make_items(30)
    folder = tmp_path / "out"
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    with faulty_disk(FaultPlan(["dir-sync-error"], rate=0.3, seed=4)) as disk:
        deliver_until_done(items, outbox_writeback(folder, url))
    check_outbox(folder, items, disk)
    # The sidecar had been renamed into place before its folder failed to sync; the retry found it there.
    found = {r.idempotency_key for r in StateStore(url).deliveries() if r.status.value == "duplicate"}
    assert found


def test_failed_attempts_are_recorded_by_error_type_only(tmp_path):
    items = make_items(30)
    folder = tmp_path / "out"
    with faulty_disk(FaultPlan(DISK_KINDS, rate=0.5, seed=9)) as disk:
        deliver_until_done(items, outbox_writeback(folder, f"sqlite:///{tmp_path / 'state.sqlite'}"))
    entries = AuditLog(tmp_path / AUDIT_FILE).read().entries
    failed = [e for e in entries if e.status == "failed"]
    assert failed
    assert {e.error for e in failed} == {"OSError while delivering"}
    done = Counter(e.idempotency_key for e in entries if e.status in ("queued", "duplicate"))
    assert done == Counter({item.idempotency_key: 1 for item in items})
    check_outbox(folder, items, disk)


@settings(max_examples=property_examples(25), deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    rate=st.floats(min_value=0.05, max_value=0.6),
    count=st.integers(min_value=1, max_value=30),
)
def test_any_mix_of_disk_faults_ends_with_every_sidecar_there_once(seed, rate, count):
    items = make_items(count)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "out"
        with faulty_disk(FaultPlan(DISK_KINDS, rate=rate, seed=seed)) as disk:
            deliver_until_done(items, outbox_writeback(folder, f"sqlite:///{Path(scratch) / 's.sqlite'}"), max_runs=60)
        check_outbox(folder, items, disk)
