"""The ``permanence raise`` command: ingest, status, and the panel's referrals and minutes, with exit codes."""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner, Result

from permanence_core.cli import cli as core_cli


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(core_cli, ["raise", *args], env=env, catch_exceptions=False)


@pytest.fixture
def settled(tmp_path: Path) -> Path:
    config = tmp_path / "council.toml"
    config.write_text("[raise]\nsettle_seconds = 0\n", encoding="utf-8")
    return config


def test_ingest_reports_each_drop_and_quarantines_on_stderr(
    new_inbox: Callable[[], Path], drops: Any, settled: Path
) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-03-31")
    (root / "incoming" / "notes.docx").write_bytes(b"PK")

    result = _run("ingest", "--inbox", str(root), "--config", str(settled))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2025-03-31: ingested -> archive/2025-03-31 (2 children; 0 records rejected, 0 in this drop)",
        "notes.docx: quarantined -> quarantine/notes.docx",
        "1 ingested, 1 quarantined; snapshot 000001 is current",
    ]
    assert "notes.docx was quarantined (see quarantine/notes.docx.error.txt):" in result.stderr
    assert "notes.docx: is not a file the RAISE inbox takes" in result.stderr


def test_ingest_as_json(new_inbox: Callable[[], Path], drops: Any, settled: Path) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-03-31")

    result = _run("ingest", "--inbox", str(root), "--config", str(settled), "--format", "json")

    data = json.loads(result.stdout)
    assert data["counts"]["ingested"] == 1 and data["snapshot"] == "000001"
    assert data["drops"][0]["summary"]["children"] == 2
    again = json.loads(_run("ingest", "--inbox", str(root), "--config", str(settled), "--format", "json").stdout)
    assert again["drops"] == [] and again["snapshot"] == "000001"


def test_a_missing_inbox_exits_1_with_the_reason_on_stderr(tmp_path: Path) -> None:
    for command in (["ingest"], ["status"], ["panel", "referrals"], ["panel", "minutes"]):
        result = _run(*command, "--inbox", str(tmp_path / "nowhere"))

        assert result.exit_code == 1, command
        assert "does not exist (the RAISE inbox)" in result.stderr


def test_panel_commands_before_anything_is_ingested_say_so(new_inbox: Callable[[], Path]) -> None:
    result = _run("panel", "referrals", "--inbox", str(new_inbox()))

    assert result.exit_code == 1
    assert "no drop has been ingested into this RAISE inbox yet" in result.stderr


def test_a_bad_date_is_a_usage_error(panel_inbox: Path) -> None:
    result = _run("panel", "referrals", "--inbox", str(panel_inbox), "--panel-date", "24/04/2025")

    assert result.exit_code == 2
    assert "is not a date in YYYY-MM-DD form" in result.stderr


def test_status_names_the_drop_behind_each_file(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "2025-04-30").mkdir()

    result = _run("status", "--inbox", str(root))

    lines = result.stdout.splitlines()
    assert lines[0].startswith("Snapshot 000001, made by 2025-03-31 on ")
    assert "  header.csv                     from archive/2025-03-31/header.csv" in lines
    assert lines[-1].startswith("incoming: 2025-04-30: changed less than 60 seconds ago")
    data = json.loads(_run("status", "--inbox", str(root), "--format", "json").stdout)
    assert data["current"]["files"]["pack/children.csv"] == "2025-03-31/pack/children.csv"


def test_panel_referrals_table_and_json(panel_inbox: Path) -> None:
    args = ("panel", "referrals", "--inbox", str(panel_inbox), "--panel-date", "2025-04-24", "--as-of", "2025-04-22")

    table = _run(*args)
    data = json.loads(_run(*args, "--format", "json").stdout)

    assert table.exit_code == 0
    assert table.stdout.splitlines()[0] == "Panel 2025-04-24: referrals (profile panel-tor, as of 2025-04-22)"
    assert re.search(r"^P3 +PAN-0424-P3 +2025-04-24 +2025-04-21 +missing$", table.stdout, re.MULTILINE)
    assert table.stdout.splitlines()[-1] == "2 missing, 1 received, 1 unknown"
    assert data["counts"] == {"missing": 2, "received": 1, "unknown": 1}
    assert data["referrals"][0] == {
        "child_id": "P2",
        "meeting_id": "PAN-0424-P2",
        "panel_date": "2025-04-24",
        "due_date": "2025-04-21",
        "done_on": None,
        "state": "missing",
        "note": None,
    }


def test_panel_referrals_default_to_the_next_panel(panel_inbox: Path) -> None:
    found = json.loads(
        _run("panel", "referrals", "--inbox", str(panel_inbox), "--as-of", "2025-04-01", "--format", "json").stdout
    )
    none_left = _run("panel", "referrals", "--inbox", str(panel_inbox), "--as-of", "2025-06-01")

    assert found["panel_date"] == "2025-04-24"
    assert none_left.exit_code == 1
    assert "no tracking panel is recorded on or after 2025-06-01: give --panel-date" in none_left.stderr


def _outbox(folder: Path) -> list[str]:
    return sorted(
        path.name.split("_", 2)[0] + "_" + path.name.split("_", 2)[1] + path.suffix for path in folder.iterdir()
    )


def test_panel_minutes_placed_in_the_outbox_once_and_overdue_ones_alerted_once(panel_inbox: Path) -> None:
    args = ("panel", "minutes", "--inbox", str(panel_inbox), "--panel-date", "2025-04-24", "--as-of", "2025-04-30")

    first = _run(*args)
    again = _run(*args)

    assert first.exit_code == 0, first.output
    outbox = panel_inbox / "outbox"
    assert _outbox(outbox) == [
        "P2_panel-minutes.docx",
        "P2_panel-minutes.json",
        "P2_work-tray-alert.json",
        "P3_panel-minutes.docx",
        "P3_panel-minutes.json",
        "P3_work-tray-alert.json",
    ]
    assert first.stdout.splitlines()[-1] == (
        "2 minutes for upload: 2 placed in the outbox, 0 delivered, 0 already placed before; 2 overdue, 2 alerted now"
    )
    assert again.stdout.splitlines()[-1] == (
        "2 minutes for upload: 0 placed in the outbox, 0 delivered, 2 already placed before; 2 overdue, 0 alerted now"
    )
    assert len(list(outbox.iterdir())) == 6
    sidecar = json.loads(next(outbox.glob("P2_panel-minutes_*.json")).read_text(encoding="utf-8"))
    assert sidecar["document_type"] == "panel-minutes" and sidecar["child_id"] == "P2"
    assert sidecar["file"].startswith("P2_panel-minutes_") and sidecar["file"].endswith(".docx")
    alert = json.loads(next(outbox.glob("P3_work-tray-alert_*.json")).read_text(encoding="utf-8"))
    assert alert["recipient_role"] == "business_support" and alert["due_date"] == "2025-04-29"
    assert (panel_inbox / "permanence-writeback.sqlite").is_file()


def test_panel_minutes_as_json(panel_inbox: Path, tmp_path: Path) -> None:
    result = _run(
        "panel", "minutes", "--inbox", str(panel_inbox), "--as-of", "2025-04-30", "--format", "json",
        "--outbox", str(tmp_path / "elsewhere"),
    )  # fmt: skip

    data = json.loads(result.stdout)
    assert [(m["child_id"], m["meeting_id"], m["state"]) for m in data["minutes"]] == [
        ("P2", "PAN-0327-P2", "overdue"),
        ("P2", "PAN-0424-P2", "overdue"),
        ("P3", "PAN-0424-P3", "overdue"),
    ]
    assert {m["document"]["status"] for m in data["minutes"]} == {"queued"}
    assert data["alerts"]["sent"] == 3
    assert len(list((tmp_path / "elsewhere").glob("*.docx"))) == 3


@responses.activate
def test_panel_minutes_go_to_the_councils_gateway_when_one_is_configured(panel_inbox: Path, tmp_path: Path) -> None:
    config = tmp_path / "council.toml"
    config.write_text(
        '[write_back]\nendpoint = "https://gateway.council.example/raise"\ntoken_env = "RAISE_GATEWAY_TOKEN"\n'
        'state = "sqlite:///writeback.sqlite"\n',
        encoding="utf-8",
    )
    documents = responses.post("https://gateway.council.example/raise/documents", json={"id": "DOC-1"}, status=201)
    alerts = responses.post("https://gateway.council.example/raise/alerts", json={"id": "ALERT-1"}, status=201)

    result = _run(
        "panel", "minutes", "--inbox", str(panel_inbox), "--panel-date", "2025-04-24", "--as-of", "2025-04-30",
        "--config", str(config),
        env={"RAISE_GATEWAY_TOKEN": "synthetic-token"},
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert (documents.call_count, alerts.call_count) == (2, 2)
    assert documents.calls[0].request.headers["Authorization"] == "Bearer synthetic-token"
    assert "2 delivered" in result.stdout
    assert not (panel_inbox / "outbox").exists()
    assert (tmp_path / "writeback.sqlite").is_file()


def test_the_core_commands_read_the_inbox_through_the_adapter(panel_inbox: Path) -> None:
    result = CliRunner().invoke(
        core_cli,
        ["alerts", "--adapter", "raise", "--source", str(panel_inbox), "--profile", "panel-tor",
         "--as-of", "2025-04-30", "--format", "json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    overdue = {(a["child_id"], a["rule"]) for a in json.loads(result.stdout)["alerts"] if a["status"] == "overdue"}
    assert {("P2", "panel.minutes"), ("P3", "panel.minutes"), ("P3", "panel.referral")} <= overdue


def test_the_commands_live_under_permanence_and_no_second_script_is_installed() -> None:
    scripts = [ep.name for ep in importlib.metadata.distribution("permanence-raise").entry_points]
    assert "permanence-raise" not in scripts
    shown = CliRunner().invoke(core_cli, ["--help"])
    assert "raise " in shown.stdout and "RAISE file-drop inbox" in shown.stdout
