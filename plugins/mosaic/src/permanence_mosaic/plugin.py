"""The Mosaic plugin: registers the Mosaic adapter with permanence_core."""

from __future__ import annotations

from collections.abc import Callable

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookimpl
from permanence_mosaic.adapter import MosaicAdapter


@hookimpl
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """The Mosaic adapter."""
    register(MosaicAdapter())
