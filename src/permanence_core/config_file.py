"""Reading a council's TOML configuration file: one place for encodings, clear errors and refusing secrets."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from permanence_core.config_secrets import refuse_secrets
from permanence_core.errors import ConfigError, Location


def read_config(path: str | Path) -> dict[str, Any]:
    """The whole file as a dict; ConfigError names the file (and never repeats a secret written in it)."""
    path = Path(path)
    try:
        # utf-8-sig: Notepad may save the file with a byte-order mark.
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"is not UTF-8 text (at byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
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
