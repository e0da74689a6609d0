"""The plugin manager factory and the typed facade core code uses instead of ``pm.hook.*``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from permanence_core.adapters import Adapter, CohortLoad, LoadResult
from permanence_core.errors import ConfigError, UsageError
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins import DISABLE_ENV, ENTRY_POINT_GROUP, PROJECT_NAME, builtin, hookspecs

if TYPE_CHECKING:
    import click

    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.writeback import AlertChange, Receipt, WriteBackItem

#: Hooks of plugin API 0.1 that adapter objects replaced in 0.2, and what replaces each.
REMOVED_HOOKS = {
    "permanence_load_records": "Adapter.load",
    "permanence_write_back": "Adapter.write_back",
    "permanence_alert_items": "Adapter.alert_items",
}


class UnknownAdapterError(UsageError):
    """No installed plugin provides the adapter asked for."""


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """Build a plugin manager: hook specs, installed plugins (minus disabled ones), then the built-ins.

    A plugin still written against a removed hook gets one error saying what replaced it; ``check_pending()``
    then makes any other misspelled hook implementation fail loudly instead of never running.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in filter(None, (n.strip() for n in os.environ.get(DISABLE_ENV, "").split(","))):
        pm.set_blocked(name)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.register(builtin, name="builtin")
    check_plugins(pm)
    return pm


def check_plugins(pm: pluggy.PluginManager) -> None:
    """Refuse plugins implementing a removed hook (naming the replacement), then any hook with no spec."""
    stale: dict[str, list[str]] = {}
    for hook in REMOVED_HOOKS:
        caller = getattr(pm.hook, hook, None)
        for impl in caller.get_hookimpls() if caller is not None else ():
            stale.setdefault(impl.plugin_name, []).append(hook)
    if stale:
        found = "; ".join(f"plugin {plugin!r} implements {', '.join(hooks)}" for plugin, hooks in sorted(stale.items()))
        replaced = ", ".join(f"{hook} by {method}" for hook, method in REMOVED_HOOKS.items())
        raise ConfigError(
            "plugins",
            f"{found}: plugin API 0.2 removed these hooks. Register an Adapter object through "
            f"permanence_register_adapters instead ({replaced}); see CHANGELOG.md and docs/writing-an-adapter.md",
        )
    pm.check_pending()


@attrs.frozen
class PluginInfo:
    """One registered plugin as ``permanence plugins`` shows it."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    adapters: tuple[str, ...]


@attrs.frozen
class Registry:
    """What the plugins registered: adapters by name (and which plugin owns each), profiles and templates."""

    adapters: Mapping[str, Adapter]
    owners: Mapping[str, tuple[str, ...]]
    profiles: Mapping[str, str]
    templates: Mapping[str, Path]


class Plugins:
    """Typed access to the plugins: adapters, profiles, templates, commands, loading and writing back.

    The registration hooks run once per set of registered plugins; registering another plugin on ``pm`` makes
    the next call collect them again.
    """

    def __init__(self, pm: pluggy.PluginManager | None = None) -> None:
        self.pm = pm if pm is not None else get_plugin_manager()
        self._registry: Registry | None = None
        self._registered: set[object] = set()

    @property
    def registry(self) -> Registry:
        """The registrations of every plugin on the manager, collected on first use."""
        plugins = self.pm.get_plugins()
        if self._registry is None or plugins != self._registered:
            check_plugins(self.pm)
            self._registry = self._collect()
            self._registered = plugins
        return self._registry

    def _each_plugin(self, hook: str) -> Iterator[tuple[str, pluggy.HookCaller]]:
        # The built-ins first, so that any plugin's template replaces theirs; then in registration order.
        named = sorted(
            ((name, plugin) for name, plugin in self.pm.list_name_plugin() if plugin is not None),
            key=lambda pair: pair[0] != "builtin",
        )
        for name, plugin in named:
            yield name, self.pm.subset_hook_caller(hook, [other for _, other in named if other is not plugin])

    def _collect(self) -> Registry:
        adapters: dict[str, Adapter] = {}
        owners: dict[str, tuple[str, ...]] = {}
        for plugin, caller in self._each_plugin("permanence_register_adapters"):
            # Whatever a plugin registers is checked: it may not be an Adapter at all.
            collected: list[object] = []
            caller(register=collected.append)
            names: list[str] = []
            for adapter in collected:
                name = getattr(adapter, "name", None)
                if not isinstance(adapter, Adapter) or not isinstance(name, str):
                    raise ConfigError(
                        f"plugin {plugin!r}", f"registered {adapter!r}, which is not a named permanence Adapter"
                    )
                if name in adapters:
                    raise ConfigError("plugins", f"adapter {name!r} is registered twice")
                adapters[name] = adapter
                names.append(name)
            owners[plugin] = tuple(names)

        profiles: dict[str, str] = {}

        def add_profile(name: str, text: str) -> None:
            if name in profiles:
                raise ConfigError("plugins", f"profile {name!r} is registered twice")
            profiles[name] = text

        templates: dict[str, Path] = {}
        for _, caller in self._each_plugin("permanence_register_profiles"):
            caller(register=add_profile)
        for _, caller in self._each_plugin("permanence_register_templates"):
            caller(register=lambda name, path: templates.__setitem__(name, Path(path)))
        return Registry(adapters=adapters, owners=owners, profiles=profiles, templates=templates)

    def adapters(self) -> dict[str, Adapter]:
        """Every registered adapter by name; two plugins claiming one name is a configuration error."""
        return dict(self.registry.adapters)

    def adapter(self, name: str) -> Adapter:
        """The adapter called ``name``; UnknownAdapterError lists the adapters that are installed."""
        known = self.registry.adapters
        if name not in known:
            raise UnknownAdapterError(f"unknown adapter {name!r}; installed: {', '.join(sorted(known)) or 'none'}")
        return known[name]

    def profiles(self) -> dict[str, str]:
        """Every registered profile's TOML text by name."""
        return dict(self.registry.profiles)

    def templates(self) -> dict[str, Path]:
        """Template files by name; the built-ins are overridden by any plugin's template of the same name."""
        return dict(self.registry.templates)

    def register_commands(self, group: click.Group, reserved: Collection[str] = ()) -> None:
        """Add every plugin's commands to ``group``; a name already taken there, or ``reserved`` (commands the
        group loads later), is a configuration error."""
        import click

        for plugin, caller in self._each_plugin("permanence_register_commands"):
            added = click.Group()
            caller(group=added)
            for name, command in added.commands.items():
                if name in group.commands or name in reserved:
                    raise ConfigError(f"plugin {plugin!r}", f"command {name!r} is already a permanence command")
                group.add_command(command, name)

    def load(self, adapter: str, source: str, options: Mapping[str, Any] | None = None) -> LoadResult:
        """Load records through ``adapter``."""
        return self.adapter(adapter).load(source, dict(options or {}))

    def load_cohort(
        self,
        adapter: str,
        source: str,
        options: Mapping[str, Any] | None = None,
        facets: Collection[Facet] | None = None,
    ) -> CohortLoad:
        """Load ``source`` through ``adapter`` as cohort tables (only ``facets``, when given)."""
        return self.adapter(adapter).load_cohort(source, dict(options or {}), facets)

    def check(self, adapter: str, source: str, options: Mapping[str, Any] | None = None) -> SourceReport:
        """What ``source`` holds for ``adapter`` (``permanence source check``)."""
        return self.adapter(adapter).check(source, dict(options or {}))

    def write_back(self, adapter: str, item: WriteBackItem, options: Mapping[str, Any] | None = None) -> Receipt:
        """Write one item back through ``adapter``."""
        return self.adapter(adapter).write_back(item, dict(options or {}))

    def alert_items(
        self, adapter: str, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any] | None = None
    ) -> Callable[[AlertChange], WriteBackItem | None]:
        """How ``adapter`` raises an alert in its system; a team-manager work-tray alert when it does not say."""
        return self.adapter(adapter).alert_items(records, as_of, dict(options or {}))

    def describe(self) -> list[PluginInfo]:
        """Every plugin with its distribution, version, hooks and adapters."""
        dists = {plugin: dist for plugin, dist in self.pm.list_plugin_distinfo()}
        owners = self.registry.owners
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
                    adapters=owners.get(name, ()),
                )
            )
        return sorted(result, key=lambda info: info.name)


def _core_version() -> str:
    from permanence_core import __version__

    return __version__
