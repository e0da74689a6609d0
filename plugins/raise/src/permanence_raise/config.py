"""The RAISE adapter's settings: the ``[raise]`` table of the council's configuration file."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from permanence_core.config_file import config_section
from permanence_core.errors import ConfigError, Location

SECTION = "raise"
#: A drop whose newest file changed less than this many seconds ago may still be being written.
DEFAULT_SETTLE_SECONDS = 60.0


@attrs.frozen(kw_only=True)
class RaiseConfig:
    """How the council's RAISE report writer drops its exports.

    Attributes:
        ready_marker: a file the export job writes last into a drop folder (e.g. ``READY``); when set,
            a drop folder without it is still being written and is left for the next run.
        settle_seconds: a drop whose newest file was modified less than this long ago is left for the
            next run, in case the report writer is still writing it.
    """

    ready_marker: str | None = None
    settle_seconds: float = DEFAULT_SETTLE_SECONDS


def load_config(options: Mapping[str, Any]) -> RaiseConfig:
    """Read the ``[raise]`` table of the file named by the ``config`` option; defaults when there is none."""
    path, section = config_section(options, SECTION)
    if path is None:
        return RaiseConfig()
    unknown = sorted(set(section) - {"ready_marker", "settle_seconds"})
    if unknown:
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.{unknown[0]}"), "is not a RAISE setting")
    marker = section.get("ready_marker")
    if marker is not None and (
        not isinstance(marker, str) or not marker.strip() or marker in (".", "..") or any(c in marker for c in "/\\\0")
    ):
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.ready_marker"), f"{marker!r} is not a file name")
    settle = section.get("settle_seconds", DEFAULT_SETTLE_SECONDS)
    if isinstance(settle, bool) or not isinstance(settle, int | float) or not 0 <= settle < math.inf:
        raise ConfigError(
            Location(source=str(path), field=f"{SECTION}.settle_seconds"), f"{settle!r} must be a number of seconds"
        )
    return RaiseConfig(ready_marker=marker, settle_seconds=float(settle))
