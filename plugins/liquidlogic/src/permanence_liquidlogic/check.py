"""``permanence source check --adapter liquidlogic``: which HDM tables and columns a warehouse has, unmapped codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core.adapters.database import connect, source_of
from permanence_core.adapters.sourcecheck import SourceReport, ValueCount, unmapped_values, warehouse_report
from permanence_core.adapters.warehouse import Warehouse, survey
from permanence_liquidlogic.config import PASSWORD_ENV, LiquidlogicConfig, load_config
from permanence_liquidlogic.lookups import legal_status_map
from permanence_liquidlogic.tables import CARE_PLANS, INVOLVEMENTS, LEGAL_STATUS, MEETINGS, layout

NEVER = {
    "siblings": "the Liquidlogic adapter reads no sibling relationships",
    "proceedings": "the Liquidlogic adapter reads no court proceedings",
}


def _unconfigured(config: LiquidlogicConfig) -> dict[str, str]:
    found = {}
    if not config.meeting_types:
        found["meetings"] = "set ppm_meeting_types (or meeting_types) in [liquidlogic]"
    if not config.answer_map:
        found["plans"] = "answer_map in [liquidlogic] is empty"
    if not config.involvement_roles:
        found["workers"] = "involvement_roles in [liquidlogic] is empty"
    return found


def check(source: str, options: Mapping[str, Any]) -> SourceReport:
    """The source check of the LCS warehouse at database URL ``source`` under ``[liquidlogic]`` of ``options``."""
    config = load_config(options)
    with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, layout(config), config.schema, config.columns)
        warehouse = Warehouse(connection, found)
        descriptions = legal_status_map(config.legal_status_map)
        setting = "legal_status_map in [liquidlogic]"
        unmapped: list[ValueCount] = [
            *unmapped_values(
                warehouse,
                LEGAL_STATUS,
                "DIM_LOOKUP_LGL_STATUS_DESC",
                what="legal status",
                known=lambda v: descriptions.code(v) is not None,
                hint=lambda v: descriptions.unmatched(v, setting),
            ),
            *unmapped_values(
                warehouse,
                MEETINGS,
                "DIM_LOOKUP_MTG_TYPE_ID_CODE",
                what="meeting type",
                known=lambda v: v in config.meeting_types,
                hint=lambda _v: "not read; add it to ppm_meeting_types or meeting_types if it is a permanence meeting",
            ),
            *unmapped_values(
                warehouse,
                INVOLVEMENTS,
                "DIM_LOOKUP_INVOLVEMENT_TYPE_CODE",
                what="involvement type",
                known=lambda v: v in config.involvement_roles,
                hint=lambda _v: "not read; add it to involvement_roles if it is an allocated worker",
            ),
            *unmapped_values(
                warehouse,
                CARE_PLANS,
                "DIM_LOOKUP_PLAN_STATUS_ID_CODE",
                what="care plan status",
                known=lambda v: v in config.care_plan_statuses,
                hint=lambda _v: "not an agreed plan; add it to care_plan_statuses if it is",
            ),
        ]
        return warehouse_report(
            "liquidlogic",
            source_of(connection),
            found,
            warehouse,
            unconfigured=_unconfigured(config),
            never=NEVER,
            unmapped=unmapped,
        )
