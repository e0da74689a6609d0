"""The plugin manager factory and the typed facade core code uses instead of ``pm.hook.*``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

if TYPE_CHECKING:
    from permanence_core.adapters.writeback import AlertChange

from permanence_core.adapters import AdapterInfo, LoadResult, Receipt, WorkTrayAlert, WriteBackItem
from permanence_core.errors import ConfigError, UsageError
from permanence_core.model import CaseRecord
from permanence_core.plugins import DISABLE_ENV, ENTRY_POINT_GROUP, PROJECT_NAME, builtin, hookspecs


class UnknownAdapterError(UsageError):
    """No installed plugin provides the adapter asked for."""


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """Build a plugin manager: hook specs, installed plugins (minus disabled ones), then the built-ins.

    ``check_pending()`` makes a misspelled hook implementation fail loudly instead of never running.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in filter(None, (n.strip() for n in os.environ.get(DISABLE_ENV, "").split(","))):
        pm.set_blocked(name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.register(builtin, name="builtin")
    pm.check_pending()
    return pm


@attrs.frozen
class PluginInfo:
    """One registered plugin as ``permanence plugins`` shows it."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    adapters: tuple[str, ...]


class Plugins:
    """Typed access to the hooks: adapters, profiles, templates, loading and writing back."""

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm if pm is not None else get_plugin_manager()

    def adapters(self) -> dict[str, AdapterInfo]:
        """Every registered adapter by name; two plugins claiming one name is a configuration error."""
        found: dict[str, AdapterInfo] = {}
        for info in self._adapters_by_plugin().values():
            for adapter in info:
                if adapter.name in found:
                    raise ConfigError("plugins", f"adapter {adapter.name!r} is registered twice")
                found[adapter.name] = adapter
        return found

    def _adapters_by_plugin(self) -> dict[str, list[AdapterInfo]]:
        result: dict[str, list[AdapterInfo]] = {}
        for impl in self.pm.hook.permanence_register_adapters.get_hookimpls():
            collected: list[AdapterInfo] = []
            impl.function(register=collected.append)
            result.setdefault(impl.plugin_name, []).extend(collected)
        return result

    def profiles(self) -> dict[str, str]:
        """Every registered profile's TOML text by name."""
        found: dict[str, str] = {}

        def register(name: str, text: str) -> None:
            if name in found:
                raise ConfigError("plugins", f"profile {name!r} is registered twice")
            found[name] = text

        self.pm.hook.permanence_register_profiles(register=register)
        return found

    def templates(self) -> dict[str, Path]:
        """Template files by name; the built-ins are overridden by any plugin's template of the same name."""
        found: dict[str, Path] = {}
        # The built-ins go first whatever the registration order, so any plugin's template replaces them.
        impls = sorted(
            self.pm.hook.permanence_register_templates.get_hookimpls(), key=lambda i: i.plugin_name != "builtin"
        )
        for impl in impls:
            impl.function(register=lambda name, path: found.__setitem__(name, Path(path)))
        return found

    def load(self, adapter: str, source: str, options: Mapping[str, Any] | None = None) -> LoadResult:
        """Load records through ``adapter``; UnknownAdapterError lists the adapters that are installed."""
        self._require(adapter)
        result = self.pm.hook.permanence_load_records(adapter=adapter, source=source, options=dict(options or {}))
        if result is None:
            raise UnknownAdapterError(f"adapter {adapter!r} is registered but no plugin loads records for it")
        return result

    def write_back(self, adapter: str, item: WriteBackItem, options: Mapping[str, Any] | None = None) -> Receipt:
        """Write one item back through ``adapter``."""
        self._require(adapter)
        receipt = self.pm.hook.permanence_write_back(adapter=adapter, item=item, options=dict(options or {}))
        if receipt is None:
            raise UnknownAdapterError(f"adapter {adapter!r} cannot write back")
        return receipt

    def alert_items(
        self, adapter: str, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any] | None = None
    ) -> Callable[[AlertChange], WriteBackItem | None]:
        """How ``adapter`` raises an alert in its system; a team-manager work-tray alert when it does not say."""
        self._require(adapter)
        to_item = self.pm.hook.permanence_alert_items(
            adapter=adapter, records=records, as_of=as_of, options=dict(options or {})
        )
        return to_item if to_item is not None else team_manager_work_tray

    def _require(self, adapter: str) -> None:
        known = self.adapters()
        if adapter not in known:
            raise UnknownAdapterError(f"unknown adapter {adapter!r}; installed: {', '.join(sorted(known)) or 'none'}")

    def describe(self) -> list[PluginInfo]:
        """Every plugin with its distribution, version, hooks and adapters."""
        dists = {plugin: dist for plugin, dist in self.pm.list_plugin_distinfo()}
        adapters = self._adapters_by_plugin()
        result = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                # pluggy keeps a blocked (disabled) plugin's name with no plugin behind it.
                continue
            dist = dists.get(plugin)
            result.append(
                PluginInfo(
                    name=name,
                    distribution=dist.project_name if dist else "permanence-core",
                    version=dist.version if dist else _core_version(),
                    hooks=tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or ())),
                    adapters=tuple(a.name for a in adapters.get(name, ())),
                )
            )
        return sorted(result, key=lambda info: info.name)


def team_manager_work_tray(change: AlertChange) -> WriteBackItem | None:
    """The default alert item: a work-tray alert for the team manager; a resolution is only recorded."""
    alert = change.alert
    if alert is None:
        return None
    return WorkTrayAlert(
        child_id=alert.child_id,
        recipient_role="team_manager",
        title=f"{alert.title or alert.rule} ({alert.status.value})",
        body=f"{alert.message}\nSource: {alert.source}",
        due_date=alert.due_date,
    )


def _core_version() -> str:
    from permanence_core import __version__

    return __version__
