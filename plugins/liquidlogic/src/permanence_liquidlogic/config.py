"""The Liquidlogic adapter's settings: the ``[liquidlogic]`` table of the council's configuration file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.warehouse import read_column_map
from permanence_core.config_file import config_section
from permanence_core.errors import ConfigError, Location
from permanence_core.model import MeetingKind, WorkerRole

SECTION = "liquidlogic"

#: The environment variable holding the warehouse password (never the URL, never the config file).
PASSWORD_ENV = "PERMANENCE_LIQUIDLOGIC_PASSWORD"

#: The two person ids LCS warehouses carry: the warehouse key, or the id LCS users see.
PERSON_ID_FIELDS = ("DIM_PERSON_ID", "LEGACY_ID")

#: The ids DIM_WORKER carries: the warehouse key, the staff number, or the registration number.
WORKER_ID_FIELDS = ("DIM_WORKER_ID", "STAFF_ID", "WORKER_ID_CODE")

#: The Standard Safeguarding Dataset's reading of the LCS care plan's permanence questions
#: (``lacp_cla_care_plan_json``): ANSWER_NO to the Annex A plan code. Local builds may differ.
DEFAULT_ANSWER_MAP: Mapping[str, str] = {
    "CPFUP1": "REMAINSUP",
    "CPFUP2": "RETURN1M",
    "CPFUP3": "RETURN6M",
    "CPFUP4": "RETURNEV",
    "CPFUP5": "LTRELFR",
    "CPFUP6": "LTFOST18",
    "CPFUP7": "RESPLMT",
    "CPFUP8": "SUPPLIV",
    "CPFUP9": "ADOPTION",
    "CPFUP10": "OTHERPLN",
}

#: The one involvement type the public SSD extract names: ``CW``, the allocated case worker.
DEFAULT_INVOLVEMENT_ROLES: Mapping[str, WorkerRole] = {"CW": WorkerRole.SOCIAL_WORKER}

_KEYS = (
    "schema",
    "person_id_field",
    "legal_status_map",
    "sqlite_attach",
    "ppm_meeting_types",
    "meeting_types",
    "permanence_form_templates",
    "answer_map",
    "care_plan_statuses",
    "involvement_roles",
    "worker_id_field",
    "casenote_type_code",
    "document_category",
    "columns",
)


@attrs.frozen(kw_only=True)
class LiquidlogicConfig:
    """Where the warehouse tables are and how to read the council's local values.

    Attributes:
        schema: the schema holding ``DIM_PERSON`` and the ``FACT_*`` tables: ``Child_Social``, or
            ``HDM.Child_Social`` when connected to another database on the same SQL Server.
        person_id_field: the column used as the child's case id (``DIM_PERSON_ID`` or ``LEGACY_ID``).
        legal_status_map: local legal-status descriptions to SSDA903 legal status codes, for descriptions
            that neither start with the code nor match the DfE meaning.
        sqlite_attach: for a SQLite copy of the warehouse, SQLite files to attach by schema name.
        meeting_types: ``FACT_MEETINGS.DIM_LOOKUP_MTG_TYPE_ID_CODE`` values to the permanence meeting they
            are (``ppm_meeting_types`` in the file gives the PPM codes); other meetings are not read.
        permanence_form_templates: template names (``DIM_ASSESSMENT_TEMPLATE_ID_DESC``, matched as a
            prefix) whose answers hold the permanence plan; empty means any template.
        answer_map: ``FACT_FORM_ANSWERS.ANSWER_NO`` codes to Annex A permanence-plan codes.
        care_plan_statuses: ``FACT_CARE_PLANS.DIM_LOOKUP_PLAN_STATUS_ID_CODE`` values of an agreed care plan.
        involvement_roles: ``FACT_INVOLVEMENTS.DIM_LOOKUP_INVOLVEMENT_TYPE_CODE`` values to worker roles;
            involvements of other types are not read.
        worker_id_field: the ``DIM_WORKER`` column written back as a worker's id (work-tray recipients).
        casenote_type_code: ``DIM_LOOKUP_CASNT_TYPE_ID_CODE`` of the case notes this library writes; when
            unset, a note's own ``note_type`` is sent.
        document_category: the category documents are filed under when an upload names none.
        columns: per table, the adapter's column name to the one the council's warehouse uses
            (``[liquidlogic.columns.DIM_PERSON]``, ``FORENAME = "FIRST_NAME"``).
    """

    schema: str | None = "Child_Social"
    person_id_field: str = attrs.field(default="DIM_PERSON_ID", validator=attrs.validators.in_(PERSON_ID_FIELDS))
    legal_status_map: Mapping[str, str] = attrs.field(factory=dict)
    sqlite_attach: Mapping[str, Path] = attrs.field(factory=dict)
    meeting_types: Mapping[str, MeetingKind] = attrs.field(factory=dict)
    permanence_form_templates: tuple[str, ...] = ()
    answer_map: Mapping[str, str] = attrs.field(factory=lambda: dict(DEFAULT_ANSWER_MAP))
    care_plan_statuses: tuple[str, ...] = ("A",)
    involvement_roles: Mapping[str, WorkerRole] = attrs.field(factory=lambda: dict(DEFAULT_INVOLVEMENT_ROLES))
    worker_id_field: str = attrs.field(default="DIM_WORKER_ID", validator=attrs.validators.in_(WORKER_ID_FIELDS))
    casenote_type_code: str | None = None
    document_category: str | None = None
    columns: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)


class _Section:
    """The ``[liquidlogic]`` table being checked: every mistake names the file and the key."""

    def __init__(self, path: Path, data: Mapping[str, Any]) -> None:
        self.path = path
        self.data = data

    def where(self, key: str) -> Location:
        return Location(source=str(self.path), field=f"{SECTION}.{key}")

    def text(self, key: str, default: str | None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(self.where(key), f"{value!r} must be a non-empty string")
        return value.strip() if value else value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or value not in choices:
            raise ConfigError(self.where(key), f"{value!r} is not one of {', '.join(choices)}")
        return value

    def texts(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.data.get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(self.where(key), "must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def table(self, key: str, default: Mapping[str, str]) -> dict[str, str]:
        value = self.data.get(key, default)
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(self.where(key), "must be a table of text values")
        return dict(value)

    def coded(self, key: str, default: Mapping[str, Any], allowed: Any, what: str) -> dict[str, str]:
        found = self.table(key, default)
        for name, value in found.items():
            if value not in allowed:
                raise ConfigError(self.where(f"{key}.{name}"), f"{value!r} is not {what}")
        return found


def _meeting_types(section: _Section) -> dict[str, MeetingKind]:
    kinds = [kind.value for kind in MeetingKind]
    found = {
        code: MeetingKind(kind)
        for code, kind in section.coded("meeting_types", {}, kinds, f"a meeting kind ({', '.join(kinds)})").items()
    }
    for code in section.texts("ppm_meeting_types", ()):
        if found.get(code, MeetingKind.PPM) is not MeetingKind.PPM:
            raise ConfigError(section.where("ppm_meeting_types"), f"{code!r} is also in meeting_types as {found[code]}")
        found[code] = MeetingKind.PPM
    return found


def load_config(options: Mapping[str, Any]) -> LiquidlogicConfig:
    """Read the ``[liquidlogic]`` table of the file named by the ``config`` option; defaults when there is none."""
    path, raw = config_section(options, SECTION)
    if path is None:
        return LiquidlogicConfig()
    section = _Section(path, raw)
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(section.where(unknown[0]), "is not a Liquidlogic setting")
    schema = raw.get("schema", LiquidlogicConfig().schema)
    if not isinstance(schema, str) or not schema.strip():
        raise ConfigError(section.where("schema"), f"{schema!r} is not a schema name")
    roles = [role.value for role in WorkerRole]
    # Imported here: the table list imports this module for LiquidlogicConfig.
    from permanence_liquidlogic.tables import TABLES

    attach = section.table("sqlite_attach", {})
    return LiquidlogicConfig(
        schema=schema,
        person_id_field=section.choice("person_id_field", "DIM_PERSON_ID", PERSON_ID_FIELDS),
        legal_status_map=section.coded("legal_status_map", {}, codes.LEGAL_STATUS, "an SSDA903 legal status code"),
        # Relative paths are relative to the config file, so a config and its data can move together.
        sqlite_attach={name: path.parent / file for name, file in attach.items()},
        meeting_types=_meeting_types(section),
        permanence_form_templates=section.texts("permanence_form_templates", ()),
        answer_map=section.coded("answer_map", DEFAULT_ANSWER_MAP, codes.ANNEX_A_PLAN, "an Annex A plan code"),
        care_plan_statuses=section.texts("care_plan_statuses", ("A",)),
        involvement_roles={
            code: WorkerRole(role)
            for code, role in section.coded(
                "involvement_roles", DEFAULT_INVOLVEMENT_ROLES, roles, f"a worker role ({', '.join(roles)})"
            ).items()
        },
        worker_id_field=section.choice("worker_id_field", "DIM_WORKER_ID", WORKER_ID_FIELDS),
        casenote_type_code=section.text("casenote_type_code", None),
        document_category=section.text("document_category", None),
        columns=read_column_map(raw.get("columns"), TABLES, str(path), SECTION),
    )
