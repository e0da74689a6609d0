"""Plugin markers and the one entry-point group adapters register under."""

import pluggy

PROJECT_NAME = "permanence_core"

#: Entry-point group a plugin distribution declares: ``[project.entry-points."permanence_core.adapters"]``.
ENTRY_POINT_GROUP = "permanence_core.adapters"

#: Comma-separated entry-point names to leave unloaded, e.g. ``PERMANENCE_DISABLE_PLUGINS=mosaic,raise``.
DISABLE_ENV = "PERMANENCE_DISABLE_PLUGINS"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin implementations: ``from permanence_core.plugins import hookimpl``."""

__all__ = ["DISABLE_ENV", "ENTRY_POINT_GROUP", "PROJECT_NAME", "hookimpl", "hookspec"]
