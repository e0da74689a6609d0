"""Freed memory handed back to the system after a batch (glibc keeps small freed pieces otherwise)."""

import platform

import pytest

from permanence_core.freed_memory import give_back


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_pieces_freed_under_a_live_one_leave_the_process_after_give_back():
    # 1 KB pieces come from malloc (not Python's small-object arenas); the last one, kept, pins the heap's top,
    # so glibc cannot shrink the heap on its own when the rest are freed.
    pieces = [bytes(1024) + bytes([i % 256]) for i in range(120_000)]
    kept = pieces[-1]
    del pieces
    before = resident_mb()
    assert give_back()
    assert resident_mb() < before - 60
    assert kept[-1] == (120_000 - 1) % 256
