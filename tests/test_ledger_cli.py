"""`permanence ledger`: upgrade, sync (with alerts raised once), status and a child's history; errors and exit codes."""

import json

import pytest
from click.testing import CliRunner
from ledger_helpers import BACKENDS, D, InMemoryAdapter, action, case, database, meeting, plan, use_adapter

from permanence_core.adapters import Rejection
from permanence_core.cli import cli

REJECTED = Rejection(source="episodes.csv", row=7, child_id="C9", field="DECOM", value="31/02/2025", reason="no date")


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def adapter(monkeypatch):
    memory = InMemoryAdapter(
        [
            case(
                "C1",
                start=D(2025, 2, 24),
                plans=[plan("adoption", plan_id="P1")],
                meetings=[meeting("PPM-1", D(2025, 3, 3), ("C1",), action("1", due=D(2025, 3, 20)), kind="ppm")],
            ),
            case("C2", start=D(2024, 12, 2)),
        ],
        [REJECTED],
    )
    use_adapter(monkeypatch, memory)
    return memory


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_sync_records_the_load_and_reports_rejections(adapter, ledger_url):
    result = run("ledger", "sync", "--adapter", "memory", "--source", "cases", "--ledger", ledger_url)
    assert result.exit_code == 0, result.output
    assert "Sync 1 into" in result.output
    assert "2 children (2 new), 3 read, 1 rejected; plans changed 1, meetings added 1" in result.output
    assert "episodes.csv, row 7: child C9 DECOM='31/02/2025': no date" in result.stderr
    again = run(
        "ledger", "sync", "--adapter", "memory", "--source", "cases", "--ledger", ledger_url, "--format", "json"
    )
    summary = json.loads(again.stdout)
    assert summary["sync"]["sync_id"] == 2
    assert (summary["sync"]["children_new"], summary["sync"]["plans_changed"]) == (0, 0)
    assert summary["rejected"][0]["child_id"] == "C9"


def test_sync_raises_each_alert_once(adapter, ledger_url, tmp_path):
    outbox = tmp_path / "outbox"
    args = ["ledger", "sync", "--adapter", "memory", "--source", "cases", "--ledger", ledger_url]
    args += ["--raise-alerts", "--outbox", str(outbox), "--as-of", "2025-03-13", "--format", "json"]
    first = json.loads(run(*args).stdout)
    assert first["alerts"]["new"] == 2
    assert first["alerts"]["sent"] == 2
    assert len(list(outbox.glob("*_work-tray-alert_*.json"))) == 2
    second = json.loads(run(*args).stdout)
    assert (second["alerts"]["new"], second["alerts"]["unchanged"], second["alerts"]["sent"]) == (0, 2, 0)
    later = json.loads(run(*[a if a != "2025-03-13" else "2025-03-25" for a in args]).stdout)
    assert later["alerts"]["changed"] == 1


def test_raising_alerts_needs_somewhere_to_send_them(adapter, ledger_url):
    result = run("ledger", "sync", "--adapter", "memory", "--source", "x", "--ledger", ledger_url, "--raise-alerts")
    assert result.exit_code == 2
    assert "--raise-alerts needs write-back settings" in result.output


def test_status_and_history(adapter, ledger_url):
    run("ledger", "sync", "--adapter", "memory", "--source", "cases", "--ledger", ledger_url)
    status = run("ledger", "status", "--ledger", ledger_url)
    assert status.exit_code == 0
    assert "at revision 0005" in status.output
    assert "memory cases: 2 children, 1 rejected, 1 plan change, 1 meeting and 1 action added" in status.output
    history = json.loads(run("ledger", "history", "--child", "C1", "--ledger", ledger_url, "--format", "json").stdout)
    assert [p["plan_key"] for p in history["plans"]] == ["P1"]
    assert [(a["meeting_id"], a["action_id"], a["status"]) for a in history["actions"]] == [("PPM-1", "1", "open")]
    text = run("ledger", "history", "--child", "C1", "--ledger", ledger_url)
    assert "2025-03-03 ppm PPM-1 (held, case_system)" in text.output
    unknown = run("ledger", "history", "--child", "C404", "--ledger", ledger_url)
    assert unknown.exit_code == 1
    assert "child 'C404' is not in the ledger" in unknown.stderr


def test_a_plain_path_is_a_sqlite_ledger(adapter, tmp_path):
    path = tmp_path / "council" / "ledger.sqlite"
    result = run("ledger", "sync", "--adapter", "memory", "--source", "cases", "--ledger", str(path))
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_the_ledger_defaults_to_the_write_back_state_store_of_the_config(adapter, tmp_path):
    config = tmp_path / "council.toml"
    config.write_text('[write_back]\noutbox = "outbox"\n', encoding="utf-8")
    result = run("ledger", "sync", "--adapter", "memory", "--source", "cases", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "permanence-writeback.sqlite").exists()


def test_a_password_on_the_command_line_is_refused():
    result = run("ledger", "status", "--ledger", "postgresql+psycopg://u:s3cret@db.example/ledger")
    assert result.exit_code == 2
    assert "PERMANENCE_LEDGER_PASSWORD" in result.output
    assert "s3cret" not in result.output


def test_a_ledger_that_cannot_be_opened_is_exit_1():
    result = run("ledger", "status", "--ledger", "mysql+pymysql://u@db.example/ledger")
    assert result.exit_code == 1
    assert "ledger" in result.stderr


def test_upgrade_and_its_sql(ledger_url):
    result = run("ledger", "upgrade", "--ledger", ledger_url)
    assert result.exit_code == 0
    assert "revision none -> 0005" in result.output
    assert "revision 0005 -> 0005" in run("ledger", "upgrade", "--ledger", ledger_url).output
    sql = run("ledger", "upgrade", "--sql", "--ledger", "postgresql+psycopg://permanence@db.example/ledger")
    assert "CREATE TABLE tracker_meetings" in sql.output
