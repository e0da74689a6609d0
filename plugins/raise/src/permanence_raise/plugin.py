"""The RAISE plugin: registers the RAISE adapter and the ``permanence raise`` commands with permanence_core."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookimpl
from permanence_raise.adapter import RaiseAdapter

if TYPE_CHECKING:
    import click


@hookimpl
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """The RAISE adapter."""
    register(RaiseAdapter())


@hookimpl
def permanence_register_commands(group: click.Group) -> None:
    """``permanence raise ingest|status|panel``: the inbox and the monthly panel."""
    from permanence_raise.cli import raise_group

    group.add_command(raise_group)
