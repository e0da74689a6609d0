"""The write-back audit log: one line per attempt, ids only, append-only, owner-only, safe with concurrent runs."""

import datetime as dt
import json
import logging
import os
import stat
import subprocess
import sys

import pytest
import responses
from click.testing import CliRunner

from permanence_core import api
from permanence_core.cli import cli
from permanence_core.writeback import (
    AuditEntry,
    AuditLog,
    CaseNote,
    DocumentUpload,
    HttpGateway,
    Outbox,
    Receipt,
    ReceiptStatus,
    StateStore,
    WriteBack,
    WriteBackSettings,
)
from permanence_core.writeback.audit import AUDIT_FILE, audit_path

BASE = "https://gateway.council.test/permanence/v1"
WHEN = dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)
# What a note about a real child would carry: none of it may reach the audit log.
PERSONAL = ("Zac", "Protocombe", "22/02/2015", "2015-02-22", "Wants to go home")


def note(child_id="C001", n=0, key=None):
    extra = {"idempotency_key": key} if key else {}
    return CaseNote(
        child_id=child_id,
        note_type="PERM",
        title=f"Zac Protocombe (born 22/02/2015): tracking panel {n}",
        contact_date=dt.date(2025, 3, 1),
        body="Wants to go home but understands why this cannot happen yet. DOB 2015-02-22.",
        **extra,
    )


def document(child_id="C001"):
    return DocumentUpload(
        child_id=child_id,
        document_type="ppm-minutes",
        filename="ppm-minutes.docx",
        content=b"Zac Protocombe 22/02/2015",
        title="PPM minutes for Zac Protocombe",
    )


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def outbox_writeback(tmp_path, **kwargs):
    return WriteBack(Outbox(tmp_path / "out"), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), now=lambda: WHEN)


def test_each_attempt_is_one_line_of_ids_destination_time_and_result(tmp_path):
    items = [note("C001"), document("C002")]
    with outbox_writeback(tmp_path) as wb:
        wb.deliver(items)
    outbox = Outbox(tmp_path / "out")
    assert lines(tmp_path / AUDIT_FILE) == [
        {
            "at": "2025-03-01T02:30:00.000000+00:00",
            "transport": "outbox",
            "item_type": "CaseNote",
            "idempotency_key": items[0].idempotency_key,
            "child_id": "C001",
            "destination": f"{outbox.stem(items[0])}.json",
            "status": "queued",
            "external_id": None,
            "error": None,
        },
        {
            "at": "2025-03-01T02:30:00.000000+00:00",
            "transport": "outbox",
            "item_type": "DocumentUpload",
            "idempotency_key": items[1].idempotency_key,
            "child_id": "C002",
            "destination": f"{outbox.stem(items[1])}.json",
            "status": "queued",
            "external_id": None,
            "error": None,
        },
    ]
    text = (tmp_path / AUDIT_FILE).read_text()
    assert [word for word in PERSONAL if word in text] == []


@responses.activate
def test_gateway_attempts_record_the_url_path_the_external_id_and_the_reason_for_a_failure(tmp_path):
    ok, refused = note("C/7", 1), note("C008", 2)

    def answer(request):
        if request.headers["Idempotency-Key"] == refused.idempotency_key:
            return (422, {}, json.dumps({"error": "Zac Protocombe is not known"}))
        return (201, {"Content-Type": "application/json"}, json.dumps({"id": "N-1"}))

    responses.add_callback(responses.POST, f"{BASE}/people/C%2F7/notes", callback=answer)
    responses.add_callback(responses.POST, f"{BASE}/people/C008/notes", callback=answer)
    gateway = HttpGateway(BASE, paths={"case_note": "/people/{child_id}/notes"}, sleep=lambda _s: None)
    with WriteBack(gateway, StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), now=lambda: WHEN) as wb:
        assert [r.status for r in wb.deliver([ok, refused])] == [ReceiptStatus.DELIVERED, ReceiptStatus.FAILED]
    first, second = lines(tmp_path / AUDIT_FILE)
    assert (first["transport"], first["destination"], first["status"], first["external_id"]) == (
        "http",
        "/permanence/v1/people/C%2F7/notes",
        "delivered",
        "N-1",
    )
    assert (second["child_id"], second["status"], second["error"]) == (
        "C008",
        "failed",
        "HTTP 422 Unprocessable Entity",
    )
    assert "Zac" not in (tmp_path / AUDIT_FILE).read_text()


def test_a_rerun_that_sends_nothing_writes_nothing_and_a_retry_is_a_new_line(tmp_path, monkeypatch):
    items = [note("C001"), note("C002")]
    real_deliver = Outbox.deliver

    def disk_full_for_c002(self, item):
        if item.child_id == "C002":
            raise OSError(28, "No space left on device")
        return real_deliver(self, item)

    monkeypatch.setattr(Outbox, "deliver", disk_full_for_c002)
    with outbox_writeback(tmp_path) as wb:
        wb.deliver(items)
    monkeypatch.undo()
    with outbox_writeback(tmp_path) as wb:
        wb.deliver(items)
    with outbox_writeback(tmp_path) as wb:
        wb.deliver(items)
    assert [(e["child_id"], e["status"], e["error"]) for e in lines(tmp_path / AUDIT_FILE)] == [
        ("C001", "queued", None),
        ("C002", "failed", "OSError while delivering"),
        ("C002", "queued", None),
    ]


def test_existing_lines_are_never_rewritten(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    entry = AuditEntry.of(
        note(key="k"), Receipt(idempotency_key="k", status="queued"), transport="outbox", destination="d", at=WHEN
    )
    log.append(entry)
    before = log.path.read_bytes()
    inode = log.path.stat().st_ino
    for _ in range(3):
        AuditLog(log.path).append(entry)
    after = log.path.read_bytes()
    assert after.startswith(before)
    assert after.count(b"\n") == 4
    assert log.path.stat().st_ino == inode


def test_the_log_is_opened_for_appending_only(tmp_path, monkeypatch):
    opened = []
    real_open = os.open

    def spy(path, flags, *args):
        opened.append(flags)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", spy)
    AuditLog(tmp_path / "audit.jsonl").append(
        AuditEntry.of(
            note(key="k"), Receipt(idempotency_key="k", status="queued"), transport="t", destination=None, at=WHEN
        )
    )
    assert opened and all(flags & os.O_APPEND and not flags & os.O_TRUNC for flags in opened)


def test_the_log_is_readable_by_its_owner_only_and_a_wider_one_is_narrowed(tmp_path):
    entry = AuditEntry.of(
        note(key="k"), Receipt(idempotency_key="k", status="queued"), transport="t", destination=None, at=WHEN
    )
    fresh = AuditLog(tmp_path / "new" / "audit.jsonl")
    fresh.append(entry)
    assert stat.S_IMODE(fresh.path.stat().st_mode) == 0o600
    wide = tmp_path / "old.jsonl"
    wide.write_text("")
    wide.chmod(0o644)
    AuditLog(wide).append(entry)
    assert stat.S_IMODE(wide.stat().st_mode) == 0o600


# Run in separate processes (not threads): each writer opens the file itself, as separate nightly runs do.
WRITER = """
import datetime as dt, sys
from permanence_core.writeback import AuditEntry, AuditLog, CaseNote, Receipt
path, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
# A line longer than a pipe buffer (4 KiB), so only the lock keeps two writers' lines apart.
padding = "x" * 6000
for n in range(count):
    item = CaseNote(
        child_id=f"W{writer}", note_type="N", title="t", contact_date=dt.date(2025, 3, 1), body="b",
        idempotency_key=f"{writer}-{n}",
    )
    receipt = Receipt(idempotency_key=f"{writer}-{n}", status="queued")
    AuditLog(path).append(
        AuditEntry.of(item, receipt, transport="outbox", destination=padding, at=dt.datetime.now(dt.UTC))
    )
"""


def test_concurrent_writers_never_interleave_lines(tmp_path):
    path = tmp_path / "audit.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w), "150"]) for w in range(4)]
    assert [process.wait(timeout=120) for process in writers] == [0, 0, 0, 0]
    reading = AuditLog(path).read()
    assert reading.unreadable == ()
    assert sorted(e.idempotency_key for e in reading.entries) == sorted(
        f"{w}-{n}" for w in range(4) for n in range(150)
    )


def test_a_torn_last_line_stays_alone_and_is_reported(tmp_path):
    path = tmp_path / "audit.jsonl"
    entry = AuditEntry.of(
        note(key="k"), Receipt(idempotency_key="k", status="queued"), transport="t", destination=None, at=WHEN
    )
    AuditLog(path).append(entry)
    with path.open("ab") as handle:
        handle.write(b'{"at": "2025-03-01T0')  # what a write cut short by a full disk leaves
    AuditLog(path).append(entry)
    reading = AuditLog(path).read()
    assert [e.idempotency_key for e in reading.entries] == ["k", "k"]
    assert reading.unreadable == (2,)


def test_an_audit_log_that_cannot_be_written_does_not_stop_delivery_and_says_so(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    store = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")
    with WriteBack(Outbox(tmp_path / "out"), store, audit=AuditLog(blocked / "audit.jsonl")) as wb:
        with caplog.at_level(logging.ERROR):
            [receipt] = wb.deliver([note()])
        assert receipt.status is ReceiptStatus.QUEUED
        assert wb.store.delivery(note().idempotency_key).status.value == "queued"
    [message] = [r.getMessage() for r in caplog.records if "audit log" in r.getMessage()]
    assert "C001" in message and message.endswith(": FileExistsError")
    assert "Zac" not in message


def test_the_default_log_sits_beside_a_sqlite_store_and_an_in_memory_store_has_none(tmp_path):
    with WriteBack(Outbox(tmp_path / "out"), StateStore(f"sqlite:///{tmp_path / 'db' / 'state.sqlite'}")) as wb:
        assert wb.audit.path == tmp_path / "db" / AUDIT_FILE
    with WriteBack(Outbox(tmp_path / "out"), StateStore("sqlite://")) as wb:
        assert wb.audit is None
    with WriteBack(Outbox(tmp_path / "out"), StateStore(f"sqlite:///{tmp_path / 's.sqlite'}"), audit=None) as wb:
        wb.deliver([note()])
    assert not (tmp_path / AUDIT_FILE).exists()


def test_the_setting_is_relative_to_the_config_file_and_used_by_every_way_of_building_a_writer(tmp_path):
    config = tmp_path / "council.toml"
    config.write_text(
        '[write_back]\noutbox = "out"\nstate = "sqlite:///state/wb.sqlite"\naudit_log = "logs/audit.jsonl"\n'
    )
    settings = WriteBackSettings.from_file(config)
    assert audit_path(settings) == tmp_path / "logs" / "audit.jsonl"
    assert audit_path(WriteBackSettings.from_file(_write(tmp_path / "b.toml", '[write_back]\noutbox = "o"\n'))) == (
        tmp_path / AUDIT_FILE
    )
    with WriteBack.from_settings(settings) as wb:
        wb.deliver([note("C001")])
    with api.writer("ssda903", {"config": str(config)}) as writer:
        writer.deliver([note("C002")])
    entries = AuditLog(tmp_path / "logs" / "audit.jsonl").read().entries
    assert [(e.child_id, e.transport, e.status) for e in entries] == [
        ("C001", "outbox", "queued"),
        ("C002", "adapter:ssda903", "queued"),
    ]
    assert entries[1].destination == f"{Outbox(tmp_path / 'out').stem(note('C002'))}.json"


def _write(path, text):
    path.write_text(text)
    return path


def test_an_adapter_writer_to_a_gateway_names_the_configured_path(tmp_path):
    config = _write(
        tmp_path / "council.toml",
        '[write_back]\nendpoint = "https://gw.council.test/api"\n[write_back.paths]\ncase_note = "/p/{child_id}/n"\n',
    )
    writer = api.writer("ssda903", {"config": str(config)})
    try:
        assert writer._destination(note("C9")) == "/api/p/C9/n"
    finally:
        writer.close()


def run_cli(*args):
    return CliRunner().invoke(cli, ["audit", *args])


def test_the_audit_command_filters_by_child_and_status_and_prints_json(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    for n, (child, status) in enumerate([("C1", "queued"), ("C2", "failed"), ("C1", "failed"), ("C1", "queued")]):
        log.append(
            AuditEntry.of(
                note(child, key=f"k{n}"),
                Receipt(idempotency_key=f"k{n}", status=status, detail="HTTP 503" if status == "failed" else None),
                transport="http",
                destination=f"/people/{child}/notes",
                at=WHEN + dt.timedelta(minutes=n),
            )
        )
    result = run_cli("--log", str(log.path), "--child", "C1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["matched"] == 3
    assert [e["idempotency_key"] for e in data["entries"]] == ["k0", "k2", "k3"]

    failed = run_cli("--log", str(log.path), "--status", "failed", "--tail", "1")
    assert failed.exit_code == 0
    assert failed.output.splitlines() == [
        f"{log.path}: 2 matching entries, showing 1",
        "2025-03-01 02:32:00Z failed    http     CaseNote       C1           k2 /people/C1/notes HTTP 503",
    ]


def test_the_audit_command_finds_the_log_through_the_config_and_reports_unreadable_lines(tmp_path):
    config = _write(tmp_path / "council.toml", '[write_back]\noutbox = "out"\n')
    with WriteBack.from_settings(WriteBackSettings.from_file(config)) as wb:
        wb.deliver([note("C001")])
    with (tmp_path / AUDIT_FILE).open("a") as handle:
        handle.write("not json\n")
    result = run_cli("--config", str(config), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [e["child_id"] for e in json.loads(result.stdout)["entries"]] == ["C001"]
    assert "1 line could not be read (line 2)" in result.stderr


def test_the_audit_command_without_a_log_exits_1(tmp_path):
    result = run_cli("--log", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 1
    assert "no audit log here" in result.stderr


@pytest.mark.parametrize("status", ["delivered", "queued", "duplicate", "failed"])
def test_entries_round_trip_through_their_json_line(status):
    entry = AuditEntry.of(
        note(key="k"),
        Receipt(idempotency_key="k", status=status, external_id="X1", detail="d"),
        transport="t",
        destination="p",
        at=WHEN,
    )
    assert AuditEntry.from_dict(json.loads(json.dumps(entry.to_dict()))) == entry
    assert entry.error == ("d" if status == "failed" else None)
