"""DIM_PERSON: who the children are, which rows are not children (the -1 row, merged duplicates), and their ids."""

from __future__ import annotations

from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.database import TableRows, key_of, to_key, to_text
from permanence_core.model import Child, Identifiers
from permanence_liquidlogic.tables import PERSON, PERSON_ID, UNKNOWN

#: LCS gender codes to the SSDA903 sex codes the model holds.
SEX = {"M": "M", "F": "F", "U": "U"}

_UNKNOWN = str(UNKNOWN)


def sex_of(gender: str | None) -> str | None:
    """The sex code an LCS gender code (``GENDER_MAIN_CODE``, stripped) means; None when empty or unknown."""
    return SEX.get(gender.upper()) if gender else None


class People:
    """The persons of DIM_PERSON by ``DIM_PERSON_ID``, without the unknown row (-1) and merged duplicates.

    Every other table's rows are checked against it: a row of a person who is not here is rejected with
    the reason (merged, the unknown row, or no such person), so no row of a real child is lost silently.
    """

    def __init__(self, rows: TableRows, person_id_field: str) -> None:
        self.rows = rows
        self.person_id_field = person_id_field
        self.people: dict[str, tuple[int, dict[str, Any]]] = {}
        self.merged: set[str] = set()
        #: The configured person id of each DIM_PERSON_ID, so a rejection names the child as alerts do.
        self.case_ids: dict[str, str] = {}
        for position, row in rows.unique():
            person_id = key_of(row, PERSON_ID)
            case_id = to_key(row.get(person_id_field))
            if case_id is not None:
                self.case_ids[person_id] = case_id
            if person_id == _UNKNOWN:
                continue
            if to_text(row["DUPLICATED_DTTM"]) is not None:
                self.merged.add(person_id)
            else:
                self.people[person_id] = (position, row)

    def known(self, rows: TableRows, position: int, row: dict[str, Any]) -> str | None:
        """The row's person id when the person is a real one; otherwise the row is rejected and None returned."""
        person_id = to_key(row[PERSON_ID])
        if person_id in self.people:
            return person_id
        if person_id in self.merged:
            reason = (
                f"the person is marked duplicated in {PERSON} (DUPLICATED_DTTM); their merged record holds the care"
            )
        elif person_id == _UNKNOWN:
            reason = f"belongs to {PERSON}'s unknown-person row (-1)"
        else:
            reason = f"no such person in {PERSON}"
        rows.reject(position, row, reason, field=PERSON_ID, value=person_id)
        return None

    def named(self, rejection: Rejection) -> Rejection:
        """``rejection`` naming its child by the configured person id (``LEGACY_ID`` when chosen)."""
        child = rejection.child_id
        if child is None or self.person_id_field == PERSON_ID or child not in self.case_ids:
            return rejection
        return attrs.evolve(rejection, child_id=self.case_ids[child])

    def reject(self, person_id: str, reason: str, field: str) -> None:
        """Report the person's DIM_PERSON row as not loaded, for ``reason``."""
        position, row = self.people[person_id]
        self.rows.reject(position, row, reason, field=field)

    def child(self, person_id: str, case_ids: set[str]) -> Child | None:
        """The child, or None when its case id is empty or taken; a bad UPN, birth date or gender is left out."""
        position, row = self.people[person_id]
        field = self.person_id_field
        case_id = to_key(row[field])
        if case_id is None or case_id in case_ids:
            reason = "is empty" if case_id is None else "is the case id of another person"
            self.rows.reject(position, row, f"{reason}; not loaded", field=field, value=case_id)
            return None
        # A case id the model refuses (a control character) names no child: reported, not loaded.
        if self.rows.build(position, row, lambda: Identifiers(case_id=case_id), suffix="; not loaded") is None:
            return None
        case_ids.add(case_id)
        kept = "; loaded without it"
        upn = self.rows.build(position, row, lambda: Identifiers(case_id=case_id, upn=to_text(row["UPN"])), suffix=kept)
        _ok, born = self.rows.date(position, row, "BIRTH_DTTM", suffix=kept)
        gender = to_text(row["GENDER_MAIN_CODE"])
        sex = sex_of(gender)
        if gender and sex is None:
            self.rows.reject(
                position, row, f"is not an LCS gender code (M, F, U){kept}", field="GENDER_MAIN_CODE", value=gender
            )
        return Child(
            identifiers=Identifiers(case_id=case_id, upn=upn.upn if upn else None),
            first_name=to_text(row["FORENAME"]),
            surname=to_text(row["SURNAME"]),
            date_of_birth=born,
            sex=sex,
        )
