"""`permanence panel`: the business support officer's month, through the command line, with its errors."""

import json

import docx
import pytest
from click.testing import CliRunner
from documents_helpers import WordUser
from ledger_helpers import BACKENDS, D, InMemoryAdapter, action, case, database, meeting, plan, use_adapter

from permanence_core.cli import cli

REVIEWS = [D(2024, 2, 1), D(2024, 5, 1), D(2024, 10, 30)]


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(autouse=True)
def adapter(monkeypatch):
    settled = {"reviews": REVIEWS, "plans": [plan("adoption", decided=D(2024, 4, 1))]}
    memory = InMemoryAdapter(
        [
            case("C1", start=D(2025, 2, 24)),
            case(
                "C3",
                siblings=["C4"],
                meetings=[meeting("TP-C3", D(2025, 2, 10), ("C3",), action("1", due=D(2025, 3, 1)), action("2"))],
                **settled,
            ),
            case("C4", siblings=["C3"], meetings=[meeting("TP-C4", D(2025, 3, 3), ("C4",))], **settled),
        ]
    )
    use_adapter(monkeypatch, memory)
    return memory


def run(ledger_url, *args):
    return CliRunner().invoke(cli, [*args, "--ledger", ledger_url])


SOURCE = ("--adapter", "memory", "--source", "cases")


def test_a_month_of_the_panel(ledger_url, tmp_path):
    assert run(ledger_url, "ledger", "sync", *SOURCE).exit_code == 0
    scheduled = run(ledger_url, "panel", "schedule", "2025-03-13", "--chair", "Chair Person")
    assert scheduled.output.strip() == (
        "Scheduled panel-2025-03-13: referrals to business support by 2025-03-10, minutes due by 2025-03-18"
    )
    assert run(ledger_url, "panel", "schedule", "2025-04-10").exit_code == 0

    agenda = json.loads(run(ledger_url, "panel", "agenda", "--panel", "2025-03-13", *SOURCE, "--format", "json").stdout)
    assert [(c["child_id"], c["group"]) for c in agenda["children"]] == [("C1", "C1"), ("C3", "C3"), ("C4", "C3")]
    text = run(ledger_url, "panel", "agenda", "--panel", "2025-03-13", *SOURCE).output
    assert "  sibling group C3:\n      2. C3: 1 overdue action, the oldest 12 days late (due 1 March 2025)" in text

    pack = tmp_path / "pack.docx"
    packed = run(ledger_url, "panel", "pack", "--panel", "2025-03-13", *SOURCE, "--out", str(pack))
    assert packed.exit_code == 0, packed.output
    headings = [p.text for p in docx.Document(str(pack)).paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if "(ID " in h] == [
        "1. Test Child C1 (ID C1)",
        "2. Test Child C3 (ID C3)",
        "3. Test Child C4 (ID C4)",
    ]

    drafts = tmp_path / "drafts"
    written = json.loads(
        run(
            ledger_url,
            "panel",
            "minutes",
            "--panel",
            "2025-03-13",
            *SOURCE,
            "--out-dir",
            str(drafts),
            "--format",
            "json",
        ).stdout
    )
    assert [(w["child_id"], w["final"]) for w in written["written"]] == [("C1", False), ("C3", False), ("C4", False)]
    assert written["minutes_issued_on"] is None

    user = WordUser((drafts / "C3-panel-2025-03-13-draft.docx").read_bytes())
    user.type("4. Summary of discussion", "Synthetic discussion")
    user.fill_rows(user.table_with_header("Name", "Role/relationship to child"), [("Sam Worker", "Social worker")])
    tasks = user.table_with_header("No.", "Action required")
    tasks.rows[1].cells[4].paragraphs[0].add_run("yes")
    user.fill_rows(tasks, [("", "Synthetic new task", "Sam Worker", "2 weeks", "", "")])
    completed = tmp_path / "C3-completed.docx"
    completed.write_bytes(user.save())
    recorded = run(
        ledger_url, "panel", "record", "--panel", "2025-03-13", "--docx", str(completed), "--decision", "approved"
    )
    assert recorded.exit_code == 0, recorded.output
    assert "Recorded child C3 at panel-2025-03-13" in recorded.output
    assert "1 new action C3.1; 1 done 1" in recorded.output
    for child in ("C1", "C4"):
        assert (
            run(
                ledger_url, "panel", "record", "--panel", "2025-03-13", "--child", child, "--decision", "progressing"
            ).exit_code
            == 0
        )

    outbox = tmp_path / "outbox"
    minutes_dir = tmp_path / "minutes"
    args = ("panel", "minutes", "--panel", "2025-03-13", *SOURCE, "--out-dir", str(minutes_dir))
    args += ("--publish", "--outbox", str(outbox), "--issued-on", "2025-03-19", "--format", "json")
    issued = json.loads(run(ledger_url, *args).stdout)
    assert [w["final"] for w in issued["written"]] == [True, True, True]
    assert [p["status"] for p in issued["published"]] == ["queued", "queued", "queued"]
    assert (issued["minutes_issued_on"], issued["minutes_due"], issued["late"]) == ("2025-03-19", "2025-03-18", True)
    assert len(list(outbox.glob("C3_panel-minutes_*.json"))) == 1
    again = json.loads(run(ledger_url, *args).stdout)
    assert [p["status"] for p in again["published"]] == ["duplicate", "duplicate", "duplicate"]

    carried = json.loads(run(ledger_url, "panel", "carry-forward", "--panel", "2025-03-13", "--format", "json").stdout)
    assert carried["to_panel"] == "panel-2025-04-10"
    assert sorted(c["from_action"] for c in carried["carried"]) == ["2", "C3.1"]
    april = json.loads(run(ledger_url, "panel", "agenda", "--panel", "2025-04-10", *SOURCE, "--format", "json").stdout)
    c3 = next(c for c in april["children"] if c["child_id"] == "C3")
    assert {"kind": "carried_actions", "text": "2 action(s) carried forward to this panel"} in c3["reasons"]

    listed = run(ledger_url, "panel", "list").output
    assert "panel-2025-03-13 held: 3 children, 3 recorded" in listed
    assert "minutes issued 2025-03-19" in listed
    history = json.loads(run(ledger_url, "ledger", "history", "--child", "C3", "--format", "json").stdout)
    assert {d["document_type"] for d in history["documents"]} == {"panel-record-draft", "panel-minutes"}


def test_record_from_options_and_its_errors(ledger_url):
    run(ledger_url, "ledger", "sync", *SOURCE)
    run(ledger_url, "panel", "schedule", "2025-03-13")
    base = ("panel", "record", "--panel", "2025-03-13", "--child", "C3")
    result = run(
        ledger_url,
        *base,
        "--summary",
        "Synthetic",
        "--present",
        "Chair Person | Chair",
        "--apology",
        "Ira Reviewer",
        "--action",
        "Synthetic task | Sam Worker | 2025-04-01",
        "--action",
        "Another task",
        "--done",
        "1=2025-03-12",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    [recorded] = json.loads(result.stdout)["recorded"]
    assert (recorded["added"], recorded["completed"]) == (["C3.1", "C3.2"], ["1"])
    unknown = run(ledger_url, *base, "--done", "99")
    assert unknown.exit_code == 1
    assert "99: is not an action of child C3 reviewed at this panel" in unknown.stderr
    bad_due = run(ledger_url, *base, "--action", "Task | Owner | next blue moon")
    assert bad_due.exit_code == 2
    assert "action 1: due 'next blue moon'" in bad_due.output
    both = run(ledger_url, "panel", "record", "--panel", "2025-03-13")
    assert both.exit_code == 2


def test_an_unreadable_record_is_reported_and_the_others_recorded(ledger_url, tmp_path):
    run(ledger_url, "ledger", "sync", *SOURCE)
    run(ledger_url, "panel", "schedule", "2025-03-13")
    run(ledger_url, "panel", "agenda", "--panel", "2025-03-13", *SOURCE)
    drafts = tmp_path / "drafts"
    run(ledger_url, "panel", "minutes", "--panel", "2025-03-13", *SOURCE, "--out-dir", str(drafts))
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a word document")
    user = WordUser((drafts / "C4-panel-2025-03-13-draft.docx").read_bytes())
    user.type("5. Agreed Permanence Plan", "Adoption")
    good = tmp_path / "C4-completed.docx"
    good.write_bytes(user.save())
    blank = drafts / "C1-panel-2025-03-13-draft.docx"
    result = run(
        ledger_url,
        "panel",
        "record",
        "--panel",
        "2025-03-13",
        "--docx",
        str(junk),
        "--docx",
        str(good),
        "--docx",
        str(blank),
    )
    assert result.exit_code == 1
    assert "Recorded child C4" in result.output
    assert f"Not recorded: {junk}" in result.stderr
    assert f"Not recorded: {blank}: is not completed" in result.stderr


def test_panel_errors_are_exit_1_with_the_reason(ledger_url):
    run(ledger_url, "panel", "schedule", "2025-03-13")
    twice = run(ledger_url, "panel", "schedule", "2025-03-13")
    assert twice.exit_code == 1
    assert "panel-2025-03-13: a panel is already scheduled that day" in twice.stderr
    nothing_next = run(ledger_url, "panel", "carry-forward", "--panel", "2025-03-13")
    assert nothing_next.exit_code == 1
    assert "schedule the next panel first" in nothing_next.stderr
    no_such = run(ledger_url, "panel", "agenda", "--panel", "2025-06-12", *SOURCE)
    assert no_such.exit_code == 1
    assert "panel-2025-06-12: no such panel" in no_such.stderr
    assert run(ledger_url, "panel", "schedule", "13/03/2025").exit_code == 2
    assert run(ledger_url, "panel", "cancel", "2025-03-13").output == "Cancelled panel-2025-03-13\n"
    assert "panel-2025-03-13 cancelled: 0 children" in run(ledger_url, "panel", "list").output
