"""The Standard Safeguarding Dataset tables the adapter reads, and what each facet needs of them.

Names and columns are those of the SSD's SQL Server DDL (Data to Insight ``ssd-data-model``, SystemC
v1.4.5 script; research/ssd.md section 4). Columns some case systems' builds lack (``clap_person_id`` and
``invo_person_id`` on Mosaic, ``clar_cla_person_id`` on Eclipse) are not read, or are read only for the
facet that cannot do without them, so the same adapter reads every build.
"""

from __future__ import annotations

from permanence_core.adapters.ssd.config import SsdConfig
from permanence_core.adapters.warehouse import Layout, TableSpec

PERSON = "ssd_person"
EPISODES = "ssd_cla_episodes"
LEGAL_STATUS = "ssd_legal_status"
PLACEMENTS = "ssd_cla_placement"
REVIEWS = "ssd_cla_reviews"
CARE_PLAN = "ssd_cla_care_plan"
PERMANENCE = "ssd_permanence"
INVOLVEMENTS = "ssd_involvements"
PROFESSIONALS = "ssd_professionals"
FAMILY = "ssd_family"
IDENTIFIERS = "ssd_linked_identifiers"

TABLES = {
    spec.name: spec
    for spec in (
        TableSpec(
            PERSON,
            "pers_person_id pers_legacy_id pers_upn pers_forename pers_surname pers_sex pers_dob pers_ethnicity",
            "pers_person_id",
            "pers_person_id",
        ),
        TableSpec(
            EPISODES,
            "clae_cla_episode_id clae_person_id clae_cla_id clae_cla_placement_id clae_cla_episode_start_date"
            " clae_cla_episode_start_reason clae_cla_primary_need_code clae_cla_episode_ceased_date"
            " clae_cla_episode_ceased_reason",
            "clae_cla_episode_id",
            "clae_person_id",
        ),
        TableSpec(
            LEGAL_STATUS,
            "lega_legal_status_id lega_person_id lega_legal_status lega_legal_status_start_date"
            " lega_legal_status_end_date",
            "lega_legal_status_id",
            "lega_person_id",
        ),
        TableSpec(
            PLACEMENTS,
            "clap_cla_placement_id clap_cla_placement_type clap_cla_placement_provider clap_cla_placement_urn"
            " clap_cla_placement_postcode clap_cla_placement_change_reason",
            "clap_cla_placement_id",
        ),
        TableSpec(
            REVIEWS,
            "clar_cla_review_id clar_cla_id clar_cla_review_date clar_cla_review_due_date clar_cla_review_cancelled"
            " clar_cla_review_participation",
            "clar_cla_review_id",
        ),
        TableSpec(
            CARE_PLAN,
            "lacp_table_id lacp_person_id lacp_cla_care_plan_start_date lacp_cla_care_plan_end_date"
            " lacp_cla_care_plan_json",
            "lacp_table_id",
            "lacp_person_id",
        ),
        TableSpec(
            PERMANENCE,
            "perm_table_id perm_person_id perm_adm_decision_date perm_placement_order_date perm_matched_date"
            " perm_placed_for_adoption_date perm_adopted_by_carer_flag perm_decision_reversed_date"
            " perm_decision_reversed_reason perm_permanence_order_date perm_permanence_order_type",
            "perm_table_id",
            "perm_person_id",
        ),
        TableSpec(
            INVOLVEMENTS,
            "invo_involvements_id invo_person_id invo_professional_id invo_professional_role_id"
            " invo_professional_team invo_involvement_start_date invo_involvement_end_date",
            "invo_involvements_id",
            "invo_person_id",
        ),
        TableSpec(
            PROFESSIONALS,
            "prof_professional_id prof_professional_name prof_professional_department",
            "prof_professional_id",
        ),
        TableSpec(FAMILY, "fami_table_id fami_family_id fami_person_id", "fami_table_id", "fami_person_id"),
        TableSpec(
            IDENTIFIERS,
            "link_table_id link_person_id link_identifier_type link_identifier_value",
            "link_table_id",
            "link_person_id",
        ),
    )
}

_DETAIL = {
    PERSON: {"pers_legacy_id", "pers_upn", "pers_sex", "pers_dob", "pers_ethnicity", "pers_forename", "pers_surname"},
    EPISODES: {"clae_cla_placement_id", "clae_cla_primary_need_code"},
    REVIEWS: {"clar_cla_review_due_date", "clar_cla_review_cancelled", "clar_cla_review_participation"},
    PERMANENCE: {
        "perm_adopted_by_carer_flag",
        "perm_decision_reversed_reason",
        "perm_permanence_order_date",
        "perm_permanence_order_type",
    },
    INVOLVEMENTS: {"invo_professional_team"},
}


def _needed(table: str) -> tuple[str, ...]:
    return tuple(column for column in TABLES[table].columns if column not in _DETAIL.get(table, set()))


def layout(config: SsdConfig) -> Layout:
    """Per facet, the SSD tables and columns it needs.

    The SSD has no meetings table and no care-proceedings issue date: those facets are never in source,
    except proceedings when the council asks for the legal-status stand-in (``proceedings_from_legal_status``).
    Placements and linked identifiers are detail tables, read when there.
    """
    needs: dict[str, dict[str, tuple[str, ...]]] = {
        "identity": {PERSON: ("pers_person_id",)},
        "names": {PERSON: ("pers_forename", "pers_surname")},
        "care": {EPISODES: _needed(EPISODES), LEGAL_STATUS: _needed(LEGAL_STATUS)},
        "reviews": {REVIEWS: _needed(REVIEWS), EPISODES: ("clae_cla_id", "clae_person_id")},
        "adoption": {PERMANENCE: _needed(PERMANENCE)},
        "siblings": {FAMILY: _needed(FAMILY)},
        "workers": {INVOLVEMENTS: _needed(INVOLVEMENTS), PROFESSIONALS: ("prof_professional_id",)},
    }
    if config.coding.care_plan != "none":
        needs["plans"] = {CARE_PLAN: _needed(CARE_PLAN)}
    if config.proceedings_from_legal_status:
        needs["proceedings"] = {LEGAL_STATUS: _needed(LEGAL_STATUS)}
    tables = {name: spec for name, spec in TABLES.items() if name != CARE_PLAN or "plans" in needs}
    return Layout(tables=tables, needs=needs)
