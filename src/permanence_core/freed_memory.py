"""Handing memory a batch freed back to the system, where the C library keeps it otherwise."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable

#: Polars' allocator (jemalloc) reads its settings from this variable once, as polars loads.
ALLOCATOR_SETTINGS = "_RJEM_MALLOC_CONF"
#: By default polars' allocator hands freed pages back at once: a CLI run is one short process, and that keeps
#: `permanence alerts` on the national cohort inside its memory budget (benchmarks/README.md).
_HAND_BACK = "dirty_decay_ms:0,muzzy_decay_ms:0"
#: Commands whose budget is time keep freed pages a while for reuse rather than fault fresh ones in: the tracker for
#: a second (a second less of system time on a 20,000-child page); the nightly `ledger sync` for a quarter of a
#: second (about 4 s less of a national first night on one core, and the second night's peak still 1,475 MB of its
#: 1,536: a full second took it to 1,593).
_KEEP_FREED = {
    "tracker": "dirty_decay_ms:1000,muzzy_decay_ms:0",
    "ledger": "dirty_decay_ms:250,muzzy_decay_ms:0",
}


def allocator_settings(command: str | None = None) -> str:
    """Polars' allocator settings (``ALLOCATOR_SETTINGS``) for a run of the ``permanence`` command ``command``
    (by default, any other command's)."""
    return _HAND_BACK if command is None else _KEEP_FREED.get(command, _HAND_BACK)


@functools.cache
def _trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library or system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    return trim


def give_back() -> bool:
    """Return the C heap's free pages to the system; True when the C library could (glibc's ``malloc_trim``).

    After a national ledger sync, about 170 MB of freed SQLite pages and row tuples stay resident in glibc's heap
    (freed in small pieces, never returned on their own) through the evaluation and the tracker, the job's largest
    moments. Polars' own allocator returns its pages itself (``_RJEM_MALLOC_CONF`` in the CLI).
    """
    trim = _trim()
    return bool(trim(0)) if trim is not None else False
