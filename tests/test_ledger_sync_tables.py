"""The ledger synced from the cohort's tables writes every table exactly as the record-by-record sync did.

The oracle is the record sync as it stood before the table sync (``ledger_sync_oracle``). Each synthetic cohort is
synced on three nights into two ledgers, one per sync, with the same clock and the same edits between nights, in
the case system (a plan changed, a meeting added, an action done, a sibling joining a meeting, a child leaving care)
and in the ledger (a panel's outcome); after each night every table of the two ledgers holds the same rows, the
timestamps and the digests (each sync hashes its own way) aside.
"""

import datetime as dt
import itertools

import attrs
import pytest
import sqlalchemy as sa
from ledger_helpers import D, InMemoryAdapter, action, case, loaded, meeting, plan, use_adapter
from ledger_sync_oracle import record_sync as oracle_sync

from permanence_core import api
from permanence_core.adapters import CohortLoad, LoadResult
from permanence_core.cohort import DETAIL_SCHEMAS, SCHEMAS, Cohort, CohortDetail, detail_from_records
from permanence_core.model import Action, Meeting, PeriodOfCare, StatusChange
from permanence_core.synth import CohortGenerator, CohortSpec, generate
from permanence_core.tracker import nightly, schema
from permanence_core.tracker import panel as panels
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import Outcome
from permanence_core.tracker.sync import sync_tables
from permanence_core.writeback.state import UtcDateTime

AS_OF = D(2026, 11, 2)
T0 = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
SEEDS = (3, 11, 29)


def ticking(start):
    seconds = itertools.count()
    return lambda: start + dt.timedelta(seconds=next(seconds))


class Twins:
    """Two ledgers, one written by the record sync (the oracle) and one by ``sync_tables``; each sync a night (a
    day) after the last, on clocks that tick a second at each reading."""

    def __init__(self, tmp_path):
        self.oracle = Ledger(f"sqlite:///{tmp_path / 'oracle.sqlite'}")
        self.tables = Ledger(f"sqlite:///{tmp_path / 'tables.sqlite'}")
        self.night = 0

    @property
    def midday(self):
        """Midday after the latest night's sync: when a panel records what it decided."""
        return T0 + dt.timedelta(days=self.night - 1, hours=10)

    def sync(self, records):
        result = LoadResult(records=records, read=len(records))
        night = T0 + dt.timedelta(days=self.night)
        self.night += 1
        first = oracle_sync(self.oracle, result, adapter="memory", source="synthetic", now=ticking(night))
        load = CohortLoad.of(result, detail=True)
        second = sync_tables(self.tables, load, adapter="memory", source="synthetic", now=ticking(night))
        assert attrs.evolve(second, finished_at=first.finished_at, started_at=first.started_at) == first
        assert_same_tables(self.oracle, self.tables)
        return second

    def close(self):
        self.oracle.close()
        self.tables.close()


@pytest.fixture
def twins(tmp_path):
    pair = Twins(tmp_path)
    yield pair
    pair.close()


def rows(ledger, table):
    """The table's rows, ordered, without timestamps (and without the digests each sync computes its own way)."""
    columns = [
        c
        for c in table.columns
        if not isinstance(c.type, sa.DateTime | UtcDateTime)
        and not (table is schema.sync_digests and c.name == "digest")
    ]
    with ledger.engine.connect() as conn:
        return conn.execute(sa.select(*columns).order_by(*columns)).all()


def assert_same_tables(oracle, tables):
    for table in schema.metadata.sorted_tables:
        assert rows(tables, table) == rows(oracle, table), table.name


def synthetic(seed, children=30):
    return [c.record for c in CohortGenerator(CohortSpec(children=children, seed=seed, as_of=AS_OF))]


def with_meetings(record, meetings):
    return attrs.evolve(record, meetings=tuple(meetings))


def edited(records):
    """The case system a day later: one edit of each kind, on the first children that have what it needs."""
    records = list(records)
    with_plans = [i for i, r in enumerate(records) if r.plans]
    with_open = [i for i, r in enumerate(records) if any(a.completed_on is None for m in r.meetings for a in m.actions)]
    with_meetings_ = [i for i, r in enumerate(records) if r.meetings]
    in_care = [i for i, r in enumerate(records) if r.periods_of_care and r.periods_of_care[-1].end is None]
    # A plan changed: its route, and a status taken.
    i = with_plans[0]
    last = records[i].plans[-1]
    changed = attrs.evolve(
        last,
        primary="special_guardianship" if last.primary != "special_guardianship" else "adoption",
        history=(*last.history, StatusChange(status="agreed", date=AS_OF)),
    )
    records[i] = attrs.evolve(records[i], plans=(*records[i].plans[:-1], changed))
    # A meeting added.
    i = with_meetings_[-1]
    child = records[i].child_id
    added = Meeting(
        meeting_id=f"NEW-{child}",
        kind="ppm",
        date=AS_OF + dt.timedelta(days=9),
        chair="Synthetic Chair",
        children=(child,),
        actions=(Action(action_id="N1", description="Synthetic task", due_date=AS_OF + dt.timedelta(days=30)),),
    )
    records[i] = with_meetings(records[i], (*records[i].meetings, added))
    # An action done.
    i = with_open[0]
    meetings = list(records[i].meetings)
    for m, held in enumerate(meetings):
        open_ = [a for a in held.actions if a.completed_on is None]
        if open_:
            done = attrs.evolve(open_[0], completed_on=AS_OF)
            meetings[m] = attrs.evolve(held, actions=tuple(done if a is open_[0] else a for a in held.actions))
            break
    records[i] = with_meetings(records[i], meetings)
    # A sibling joining a meeting: another child's record holds a copy naming both.
    holder, joiner = with_meetings_[0], next(j for j in range(len(records)) if j != with_meetings_[0])
    shared = records[holder].meetings[0]
    copy = attrs.evolve(shared, children=(*shared.children, records[joiner].child_id))
    records[joiner] = with_meetings(records[joiner], (*records[joiner].meetings, copy))
    # A child leaving care.
    i = in_care[-1]
    periods = records[i].periods_of_care
    left = attrs.evolve(periods[-1], end=AS_OF, reason_ceased="E13")
    records[i] = attrs.evolve(records[i], periods_of_care=(*periods[:-1], left))
    return records


def record_a_panel_outcome(twins, records):
    """A panel in each ledger, where a child's open case-system action is recorded as done."""
    panel_day = AS_OF + dt.timedelta(days=2)
    done = None
    for ledger in (twins.oracle, twins.tables):
        panel = panels.schedule(ledger, panel_day, now=twins.midday)
        for record in records:
            reviewed = [a for a in panels.reviewed_actions(ledger, panel, record.child_id) if a.completed_on is None]
            if reviewed:
                done = record.child_id, reviewed[0].action_id
                break
        assert done is not None
        child, action_id = done
        panels.record_outcome(
            ledger,
            panel,
            Outcome(child_id=child, decision="progressing", completed={action_id: panel_day}),
            now=twins.midday,
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_three_nights_of_a_synthetic_cohort_write_the_ledger_as_the_record_sync(twins, seed):
    records = synthetic(seed)
    first = twins.sync(records)
    assert first.children_new == len(records) and first.meetings_added > 0 and first.actions_added > 0
    again = twins.sync(records)
    assert (again.plans_changed, again.meetings_changed, again.actions_changed) == (0, 0, 0)
    record_a_panel_outcome(twins, records)
    records = edited(records)
    second = twins.sync(records)
    assert second.plans_changed and second.meetings_added and second.meetings_changed and second.actions_changed
    twins.sync(edited(records))


def hand_made():
    """The shapes a synthetic cohort seldom has: a meeting held twice in one record, a sibling's copy naming no one
    or naming the children in another order, a meeting named by a child the sync does not load, plans without ids
    and undated, a meeting held the day after a sync, a child with two periods of care, an action that depends on
    two others."""
    twice = meeting("TP-1", D(2024, 5, 2), ("C1",), action("A1", due=D(2024, 6, 1)))
    tomorrow = T0.date() + dt.timedelta(days=1)
    cases = [
        case(
            "C1",
            plans=[plan("adoption"), plan("special_guardianship", decided=None, statuses=())],
            meetings=[
                twice,
                twice,
                meeting("TP-2", D(2030, 1, 1), (), action("B", depends=("A1", "T"))),
                meeting("TP-4", D(2024, 8, 1), ("C1", "C3")),
                meeting("TP-5", tomorrow, ("C1",), action("T", due=tomorrow)),
            ],
        ),
        case(
            "C2",
            meetings=[
                meeting("TP-1", D(2024, 5, 2), ()),
                meeting("TP-3", D(2024, 7, 1), ("C9", "C2")),
                meeting("TP-4", D(2024, 8, 1), ("C2", "C1")),
            ],
        ),
        case(
            "C3", end=D(2025, 1, 1), plans=[plan("long_term_fostering", plan_id="P3", ratified_at_review=D(2024, 3, 1))]
        ),
    ]
    earlier = PeriodOfCare(start=D(2022, 1, 3), end=D(2022, 9, 1), reason_ceased="E13")
    cases[0] = attrs.evolve(cases[0], periods_of_care=(earlier, *cases[0].periods_of_care))
    return cases


def test_hand_made_cases_siblings_repeated_meetings_and_plans_without_ids(twins):
    cases = hand_made()
    twins.sync(cases)
    held = twins.sync(cases)
    assert held.meetings_changed == 1  # TP-5, held since
    cases[1] = attrs.evolve(cases[1], meetings=(*cases[1].meetings, meeting("TP-2", D(2030, 1, 1), ("C2",))))
    cases[2] = attrs.evolve(cases[2], plans=(plan("long_term_fostering", plan_id="P3", statuses=()),))
    twins.sync(cases)
    twins.sync(cases[::-1])


def test_two_actions_or_two_children_trading_places_is_a_change(twins):
    """A child's digest sums its rows' hashes, whatever their order: each row's place (its position, a meeting's
    order of children) must be in its hash, or a swap would look unchanged and never reach the ledger."""
    day = D(2026, 10, 1)
    first = case("C1", meetings=(meeting("TP-1", day, ("C1", "C2"), action("A1", "Book"), action("A2", "Hold")),))
    cases = [first, case("C2")]
    twins.sync(cases)
    assert twins.sync(cases).actions_changed == 0
    swapped = meeting("TP-1", day, ("C1", "C2"), action("A2", "Hold"), action("A1", "Book"))
    assert twins.sync([attrs.evolve(first, meetings=(swapped,)), cases[1]]).actions_changed == 2
    reordered = meeting("TP-1", day, ("C2", "C1"), action("A2", "Hold"), action("A1", "Book"))
    assert twins.sync([attrs.evolve(first, meetings=(reordered,)), cases[1]]).meetings_changed == 1


def test_the_table_sync_refuses_a_load_without_its_detail_tables(twins):
    with pytest.raises(ValueError, match="detail"):
        sync_tables(twins.tables, CohortLoad.of(loaded(case("C1"))), adapter="memory", source="synthetic")


class _TablesWithoutDetail(InMemoryAdapter):
    """An adapter with its own table reader that gives no detail tables (as the warehouse adapters' do today)."""

    def load_cohort(self, source, options, facets=None):
        return attrs.evolve(super().load_cohort(source, {}, facets), detail=None)


@pytest.mark.parametrize("adapter", [InMemoryAdapter, _TablesWithoutDetail])
def test_a_load_asked_for_its_detail_gives_the_tables_of_its_records(adapter, monkeypatch):
    records = synthetic(SEEDS[0], children=8)
    use_adapter(monkeypatch, adapter(records))
    plain = api.load_cohort("memory", "synthetic")
    assert plain.detail is None
    detailed = api.load_cohort("memory", "synthetic", {"detail": True})
    expected = detail_from_records(records)
    assert detailed.detail is not None
    for name in DETAIL_SCHEMAS:
        assert getattr(detailed.detail, name).equals(getattr(expected, name)), name
    assert detailed.read == plain.read and detailed.cohort.children.equals(plain.cohort.children)


def shuffled(load, seed):
    """The same load with every table's rows in another order (a reader need not give a record's order)."""
    cohort = {name: getattr(load.cohort, name).sample(fraction=1.0, shuffle=True, seed=seed) for name in SCHEMAS}
    # The children's order is the sync's order: it stays.
    cohort["children"] = load.cohort.children
    detail = {name: getattr(load.detail, name).sample(fraction=1.0, shuffle=True, seed=seed) for name in DETAIL_SCHEMAS}
    return attrs.evolve(load, cohort=Cohort(**cohort), detail=CohortDetail(**detail))


@pytest.mark.parametrize("made", ["synthetic", "by hand"])
def test_the_rows_order_within_each_table_does_not_matter(twins, made):
    records = synthetic(SEEDS[1]) if made == "synthetic" else hand_made()
    nights = (records, edited(records)) if made == "synthetic" else (records, records[::-1])
    for night, cohort in enumerate(nights):
        result = LoadResult(records=cohort, read=len(cohort))
        at = T0 + dt.timedelta(days=night)
        oracle_sync(twins.oracle, result, adapter="memory", source="synthetic", now=ticking(at))
        load = shuffled(CohortLoad.of(result, detail=True), seed=night)
        sync_tables(twins.tables, load, adapter="memory", source="synthetic", now=ticking(at))
        assert_same_tables(twins.oracle, twins.tables)


def test_the_ssda903_tables_write_the_ledger_as_its_records(twins, tmp_path):
    """End to end: the SSDA903 return and pack read as tables, against the same source read as records."""
    folder = tmp_path / "return"
    generate(CohortSpec(children=60, seed=8, as_of=AS_OF), folder)
    facets = sorted(facet.value for facet in nightly.JOB_FACETS)
    records = api.load("ssda903", str(folder), {"facets": facets})
    tables = api.load_cohort("ssda903", str(folder), {"detail": True}, nightly.JOB_FACETS)
    assert not tables.cohort.children.is_empty() and tables.detail is not None
    first = oracle_sync(twins.oracle, records, adapter="ssda903", source=str(folder), now=ticking(T0))
    second = sync_tables(twins.tables, tables, adapter="ssda903", source=str(folder), now=ticking(T0))
    assert attrs.evolve(second, finished_at=first.finished_at) == first
    assert_same_tables(twins.oracle, twins.tables)
