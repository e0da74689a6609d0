"""The Liquidlogic plugin: registers the Liquidlogic adapter with permanence_core."""

from __future__ import annotations

from collections.abc import Callable

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookimpl
from permanence_liquidlogic.adapter import LiquidlogicAdapter


@hookimpl
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """The Liquidlogic adapter."""
    register(LiquidlogicAdapter())
