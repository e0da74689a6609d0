"""A child's care history (periods of care, legal-status and placement spells) derived from its episodes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from operator import attrgetter

import attrs

from permanence_core import codes
from permanence_core.model import Episode, LegalStatusSpell, PeriodOfCare, PlacementSpell

#: Reason-episode-ceased code meaning "a new episode begins the same day": the child stays looked after.
CONTINUES = "X1"
#: Reason for new episode S: the child started to be looked after, so a new period of care begins.
STARTED = "S"
#: Reason for new episode L: legal status changed only, so the placement carries on.
LEGAL_STATUS_ONLY = "L"
PLACEMENT_ORDER = "E1"
ADOPTED = frozenset({"E11", "E12"})

_start = attrgetter("start")


@attrs.frozen(kw_only=True)
class Sequenced:
    """Episodes in start order with no overlap, and how many were repaired to get there."""

    episodes: tuple[Episode, ...]
    closed: int = 0
    truncated: int = 0
    duplicates: int = 0


@attrs.frozen(kw_only=True)
class CareHistory:
    """What a run of episodes says: periods of care, legal-status and placement spells, adoption dates."""

    periods: tuple[PeriodOfCare, ...] = ()
    legal_statuses: tuple[LegalStatusSpell, ...] = ()
    placements: tuple[PlacementSpell, ...] = ()
    placement_order: dt.date | None = None
    placed_for_adoption: dt.date | None = None
    adoption_order: dt.date | None = None


def sequence(episodes: Iterable[Episode]) -> Sequenced:
    """Order episodes by start and remove overlaps so each episode ends where the next begins, or earlier.

    Rules, applied in order:

    1. Two episodes starting the same day: the one given last wins (``duplicates`` counts the others).
    2. An episode with no end that is followed by another is closed on the next episode's start (``closed``).
    3. An episode that ends after the next one starts is cut back to the next start (``truncated``).
    """
    given = 0
    by_start: dict[dt.date, Episode] = {}
    for episode in episodes:
        by_start[episode.start] = episode
        given += 1
    ordered = sorted(by_start.values(), key=_start)
    closed = truncated = 0
    for i in range(len(ordered) - 1):
        episode, following = ordered[i], ordered[i + 1]
        if episode.end is None:
            ordered[i] = attrs.evolve(episode, end=following.start)
            closed += 1
        elif episode.end > following.start:
            ordered[i] = attrs.evolve(episode, end=following.start)
            truncated += 1
    return Sequenced(episodes=tuple(ordered), closed=closed, truncated=truncated, duplicates=given - len(ordered))


def _left_care(episode: Episode) -> bool:
    return episode.end is not None and episode.reason_ceased not in (None, CONTINUES)


def derive(episodes: Sequence[Episode]) -> CareHistory:
    """Derive the care history from episodes already in order without overlap (see :func:`sequence`).

    - A new period of care starts at the first episode, at reason-for-new-episode ``S``, and after an
      episode that ceased with a reason other than ``X1`` (the child left care). A gap alone does not
      start a period: a missing (e.g. rejected) episode must not invent a new entry to care.
    - A period is a short break when every episode in it is V3 or V4.
    - A legal-status spell runs over consecutive, touching episodes with the same legal status.
    - A placement spell runs over touching episodes of one period while each new episode changes the
      legal status only (``L``) and keeps the placement type; ``reason_change`` is the reason recorded on
      its last episode, the one whose placement ended.
    """
    periods: list[PeriodOfCare] = []
    legal_statuses: list[LegalStatusSpell] = []
    placements: list[PlacementSpell] = []
    period: list[Episode] = []
    status_run: list[Episode] = []
    placement_run: list[Episode] = []
    placement_order = placed = adoption_order = None
    previous: Episode | None = None
    for episode in episodes:
        starts_period = previous is None or episode.reason_new_episode == STARTED or _left_care(previous)
        touching = previous is not None and previous.end == episode.start
        if starts_period and period:
            periods.append(_period(period))
            period = []
        period.append(episode)
        if status_run and (starts_period or not touching or episode.legal_status != status_run[0].legal_status):
            legal_statuses += _status_spell(status_run)
            status_run = []
        if episode.legal_status is not None:
            status_run.append(episode)
        if placement_run and (
            starts_period
            or not touching
            or episode.reason_new_episode != LEGAL_STATUS_ONLY
            or episode.placement != placement_run[0].placement
        ):
            placements.append(_placement_spell(placement_run))
            placement_run = []
        placement_run.append(episode)
        if placement_order is None and episode.legal_status == PLACEMENT_ORDER:
            placement_order = episode.start
        if placed is None and episode.placement in codes.PLACED_FOR_ADOPTION:
            placed = episode.start
        if adoption_order is None and episode.end is not None and episode.reason_ceased in ADOPTED:
            adoption_order = episode.end
        previous = episode
    if period:
        periods.append(_period(period))
    if status_run:
        legal_statuses += _status_spell(status_run)
    if placement_run:
        placements.append(_placement_spell(placement_run))
    return CareHistory(
        periods=tuple(periods),
        legal_statuses=tuple(legal_statuses),
        placements=tuple(placements),
        placement_order=placement_order,
        placed_for_adoption=placed,
        adoption_order=adoption_order,
    )


def _period(episodes: list[Episode]) -> PeriodOfCare:
    last = episodes[-1]
    return PeriodOfCare(
        start=episodes[0].start,
        end=last.end,
        reason_ceased=last.reason_ceased if last.end is not None else None,
        short_break=all(e.legal_status in codes.SHORT_BREAK_LEGAL_STATUSES for e in episodes),
        episodes=tuple(episodes),
    )


def _status_spell(episodes: list[Episode]) -> list[LegalStatusSpell]:
    # Episodes whose source records no legal status make no spell.
    code = episodes[0].legal_status
    return [] if code is None else [LegalStatusSpell(code=code, start=episodes[0].start, end=episodes[-1].end)]


def _placement_spell(episodes: list[Episode]) -> PlacementSpell:
    first, last = episodes[0], episodes[-1]
    return PlacementSpell(
        placement_type=first.placement,
        start=first.start,
        end=last.end,
        provider=first.placement_provider,
        reason_change=last.reason_place_change,
        urn=first.urn,
    )
