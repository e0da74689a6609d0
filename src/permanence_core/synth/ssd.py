"""Writing a cohort as a Standard Safeguarding Dataset: a SQLite file of ``ssd_*`` tables, built as SystemC builds it.

The columns are the SSD DDL's (research/ssd.md section 4); coded columns are filled as the Liquidlogic
(SystemC) build fills them: legal statuses, episode start and end reasons as DfE descriptions, the care
plan as the Annex A JSON. The same cohort written as an SSDA903 return and as an SSD loads to the same
care, reviews and adoption facts.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Any

from permanence_core import codes
from permanence_core.adapters.episodes import derive
from permanence_core.model import WorkerRole
from permanence_core.synth.cohort import SynthChild

#: The SSD tables as the SystemC DDL declares them (types simplified for SQLite).
DDL: dict[str, tuple[str, ...]] = {
    "ssd_person": (
        "pers_legacy_id", "pers_person_id", "pers_upn", "pers_forename", "pers_surname", "pers_sex", "pers_gender",
        "pers_ethnicity", "pers_dob", "pers_single_unique_id", "pers_upn_unknown", "pers_send_flag",
        "pers_expected_dob", "pers_death_date", "pers_is_mother", "pers_nationality",
    ),
    "ssd_cla_episodes": (
        "clae_cla_episode_id", "clae_person_id", "clae_cla_placement_id", "clae_cla_episode_start_date",
        "clae_cla_episode_start_reason", "clae_cla_primary_need_code", "clae_cla_episode_ceased_date",
        "clae_cla_episode_ceased_reason", "clae_cla_id", "clae_referral_id", "clae_cla_last_iro_contact_date",
        "clae_entered_care_date",
    ),
    "ssd_legal_status": (
        "lega_legal_status_id", "lega_person_id", "lega_legal_status", "lega_legal_status_start_date",
        "lega_legal_status_end_date",
    ),
    "ssd_cla_placement": (
        "clap_cla_placement_id", "clap_cla_id", "clap_person_id", "clap_cla_placement_start_date",
        "clap_cla_placement_type", "clap_cla_placement_urn", "clap_cla_placement_distance",
        "clap_cla_placement_provider", "clap_cla_placement_postcode", "clap_cla_placement_end_date",
        "clap_cla_placement_change_reason",
    ),
    "ssd_cla_reviews": (
        "clar_cla_review_id", "clar_cla_id", "clar_cla_person_id", "clar_cla_review_due_date", "clar_cla_review_date",
        "clar_cla_review_cancelled", "clar_cla_review_participation",
    ),
    "ssd_cla_care_plan": (
        "lacp_table_id", "lacp_person_id", "lacp_cla_care_plan_start_date", "lacp_cla_care_plan_end_date",
        "lacp_cla_care_plan_json",
    ),
    "ssd_permanence": (
        "perm_table_id", "perm_person_id", "perm_cla_id", "perm_adm_decision_date", "perm_part_of_sibling_group",
        "perm_siblings_placed_together", "perm_siblings_placed_apart", "perm_ffa_cp_decision_date",
        "perm_placement_order_date", "perm_matched_date", "perm_adopter_sex", "perm_adopter_legal_status",
        "perm_number_of_adopters", "perm_placed_for_adoption_date", "perm_adopted_by_carer_flag",
        "perm_placed_foster_carer_date", "perm_placed_ffa_cp_date", "perm_placement_provider_urn",
        "perm_decision_reversed_date", "perm_decision_reversed_reason", "perm_permanence_order_date",
        "perm_permanence_order_type", "perm_adoption_worker_id",
    ),
    "ssd_involvements": (
        "invo_involvements_id", "invo_professional_id", "invo_professional_role_id", "invo_professional_team",
        "invo_person_id", "invo_involvement_start_date", "invo_involvement_end_date", "invo_worker_change_reason",
        "invo_referral_id",
    ),
    "ssd_professionals": (
        "prof_professional_id", "prof_staff_id", "prof_professional_name", "prof_social_worker_registration_no",
        "prof_agency_worker_flag", "prof_professional_job_title", "prof_professional_caseload",
        "prof_professional_department", "prof_full_time_equivalency",
    ),
    "ssd_family": ("fami_table_id", "fami_family_id", "fami_person_id"),
    "ssd_linked_identifiers": (
        "link_table_id", "link_person_id", "link_identifier_type", "link_identifier_value", "link_valid_from_date",
        "link_valid_to_date",
    ),
}  # fmt: skip

#: The SSD's involvement role code of each worker role. ``CW`` is the only one the public SSD names; the others
#: are local codes, as a council's would be (the adapter reads ``CW`` unless ``worker_roles`` says more).
ROLE_CODES = {
    WorkerRole.SOCIAL_WORKER: "CW",
    WorkerRole.TEAM_MANAGER: "TM",
    WorkerRole.SERVICE_MANAGER: "SM",
    WorkerRole.IRO: "IRO",
    WorkerRole.FAMILY_FINDER: "FF",
    WorkerRole.OTHER: "OTH",
}

#: Children written between two inserts: rows wait in memory only this long.
_BATCH = 500


def _day(day: dt.date | None) -> str | None:
    # SQL Server's DATETIME as SQLite keeps it.
    return f"{day.isoformat()} 00:00:00" if day else None


def _meaning(code_list: codes.CodeList, code: str | None) -> str | None:
    return code_list.meaning(code) if code and code in code_list else code


def _plan_json(annex_a: tuple[str, ...], route: str) -> str:
    ticked = set(annex_a) or {
        next((c for c in codes.ANNEX_A_PLAN if codes.ANNEX_A_PLAN.attribute(c, "route") == route), "OTHERPLN")
    }
    return json.dumps({code: "Y" if code in ticked else "N" for code in codes.ANNEX_A_PLAN})


class SsdWriter:
    """Writes children into a new SQLite SSD at ``path`` as they come, a batch at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in DDL}
        self._pending = 0
        self._workers: set[str] = set()
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> SsdWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        self._db = sqlite3.connect(self.path)
        for name, columns in DDL.items():
            self._db.execute(f"CREATE TABLE {name} ({', '.join(columns)})")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._db is None:
            return
        if kind is None:
            self._flush()
            self._db.commit()
        self._db.close()

    def _add(self, table: str, **values: Any) -> None:
        self._rows[table].append(tuple(values.get(column) for column in DDL[table]))

    def _flush(self) -> None:
        assert self._db is not None
        for name, rows in self._rows.items():
            if rows:
                marks = ", ".join("?" * len(DDL[name]))
                self._db.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
                rows.clear()
        self._pending = 0

    def write(self, synth: SynthChild) -> None:
        """Write one child's rows to every SSD table it has rows in."""
        record = synth.record
        child, cid = record.child, record.child_id
        self._add(
            "ssd_person",
            pers_person_id=cid,
            pers_upn=child.identifiers.upn,
            pers_forename=child.first_name,
            pers_surname=child.surname,
            pers_sex=child.sex,
            pers_ethnicity=child.ethnicity,
            pers_dob=_day(child.date_of_birth),
        )
        if child.identifiers.nhs_number:
            self._add(
                "ssd_linked_identifiers",
                link_table_id=f"{cid}-NHS",
                link_person_id=cid,
                link_identifier_type="NHS Number",
                link_identifier_value=child.identifiers.nhs_number,
            )
        self._add(
            "ssd_family", fami_table_id=f"F{synth.family}-{cid}", fami_family_id=str(synth.family), fami_person_id=cid
        )
        self._care(synth)
        self._casework(synth)
        self._pending += 1
        if self._pending >= _BATCH:
            self._flush()

    def _care(self, synth: SynthChild) -> None:
        record, cid = synth.record, synth.record.child_id
        for p, period in enumerate(record.periods_of_care, start=1):
            cla_id = f"{cid}-P{p}"
            for e, episode in enumerate(period.episodes, start=1):
                placement_id = f"{cla_id}-E{e}"
                self._add(
                    "ssd_cla_episodes",
                    clae_cla_episode_id=placement_id,
                    clae_person_id=cid,
                    clae_cla_placement_id=placement_id,
                    clae_cla_episode_start_date=_day(episode.start),
                    clae_cla_episode_start_reason=_meaning(codes.REASON_NEW_EPISODE, episode.reason_new_episode),
                    clae_cla_primary_need_code=episode.category_of_need,
                    clae_cla_episode_ceased_date=_day(episode.end),
                    clae_cla_episode_ceased_reason=_meaning(codes.REASON_EPISODE_CEASED, episode.reason_ceased),
                    clae_cla_id=cla_id,
                    clae_entered_care_date=_day(period.start),
                )
                self._add(
                    "ssd_cla_placement",
                    clap_cla_placement_id=placement_id,
                    clap_cla_id=cla_id,
                    clap_person_id=cid,
                    clap_cla_placement_start_date=_day(episode.start),
                    clap_cla_placement_type=episode.placement,
                    clap_cla_placement_urn=episode.urn,
                    clap_cla_placement_provider=episode.placement_provider,
                    clap_cla_placement_postcode=episode.placement_postcode,
                    clap_cla_placement_end_date=_day(episode.end),
                    clap_cla_placement_change_reason=episode.reason_place_change,
                )
        # The record keeps legal status on its episodes; the SSD keeps it as spells of its own.
        for s, spell in enumerate(derive(record.episodes).legal_statuses, start=1):
            self._add(
                "ssd_legal_status",
                lega_legal_status_id=f"{cid}-L{s}",
                lega_person_id=cid,
                lega_legal_status=_meaning(codes.LEGAL_STATUS, spell.code),
                lega_legal_status_start_date=_day(spell.start),
                lega_legal_status_end_date=_day(spell.end),
            )
        periods = record.periods_of_care
        for r, review in enumerate(record.reviews, start=1):
            held = review.date or dt.date.max
            number = max((i for i, p in enumerate(periods, start=1) if p.start <= held), default=1)
            self._add(
                "ssd_cla_reviews",
                clar_cla_review_id=f"{cid}-R{r}",
                clar_cla_id=f"{cid}-P{number}",
                clar_cla_person_id=cid,
                clar_cla_review_due_date=_day(review.due_date),
                clar_cla_review_date=_day(review.date),
                clar_cla_review_cancelled="Y" if review.cancelled else "N",
                clar_cla_review_participation=review.participation,
            )

    def _casework(self, synth: SynthChild) -> None:
        record, cid = synth.record, synth.record.child_id
        adoption = record.adoption
        if adoption is not None:
            # As the SSDA903 return has it: the match date and adopters come with AD1, once adopters are known.
            matched = adoption.match if synth.adopters else None
            self._add(
                "ssd_permanence",
                perm_table_id=f"{cid}-ADP",
                perm_person_id=cid,
                perm_adm_decision_date=_day(adoption.decision),
                perm_placement_order_date=_day(adoption.placement_order),
                perm_matched_date=_day(matched),
                perm_placed_for_adoption_date=_day(adoption.placed),
                perm_adopted_by_carer_flag=(
                    None if not synth.adopters else "Y" if adoption.foster_carer_adoption else "N"
                ),
                perm_decision_reversed_date=_day(adoption.reversal),
                perm_decision_reversed_reason=adoption.reversal_reason,
                perm_permanence_order_date=_day(adoption.order),
                perm_permanence_order_type="Adoption" if adoption.order else None,
            )
        for p, plan in enumerate(record.plans, start=1):
            self._add(
                "ssd_cla_care_plan",
                lacp_table_id=f"{cid}-CP{p}",
                lacp_person_id=cid,
                lacp_cla_care_plan_start_date=_day(plan.decided_on),
                lacp_cla_care_plan_json=_plan_json(plan.annex_a_codes, plan.primary),
            )
        for w, worker in enumerate(record.workers, start=1):
            self._add(
                "ssd_involvements",
                invo_involvements_id=f"{cid}-I{w}",
                invo_professional_id=worker.worker_id,
                invo_professional_role_id=ROLE_CODES[worker.role],
                invo_professional_team=worker.team,
                invo_person_id=cid,
                invo_involvement_start_date=_day(worker.start),
                invo_involvement_end_date=_day(worker.end),
            )
            if worker.worker_id not in self._workers:
                self._workers.add(worker.worker_id)
                self._add(
                    "ssd_professionals",
                    prof_professional_id=worker.worker_id,
                    prof_professional_name=worker.name,
                    prof_professional_department=worker.team,
                )
