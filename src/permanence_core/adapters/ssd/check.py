"""``permanence source check --adapter ssd``: which SSD tables and columns a build has, and its unmapped values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core import codes
from permanence_core.adapters.database import connect, source_of
from permanence_core.adapters.descriptions import description_key
from permanence_core.adapters.sourcecheck import SourceReport, ValueCount, unmapped_values, warehouse_report
from permanence_core.adapters.ssd.care import Coded
from permanence_core.adapters.ssd.config import PASSWORD_ENV, load_config
from permanence_core.adapters.ssd.tables import CARE_PLAN, EPISODES, INVOLVEMENTS, LEGAL_STATUS, PLACEMENTS, layout
from permanence_core.adapters.warehouse import Warehouse, survey

#: What the SSD cannot hold, whatever the build (research/ssd.md section 4.14 and 7).
NEVER = {
    "meetings": "the SSD has no meetings, PPM or panel table",
    "proceedings": "the SSD has no care-proceedings issue date; proceedings_from_legal_status gives a stand-in",
}


def check(source: str, options: Mapping[str, Any]) -> SourceReport:
    """The source check of the SSD at database URL ``source`` under the ``[ssd]`` settings of ``options``."""
    config = load_config(options)
    with connect(source, password_env=PASSWORD_ENV, attach=config.sqlite_attach) as connection:
        found = survey(connection, layout(config), config.schema, config.columns)
        warehouse = Warehouse(connection, found)
        legal = Coded(codes.LEGAL_STATUS, config.coding.legal_status, config.legal_status_map, "legal_status_map")
        ceased = Coded(
            codes.REASON_EPISODE_CEASED, config.coding.episode_ceased_reason, config.reason_map, "reason_map"
        )
        starts = Coded(codes.REASON_NEW_EPISODE, "description", {}, "")
        labels = {description_key(label) for label in config.plan_labels}
        unmapped: list[ValueCount] = [
            *unmapped_values(
                warehouse,
                LEGAL_STATUS,
                "lega_legal_status",
                what="legal status",
                known=lambda v: legal.read(v)[0] is not None,
                hint=lambda v: legal.read(v)[1],
            ),
            *unmapped_values(
                warehouse,
                EPISODES,
                "clae_cla_episode_ceased_reason",
                what="episode end reason",
                known=lambda v: ceased.read(v)[0] is not None,
                hint=lambda v: ceased.read(v)[1],
            ),
            *unmapped_values(
                warehouse,
                EPISODES,
                "clae_cla_episode_start_reason",
                what="episode start reason",
                known=lambda v: starts.read(v)[0] is not None,
            ),
            *unmapped_values(
                warehouse,
                PLACEMENTS,
                "clap_cla_placement_type",
                what="placement type",
                known=lambda v: v in codes.PLACEMENT_TYPE,
            ),
            *unmapped_values(
                warehouse,
                INVOLVEMENTS,
                "invo_professional_role_id",
                what="involvement role",
                known=lambda v: v in config.worker_roles,
                hint=lambda _v: "not read; add it to worker_roles in [ssd] if it is an allocated worker",
            ),
        ]
        if config.coding.care_plan == "label":
            unmapped += unmapped_values(
                warehouse,
                CARE_PLAN,
                "lacp_cla_care_plan_json",
                what="care plan label",
                known=lambda v: description_key(v) in labels,
                hint=lambda _v: "add it to plan_labels in [ssd]",
            )
        unconfigured = {} if config.coding.care_plan != "none" else {"plans": 'care_plan = "none" for this build'}
        return warehouse_report(
            "ssd",
            source_of(connection),
            found,
            warehouse,
            unconfigured=unconfigured,
            never=NEVER,
            unmapped=unmapped,
            notices=[f"read as the {config.system} build of the SSD (system in [ssd])"],
        )
