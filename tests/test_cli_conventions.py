"""What every `permanence` command does the same way: --config read and checked, no store created by a command that
only reads, usage errors with the command's own usage line, --debug before or after the command, one child asked
for that is not there, counts that agree with their nouns, tables as wide as the terminal, and every alert
raised accounted for.

Commands are found by walking the click group, so a new command is held to the same conventions.
"""

import logging
import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from permanence_core.cli import cli
from permanence_core.synth import demo_folder

AS_OF = "2026-11-02"
PANEL = "2026-11-05"
CHILD = "1000040"
DEMO = ["--adapter", "ssda903", "--source", str(demo_folder())]


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, prog_name="permanence")


def commands(group=cli, prefix=()):
    # Through click's own interface: the core's commands load when asked for, the plugins' when the group is listed.
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


# Options without which a command stops at a usage error before it reads anything.
USAGE_FIRST = {("panel", "record"): ["--child", CHILD, "--decision", "progressing"]}


def required_args(command, tmp_path):
    """Values for the options and arguments ``command`` cannot run without (the demo cohort, a panel date)."""
    values = {
        "adapter": "ssda903",
        "source": str(demo_folder()),
        "child_id": CHILD,
        "out": str(tmp_path / "out.docx"),
        "out_dir": str(tmp_path / "drafts"),
        "panel_date": PANEL,
        "date": PANEL,
        "panel_ref": PANEL,
        "inbox": str(tmp_path / "inbox"),
    }
    args = []
    for param in command.params:
        if not param.required:
            continue
        assert param.name in values, f"no value for {param.name!r} of {command.name}: add one to this test"
        if isinstance(param, click.Argument):
            args.append(values[param.name])
        else:
            args += [param.opts[0], values[param.name]]
    return args


CONFIG_COMMANDS = [name for name, command in commands() if any(p.name == "config" for p in command.params)]


def test_the_commands_that_take_a_config_are_found():
    assert {("alerts",), ("tracker",), ("ledger", "sync"), ("ledger", "status"), ("panel", "list")} <= set(
        CONFIG_COMMANDS
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot"),
        ("[write_back\n", "not valid TOML"),
        ('[write_back]\noutbox = "outbox"\n[ssda903]\napi_token = "s3cret-value"\n', "secrets must not be written"),
    ],
    ids=["missing", "broken", "secret"],
)
@pytest.mark.parametrize("name", CONFIG_COMMANDS, ids=" ".join)
def test_every_command_reads_and_checks_its_config(name, text, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "council.toml"
    if text is not None:
        config.write_text(text)
    command = dict(commands())[name]
    result = run(*name, *required_args(command, tmp_path), *USAGE_FIRST.get(name, []), "--config", config)
    assert result.exit_code == 1, result.output
    assert str(config) in result.stderr and expected in result.stderr
    assert "s3cret" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == (["council.toml"] if text else [])


@pytest.mark.parametrize(
    "args",
    [("panel", "list"), ("ledger", "status"), ("ledger", "history", "--child", CHILD)],
    ids=" ".join,
)
def test_a_command_that_only_reads_creates_no_ledger(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 1
    assert "no ledger at" in result.stderr and "permanence ledger sync" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_ledger_that_is_neither_a_url_nor_a_sqlite_file_is_a_usage_error(how, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if how == "option":
        result = run("ledger", "status", "--ledger", "notaurl")
        assert "--ledger" in result.stderr
    else:
        result = run("ledger", "status", env={"PERMANENCE_LEDGER_URL": "notaurl"})
        assert "$PERMANENCE_LEDGER_URL" in result.stderr
    assert result.exit_code == 2
    assert "'notaurl' is neither a database URL" in result.stderr
    assert "Usage: permanence ledger status" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["alerts", "--adapter", "no-such-system", "--source", "x"], "Usage: permanence alerts"),
        (["alerts", *DEMO, "--profile", "no-such-profile"], "Usage: permanence alerts"),
        (["ledger", "sync", *DEMO, "--profile", "no-such-profile", "--raise-alerts"], "Usage: permanence ledger sync"),
    ],
)
def test_a_usage_error_shows_the_commands_own_usage_line(args, usage, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(usage)


@pytest.fixture
def root_level():
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


@pytest.mark.usefixtures("root_level")
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_or_after_the_command(where, caplog):
    args = ["explain", "--child", CHILD, *DEMO, "--as-of", AS_OF]
    result = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert result.exit_code == 0, result.output
    if where == "after":
        # Before the command, --debug configures logging from scratch, which pytest's own handlers prevent here.
        assert any(r.levelno < logging.WARNING and r.name.startswith("permanence_core") for r in caplog.records)


def test_every_command_takes_debug_after_it():
    missing = [" ".join(name) for name, command in commands() if not any(p.name == "debug" for p in command.params)]
    assert missing == []


@pytest.mark.parametrize("command", ["alerts", "explain"])
def test_an_unknown_child_is_refused_by_alerts_as_by_explain(command):
    result = run(command, *DEMO, "--as-of", AS_OF, "--child", "9999999")
    assert result.exit_code == 1
    assert "child '9999999' is not in" in result.stderr


def test_one_child_is_one_child_not_one_children():
    result = run("alerts", *DEMO, "--as-of", AS_OF, "--child", CHILD)
    assert result.exit_code == 0
    assert ": 1 child, " in result.stdout


def test_the_table_is_as_wide_as_the_terminal_and_cuts_nothing():
    args = ["alerts", *DEMO, "--as-of", AS_OF, "--profile", "bolton"]
    wide = run(*args, env={"COLUMNS": "300"}).stdout.splitlines()
    # On a wide terminal each alert is one line, its WHAT column last.
    whats = [re.split(r"\s{2,}", line)[-1] for line in wide[2:] if line[:1].isdigit()]
    longest = max(whats, key=len)
    assert len(longest) > 40  # longer than the fixed 38 columns WHAT used to be cut to
    for columns in (70, 80, 120):
        lines = run(*args, env={"COLUMNS": str(columns)}).stdout.splitlines()
        assert max(len(line) for line in lines[1:]) <= columns
        # A title wrapped over lines reads whole again when the lines are joined.
        assert longest in " ".join(line.strip() for line in lines)
        assert not any("…" in line for line in lines)


def test_the_tracker_without_out_prints_its_summary_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("tracker", *DEMO, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert re.match(r"\d+ children looked after on 2026-11-02 .*\(profile england\); \d+ with drift", result.stdout)
    assert list(tmp_path.iterdir()) == []


def test_ledger_sync_accounts_for_every_alert_raised(tmp_path, monkeypatch):
    """Alerts an earlier run already put in the outbox are counted as already there, not left out."""
    monkeypatch.chdir(tmp_path)
    outbox = tmp_path / "outbox"
    evaluation = ["--as-of", AS_OF, "--profile", "bolton", "--raise-alerts", "--outbox", outbox]
    first = run("ledger", "sync", *DEMO, "--ledger", tmp_path / "first.sqlite", *evaluation)
    assert first.exit_code == 0, first.output
    second = run("ledger", "sync", *DEMO, "--ledger", tmp_path / "second.sqlite", *evaluation)
    line = next(line for line in second.stdout.splitlines() if line.startswith("Alerts:"))
    counts = {name: int(n) for n, name in re.findall(r"(\d+) (new|changed|resolved|unchanged)", line)}
    counts |= {
        name: int(n) for name, n in re.findall(r"(sent|already there|failed|recorded without sending) (\d+)", line)
    }
    raised = counts["new"] + counts["changed"] + counts["resolved"]
    assert raised > 0 and counts["already there"] == raised
    assert raised == counts["sent"] + counts["already there"] + counts["failed"] + counts["recorded without sending"]


_ALLOCATOR_PROBE = """
import os, sys
from permanence_core.cli import cli
from permanence_core.freed_memory import ALLOCATOR_SETTINGS
assert "polars" not in sys.modules, "polars loaded before the command's allocator settings were set"
cli.get_command(None, sys.argv[1])
print(os.environ.get(ALLOCATOR_SETTINGS))
"""


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ledger", "dirty_decay_ms:250,muzzy_decay_ms:0"),
        ("tracker", "dirty_decay_ms:1000,muzzy_decay_ms:0"),
        ("alerts", "dirty_decay_ms:0,muzzy_decay_ms:0"),
    ],
)
def test_each_command_sets_polars_allocator_before_polars_loads_and_a_callers_own_setting_wins(command, expected):
    # A process of its own: polars reads the settings once, when it is first imported.
    env = {key: value for key, value in os.environ.items() if key != "_RJEM_MALLOC_CONF"}
    probe = [sys.executable, "-c", _ALLOCATOR_PROBE, command]
    # Polars, as it loads, puts its own defaults before the settings it finds: jemalloc takes the last of each.
    given = subprocess.run(probe, env=env, capture_output=True, text=True)
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip().endswith("," + expected)
    own = subprocess.run(probe, env={**env, "_RJEM_MALLOC_CONF": "narenas:1"}, capture_output=True, text=True)
    assert own.returncode == 0, own.stderr
    assert own.stdout.strip().endswith(",narenas:1")
