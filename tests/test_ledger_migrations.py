"""Ledger schema: Alembic migrations match the tables the code uses, old state stores upgrade in place."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ledger_helpers import BACKENDS, database

from permanence_core.errors import ConfigError
from permanence_core.tracker import ledger as ledger_module
from permanence_core.tracker.ledger import Ledger, current_revision, downgrade, head_revision, upgrade, upgrade_sql
from permanence_core.tracker.panel.schedule import panels
from permanence_core.tracker.schema import ALL_METADATA
from permanence_core.writeback import Receipt
from permanence_core.writeback.state import ClaimOutcome, ClaimRequest, RaisedAlert, StateStore

T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def ledger_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


def tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def differences(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), list(ALL_METADATA))


def old_store_with_history(url):
    """A write-back state store as it was before the ledger: one delivered item and one raised alert."""
    store = StateStore(url)
    claim = store.claim([ClaimRequest(idempotency_key="k1", child_id="C1", item_type="CaseNote")], T0)["k1"]
    store.finish(claim, Receipt(idempotency_key="k1", status="delivered", external_id="N1"), T0)
    store.record_raised(
        [
            RaisedAlert(
                child_id="C1",
                rule="review.first",
                anchor_date=dt.date(2025, 1, 6),
                status="upcoming",
                due_date=dt.date(2025, 2, 3),
                fingerprint="f" * 32,
                generation=1,
                raised_at=T0,
            )
        ]
    )
    store.close()


def test_a_new_ledger_is_migrated_to_the_head_and_matches_the_code(ledger_url):
    with Ledger(ledger_url) as ledger:
        assert current_revision(ledger.engine) == head_revision() == "0005"
        assert differences(ledger.engine) == []
    assert {"writeback_deliveries", "writeback_raised_alerts", "tracker_syncs", "tracker_actions"} <= tables(ledger_url)


def test_an_old_state_store_upgrades_in_place_and_keeps_its_rows(ledger_url):
    old_store_with_history(ledger_url)
    assert "alembic_version" not in tables(ledger_url)
    with Ledger(ledger_url) as ledger:
        assert current_revision(ledger.engine) == "0005"
        assert differences(ledger.engine) == []
        store = ledger.state_store()
        assert store.delivery("k1").external_id == "N1"
        [alert] = store.raised_alerts().values()
        assert (alert.child_id, alert.status, alert.generation) == ("C1", "upcoming", 1)
        again = store.claim([ClaimRequest(idempotency_key="k1", child_id="C1", item_type="CaseNote")], T0)["k1"]
        assert again.outcome is ClaimOutcome.DONE


def test_the_state_store_works_on_a_migrated_ledger(ledger_url):
    upgrade(ledger_url)
    store = StateStore(ledger_url)
    try:
        claim = store.claim([ClaimRequest(idempotency_key="k9", child_id="C9", item_type="WorkTrayAlert")], T0)["k9"]
        assert claim.outcome is ClaimOutcome.CLAIMED
        assert store.finish(claim, Receipt(idempotency_key="k9", status="queued", location="/out/k9.json"), T0)
        assert store.delivery("k9").location == "/out/k9.json"
    finally:
        store.close()


def test_downgrade_to_the_state_store_and_back(ledger_url):
    old_store_with_history(ledger_url)
    upgrade(ledger_url)
    downgrade(ledger_url, "0001")
    left = tables(ledger_url)
    assert not any(name.startswith("tracker_") for name in left)
    assert {"writeback_deliveries", "writeback_raised_alerts"} <= left
    upgrade(ledger_url)
    with Ledger(ledger_url, migrate=False) as ledger:
        assert ledger.state_store().delivery("k1").status.value == "delivered"


def test_runs_that_upgrade_at_once_take_turns(ledger_url):
    barrier = threading.Barrier(3)
    errors = []

    def run():
        barrier.wait()
        try:
            upgrade(ledger_url)
        except Exception as exc:  # collected: a thread's exception would otherwise be lost
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = ledger_module.open_engine(ledger_url)
    try:
        assert current_revision(engine) == "0005"
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_a_ledger_opened_without_migrating_says_what_to_run(ledger_url):
    old_store_with_history(ledger_url)
    with pytest.raises(ConfigError, match=r"revision none, this version needs 0005: run `permanence ledger upgrade`"):
        Ledger(ledger_url, migrate=False)


def test_the_upgrade_as_sql_for_a_dba():
    script = upgrade_sql("postgresql+psycopg://permanence@db.example/permanence")
    assert "CREATE TABLE writeback_deliveries" in script
    assert "CREATE TABLE tracker_actions" in script
    assert "UPDATE alembic_version SET version_num='0005'" in script


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql+pymysql://u@db.example/x", "is not supported|cannot open"),
        ("not a url", "cannot open the ledger at 'not a url'"),
    ],
)
def test_a_database_the_ledger_cannot_use_is_a_config_error(url, message):
    with pytest.raises(ConfigError, match=message):
        Ledger(url)


def test_a_password_is_never_shown():
    assert (
        ledger_module.shown_url("postgresql+psycopg://u:s3cret@db.example/x")
        == "postgresql+psycopg://u:***@db.example/x"
    )


def _action(meeting, action, child, carried=None):
    at = dt.datetime(2025, 3, 3, 2, 0)
    return {
        "meeting_id": meeting,
        "action_id": action,
        "child_id": child,
        "position": 1,
        "description": "Book the assessment",
        "depends_on": "",
        "status": "open",
        "carried_from_meeting": carried[0] if carried else None,
        "carried_from_action": carried[1] if carried else None,
        "times_carried": 1 if carried else 0,
        "origin": "ledger" if carried else "case_system",
        "created_at": at,
        "updated_at": at,
    }


def test_a_carried_action_is_copied_once_per_child_before_and_after_0004(ledger_url):
    upgrade(ledger_url, "0003")
    engine = sa.create_engine(ledger_url)
    actions = sa.table("tracker_actions", *(sa.column(name) for name in _action("m", "a", "c")))
    meeting = {"kind": "ppm", "date": dt.date(2025, 3, 3), "status": "held", "origin": "ledger"}
    meeting |= {"created_at": dt.datetime(2025, 3, 3, 2, 0), "updated_at": dt.datetime(2025, 3, 3, 2, 0)}
    meetings = sa.table("tracker_meetings", *(sa.column(name) for name in ["meeting_id", *meeting]))
    try:
        with engine.begin() as conn:
            conn.execute(meetings.insert(), [{"meeting_id": "PPM-1", **meeting}, {"meeting_id": "P-2", **meeting}])
            carried = _action("P-2", "C1.1", "C1", ("PPM-1", "A1"))
            conn.execute(actions.insert(), [_action("PPM-1", "A1", "C1"), carried])
        upgrade(ledger_url)
        with engine.begin() as conn:
            assert current_revision(engine) == "0005" and differences(engine) == []
            assert len(conn.execute(sa.select(actions.c.action_id)).all()) == 2
            # Actions never carried never conflict; a second copy of a carried action for the same child does.
            conn.execute(actions.insert(), [_action("PPM-1", "A2", "C1"), _action("PPM-1", "A3", "C1")])
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(actions.insert(), _action("P-2", "C1.2", "C1", ("PPM-1", "A1")))
        downgrade(ledger_url, "0003")
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(actions.insert(), _action("P-2", "C1.2", "C1", ("PPM-1", "A1")))
        with engine.connect() as conn:
            assert len(conn.execute(sa.select(actions.c.action_id)).all()) == 4
    finally:
        engine.dispose()


def test_the_panels_of_a_ledger_at_0004_are_found_through_the_kind_and_origin_after_0005(ledger_url):
    upgrade(ledger_url, "0004")
    engine = sa.create_engine(ledger_url)
    columns = ["meeting_id", "kind", "date", "status", "origin", "created_at", "updated_at"]
    meetings = sa.table("tracker_meetings", *(sa.column(name) for name in columns))
    at = dt.datetime(2025, 3, 3, 2, 0)
    # The case system's tracking meetings (a national ledger has 600,000), and one panel the ledger holds.
    rows = [(f"TP-{n}", "tracking_panel", dt.date(2025, 3, 1 + n % 20), "held", "case_system") for n in range(50)]
    rows.append(("panel-2025-03-13", "tracking_panel", dt.date(2025, 3, 13), "scheduled", "ledger"))
    try:
        with engine.begin() as conn:
            conn.execute(meetings.insert(), [dict(zip(columns, (*row, at, at), strict=True)) for row in rows])
        upgrade(ledger_url)
        assert current_revision(engine) == "0005" and differences(engine) == []
        with Ledger(ledger_url) as ledger:
            assert [panel.panel_id for panel in panels(ledger)] == ["panel-2025-03-13"]
        if engine.dialect.name == "sqlite":
            # The query Ledger.meetings makes for panels: the panel found in the index, not among the table's rows.
            with engine.connect() as conn:
                plan = conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT * FROM tracker_meetings WHERE kind = ? AND origin = ? "
                    "ORDER BY date, meeting_id",
                    ("tracking_panel", "ledger"),
                ).all()
            assert "USING INDEX ix_tracker_meetings_kind_origin (kind=? AND origin=?)" in plan[0][-1]
        downgrade(ledger_url, "0004")
        assert "ix_tracker_meetings_kind_date" in {
            index["name"] for index in sa.inspect(engine).get_indexes("tracker_meetings")
        }
    finally:
        engine.dispose()
