"""Care proceedings: issue date, hearings, extensions, final order (the 26-week clock)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from permanence_core.errors import ModelValueError
from permanence_core.model._validators import not_before, required_date, to_tuple


class HearingKind(enum.StrEnum):
    """Public Law Outline hearings."""

    CMH = "cmh"
    FURTHER_CMH = "further_cmh"
    IRH = "irh"
    FINAL = "final"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class Hearing:
    """A hearing in the proceedings."""

    date: dt.date = attrs.field(validator=required_date)
    kind: HearingKind = attrs.field(converter=HearingKind)


def _weeks(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or not 1 <= value <= 8:
        raise ModelValueError(attribute.name, value, "must be a whole number of weeks from 1 to 8 (s.32(8))")


@attrs.frozen(kw_only=True)
class Extension:
    """An extension of the 26-week limit, each at most 8 weeks."""

    granted_on: dt.date = attrs.field(validator=required_date)
    weeks: int = attrs.field(validator=_weeks)


@attrs.frozen(kw_only=True)
class CareProceedings:
    """One set of care proceedings; ``outcome`` is the final order (e.g. care order, SGO, placement order)."""

    issue_date: dt.date = attrs.field(validator=required_date)
    court_reference: str | None = None
    hearings: tuple[Hearing, ...] = attrs.field(default=(), converter=to_tuple)
    extensions: tuple[Extension, ...] = attrs.field(default=(), converter=to_tuple)
    outcome: str | None = None
    concluded_on: dt.date | None = attrs.field(default=None, validator=not_before("issue_date"))

    @property
    def first_cmh(self) -> dt.date | None:
        """Date of the first case management hearing, if held."""
        dates = [h.date for h in self.hearings if h.kind is HearingKind.CMH]
        return min(dates) if dates else None

    @property
    def extension_weeks(self) -> int:
        """Total weeks added to the 26 by extensions."""
        return sum(e.weeks for e in self.extensions)

    def is_live_on(self, day: dt.date) -> bool:
        """Return True when the proceedings were issued and not concluded on ``day``."""
        return self.issue_date <= day and (self.concluded_on is None or day < self.concluded_on)
