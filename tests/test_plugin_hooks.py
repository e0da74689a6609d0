"""Every hook works through the Plugins facade, with a test plugin implementing each one."""

import datetime as dt
import sys
import types

import pluggy
import pytest

from permanence_core.adapters import AdapterInfo, CaseNote, LoadResult, Receipt, ReceiptStatus
from permanence_core.errors import ConfigError
from permanence_core.model import CaseRecord, Child, Identifiers
from permanence_core.plugins import hookimpl
from permanence_core.plugins.manager import Plugins, UnknownAdapterError, get_plugin_manager


class ExamplePlugin:
    """Implements every hook for an adapter called ``example``."""

    def __init__(self, template_path=None):
        self.template_path = template_path
        self.written = []

    @hookimpl
    def permanence_register_adapters(self, register):
        register(AdapterInfo(name="example", description="test adapter", source_help="anything"))

    @hookimpl
    def permanence_register_profiles(self, register):
        register("example-council", 'extends = "england"\n')

    @hookimpl
    def permanence_register_templates(self, register):
        register("pro-forma.html", self.template_path)

    @hookimpl
    def permanence_load_records(self, adapter, source):  # fewer arguments than the spec is allowed
        if adapter != "example":
            return None
        return LoadResult(records=[CaseRecord(child=Child(identifiers=Identifiers(case_id=source)))], read=1)

    @hookimpl
    def permanence_alert_items(self, adapter, records, as_of):
        if adapter != "example":
            return None
        known = {record.child_id for record in records}
        return lambda change: (
            None
            if change.child_id not in known
            else CaseNote(child_id=change.child_id, note_type="ALERT", title=change.rule, contact_date=as_of, body="…")
        )

    @hookimpl
    def permanence_write_back(self, adapter, item):
        if adapter != "example":
            return None
        self.written.append(item)
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED, external_id="X1")


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


def test_register_adapters(plugins):
    assert plugins.adapters()["example"].description == "test adapter"
    assert "ssda903" in plugins.adapters()


def test_register_profiles(plugins):
    assert plugins.profiles()["example-council"].startswith('extends = "england"')


def test_register_templates_overrides_the_builtin(plugins, plugin):
    assert plugins.templates()["pro-forma.html"] == plugin.template_path


def test_load_records_dispatches_by_adapter_name(plugins):
    result = plugins.load("example", "C42")
    assert [r.child_id for r in result.records] == ["C42"]


def test_write_back_dispatches_by_adapter_name(plugins, plugin):
    note = CaseNote(child_id="C42", note_type="PERM", title="PPM due", contact_date=dt.date(2026, 1, 5), body="…")
    receipt = plugins.write_back("example", note)
    assert receipt.status is ReceiptStatus.DELIVERED
    assert plugin.written == [note]


def test_alert_items_come_from_the_adapter_with_a_default(plugins):
    from permanence_core.adapters import AlertChange, ChangeKind
    from permanence_core.rules import Alert, AlertStatus

    day = dt.date(2026, 2, 1)
    alert = Alert(
        child_id="C42",
        rule="review.first",
        status=AlertStatus.OVERDUE,
        due_date=day,
        anchor_event="became looked after",
        anchor_date=day,
        message="First review overdue",
        source="reg 33",
    )
    change = AlertChange(
        kind=ChangeKind.NEW,
        child_id="C42",
        rule="review.first",
        anchor_date=day,
        status="overdue",
        due_date=day,
        alert=alert,
    )
    records = [CaseRecord(child=Child(identifiers=Identifiers(case_id="C42")))]
    note = plugins.alert_items("example", records, day)(change)
    assert (type(note).__name__, note.title, note.contact_date) == ("CaseNote", "review.first", day)
    tray = plugins.alert_items("ssda903", records, day)(change)
    assert (type(tray).__name__, tray.recipient_role, tray.due_date) == ("WorkTrayAlert", "team_manager", day)
    assert "First review overdue" in tray.body


def test_unknown_adapter_lists_the_installed_ones(plugins):
    with pytest.raises(UnknownAdapterError, match=r"unknown adapter 'nope'.*example"):
        plugins.load("nope", "x")


def test_two_plugins_claiming_one_adapter_name_is_an_error(plugins):
    plugins.pm.register(ExamplePlugin(), name="example-again")
    with pytest.raises(ConfigError, match="registered twice"):
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


def test_describe_lists_hooks_and_adapters(plugins):
    info = {p.name: p for p in plugins.describe()}
    assert info["example"].adapters == ("example",)
    assert "permanence_write_back" in info["example"].hooks
    assert info["builtin"].distribution == "permanence-core"
