"""Every `permanence` command, run with --debug and the root logger at DEBUG on the demo cohort, logs ids only.

The commands are found by walking the click group, so a new command without a run here fails the test. Each run's
stderr and every log record (message and traceback) are searched for the demo children's names, dates of birth (in
the usual written forms) and free-text answers; stdout is where documents and reports go, and is not searched.
"""

import csv
import datetime as dt
import json
import logging
import re
import shutil

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
    # A two-letter name would match inside ordinary words and make the check cry wolf.
    return {name for name in names if name and len(name) > 2}, strings


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
        assert result.exit_code == expect, f"{args}: {result.output}"
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


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = logging.getLogger()
    level = root.level
    collect = Collect()
    root.addHandler(collect)
    root.setLevel(logging.DEBUG)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(KEY_ENV, "synthetic-council-key-0123456789")
    try:
        yield run_everything(Session(collect), tmp_path_factory.mktemp("privacy"))
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


def test_every_command_is_run(session):
    names = set(commands())
    ran = {" ".join(args[:2]) if " ".join(args[:2]) in names else args[0] for args, _result, _text in session}
    assert sorted(names - ran) == []


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
