"""Handing memory a batch freed back to the system, where the C library keeps it otherwise."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable


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
