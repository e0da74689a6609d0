"""Reads a RAISE inbox: the current snapshot (every drop ingested so far, merged) through the SSDA903 adapter.

RAISE publishes no schema and no API (research/case_systems.md section 3), so the council's report
writer exports the national SSDA903 return (CSV tables or XML) and the permanence pack into the
inbox's ``incoming/`` folder, and ``permanence raise ingest`` merges each drop into a snapshot. Loading
never changes the inbox: a drop not yet ingested is not read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core.adapters import LoadResult
from permanence_core.adapters.ssda903 import load as load_ssda903
from permanence_raise.folders import InboxFolders
from permanence_raise.ledger import Ingested, Ledger, nothing_ingested
from permanence_raise.snapshot import name_by_origin

log = logging.getLogger(__name__)


def current_snapshot(inbox: str | Path) -> tuple[Path, Ingested]:
    """The folder of the inbox's current snapshot and the ledger entry of the drop that made it.

    Raises InputError when the inbox does not exist or nothing has been ingested into it yet.
    """
    folders = InboxFolders(Path(inbox))
    folders.check()
    ledger = Ledger(folders.ledger, create=False)
    try:
        current = ledger.current()
    finally:
        ledger.close()
    if current is None:
        # A ledger with no row: an ingest run created it, but every drop so far was quarantined.
        raise nothing_ingested(folders.root)
    return folders.snapshots / current.snapshot, current


def read(source: str, options: Mapping[str, Any]) -> LoadResult:
    """Load every child in the current snapshot of the inbox ``source``; rejections name their archived file."""
    folder, current = current_snapshot(source)
    # The snapshot is an SSDA903 folder: its reader takes the progress bar and the facets the caller needs.
    passed = {key: options[key] for key in ("facets",) if options.get(key) is not None}
    progress = options.get("progress")
    if callable(progress):
        passed["progress"] = progress
    result = load_ssda903(str(folder), passed)
    notice = (
        f"RAISE snapshot {current.snapshot}: {len(current.manifest)} files from "
        f"{len({entry.drop for entry in current.manifest.values()})} drop(s); last ingested {current.archived_as} "
        f"on {current.ingested_at.date().isoformat()}"
    )
    result = attrs.evolve(name_by_origin(result, current.manifest), notices=(notice, *result.notices))
    log.info("raise load: %s", result.summary())
    return result
