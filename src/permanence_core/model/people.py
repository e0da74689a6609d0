"""The people around the child: siblings, family, allocated workers, and everyone's views."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from permanence_core.model._validators import not_before, not_blank, optional_date, to_tuple


class SiblingPlan(enum.StrEnum):
    """Whether siblings are planned to live together or apart."""

    TOGETHER = "together"
    APART = "apart"
    UNDECIDED = "undecided"


@attrs.frozen(kw_only=True)
class Sibling:
    """A sibling (seed 000 items 7-16): in concurrent permanence planning or not, planned together or apart."""

    name: str | None = None
    date_of_birth: dt.date | None = attrs.field(default=None, validator=optional_date)
    child_id: str | None = None
    in_concurrent_planning: bool = False
    plan: SiblingPlan = attrs.field(default=SiblingPlan.UNDECIDED, converter=SiblingPlan)


@attrs.frozen(kw_only=True)
class FamilyMember:
    """A row of seed 001's family composition table."""

    name: str = attrs.field(validator=not_blank)
    date_of_birth: dt.date | None = attrs.field(default=None, validator=optional_date)
    relationship: str | None = None
    whereabouts: str | None = None


@attrs.frozen(kw_only=True)
class CareOffer:
    """An offer from wider family or friends to care for the child (seed 000 item 29)."""

    name: str = attrs.field(validator=not_blank)
    relationship: str | None = None
    detail: str | None = None


@attrs.frozen(kw_only=True)
class Views:
    """Views gathered before the meeting (seed 000 items 26-29)."""

    child: str | None = None
    parents: str | None = None
    iro: str | None = None
    wider_family: str | None = None
    offers_to_care: tuple[CareOffer, ...] = attrs.field(default=(), converter=to_tuple)


class WorkerRole(enum.StrEnum):
    """The roles the seeds give to people who act on a child's plan."""

    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    IRO = "iro"
    FAMILY_FINDER = "family_finder"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class AllocatedWorker:
    """A worker allocated to the child in a role, from ``start`` to ``end``."""

    worker_id: str = attrs.field(validator=not_blank)
    role: WorkerRole = attrs.field(converter=WorkerRole)
    name: str | None = None
    team: str | None = None
    start: dt.date | None = attrs.field(default=None, validator=optional_date)
    end: dt.date | None = attrs.field(default=None, validator=not_before("start"))
