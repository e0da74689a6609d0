"""The profiles shipped with the core: the statutory England profile and the seed councils' local ones."""

from __future__ import annotations

from importlib import resources


def builtin_profiles() -> dict[str, str]:
    """Every ``*.toml`` profile in this package, by file stem."""
    folder = resources.files(__package__)
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }
