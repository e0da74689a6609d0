"""Being looked after: SSDA903 episodes, periods of care, legal-status and placement history, reviews."""

from __future__ import annotations

import datetime as dt

import attrs

from permanence_core import codes
from permanence_core.model._validators import in_codes, not_before, optional_date, required_date, to_tuple


@attrs.frozen(kw_only=True)
class Episode:
    """One SSDA903 episode: a stretch of care with one legal status and one placement."""

    start: dt.date = attrs.field(validator=required_date)
    reason_new_episode: str | None = attrs.field(
        default=None, validator=in_codes(codes.REASON_NEW_EPISODE, "reason for new episode")
    )
    legal_status: str | None = attrs.field(default=None, validator=in_codes(codes.LEGAL_STATUS, "legal status"))
    category_of_need: str | None = attrs.field(
        default=None, validator=in_codes(codes.CATEGORY_OF_NEED, "category of need")
    )
    placement: str | None = attrs.field(default=None, validator=in_codes(codes.PLACEMENT_TYPE, "placement type"))
    placement_provider: str | None = attrs.field(
        default=None, validator=in_codes(codes.PLACEMENT_PROVIDER, "placement provider")
    )
    end: dt.date | None = attrs.field(default=None, validator=not_before("start"))
    reason_ceased: str | None = attrs.field(
        default=None, validator=in_codes(codes.REASON_EPISODE_CEASED, "reason episode ceased")
    )
    reason_place_change: str | None = attrs.field(
        default=None, validator=in_codes(codes.REASON_PLACE_CHANGE, "reason for placement change")
    )
    home_postcode: str | None = None
    placement_postcode: str | None = None
    urn: str | None = None

    @property
    def is_short_break(self) -> bool:
        """Short breaks (V3/V4) are not periods of care for the permanence rules."""
        return self.legal_status in codes.SHORT_BREAK_LEGAL_STATUSES


@attrs.frozen(kw_only=True)
class PeriodOfCare:
    """A run of episodes with no gap, started by reason-for-new-episode S (or the system's own period)."""

    start: dt.date = attrs.field(validator=required_date)
    end: dt.date | None = attrs.field(default=None, validator=not_before("start"))
    reason_ceased: str | None = attrs.field(
        default=None, validator=in_codes(codes.REASON_EPISODE_CEASED, "reason episode ceased")
    )
    short_break: bool = False
    period_id: str | None = None
    episodes: tuple[Episode, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def outcome(self) -> str | None:
        """The permanence route this period ended in (adoption, SGO, CAO, planned return), if any."""
        return codes.permanence_outcome(self.reason_ceased) if self.end else None

    def is_open_on(self, day: dt.date) -> bool:
        """Return True when the child is looked after in this period on ``day``."""
        return self.start <= day and (self.end is None or day < self.end)


@attrs.frozen(kw_only=True)
class LegalStatusSpell:
    """A legal status held from ``start`` until ``end`` (the order dates of seed 000 item 5)."""

    code: str = attrs.field(validator=in_codes(codes.LEGAL_STATUS, "legal status"))
    start: dt.date = attrs.field(validator=required_date)
    end: dt.date | None = attrs.field(default=None, validator=not_before("start"))


@attrs.frozen(kw_only=True)
class PlacementSpell:
    """A placement from ``start`` to ``end`` (seed 001 placement record; seed 000 item 17)."""

    placement_type: str | None = attrs.field(validator=in_codes(codes.PLACEMENT_TYPE, "placement type"))
    start: dt.date = attrs.field(validator=required_date)
    end: dt.date | None = attrs.field(default=None, validator=not_before("start"))
    provider: str | None = attrs.field(default=None, validator=in_codes(codes.PLACEMENT_PROVIDER, "provider"))
    reason_change: str | None = attrs.field(
        default=None, validator=in_codes(codes.REASON_PLACE_CHANGE, "reason for placement change")
    )
    urn: str | None = None
    description: str | None = None
    with_siblings: bool | None = None


@attrs.frozen(kw_only=True)
class Review:
    """A looked-after child review: held on ``date``; ``due_date`` and cancellation when the system knows them."""

    date: dt.date | None = attrs.field(default=None, validator=optional_date)
    participation: str | None = attrs.field(
        default=None, validator=in_codes(codes.REVIEW_PARTICIPATION, "review participation")
    )
    due_date: dt.date | None = attrs.field(default=None, validator=optional_date)
    cancelled: bool = False
    review_id: str | None = None

    @property
    def held(self) -> bool:
        """A review counts once it has a date and was not cancelled."""
        return self.date is not None and not self.cancelled


@attrs.frozen(kw_only=True)
class PreviousPermanence:
    """SSDA903 PrevPerm: the permanence option the child had before this care, if any."""

    code: str = attrs.field(validator=in_codes(codes.PREVIOUS_PERMANENCE, "previous permanence"))
    date: str | None = None
    local_authority: str | None = None
