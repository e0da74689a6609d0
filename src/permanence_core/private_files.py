"""Files that may hold personal data: written whole (temporary file, fsync, rename) and readable by the owner only."""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
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
    if the block raises, ``path`` is left as it was. For output too large to hold in memory at once.

    Inside :func:`deferred_sync` the file is written unflushed, and replaces ``path`` only at the caller's
    :meth:`PendingWrites.sync`."""
    path = Path(path)
    if create_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    pending = _PENDING.get()
    # mkstemp creates the file 0600 whatever the umask, so the data is never readable by others, even briefly.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if pending is None:
                os.fsync(handle.fileno())
        os.chmod(tmp, OWNER_ONLY)
        if pending is None:
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if pending is None:
        _sync_directory(path.parent)
    else:
        pending.written.append((Path(tmp), path))


class PendingWrites:
    """Files written inside :func:`deferred_sync`, not yet in place: :meth:`sync` puts them there durably."""

    def __init__(self) -> None:
        self.written: list[tuple[Path, Path]] = []

    def sync(self) -> None:
        """Flush every file written since the last call to disk, rename each into place in the order written,
        then sync their folders. OSError when a step fails: the files not yet renamed are removed (an outbox's
        sidecar, written after its document, is then never in place without it), and those renamed may not
        survive a power cut."""
        written, self.written = self.written, []
        placed = 0
        try:
            _flush([tmp for tmp, _path in written])
            for tmp, path in written:
                os.replace(tmp, path)
                placed += 1
        except OSError:
            _remove(tmp for tmp, _path in written[placed:])
            raise
        for folder in sorted({path.parent for _tmp, path in written}):
            _sync_directory(folder)

    def discard(self) -> None:
        """Remove the files written since the last :meth:`sync` (the block ended without one)."""
        written, self.written = self.written, []
        _remove(tmp for tmp, _path in written)


_PENDING: contextvars.ContextVar[PendingWrites | None] = contextvars.ContextVar("pending_writes", default=None)


@contextlib.contextmanager
def deferred_sync() -> Iterator[PendingWrites]:
    """Inside the block, :func:`open_private` writes each file but leaves it to the caller's
    :meth:`PendingWrites.sync` to flush it to disk and rename it into place; files never synced are removed.

    One flush of the file system for many files: a file's fsync forces a journal commit and a disk cache flush
    of its own (a national write-back's 19,279 sidecars spent 4.5 of their 8.5 seconds in fsync). Until ``sync``
    returns, the files are not where the caller put them: the caller must not count them as written before then.
    """
    pending = PendingWrites()
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)
        pending.discard()


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


#: Linux's syncfs(2): every file of one file system flushed with one journal commit (Python's os has no binding).
_SYNCFS = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None) if sys.platform == "linux" else None


def _syncfs(fd: int) -> None:
    if _SYNCFS is not None and _SYNCFS(fd) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _flush(files: Sequence[Path]) -> None:
    """Flush ``files`` to disk: on Linux one syncfs of each folder's file system (since Linux 5.8 it reports a
    failed write as fsync does), elsewhere an fsync of each file."""
    if _SYNCFS is None:
        for file in files:
            fd = os.open(file, os.O_WRONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return
    for folder in sorted({file.parent for file in files}):
        fd = os.open(folder, os.O_RDONLY)
        try:
            _syncfs(fd)
        finally:
            os.close(fd)


def _remove(files: Iterable[Path]) -> None:
    for file in files:
        file.unlink(missing_ok=True)


__all__ = [
    "OWNER_ONLY",
    "TEMPORARY_PREFIX",
    "PendingWrites",
    "deferred_sync",
    "open_private",
    "write_private",
]
