"""Files that may hold personal data: written whole (temporary file, fsync, rename) and readable by the owner only."""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: The mode of every file permanence writes that may hold a child's details (documents, trackers, outbox, audit).
OWNER_ONLY = 0o600

#: The prefix of the temporary file a write renames into place: what a killed run can leave behind.
TEMPORARY_PREFIX = ".tmp-"


def write_private(path: Path, data: bytes, *, create_folder: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, readable by the owner only.

    A reader (an upload job, a browser, another run) sees the old file or the whole new one, never half
    of it. The folder is created when missing, unless ``create_folder`` is False (then FileNotFoundError).
    """
    with open_private(path, create_folder=create_folder) as handle:
        handle.write(data)


@contextlib.contextmanager
def open_private(path: Path, *, create_folder: bool = True) -> Iterator[BinaryIO]:
    """A binary file whose content replaces ``path`` whole when the block ends, as :func:`write_private` does;
    if the block raises, ``path`` is left as it was. For output too large to hold in memory at once."""
    path = Path(path)
    if create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file 0600 whatever the umask, so the data is never readable by others, even briefly.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, OWNER_ONLY)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    pending = _PENDING.get()
    if pending is None:
        _sync_directory(path.parent)
    else:
        pending.folders.add(path.parent)


class PendingFolders:
    """Folders whose renames are not yet durable: :meth:`sync` makes them so, one fsync per folder."""

    def __init__(self) -> None:
        self.folders: set[Path] = set()

    def sync(self) -> None:
        """Sync every folder written since the last call; OSError when one cannot be (its renames may be lost)."""
        while self.folders:
            folder = min(self.folders)
            _sync_directory(folder)
            self.folders.discard(folder)


_PENDING: contextvars.ContextVar[PendingFolders | None] = contextvars.ContextVar("pending_folders", default=None)


@contextlib.contextmanager
def deferred_directory_sync() -> Iterator[PendingFolders]:
    """Inside the block, :func:`open_private` leaves its folder's sync to the caller's :meth:`PendingFolders.sync`.

    Each file's content is still flushed to disk before its rename; only the folder's fsync, which makes the
    renames durable, is done once for many files. Until ``sync`` returns, a power cut may lose the renames (a
    killed process loses nothing): the caller must not count those files as written before then.
    """
    pending = PendingFolders()
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist (a SQLite database is then opened inside it).

    SQLite would create the file with the process umask (often world-readable); its journal files take the
    database file's mode, so creating the file first keeps the whole store private.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))


def _sync_directory(folder: Path) -> None:
    # The rename is only durable once the directory entry is on disk; without this a power cut could
    # lose a sidecar the state store already counts as queued. Windows cannot open a directory.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "OWNER_ONLY",
    "TEMPORARY_PREFIX",
    "PendingFolders",
    "deferred_directory_sync",
    "open_private",
    "write_private",
]
