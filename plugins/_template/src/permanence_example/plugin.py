"""The plugin: registers its adapter with permanence_core."""

from __future__ import annotations

from collections.abc import Callable

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookimpl
from permanence_example.adapter import ExampleAdapter


@hookimpl
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """Register this plugin's adapter."""
    register(ExampleAdapter())
