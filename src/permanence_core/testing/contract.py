"""AdapterContract: the behaviour every adapter promises, as tests a plugin's test module subclasses."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from permanence_core.adapters import (
    AdapterInfo,
    Capability,
    CaseNote,
    DocumentUpload,
    LoadResult,
    ReceiptStatus,
    Rejection,
    WorkTrayAlert,
    WriteBackItem,
)
from permanence_core.errors import InputError
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins.manager import PluginInfo, Plugins
from permanence_core.serialization import record_from_dict, record_to_dict

#: The write-back item kinds and the capability an adapter declares to accept each.
ITEM_CAPABILITIES = {
    "document": Capability.UPLOAD_DOCUMENT,
    "case_note": Capability.CASE_NOTE,
    "work_tray_alert": Capability.WORK_TRAY_ALERT,
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


def _call(impl: Any, **kwargs: Any) -> Any:
    # pluggy lets an implementation take fewer arguments than the spec; call it the same way pluggy does.
    return impl.function(**{name: value for name, value in kwargs.items() if name in impl.argnames})


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
    def adapter_info(self, plugins: Plugins, adapter_name: str) -> AdapterInfo:
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

    def _hookimpl(self, plugins: Plugins, plugin_info: PluginInfo, hook: str) -> Any:
        impls = [i for i in getattr(plugins.pm.hook, hook).get_hookimpls() if i.plugin_name == plugin_info.name]
        assert impls, f"plugin {plugin_info.name!r} does not implement {hook}"
        return impls[0]

    def _write_kinds(self, adapter_info: AdapterInfo, kind: str) -> None:
        if not self.supports_write_back:
            pytest.skip("the adapter declares supports_write_back = False")
        if ITEM_CAPABILITIES[kind] not in adapter_info.capabilities:
            pytest.skip(f"the adapter does not declare the {ITEM_CAPABILITIES[kind].value} capability")

    # -------------------------------------------------------------------------
    # Registration
    # -------------------------------------------------------------------------

    def test_adapter_is_registered_with_a_description(self, adapter_info: AdapterInfo) -> None:
        assert adapter_info.description.strip(), "the adapter needs a description for `permanence plugins`"
        assert adapter_info.source_help.strip(), "the adapter needs source_help saying what --source to give"
        assert Capability.READ in adapter_info.capabilities

    def test_plugin_is_installed_with_a_distribution_and_version(self, plugin_info: PluginInfo) -> None:
        assert plugin_info.distribution, "the plugin is not installed from a distribution (entry point)"
        assert plugin_info.version
        assert "permanence_load_records" in plugin_info.hooks

    def test_other_adapters_are_left_to_other_plugins(
        self, plugins: Plugins, plugin_info: PluginInfo, adapter_name: str, source: str, write_options: Any
    ) -> None:
        other = f"not-{adapter_name}"
        load = self._hookimpl(plugins, plugin_info, "permanence_load_records")
        assert _call(load, adapter=other, source=source, options={}) is None
        if "permanence_write_back" in plugin_info.hooks:
            write = self._hookimpl(plugins, plugin_info, "permanence_write_back")
            item = sample_item("case_note", "contract-child")
            assert _call(write, adapter=other, item=item, options=write_options) is None

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

    def test_records_round_trip_through_the_interchange_format(self, loaded: LoadResult) -> None:
        for record in loaded.records:
            assert record_from_dict(record_to_dict(record)) == record

    def test_missing_source_raises_input_error(
        self, plugins: Plugins, adapter_name: str, missing_source: str, load_options: Any
    ) -> None:
        with pytest.raises(InputError):
            plugins.load(adapter_name, missing_source, load_options)

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

    def test_write_back_capabilities_match_the_flag(self, adapter_info: AdapterInfo) -> None:
        writes = adapter_info.capabilities & set(ITEM_CAPABILITIES.values())
        if self.supports_write_back:
            assert writes, "supports_write_back is True but the adapter declares no write capability"
        else:
            assert not writes, f"supports_write_back is False but the adapter declares {sorted(writes)}"

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_write_back_returns_a_receipt(
        self, kind: str, plugins: Plugins, adapter_info: AdapterInfo, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter_info, kind)
        item = sample_item(kind, loaded.records[0].child_id)
        receipt = plugins.write_back(adapter_info.name, item, write_options)
        assert receipt.idempotency_key == item.idempotency_key
        assert receipt.status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED), receipt

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_a_retried_item_is_a_duplicate_and_not_written_twice(
        self, kind: str, plugins: Plugins, adapter_info: AdapterInfo, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter_info, kind)
        item = sample_item(kind, loaded.records[0].child_id)
        first = plugins.write_back(adapter_info.name, item, write_options)
        # The retry comes from a new run: idempotency must outlive the plugin manager.
        retry = Plugins().write_back(adapter_info.name, item, write_options)
        assert first.status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED), first
        assert retry.status is ReceiptStatus.DUPLICATE, retry
        assert retry.idempotency_key == first.idempotency_key

    @pytest.mark.parametrize("kind", sorted(ITEM_CAPABILITIES))
    def test_different_items_are_not_duplicates(
        self, kind: str, plugins: Plugins, adapter_info: AdapterInfo, loaded: LoadResult, write_options: Any
    ) -> None:
        self._write_kinds(adapter_info, kind)
        first_child, second_child = loaded.records[0].child_id, loaded.records[1].child_id
        items = [sample_item(kind, first_child), sample_item(kind, first_child, "b"), sample_item(kind, second_child)]
        receipts = [plugins.write_back(adapter_info.name, item, write_options) for item in items]
        assert [r.status for r in receipts] == [receipts[0].status] * 3, receipts
        assert receipts[0].status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED)
        assert len({r.idempotency_key for r in receipts}) == 3


__all__ = ["ITEM_CAPABILITIES", "AdapterContract", "sample_item"]
