"""Every file permanence writes that may hold a child's details is readable by its owner only, whatever the umask."""

import datetime as dt
import os
import stat

import pytest
from click.testing import CliRunner

from permanence_core import private_files
from permanence_core.cli import cli
from permanence_core.private_files import deferred_sync, open_private, write_private
from permanence_core.synth import demo_folder
from permanence_core.writeback import AuditLog, CaseNote, DocumentUpload, Outbox, StateStore, WriteBack

DEMO = ["--adapter", "ssda903", "--source", str(demo_folder())]
CHILD = "1000009"


@pytest.fixture(autouse=True)
def open_umask():
    # With a umask of 0 a file written the ordinary way would be readable and writable by everyone.
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_write_private_replaces_a_readable_file_with_a_private_one(tmp_path):
    path = tmp_path / "new" / "report.html"
    write_private(path, b"one")
    assert mode(path) == 0o600
    path.chmod(0o644)
    write_private(path, b"two")
    assert (path.read_bytes(), mode(path)) == (b"two", 0o600)
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]


def test_write_private_can_refuse_to_create_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_private(tmp_path / "missing" / "t.xlsx", b"x", create_folder=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["form", "pro-forma", "--child", CHILD], "pro-forma.docx"),
        (["form", "referral", "--child", CHILD], "referral.html"),
        (["form", "record", "--child", CHILD], "record.docx"),
        (["tracker"], "tracker.html"),
        (["tracker"], "tracker.xlsx"),
    ],
)
def test_documents_and_trackers_are_private(tmp_path, command, name):
    out = tmp_path / name
    run(*command, *DEMO, "--as-of", "2026-11-02", "--out", out)
    assert mode(out) == 0o600


def test_the_panels_pack_and_minutes_are_private(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    run("ledger", "sync", *DEMO, "--ledger", ledger)
    run("panel", "schedule", "2026-11-05", "--ledger", ledger)
    pack = tmp_path / "pack.docx"
    run("panel", "pack", "--panel", "2026-11-05", *DEMO, "--out", pack, "--ledger", ledger)
    drafts = tmp_path / "drafts"
    run("panel", "minutes", "--panel", "2026-11-05", *DEMO, "--out-dir", drafts, "--ledger", ledger)
    written = [pack, *drafts.iterdir()]
    assert len(written) > 1
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_the_outbox_and_the_audit_log_are_private(tmp_path):
    items = [
        DocumentUpload(child_id=CHILD, document_type="ppm-minutes", filename="m.docx", content=b"x"),
        CaseNote(child_id=CHILD, note_type="N", title="t", contact_date=dt.date(2026, 11, 2), body="b"),
    ]
    with WriteBack(Outbox(tmp_path / "out"), StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")) as wb:
        wb.deliver(items)
        audit = wb.audit
    written = [*(tmp_path / "out").iterdir(), audit.path]
    assert isinstance(audit, AuditLog) and len(written) == 4
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_state_store_and_ledger_databases_are_private(tmp_path):
    from permanence_core.tracker.ledger import open_engine

    StateStore(f"sqlite:///{tmp_path / 'state' / 'writeback.sqlite'}").close()
    open_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}").dispose()
    assert mode(tmp_path / "state" / "writeback.sqlite") == 0o600
    assert mode(tmp_path / "ledger.sqlite") == 0o600


def test_open_private_replaces_the_file_only_when_the_block_completes(tmp_path):
    path = tmp_path / "tracker.html"
    write_private(path, b"old")
    with pytest.raises(RuntimeError), open_private(path) as handle:
        handle.write(b"half a page")
        raise RuntimeError("the page failed")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["tracker.html"]
    with open_private(path) as handle:
        for piece in (b"<html>", b"</html>"):
            handle.write(piece)
    assert path.read_bytes() == b"<html></html>"
    assert mode(path) == 0o600


@pytest.mark.parametrize("has_syncfs", [True, False])
def test_files_written_in_a_deferred_sync_are_put_in_place_by_its_sync_with_one_flush_of_their_disk(
    tmp_path, monkeypatch, has_syncfs
):
    flushed, fsynced = [], []
    # Linux has syncfs; elsewhere each file is flushed with its own fsync.
    monkeypatch.setattr(private_files, "_SYNCFS", (lambda _fd: 0) if has_syncfs else None)
    monkeypatch.setattr(private_files, "_syncfs", flushed.append)
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsynced.append(stat.S_ISDIR(os.fstat(fd).st_mode)), real_fsync(fd)))
    with deferred_sync() as written:
        for number in range(3):
            write_private(tmp_path / "out" / f"{number}.json", b"{}")
        assert sorted(p.name.startswith(".tmp-") for p in (tmp_path / "out").iterdir()) == [True] * 3
        written.sync()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.json", "1.json", "2.json"]
    assert {mode(p) for p in (tmp_path / "out").iterdir()} == {0o600}
    if has_syncfs:
        # One syncfs for the three files, then one fsync of their folder (the renames).
        assert (len(flushed), fsynced) == (1, [True])
    else:
        assert (len(flushed), fsynced) == (0, [False, False, False, True])
    # A block left without a sync leaves nothing behind: not the files, not their temporary files.
    with deferred_sync():
        write_private(tmp_path / "out" / "3.json", b"{}")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.json", "1.json", "2.json"]


@pytest.mark.parametrize("fault", ["flush", "second rename"])
def test_a_deferred_sync_that_fails_puts_nothing_in_place_after_the_failure_and_leaves_no_temporary_file(
    tmp_path, monkeypatch, fault
):
    def fail(*_args):
        raise OSError(5, "Input/output error")

    real_replace = os.replace
    renames = []

    def second_fails(src, dst):
        renames.append(dst)
        if len(renames) == 2:
            fail()
        real_replace(src, dst)

    if fault == "flush":
        monkeypatch.setattr(private_files, "_flush", fail)
    else:
        monkeypatch.setattr(os, "replace", second_fails)
    with deferred_sync() as written:
        for name in ("document.docx", "document.json", "note.json"):
            write_private(tmp_path / name, name.encode())
        with pytest.raises(OSError):
            written.sync()
    # Renamed in the order written, so a sidecar is never in place without the document written before it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if fault == "flush" else ["document.docx"])
