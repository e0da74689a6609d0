"""The permanence plan: primary route, contingency routes, when decided and ratified, status over time."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import attrs

from permanence_core.codes import ANNEX_A_PLAN, PERMANENCE_ROUTE
from permanence_core.errors import ModelValueError
from permanence_core.model._validators import in_codes, optional_date, required_date, to_tuple


class PlanStatus(enum.StrEnum):
    """Where a plan stands: proposed at a PPM, agreed, ratified at a review, achieved or abandoned."""

    PROPOSED = "proposed"
    AGREED = "agreed"
    RATIFIED = "ratified"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


@attrs.frozen(kw_only=True)
class StatusChange:
    """The plan took ``status`` on ``date``."""

    status: PlanStatus = attrs.field(converter=PlanStatus)
    date: dt.date = attrs.field(validator=required_date)


def _routes(_instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for route in value:
        if route not in PERMANENCE_ROUTE:
            raise ModelValueError(attribute.name, route, "is not a permanence route")


@attrs.frozen(kw_only=True)
class ResidentialAims:
    """Seed 000 item 23: a residential plan needs short, medium and long-term aims."""

    short_term: str | None = None
    medium_term: str | None = None
    long_term: str | None = None


@attrs.frozen(kw_only=True)
class PermanencePlan:
    """A permanence plan. A child's plans form its plan history; the latest is the current plan."""

    primary: str = attrs.field(validator=in_codes(PERMANENCE_ROUTE, "permanence route"))
    contingencies: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=_routes)
    decided_on: dt.date | None = attrs.field(default=None, validator=optional_date)
    ratified_at_review: dt.date | None = attrs.field(default=None, validator=optional_date)
    annex_a_codes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    history: tuple[StatusChange, ...] = attrs.field(default=(), converter=to_tuple)
    description: str | None = None
    residential_aims: ResidentialAims | None = None
    plan_id: str | None = None

    @annex_a_codes.validator
    def _annex_a(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        for code in value:
            if code not in ANNEX_A_PLAN:
                raise ModelValueError(attribute.name, code, "is not an Annex A permanence-plan code")

    @property
    def status(self) -> PlanStatus:
        """The latest status; a plan with no history is proposed (ratified if a review ratified it)."""
        if self.history:
            return max(self.history, key=lambda change: change.date).status
        return PlanStatus.RATIFIED if self.ratified_at_review else PlanStatus.PROPOSED

    def status_on(self, day: dt.date) -> PlanStatus | None:
        """The plan's status on ``day``, or None before it existed."""
        earlier = [change for change in self.history if change.date <= day]
        if earlier:
            return max(earlier, key=lambda change: change.date).status
        if self.decided_on and self.decided_on <= day:
            return PlanStatus.PROPOSED
        return None
