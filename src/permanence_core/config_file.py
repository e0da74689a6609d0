"""Reading a council's TOML configuration file: one place for encodings, clear errors and refusing secrets."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from permanence_core.config_secrets import refuse_secrets
from permanence_core.errors import ConfigError, Location
from permanence_core.regular_files import check_regular

#: A council's configuration or profile is a few kilobytes; a bigger file is refused before it is parsed.
MAX_TOML_BYTES = 1 << 20


def read_toml(path: str | Path, what: str = "cannot be read") -> dict[str, Any]:
    """Parse a TOML file within a size budget; ConfigError names the file (``what`` says what failed to read)."""
    return parse_toml(read_toml_text(path, what), str(path))


def read_toml_text(path: str | Path, what: str = "cannot be read") -> str:
    """The text of a TOML file, refused beyond MAX_TOML_BYTES before anything is parsed."""
    path = Path(path)
    check_regular(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        raise ConfigError(str(path), f"{what}: {exc.strerror}") from None
    if len(raw) > MAX_TOML_BYTES:
        raise ConfigError(str(path), f"is larger than {MAX_TOML_BYTES} bytes: not a configuration file")
    try:
        # utf-8-sig: Notepad may save the file with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"is not UTF-8 text (at byte {exc.start}); save it as UTF-8") from None


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text; ConfigError names ``where`` and the line at fault, or says it is nested too deeply.

    The parser recurses once per nesting level, so a file of nested arrays ends in its RecursionError, which is
    refused like any other invalid TOML; the size budget bounds what it can hold meanwhile.
    """
    if len(text) > MAX_TOML_BYTES:
        raise ConfigError(where, f"is larger than {MAX_TOML_BYTES} characters: not a configuration file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(where, f"is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(where, "is not valid TOML: arrays or tables nested too deeply") from None


def read_config(path: str | Path) -> dict[str, Any]:
    """The whole file as a dict; ConfigError names the file (and never repeats a secret written in it)."""
    data = read_toml(path)
    # Checked before any value is: an error about a value must never repeat a secret written in the file.
    refuse_secrets(data, str(path))
    return data


def config_section(options: Mapping[str, Any], section: str) -> tuple[Path | None, dict[str, Any]]:
    """The ``[section]`` table of the file named by the ``config`` option: (path, table), or (None, {}) without one."""
    location = options.get("config")
    if not location:
        return None, {}
    path = Path(location)
    table = read_config(path).get(section, {})
    if not isinstance(table, dict):
        raise ConfigError(Location(source=str(path), field=section), "must be a table")
    return path, table
