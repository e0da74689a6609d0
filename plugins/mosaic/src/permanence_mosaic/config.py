"""The Mosaic adapter's settings: the ``[mosaic]`` table of the council's configuration file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core.errors import ConfigError, Location

SECTION = "mosaic"

#: The environment variable holding the warehouse password (never the URL, never the config file).
PASSWORD_ENV = "PERMANENCE_MOSAIC_PASSWORD"


@attrs.frozen(kw_only=True)
class MosaicConfig:
    """Where the ``dm_*`` tables are.

    Attributes:
        schema: the database schema holding the tables (``dbo`` on most SQL Server warehouses); None for
            the connection's default schema.
        sqlite_attach: for a SQLite copy of the warehouse, SQLite files to attach by schema name.
    """

    schema: str | None = None
    sqlite_attach: Mapping[str, Path] = attrs.field(factory=dict)


def load_config(options: Mapping[str, Any]) -> MosaicConfig:
    """Read the ``[mosaic]`` table of the file named by the ``config`` option; defaults when there is none."""
    path = options.get("config")
    if not path:
        return MosaicConfig()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
    section = data.get(SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(Location(source=str(path), field=SECTION), "must be a table")
    unknown = sorted(set(section) - {"schema", "sqlite_attach"})
    if unknown:
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.{unknown[0]}"), "is not a Mosaic setting")
    schema = section.get("schema")
    if schema is not None and (not isinstance(schema, str) or not schema.strip()):
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.schema"), f"{schema!r} is not a schema name")
    attach = section.get("sqlite_attach", {})
    if not isinstance(attach, dict) or not all(isinstance(v, str) for v in attach.values()):
        raise ConfigError(
            Location(source=str(path), field=f"{SECTION}.sqlite_attach"), "must be a table of schema = file path"
        )
    # Relative paths are relative to the config file, so a config and its data can move together.
    return MosaicConfig(schema=schema, sqlite_attach={name: path.parent / file for name, file in attach.items()})
