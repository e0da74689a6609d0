"""Alerts are raised once, raised again only when their status or due date changes, and once when resolved."""

import datetime as dt
from collections import Counter

import attrs
import pytest

from permanence_core.rules.obligations import Alert, AlertStatus
from permanence_core.writeback import ChangeKind, Outbox, Receipt, ReceiptStatus, StateStore, WorkTrayAlert, WriteBack
from permanence_core.writeback.alert_items import team_manager_work_tray

ANCHOR = dt.date(2025, 2, 3)
DUE = dt.date(2025, 3, 3)
SOURCE = "Care Planning Regulations 2010, reg 33"


def alert(child="C001", rule="review.first", status=AlertStatus.UPCOMING, due=DUE, anchor=ANCHOR):
    return Alert(
        child_id=child,
        rule=rule,
        status=status,
        due_date=due,
        anchor_event="became looked after",
        anchor_date=anchor,
        message=f"{rule} due {due.isoformat()}",
        source=SOURCE,
    )


def to_task(change):
    return WorkTrayAlert(
        child_id=change.child_id,
        recipient_role="team_manager",
        title=f"{change.rule}: {change.status}",
        body=change.alert.message if change.alert else f"{change.rule} no longer open",
        due_date=change.due_date,
    )


class Tray:
    """A work tray that records each task it receives and can be told to be unavailable."""

    def __init__(self):
        self.tasks = []
        self.down = False

    def deliver(self, item):
        if self.down:
            return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.FAILED, detail="HTTP 503")
        self.tasks.append(item)
        return Receipt(idempotency_key=item.idempotency_key, status=ReceiptStatus.DELIVERED)


@pytest.fixture
def tray():
    return Tray()


@pytest.fixture
def wb(tray, tmp_path):
    service = WriteBack(tray, StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"))
    yield service
    service.close()


def test_an_alert_is_raised_once_not_every_night(wb, tray):
    first = wb.raise_alerts([alert()], to_task)
    assert [c.kind for c in first.changes] == [ChangeKind.NEW]
    assert [r.status for r in first.receipts] == [ReceiptStatus.DELIVERED]
    for _night in range(3):
        again = wb.raise_alerts([alert()], to_task)
        assert again.changes == ()
        assert again.unchanged == 1
    assert len(tray.tasks) == 1


def test_an_alert_is_raised_again_when_it_becomes_overdue(wb, tray):
    wb.raise_alerts([alert()], to_task)
    run = wb.raise_alerts([alert(status=AlertStatus.OVERDUE)], to_task)
    [change] = run.changes
    assert change.kind is ChangeKind.CHANGED
    assert change.previous.status == "upcoming"
    assert [t.title for t in tray.tasks] == ["review.first: upcoming", "review.first: overdue"]
    assert run.summary() == {
        "new": 0,
        "changed": 1,
        "resolved": 0,
        "unchanged": 0,
        "sent": 1,
        "duplicate": 0,
        "held": 0,
        "failed": 0,
        "recorded": 0,
    }


def test_a_moved_due_date_is_a_change(wb, tray):
    wb.raise_alerts([alert()], to_task)
    wb.raise_alerts([alert(due=DUE + dt.timedelta(days=56))], to_task)
    assert [t.due_date for t in tray.tasks] == [DUE, DUE + dt.timedelta(days=56)]


def test_a_change_the_adapter_item_does_not_show_still_gets_its_own_key(wb, tray):
    def same_task_every_time(change):
        return WorkTrayAlert(child_id=change.child_id, recipient_role="team_manager", title="Review", body="b")

    wb.raise_alerts([alert()], same_task_every_time)
    wb.raise_alerts([alert(status=AlertStatus.OVERDUE)], same_task_every_time)
    assert len(tray.tasks) == 2
    assert tray.tasks[0].idempotency_key != tray.tasks[1].idempotency_key


def test_a_resolved_alert_is_raised_once_for_children_in_scope_only(wb, tray):
    wb.raise_alerts([alert(child="C001"), alert(child="C002")], to_task)
    partial = wb.raise_alerts([], to_task, resolved_in=["C001"])
    assert [(c.kind, c.child_id) for c in partial.changes] == [(ChangeKind.RESOLVED, "C001")]
    assert partial.changes[0].alert is None
    assert tray.tasks[-1].title == "review.first: resolved"
    assert wb.raise_alerts([], to_task, resolved_in=["C001"]).changes == ()
    assert wb.raise_alerts([alert(child="C002")], to_task, resolved_in=["C002"]).unchanged == 1
    assert len(tray.tasks) == 3


def test_a_resolved_obligation_that_opens_again_is_raised_again(wb, tray):
    wb.raise_alerts([alert()], to_task)
    wb.raise_alerts([], to_task, resolved_in=["C001"])
    run = wb.raise_alerts([alert()], to_task, resolved_in=["C001"])
    [change] = run.changes
    assert (change.kind, change.previous.status) == (ChangeKind.CHANGED, "resolved")
    assert len({t.idempotency_key for t in tray.tasks}) == 3


def test_a_failed_raise_is_not_remembered_so_the_next_run_raises_it(wb, tray):
    tray.down = True
    failed = wb.raise_alerts([alert()], to_task)
    assert [r.status for r in failed.receipts] == [ReceiptStatus.FAILED]
    assert failed.summary()["failed"] == 1
    tray.down = False
    retried = wb.raise_alerts([alert()], to_task)
    assert [c.kind for c in retried.changes] == [ChangeKind.NEW]
    assert len(tray.tasks) == 1
    assert wb.raise_alerts([alert()], to_task).changes == ()


def test_a_run_that_died_after_sending_does_not_send_the_alert_twice(wb, tray, monkeypatch):
    monkeypatch.setattr(wb.store, "record_raised", lambda states: 0)
    wb.raise_alerts([alert()], to_task)
    monkeypatch.undo()
    rerun = wb.raise_alerts([alert()], to_task)
    assert [r.status for r in rerun.receipts] == [ReceiptStatus.DUPLICATE]
    assert rerun.summary()["duplicate"] == 1
    assert len(tray.tasks) == 1
    assert wb.raise_alerts([alert()], to_task).changes == ()


def test_a_change_the_adapter_does_not_send_is_still_remembered(wb, tray):
    def only_overdue(change):
        return to_task(change) if change.status == "overdue" else None

    assert wb.raise_alerts([alert()], only_overdue).receipts == ()
    assert wb.raise_alerts([alert()], only_overdue).unchanged == 1
    wb.raise_alerts([alert(status=AlertStatus.OVERDUE)], only_overdue)
    assert [t.title for t in tray.tasks] == ["review.first: overdue"]


def test_each_obligation_is_tracked_separately(wb, tray):
    alerts = [
        alert(rule="review.first"),
        alert(rule="review.second"),
        alert(anchor=ANCHOR + dt.timedelta(days=400)),
        alert(child="C002"),
    ]
    assert [c.kind for c in wb.raise_alerts(alerts, to_task).changes] == [ChangeKind.NEW] * 4
    assert wb.raise_alerts(alerts, to_task).unchanged == 4
    assert Counter(t.child_id for t in tray.tasks) == Counter({"C001": 3, "C002": 1})


def test_the_same_obligation_twice_in_one_run_is_raised_once(wb, tray):
    run = wb.raise_alerts([alert(), alert(status=AlertStatus.OVERDUE)], to_task)
    assert len(run.changes) == 1
    assert len(tray.tasks) == 1


def test_two_services_that_both_see_an_alert_as_new_raise_it_once(tray, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    with WriteBack(tray, StateStore(url)) as first, WriteBack(tray, StateStore(url)) as second:
        # The second read the raised alerts before the first recorded its raise: both decide "new".
        monkeypatch.setattr(second.store, "raised_alerts", lambda: {})
        first.raise_alerts([alert()], to_task)
        run = second.raise_alerts([alert()], to_task)
        assert [c.kind for c in run.changes] == [ChangeKind.NEW]
        assert [r.status for r in run.receipts] == [ReceiptStatus.DUPLICATE]
        monkeypatch.undo()
        assert second.raise_alerts([alert()], to_task).unchanged == 1
    assert len(tray.tasks) == 1


def test_every_change_ends_in_exactly_one_count(wb, tray):
    """sent + duplicate + failed + recorded accounts for every new, changed and resolved alert."""
    wb.raise_alerts([alert(), alert(child="C2")], to_task)

    # C2's alert is resolved (gone); nothing is sent for a resolution here, so it is only recorded.
    def open_only(change):
        return to_task(change) if change.alert else None

    run = wb.raise_alerts([alert(status=AlertStatus.OVERDUE)], open_only, resolved_in=["C001", "C2"])
    counts = run.summary()
    assert (counts["changed"], counts["resolved"], counts["recorded"]) == (1, 1, 1)
    raised = counts["new"] + counts["changed"] + counts["resolved"]
    assert raised == counts["sent"] + counts["duplicate"] + counts["failed"] + counts["recorded"]


def test_the_default_item_is_a_work_tray_alert_for_the_team_manager_and_progress_is_reported(wb, tray):
    seen = []
    titled = Alert(**{**attrs.asdict(alert(child="C002"), recurse=False), "title": "First review"})
    wb.raise_alerts([alert(), titled], team_manager_work_tray, progress=lambda done, total: seen.append((done, total)))
    assert [(t.child_id, t.recipient_role, t.title, t.body, t.due_date) for t in tray.tasks] == [
        ("C001", "team_manager", "review.first (upcoming)", f"review.first due {DUE}\nSource: {SOURCE}", DUE),
        ("C002", "team_manager", "First review (upcoming)", f"review.first due {DUE}\nSource: {SOURCE}", DUE),
    ]
    assert seen[-1] == (2, 2)


def test_an_obligation_given_twice_does_not_stop_the_alerts_after_it_and_queued_alerts_count_as_sent(tmp_path):
    outbox = Outbox(tmp_path / "out")
    with WriteBack(outbox, StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}")) as wb:
        run = wb.raise_alerts([alert(), alert(), alert(child="C002"), alert(child="C003")], to_task)
        assert [change.child_id for change in run.changes] == ["C001", "C002", "C003"]
        assert run.summary() == {
            "new": 3,
            "changed": 0,
            "resolved": 0,
            "unchanged": 0,
            "sent": 3,
            "duplicate": 0,
            "held": 0,
            "failed": 0,
            "recorded": 0,
        }


def test_a_rerun_names_when_and_how_an_item_was_sent_and_closing_the_service_closes_its_transport(tmp_path):
    class Closing(Tray):
        closed = False

        def close(self):
            self.closed = True

    transport = Closing()
    at = dt.datetime(2025, 3, 4, 23, 30, tzinfo=dt.UTC)
    with WriteBack(transport, StateStore(f"sqlite:///{tmp_path / 'state.sqlite'}"), now=lambda: at) as wb:
        run = wb.raise_alerts([alert()], to_task)
        [first] = run.receipts
        [again] = wb.deliver([transport.tasks[0]])
    assert (again.idempotency_key, again.status, again.detail) == (
        first.idempotency_key,
        ReceiptStatus.DUPLICATE,
        "sent before: delivered on 2025-03-04",
    )
    assert transport.closed


def test_the_store_remembers_the_key_each_raise_was_sent_under_and_none_for_a_change_not_sent(wb, tray):
    def open_only(change):
        return to_task(change) if change.status == "upcoming" else None

    wb.raise_alerts([alert(), alert(child="C002", status=AlertStatus.OVERDUE)], open_only)
    raised = {key[0]: state.idempotency_key for key, state in wb.store.raised_alerts().items()}
    assert raised == {"C001": tray.tasks[0].idempotency_key, "C002": None}


def test_an_alert_that_changed_while_its_raise_was_failing_goes_out_under_a_new_key(wb, tray):
    # The failed attempt may have reached the gateway: reusing its key would let the gateway drop the new content.
    tray.down = True
    wb.raise_alerts([alert()], to_task)
    tray.down = False
    wb.raise_alerts([alert(status=AlertStatus.OVERDUE)], to_task)
    [failed] = wb.store.failed()
    [sent] = tray.tasks
    assert sent.title == "review.first: overdue"
    assert failed.idempotency_key != sent.idempotency_key
