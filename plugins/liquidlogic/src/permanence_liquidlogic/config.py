"""The Liquidlogic adapter's settings: the ``[liquidlogic]`` table of the council's configuration file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.errors import ConfigError, Location

SECTION = "liquidlogic"

#: The environment variable holding the warehouse password (never the URL, never the config file).
PASSWORD_ENV = "PERMANENCE_LIQUIDLOGIC_PASSWORD"

#: The two person ids LCS warehouses carry: the warehouse key, or the id LCS users see.
PERSON_ID_FIELDS = ("DIM_PERSON_ID", "LEGACY_ID")


@attrs.frozen(kw_only=True)
class LiquidlogicConfig:
    """Where the warehouse tables are and how to read local values.

    Attributes:
        schema: the schema holding ``DIM_PERSON`` and the ``FACT_*`` tables: ``Child_Social``, or
            ``HDM.Child_Social`` when connected to another database on the same SQL Server.
        person_id_field: the column used as the child's case id (``DIM_PERSON_ID`` or ``LEGACY_ID``).
        legal_status_map: local legal-status descriptions to SSDA903 legal status codes, for descriptions
            that neither start with the code nor match the DfE meaning.
        sqlite_attach: for a SQLite copy of the warehouse, SQLite files to attach by schema name.
    """

    schema: str | None = "Child_Social"
    person_id_field: str = attrs.field(default="DIM_PERSON_ID", validator=attrs.validators.in_(PERSON_ID_FIELDS))
    legal_status_map: Mapping[str, str] = attrs.field(factory=dict)
    sqlite_attach: Mapping[str, Path] = attrs.field(factory=dict)


def _text_table(path: Path, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.{key}"), "must be a table of text values")
    return value


def load_config(options: Mapping[str, Any]) -> LiquidlogicConfig:
    """Read the ``[liquidlogic]`` table of the file named by the ``config`` option; defaults when there is none."""
    path = options.get("config")
    if not path:
        return LiquidlogicConfig()
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
    unknown = sorted(set(section) - {"schema", "person_id_field", "legal_status_map", "sqlite_attach"})
    if unknown:
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.{unknown[0]}"), "is not a Liquidlogic setting")
    schema = section.get("schema", LiquidlogicConfig().schema)
    if not isinstance(schema, str) or not schema.strip():
        raise ConfigError(Location(source=str(path), field=f"{SECTION}.schema"), f"{schema!r} is not a schema name")
    person_id_field = section.get("person_id_field", "DIM_PERSON_ID")
    if person_id_field not in PERSON_ID_FIELDS:
        raise ConfigError(
            Location(source=str(path), field=f"{SECTION}.person_id_field"),
            f"{person_id_field!r} is not one of {', '.join(PERSON_ID_FIELDS)}",
        )
    legal_status_map = _text_table(path, "legal_status_map", section.get("legal_status_map", {}))
    for description, code in legal_status_map.items():
        if code not in codes.LEGAL_STATUS:
            raise ConfigError(
                Location(source=str(path), field=f"{SECTION}.legal_status_map.{description}"),
                f"{code!r} is not an SSDA903 legal status code",
            )
    attach = _text_table(path, "sqlite_attach", section.get("sqlite_attach", {}))
    # Relative paths are relative to the config file, so a config and its data can move together.
    return LiquidlogicConfig(
        schema=schema,
        person_id_field=person_id_field,
        legal_status_map=legal_status_map,
        sqlite_attach={name: path.parent / file for name, file in attach.items()},
    )
