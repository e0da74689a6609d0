"""The core's own adapters, profiles and templates, registered through the same hooks as any plugin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookimpl


@hookimpl
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """The built-in SSDA903 and Standard Safeguarding Dataset adapters."""
    from permanence_core.adapters.ssd import SsdAdapter
    from permanence_core.adapters.ssda903 import Ssda903Adapter

    register(Ssda903Adapter())
    register(SsdAdapter())


@hookimpl
def permanence_register_profiles(register: Callable[[str, str], None]) -> None:
    """The statutory England profile and the seed councils' local profiles."""
    from permanence_core.rules.profiles import builtin_profiles

    for name, text in builtin_profiles().items():
        register(name, text)


@hookimpl
def permanence_register_templates(register: Callable[[str, Path], None]) -> None:
    """The built-in document templates and the tracker page."""
    from permanence_core.documents.templates import builtin_templates
    from permanence_core.tracker.templates import tracker_templates

    for name, path in {**builtin_templates(), **tracker_templates()}.items():
        register(name, path)
