"""Every `permanence` command, run with --debug and the root logger at DEBUG on the demo cohort, logs ids only.

The commands are found by walking the click group, so a new command without a run here fails the test. Each run's
stderr and every log record (message and traceback) are searched for the demo children's names, dates of birth (in
the usual written forms), free-text answers and national identifiers (UPN, NHS number, shown at most as their last 3
characters); stdout is where documents and reports go, and is not searched. Every command is then run again on
damaged inputs (a header line lost, data rows under a table's name, a symlink to a data file, invalid identifiers,
a column named by a child's name, a corrupt ledger, audit log and document), which must fail or go on just as quietly.
"""

import csv
import datetime as dt
import json
import logging
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from documents_helpers import WordUser

from permanence_core.cli import CORE_COMMANDS, cli
from permanence_core.pseudonymise import KEY_ENV
from permanence_core.synth import demo_folder
from permanence_core.writeback.audit import AUDIT_FILE

AS_OF = "2026-11-02"
PANEL = "2026-11-05"
CHILD = "1000009"
DEMO = ["--adapter", "ssda903", "--source", str(demo_folder())]
# Free text shorter than this is boilerplate ("None identified.") that could turn up anywhere.
LONGEST_BOILERPLATE = 24


def commands(group=cli, prefix=()):
    # The core's commands: a plugin's (``permanence raise …``) are run by the plugin's own tests.
    for name, command in sorted(group.commands.items()):
        if not prefix and name not in CORE_COMMANDS:
            continue
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name))


def written_dates(day):
    return {
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d-%m-%Y"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%Y%m%d"),
        day.strftime("%d %B %Y"),
        f"{day.day} {day:%B %Y}",
        day.strftime("%d %b %Y"),
        f"{day:%B} {day.day}, {day.year}",
    }


def pack_rows(pack, name):
    """The rows of one of the pack's CSV tables."""
    with (pack / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def personal_data(folder):
    """(names, other strings): the children's and their families' names; dates of birth; free-text answers."""
    names, strings = set(), set()
    with (folder / "header.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            for column in ("DOB", "MC_DOB"):
                if row[column]:
                    strings |= written_dates(dt.datetime.strptime(row[column], "%d/%m/%Y").date())
    free_text = []
    pack = folder / "pack"
    for row in pack_rows(pack, "children.csv"):
        names |= {row["first_name"], row["surname"]}
    for row in pack_rows(pack, "siblings.csv"):
        names |= set(row["sibling_name"].split())
        if row["sibling_date_of_birth"]:
            strings |= written_dates(dt.date.fromisoformat(row["sibling_date_of_birth"]))
    free_text += [row["description"] for row in pack_rows(pack, "plans.csv")]
    free_text += [row[column] for row in pack_rows(pack, "meetings.csv") for column in ("summary", "agreed_plan")]
    free_text += [row["description"] for row in pack_rows(pack, "actions.csv")]
    # What the tables cannot hold (family, views, narrative) is in the compact documents.json.
    for record in json.loads((pack / "documents.json").read_text())["records"]:
        for person in record.get("family", []):
            names |= set((person.get("name") or "").split())
            if person.get("date_of_birth"):
                strings |= written_dates(dt.date.fromisoformat(person["date_of_birth"]))
        free_text += list(record.get("views", {}).values()) + list(record.get("narrative", {}).values())
    strings |= {text for text in free_text if text and len(text) > LONGEST_BOILERPLATE}
    strings |= identifiers(folder)
    # A two-letter name would match inside ordinary words and make the check cry wolf.
    return {name for name in names if name and len(name) > 2}, strings


def identifiers(folder):
    """Every UPN and NHS number of the cohort: a message may show at most their last 3 characters."""
    found = set()
    with (folder / "header.csv").open(newline="") as handle:
        found |= {row["UPN"] for row in csv.DictReader(handle) if len(row["UPN"]) > 4}
    for row in pack_rows(folder / "pack", "children.csv"):
        found |= {row[column] for column in ("nhs_number", "upn", "former_upn") if row[column]}
    return found


def leaks(text, names, strings):
    found = sorted(s for s in strings if s in text)
    words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", text))
    return found + sorted(names & words)


class Collect(logging.Handler):
    """Every log record of every logger, as the --debug handler on stderr would see it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines = []

    def emit(self, record):
        # Formatted, so arguments and any traceback are searched too.
        self.lines.append(self.format(record))


class Session:
    """Runs commands with --debug, keeping each one's stderr and log records."""

    def __init__(self, collect):
        self.collect = collect
        self.runs = []

    def __call__(self, *args, expect=0):
        args = [str(a) for a in args]
        self.collect.lines.clear()
        result = CliRunner().invoke(cli, ["--debug", *args])
        self.runs.append((args, result, "\n".join([result.stderr, *self.collect.lines])))
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert result.exit_code in expected, f"{args}: {result.output}"
        return result


def damaged_copy(folder):
    """The demo cohort with a date of birth that cannot be, and a legal status that does not exist."""
    shutil.copytree(demo_folder(), folder)
    header = (folder / "header.csv").read_text().splitlines()
    header[1] = header[1].replace(header[1].split(",")[2], "31/02/2015")
    (folder / "header.csv").write_text("\n".join(header) + "\n")
    episodes = (folder / "episodes.csv").read_text().splitlines()
    columns = episodes[0].split(",")
    row = episodes[2].split(",")
    row[columns.index("LS")] = "Q9"
    episodes[2] = ",".join(row)
    (folder / "episodes.csv").write_text("\n".join(episodes) + "\n")
    return folder


def hostile_copy(folder):
    """The demo cohort damaged the ways that used to put personal data in a notice or a rejection."""
    shutil.copytree(demo_folder(), folder)
    header = (folder / "header.csv").read_text().splitlines()
    # Identifiers that fail their check: a rejection shows the value, which must be masked.
    row = header[3].split(",")
    row[4] = row[4][:-1] + "Q9"
    header[3] = ",".join(row)
    (folder / "header.csv").write_text("\n".join(header) + "\n")
    # Data rows under no header, named like no table; and a symlink to them, as a misplaced export would be.
    (folder / "extract.csv").write_text("\n".join(header[1:4]) + "\n")
    (folder / "linked.csv").symlink_to(folder / "extract.csv")
    # The Reviews table with its header line lost: its first line is a child's row (id, date of birth, review).
    reviews = (folder / "reviews.csv").read_text().splitlines()
    (folder / "reviews.csv").write_text("\n".join(reviews[1:]) + "\n")
    children = folder / "pack" / "children.csv"
    rows = pack_rows(folder / "pack", "children.csv")
    first = rows[0]
    # An extra column named after a child, as a hand-made export might be.
    episodes = (folder / "episodes.csv").read_text().splitlines()
    episodes = [episodes[0] + f",{first['first_name']} {first['surname']}"] + [line + ",x" for line in episodes[1:]]
    (folder / "episodes.csv").write_text("\n".join(episodes) + "\n")
    for row in rows[1:4]:
        if row["nhs_number"]:
            row["nhs_number"] = row["nhs_number"][:-1] + str((int(row["nhs_number"][-1]) + 1) % 10)
    with children.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    yield from logged_session(tmp_path_factory, run_everything)


@pytest.fixture(scope="module")
def damaged_session(tmp_path_factory, session):
    yield from logged_session(tmp_path_factory, lambda run, tmp: run_damaged(run, tmp, session))


def logged_session(tmp_path_factory, runner):
    root = logging.getLogger()
    level = root.level
    collect = Collect()
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(KEY_ENV, "synthetic-council-key-0123456789")
    try:
        yield runner(Session(collect), tmp_path_factory.mktemp("privacy"))
    finally:
        root.removeHandler(collect)
        root.setLevel(level)
        monkeypatch.undo()


def run_everything(run, tmp):
    demo_text = run("alerts", *DEMO, "--as-of", AS_OF, "--profile", "panel-tor")
    assert "overdue" in demo_text.stdout
    for fmt in ("json", "csv"):
        run("alerts", *DEMO, "--as-of", AS_OF, "--format", fmt)
    run("alerts", *DEMO, "--as-of", AS_OF, "--format", "json", "--pseudonymise")
    damaged = damaged_copy(tmp / "damaged")
    assert "rejected" in run("alerts", "--adapter", "ssda903", "--source", damaged, "--as-of", AS_OF).stderr
    run("explain", "--child", CHILD, *DEMO, "--as-of", AS_OF)
    run("explain", "--child", CHILD, *DEMO, "--as-of", AS_OF, "--format", "json")
    run("explain", "--child", "no-such-child", *DEMO, "--as-of", AS_OF, expect=1)

    run("plugins")
    run("plugins", "--format", "json")
    run("synth", "--children", 3, "--seed", 1, "--as-of", AS_OF, "--out", tmp / "synth")
    run("synth", "--demo", "--out", tmp / "demo-ssd", "--ssd-out", tmp / "demo.sqlite")
    ssd = ["--adapter", "ssd", "--source", f"sqlite:///{tmp / 'demo.sqlite'}"]
    run("source", "check", *DEMO, "--profile", "tracker-meeting")
    run("source", "check", *ssd, "--format", "json")
    run("alerts", *ssd, "--as-of", AS_OF)

    run("form", "pro-forma", "--child", CHILD, *DEMO, "--as-of", AS_OF, "--out", tmp / "pro-forma.docx")
    run("form", "referral", "--child", CHILD, *DEMO, "--as-of", AS_OF, "--out", tmp / "referral.html")
    run("form", "record", "--child", CHILD, *DEMO, "--as-of", AS_OF, "--out", tmp / "blank.docx")
    held = f"PPM-{CHILD}-1"
    run("form", "record", "--child", CHILD, *DEMO, "--meeting", held, "--out", tmp / "record.docx")
    run("form", "read", tmp / "pro-forma.docx", "--format", "json")
    run("form", "read", tmp / "record.docx")
    # A blank record has no meeting date: the error names the file and the section, nothing about the child.
    run("form", "read", tmp / "blank.docx", expect=1)

    run("tracker", *DEMO, "--as-of", AS_OF, "--out", tmp / "tracker.html")
    run("tracker", *DEMO, "--as-of", AS_OF, "--out", tmp / "tracker.xlsx")
    run("tracker", *DEMO, "--as-of", AS_OF, "--format", "json", "--pseudonymise")

    ledger = ["--ledger", tmp / "ledger.sqlite"]
    run("ledger", "upgrade", *ledger)
    outbox = ["--outbox", tmp / "outbox"]
    sync = ["ledger", "sync", *DEMO, *ledger, "--as-of", AS_OF, "--profile", "panel-tor", "--raise-alerts", *outbox]
    run(*sync)
    run(*sync, "--format", "json")
    run("ledger", "status", *ledger)
    run("ledger", "history", "--child", CHILD, *ledger, "--format", "json")
    run("ledger", "history", "--child", CHILD, *ledger)

    run("panel", "schedule", PANEL, "--chair", "Panel Chair", *ledger)
    run("panel", "schedule", "2026-12-03", *ledger)
    run("panel", "schedule", "2027-01-07", *ledger)
    run("panel", "cancel", "2027-01-07", *ledger)
    run("panel", "list", *ledger)
    agenda = json.loads(run("panel", "agenda", "--panel", PANEL, *DEMO, *ledger, "--format", "json").stdout)
    run("panel", "agenda", "--panel", PANEL, *DEMO, *ledger)
    run("panel", "pack", "--panel", PANEL, *DEMO, "--out", tmp / "pack.docx", *ledger)
    drafts = tmp / "drafts"
    run("panel", "minutes", "--panel", PANEL, *DEMO, "--out-dir", drafts, *ledger)
    children = [c["child_id"] for c in agenda["children"]]
    first, *others = children
    # What a chair types is free text about the child: it goes into the ledger, never into a log.
    records = json.loads((demo_folder() / "pack" / "documents.json").read_text())["records"]
    views = next(r["views"] for r in records if {"child", "parents", "iro"} <= r.get("views", {}).keys())
    chair = WordUser(next(drafts.glob(f"{first}-*")).read_bytes())
    chair.type("4. Summary of discussion", views["parents"])
    completed = tmp / f"{first}-completed.docx"
    completed.write_bytes(chair.save())
    run("panel", "record", "--panel", PANEL, "--docx", completed, "--decision", "approved", *ledger)
    for child in others:
        run(
            "panel", "record", "--panel", PANEL, "--child", child, "--decision", "progressing",
            "--summary", views["child"], "--agreed-plan", views["iro"], *ledger,
        )  # fmt: skip
    run("panel", "minutes", "--panel", PANEL, *DEMO, "--out-dir", tmp / "minutes", "--publish", *outbox, *ledger)
    run("panel", "carry-forward", "--panel", PANEL, "--to", "2026-12-03", *ledger)

    run("audit", "--log", tmp / AUDIT_FILE)
    run("audit", "--log", tmp / AUDIT_FILE, "--child", CHILD, "--format", "json")
    return run.runs


def run_damaged(run, tmp, intact):
    """Every command of the intact session again, reading the hostile cohort; then corrupt stores and files."""
    hostile = str(hostile_copy(tmp / "hostile"))
    demo = str(demo_folder())
    for args, _result, _text in intact:
        if demo not in args:
            continue
        again = [hostile if a == demo else a.replace(str(intact_tmp(intact)), str(tmp)) for a in args]
        for at, value in enumerate(again[:-1]):
            if value in ("--out", "--out-dir") or value.startswith(str(tmp)):
                Path(again[at + 1] if value.startswith("--") else value).parent.mkdir(parents=True, exist_ok=True)
        # 1: what the damage costs may be the one child a command was asked about; never a traceback (exit 1).
        result = run(*again, expect=(0, 1))
        assert result.exception is None or isinstance(result.exception, SystemExit), (again, result.exception)
    # Stores and files that are not what they claim: random bytes, a child's details in place of the content.
    names = pack_rows(demo_folder() / "pack", "children.csv")[0]
    garbage = f"{names['first_name']} {names['surname']},22/02/2015\n".encode() * 50
    for name in ("ledger.sqlite", AUDIT_FILE, "form.docx"):
        (tmp / name).write_bytes(garbage)
    ledger = ["--ledger", tmp / "ledger.sqlite"]
    run("ledger", "status", *ledger, expect=1)
    run("ledger", "history", "--child", CHILD, *ledger, expect=1)
    run("panel", "list", *ledger, expect=1)
    run("panel", "schedule", PANEL, *ledger, expect=1)
    run("panel", "cancel", PANEL, *ledger, expect=1)
    run("panel", "carry-forward", "--panel", PANEL, "--to", "2026-12-03", *ledger, expect=1)
    run("ledger", "upgrade", *ledger, expect=1)
    # A completed record that is a child's details, not a document; and a free-text summary of a child.
    run("panel", "record", "--panel", PANEL, "--docx", tmp / "form.docx", *ledger, expect=1)
    run("form", "read", tmp / "form.docx", expect=1)
    run("audit", "--log", tmp / AUDIT_FILE, expect=(0, 1))
    return run.runs


def intact_tmp(intact):
    """The scratch folder the intact session wrote to (its ledger's folder)."""
    for args, _result, _text in intact:
        if "--ledger" in args:
            return Path(args[args.index("--ledger") + 1]).parent
    raise AssertionError("the intact session used no ledger")


def ran_commands(runs):
    names = set(commands())
    return {" ".join(args[:2]) if " ".join(args[:2]) in names else args[0] for args, _result, _text in runs}


def test_every_command_is_run(session):
    assert sorted(set(commands()) - ran_commands(session)) == []


def test_every_command_is_run_on_damaged_inputs(damaged_session):
    assert sorted(set(commands()) - ran_commands(damaged_session) - {"plugins", "synth"}) == []


def test_damaged_inputs_reach_no_log_or_stderr(damaged_session):
    names, strings = personal_data(demo_folder())
    found = {" ".join(args[:3]): leaks(text, names, strings) for args, _result, text in damaged_session}
    assert {command: leaked for command, leaked in found.items() if leaked} == {}
    logged = "\n".join(text for _args, _result, text in damaged_session)
    # The damage was seen, and said so without the values.
    assert "looks like the Reviews table" in logged
    assert "***" in logged


def test_no_name_date_of_birth_or_free_text_reaches_a_log_or_stderr(session):
    names, strings = personal_data(demo_folder())
    assert len(names) > 150 and len(strings) > 1000
    found = {" ".join(args[:3]): leaks(text, names, strings) for args, _result, text in session}
    assert {command: leaked for command, leaked in found.items() if leaked} == {}


def test_the_runs_did_log_at_debug(session):
    # Without this the check above could pass because nothing was logged at all.
    logged = "\n".join(text for _args, _result, text in session)
    assert "DEBUG" in logged or "INFO" in logged
    assert re.search(r"\b1000\d{3}\b", logged)
