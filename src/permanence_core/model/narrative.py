"""What only the social worker and managers can write: the pro-forma's free text and the sign-offs."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from permanence_core.model._validators import optional_date


@attrs.frozen(kw_only=True)
class CaseNarrative:
    """Seed 000 Part 1 free-text items and seed 001's referral narrative."""

    reason_for_care: str | None = None  # seed 000 item 18
    care_plan: str | None = None  # item 19
    steps_taken: str | None = None  # item 22
    steps_planned: str | None = None  # item 22
    life_story_work: str | None = None  # item 24
    family_time: str | None = None  # item 25
    barriers_to_permanence: str | None = None  # item 30
    history: str | None = None  # seed 001 brief history
    decision_making_to_date: str | None = None  # seed 001
    child_profile: str | None = None  # seed 001


class SignOffRole(enum.StrEnum):
    """Who signs the pro-forma."""

    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    SERVICE_MANAGER = "service_manager"
    CHAIR = "chair"


@attrs.frozen(kw_only=True)
class SignOff:
    """A signature block: print name, date and (for managers) comments or direction."""

    role: SignOffRole = attrs.field(converter=SignOffRole)
    name: str | None = None
    date: dt.date | None = attrs.field(default=None, validator=optional_date)
    comments: str | None = None
