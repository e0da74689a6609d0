"""The nightly job's steps (permanence_core.tracker.nightly): what they read, and that they agree with the
object reader and the object engine they stand in for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import polars as pl
import pytest
from ledger_helpers import InMemoryAdapter, use_adapter

from permanence_core import api
from permanence_core.cohort import DETAIL_SCHEMAS, SCHEMAS, cohort_from_records, detail_from_records
from permanence_core.errors import InputError
from permanence_core.synth import CohortGenerator, CohortSpec
from permanence_core.tracker import nightly
from permanence_core.tracker import panel as panels
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import Outcome
from permanence_core.tracker.panel.outcomes import cohort_with_panels, with_panels

DEMO = str(Path(__file__).resolve().parents[1] / "src" / "permanence_core" / "demo_data")
AS_OF = dt.date(2026, 11, 2)


@pytest.fixture
def loaded():
    return nightly.load("ssda903", DEMO)


@pytest.fixture
def records():
    """The demo's records without the documents' facts: what the job's tables stand for."""
    everything = api.load("ssda903", DEMO)
    assert any(record.narrative or record.family for record in everything.records)
    return [attrs.evolve(record, family=(), views=None, narrative=None, signoffs=()) for record in everything.records]


def test_the_job_loads_every_fact_as_tables(loaded, records):
    expected, detail = cohort_from_records(records), detail_from_records(records)
    for name in SCHEMAS:
        assert getattr(loaded.tables.cohort, name).equals(getattr(expected, name)), name
    for name in DETAIL_SCHEMAS:
        assert getattr(loaded.detail, name).equals(getattr(detail, name)), name
    assert loaded.detail.actions.height > 0 and loaded.detail.workers.height > 0


def test_the_job_evaluates_on_tables_as_the_object_engine_does(loaded, records, tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        nightly.sync(ledger, loaded, adapter="ssda903", source=DEMO)
        on_tables = nightly.evaluate(ledger, loaded, "panel-tor", AS_OF)
        on_objects = api.evaluate(with_panels(ledger, records), "panel-tor", AS_OF)
    assert on_tables.alerts and sorted(map(repr, on_tables.alerts)) == sorted(map(repr, on_objects.alerts))
    assert sorted(map(repr, on_tables.evaluation().obligations)) == sorted(map(repr, on_objects.obligations))


def test_a_run_with_nothing_loaded_stops_before_the_ledger_records_it(tmp_path):
    source = tmp_path / "notes.csv"
    source.write_text("TEAM,NOTE\nNorth,synthetic\n")  # read, and not a child in it
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        with pytest.raises(InputError, match="no child could be loaded"):
            nightly.run(
                ledger, "ssda903", str(source), profile="england", as_of=AS_OF, options={"outbox": str(tmp_path)}
            )
        assert ledger.syncs(5) == []


def test_the_job_reads_the_source_as_tables_and_never_as_records(monkeypatch, tmp_path):
    def no_records(*_args, **_kwargs):
        raise AssertionError("the nightly job read the source as records")

    monkeypatch.setattr(api, "load", no_records)
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        run = nightly.run(
            ledger, "ssda903", DEMO, profile="panel-tor", as_of=AS_OF, options={"outbox": str(tmp_path / "out")}
        )
    assert run.sync.children == len(run.loaded.child_ids) > 0 and run.alerts.summary()["sent"] > 0


def test_the_routing_records_are_built_only_when_the_adapter_looks(loaded, records):
    routing = nightly.RoutingRecords(loaded.tables.cohort, loaded.detail)
    # SSDA903's alert items (the core's team-manager work tray) never look at them.
    api.alert_items("ssda903", routing, AS_OF, {})
    assert not routing.built
    # Liquidlogic's look for each child's team manager: each child's id and workers, as the records have them.
    api.alert_items("liquidlogic", routing, AS_OF, {})
    assert routing.built and [(r.child_id, r.workers) for r in routing] == [(r.child_id, r.workers) for r in records]


def test_panels_held_in_the_ledger_are_tracking_meetings_of_the_tables_as_of_the_records(loaded, records, tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        nightly.sync(ledger, loaded, adapter="ssda903", source=DEMO)
        # Two panels, one recorded for two children, the other for one of them, the latest on a meeting's date.
        children = loaded.child_ids[:2]
        day = max(loaded.tables.cohort.meetings.filter(pl.col("child_id") == children[0])["date"].to_list())
        for when, discussed in ((AS_OF - dt.timedelta(days=40), children), (day, children[:1])):
            panel = panels.schedule(ledger, when)
            for child in discussed:
                panels.record_outcome(ledger, panel, Outcome(child_id=child, decision="progressing"))
        seen = with_panels(ledger, records)
        expected = cohort_from_records(seen)
        tables = cohort_with_panels(ledger, loaded.tables.cohort)
        on_tables = nightly.evaluate(ledger, loaded, "panel-tor", AS_OF)
        on_objects = api.evaluate(seen, "panel-tor", AS_OF)
    assert tables.meetings.height == loaded.tables.cohort.meetings.height + 3
    for name in SCHEMAS:
        mine, theirs = getattr(tables, name), getattr(expected, name)
        assert mine.sort(mine.columns[:3]).equals(theirs.sort(theirs.columns[:3])), name
    assert sorted(map(repr, on_tables.evaluation().obligations)) == sorted(map(repr, on_objects.obligations))


class _Counted(InMemoryAdapter):
    """The in-memory adapter (no detail tables of its own), counting its loads."""

    loads = 0

    def load(self, source, options):
        self.loads += 1
        return super().load(source, options)


def test_an_adapter_without_detail_tables_is_read_once_as_records(monkeypatch, tmp_path):
    records = [child.record for child in CohortGenerator(CohortSpec(children=12, seed=4, as_of=AS_OF))]
    adapter = _Counted(records)
    use_adapter(monkeypatch, adapter)
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        run = nightly.run(
            ledger, "memory", "synthetic", profile="panel-tor", as_of=AS_OF, options={"outbox": str(tmp_path / "out")}
        )
    assert adapter.loads == 1
    assert run.loaded.detail.actions.equals(detail_from_records(records).actions)
    assert run.sync.children == 12
