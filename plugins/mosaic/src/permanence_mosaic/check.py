"""``permanence source check --adapter mosaic``: which dm_* tables and columns a warehouse has, and unmapped codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core import codes
from permanence_core.adapters.database import connect, source_of
from permanence_core.adapters.sourcecheck import (
    SourceReport,
    ValueCount,
    unmapped_values,
    value_counts,
    warehouse_report,
)
from permanence_core.adapters.warehouse import Layout, Warehouse, survey
from permanence_mosaic.config import PASSWORD_ENV, MosaicConfig, load_config
from permanence_mosaic.warehouse import (
    LEGAL_STATUSES,
    NON_LA_LEGAL_STATUSES,
    PLACEMENTS,
    QUESTIONS,
    RELATIONSHIPS,
    STEPS,
    TABLES,
    layout,
)

NEVER = {"proceedings": "the Mosaic adapter reads no court proceedings"}


def _unconfigured(config: MosaicConfig) -> dict[str, str]:
    steps, questions = config.step_types, config.questions
    found = {}
    if not steps.cla_review:
        found["reviews"] = "set step_types.cla_review in [mosaic]"
    if not steps.meeting_kinds():
        found["meetings"] = "set step_types.ppm / tracking_panel / monitoring_group / plan_review in [mosaic]"
    if not (steps.all() and questions.plan):
        found["plans"] = "set step types and questions.plan in [mosaic]"
    return found


def _checked(config: MosaicConfig) -> Layout:
    """The configured layout, plus the tables read only to list their codes (steps, questions, orders)."""
    configured = layout(config)
    extra = {name: TABLES[name] for name in (STEPS, QUESTIONS, NON_LA_LEGAL_STATUSES)}
    return Layout(tables={**configured.tables, **extra}, needs=configured.needs)


def check(source: str, options: Mapping[str, Any]) -> SourceReport:
    """The source check of the Mosaic warehouse at database URL ``source`` under ``[mosaic]`` of ``options``."""
    config = load_config(options)
    with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, _checked(config), config.schema, config.columns)
        warehouse = Warehouse(connection, found)
        step_types = {str(step) for step in config.step_types.all()}
        codes_wanted = config.questions.codes()
        unmapped: list[ValueCount] = [
            *unmapped_values(
                warehouse,
                STEPS,
                "workflow_step_type_id",
                what="workflow step type",
                known=lambda v: v in step_types,
                hint=lambda _v: "not read; add it to [mosaic.step_types] if it records a review or meeting",
            ),
            *unmapped_values(
                warehouse,
                LEGAL_STATUSES,
                "legal_status",
                what="legal status",
                known=lambda v: v in codes.LEGAL_STATUS,
                hint=lambda _v: "not an SSDA903 legal status code; the row is rejected",
            ),
            *unmapped_values(
                warehouse,
                PLACEMENTS,
                "placement_type",
                what="placement type",
                known=lambda v: v in codes.PLACEMENT_TYPE,
            ),
            *unmapped_values(
                warehouse,
                NON_LA_LEGAL_STATUSES,
                "legal_status_type",
                what="order type",
                known=lambda v: v in config.order_types,
                hint=lambda _v: "add it to [mosaic.order_types] if it secures permanence",
            ),
            *unmapped_values(
                warehouse,
                RELATIONSHIPS,
                "family_category",
                what="relationship category",
                known=lambda v: v in config.sibling_categories or "sibling" not in v.casefold(),
                hint=lambda _v: "looks like a sibling; add it to sibling_categories in [mosaic]",
            ),
        ]
        # A configured code the warehouse never uses is most likely a typing mistake in the config.
        notices = [
            f"configured {what} {value!r} is not in {table}"
            for what, table, column, wanted in (
                ("question code", QUESTIONS, "question_user_code", codes_wanted),
                ("step type", STEPS, "workflow_step_type_id", step_types),
            )
            if (present := value_counts(warehouse, table, column)) is not None
            for value in sorted(wanted)
            if value not in present
        ]
        return warehouse_report(
            "mosaic",
            source_of(connection),
            found,
            warehouse,
            unconfigured=_unconfigured(config),
            never=NEVER,
            unmapped=unmapped,
            notices=notices,
        )
