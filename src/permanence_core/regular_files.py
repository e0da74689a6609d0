"""Refusing devices, FIFOs and sockets before they are opened: reading one never ends (/dev/zero) or waits for ever."""

from __future__ import annotations

from pathlib import Path

from permanence_core.errors import InputError


def check_regular(path: str | Path, name: str | None = None) -> None:
    """InputError naming ``name`` (or ``path``) when ``path`` exists but is not a regular file (or a link to one)."""
    path = Path(path)
    try:
        special = path.exists() and not path.is_file()
    except OSError as exc:
        raise InputError(name or str(path), f"cannot be read: {exc.strerror}") from None
    if special:
        what = "a folder" if path.is_dir() else "a device, FIFO or socket"
        raise InputError(name or str(path), f"is {what}, not a file")
