"""The outbox: file plus JSON sidecar written atomically, duplicates found, the store remembering what was queued."""

import datetime as dt
import json
import os
import stat

import attrs
import pytest
from sqlalchemy.engine import make_url

from permanence_core import private_files
from permanence_core.errors import ConfigError, StoreError
from permanence_core.private_files import PendingWrites
from permanence_core.writeback import (
    AuditLog,
    CaseNote,
    DocumentUpload,
    HttpGateway,
    Outbox,
    Receipt,
    ReceiptStatus,
    StateStore,
    WorkTrayAlert,
    WriteBack,
)
from permanence_core.writeback import audit as audit_module
from permanence_core.writeback.audit import (
    MAX_LINE,
    AuditEntry,
    AuditReading,
    beside_store,
    destination_of,
    found_on_retry,
    options_destination,
    transport_name,
)
from permanence_core.writeback.items import content_key


def document(child_id="C001", content=b"%PDF-1.7 synthetic"):
    return DocumentUpload(
        child_id=child_id,
        document_type="ppm-minutes",
        filename="PPM minutes.pdf",
        content=content,
        title="PPM minutes",
        category="Permanence",
    )


def note(child_id="C001"):
    return CaseNote(
        child_id=child_id,
        note_type="PERM",
        title="Tracking panel",
        contact_date=dt.date(2025, 3, 1),
        body="Synthetic body.",
        recipients=("W17",),
    )


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_document_is_queued_as_file_and_sidecar(tmp_path):
    outbox = Outbox(tmp_path / "out")
    item = document()
    receipt = outbox.deliver(item)
    assert receipt.status is ReceiptStatus.QUEUED
    stem = f"C001_ppm-minutes_{item.idempotency_key[:16]}"
    assert names(outbox.folder) == [f"{stem}.json", f"{stem}.pdf"]
    assert receipt.location == str(outbox.folder / f"{stem}.json")
    meta = json.loads((outbox.folder / f"{stem}.json").read_text())
    assert meta == {
        "child_id": "C001",
        "document_type": "ppm-minutes",
        "filename": "PPM minutes.pdf",
        "title": "PPM minutes",
        "category": "Permanence",
        "idempotency_key": item.idempotency_key,
        "item_type": "DocumentUpload",
        "file": f"{stem}.pdf",
    }
    assert (outbox.folder / f"{stem}.pdf").read_bytes() == b"%PDF-1.7 synthetic"


def test_a_case_note_is_a_sidecar_only(tmp_path):
    outbox = Outbox(tmp_path)
    item = note()
    outbox.deliver(item)
    [name] = names(tmp_path)
    meta = json.loads((tmp_path / name).read_text())
    assert meta["item_type"] == "CaseNote"
    assert meta["contact_date"] == "2025-03-01"
    assert meta["recipients"] == ["W17"]


def test_outbox_files_are_readable_by_the_owner_only(tmp_path):
    Outbox(tmp_path).deliver(document())
    assert {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()} == {0o600}


def test_an_item_already_in_the_outbox_is_a_duplicate(tmp_path):
    outbox = Outbox(tmp_path)
    assert outbox.deliver(document()).status is ReceiptStatus.QUEUED
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert outbox.deliver(document()).status is ReceiptStatus.DUPLICATE
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    assert outbox.deliver(document(content=b"%PDF-1.7 revised")).status is ReceiptStatus.QUEUED
    assert len(names(tmp_path)) == 4


def test_a_crash_while_writing_the_sidecar_leaves_no_sidecar_and_no_temporary_file(tmp_path, monkeypatch):
    outbox = Outbox(tmp_path)
    real_replace = os.replace

    def crash_on_sidecar(src, dst):
        if str(dst).endswith(".json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_sidecar)
    with pytest.raises(OSError):
        outbox.deliver(document())
    assert [n for n in names(tmp_path) if n.endswith(".json") or n.startswith(".tmp-")] == []
    monkeypatch.undo()
    # The sidecar is what makes an item complete, so the retry queues it rather than calling it a duplicate.
    assert outbox.deliver(document()).status is ReceiptStatus.QUEUED
    assert len(names(tmp_path)) == 2


def test_a_crash_while_writing_the_content_leaves_nothing(tmp_path, monkeypatch):
    def fail(_fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError):
        Outbox(tmp_path).deliver(document())
    assert names(tmp_path) == []


def test_the_outbox_folder_is_required():
    with pytest.raises(ConfigError, match="outbox: a folder is required"):
        Outbox.from_options({})


def test_writeback_over_an_outbox_reports_a_disk_failure_and_retries_it_next_run(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    folder = tmp_path / "out"

    def disk_full(_fd):
        raise OSError(28, "No space left on device")

    # The group's files are flushed by one syncfs on Linux, by an fsync each elsewhere.
    monkeypatch.setattr(private_files, "_syncfs", disk_full)
    monkeypatch.setattr(os, "fsync", disk_full)
    with WriteBack(Outbox(folder), StateStore(url)) as wb:
        [receipt] = wb.deliver([document()])
        assert receipt.status is ReceiptStatus.FAILED
        assert wb.failed()[0].last_error == "OSError while delivering"
    # Nothing unflushed was put in place, nor left behind.
    assert list(folder.iterdir()) == []
    monkeypatch.undo()
    with WriteBack(Outbox(folder), StateStore(url)) as wb:
        assert [r.status for r in wb.deliver([document()])] == [ReceiptStatus.QUEUED]


def test_the_store_stops_a_rerun_from_refilling_an_outbox_the_upload_tool_has_emptied(tmp_path):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    folder = tmp_path / "out"
    items = [document(), note(), note(child_id="C002")]
    with WriteBack(Outbox(folder), StateStore(url)) as wb:
        assert {r.status for r in wb.deliver(items)} == {ReceiptStatus.QUEUED}
    for path in folder.iterdir():
        path.unlink()
    with WriteBack(Outbox(folder), StateStore(url)) as wb:
        receipts = wb.deliver(items)
    assert {r.status for r in receipts} == {ReceiptStatus.DUPLICATE}
    assert receipts[0].location.endswith(".json")
    assert names(folder) == []


def test_an_outbox_duplicate_found_on_disk_is_recorded_as_done(tmp_path):
    folder = tmp_path / "out"
    Outbox(folder).deliver(note())
    with WriteBack(Outbox(folder), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")) as wb:
        assert [r.status for r in wb.deliver([note()])] == [ReceiptStatus.DUPLICATE]
        assert wb.store.delivery(note().idempotency_key).status.value == "duplicate"
        assert wb.failed() == []


def test_each_outcome_is_one_audit_line_with_the_transport_destination_and_time(tmp_path):
    folder = tmp_path / "out"
    log = AuditLog(tmp_path / "audit.jsonl")
    at = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    items = [document(), note(child_id="C002")]
    with WriteBack(
        Outbox(folder), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), audit=log, now=lambda: at
    ) as wb:
        wb.deliver(items)
    reading = log.read()
    assert reading.unreadable == ()
    assert [attrs.asdict(entry) for entry in reading.entries] == [
        {
            "at": dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC),
            "transport": "outbox",
            "item_type": type(item).__name__,
            "idempotency_key": item.idempotency_key,
            "child_id": item.child_id,
            "destination": f"{Outbox(folder).stem(item)}.json",
            "status": "queued",
            "external_id": None,
            "error": None,
        }
        for item in items
    ]
    assert [entry.child_id for entry in log.read(child_id="C002").entries] == ["C002"]


def test_an_audit_entry_keeps_the_external_id_and_a_failure_reason_only_for_a_failure():
    item = note()
    at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    delivered = Receipt(
        idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED, external_id="N-1", detail="201"
    )
    failed = Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.FAILED, detail="HTTP 503")
    ok = AuditEntry.of(item, delivered, transport="http", destination="/notes", at=at)
    assert (ok.external_id, ok.error) == ("N-1", None)
    assert AuditEntry.of(item, failed, transport="http", destination="/notes", at=at).error == "HTTP 503"
    assert AuditEntry.from_dict(ok.to_dict()) == ok


def test_a_torn_overlong_or_undecodable_audit_line_is_one_unreadable_line_and_the_next_entry_starts_on_its_own(
    tmp_path,
):
    log = AuditLog(tmp_path / "audit.jsonl")
    item = note()
    entry = AuditEntry.of(
        item,
        Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.QUEUED),
        transport="outbox",
        destination=None,
        at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
    )
    log.append(entry)
    log.append(entry)
    assert log.path.read_bytes().count(b"\n") == 2  # no blank line between whole entries
    with log.path.open("ab") as handle:
        handle.write(b"x" * (3 * MAX_LINE) + b"\n" + b"y" * MAX_LINE + b"\n\xff\n" + b'{"at": "2025-03-01T00:0')
    log.append(entry)
    lines = log.path.read_bytes().split(b"\n")
    assert [len(line) for line in lines[2:6]] == [3 * MAX_LINE, MAX_LINE, 1, 23]
    assert log.read() == AuditReading(entries=(entry, entry, entry), unreadable=(3, 4, 5, 6))


def test_file_names_say_the_item_kind_and_never_start_with_a_dot_or_hold_a_separator(tmp_path):
    outbox = Outbox.from_options({"outbox": str(tmp_path / "out")})
    tray = WorkTrayAlert(
        child_id="..C/7..", recipient_role="team_manager", title="Review due", body="Synthetic.", due_date=None
    )
    items = (note(child_id="-.C 1/.."), tray, note(child_id="..."), note(child_id="X7X"))
    stems = [outbox.stem(item) for item in items]
    keys = [item.idempotency_key[:16] for item in items]
    assert stems == [
        f"C-1_case-note_{keys[0]}",
        f"C-7_work-tray-alert_{keys[1]}",
        f"x_case-note_{keys[2]}",
        f"X7X_case-note_{keys[3]}",
    ]
    item = note()
    queued = outbox.deliver(item)
    again = outbox.deliver(item)
    assert (again.status, again.location) == (ReceiptStatus.DUPLICATE, queued.location)
    assert (
        (outbox.folder / f"{outbox.stem(item)}.json").read_text(encoding="utf-8").startswith('{\n "child_id": "C001"')
    )


class HalfDown:
    """A transport that queues every item but child C002's, which it fails."""

    def deliver(self, item):
        if item.child_id == "C002":
            return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.FAILED, detail="HTTP 503")
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.QUEUED)


def test_an_unsynced_folder_fails_what_was_written_and_keeps_each_failures_own_reason(tmp_path, monkeypatch, caplog):
    def unsynced(_self):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(PendingWrites, "sync", unsynced)
    with WriteBack(HalfDown(), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), audit=None) as wb:
        receipts = wb.deliver([note(), note(child_id="C002")])
        assert [(r.status, r.detail) for r in receipts] == [
            (ReceiptStatus.FAILED, "OSError while delivering"),
            (ReceiptStatus.FAILED, "HTTP 503"),
        ]
    assert "the outbox files could not be synced: OSError" in caplog.text


def test_outcomes_the_store_cannot_record_are_still_returned_and_each_is_named_in_the_log(
    tmp_path, monkeypatch, caplog
):
    store = StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")

    def unavailable(*_args):
        raise StoreError("the state store is locked")

    monkeypatch.setattr(store, "finish_all", unavailable)
    items = [note(), note(child_id="C002")]
    with WriteBack(HalfDown(), store, audit=None) as wb:
        receipts = wb.deliver(items)
    assert [r.status for r in receipts] == [ReceiptStatus.QUEUED, ReceiptStatus.FAILED]
    assert "write-back state store unavailable: the state store is locked" in caplog.text
    for item, outcome in zip(items, ("queued", "failed"), strict=True):
        assert f"write-back {item.idempotency_key}: outcome {outcome} not recorded" in caplog.messages


def test_the_audit_names_where_the_options_send_an_item_and_the_log_by_its_path(tmp_path):
    item = note(child_id="C 1")
    outbox = tmp_path / "out"
    assert options_destination({"outbox": str(outbox)})(item) == f"{Outbox(outbox).stem(item)}.json"
    assert options_destination({"endpoint": "https://gw.test/base/"})(item) == "/base/case-notes"
    assert options_destination({})(item) is None
    assert repr(AuditLog(tmp_path / "a.jsonl")) == f"AuditLog({str(tmp_path / 'a.jsonl')!r})"


def test_an_audit_line_is_written_under_a_lock_into_new_folders_and_a_wider_log_is_narrowed(tmp_path, monkeypatch):
    item = note()
    entry = AuditEntry.of(
        item,
        Receipt(idempotency_key=item.idempotency_key, status="queued"),
        transport="outbox",
        destination=None,
        at=dt.datetime(2025, 3, 4, 23, 30, tzinfo=dt.UTC),
    )
    locks = []
    real_flock = audit_module.fcntl.flock
    monkeypatch.setattr(audit_module.fcntl, "flock", lambda fd, op: locks.append(op) or real_flock(fd, op))
    nested = AuditLog(tmp_path / "logs" / "2025" / "audit.jsonl")
    nested.append(entry)
    assert nested.read().entries == (entry,)
    assert locks == [audit_module.fcntl.LOCK_EX]
    wide = tmp_path / "old.jsonl"
    wide.write_text("")
    wide.chmod(0o644)
    AuditLog(wide).append(entry)
    assert stat.S_IMODE(wide.stat().st_mode) == 0o600


class Retrying:
    """A transport that says whether a retry finds an item a killed run delivered."""

    def __init__(self, answer):
        self.answer = answer

    def deliver(self, item):
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.QUEUED)

    def found_on_retry(self):
        return self.answer


def test_only_an_outbox_or_a_transport_that_says_so_finds_on_retry_what_a_killed_run_delivered(tmp_path):
    assert found_on_retry(Outbox(tmp_path / "out")) is True
    assert (found_on_retry(Retrying(True)), found_on_retry(Retrying(False)), found_on_retry(object())) == (
        True,
        False,
        False,
    )
    gateway = HttpGateway("https://gw.test")
    gateway.found_on_retry = lambda: True  # a gateway's answer is never taken: it posts again
    assert found_on_retry(gateway) is False


def test_the_audit_log_sits_beside_a_sqlite_store_file_only(tmp_path):
    beside = tmp_path / "permanence-audit.jsonl"
    assert beside_store(f"sqlite:///{tmp_path / 'state.sqlite'}") == beside
    assert beside_store(make_url(f"sqlite:///{tmp_path / 'state.sqlite'}")) == beside
    for url in ("sqlite://", "sqlite:///:memory:", f"sqlite:///file:{tmp_path / 'state.sqlite'}?uri=true"):
        assert beside_store(url) is None, url
    assert beside_store("postgresql://user@db.council.test/permanence") is None


class Adapted(Retrying):
    """An adapter's own write-back transport: it names its adapter and where each item goes."""

    adapter = "mosaic"

    def destination(self, item):
        return f"tray/{item.child_id}"


def test_the_audit_names_each_transport_and_where_it_sends_an_item(tmp_path):
    item = note(child_id="C 1")
    gateway = HttpGateway("https://gw.test/base/")
    assert (transport_name(gateway), transport_name(Outbox(tmp_path))) == ("http", "outbox")
    assert (transport_name(Adapted(True)), transport_name(Retrying(True))) == ("adapter:mosaic", "Retrying")
    assert destination_of(gateway)(item) == "/base/case-notes"
    assert destination_of(Adapted(True))(item) == "tray/C 1"
    assert destination_of(Retrying(True))(item) is None


def test_an_items_key_is_the_same_in_every_version_and_its_parts_cannot_run_together():
    # A key that changed with an upgrade would make the next run send every item again.
    assert content_key("note", "C001") == "9050b86e42d2a4e25a9efaee0345f3db"
    assert content_key("ab", "c") != content_key("a", "bc")
