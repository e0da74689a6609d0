"""What a reader reports: rows read and rejected per table, and rejections that never expose personal data."""

from __future__ import annotations

import attrs

from permanence_core.adapters.base import Rejection

#: Columns whose values are personal data (dates of birth, postcodes, names, free text): a rejection names
#: the column and the row but withholds the value, because rejection reports end up in logs and tickets.
SENSITIVE = frozenset(
    {
        "DOB",
        "MC_DOB",
        "HOME_POST",
        "PL_POST",
        "first_name",
        "surname",
        "date_of_birth",
        "name",
        "sibling_name",
        "sibling_date_of_birth",
        "description",
        "summary",
        "agreed_plan",
        "short_term_aim",
        "medium_term_aim",
        "long_term_aim",
    }
)
WITHHELD = "[withheld: personal data]"


class Unreadable(Exception):
    """A file cannot be read past ``line`` (malformed XML, a broken CSV): what came before still loads."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


@attrs.frozen(kw_only=True)
class TableCount:
    """Rows of one table read and rejected; the others loaded."""

    table: str
    read: int = 0
    rejected: int = 0

    @property
    def loaded(self) -> int:
        """Rows that loaded."""
        return self.read - self.rejected

    def __str__(self) -> str:
        return f"{self.table}: read {self.read}, loaded {self.loaded}, rejected {self.rejected}"


def rejection(
    *,
    source: str,
    row: int | None,
    child_id: str | None,
    column: str | None,
    value: str | None,
    reason: str,
    element: str | None = None,
) -> Rejection:
    """A Rejection whose value is withheld when its column holds personal data."""
    if column in SENSITIVE and value:
        value = WITHHELD
    return Rejection(
        source=source,
        row=row,
        child_id=child_id or None,
        field=column,
        value=value,
        reason=reason,
        element=element,
    )
