"""A period of care as a start state plus dated changes, and its SSDA903 episodes as of a date."""

from __future__ import annotations

import datetime as dt

import attrs

from permanence_core.model import Episode, PeriodOfCare

#: Temporary and Z-placements have no provider in the return (validator rule 178).
_NO_PROVIDER = frozenset({"T0", "T1", "T2", "T3", "Z11", "Z12", "Z13", "Z14"})


@attrs.frozen(kw_only=True)
class Placement:
    """Where the child lives and with whom; ``carer`` tells a move to new carers (P) from same carers (T)."""

    code: str
    carer: str
    provider: str | None = None
    urn: str | None = None
    postcode: str | None = None


@attrs.frozen(kw_only=True)
class Change:
    """On ``day`` the legal status and/or the placement changes; ``reason`` is REASON_PLACE_CHANGE."""

    day: dt.date
    legal_status: str | None = None
    placement: Placement | None = None
    reason: str | None = None


@attrs.frozen(kw_only=True)
class Period:
    """One period of care as the generator plans it, possibly running past the as-of date."""

    start: dt.date
    legal_status: str
    placement: Placement
    category_of_need: str
    home_postcode: str | None
    changes: tuple[Change, ...] = ()
    end: dt.date | None = None
    reason_ceased: str | None = None

    @property
    def short_break(self) -> bool:
        """V3/V4 short breaks are not periods of care for the permanence rules."""
        return self.legal_status in ("V3", "V4")

    def legal_status_on(self, day: dt.date) -> str:
        """The legal status in force on ``day`` (the start status before any change)."""
        status = self.legal_status
        for change in self.changes:
            if change.day > day:
                break
            status = change.legal_status or status
        return status

    def placement_on(self, day: dt.date) -> Placement:
        """The placement in force on ``day``."""
        placement = self.placement
        for change in self.changes:
            if change.day > day:
                break
            placement = change.placement or placement
        return placement

    def first_day_of(self, legal_status: str) -> dt.date | None:
        """The first day the period holds ``legal_status``, if it ever does."""
        if self.legal_status == legal_status:
            return self.start
        return next((c.day for c in self.changes if c.legal_status == legal_status), None)


def to_period_of_care(period: Period, as_of: dt.date, period_id: str) -> PeriodOfCare | None:
    """The period as the return shows it on ``as_of``: later changes unknown, an end after ``as_of`` open.

    Returns None when the period had not started by ``as_of``.
    """
    if period.start > as_of:
        return None
    ended = period.end is not None and period.end <= as_of
    stop = period.end if ended else None
    changes = [c for c in period.changes if c.day <= as_of and (stop is None or c.day < stop)]
    episodes: list[Episode] = []
    status, placement, begun, new_reason = period.legal_status, period.placement, period.start, "S"
    for day, merged in _merge_same_day(period.start, changes):
        new_status = merged.legal_status or status
        new_placement = merged.placement or placement
        if day == begun:
            # A change on the first day shapes the opening episode rather than starting another.
            status, placement = new_status, new_placement
            continue
        if new_status == status and new_placement == placement:
            continue
        episodes.append(_episode(period, begun, new_reason, status, placement, day, "X1", merged.reason))
        new_reason = _reason_new_episode(status, placement, new_status, new_placement)
        status, placement, begun = new_status, new_placement, day
    episodes.append(
        _episode(period, begun, new_reason, status, placement, stop, period.reason_ceased if ended else None, None)
    )
    return PeriodOfCare(
        start=period.start,
        end=stop,
        reason_ceased=period.reason_ceased if ended else None,
        short_break=period.short_break,
        period_id=period_id,
        episodes=episodes,
    )


def _merge_same_day(start: dt.date, changes: list[Change]) -> list[tuple[dt.date, Change]]:
    """Fold changes on one day into one change, because an episode cannot last zero days."""
    merged: dict[dt.date, Change] = {}
    for change in sorted(changes, key=lambda c: c.day):
        day = max(change.day, start)
        earlier = merged.get(day)
        if earlier is None:
            merged[day] = change
        else:
            merged[day] = Change(
                day=day,
                legal_status=change.legal_status or earlier.legal_status,
                placement=change.placement or earlier.placement,
                reason=change.reason or earlier.reason,
            )
    return sorted(merged.items())


def _reason_new_episode(old_status: str, old: Placement, new_status: str, new: Placement) -> str:
    """RNE: L legal status only; P new carers; T same carers; B status and new carers; U status and same carers."""
    if new == old:
        return "L"
    same_carer = new.carer == old.carer
    if new_status == old_status:
        return "T" if same_carer else "P"
    return "U" if same_carer else "B"


def _episode(
    period: Period,
    start: dt.date,
    reason_new: str,
    status: str,
    placement: Placement,
    end: dt.date | None,
    reason_ceased: str | None,
    reason_place_change: str | None,
) -> Episode:
    short_break = period.short_break
    return Episode(
        start=start,
        reason_new_episode=reason_new,
        legal_status=status,
        category_of_need=period.category_of_need,
        placement=placement.code,
        placement_provider=None if placement.code in _NO_PROVIDER else placement.provider,
        end=end,
        reason_ceased=reason_ceased,
        reason_place_change=reason_place_change,
        home_postcode=period.home_postcode,
        # Rule 214: short breaks carry no placement postcode or URN.
        placement_postcode=None if short_break else placement.postcode,
        urn=None if short_break else placement.urn,
    )
