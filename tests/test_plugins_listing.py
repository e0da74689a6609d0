"""`permanence plugins --json` lists the three system plugins and the core's own adapter, and honours disabling."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from permanence_core.cli import cli

SYSTEMS = {"mosaic": "permanence-mosaic", "liquidlogic": "permanence-liquidlogic", "raise": "permanence-raise"}


def _listing(env: dict[str, str] | None = None) -> dict[str, dict]:
    result = CliRunner().invoke(cli, ["plugins", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return {plugin["name"]: plugin for plugin in json.loads(result.stdout)}


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_each_system_plugin_is_listed_with_its_distribution_version_and_adapter(name: str) -> None:
    plugin = _listing()[name]

    assert (plugin["distribution"], plugin["version"]) == (SYSTEMS[name], "0.1.0")
    assert plugin["adapters"] == [name]
    assert "permanence_register_adapters" in plugin["hooks"]


def test_the_core_provides_the_ssda903_adapter() -> None:
    owners = [plugin for plugin in _listing().values() if "ssda903" in plugin["adapters"]]

    assert [(p["name"], p["distribution"]) for p in owners] == [("builtin", "permanence-core")]


def test_a_disabled_plugin_is_not_listed() -> None:
    listed = _listing({"PERMANENCE_DISABLE_PLUGINS": "raise"})

    assert "raise" not in listed
    assert {"mosaic", "liquidlogic", "builtin"} <= set(listed)


def test_several_plugins_can_be_disabled_at_once() -> None:
    listed = _listing({"PERMANENCE_DISABLE_PLUGINS": "mosaic, liquidlogic"})

    assert {"mosaic", "liquidlogic"}.isdisjoint(listed)
    assert "raise" in listed
