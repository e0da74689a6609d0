"""Drops waiting in ``incoming/``: which are complete, their content hash, and free names to move them to."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import attrs

from permanence_raise.config import RaiseConfig

#: Endings that copy tools and export jobs give a file they are still writing.
IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")
_CHUNK = 1 << 20


@attrs.frozen
class Drop:
    """One export in ``incoming/``: a file, or a folder of files."""

    path: Path

    @property
    def name(self) -> str:
        """The name the report writer gave it."""
        return self.path.name

    @property
    def is_folder(self) -> bool:
        """True for a folder drop."""
        return self.path.is_dir()


@attrs.frozen
class Waiting:
    """A drop left in ``incoming/`` for a later run, and why."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}; left for the next run"


def files_of(folder: Path) -> Iterator[Path]:
    """Every file under ``folder``, in a stable order."""
    for base, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield Path(base) / name


def _newest_change(drop: Drop) -> float:
    paths = [drop.path, *files_of(drop.path)] if drop.is_folder else [drop.path]
    return max(path.stat().st_mtime for path in paths)


def pending(incoming: Path, config: RaiseConfig, now: float) -> tuple[list[Drop], list[Waiting]]:
    """The complete drops in ``incoming`` in name order (the order they are ingested), and those left waiting.

    Names starting with ``.`` or ``_`` are passed over without a word (being copied, or set aside); a name
    ending like a partial download, a folder without the ready marker, and a drop changed in the last
    ``settle_seconds`` are left waiting.
    """
    ready: list[Drop] = []
    waiting: list[Waiting] = []
    for path in sorted(incoming.iterdir(), key=lambda p: p.name):
        drop = Drop(path)
        if drop.name.startswith((".", "_")):
            continue
        if drop.name.lower().endswith(IN_PROGRESS_SUFFIXES):
            waiting.append(Waiting(drop.name, "its name says it is still being written"))
        elif drop.is_folder and config.ready_marker and not (path / config.ready_marker).is_file():
            waiting.append(Waiting(drop.name, f"has no {config.ready_marker} file yet"))
        elif now - _newest_change(drop) < config.settle_seconds:
            waiting.append(Waiting(drop.name, f"changed less than {config.settle_seconds:g} seconds ago"))
        else:
            ready.append(drop)
    return ready, waiting


def content_hash(drop: Drop) -> str:
    """SHA-256 of the drop: its kind, and each file's path within it and bytes, in a stable order."""
    digest = hashlib.sha256()
    if drop.is_folder:
        digest.update(b"folder\0")
        for path in files_of(drop.path):
            digest.update(path.relative_to(drop.path).as_posix().encode("utf-8") + b"\0")
            _feed(digest, path)
    else:
        digest.update(b"file\0")
        _feed(digest, drop.path)
    return digest.hexdigest()


def _feed(digest: hashlib._Hash, path: Path) -> None:
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    # The length closes each file, so moving bytes from one file to the next changes the hash.
    digest.update(b"\0" + str(size).encode("ascii") + b"\0")


def free_name(folder: Path, name: str, digest: str, *, is_folder: bool) -> str:
    """``name`` if nothing in ``folder`` has it, else ``name`` marked with the start of the content hash.

    The same content lands on the same name again, so a rerun after an interruption reuses it.
    """
    if not (folder / name).exists():
        return name
    stem, suffix = (name, "") if is_folder else (Path(name).stem, Path(name).suffix)
    candidate = f"{stem}~{digest[:8]}{suffix}"
    number = 2
    while (folder / candidate).exists():
        candidate = f"{stem}~{digest[:8]}-{number}{suffix}"
        number += 1
    return candidate
