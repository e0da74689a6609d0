"""Snapshots: the merged data the adapter reads, built from the previous snapshot and one drop's parts.

A snapshot is a folder in the SSDA903 adapter's layout, never changed once the ledger names it, with a
manifest saying which drop supplied each file. Files carried over from the previous snapshot are
hard links where the file system allows (so a snapshot costs little disk), copies otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import attrs

from permanence_core.adapters.base import LoadResult, Rejection
from permanence_core.private_files import OWNER_ONLY
from permanence_raise.contents import DropContents, Part, PartKind


@attrs.frozen
class Entry:
    """Where a snapshot file came from: the drop's name in the archive and its path inside the drop."""

    drop: str
    inner: str = ""
    table: str | None = None

    @property
    def origin(self) -> str:
        """The file's path under ``archive/``, as rejections and reports name it."""
        return f"{self.drop}/{self.inner}" if self.inner else self.drop


#: A snapshot's files (paths relative to the snapshot, ``/``-separated) and where each came from.
Manifest = Mapping[str, Entry]


def manifest_to_json(manifest: Manifest) -> str:
    """The manifest as stored in the ledger."""
    return json.dumps({target: attrs.asdict(entry) for target, entry in sorted(manifest.items())}, sort_keys=True)


def manifest_from_json(text: str) -> dict[str, Entry]:
    """The manifest stored by :func:`manifest_to_json`."""
    return {target: Entry(**entry) for target, entry in json.loads(text).items()}


def merge(previous: Manifest, contents: DropContents, drop: str) -> dict[str, Entry]:
    """The manifest after the drop archived as ``drop`` replaces its parts of ``previous``.

    Check :func:`conflicts` first: a CSV table cannot replace part of an XML return.
    """
    kinds = {part.kind for part in contents.parts}
    tables = {part.table for part in contents.parts if part.kind is PartKind.TABLE}
    years = {part.target.split("/", 1)[0] for part in contents.parts if part.kind is PartKind.YEAR}

    def replaced(target: str, entry: Entry) -> bool:
        at_root = "/" not in target
        if at_root and (PartKind.RETURN in kinds or entry.table in tables):
            return True
        return target.split("/", 1)[0] in years

    merged = {target: entry for target, entry in previous.items() if not replaced(target, entry)}
    for part in contents.parts:
        merged[part.target] = Entry(drop=drop, inner=part.inner, table=part.table)
    return merged


def conflicts(previous: Manifest, contents: DropContents, drop_name: str) -> list[Rejection]:
    """Parts of a drop that cannot replace a table of the current return, each with its reason."""
    problems = []
    xml_return = sorted(target for target in previous if "/" not in target and target.lower().endswith(".xml"))
    for part in contents.parts:
        if part.kind is not PartKind.TABLE:
            continue
        if xml_return:
            problems.append(
                Rejection(
                    source=drop_name,
                    reason=(
                        f"the current return is the XML file {previous[xml_return[0]].origin}, so one CSV table "
                        "cannot replace part of it: drop the whole return (a folder of its tables, or an XML file)"
                    ),
                )
            )
            continue
        kept = previous.get(part.target)
        if kept is not None and kept.table != part.table:
            problems.append(
                Rejection(
                    source=drop_name,
                    reason=f"its name is that of the current return's {kept.table} table ({kept.origin}), "
                    f"but it is a {part.table} table",
                )
            )
    return problems


def name_by_origin(result: LoadResult, manifest: Manifest) -> LoadResult:
    """Name each rejection's file by its place under ``archive/`` (``2025-03-31/episodes.csv``), not the snapshot."""
    rejected = [
        attrs.evolve(r, source=manifest[r.source].origin) if r.source in manifest else r for r in result.rejected
    ]
    return attrs.evolve(result, rejected=rejected)


def has_return(manifest: Manifest) -> bool:
    """True when the snapshot holds an SSDA903 return (the pack is read against one)."""
    return any(not target.startswith("pack/") for target in manifest)


def build(
    folder: Path,
    manifest: Manifest,
    parts: tuple[Part, ...],
    previous: Path | None,
) -> None:
    """Write the snapshot ``folder``: the drop's ``parts`` copied in, every other file linked from ``previous``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    supplied = {part.target: part.source for part in parts}
    folders = {folder}
    for target in manifest:
        destination = folder / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        folders.add(destination.parent)
        if target in supplied:
            _copy(supplied[target], destination)
        elif previous is not None:
            _link(previous / target, destination)
        else:
            raise FileNotFoundError(f"{target}: in the manifest but in neither the drop nor a previous snapshot")
    for path in folders:
        sync_folder(path)


def _copy(source: Path, destination: Path) -> None:
    # Owner-only whatever the umask: the snapshot holds the return's names, dates of birth and pack notes.
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    with source.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
        writer.flush()
        # On disk before the ledger names the snapshot: a power cut must not leave it half written.
        os.fsync(writer.fileno())


def _link(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        # Network shares and some file systems have no hard links.
        _copy(source, destination)


def sync_folder(folder: Path) -> None:
    """Make the folder's entries (new names, renames) durable; a no-op where folders cannot be opened."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
