"""Reviews, adoption milestones, care plans, workers and siblings from the SSD's casework tables."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from functools import partial

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import to_key, to_text
from permanence_core.adapters.descriptions import DescriptionMap, description_key
from permanence_core.adapters.episodes import CareHistory
from permanence_core.adapters.ssd.care import People, Rows, ssd_date, table_rows
from permanence_core.adapters.ssd.config import SsdConfig
from permanence_core.adapters.ssd.tables import CARE_PLAN, FAMILY, INVOLVEMENTS, PERMANENCE, PROFESSIONALS, REVIEWS
from permanence_core.model import AdoptionMilestones, AllocatedWorker, Child, PermanencePlan, Review, Sibling

_YES = frozenset({"Y", "YES", "TRUE", "1", "T"})


def read_reviews(rows_in: Rows, periods: Mapping[str, str], rejected: list[Rejection]) -> dict[str, list[Review]]:
    """Held and cancelled reviews by person, tied to the child through the period of care (``clar_cla_id``)."""
    rows = table_rows(REVIEWS, rows_in, rejected)
    participation = DescriptionMap(codes.REVIEW_PARTICIPATION)
    found: dict[str, list[Review]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = periods.get(to_key(row["clar_cla_id"]) or "")
        if person_id is None:
            rows.reject(position, row, "no such period of care in ssd_cla_episodes", field="clar_cla_id")
            continue
        date_ok, held = ssd_date(rows, position, row, "clar_cla_review_date")
        due_ok, due = ssd_date(rows, position, row, "clar_cla_review_due_date")
        if not (date_ok and due_ok):
            continue
        text = to_text(row["clar_cla_review_participation"])
        review = rows.build(
            position,
            row,
            partial(
                Review,
                date=held,
                due_date=due,
                participation=participation.code(text) if text else None,
                cancelled=(to_text(row["clar_cla_review_cancelled"]) or "").upper() in _YES,
                review_id=to_key(row["clar_cla_review_id"]),
            ),
        )
        if review is not None:
            found[person_id].append(review)
    return found


def read_adoption(
    rows_in: Rows, people: People, history: Mapping[str, CareHistory], rejected: list[Rejection]
) -> dict[str, AdoptionMilestones]:
    """Each child's adoption milestones: ssd_permanence (the latest row by decision) filled from the episodes."""
    rows = table_rows(PERMANENCE, rows_in, rejected, {"reversal_reason": "perm_decision_reversed_reason"})
    dates = (
        "perm_adm_decision_date",
        "perm_placement_order_date",
        "perm_matched_date",
        "perm_placed_for_adoption_date",
        "perm_decision_reversed_date",
        "perm_permanence_order_date",
    )
    found: dict[str, AdoptionMilestones] = {}
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "perm_person_id")
        if person_id is None:
            continue
        read = [ssd_date(rows, position, row, column) for column in dates]
        if not all(ok for ok, _day in read):
            continue
        decision, order_made, matched, placed, reversed_on, granted = (day for _ok, day in read)
        care = history.get(person_id, CareHistory())
        # An SGO or child arrangements row of the same table is not an adoption order.
        adopted = (to_text(row["perm_permanence_order_type"]) or "Adoption").casefold().startswith("adopt")
        flag = to_text(row["perm_adopted_by_carer_flag"])
        milestones = rows.build(
            position,
            row,
            partial(
                AdoptionMilestones,
                decision=decision,
                placement_order=order_made or care.placement_order,
                match=matched,
                placed=placed or care.placed_for_adoption,
                order=(granted if adopted else None) or care.adoption_order,
                reversal=reversed_on,
                reversal_reason=to_text(row["perm_decision_reversed_reason"]),
                foster_carer_adoption=None if flag is None else flag.upper() in _YES,
            ),
        )
        if milestones is None:
            continue
        held = found.get(person_id)
        # Mosaic's build has a row per adoption journey: the latest decision is the current one.
        if held is None or (milestones.decision or dt.date.min) >= (held.decision or dt.date.min):
            found[person_id] = milestones
    return found


def read_plans(
    rows_in: Rows, people: People, config: SsdConfig, rejected: list[Rejection]
) -> dict[str, list[PermanencePlan]]:
    """Permanence plans from ssd_cla_care_plan: the Annex A JSON (Liquidlogic) or one plan label (Mosaic)."""
    rows = table_rows(CARE_PLAN, rows_in, rejected)
    labels = {description_key(label): route for label, route in config.plan_labels.items()}
    found: dict[str, list[PermanencePlan]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "lacp_person_id")
        if person_id is None:
            continue
        start_ok, start = ssd_date(rows, position, row, "lacp_cla_care_plan_start_date")
        if not start_ok:
            continue
        text = to_text(row["lacp_cla_care_plan_json"])
        if text is None:
            continue
        if config.coding.care_plan == "json":
            annex_a, why = _ticked(text)
            routes = [codes.ANNEX_A_PLAN.attribute(code, "route") or "other" for code in annex_a]
        else:
            route = labels.get(description_key(text))
            annex_a, routes = [], [route] if route else []
            why = "" if route else "is not a known care plan label; add it to plan_labels in [ssd]"
        if not routes:
            rows.reject(position, row, why or "ticks no plan", field="lacp_cla_care_plan_json", value=text[:100])
            continue
        plan = rows.build(
            position,
            row,
            partial(
                PermanencePlan,
                primary=routes[0],
                contingencies=tuple(dict.fromkeys(r for r in routes[1:] if r != routes[0])),
                decided_on=start,
                annex_a_codes=tuple(annex_a),
                plan_id=to_key(row["lacp_table_id"]),
            ),
        )
        if plan is not None:
            found[person_id].append(plan)
    return found


def _ticked(text: str) -> tuple[list[str], str]:
    """The Annex A codes ticked in the SSD's care-plan JSON, in the spec's key order; (codes, why not)."""
    try:
        answers = json.loads(text)
    except ValueError:
        return [], "is not JSON (set care_plan in [ssd] to how this build writes the plan)"
    if not isinstance(answers, dict):
        return [], "is not a JSON object of Annex A plan keys"
    ticked = [code for code in codes.ANNEX_A_PLAN if str(answers.get(code, "")).strip().upper() in _YES]
    return ticked, ""


def read_workers(
    rows_in: Rows, professionals: Rows, people: People, config: SsdConfig, rejected: list[Rejection]
) -> dict[str, list[AllocatedWorker]]:
    """Each child's allocated workers from ssd_involvements, named from ssd_professionals."""
    named = {
        to_key(row["prof_professional_id"]): row
        for _position, row in table_rows(PROFESSIONALS, professionals, rejected).unique()
    }
    rows = table_rows(INVOLVEMENTS, rows_in, rejected, {"start": "invo_involvement_start_date"})
    found: dict[str, list[AllocatedWorker]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "invo_person_id")
        worker = to_key(row["invo_professional_id"])
        role = config.worker_roles.get(to_text(row["invo_professional_role_id"]) or "")
        if person_id is None or role is None:
            continue
        if worker is None:
            rows.reject(position, row, "is empty: allocated to nobody", field="invo_professional_id")
            continue
        start_ok, start = ssd_date(rows, position, row, "invo_involvement_start_date")
        end_ok, end = ssd_date(rows, position, row, "invo_involvement_end_date")
        if not (start_ok and end_ok):
            continue
        professional = named.get(worker, {})
        allocation = rows.build(
            position,
            row,
            partial(
                AllocatedWorker,
                worker_id=worker,
                role=role,
                name=to_text(professional.get("prof_professional_name")),
                team=to_text(row["invo_professional_team"])
                or to_text(professional.get("prof_professional_department")),
                start=start,
                end=end,
            ),
        )
        if allocation is not None:
            found[person_id].append(allocation)
    return found


def read_siblings(
    rows_in: Rows, people: People, children: Mapping[str, Child], rejected: list[Rejection]
) -> dict[str, list[Sibling]]:
    """Looked-after children sharing a ``fami_family_id`` (the SSD has no sibling table: docs/ssd.md)."""
    rows = table_rows(FAMILY, rows_in, rejected)
    families: dict[str, list[str]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "fami_person_id")
        family = to_key(row["fami_family_id"])
        if person_id is not None and family is not None and person_id in children:
            families[family].append(person_id)
    found: dict[str, list[Sibling]] = defaultdict(list)
    for members in families.values():
        for person_id in members:
            for other in dict.fromkeys(members):
                if other != person_id:
                    child = children[other]
                    found[person_id].append(
                        Sibling(
                            name=" ".join(n for n in (child.first_name, child.surname) if n) or None,
                            date_of_birth=child.date_of_birth,
                            child_id=other,
                            in_concurrent_planning=True,
                        )
                    )
    return found
