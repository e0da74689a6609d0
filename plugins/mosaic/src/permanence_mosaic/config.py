"""The Mosaic adapter's settings: the ``[mosaic]`` table of the council's configuration file.

Step types, question codes and document categories differ between councils, so every one of them is
configuration; nothing council-specific is in the code. ``plugins/mosaic/examples/council.toml`` is a
complete example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.warehouse import read_column_map
from permanence_core.config_file import config_section
from permanence_core.errors import ConfigError, Location
from permanence_core.model import MeetingKind, WorkerRole

SECTION = "mosaic"

#: The environment variable holding the warehouse password (never the URL, never the config file).
PASSWORD_ENV = "PERMANENCE_MOSAIC_PASSWORD"

#: The sibling relationship the Standard Safeguarding Dataset reads from dm_personal_relationships.
DEFAULT_SIBLING_CATEGORIES = ("Child's Siblings",)

StepType = int | str


@attrs.frozen(kw_only=True)
class StepTypes:
    """The council's workflow step types (``dm_workflow_steps.workflow_step_type_id``) by what they record."""

    cla_review: tuple[StepType, ...] = ()
    ppm: tuple[StepType, ...] = ()
    tracking_panel: tuple[StepType, ...] = ()
    monitoring_group: tuple[StepType, ...] = ()
    plan_review: tuple[StepType, ...] = ()

    def meeting_kinds(self) -> dict[str, MeetingKind]:
        """Each meeting step type (as text) to the kind of meeting it records."""
        kinds = {
            MeetingKind.PPM: self.ppm,
            MeetingKind.TRACKING_PANEL: self.tracking_panel,
            MeetingKind.MONITORING_GROUP: self.monitoring_group,
            MeetingKind.PLAN_REVIEW: self.plan_review,
        }
        return {str(step_type): kind for kind, types in kinds.items() for step_type in types}

    def all(self) -> tuple[StepType, ...]:
        """Every configured step type: the steps whose forms and dates are read."""
        return (*self.cla_review, *self.ppm, *self.tracking_panel, *self.monitoring_group, *self.plan_review)


@attrs.frozen(kw_only=True)
class Questions:
    """Question user codes (``dm_cached_form_questions.question_user_code``) of the answers the adapter reads.

    ``plan`` and ``contingency_plan`` are text answers naming a route; the others are date answers.
    ``meeting_date`` is the day a review or meeting was held when it is not the step's start date.
    """

    plan: str | None = None
    contingency_plan: str | None = None
    decision_date: str | None = None
    meeting_date: str | None = None
    referral_received: str | None = None
    minutes_issued: str | None = None

    def codes(self) -> dict[str, str]:
        """Configured question code to the setting's name."""
        return {code: name for name, code in attrs.asdict(self).items() if code}


@attrs.frozen(kw_only=True)
class DocumentCategory:
    """Where an uploaded document is filed on the person's record (Mosaic's Category and Sub-category)."""

    category: str
    sub_category: str | None = None


@attrs.frozen(kw_only=True)
class DocumentSettings:
    """How documents are uploaded, and where completed pro-formas are read back from.

    ``types`` overrides the category by document type (``pro-forma``, ``ppm-minutes``…);
    ``allowed_extensions`` mirrors the council's Mosaic allow-list; ``completed_forms`` is a folder of
    completed .docx forms exported from the case system, read at every load.
    """

    default: DocumentCategory = DocumentCategory(category="Permanence")
    types: Mapping[str, DocumentCategory] = attrs.field(factory=dict)
    allowed_extensions: frozenset[str] = frozenset({"docx", "pdf"})
    completed_forms: Path | None = None

    def category_for(self, document_type: str) -> DocumentCategory:
        """The category and sub-category a document of ``document_type`` is filed under."""
        return self.types.get(document_type, self.default)


@attrs.frozen(kw_only=True)
class CaseNoteSettings:
    """Case notes raised for alerts: note type, which statuses are significant events, who is alerted."""

    note_type: str = "PERMANENCE"
    significant: frozenset[str] = frozenset({"overdue"})
    recipient_roles: tuple[WorkerRole, ...] = (WorkerRole.SOCIAL_WORKER,)
    notify_resolved: bool = True


DEFAULT_DOCUMENTS = DocumentSettings()
DEFAULT_CASE_NOTES = CaseNoteSettings()


@attrs.frozen(kw_only=True)
class MosaicConfig:
    """Everything the Mosaic adapter reads from the ``[mosaic]`` table.

    Attributes:
        schema: the database schema holding the tables (``dbo`` on most SQL Server warehouses); None for
            the connection's default schema.
        sqlite_attach: for a SQLite copy of the warehouse, SQLite files to attach by schema name.
        step_types: the council's CLA review and meeting step types; none configured, none read.
        questions: the council's question codes; no plan question, no plans read.
        plan_answers: form answer text (compared without case or extra spaces) to a permanence route or
            Annex A code, for answers the adapter does not recognise itself.
        order_types: ``dm_non_la_legal_statuses.legal_status_type`` codes to the route the order secures.
        sibling_categories: ``dm_personal_relationships.family_category`` values meaning a sibling.
        worker_role: the role of the workers in ``dm_allocated_workers``.
        documents: uploads and completed forms.
        case_notes: the case notes raised for alerts.
        columns: per table, the adapter's column name to the one the council's warehouse uses
            (``[mosaic.columns.dm_persons]``, ``first_name = "forenames"``).
    """

    schema: str | None = None
    sqlite_attach: Mapping[str, Path] = attrs.field(factory=dict)
    step_types: StepTypes = StepTypes()
    questions: Questions = Questions()
    plan_answers: Mapping[str, str] = attrs.field(factory=dict)
    order_types: Mapping[str, str] = attrs.field(factory=dict)
    sibling_categories: tuple[str, ...] = DEFAULT_SIBLING_CATEGORIES
    worker_role: WorkerRole = WorkerRole.SOCIAL_WORKER
    documents: DocumentSettings = DEFAULT_DOCUMENTS
    case_notes: CaseNoteSettings = DEFAULT_CASE_NOTES
    columns: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)


def answer_key(text: str) -> str:
    """How form answers are compared: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")


class _Section:
    """Reads one TOML table, naming the file and the dotted key in every error."""

    def __init__(self, path: Path, name: str, data: Any, known: tuple[str, ...]) -> None:
        self.path = path
        self.name = name
        if not isinstance(data, dict):
            raise self.error(None, "must be a table")
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise self.error(unknown[0], f"is not a Mosaic setting (known here: {', '.join(known)})")
        self.data = data

    def error(self, key: str | None, reason: str) -> ConfigError:
        field = f"{self.name}.{key}" if key else self.name
        return ConfigError(Location(source=str(self.path), field=field), reason)

    def table(self, key: str, known: tuple[str, ...]) -> _Section:
        return _Section(self.path, f"{self.name}.{key}", self.data.get(key, {}), known)

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.data.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.error(key, f"{value!r} must be non-empty text")
        return value.strip() if value is not None else None

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(key, f"{value!r} must be a list of non-empty text values")
        return tuple(v.strip() for v in value)

    def step_types(self, key: str) -> tuple[StepType, ...]:
        value = self.data.get(key, [])
        valid = isinstance(value, list) and all(
            (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.strip()) for v in value
        )
        if not valid:
            raise self.error(key, f"{value!r} must be a list of workflow step type ids")
        return tuple(v.strip() if isinstance(v, str) else v for v in value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"{value!r} must be true or false")
        return value

    def mapping(self, key: str) -> dict[str, str]:
        value = self.data.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self.error(key, "must be a table of text values")
        return value

    def route(self, key: str, value: str, *, annex_a: bool) -> str:
        if value in codes.PERMANENCE_ROUTE or (annex_a and value in codes.ANNEX_A_PLAN):
            return value
        known = "a permanence route" + (" or an Annex A plan code" if annex_a else "")
        raise self.error(key, f"{value!r} is not {known} ({', '.join(codes.PERMANENCE_ROUTE)})")

    def role(self, key: str, value: str) -> WorkerRole:
        try:
            return WorkerRole(value)
        except ValueError:
            raise self.error(key, f"{value!r} is not a worker role ({', '.join(WorkerRole)})") from None


def load_config(options: Mapping[str, Any]) -> MosaicConfig:
    """Read the ``[mosaic]`` table of the file named by the ``config`` option; defaults when there is none."""
    path, table = config_section(options, SECTION)
    return parse(path, table) if path else MosaicConfig()


def parse(path: Path, data: Any) -> MosaicConfig:
    """Validate the ``[mosaic]`` table read from ``path``; relative paths are relative to the file."""
    fields = attrs.fields(MosaicConfig)
    section = _Section(path, SECTION, data, tuple(a.name for a in fields))
    attach = section.mapping("sqlite_attach")
    steps = section.table("step_types", tuple(a.name for a in attrs.fields(StepTypes)))
    questions = section.table("questions", tuple(a.name for a in attrs.fields(Questions)))
    plan_answers = section.mapping("plan_answers")
    order_types = section.mapping("order_types")
    # Imported here: the table list imports this module for MosaicConfig.
    from permanence_mosaic.warehouse import TABLES

    return MosaicConfig(
        columns=read_column_map(section.data.get("columns"), TABLES, str(path), SECTION),
        schema=section.text("schema"),
        # A config and its data can move together: relative paths are relative to the config file.
        sqlite_attach={name: path.parent / file for name, file in attach.items()},
        step_types=StepTypes(**{a.name: steps.step_types(a.name) for a in attrs.fields(StepTypes)}),
        questions=Questions(**{a.name: questions.text(a.name) for a in attrs.fields(Questions)}),
        plan_answers={
            answer_key(text): section.route(f"plan_answers.{text}", value, annex_a=True)
            for text, value in plan_answers.items()
        },
        order_types={
            code.strip(): section.route(f"order_types.{code}", value, annex_a=False)
            for code, value in order_types.items()
        },
        sibling_categories=section.texts("sibling_categories", DEFAULT_SIBLING_CATEGORIES),
        worker_role=section.role("worker_role", section.text("worker_role", WorkerRole.SOCIAL_WORKER.value) or ""),
        documents=_documents(section, path),
        case_notes=_case_notes(section),
    )


def _category(section: _Section, default: DocumentCategory | None) -> DocumentCategory:
    category = section.text("category", default.category if default else None)
    if category is None:
        raise section.error("category", "is required")
    sub_category = section.text("sub_category", default.sub_category if default else None)
    return DocumentCategory(category=category, sub_category=sub_category)


def _documents(parent: _Section, path: Path) -> DocumentSettings:
    section = parent.table("documents", ("category", "sub_category", "types", "allowed_extensions", "completed_forms"))
    default = _category(section, DocumentSettings().default)
    types = section.data.get("types", {})
    # Any document type may be named; a "types" that is not a table is refused by _Section itself.
    types_section = section.table("types", tuple(types) if isinstance(types, dict) else ())
    types = {
        name: _category(types_section.table(name, ("category", "sub_category")), default) for name in types_section.data
    }
    extensions = section.texts("allowed_extensions", tuple(sorted(DocumentSettings().allowed_extensions)))
    cleaned = frozenset(extension.lower().lstrip(".") for extension in extensions)
    bad = sorted(extension for extension in cleaned if not _EXTENSION.match(extension))
    if bad or not cleaned:
        raise section.error("allowed_extensions", f'{bad or extensions!r}: give file extensions such as "docx"')
    folder = section.text("completed_forms")
    return DocumentSettings(
        default=default,
        types=types,
        allowed_extensions=cleaned,
        completed_forms=(path.parent / folder) if folder else None,
    )


def _case_notes(parent: _Section) -> CaseNoteSettings:
    known = tuple(a.name for a in attrs.fields(CaseNoteSettings))
    section = parent.table("case_notes", known)
    defaults = CaseNoteSettings()
    significant = section.texts("significant", tuple(sorted(defaults.significant)))
    wrong = sorted(set(significant) - {"upcoming", "overdue", "resolved"})
    if wrong:
        raise section.error("significant", f"{wrong[0]!r} is not an alert status (upcoming, overdue, resolved)")
    roles = section.texts("recipient_roles", tuple(role.value for role in defaults.recipient_roles))
    return CaseNoteSettings(
        note_type=section.text("note_type", defaults.note_type) or defaults.note_type,
        significant=frozenset(significant),
        recipient_roles=tuple(section.role("recipient_roles", role) for role in roles),
        notify_resolved=section.flag("notify_resolved", defaults.notify_resolved),
    )
