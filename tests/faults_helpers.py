"""Fault injection for write-back: a gateway and a disk that fail on a seeded plan, and what reached the other side.

Used by tests/test_faults_*.py and benchmarks/faults.py. The receiving side keeps the score: the gateway counts
the records it created per Idempotency-Key (and every key sent again after its answer had reached the client);
the outbox side counts each sidecar renamed into place.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import attrs
import requests
import responses

from permanence_core import private_files
from permanence_core.rules.obligations import Alert, AlertStatus
from permanence_core.writeback import (
    AlertChange,
    CaseNote,
    DocumentUpload,
    HttpGateway,
    Outbox,
    ReceiptStatus,
    StateStore,
    WorkTrayAlert,
    WriteBack,
    WriteBackItem,
)
from permanence_core.writeback.items import content_key
from permanence_core.writeback.service import alert_fingerprint
from permanence_core.writeback.state import DONE, DeliveryStatus

BASE = "https://gateway.council.test/permanence"

# Faults the gateway answers with before it has created anything, and those that lose the answer after it has.
HTTP_BEFORE = ("connect-timeout", "500", "502", "503", "429", "reset")
HTTP_AFTER = ("lost-answer", "reset-after-accept")
HTTP_KINDS = HTTP_BEFORE + HTTP_AFTER
DISK_KINDS = ("disk-full", "write-error", "fsync-error", "rename-error", "dir-sync-error")


def property_examples(full: int) -> int:
    """Examples per fault-injection property test: `full`, or at most PERMANENCE_PROPERTY_EXAMPLES if that is set.

    A mutation run sets it low (docs/mutation-testing.md): the property tests run once per mutant they reach, and
    at full size they cost minutes a mutant on a shared machine. `make test` always runs them in full.
    """
    limit = os.environ.get("PERMANENCE_PROPERTY_EXAMPLES")
    return min(full, int(limit)) if limit else full


def make_items(count: int) -> list[WriteBackItem]:
    """``count`` synthetic items, documents, case notes and work-tray alerts in turn, one child each."""
    made: list[WriteBackItem] = []
    for n in range(count):
        child = f"F{n:05d}"
        if n % 3 == 0:
            made.append(
                DocumentUpload(
                    child_id=child,
                    document_type="ppm-minutes",
                    filename="ppm-minutes.docx",
                    content=f"synthetic minutes {n}".encode() * 20,
                    title="PPM minutes",
                )
            )
        elif n % 3 == 1:
            made.append(
                CaseNote(
                    child_id=child,
                    note_type="PERM",
                    title="Tracking panel outcome",
                    contact_date=dt.date(2025, 3, 1),
                    body=f"Synthetic note {n}.",
                )
            )
        else:
            made.append(
                WorkTrayAlert(
                    child_id=child,
                    recipient_role="team_manager",
                    title="review.second overdue",
                    body=f"Synthetic alert {n}.",
                    due_date=dt.date(2025, 5, 3),
                )
            )
    return made


class FaultPlan:
    """Decides, operation by operation, whether to fail and how: the same seed gives the same faults."""

    def __init__(self, kinds: Sequence[str], rate: float, seed: int) -> None:
        self.kinds = tuple(kinds)
        self.rate = rate
        # Seeded with the kinds too, so two kinds under one seed do not fail on the very same operations.
        self.random = random.Random(f"{seed}:{','.join(self.kinds)}")
        self.injected: Counter[str] = Counter()
        self.enabled = True

    def draw(self, allowed: Sequence[str] | None = None) -> str | None:
        """A fault for this operation (one of ``allowed`` when given), or None."""
        if not self.enabled:
            return None
        roll, pick = self.random.random(), self.random.choice(self.kinds)
        if roll >= self.rate or (allowed is not None and pick not in allowed):
            return None
        self.injected[pick] += 1
        return pick

    @property
    def total(self) -> int:
        """Faults injected so far."""
        return sum(self.injected.values())


class Gateway:
    """A council gateway honouring Idempotency-Key: a replayed key gets the first answer and creates nothing new."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self.plan = plan
        self.created: Counter[str] = Counter()
        self.answered: set[str] = set()
        self.replayed: Counter[str] = Counter()
        self.resent_after_answer: Counter[str] = Counter()
        self.lock = threading.Lock()

    def accept(self, key: str) -> str:
        """Record a request for ``key`` reaching the gateway; the id of its one record."""
        with self.lock:
            if self.created[key]:
                self.replayed[key] += 1
                if key in self.answered:
                    self.resent_after_answer[key] += 1
            else:
                self.created[key] += 1
        return f"R-{key[:8]}"

    def answer(self, key: str) -> None:
        """The client got the 2xx answer for ``key``."""
        with self.lock:
            self.answered.add(key)

    def __call__(self, request: requests.PreparedRequest) -> object:
        """The ``responses`` callback: a fault from the plan, or the record's id."""
        key = request.headers["Idempotency-Key"]
        fault = self.plan.draw() if self.plan is not None else None
        if fault in HTTP_BEFORE:
            return _before(fault)
        record = self.accept(key)
        if fault == "lost-answer":
            return requests.exceptions.ReadTimeout("the answer was lost")
        if fault == "reset-after-accept":
            return requests.ConnectionError(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"))
        self.answer(key)
        return (201, {"Content-Type": "application/json"}, json.dumps({"id": record}))

    def duplicated(self) -> int:
        """Records created more than once, plus keys sent again after the client had its answer."""
        return sum(n - 1 for n in self.created.values()) + sum(self.resent_after_answer.values())

    def lost(self, items: Sequence[WriteBackItem]) -> int:
        """Items the gateway never received."""
        return self.lost_keys([item.idempotency_key for item in items])

    def lost_keys(self, keys: Sequence[str]) -> int:
        """Keys the gateway never received."""
        return sum(1 for key in keys if not self.created[key])


def _before(fault: str) -> object:
    if fault == "connect-timeout":
        return requests.exceptions.ConnectTimeout("no connection within the timeout")
    if fault == "reset":
        return requests.ConnectionError(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"))
    if fault == "429":
        return (429, {"Retry-After": "7"}, "")
    return (int(fault), {}, "")


@contextmanager
def mocked_gateway(gateway: Gateway, base: str = BASE) -> Iterator[responses.RequestsMock]:
    """``responses`` routing every write-back path under ``base`` to ``gateway``."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for path in ("/documents", "/case-notes", "/alerts"):
            mock.add_callback(responses.POST, base + path, callback=gateway)
        yield mock


def deliver_until_done(
    items: Sequence[WriteBackItem], writeback: Callable[[], WriteBack], max_runs: int = 30
) -> tuple[int, list[Counter[str]]]:
    """Run ``writeback().deliver(items)`` until nothing fails, as the nightly job would; runs and their outcomes."""
    outcomes: list[Counter[str]] = []
    for _run in range(max_runs):
        with writeback() as wb:
            receipts = wb.deliver(items)
        outcomes.append(Counter(r.status.value for r in receipts))
        if not any(r.status is ReceiptStatus.FAILED for r in receipts):
            return len(outcomes), outcomes
    raise AssertionError(f"still failing after {max_runs} runs: {outcomes[-1]}")


def gateway_writeback(state_url: str, max_attempts: int = 3) -> Callable[[], WriteBack]:
    """A fresh run against the mocked gateway each call (retries without sleeping)."""
    return lambda: WriteBack(
        HttpGateway(BASE, max_attempts=max_attempts, sleep=lambda _s: None), StateStore(state_url), chunk_size=16
    )


# -- the disk -------------------------------------------------------------------------------------------------


class FaultyDisk:
    """Stands in for ``os`` and ``tempfile`` inside the private-file writer the outbox uses, failing on the plan.

    Only the outbox's writer sees it: the state store and the audit log keep the real disk, as they would when
    the outbox sits on a share that fills up.
    """

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.renamed: Counter[str] = Counter()
        # Taken before faulty_disk swaps it for this disk's own.
        self.real_syncfs: Callable[[int], None] = private_files._syncfs

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    # tempfile.mkstemp
    def mkstemp(self, *args: object, **kwargs: object) -> tuple[int, str]:
        if self.plan.draw(("disk-full",)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return tempfile.mkstemp(*args, **kwargs)

    def fdopen(self, fd: int, mode: str) -> object:
        handle = os.fdopen(fd, mode)
        return _FailingWrites(handle) if self.plan.draw(("write-error",)) else handle

    def fsync(self, fd: int) -> None:
        kind = "dir-sync-error" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-error"
        if self.plan.draw((kind,)):
            raise OSError(errno.EIO, "Input/output error")
        os.fsync(fd)

    # private_files._syncfs: the one flush of the file system under a group's files, on Linux
    def syncfs(self, fd: int) -> None:
        if self.plan.draw(("fsync-error",)):
            raise OSError(errno.EIO, "Input/output error")
        self.real_syncfs(fd)

    def replace(self, src: str, dst: str | Path) -> None:
        if self.plan.draw(("rename-error",)):
            raise OSError(errno.EIO, "Input/output error")
        os.replace(src, dst)
        if str(dst).endswith(".json"):
            self.renamed[Path(dst).name] += 1

    def duplicated(self) -> int:
        """Sidecars renamed into place more than once."""
        return sum(n - 1 for n in self.renamed.values())


class _FailingWrites:
    """A file whose write puts half the data down, then finds the disk full."""

    def __init__(self, handle: object) -> None:
        self.handle = handle

    def __enter__(self) -> _FailingWrites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self.handle, name)


@contextmanager
def faulty_disk(plan: FaultPlan) -> Iterator[FaultyDisk]:
    """Swap the private-file writer's ``os`` and ``tempfile`` for a :class:`FaultyDisk` while the block runs."""
    disk = FaultyDisk(plan)
    saved = private_files.os, private_files.tempfile, private_files._syncfs
    private_files.os, private_files.tempfile, private_files._syncfs = disk, disk, disk.syncfs
    try:
        yield disk
    finally:
        private_files.os, private_files.tempfile, private_files._syncfs = saved


def outbox_lost(folder: Path, items: Sequence[WriteBackItem]) -> int:
    """Items with no sidecar in the outbox."""
    outbox = Outbox(folder)
    return sum(1 for item in items if not (folder / f"{outbox.stem(item)}.json").is_file())


# -- a real gateway, for runs that are really killed ----------------------------------------------------------


@attrs.define
class KillSwitch:
    """Kill ``pid`` when the gateway accepts its ``at``-th new item, before answering it."""

    at: int
    pid: int | None = None
    accepted: int = 0
    fired: bool = False


class LocalGateway:
    """An HTTP gateway on 127.0.0.1 with :class:`Gateway`'s bookkeeping, that can kill its client mid-request."""

    def __init__(self, kill: KillSwitch | None = None) -> None:
        self.ledger = Gateway()
        self.kill = kill
        handler = _handler(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint to give HttpGateway."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalGateway:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, key: str) -> tuple[int, str] | None:
        """Accept ``key``; None when the client was killed instead of answered."""
        new = not self.ledger.created[key]
        record = self.ledger.accept(key)
        kill = self.kill
        if new and kill is not None and not kill.fired:
            kill.accepted += 1
            if kill.accepted == kill.at and kill.pid is not None:
                kill.fired = True
                os.kill(kill.pid, 9)
                return None
        self.ledger.answer(key)
        return 201, json.dumps({"id": record})


def _handler(gateway: LocalGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = gateway.handle(self.headers["Idempotency-Key"])
            if answer is None:
                self.close_connection = True
                return
            status, body = answer
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_args: object) -> None:
            """Quiet: the test reads the bookkeeping, not the access log."""

    return Handler


# -- a run in its own process, to be killed -------------------------------------------------------------------

#: Items each killable run claims at once (small, so a kill leaves claims in several states).
RUN_CHUNK = 8

# The run that gets killed. It waits for "go" on stdin so the parent knows its pid before anything is sent.
# Modes that stop themselves print "ready" at the chosen call and wait there to be killed:
#   http           the gateway kills it (see KillSwitch); nothing stops on its own
#   http-answered  after the stop_at-th gateway answer arrived, before the store records it
#   outbox         after the stop_at-th group's sidecars are on disk, before the store records them
#   outbox-torn    at the stop_at-th rename, with that file and the group's later ones written and not yet renamed
_RUN = r"""
import os, sys, time
sys.path.insert(0, sys.argv[6])
from faults_helpers import RUN_CHUNK, make_items
from permanence_core.private_files import PendingWrites
from permanence_core.writeback import HttpGateway, Outbox, StateStore, WriteBack

mode, target, state_url, count, stop_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
calls = 0


def stop_here():
    global calls
    calls += 1
    if calls == stop_at:
        print("ready", flush=True)
        time.sleep(600)


class Answered(HttpGateway):
    def deliver(self, item):
        receipt = super().deliver(item)
        stop_here()
        return receipt


if mode == "outbox":
    # An outbox's group is written, then flushed and renamed into place at once by PendingWrites.sync.
    real_sync = PendingWrites.sync

    def sync(self):
        real_sync(self)
        stop_here()

    PendingWrites.sync = sync
elif mode == "outbox-torn":
    real_replace = os.replace

    def replace(src, dst):
        stop_here()
        real_replace(src, dst)

    os.replace = replace

transport = {
    "http": lambda: HttpGateway(target, max_attempts=1, sleep=lambda s: None),
    "http-answered": lambda: Answered(target, max_attempts=1, sleep=lambda s: None),
    "outbox": lambda: Outbox(target),
    "outbox-torn": lambda: Outbox(target),
}[mode]()
sys.stdin.readline()
with WriteBack(transport, StateStore(state_url), chunk_size=RUN_CHUNK) as wb:
    wb.deliver(make_items(count))
print("finished", flush=True)
"""


def start_run(mode: str, target: str | Path, state_url: str, count: int, stop_at: int = 0) -> subprocess.Popen[str]:
    """Start a delivery run of ``make_items(count)`` in a new process; it waits for :func:`go`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _RUN,
            mode,
            str(target),
            state_url,
            str(count),
            str(stop_at),
            str(Path(__file__).parent),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def go(process: subprocess.Popen[str]) -> None:
    """Let a started run begin sending."""
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def kill_when_ready(process: subprocess.Popen[str]) -> None:
    """Let the run go, wait until it reports it has reached its stopping point, and SIGKILL it there."""
    go(process)
    assert process.stdout is not None
    if process.stdout.readline() != "ready\n":
        raise AssertionError(f"the run finished before its stopping point (exit {process.wait()})")
    process.send_signal(signal.SIGKILL)
    if process.wait(timeout=60) != -signal.SIGKILL:
        raise AssertionError("the run was not killed")


# -- nightly runs raising alerts, killed at every step of an item's delivery ----------------------------------

#: Where a nightly run is killed: after claiming a chunk, while sending (the gateway holds the request unanswered;
#: the outbox has a file half renamed into place), after the answer arrived, after the audit log has the attempt
#: (before the store records it), after the store recorded the delivery, and before the run records what it raised.
KILL_STEPS = ("claim", "send", "receive", "audit", "record", "raised")
KILL_PATHS = ("outbox", "http")
#: Alerts each killable nightly run claims at once.
NIGHT_CHUNK = 8


def make_alerts(count: int) -> list[Alert]:
    """``count`` synthetic overdue alerts, one child each."""
    return [
        Alert(
            child_id=f"F{n:05d}",
            rule="review.second",
            status=AlertStatus.OVERDUE,
            due_date=dt.date(2025, 5, 3),
            anchor_event="first review held",
            anchor_date=dt.date(2025, 2, 3),
            message="Second looked-after review overdue",
            source="Care Planning Regulations 2010, reg 33",
        )
        for n in range(count)
    ]


def alert_item(change: AlertChange) -> WriteBackItem:
    """How the synthetic system takes an alert: a document for every third child (a file and its sidecar in an
    outbox), a work-tray task for the others."""
    if int(change.child_id[1:]) % 3 == 0:
        return DocumentUpload(
            child_id=change.child_id,
            document_type="alert-letter",
            filename="alert.docx",
            content=f"synthetic alert {change.child_id} {change.status}".encode() * 10,
        )
    return WorkTrayAlert(
        child_id=change.child_id,
        recipient_role="team_manager",
        title=f"{change.rule}: {change.status}",
        body="Synthetic alert.",
        due_date=change.due_date,
    )


def alert_keys(alerts: Sequence[Alert]) -> list[str]:
    """The idempotency key each alert's first raising is sent under (what arrives at the other side)."""
    return [
        content_key(
            "raised-alert",
            a.child_id,
            a.rule,
            a.anchor_date.isoformat(),
            "1",
            alert_fingerprint(a.status.value, a.due_date),
        )
        for a in alerts
    ]


def sidecars_by_key(folder: Path, keys: Sequence[str]) -> dict[str, list[Path]]:
    """Each key's sidecars in the outbox (exactly one when it arrived once)."""
    found: dict[str, list[Path]] = {key: [] for key in keys}
    by_prefix = {key[:16]: key for key in keys}
    for path in folder.glob("*.json") if folder.exists() else ():
        key = by_prefix.get(path.stem.rsplit("_", 1)[-1])
        if key is not None:
            found[key].append(path)
    return found


def sidecar_identities(folder: Path) -> dict[str, int]:
    """Sidecar name → inode: a sidecar written again is a new file renamed into place, so its inode changes."""
    return {path.name: path.stat().st_ino for path in folder.glob("*.json")} if folder.exists() else {}


# The nightly run that gets killed: it raises make_alerts(count) through alert_item, as examples/nightly.py does,
# and stops at the stop_at-th call of its step (printing "ready" and waiting to be killed). stop_at 0: no stop.
_NIGHT = r"""
import datetime as dt, os, sys, time
sys.path.insert(0, sys.argv[8])
from faults_helpers import NIGHT_CHUNK, alert_item, make_alerts
from permanence_core.writeback import AuditLog, HttpGateway, Outbox, StateStore, WriteBack

path, step, target, state_url = sys.argv[1:5]
count, stop_at, hours = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
calls = 0


def stop_here():
    global calls
    calls += 1
    if calls == stop_at:
        print("ready", flush=True)
        time.sleep(600)


def after(cls, name):
    real = getattr(cls, name)

    def patched(*args, **kwargs):
        result = real(*args, **kwargs)
        stop_here()
        return result

    setattr(cls, name, patched)


if step == "claim":
    after(StateStore, "claim")
elif step == "audit":
    # This and finish_all are called once per item sent to the gateway, once per group written to an outbox.
    after(AuditLog, "append_all")
elif step == "record":
    after(StateStore, "finish_all")
elif step == "raised":
    real_record = StateStore.record_raised

    def record_raised(self, states):
        stop_here()
        return real_record(self, states)

    StateStore.record_raised = record_raised
elif step == "receive":
    after(Outbox if path == "outbox" else HttpGateway, "deliver")
elif step == "send" and path == "outbox":
    real_replace = os.replace

    def replace(src, dst):
        stop_here()
        real_replace(src, dst)

    os.replace = replace
# step "send" on the HTTP path: the gateway kills the run while it holds the request unanswered.

transport = Outbox(target) if path == "outbox" else HttpGateway(target, max_attempts=1, sleep=lambda s: None)
later = dt.timedelta(hours=hours)
sys.stdin.readline()
night = lambda: dt.datetime.now(dt.UTC) + later
with WriteBack(transport, StateStore(state_url), chunk_size=NIGHT_CHUNK, now=night) as wb:
    wb.raise_alerts(make_alerts(count), alert_item)
print("finished", flush=True)
"""


def start_night(
    path: str, step: str, target: str | Path, state_url: str, count: int, stop_at: int, hours: float
) -> subprocess.Popen[str]:
    """Start a nightly run ``hours`` after now (past earlier runs' leases when > 1); it waits for :func:`go`."""
    return subprocess.Popen(
        [sys.executable, "-c", _NIGHT, path, step, str(target), state_url, str(count), str(stop_at), str(hours),
         str(Path(__file__).parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def run_night(process: subprocess.Popen[str], switch: KillSwitch | None = None) -> bool:
    """Let the run go and kill it at its stopping point (or let the gateway's switch kill it); True if killed."""
    if switch is not None:
        switch.pid, switch.accepted, switch.fired = process.pid, 0, False
    go(process)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line == "ready\n":
        process.send_signal(signal.SIGKILL)
    code = process.wait(timeout=300)
    if code not in (0, -signal.SIGKILL):
        raise AssertionError(f"the nightly run failed (exit {code})")
    return code == -signal.SIGKILL


def _recorded(url: str) -> tuple[int, int]:
    """How many alerts the store has recorded as raised, and how many items as arrived."""
    store = StateStore(url)
    try:
        return len(store.raised_alerts()), sum(1 for r in store.deliveries() if r.status in DONE)
    finally:
        store.close()


@attrs.frozen
class KillOutcome:
    """What arrived after a row's killed runs and the reruns, counted at the receiving side."""

    kills: int
    lost: int
    duplicated: int
    replays: int
    unrecorded: int
    sending: int


def killed_nights(path: str, step: str, count: int, seed: int, kills: int, scratch: Path) -> KillOutcome:
    """``kills`` nightly runs each killed at ``step`` (a seeded point), one run the same night (inside the last
    killed run's lease) and one the next night; then what arrived where the items go, and what the store says."""
    rng = random.Random(f"{seed}:{path}:{step}")
    alerts = make_alerts(count)
    keys = alert_keys(alerts)
    folder = scratch / "outbox"
    url = f"sqlite:///{scratch / 'state.sqlite'}"
    switch = KillSwitch(at=0) if path == "http" and step == "send" else None
    seen: dict[str, int] = {}
    rewritten = 0
    killed = 0
    with LocalGateway(switch) as gateway:
        target = folder if path == "outbox" else gateway.url

        def night(stop_at: int, hours: float) -> bool:
            nonlocal rewritten
            if switch is not None:
                switch.at = stop_at
            process = start_night(path, "none" if switch else step, target, url, count, 0 if switch else stop_at, hours)
            died = run_night(process, switch)
            now = sidecar_identities(folder)
            rewritten += sum(1 for name, inode in now.items() if name in seen and seen[name] != inode)
            seen.update(now)
            return died

        for kill in range(kills):
            # Each killed run comes two hours after the one before: past its lease, so it takes over its claims;
            # it stops at a seeded point among the calls its step still has to make.
            raised, arrived = _recorded(url)
            to_send = count - arrived
            limit = {
                "claim": -(-(count - raised) // NIGHT_CHUNK),
                "raised": 1,
                # An outbox's items are recorded a group (a claimed chunk) at a time.
                "audit": -(-to_send // NIGHT_CHUNK) if path == "outbox" else to_send,
                "record": -(-to_send // NIGHT_CHUNK) if path == "outbox" else to_send,
            }.get(step, to_send)
            if limit < 1:
                break
            killed += night(rng.randint(1, limit), 2.0 * kill)
        night(0, 2.0 * kills - 1.5)  # the same night as the last killed run: its claims are held, not taken
        night(0, 2.0 * kills + 1)  # the next night: past every lease
    if path == "outbox":
        found = sidecars_by_key(folder, keys)
        lost = sum(1 for key in keys if not found[key])
        duplicated = rewritten + sum(len(paths) - 1 for paths in found.values() if paths)
        replays = 0
    else:
        ledger = gateway.ledger
        lost = ledger.lost_keys(keys)
        duplicated = sum(n - 1 for n in ledger.created.values() if n > 1)
        replays = sum(ledger.replayed.values())
    store = StateStore(url)
    try:
        raised = store.raised_alerts()
        unrecorded = sum(1 for a in alerts if (a.child_id, a.rule, a.anchor_date) not in raised)
        sending = len(store.deliveries(DeliveryStatus.SENDING))
    finally:
        store.close()
    return KillOutcome(killed, lost, duplicated, replays, unrecorded, sending)
