"""AdapterContract: the behaviour every adapter promises, as tests a plugin's test module subclasses."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import click
import pluggy
import polars as pl
import pytest
from click.testing import CliRunner

from permanence_core import api
from permanence_core.adapters import Adapter, Capability, CohortLoad, LoadResult, Rejection
from permanence_core.adapters.sourcecheck import SourceReport
from permanence_core.adapters.warehouse import FACETS
from permanence_core.cohort import DETAIL_SCHEMAS, SCHEMAS
from permanence_core.errors import InputError, UsageError
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins.manager import PluginInfo, Plugins
from permanence_core.serialization import record_from_dict, record_to_dict
from permanence_core.writeback import (
    AlertChange,
    CaseNote,
    ChangeKind,
    DocumentUpload,
    ReceiptStatus,
    WorkTrayAlert,
    WriteBackItem,
)

#: The write-back item kinds and the capability an adapter declares to accept each.
ITEM_CAPABILITIES = {
    "document": Capability.UPLOAD_DOCUMENT,
    "case_note": Capability.CASE_NOTE,
    "work_tray_alert": Capability.WORK_TRAY_ALERT,
}
ITEM_CLASSES = {
    "document": DocumentUpload,
    "case_note": CaseNote,
    "work_tray_alert": WorkTrayAlert,
}


def sample_item(kind: str, child_id: str, variant: str = "a") -> WriteBackItem:
    """A synthetic write-back item of ``kind`` for ``child_id``; another ``variant`` is a different item."""
    if kind == "document":
        return DocumentUpload(
            child_id=child_id,
            document_type="ppm-minutes",
            filename=f"ppm-minutes-{variant}.html",
            content=f"<p>Synthetic minutes {variant}</p>".encode(),
            title="PPM minutes",
        )
    if kind == "case_note":
        return CaseNote(
            child_id=child_id,
            note_type="permanence",
            title=f"Permanence tracking {variant}",
            contact_date=dt.date(2025, 1, 15),
            body=f"Synthetic note {variant}",
        )
    return WorkTrayAlert(
        child_id=child_id,
        recipient_role="team_manager",
        title=f"PPM overdue {variant}",
        body="Synthetic alert",
        due_date=dt.date(2025, 2, 3),
    )


def sample_alert_change(child_id: str, as_of: dt.date) -> AlertChange:
    """A synthetic new overdue alert for ``child_id`` (its first review), as ``WriteBack.raise_alerts`` passes it."""
    from permanence_core.rules import Alert, AlertStatus

    anchor = as_of - dt.timedelta(days=60)
    due = as_of - dt.timedelta(days=30)
    alert = Alert(
        child_id=child_id,
        rule="review.first",
        status=AlertStatus.OVERDUE,
        due_date=due,
        anchor_event="became looked after",
        anchor_date=anchor,
        message="First review overdue",
        source="Care Planning Regulations 2010, reg 33",
    )
    return AlertChange(
        kind=ChangeKind.NEW,
        child_id=child_id,
        rule=alert.rule,
        anchor_date=anchor,
        status=alert.status.value,
        due_date=due,
        alert=alert,
    )


def _personal_strings(records: tuple[CaseRecord, ...]) -> set[str]:
    found: set[str] = set()
    for record in records:
        child = record.child
        # A two-letter name would match inside ordinary words and make the check cry wolf.
        found.update(name for name in (child.first_name, child.surname) if name and len(name) > 2)
        if child.date_of_birth:
            found.update({child.date_of_birth.isoformat(), child.date_of_birth.strftime("%d/%m/%Y")})
    return found


def _facets_held(record: CaseRecord) -> dict[Facet, bool]:
    """Whether ``record`` holds any data of each facet besides the care history."""
    return {
        Facet.REVIEWS: bool(record.reviews),
        Facet.ADOPTION: record.adoption is not None,
        Facet.PLANS: bool(record.plans),
        Facet.MEETINGS: bool(record.meetings),
        Facet.PROCEEDINGS: bool(record.proceedings),
        Facet.SIBLINGS: bool(record.siblings),
        Facet.WORKERS: bool(record.workers),
    }


def _only(plugins: Plugins, plugin_name: str, hook: str) -> pluggy.HookCaller:
    """The hook called on one plugin alone, through pluggy, as the core calls it."""
    others = [plugin for name, plugin in plugins.pm.list_name_plugin() if name != plugin_name and plugin is not None]
    return plugins.pm.subset_hook_caller(hook, others)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of ``command`` and of every command under it, groups included."""
    found = [path]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(_commands(sub, (*path, name)))
    return found


class AdapterContract:
    """Tests every permanence adapter must pass. Subclass it in the plugin's tests as ``TestXContract``.

    Override these fixtures:

    - ``adapter_name``: the adapter's registered name (``--adapter NAME``).
    - ``source``: a path or URL of a minimal valid source holding at least two children and no bad record.
    - ``bad_source``: a source holding at least one bad record and at least one good child.
    - ``missing_source`` (optional): a source that does not exist; by default a path under ``tmp_path``.
    - ``load_options`` (optional): options passed when loading, e.g. ``{"config": path}``; default none.
    - ``bad_load_options`` (optional): options for loading ``bad_source``; by default ``load_options``.
    - ``write_options`` (optional): write-back options; by default an ``outbox`` folder under ``tmp_path``.
    - ``personal_data`` (optional): extra strings (names, dates of birth) that must never be logged; the
      names and dates of birth of the loaded children are always checked.

    Capability flags (class attributes) switch off the tests of what an adapter declares it does not do:
    ``supports_write_back`` (any write-back at all) and ``supports_rejections`` (its sources can hold
    records it refuses). Which write-back item kinds are tested follows the capabilities the adapter
    registers (``upload_document``, ``case_note``, ``work_tray_alert``).
    """

    supports_write_back: bool = True
    supports_rejections: bool = True

    # -------------------------------------------------------------------------
    # Fixtures a plugin overrides
    # -------------------------------------------------------------------------

    @pytest.fixture
    def adapter_name(self) -> str:
        raise NotImplementedError("override the adapter_name fixture with the adapter's registered name")

    @pytest.fixture
    def source(self) -> str:
        raise NotImplementedError("override the source fixture with a minimal valid source (two children or more)")

    @pytest.fixture
    def bad_source(self) -> str:
        raise NotImplementedError("override the bad_source fixture with a source holding a bad record")

    @pytest.fixture
    def missing_source(self, tmp_path: Path) -> str:
        return str(tmp_path / "no-such-source")

    @pytest.fixture
    def load_options(self) -> Mapping[str, Any]:
        return {}

    @pytest.fixture
    def bad_load_options(self, load_options: Mapping[str, Any]) -> Mapping[str, Any]:
        return load_options

    @pytest.fixture
    def write_options(self, tmp_path: Path) -> Mapping[str, Any]:
        return {"outbox": str(tmp_path / "outbox")}

    @pytest.fixture
    def personal_data(self) -> tuple[str, ...]:
        return ()

    # -------------------------------------------------------------------------
    # Fixtures the suite builds on
    # -------------------------------------------------------------------------

    @pytest.fixture
    def plugins(self) -> Plugins:
        return Plugins()

    @pytest.fixture
    def adapter(self, plugins: Plugins, adapter_name: str) -> Adapter:
        adapters = plugins.adapters()
        assert adapter_name in adapters, f"no installed plugin registers an adapter {adapter_name!r}"
        return adapters[adapter_name]

    @pytest.fixture
    def plugin_info(self, plugins: Plugins, adapter_name: str) -> PluginInfo:
        owners = [info for info in plugins.describe() if adapter_name in info.adapters]
        assert len(owners) == 1, f"adapter {adapter_name!r} is registered by {len(owners)} plugins"
        return owners[0]

    @pytest.fixture
    def loaded(self, plugins: Plugins, adapter_name: str, source: str, load_options: Mapping[str, Any]) -> LoadResult:
        return plugins.load(adapter_name, source, load_options)

    def _write_kinds(self, adapter: Adapter, kind: str) -> None:
        if not self.supports_write_back:
            pytest.skip("the adapter declares supports_write_back = False")
        if ITEM_CAPABILITIES[kind] not in adapter.capabilities:
            pytest.skip(f"the adapter does not declare the {ITEM_CAPABILITIES[kind].value} capability")

    # -------------------------------------------------------------------------
    # Registration
    # -------------------------------------------------------------------------

    def test_adapter_is_registered_with_a_description(self, adapter: Adapter, adapter_name: str) -> None:
        assert isinstance(adapter, Adapter)
        assert adapter.name == adapter_name
        assert adapter.description.strip(), "the adapter needs a description for `permanence plugins`"
        assert adapter.source_help.strip(), "the adapter needs source_help saying what --source to give"
        assert Capability.READ in adapter.capabilities

    def test_plugin_is_installed_with_a_distribution_and_version(self, plugin_info: PluginInfo) -> None:
        assert plugin_info.distribution, "the plugin is not installed from a distribution (entry point)"
        assert plugin_info.version
        assert "permanence_register_adapters" in plugin_info.hooks

    def test_the_plugin_registers_its_adapter_once(
        self, plugins: Plugins, plugin_info: PluginInfo, adapter_name: str
    ) -> None:
        registered: list[Adapter] = []
        _only(plugins, plugin_info.name, "permanence_register_adapters")(register=registered.append)
        names = [adapter.name for adapter in registered]
        assert names.count(adapter_name) == 1, names
        assert all(isinstance(adapter, Adapter) for adapter in registered)

    def test_the_plugins_commands_register_and_show_help(self, plugins: Plugins, plugin_info: PluginInfo) -> None:
        from permanence_core.cli import CORE_COMMANDS

        group = click.Group("permanence")
        _only(plugins, plugin_info.name, "permanence_register_commands")(group=group)
        if not group.commands:
            pytest.skip(f"plugin {plugin_info.name!r} adds no commands")
        taken = CORE_COMMANDS & set(group.commands)
        assert not taken, f"the plugin's commands {sorted(taken)} take the names of core commands"
        for path in _commands(group)[1:]:
            shown = CliRunner().invoke(group, [*path, "--help"])
            assert shown.exit_code == 0, f"permanence {' '.join(path)} --help: {shown.output}"
            assert "Usage:" in shown.output

    # -------------------------------------------------------------------------
    # Loading
    # -------------------------------------------------------------------------

    def test_load_returns_case_records_with_unique_child_ids(self, loaded: LoadResult) -> None:
        assert isinstance(loaded, LoadResult)
        assert len(loaded.records) >= 2, "the source fixture must hold at least two children"
        assert all(isinstance(record, CaseRecord) for record in loaded.records)
        ids = [record.child_id for record in loaded.records]
        assert all(child_id.strip() for child_id in ids)
        assert len(set(ids)) == len(ids), "each child must be one CaseRecord"

    def test_records_declare_their_coverage(self, loaded: LoadResult) -> None:
        # The rules trust coverage: a facet the record holds data for but does not declare is reported as
        # "not assessable" instead of being checked, and the care history is what every rule counts from.
        for record in loaded.records:
            assert all(isinstance(facet, Facet) for facet in record.coverage)
            assert Facet.CARE in record.coverage and record.periods_of_care, f"child {record.child_id}: no care"
            held = {facet for facet, has in _facets_held(record).items() if has}
            undeclared = sorted(facet.value for facet in held - record.coverage)
            assert not undeclared, f"child {record.child_id} holds {', '.join(undeclared)} but does not declare it"

    def test_valid_source_loads_without_rejections(self, loaded: LoadResult) -> None:
        assert not loaded.rejected, [str(rejection) for rejection in loaded.rejected]
        assert loaded.read >= len(loaded.records)
        assert loaded.summary()["children"] == len(loaded.records)

    def test_loading_twice_gives_equal_results(
        self, adapter_name: str, source: str, load_options: Any, loaded: LoadResult
    ) -> None:
        again = Plugins().load(adapter_name, source, load_options)
        assert again.records == loaded.records
        assert again.rejected == loaded.rejected
        assert again.read == loaded.read

    @pytest.mark.parametrize("which", ["source", "bad_source"])
    def test_the_cohort_tables_are_what_the_records_give(
        self, request: pytest.FixtureRequest, plugins: Plugins, adapter_name: str, which: str
    ) -> None:
        # ``load_cohort`` (what ``permanence alerts``, the tracker and the nightly job read) may read the source
        # straight into tables; it must give the tables, detail tables and rejections its records give.
        if which == "bad_source" and not self.supports_rejections:
            pytest.skip("the adapter declares supports_rejections = False")
        source = request.getfixturevalue(which)
        options = dict(request.getfixturevalue("load_options" if which == "source" else "bad_load_options"))
        records = plugins.load(adapter_name, source, options)
        expected = CohortLoad.of(records, detail=True)
        tables = api.load_cohort(adapter_name, source, {**options, "detail": True}, plugins=plugins)
        assert tables.detail is not None and expected.detail is not None
        for name in SCHEMAS:
            _assert_same_rows(getattr(tables.cohort, name), getattr(expected.cohort, name), name)
        for name in DETAIL_SCHEMAS:
            _assert_same_rows(getattr(tables.detail, name), getattr(expected.detail, name), name)
        assert tables.cohort.children["child_id"].to_list() == expected.cohort.children["child_id"].to_list()
        assert tables.rejected == records.rejected
        assert tables.read == records.read

    def test_records_round_trip_through_the_interchange_format(self, loaded: LoadResult) -> None:
        for record in loaded.records:
            assert record_from_dict(record_to_dict(record)) == record

    def test_missing_source_raises_input_error(
        self, plugins: Plugins, adapter_name: str, missing_source: str, load_options: Any
    ) -> None:
        with pytest.raises(InputError):
            plugins.load(adapter_name, missing_source, load_options)

    # -------------------------------------------------------------------------
    # Source check (permanence source check)
    # -------------------------------------------------------------------------

    def test_source_check_reports_every_facet_of_a_valid_source(
        self, plugins: Plugins, adapter_name: str, source: str, load_options: Any, loaded: LoadResult
    ) -> None:
        report = plugins.check(adapter_name, source, load_options)

        assert isinstance(report, SourceReport)
        assert report.adapter == adapter_name
        assert [facet.facet for facet in report.facets] == list(FACETS), "report every facet, in order"
        assert report.ok, "\n".join(report.lines())
        covered = {facet.value for record in loaded.records for facet in record.coverage}
        assert covered <= report.in_source, f"loaded facets {sorted(covered - report.in_source)} reported missing"
        json.dumps(report.to_dict())

    def test_source_check_of_a_missing_source_raises_input_error(
        self, plugins: Plugins, adapter_name: str, missing_source: str, load_options: Any
    ) -> None:
        with pytest.raises(InputError):
            plugins.check(adapter_name, missing_source, load_options)

    # -------------------------------------------------------------------------
    # Bad input
    # -------------------------------------------------------------------------

    def test_bad_records_are_rejected_and_the_good_still_load(
        self, plugins: Plugins, adapter_name: str, bad_source: str, bad_load_options: Any
    ) -> None:
        if not self.supports_rejections:
            pytest.skip("the adapter declares supports_rejections = False")
        result = plugins.load(adapter_name, bad_source, bad_load_options)
        assert result.rejected, "the bad_source fixture loaded without a rejection"
        assert result.records, "one bad record must not stop the good children loading"
        for rejection in result.rejected:
            assert isinstance(rejection, Rejection)
            assert rejection.source.strip(), rejection
            assert rejection.reason.strip(), rejection
            located = rejection.row is not None or rejection.element or rejection.child_id
            assert located, f"{rejection}: names no row, element or child"
            assert rejection.field, f"{rejection}: names no field"
        assert result.summary()["rejected"] == len(result.rejected)

    def test_no_personal_data_is_logged(
        self,
        plugins: Plugins,
        adapter_name: str,
        source: str,
        bad_source: str,
        load_options: Any,
        bad_load_options: Any,
        personal_data: tuple[str, ...],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        with caplog.at_level(logging.DEBUG):
            result = plugins.load(adapter_name, source, load_options)
            if self.supports_rejections:
                plugins.load(adapter_name, bad_source, bad_load_options)
        secrets = _personal_strings(result.records) | set(personal_data)
        assert secrets, "the source fixture's children carry no names or dates of birth to check for"
        logged = "\n".join(record.getMessage() for record in caplog.records)
        leaked = sorted(secret for secret in secrets if secret in logged)
        assert not leaked, f"personal data in log messages: {leaked}"

    # -------------------------------------------------------------------------
    # Writing back
    # -------------------------------------------------------------------------

    def test_write_back_capabilities_match_the_flag(self, adapter: Adapter) -> None:
        writes = adapter.capabilities & set(ITEM_CAPABILITIES.values())
        if self.supports_write_back:
            assert writes, "supports_write_back is True but the adapter declares no write capability"
        else:
            assert not writes, f"supports_write_back is False but the adapter declares {sorted(writes)}"

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_write_back_returns_a_receipt(
        self, kind: str, plugins: Plugins, adapter: Adapter, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter, kind)
        item = sample_item(kind, loaded.records[0].child_id)
        receipt = plugins.write_back(adapter.name, item, write_options)
        assert receipt.idempotency_key == item.idempotency_key
        assert receipt.status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED), receipt

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_a_retried_item_is_a_duplicate_and_not_written_twice(
        self, kind: str, plugins: Plugins, adapter: Adapter, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter, kind)
        item = sample_item(kind, loaded.records[0].child_id)
        first = plugins.write_back(adapter.name, item, write_options)
        # The retry comes from a new run: idempotency must outlive the plugin manager.
        retry = Plugins().write_back(adapter.name, item, write_options)
        assert first.status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED), first
        assert retry.status is ReceiptStatus.DUPLICATE, retry
        assert retry.idempotency_key == first.idempotency_key

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_different_items_are_not_duplicates(
        self, kind: str, plugins: Plugins, adapter: Adapter, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter, kind)
        first_child, second_child = loaded.records[0].child_id, loaded.records[1].child_id
        items = [sample_item(kind, first_child), sample_item(kind, first_child, "b"), sample_item(kind, second_child)]
        receipts = [plugins.write_back(adapter.name, item, write_options) for item in items]
        assert [r.status for r in receipts] == [receipts[0].status] * 3, receipts
        assert receipts[0].status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED)
        assert len({r.idempotency_key for r in receipts}) == 3

    def test_an_adapter_that_cannot_write_back_says_so(
        self, plugins: Plugins, adapter: Adapter, loaded: LoadResult, write_options: Any
    ) -> None:
        if self.supports_write_back:
            pytest.skip("the adapter writes back")
        item = sample_item("case_note", loaded.records[0].child_id)
        with pytest.raises(UsageError, match="cannot write back"):
            plugins.write_back(adapter.name, item, write_options)

    # -------------------------------------------------------------------------
    # Raising alerts
    # -------------------------------------------------------------------------

    def test_an_alert_becomes_an_item_the_adapter_can_write(
        self, plugins: Plugins, adapter: Adapter, loaded: LoadResult, load_options: Any, write_options: Any
    ) -> None:
        as_of = dt.date(2025, 3, 1)
        to_item = plugins.alert_items(adapter.name, loaded.records, as_of, {**load_options, **write_options})
        first = loaded.records[0].child_id
        raised = sample_alert_change(first, as_of)
        # A resolved alert may be recorded only (None) or announced, as Mosaic's case notes do.
        resolved = attrs.evolve(raised, kind=ChangeKind.RESOLVED, alert=None)
        changes = [sample_alert_change(record.child_id, as_of) for record in loaded.records] + [resolved]
        items = [item for item in map(to_item, changes) if item is not None]
        assert items, "no alert change became an item: alerts would never reach the system"
        for item in items:
            assert item.child_id in {record.child_id for record in loaded.records}
            kind = next(kind for kind, cls in ITEM_CLASSES.items() if isinstance(item, cls))
            if self.supports_write_back:
                assert ITEM_CAPABILITIES[kind] in adapter.capabilities, f"alerts become {kind}s it cannot write"


__all__ = ["ITEM_CAPABILITIES", "AdapterContract", "sample_alert_change", "sample_item"]


def _assert_same_rows(mine: pl.DataFrame, theirs: pl.DataFrame, name: str) -> None:
    """The same rows, whatever their order (a table is read in the source's order, records in the child's)."""
    assert mine.schema == theirs.schema, f"{name}: {mine.schema} is not {theirs.schema}"
    keys = [column for column, kind in mine.schema.items() if not isinstance(kind, pl.List)]
    mine, theirs = mine.sort(keys, nulls_last=True), theirs.sort(keys, nulls_last=True)
    assert mine.equals(theirs), f"{name}: the table differs from the records' ({mine.height} rows, {theirs.height})"
