"""Who the children are and their care history, from ssd_person, ssd_cla_episodes, ssd_legal_status and placements.

The SSD keeps an episode's legal status in its own table, keyed to the person only, and its placement in
``ssd_cla_placement``: each episode takes the legal status in force on the day it starts and its placement's
type, and the care history is then derived exactly as from an SSDA903 return.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import partial
from typing import Any

import attrs

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, to_key, to_text
from permanence_core.adapters.descriptions import DescriptionMap
from permanence_core.adapters.episodes import CareHistory, derive, sequence
from permanence_core.adapters.ssd.config import SsdConfig
from permanence_core.adapters.ssd.tables import EPISODES, LEGAL_STATUS, PERSON, PLACEMENTS, TABLES
from permanence_core.model import CareProceedings, Child, Episode, Identifiers, LegalStatusSpell

#: The SSD's placeholder date for "unknown" (research/ssd.md section 3): read as no date.
PLACEHOLDER_DATE = dt.date(1900, 1, 1)

Rows = list[dict[str, Any]]
_KEPT = "; loaded without it"


def table_rows(name: str, rows: Rows, rejected: list[Rejection], columns: Mapping[str, str] | None = None) -> TableRows:
    """``rows`` of SSD table ``name``, reporting into ``rejected``."""
    spec = TABLES[name]
    return TableRows(name, rows, keys=spec.keys, person=spec.person, rejected=rejected, columns=columns)


def ssd_date(rows: TableRows, position: int, row: dict[str, Any], column: str) -> tuple[bool, dt.date | None]:
    """(ok, date) of a date column, the 1900-01-01 placeholder read as no date."""
    ok, day = rows.date(position, row, column)
    return ok, None if day == PLACEHOLDER_DATE else day


class People:
    """ssd_person rows by ``pers_person_id``; other tables' rows of unknown people are rejected."""

    def __init__(self, rows: TableRows, identifiers: Rows) -> None:
        self.rows = rows
        self.index = {to_key(row["pers_person_id"]) or "": (position, row) for position, row in rows.unique()}
        self.nhs: dict[str, str] = {}
        for row in identifiers:
            # The SSD's linked identifiers hold the NHS number where ssd_person does not.
            if (to_text(row["link_identifier_type"]) or "").casefold() == "nhs number":
                value = to_text(row["link_identifier_value"])
                person = to_key(row["link_person_id"])
                if value and person:
                    self.nhs[person] = value

    def known(self, rows: TableRows, position: int, row: dict[str, Any], column: str) -> str | None:
        """The row's person id when the person is in ssd_person; otherwise the row is rejected."""
        person_id = to_key(row[column])
        if person_id in self.index:
            return person_id
        rows.reject(position, row, f"no such person in {PERSON}", field=column, value=person_id)
        return None

    def child(self, person_id: str) -> Child:
        """The child; an identifier, sex or date the model refuses is reported and left out."""
        position, row = self.index[person_id]
        rows = self.rows
        upn = rows.build(
            position, row, partial(Identifiers, case_id=person_id, upn=to_text(row["pers_upn"])), suffix=_KEPT
        )
        nhs = rows.build(
            position, row, partial(Identifiers, case_id=person_id, nhs_number=self.nhs.get(person_id)), suffix=_KEPT
        )
        _ok, born = ssd_date(rows, position, row, "pers_dob")
        sex = to_text(row["pers_sex"])
        if sex is not None and sex.upper() not in codes.SEX:
            rows.reject(position, row, f"is not a sex code (M, F, U){_KEPT}", field="pers_sex", value=sex)
            sex = None
        return Child(
            identifiers=Identifiers(
                case_id=person_id, upn=upn.upn if upn else None, nhs_number=nhs.nhs_number if nhs else None
            ),
            first_name=to_text(row["pers_forename"]),
            surname=to_text(row["pers_surname"]),
            date_of_birth=born,
            sex=sex.upper() if sex else None,
            ethnicity=to_text(row["pers_ethnicity"]),
        )


@attrs.frozen
class Care:
    """Each child's care history and the period of care (``clae_cla_id``) each of its episodes belongs to."""

    history: dict[str, CareHistory]
    periods: dict[str, str]
    legal: dict[str, list[LegalStatusSpell]]


class Coded:
    """A coded column read as its build fills it: SSDA903 ``code`` only, or ``description`` (codes accepted too)."""

    def __init__(self, code_list: codes.CodeList, coding: str, local: Mapping[str, str], setting: str) -> None:
        self.code_list = code_list
        self.coding = coding
        self.descriptions = DescriptionMap(code_list, local)
        self.setting = setting

    def read(self, text: str) -> tuple[str | None, str]:
        """(code, reason it is not one)."""
        if self.coding == "code":
            code = text.strip().upper()
            if code in self.code_list:
                return code, ""
            what = self.code_list.name.replace("_", " ")
            return None, f"is not an SSDA903 {what} code (this SSD build holds codes; see coding in docs/ssd.md)"
        found = self.descriptions.code(text)
        return found, "" if found else self.descriptions.unmatched(text, self.setting)


def read_care(tables: Mapping[str, Rows], people: People, config: SsdConfig, rejected: list[Rejection]) -> Care:
    """Every person's episodes, legal statuses and placements, as a care history."""
    legal = _legal_statuses(table_rows(LEGAL_STATUS, tables[LEGAL_STATUS], rejected), people, config)
    placements = {
        to_key(row["clap_cla_placement_id"]) or "": row
        for _position, row in table_rows(PLACEMENTS, tables.get(PLACEMENTS, []), rejected).unique()
    }
    rows = table_rows(
        EPISODES,
        tables[EPISODES],
        rejected,
        {
            "start": "clae_cla_episode_start_date",
            "end": "clae_cla_episode_ceased_date",
            "reason_new_episode": "clae_cla_episode_start_reason",
            "legal_status": "lega_legal_status",
            "placement": "clap_cla_placement_type",
        },
    )
    starts = Coded(codes.REASON_NEW_EPISODE, "description", {}, "the SSD's start-reason coding")
    ceased = Coded(
        codes.REASON_EPISODE_CEASED, config.coding.episode_ceased_reason, config.reason_map, "reason_map in [ssd]"
    )
    episodes: dict[str, list[Episode]] = defaultdict(list)
    periods: dict[str, str] = {}
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "clae_person_id")
        if person_id is None:
            continue
        period = to_key(row["clae_cla_id"])
        if period:
            periods[period] = person_id
        start_ok, start = ssd_date(rows, position, row, "clae_cla_episode_start_date")
        end_ok, end = ssd_date(rows, position, row, "clae_cla_episode_ceased_date")
        if not (start_ok and end_ok):
            continue
        if start is None:
            rows.reject(position, row, "is required", field="clae_cla_episode_start_date")
            continue
        coded: dict[str, str | None] = {}
        for column, reader in (("clae_cla_episode_start_reason", starts), ("clae_cla_episode_ceased_reason", ceased)):
            text = to_text(row[column])
            code, why = reader.read(text) if text else (None, "")
            if why:
                rows.reject(position, row, why, field=column, value=text)
                break
            coded[column] = code
        else:
            placement = placements.get(to_key(row["clae_cla_placement_id"]) or "", {})
            episode = rows.build(
                position,
                row,
                partial(
                    Episode,
                    start=start,
                    end=end,
                    reason_new_episode=coded["clae_cla_episode_start_reason"],
                    reason_ceased=coded["clae_cla_episode_ceased_reason"],
                    legal_status=_in_force(legal.get(person_id, []), start),
                    category_of_need=to_text(row["clae_cla_primary_need_code"]),
                    placement=to_text(placement.get("clap_cla_placement_type")),
                    placement_provider=to_text(placement.get("clap_cla_placement_provider")),
                    reason_place_change=to_text(placement.get("clap_cla_placement_change_reason")),
                    placement_postcode=to_text(placement.get("clap_cla_placement_postcode")),
                    urn=to_text(placement.get("clap_cla_placement_urn")),
                ),
            )
            if episode is not None:
                episodes[person_id].append(episode)
    history = {person_id: derive(sequence(found).episodes) for person_id, found in episodes.items()}
    return Care(history=history, periods=periods, legal=legal)


def _in_force(spells: list[LegalStatusSpell], day: dt.date) -> str | None:
    """The looked-after legal status in force on ``day`` (the latest to start, when several overlap)."""
    current = [s for s in spells if s.start <= day and (s.end is None or day < s.end)]
    return max(current, key=lambda s: s.start).code if current else None


def _legal_statuses(rows: TableRows, people: People, config: SsdConfig) -> dict[str, list[LegalStatusSpell]]:
    coded = Coded(codes.LEGAL_STATUS, config.coding.legal_status, config.legal_status_map, "legal_status_map in [ssd]")
    found: dict[str, list[LegalStatusSpell]] = defaultdict(list)
    for position, row in rows.unique():
        person_id = people.known(rows, position, row, "lega_person_id")
        if person_id is None:
            continue
        start_ok, start = ssd_date(rows, position, row, "lega_legal_status_start_date")
        end_ok, end = ssd_date(rows, position, row, "lega_legal_status_end_date")
        text = to_text(row["lega_legal_status"])
        if not (start_ok and end_ok):
            continue
        code, why = coded.read(text) if text else (None, "is empty")
        if code is None:
            rows.reject(position, row, why, field="lega_legal_status", value=text)
            continue
        if start is None:
            rows.reject(position, row, "is required", field="lega_legal_status_start_date")
            continue
        spell = rows.build(position, row, partial(LegalStatusSpell, code=code, start=start, end=end))
        if spell is not None:
            found[person_id].append(spell)
    return found


#: Legal statuses that end care proceedings with a final order (for the stand-in).
_FINAL_ORDERS = frozenset({"C2", "E1", "D1"})


def proceedings_stand_in(spells: list[LegalStatusSpell]) -> list[CareProceedings]:
    """A rough stand-in for care proceedings: an interim care order (C1) starts them, a final order ends them.

    Only used when ``proceedings_from_legal_status`` is set: the SSD has no issue date, and an interim care
    order is usually made at the first hearing, days after issue (docs/ssd.md explains the stand-in).
    """
    ordered = sorted(spells, key=lambda s: s.start)
    found: list[CareProceedings] = []
    for index, spell in enumerate(ordered):
        if spell.code != "C1" or (index and ordered[index - 1].code == "C1"):
            continue
        following = next((s for s in ordered[index + 1 :] if s.code != "C1"), None)
        final = following if following is not None and following.code in _FINAL_ORDERS else None
        found.append(
            CareProceedings(
                issue_date=spell.start,
                outcome=final.code if final else None,
                concluded_on=final.start if final else None,
                court_reference="stand-in from legal status C1",
            )
        )
    return found


__all__ = ["Care", "Coded", "People", "proceedings_stand_in", "read_care", "ssd_date", "table_rows"]
