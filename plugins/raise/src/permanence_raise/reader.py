"""Reads a RAISE file-drop inbox: the newest complete drop, an SSDA903 return plus the permanence pack.

RAISE publishes no schema and no API (research/case_systems.md section 3), so the council's report
writer exports the national SSDA903 return (CSV tables or XML) and the permanence pack into a drop
folder in the inbox, one folder per export, named so that the newest sorts last (``2025-03-31`` or
``20250331T0200``). The core's SSDA903 adapter reads the drop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core.adapters import LoadResult
from permanence_core.adapters.ssda903 import load as load_ssda903
from permanence_core.errors import InputError
from permanence_raise.config import RaiseConfig

log = logging.getLogger(__name__)

_RETURN_SUFFIXES = (".csv", ".xml")


def _holds_a_return(folder: Path) -> bool:
    return any(path.is_file() and path.suffix.lower() in _RETURN_SUFFIXES for path in folder.iterdir())


def find_drop(inbox: Path, config: RaiseConfig) -> tuple[Path, list[str]]:
    """The drop to read, and notices about the drops passed over.

    The inbox itself is the drop when it holds return files; otherwise the last of its folders by
    name is, leaving out folders whose name starts with ``.`` or ``_`` (being copied, or set aside)
    and, when ``ready_marker`` is set, drops without that file (still being written).
    """
    if not inbox.is_dir():
        raise InputError(str(inbox), "is not a folder (the RAISE inbox)" if inbox.exists() else "does not exist")
    if _holds_a_return(inbox):
        candidates = [inbox]
    else:
        candidates = sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not candidates:
        raise InputError(str(inbox), "holds no drop: no SSDA903 files and no drop folders")
    marker = config.ready_marker
    ready = [drop for drop in candidates if marker is None or (drop / marker).is_file()]
    if not ready:
        raise InputError(str(inbox), f"holds no complete drop: none has its {marker} file yet")
    chosen = ready[-1]
    notices = [f"RAISE drop read: {chosen.name if chosen != inbox else 'the inbox itself'}"]
    notices += [f"RAISE drop {d.name} has no {marker} file yet and was passed over" for d in candidates if d > chosen]
    return chosen, notices


def read(source: str, config: RaiseConfig, options: Mapping[str, Any]) -> LoadResult:
    """Load every child in the newest complete drop of the inbox folder ``source``."""
    inbox = Path(source)
    drop, notices = find_drop(inbox, config)
    result = load_ssda903(str(drop), options)
    if drop != inbox:
        # Name the drop in each rejection: the inbox holds many exports with the same file names.
        rejected = [attrs.evolve(r, source=f"{drop.name}/{r.source}") for r in result.rejected]
        result = attrs.evolve(result, rejected=rejected)
    result = attrs.evolve(result, notices=(*notices, *result.notices))
    log.info("raise load: %s", result.summary())
    return result
