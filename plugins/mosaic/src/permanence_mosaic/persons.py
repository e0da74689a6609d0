"""dm_persons: every person the council works with, by id; the looked-after ones become children."""

from __future__ import annotations

import datetime as dt
from typing import Any

from permanence_core.adapters import Rejection
from permanence_core.adapters.database import TableRows, key_of, to_key, to_text
from permanence_core.errors import ModelValueError
from permanence_core.model import Child, Identifiers, Sibling
from permanence_mosaic.warehouse import PERSONS, table_rows

#: Mosaic gender codes to the SSDA903 sex codes the model holds.
SEX = {"M": "M", "F": "F", "U": "U"}

_KEPT = "; loaded without it"


class People:
    """dm_persons rows by person id, each with its position in key order for rejections."""

    def __init__(self, rows: list[dict[str, Any]], rejected: list[Rejection]) -> None:
        self.rows = table_rows(PERSONS, rows, rejected)
        self.index = {key_of(row, "person_id"): (position, row) for position, row in self.rows.unique()}
        self._born: dict[str, dt.date | None] = {}

    def __contains__(self, person_id: object) -> bool:
        return person_id in self.index

    def known(self, rows: TableRows, position: int, row: dict[str, Any], column: str = "person_id") -> bool:
        """True when ``row``'s ``column`` names a person; otherwise the row is rejected."""
        if to_key(row[column]) in self.index:
            return True
        rows.reject(position, row, f"no such person in {PERSONS}", field=column, value=row[column])
        return False

    def reject(self, person_id: str, reason: str, *, field: str) -> None:
        """Report the person's own row."""
        position, row = self.index[person_id]
        self.rows.reject(position, row, reason, field=field)

    def birth_date(self, person_id: str) -> dt.date | None:
        """The person's date of birth; a bad one is reported once and left out."""
        if person_id not in self._born:
            position, row = self.index[person_id]
            _ok, born = self.rows.date(position, row, "date_of_birth", suffix=_KEPT)
            self._born[person_id] = born
        return self._born[person_id]

    def child(self, person_id: str) -> Child:
        """The child; an identifier or gender the model refuses is reported and left out."""
        position, row = self.index[person_id]
        rows = self.rows
        nhs_number, upn = to_text(row["nhs_id"]), to_text(row["upn_id"])
        try:
            identifiers = Identifiers(case_id=person_id, nhs_number=nhs_number, upn=upn)
        except ModelValueError:
            # One of them is refused: check each alone, so each refusal is reported and the other kept.
            nhs = rows.build(position, row, lambda: Identifiers(case_id=person_id, nhs_number=nhs_number), suffix=_KEPT)
            pupil = rows.build(position, row, lambda: Identifiers(case_id=person_id, upn=upn), suffix=_KEPT)
            identifiers = Identifiers(
                case_id=person_id, nhs_number=nhs.nhs_number if nhs else None, upn=pupil.upn if pupil else None
            )
        gender = to_text(row["gender"])
        sex = SEX.get(gender.upper()) if gender else None
        if gender and sex is None:
            rows.reject(position, row, f"is not a Mosaic gender code (M, F, U){_KEPT}", field="gender", value=gender)
        return Child(
            identifiers=identifiers,
            first_name=to_text(row["first_name"]),
            surname=to_text(row["last_name"]),
            date_of_birth=self.birth_date(person_id),
            sex=sex,
        )

    def sibling(self, person_id: str, *, in_planning: bool) -> Sibling:
        """A sibling as the pro-forma lists one: name, date of birth, id, and whether also being planned for."""
        _position, row = self.index[person_id]
        name = " ".join(part for part in (to_text(row["first_name"]), to_text(row["last_name"])) if part)
        return Sibling(
            name=name or None,
            date_of_birth=self.birth_date(person_id),
            child_id=person_id,
            in_concurrent_planning=in_planning,
        )
