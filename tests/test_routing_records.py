"""The write-back's routing records, built from the cohort's tables, route every alert as the full records do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.cohort import cohort_from_records, detail_from_records
from permanence_core.cohort.detail import routing_records
from permanence_core.synth import CohortSpec, generate
from permanence_core.writeback.service import AlertChange, ChangeKind

AS_OF = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> LoadResult:
    folder: Path = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec(children=100, seed=31, as_of=AS_OF), folder)
    return api.load("ssda903", str(folder))


def _changes(loaded: LoadResult) -> list[AlertChange]:
    evaluation = api.evaluate(loaded.records, "panel-tor", AS_OF)
    assert len(evaluation.alerts) > 20  # enough alerts to route
    return [
        AlertChange(
            kind=ChangeKind.NEW,
            child_id=a.child_id,
            rule=a.rule,
            anchor_date=a.due_date,
            status=a.status.value,
            due_date=a.due_date,
            alert=a,
        )
        for a in evaluation.alerts
    ]


def test_routing_records_keep_each_childs_id_coverage_and_workers(loaded: LoadResult) -> None:
    slim = routing_records(cohort_from_records(loaded.records), detail_from_records(loaded.records))
    assert [(r.child_id, r.workers) for r in slim] == [(r.child_id, r.workers) for r in loaded.records]
    assert sum(len(r.workers) for r in slim) > len(slim)  # the synthetic children have workers to route to
    assert all(
        ("workers" in r.coverage) == ("workers" in full.coverage) for r, full in zip(slim, loaded.records, strict=True)
    )
    assert all(not r.meetings and not r.plans for r in slim)


@pytest.mark.parametrize("adapter", ["ssda903", "mosaic", "liquidlogic"])
def test_every_alert_is_routed_as_the_full_records_route_it(loaded: LoadResult, adapter: str) -> None:
    slim = routing_records(cohort_from_records(loaded.records), detail_from_records(loaded.records))
    full_items = api.alert_items(adapter, loaded.records, AS_OF, {})
    slim_items = api.alert_items(adapter, slim, AS_OF, {})
    changes = _changes(loaded)
    assert [slim_items(c) for c in changes] == [full_items(c) for c in changes]
    # Not vacuous: Mosaic and Liquidlogic name a recipient for some of them.
    if adapter != "ssda903":
        assert any(
            getattr(full_items(c), "recipient_id", None) or getattr(full_items(c), "recipients", None) for c in changes
        )
