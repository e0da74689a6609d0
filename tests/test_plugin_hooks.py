"""Every hook works through the Plugins facade, with a test plugin implementing each one."""

import datetime as dt
import sys
import types

import click
import pluggy
import pytest
from click.testing import CliRunner

from permanence_core.adapters import Adapter, LoadResult
from permanence_core.errors import ConfigError, UsageError
from permanence_core.model import CaseRecord, Child, Identifiers
from permanence_core.plugins import hookimpl
from permanence_core.plugins.manager import Plugins, UnknownAdapterError, check_plugins, get_plugin_manager
from permanence_core.rules import Alert, AlertStatus
from permanence_core.writeback import AlertChange, CaseNote, ChangeKind, Receipt, ReceiptStatus

DAY = dt.date(2026, 2, 1)


class ExampleAdapter(Adapter):
    """Loads one child named by the source, raises alerts as case notes and keeps what it writes."""

    name = "example"
    description = "test adapter"
    source_help = "anything"

    def __init__(self):
        self.written = []

    def load(self, source, options):
        return LoadResult(records=[CaseRecord(child=Child(identifiers=Identifiers(case_id=source)))], read=1)

    def alert_items(self, records, as_of, options):
        known = {record.child_id for record in records}
        return lambda change: (
            None
            if change.child_id not in known
            else CaseNote(child_id=change.child_id, note_type="ALERT", title=change.rule, contact_date=as_of, body="…")
        )

    def write_back(self, item, options):
        self.written.append(item)
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED, external_id="X1")


class ReadOnlyAdapter(Adapter):
    """Only loads: alerts and write-back are the base class's defaults."""

    name = "read-only"
    description = "reads only"
    source_help = "anything"

    def load(self, source, options):
        return LoadResult()


@click.command("example-sync")
def example_sync():
    """Synchronise the example system."""
    click.echo("synchronised")


class ExamplePlugin:
    """Implements every hook: two adapters, a profile, a template and a command."""

    def __init__(self, template_path=None):
        self.template_path = template_path
        self.adapter = ExampleAdapter()
        self.registrations = 0

    @hookimpl
    def permanence_register_adapters(self, register):
        self.registrations += 1
        register(self.adapter)
        register(ReadOnlyAdapter())

    @hookimpl
    def permanence_register_profiles(self, register):
        register("example-council", 'extends = "england"\n')

    @hookimpl
    def permanence_register_templates(self, register):
        register("pro-forma.html", self.template_path)

    @hookimpl
    def permanence_register_commands(self, group):
        group.add_command(example_sync)


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "pro-forma.html"
    path.write_text("<p>council's own</p>")
    return ExamplePlugin(path)


@pytest.fixture
def plugins(plugin):
    pm = get_plugin_manager(load_entry_points=False)
    pm.register(plugin, name="example")
    return Plugins(pm)


def overdue_change(child_id="C42"):
    alert = Alert(
        child_id=child_id,
        rule="review.first",
        status=AlertStatus.OVERDUE,
        due_date=DAY,
        anchor_event="became looked after",
        anchor_date=DAY,
        message="First review overdue",
        source="reg 33",
    )
    return AlertChange(
        kind=ChangeKind.NEW, child_id=child_id, rule=alert.rule, anchor_date=DAY, status="overdue", due_date=DAY,
        alert=alert,
    )  # fmt: skip


def test_register_adapters(plugins, plugin):
    assert plugins.adapters()["example"] is plugin.adapter
    assert plugins.adapters()["example"].description == "test adapter"
    assert "ssda903" in plugins.adapters()


def test_register_profiles(plugins):
    assert plugins.profiles()["example-council"].startswith('extends = "england"')


def test_register_templates_overrides_the_builtin_though_registered_after_it(plugins, plugin):
    assert plugins.templates()["pro-forma.html"] == plugin.template_path


def test_the_registration_hooks_run_once_per_set_of_plugins(plugins, plugin):
    note = CaseNote(child_id="C42", note_type="PERM", title="PPM due", contact_date=DAY, body="…")
    for _ in range(3):
        plugins.load("example", "C42")
        plugins.write_back("example", note)
        plugins.templates()
    assert plugin.registrations == 1
    plugins.pm.register(types.ModuleType("another_plugin"), name="another")
    plugins.adapters()
    assert plugin.registrations == 2


def test_load_calls_the_named_adapter(plugins):
    result = plugins.load("example", "C42")
    assert [r.child_id for r in result.records] == ["C42"]


def test_write_back_calls_the_named_adapter(plugins, plugin):
    note = CaseNote(child_id="C42", note_type="PERM", title="PPM due", contact_date=DAY, body="…")
    receipt = plugins.write_back("example", note)
    assert receipt.status is ReceiptStatus.DELIVERED
    assert plugin.adapter.written == [note]


def test_an_adapter_without_write_back_says_so(plugins):
    note = CaseNote(child_id="C42", note_type="PERM", title="PPM due", contact_date=DAY, body="…")
    with pytest.raises(UsageError, match="adapter 'read-only' cannot write back"):
        plugins.write_back("read-only", note)


def test_an_adapter_without_load_cannot_be_built():
    class NoLoad(Adapter):
        name = "no-load"

    with pytest.raises(TypeError, match="load"):
        NoLoad()


def test_alert_items_come_from_the_adapter_with_a_default(plugins):
    records = [CaseRecord(child=Child(identifiers=Identifiers(case_id="C42")))]
    note = plugins.alert_items("example", records, DAY)(overdue_change())
    assert (type(note).__name__, note.title, note.contact_date) == ("CaseNote", "review.first", DAY)
    for adapter in ("ssda903", "read-only"):
        tray = plugins.alert_items(adapter, records, DAY)(overdue_change())
        assert (type(tray).__name__, tray.recipient_role, tray.due_date) == ("WorkTrayAlert", "team_manager", DAY)
        assert "First review overdue" in tray.body


def test_unknown_adapter_lists_the_installed_ones(plugins):
    with pytest.raises(UnknownAdapterError, match=r"unknown adapter 'nope'.*example"):
        plugins.load("nope", "x")


def test_two_plugins_claiming_one_adapter_name_is_an_error(plugins):
    plugins.pm.register(ExamplePlugin(), name="example-again")
    with pytest.raises(ConfigError, match="registered twice"):
        plugins.adapters()


def test_registering_something_that_is_not_an_adapter_is_an_error(plugins):
    class Careless:
        @hookimpl
        def permanence_register_adapters(self, register):
            register({"name": "careless"})

    plugins.pm.register(Careless(), name="careless")
    with pytest.raises(ConfigError, match=r"plugin 'careless'.*not a named permanence Adapter"):
        plugins.adapters()


def test_a_misspelled_hook_fails_loudly(monkeypatch):
    module = types.ModuleType("misspelled_plugin")

    @hookimpl
    def permanence_register_adaptors(register):
        """Misspelled on purpose."""

    module.permanence_register_adaptors = permanence_register_adaptors
    monkeypatch.setitem(sys.modules, "misspelled_plugin", module)
    pm = get_plugin_manager(load_entry_points=False)
    pm.register(module)
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


class OldStylePlugin:
    """A plugin written for plugin API 0.1: name-dispatch hooks."""

    @hookimpl
    def permanence_load_records(self, adapter, source, options):
        return None

    @hookimpl
    def permanence_write_back(self, adapter, item, options):
        return None


def test_a_plugin_still_using_a_removed_hook_gets_one_error_saying_what_replaced_it():
    pm = get_plugin_manager(load_entry_points=False)
    pm.register(OldStylePlugin(), name="old-style")
    with pytest.raises(ConfigError) as raised:
        check_plugins(pm)
    message = str(raised.value)
    assert "plugin 'old-style' implements permanence_load_records, permanence_write_back" in message
    assert "permanence_register_adapters" in message and "permanence_load_records by Adapter.load" in message
    assert "CHANGELOG.md" in message
    with pytest.raises(ConfigError, match="removed these hooks"):
        Plugins(pm).adapters()


def test_the_cli_reports_a_removed_hook_without_a_traceback(monkeypatch):
    from permanence_core.cli import cli

    def install_old_style(pm, group, name=None):
        # As if an installed distribution's entry point named the 0.1 plugin.
        pm.register(OldStylePlugin(), name="old-style")
        return 1

    monkeypatch.setattr(pluggy.PluginManager, "load_setuptools_entrypoints", install_old_style)
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 1, result.output
    assert "plugin API 0.2 removed these hooks" in result.stderr
    assert "Traceback" not in result.output


def test_register_commands_adds_a_plugin_command(plugins):
    group = click.Group("permanence")
    plugins.register_commands(group)
    assert CliRunner().invoke(group, ["example-sync"]).stdout == "synchronised\n"


def test_a_plugin_command_taking_a_core_commands_name_is_an_error(plugins):
    group = click.Group("permanence", commands=[click.Command("example-sync")])
    with pytest.raises(ConfigError, match=r"plugin 'example'.*'example-sync' is already a permanence command"):
        plugins.register_commands(group)


def test_plugin_commands_join_the_permanence_command(monkeypatch, plugin):
    from permanence_core import cli as cli_module
    from permanence_core.plugins import manager

    real = manager.get_plugin_manager

    def with_example(**kwargs):
        pm = real(load_entry_points=False)
        pm.register(plugin, name="example")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_example)
    fresh = cli_module.PermanenceGroup("permanence", commands=dict(cli_module.cli.commands))
    assert "example-sync" in CliRunner().invoke(fresh, ["--help"]).stdout
    assert CliRunner().invoke(fresh, ["example-sync"]).stdout == "synchronised\n"


def test_describe_lists_hooks_and_adapters(plugins):
    info = {p.name: p for p in plugins.describe()}
    assert info["example"].adapters == ("example", "read-only")
    assert "permanence_register_commands" in info["example"].hooks
    assert info["builtin"].distribution == "permanence-core"
