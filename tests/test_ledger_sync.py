"""Syncs into the ledger: counts, plan history with route changes, meetings and actions with their status."""

import datetime as dt
import itertools
import threading

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import BACKENDS, D, action, case, database, loaded, meeting, plan

from permanence_core.adapters import Rejection
from permanence_core.model import PeriodOfCare
from permanence_core.tracker import schema
from permanence_core.tracker import sync as sync_module
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.sync import record_sync

T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def ledger(ledger_url):
    with Ledger(ledger_url) as opened:
        yield opened


def ticking(start=T0):
    """A clock a second later at each reading, as syncs and panels see time pass."""
    seconds = itertools.count()
    return lambda: start + dt.timedelta(seconds=next(seconds))


CLOCK = ticking()


def sync(ledger, *records, rejected=(), source="/data/903"):
    return record_sync(ledger, loaded(*records, rejected=rejected), adapter="memory", source=source, now=CLOCK)


def first_cohort():
    return [
        case(
            "C1",
            plans=[plan("adoption", contingencies=["long_term_fostering"], plan_id="P1")],
            meetings=[
                meeting(
                    "PPM-1",
                    D(2024, 1, 22),
                    ("C1",),
                    action("A1", due=D(2024, 2, 5), done=D(2024, 2, 1)),
                    action("A2", due=D(2024, 2, 19)),
                    kind="ppm",
                )
            ],
        ),
        case("C2"),
    ]


def test_a_first_sync_records_what_was_read_and_everything_as_new(ledger):
    rejected = Rejection(source="episodes.csv", row=9, child_id="C9", field="DECOM", value="x", reason="not a date")
    entry = sync(ledger, *first_cohort(), rejected=[rejected])
    assert (entry.read, entry.loaded, entry.rejected, entry.children) == (3, 2, 1, 2)
    assert (entry.children_new, entry.plans_changed, entry.meetings_added, entry.actions_added) == (2, 1, 1, 2)
    assert entry.coverage == ("care", "meetings", "plans", "reviews", "siblings")
    [stored] = ledger.syncs()
    assert stored == entry
    [history] = ledger.plan_history("C1")
    assert (history.plan_key, history.primary_route, history.contingencies, history.change) == (
        "P1",
        "adoption",
        ("long_term_fostering",),
        ("new",),
    )
    actions = ledger.actions(child_id="C1")
    assert [(a.action_id, a.status, a.child_id) for a in actions] == [("A1", "done", "C1"), ("A2", "open", "C1")]


def _indexes(ledger):
    inspector = sa.inspect(ledger.engine)
    return {table: sorted(index["name"] for index in inspector.get_indexes(table)) for table in schema.metadata.tables}


def test_a_first_sync_builds_the_indexes_after_its_rows_and_a_failed_one_leaves_them_as_they_were(ledger, monkeypatch):
    made = _indexes(ledger)
    assert made["tracker_meetings"] == ["ix_tracker_meetings_kind_origin"]

    def fail(*_args, **_kwargs):
        raise RuntimeError("the disk filled up")

    with monkeypatch.context() as patched:
        patched.setattr(sync_module, "_record_digests", fail)
        with pytest.raises(RuntimeError, match="disk filled"):
            sync(ledger, *first_cohort())
    assert _indexes(ledger) == made and ledger.syncs() == [] and ledger.actions(child_id="C1") == []
    sync(ledger, *first_cohort())
    assert _indexes(ledger) == made and len(ledger.actions(child_id="C1")) == 2
    # A resync adds to tables that are no longer empty, with their indexes in place throughout.
    sync(ledger, *first_cohort(), case("C3", meetings=[meeting("PPM-3", D(2024, 3, 4), ("C3",), kind="ppm")]))
    assert _indexes(ledger) == made


def test_an_unchanged_sync_changes_nothing(ledger):
    sync(ledger, *first_cohort())
    again = sync(ledger, *first_cohort())
    assert (again.children_new, again.plans_changed, again.meetings_added, again.meetings_changed) == (0, 0, 0, 0)
    assert (again.actions_added, again.actions_changed) == (0, 0)
    assert [s.sync_id for s in ledger.syncs()] == [again.sync_id, again.sync_id - 1]
    assert len(ledger.plan_history()) == 1


def compared_meetings(monkeypatch):
    """The meetings each sync compares with the ledger row by row, one list per sync."""
    real = sync_module._meetings
    seen = []

    def spy(conn, stored, wanted, *args):
        seen[-1].extend(wanted)
        return real(conn, stored, wanted, *args)

    monkeypatch.setattr(sync_module, "_meetings", spy)
    return seen


def test_a_resync_compares_only_the_children_whose_records_changed(ledger, monkeypatch):
    compared = compared_meetings(monkeypatch)
    cohort = [
        *first_cohort(),
        case("C3", meetings=[meeting("TP-3", D(2024, 5, 2), ("C3",), action("X", due=D(2024, 6, 1)))]),
    ]
    for _run in range(2):
        compared.append([])
        sync(ledger, *cohort)
    cohort[2] = case("C3", meetings=[meeting("TP-3", D(2024, 5, 2), ("C3",), action("X", due=D(2024, 6, 8)))])
    compared.append([])
    entry = sync(ledger, *cohort)
    # The first sync finds the ledger without meetings: it inserts them all and has none to compare.
    assert compared == [[], [], ["TP-3"]]
    assert (entry.actions_changed, entry.meetings_changed, entry.plans_changed) == (1, 0, 0)
    assert [a.due_date for a in ledger.actions(child_id="C3")] == [D(2024, 6, 8)]


def test_a_change_made_in_the_ledger_since_the_last_sync_is_compared_as_before(ledger, monkeypatch):
    """A panel that re-times a case-system action stamps updated_at: the resync compares that child's rows (and
    puts back the case system's date, as a sync always has) though the child's record did not change."""
    compared = compared_meetings(monkeypatch)
    compared.append([])
    sync(ledger, *first_cohort())
    table = schema.actions
    with ledger.transaction() as conn:
        conn.execute(
            table.update()
            .where(table.c.meeting_id == "PPM-1", table.c.action_id == "A2")
            .values(due_date=D(2024, 3, 1), updated_at=CLOCK())
        )
    compared.append([])
    entry = sync(ledger, *first_cohort())
    assert compared[-1] == ["PPM-1"]
    assert entry.actions_changed == 1
    assert [a.due_date for a in ledger.actions(child_id="C1")] == [D(2024, 2, 5), D(2024, 2, 19)]


def test_plan_changes_are_history_with_what_changed(ledger):
    sync(ledger, case("C1", plans=[plan("adoption", plan_id="P1")]))
    ratified = plan(
        "adoption",
        plan_id="P1",
        ratified_at_review=D(2024, 4, 2),
        statuses=(("proposed", D(2024, 2, 1)), ("ratified", D(2024, 4, 2))),
    )
    sync(ledger, case("C1", plans=[ratified]))
    abandoned = plan(
        "adoption",
        plan_id="P1",
        ratified_at_review=D(2024, 4, 2),
        statuses=(("proposed", D(2024, 2, 1)), ("ratified", D(2024, 4, 2)), ("abandoned", D(2024, 9, 1))),
    )
    sgo = plan("special_guardianship", plan_id="P2", decided=D(2024, 9, 1), statuses=(("agreed", D(2024, 9, 1)),))
    sync(ledger, case("C1", plans=[abandoned, sgo]))
    history = ledger.plan_history("C1")
    assert [(h.plan_key, h.status, h.change) for h in history] == [
        ("P1", "proposed", ("new",)),
        ("P1", "ratified", ("ratified", "status")),
        ("P1", "abandoned", ("status",)),
        ("P2", "agreed", ("new", "route")),
    ]
    assert [h.sync_id for h in history] == [1, 2, 3, 3]
    assert history[-1].status_since == D(2024, 9, 1)


def test_a_plan_without_an_id_is_known_by_route_and_decision_date(ledger):
    sync(ledger, case("C1", plans=[plan("adoption")]))
    [history] = ledger.plan_history("C1")
    assert history.plan_key == "adoption@2024-02-01"


def test_meetings_and_actions_changed_in_the_case_system(ledger):
    sync(ledger, *first_cohort())
    cohort = first_cohort()
    cohort[0] = case(
        "C1",
        plans=cohort[0].plans,
        meetings=[
            meeting(
                "PPM-1",
                D(2024, 1, 22),
                ("C1",),
                action("A1", due=D(2024, 2, 5), done=D(2024, 2, 1)),
                action("A2", due=D(2024, 2, 19), done=D(2024, 2, 20)),
                kind="ppm",
            ),
            meeting("TP-1", D(2024, 3, 7), ("C1",), action("A1", due=D(2024, 4, 1))),
        ],
    )
    entry = sync(ledger, *cohort)
    assert (entry.meetings_added, entry.meetings_changed, entry.actions_added, entry.actions_changed) == (1, 0, 1, 1)
    assert [(a.meeting_id, a.action_id, a.status) for a in ledger.actions(child_id="C1")] == [
        ("PPM-1", "A1", "done"),
        ("PPM-1", "A2", "done"),
        ("TP-1", "A1", "open"),
    ]
    assert [m.meeting_id for m in ledger.meetings(child_id="C1")] == ["PPM-1", "TP-1"]
    assert [m.meeting_id for m in ledger.meetings(kind="ppm")] == ["PPM-1"]


def test_a_sibling_groups_meeting_is_one_meeting_with_shared_actions(ledger):
    shared = meeting("PPM-S", D(2024, 2, 1), ("C1", "C2"), action("1", due=D(2024, 3, 1)), kind="ppm")
    sync(ledger, case("C1", meetings=[shared], siblings=["C2"]), case("C2", meetings=[shared], siblings=["C1"]))
    [stored] = ledger.meetings()
    assert stored.children == ("C1", "C2")
    for child in ("C1", "C2"):
        [shared_action] = ledger.actions(child_id=child)
        assert (shared_action.action_id, shared_action.child_id) == ("1", None)


def test_a_later_siblings_copy_of_a_meeting_adds_its_children_and_is_noticed_on_resync(ledger, monkeypatch):
    """The meeting is recorded from C1's record (the first to hold it) with every child any copy names; a sibling
    joining it later in the cohort is a change to that meeting though C1's record is as it was."""
    compared = compared_meetings(monkeypatch)
    alone = meeting("PPM-S", D(2024, 2, 1), ("C1",), action("1", due=D(2024, 3, 1)), kind="ppm")
    both = meeting("PPM-S", D(2024, 2, 1), ("C1", "C2"), action("1", due=D(2024, 3, 1)), kind="ppm")
    cohort = [case("C1", meetings=[alone]), case("C2", meetings=[both])]
    for _run in range(2):
        compared.append([])
        sync(ledger, *cohort)
    assert compared == [[], []]  # the first sync inserts into a ledger without meetings: nothing to compare
    assert ledger.meetings()[0].children == ("C1", "C2")
    third = meeting("PPM-S", D(2024, 2, 1), ("C3",), action("1", due=D(2024, 3, 1)), kind="ppm")
    compared.append([])
    entry = sync(ledger, *cohort, case("C3", meetings=[third]))
    assert compared[-1] == ["PPM-S"]
    assert (entry.meetings_changed, entry.actions_changed) == (1, 0)
    assert ledger.meetings()[0].children == ("C1", "C2", "C3")
    [shared_action] = ledger.actions(child_id="C3")
    assert (shared_action.action_id, shared_action.child_id) == ("1", None)


def test_open_actions_come_from_every_earlier_meeting(ledger):
    """Issue 16: an action is brought back at each meeting until it is done, whichever meeting set it."""
    sync(
        ledger,
        case(
            "C1",
            meetings=[
                meeting("M1", D(2024, 2, 1), ("C1",), action("1", due=D(2024, 2, 10))),
                meeting("M2", D(2024, 3, 1), ("C1",), action("1", due=D(2024, 3, 10)), action("2", done=D(2024, 3, 2))),
                meeting("M3", D(2024, 4, 1), ("C1",)),
            ],
        ),
    )
    assert [(a.meeting_id, a.action_id) for a in ledger.open_actions(D(2024, 5, 1))["C1"]] == [("M1", "1"), ("M2", "1")]
    assert [(a.meeting_id, a.action_id) for a in ledger.open_actions(D(2024, 2, 15))["C1"]] == [("M1", "1")]
    assert ledger.open_actions(D(2024, 1, 1)) == {}
    _first, overdue = ledger.open_actions(D(2024, 5, 1))["C1"]
    assert overdue.is_overdue_on(D(2024, 3, 11)) and not overdue.is_overdue_on(D(2024, 3, 10))


def test_open_actions_come_only_from_meetings_of_the_current_period_of_care(ledger):
    """Issue 16: seeds 000-002 track the current time in care; an earlier period's plan is not brought back."""
    earlier = meeting("M0", D(2020, 5, 1), ("C1",), action("1", due=D(2020, 5, 20)))
    current = meeting("M1", D(2024, 2, 1), ("C1",), action("1", due=D(2024, 2, 10)))
    sync(ledger, case("C1", start=D(2024, 1, 2), meetings=[earlier, current]))
    assert [(a.meeting_id, a.action_id) for a in ledger.open_actions(D(2024, 5, 1))["C1"]] == [("M1", "1")]
    record = case("C1", start=D(2024, 1, 2), meetings=[earlier, current])
    assert [a.meeting_id for a in record.open_actions(D(2024, 5, 1))] == ["M1"]
    # During the earlier period, its own actions were the open ones.
    earlier_period = PeriodOfCare(start=D(2020, 1, 2), end=D(2021, 1, 2), reason_ceased="E13")
    both = attrs.evolve(record, periods_of_care=[earlier_period, *record.periods_of_care])
    assert [a.meeting_id for a in both.open_actions(D(2020, 6, 1))] == ["M0"]
    assert [a.meeting_id for a in both.open_actions(D(2024, 5, 1))] == ["M1"]


def test_a_child_is_new_only_on_its_first_sync(ledger):
    assert sync(ledger, case("C1")).children_new == 1
    assert sync(ledger, case("C1", end=D(2024, 6, 1)), case("C2")).children_new == 1


def test_the_source_is_stored_without_a_password(ledger):
    entry = sync(ledger, case("C1"), source="postgresql+psycopg://reader:s3cret@mosaic.example/dm")
    assert entry.source == "postgresql+psycopg://reader:***@mosaic.example/dm"
    assert "s3cret" not in ledger.syncs()[0].source


def test_two_syncs_at_once_record_each_change_once(ledger_url):
    cohort = first_cohort()
    barrier = threading.Barrier(2)
    entries, errors = [], []

    def run():
        with Ledger(ledger_url) as own:
            barrier.wait()
            try:
                entries.append(sync(own, *cohort))
            except Exception as exc:  # collected: a thread's exception would otherwise be lost
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((e.plans_changed, e.meetings_added, e.actions_added) for e in entries) == [(0, 0, 0), (1, 1, 2)]
    with Ledger(ledger_url) as ledger:
        assert len(ledger.plan_history()) == 1
        assert len(ledger.actions()) == 2


STATUSES = st.sampled_from(["proposed", "agreed", "ratified", "achieved", "abandoned"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(statuses=st.lists(STATUSES, min_size=1, max_size=6))
def test_plan_history_holds_one_entry_per_change_of_status(tmp_path_factory, statuses):
    folder = tmp_path_factory.mktemp("ledger")
    with Ledger(f"sqlite:///{folder / 'ledger.sqlite'}") as ledger:
        history = []
        for day, status in enumerate(statuses, start=1):
            history.append((status, D(2024, 2, day)))
            sync(ledger, case("C1", plans=[plan("adoption", plan_id="P1", statuses=history)]))
        recorded = [h.status for h in ledger.plan_history("C1")]
    changes = [s for i, s in enumerate(statuses) if i == 0 or s != statuses[i - 1]]
    assert recorded == changes
