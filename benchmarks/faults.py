"""Write-back under faults: N writes × M faults → lost, duplicated, counted where the items arrive.

Run: .venv/bin/python benchmarks/faults.py [--writes N] [--seeds 1,2,3] [--rate 0.3] [--kills 3]

For every fault kind and seed (deterministic: the same seed injects the same faults) the script delivers N items,
reruns until nothing fails (as the nightly job would), then counts on the receiving side: the gateway's records per
Idempotency-Key (and any key sent again after its answer had arrived), or the outbox's sidecars renamed into place.
The kill rows run the nightly job (raise_alerts) in real processes and SIGKILL each at a seeded point of one step
of an item's delivery (claim, send, receive, record, and recording what was raised) on the outbox and HTTP paths
(HTTP: a gateway on 127.0.0.1); M killed runs, each past the lease of the one before, then a run inside the last
one's lease and one the next night; then the receiving side counts every alert once, and the store has every
alert recorded as raised and no claim left "sending".
The fault machinery is the tests' own (tests/faults_helpers.py). Exits 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import logging
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
    KILL_PATHS,
    KILL_STEPS,
    FaultPlan,
    Gateway,
    KillOutcome,
    deliver_until_done,
    faulty_disk,
    gateway_writeback,
    killed_nights,
    make_items,
    mocked_gateway,
    outbox_lost,
)

from permanence_core.writeback import Outbox, StateStore, WriteBack


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


#: Every kill row's outcome, for the total line.
KILLED: list[KillOutcome] = []


def kill_row(path: str, step: str, seed: int, writes: int, kills: int) -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        outcome = killed_nights(path, step, writes, seed, kills, Path(scratch))
    KILLED.append(outcome)
    note = f"killed at {step}; then a run the same night and one the next"
    if outcome.replays:
        note += f"; {outcome.replays} replays absorbed by Idempotency-Key"
    if outcome.unrecorded or outcome.sending:
        note += f"; NOT RECORDED {outcome.unrecorded}, STILL SENDING {outcome.sending}"
    print(
        f"kill    {path + ' ' + step:<22} seed {seed:<3} {writes:>5} writes × {outcome.kills:>4} kills → "
        f"lost {outcome.lost}, duplicated {outcome.duplicated}  ({note})"
    )
    return outcome.lost == outcome.duplicated == outcome.unrecorded == outcome.sending == 0


def main(argv: list[str] | None = None) -> int:
    # Every injected fault is logged as an error by the write-back; here they are the point, not news.
    logging.getLogger("permanence_core").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300, help="items delivered in each scenario")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--rate", type=float, default=0.3, help="chance that an operation fails")
    parser.add_argument("--kills", type=int, default=3, help="nightly runs killed in each kill row")
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
    for path in KILL_PATHS:
        for step in KILL_STEPS:
            scenarios.append(lambda seed, p=path, s=step: kill_row(p, s, seed, args.writes, args.kills))
    start = time.perf_counter()
    results = [scenario(seed) for scenario in scenarios for seed in seeds]
    bad = results.count(False)
    if KILLED:
        lost = sum(o.lost for o in KILLED)
        duplicated = sum(o.duplicated for o in KILLED)
        print(
            f"kills in all: {args.writes * len(KILLED)} writes × {sum(o.kills for o in KILLED)} kills → "
            f"lost {lost}, duplicated {duplicated}"
        )
    print(f"{len(results)} rows in {time.perf_counter() - start:.1f} s: {bad} with anything lost or duplicated")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
