"""Write-back under faults: N writes × M faults → lost, duplicated, counted where the items arrive.

Run: .venv/bin/python benchmarks/faults.py [--writes N] [--seeds 1,2,3] [--rate 0.3]

For every fault kind and seed (deterministic: the same seed injects the same faults) the script delivers N items,
reruns until nothing fails (as the nightly job would), then counts on the receiving side: the gateway's records per
Idempotency-Key (and any key sent again after its answer had arrived), or the outbox's sidecars renamed into place.
The kill rows run the delivery in a child process, SIGKILL it at a seeded item, and rerun after the claim lease.
The fault machinery is the tests' own (tests/faults_helpers.py). Exits 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# The tests folder is not a package: put it on the path to share the tests' fault machinery.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from faults_helpers import (
    DISK_KINDS,
    HTTP_KINDS,
    FaultPlan,
    Gateway,
    KillSwitch,
    LocalGateway,
    deliver_until_done,
    faulty_disk,
    gateway_writeback,
    go,
    kill_when_ready,
    make_items,
    mocked_gateway,
    outbox_lost,
    start_run,
)

from permanence_core.writeback import HttpGateway, Outbox, StateStore, WriteBack


def row(path: str, fault: str, seed: int, writes: int, faults: int, runs: int, lost: int, dup: int, note: str) -> bool:
    print(
        f"{path:<7} {fault:<22} seed {seed:<3} {writes:>5} writes × {faults:>4} faults → lost {lost}, duplicated {dup}"
        f"  ({runs} runs{', ' + note if note else ''})"
    )
    return lost == 0 and dup == 0


def http_row(kind: str, kinds: tuple[str, ...], seed: int, writes: int, rate: float) -> bool:
    items = make_items(writes)
    plan = FaultPlan(kinds, rate=rate, seed=seed)
    gateway = Gateway(plan)
    with tempfile.TemporaryDirectory() as scratch, mocked_gateway(gateway):
        runs, _ = deliver_until_done(items, gateway_writeback(f"sqlite:///{scratch}/state.sqlite", max_attempts=2))
    replays = sum(gateway.replayed.values())
    note = f"{replays} replays absorbed by Idempotency-Key"
    return row("http", kind, seed, writes, plan.total, runs, gateway.lost(items), gateway.duplicated(), note)


def disk_row(kind: str, kinds: tuple[str, ...], seed: int, writes: int, rate: float) -> bool:
    items = make_items(writes)
    plan = FaultPlan(kinds, rate=rate, seed=seed)
    with tempfile.TemporaryDirectory() as scratch, faulty_disk(plan) as disk:
        folder = Path(scratch) / "out"
        url = f"sqlite:///{scratch}/state.sqlite"
        runs, _ = deliver_until_done(items, lambda: WriteBack(Outbox(folder), StateStore(url), chunk_size=16))
        lost = outbox_lost(folder, items)
    return row("outbox", kind, seed, writes, plan.total, runs, lost, disk.duplicated(), "")


def next_night() -> dt.datetime:
    # The claims of a killed run are taken over once older than the lease (an hour by default).
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)


def kill_http_row(seed: int, writes: int) -> bool:
    items = make_items(writes)
    switch = KillSwitch(at=random.Random(seed).randint(1, writes))
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/state.sqlite"
        with LocalGateway(switch) as gateway:
            process = start_run("http", gateway.url, url, writes)
            switch.pid = process.pid
            go(process)
            process.wait(timeout=300)
            with WriteBack(HttpGateway(gateway.url), StateStore(url), now=next_night) as wb:
                wb.deliver(items)
    ledger = gateway.ledger
    note = f"killed at item {switch.at} before the answer; {sum(ledger.replayed.values())} replays absorbed"
    return row("kill", "http answer lost", seed, writes, 1, 2, ledger.lost(items), ledger.duplicated(), note)


def kill_outbox_row(seed: int, writes: int) -> bool:
    items = make_items(writes)
    stop_at = random.Random(seed).randint(1, writes)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "out"
        url = f"sqlite:///{scratch}/state.sqlite"
        kill_when_ready(start_run("outbox", folder, url, writes, stop_at=stop_at))
        before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")}
        with WriteBack(Outbox(folder), StateStore(url), now=next_night) as wb:
            wb.deliver(items)
        lost = outbox_lost(folder, items)
        # A sidecar written again by the rerun would carry a new modification time.
        rewritten = sum(1 for p in folder.glob("*.json") if p.name in before and p.stat().st_mtime_ns != before[p.name])
    note = f"killed after item {stop_at}'s sidecar, before the store"
    return row("kill", "outbox not recorded", seed, writes, 1, 2, lost, rewritten, note)


def main(argv: list[str] | None = None) -> int:
    # Every injected fault is logged as an error by the write-back; here they are the point, not news.
    logging.getLogger("permanence_core").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300, help="items delivered in each scenario")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--rate", type=float, default=0.3, help="chance that an operation fails")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"Write-back faults: {args.writes} writes per row, fault rate {args.rate}, seeds {args.seeds}")
    scenarios: list[Callable[[int], bool]] = []
    for kind in (*HTTP_KINDS, "mixed"):
        kinds = HTTP_KINDS if kind == "mixed" else (kind,)
        scenarios.append(lambda seed, k=kind, ks=kinds: http_row(k, ks, seed, args.writes, args.rate))
    for kind in (*DISK_KINDS, "mixed"):
        kinds = DISK_KINDS if kind == "mixed" else (kind,)
        scenarios.append(lambda seed, k=kind, ks=kinds: disk_row(k, ks, seed, args.writes, args.rate))
    scenarios.append(lambda seed: kill_http_row(seed, args.writes))
    scenarios.append(lambda seed: kill_outbox_row(seed, args.writes))
    start = time.perf_counter()
    results = [scenario(seed) for scenario in scenarios for seed in seeds]
    bad = results.count(False)
    print(f"{len(results)} rows in {time.perf_counter() - start:.1f} s: {bad} with anything lost or duplicated")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
