"""The SSD adapter's settings: the ``[ssd]`` table of the council's configuration file.

The SSD is built by one script per case system, and each fills some columns its own way (research/ssd.md
section 5): Liquidlogic's build keeps legal statuses and episode end reasons as descriptions and the care
plan as JSON; Mosaic's keeps SSDA903 codes and one plan label; Eclipse's has no care plan. ``system``
picks those shipped defaults; each can be overridden.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.warehouse import read_column_map
from permanence_core.config_file import config_section
from permanence_core.errors import ConfigError, Location
from permanence_core.model import WorkerRole

SECTION = "ssd"

#: The environment variable holding the database password (never the URL, never the config file).
PASSWORD_ENV = "PERMANENCE_SSD_PASSWORD"

CODED = ("code", "description")
CARE_PLANS = ("json", "label", "none")

#: Mosaic's build writes one plan label (populate_ssd_data_warehouse.sql) instead of the JSON.
MOSAIC_PLAN_LABELS: Mapping[str, str] = {
    "A) Return to Family": "return_to_family",
    "B) Adoption": "adoption",
    "C) SGO/CAO": "special_guardianship",
    "D) Supported Living in the Community": "independence",
    "E) Long-Term Residential Placement": "residential",
    "F) Long-Term Fostering": "long_term_fostering",
    "G) Other": "other",
}


@attrs.frozen(kw_only=True)
class Coding:
    """How a build fills the coded columns: SSDA903 ``code`` or ``description``, and the care plan's form."""

    legal_status: str = attrs.field(default="description", validator=attrs.validators.in_(CODED))
    episode_ceased_reason: str = attrs.field(default="description", validator=attrs.validators.in_(CODED))
    care_plan: str = attrs.field(default="json", validator=attrs.validators.in_(CARE_PLANS))


#: Each case system's SSD build: its coding and the columns its DDL names differently.
SYSTEMS: Mapping[str, tuple[Coding, Mapping[str, Mapping[str, str]]]] = {
    "liquidlogic": (Coding(), {}),
    "mosaic": (
        Coding(legal_status="code", episode_ceased_reason="code", care_plan="label"),
        {"ssd_cla_care_plan": {"lacp_table_id": "lacp_cla_care_plan_id"}},
    ),
    "eclipse": (Coding(legal_status="code", episode_ceased_reason="code", care_plan="none"), {}),
}

#: The one involvement role the public SSD names: ``CW``, the allocated case worker (SystemC v1.4.5).
DEFAULT_WORKER_ROLES: Mapping[str, WorkerRole] = {"CW": WorkerRole.SOCIAL_WORKER}


@attrs.frozen(kw_only=True)
class SsdConfig:
    """Everything the SSD adapter reads from the ``[ssd]`` table.

    Attributes:
        system: the case system whose SSD build this is (``liquidlogic``, ``mosaic``, ``eclipse``).
        schema: the schema holding the ``ssd_*`` tables (the SSD's default is ``ssd_development``); None
            for the connection's default schema.
        sqlite_attach: for a SQLite copy, SQLite files to attach by schema name.
        coding: how the coded columns are filled (the system's default unless overridden).
        legal_status_map: local legal-status wordings to SSDA903 codes.
        reason_map: local episode-end wordings to SSDA903 reason-episode-ceased codes.
        plan_labels: care-plan labels (the ``label`` form) to permanence routes.
        worker_roles: ``invo_professional_role_id`` values to worker roles; other involvements are not read.
        proceedings_from_legal_status: the SSD holds no care-proceedings issue date; when true, the start of
            an interim care order (C1) stands in for it and its end for the final order (a rough stand-in).
        columns: per table, the adapter's column name to the one this build uses.
    """

    system: str = "liquidlogic"
    schema: str | None = None
    sqlite_attach: Mapping[str, Path] = attrs.field(factory=dict)
    coding: Coding = Coding()
    legal_status_map: Mapping[str, str] = attrs.field(factory=dict)
    reason_map: Mapping[str, str] = attrs.field(factory=dict)
    plan_labels: Mapping[str, str] = attrs.field(factory=lambda: dict(MOSAIC_PLAN_LABELS))
    worker_roles: Mapping[str, WorkerRole] = attrs.field(factory=lambda: dict(DEFAULT_WORKER_ROLES))
    proceedings_from_legal_status: bool = False
    columns: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)


_KEYS = (
    "system",
    "schema",
    "sqlite_attach",
    "legal_status",
    "episode_ceased_reason",
    "care_plan",
    "legal_status_map",
    "reason_map",
    "plan_labels",
    "worker_roles",
    "proceedings_from_legal_status",
    "columns",
)


def _where(path: Path, key: str) -> Location:
    return Location(source=str(path), field=f"{SECTION}.{key}")


def _choice(raw: Mapping[str, Any], path: Path, key: str, default: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise ConfigError(_where(path, key), f"{value!r} is not one of {', '.join(choices)}")
    return str(value)


def _table(raw: Mapping[str, Any], path: Path, key: str, allowed: Any, what: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(_where(path, key), "must be a table of text values")
    for name, code in value.items():
        if code not in allowed:
            raise ConfigError(_where(path, f"{key}.{name}"), f"{code!r} is not {what}")
    return {str(name): str(code) for name, code in value.items()}


def load_config(options: Mapping[str, Any]) -> SsdConfig:
    """Read the ``[ssd]`` table of the file named by the ``config`` option; defaults when there is none."""
    path, raw = config_section(options, SECTION)
    if path is None:
        return SsdConfig()
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(_where(path, unknown[0]), f"is not an SSD setting (known: {', '.join(_KEYS)})")
    system = _choice(raw, path, "system", "liquidlogic", tuple(SYSTEMS))
    coding, renames = SYSTEMS[system]
    schema = raw.get("schema")
    if schema is not None and (not isinstance(schema, str) or not schema.strip()):
        raise ConfigError(_where(path, "schema"), f"{schema!r} is not a schema name")
    flag = raw.get("proceedings_from_legal_status", False)
    if not isinstance(flag, bool):
        raise ConfigError(_where(path, "proceedings_from_legal_status"), f"{flag!r} must be true or false")
    attach = _table(raw, path, "sqlite_attach", _Anything(), "a file name")
    # Imported here: the table list imports this module for SsdConfig.
    from permanence_core.adapters.ssd.tables import TABLES

    columns = {table: dict(names) for table, names in renames.items()}
    for table, names in read_column_map(raw.get("columns"), TABLES, str(path), SECTION).items():
        columns.setdefault(table, {}).update(names)
    roles = [role.value for role in WorkerRole]
    return SsdConfig(
        system=system,
        schema=schema.strip() if schema else None,
        # Relative paths are relative to the config file, so a config and its data can move together.
        sqlite_attach={name: path.parent / file for name, file in attach.items()},
        coding=Coding(
            legal_status=_choice(raw, path, "legal_status", coding.legal_status, CODED),
            episode_ceased_reason=_choice(raw, path, "episode_ceased_reason", coding.episode_ceased_reason, CODED),
            care_plan=_choice(raw, path, "care_plan", coding.care_plan, CARE_PLANS),
        ),
        legal_status_map=_table(raw, path, "legal_status_map", codes.LEGAL_STATUS, "an SSDA903 legal status code"),
        reason_map=_table(
            raw, path, "reason_map", codes.REASON_EPISODE_CEASED, "an SSDA903 reason-episode-ceased code"
        ),
        plan_labels={
            **MOSAIC_PLAN_LABELS,
            **_table(raw, path, "plan_labels", codes.PERMANENCE_ROUTE, "a permanence route"),
        },
        worker_roles={
            code: WorkerRole(role)
            for code, role in _table(raw, path, "worker_roles", roles, f"a worker role ({', '.join(roles)})").items()
        }
        or dict(DEFAULT_WORKER_ROLES),
        proceedings_from_legal_status=flag,
        columns=columns,
    )


class _Anything:
    """Accepts any text value (for tables whose values are free, e.g. file names)."""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and bool(value.strip())
