"""The core's own adapters, profiles and templates, registered through the same hooks as any plugin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from permanence_core.adapters import AdapterInfo, LoadResult, Receipt, WriteBackItem
from permanence_core.plugins import hookimpl


@hookimpl
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """The built-in SSDA903 and Standard Safeguarding Dataset adapters."""
    from permanence_core.adapters import ssd, ssda903

    register(ssda903.ADAPTER)
    register(ssd.ADAPTER)


@hookimpl
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load an SSDA903 return (CSV folder or XML file) plus the optional permanence pack, or an SSD database."""
    if adapter == "ssd":
        from permanence_core.adapters import ssd

        return ssd.load(source, options)
    if adapter != "ssda903":
        return None
    from permanence_core.adapters.ssda903 import load

    return load(source, options)


@hookimpl
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """The SSDA903 and SSD adapters have no system of their own: items go to the council's gateway or an outbox."""
    if adapter not in ("ssda903", "ssd"):
        return None
    from permanence_core.adapters.transports import transport_for

    return transport_for(options).deliver(item)


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
