"""Deriving periods of care, legal-status and placement spells from episodes; repairing overlaps."""

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from permanence_core.adapters.episodes import derive, sequence
from permanence_core.model import Episode

D = dt.date


def ep(start, end=None, rne="P", ls="C2", place="U6", rec=None, change=None, **extra) -> Episode:
    return Episode(
        start=start,
        end=end,
        reason_new_episode=rne,
        legal_status=ls,
        placement=place,
        reason_ceased=rec if rec or end is None else "X1",
        reason_place_change=change,
        **extra,
    )


def test_one_period_with_legal_status_change_keeps_the_placement():
    episodes = [
        ep(D(2024, 1, 5), D(2024, 3, 1), rne="S", ls="C1", place="U6", placement_provider="PR1", urn="SC1"),
        ep(D(2024, 3, 1), D(2024, 6, 1), rne="L", ls="C2", place="U6", change="CARPL"),
        ep(D(2024, 6, 1), rne="P", ls="C2", place="U4"),
    ]
    history = derive(episodes)
    assert [(p.start, p.end) for p in history.periods] == [(D(2024, 1, 5), None)]
    assert history.periods[0].episodes == tuple(episodes)
    assert [(s.code, s.start, s.end) for s in history.legal_statuses] == [
        ("C1", D(2024, 1, 5), D(2024, 3, 1)),
        ("C2", D(2024, 3, 1), None),
    ]
    assert [(s.placement_type, s.start, s.end, s.reason_change) for s in history.placements] == [
        ("U6", D(2024, 1, 5), D(2024, 6, 1), "CARPL"),
        ("U4", D(2024, 6, 1), None, None),
    ]


def test_a_start_of_care_and_leaving_care_start_new_periods_but_a_gap_does_not():
    episodes = [
        ep(D(2020, 1, 1), D(2020, 6, 1), rne="S", rec="E13"),
        ep(D(2020, 9, 1), D(2021, 1, 1), rne="P"),  # after leaving care: a new period even without S
        ep(D(2021, 2, 1), D(2021, 5, 1), rne="P", rec="E4A"),  # a gap (a missing episode): same period
        ep(D(2022, 1, 1), rne="S"),
    ]
    history = derive(episodes)
    assert [(p.start, p.end, p.reason_ceased) for p in history.periods] == [
        (D(2020, 1, 1), D(2020, 6, 1), "E13"),
        (D(2020, 9, 1), D(2021, 5, 1), "E4A"),
        (D(2022, 1, 1), None, None),
    ]
    assert [p.outcome for p in history.periods] == [None, "return_to_family", None]
    # the gap splits spells: nothing is claimed for the days no episode covers
    assert [(s.start, s.end) for s in history.legal_statuses][1:3] == [
        (D(2020, 9, 1), D(2021, 1, 1)),
        (D(2021, 2, 1), D(2021, 5, 1)),
    ]


def test_short_breaks_are_periods_of_their_own_marked_short_break():
    episodes = [
        ep(D(2024, 2, 1), D(2024, 2, 3), rne="S", ls="V3", place="R1", rec="E13"),
        ep(D(2024, 3, 1), D(2024, 3, 4), rne="S", ls="V3", place="R1", rec="E13"),
        ep(D(2024, 5, 1), D(2024, 7, 1), rne="S", ls="V4", place="R1"),
        ep(D(2024, 7, 1), rne="L", ls="C1", place="R1"),
    ]
    history = derive(episodes)
    assert [p.short_break for p in history.periods] == [True, True, False]


def test_adoption_dates_come_from_the_first_e1_the_first_a3_to_a6_and_the_e11_e12_end():
    episodes = [
        ep(D(2022, 2, 1), D(2022, 9, 1), rne="S", ls="C2", place="U6"),
        ep(D(2022, 9, 1), D(2023, 1, 10), rne="L", ls="E1", place="U6"),
        ep(D(2023, 1, 10), D(2023, 3, 1), rne="T", ls="E1", place="A5"),
        ep(D(2023, 3, 1), D(2023, 8, 20), rne="P", ls="E1", place="A6", rec="E12"),
    ]
    history = derive(episodes)
    assert history.placement_order == D(2022, 9, 1)
    assert history.placed_for_adoption == D(2023, 1, 10)
    assert history.adoption_order == D(2023, 8, 20)
    assert history.periods[0].outcome == "adoption"


def test_no_episodes_no_history():
    history = derive([])
    assert history.periods == history.legal_statuses == history.placements == ()
    assert history.placement_order is None


def test_sequence_closes_open_episodes_and_truncates_overlaps():
    open_then_next = ep(D(2024, 1, 1), rne="S")
    overlapping = ep(D(2024, 2, 1), D(2024, 5, 1))
    last = ep(D(2024, 4, 1))
    result = sequence([last, overlapping, open_then_next])
    assert [(e.start, e.end) for e in result.episodes] == [
        (D(2024, 1, 1), D(2024, 2, 1)),
        (D(2024, 2, 1), D(2024, 4, 1)),
        (D(2024, 4, 1), None),
    ]
    assert (result.closed, result.truncated, result.duplicates) == (1, 1, 0)


def test_sequence_keeps_the_last_of_two_episodes_starting_the_same_day():
    first = ep(D(2024, 1, 1), ls="C1")
    second = ep(D(2024, 1, 1), ls="C2")
    result = sequence(iter([first, second]))
    assert result.episodes == (second,)
    assert result.duplicates == 1


def _inside(episode, spell) -> bool:
    ends_inside = spell.end is None or (episode.end is not None and episode.end <= spell.end)
    return spell.start <= episode.start and ends_inside


_codes = st.sampled_from(["C1", "C2", "E1", "V3", "V4"])


@st.composite
def runs(draw):
    """Episodes with random starts, ends, reasons and codes (overlaps and gaps included)."""
    count = draw(st.integers(0, 12))
    day = D(2015, 1, 1)
    episodes = []
    for _ in range(count):
        day += dt.timedelta(days=draw(st.integers(0, 90)))
        length = draw(st.one_of(st.none(), st.integers(0, 200)))
        end = None if length is None else day + dt.timedelta(days=length)
        episodes.append(
            Episode(
                start=day,
                end=end,
                reason_new_episode=draw(st.sampled_from(["S", "L", "P", "T"])),
                legal_status=draw(_codes),
                placement=draw(st.sampled_from(["U6", "A5", "R1"])),
                reason_ceased=draw(st.sampled_from([None, "X1", "E13", "E11"])) if end else None,
            )
        )
    return episodes


@settings(max_examples=200, deadline=None)
@given(runs())
def test_properties_of_the_derived_history(episodes):
    ordered = sequence(episodes).episodes
    starts = [e.start for e in ordered]
    assert starts == sorted(set(starts))
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end is not None and earlier.end <= later.start
    history = derive(ordered)
    # periods partition the episodes in order, each starting where its first episode starts
    assert [e for p in history.periods for e in p.episodes] == list(ordered)
    for period in history.periods:
        assert period.start == period.episodes[0].start and period.end == period.episodes[-1].end
        assert period.short_break == all(e.legal_status in ("V3", "V4") for e in period.episodes)
    # every episode lies inside a legal-status spell of its code and a placement spell of its type
    for episode in ordered:
        assert any(s.code == episode.legal_status and _inside(episode, s) for s in history.legal_statuses)
        assert any(s.placement_type == episode.placement and _inside(episode, s) for s in history.placements)
    assert len(history.placements) <= len(ordered) and len(history.legal_statuses) <= len(ordered)
