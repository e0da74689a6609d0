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
from permanence_core.cohort import SCHEMAS, cohort_from_records
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


def test_the_job_loads_every_fact_but_the_documents_ones(loaded):
    everything = api.load("ssda903", DEMO)
    assert any(record.narrative or record.family for record in everything.records)
    without_documents = [
        attrs.evolve(record, family=(), views=None, narrative=None, signoffs=()) for record in everything.records
    ]
    assert list(loaded.records) == without_documents
    assert not any(record.narrative or record.family or record.views for record in loaded.records)


def test_the_job_evaluates_on_tables_as_the_object_engine_does(loaded, tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        nightly.sync(ledger, loaded, adapter="ssda903", source=DEMO)
        on_tables = nightly.evaluate(ledger, loaded, "panel-tor", AS_OF)
        on_objects = api.evaluate(with_panels(ledger, loaded.records), "panel-tor", AS_OF)
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


def test_the_job_reads_no_record_unless_a_step_asks(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        run = nightly.run(
            ledger, "ssda903", DEMO, profile="panel-tor", as_of=AS_OF, options={"outbox": str(tmp_path / "out")}
        )
    assert run.sync.children == len(run.loaded.child_ids) > 0 and run.alerts.summary()["sent"] > 0
    # The SSDA903 adapter raises a work-tray alert for the team manager: it never looks at the records.
    assert not run.loaded.records.read_yet
    assert run.loaded.tables.detail is not None


def test_panels_held_in_the_ledger_are_tracking_meetings_of_the_tables_as_of_the_records(loaded, tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}") as ledger:
        nightly.sync(ledger, loaded, adapter="ssda903", source=DEMO)
        # Two panels, one recorded for two children, the other for one of them, the latest on a meeting's date.
        children = loaded.child_ids[:2]
        day = max(loaded.tables.cohort.meetings.filter(pl.col("child_id") == children[0])["date"].to_list())
        for when, discussed in ((AS_OF - dt.timedelta(days=40), children), (day, children[:1])):
            panel = panels.schedule(ledger, when)
            for child in discussed:
                panels.record_outcome(ledger, panel, Outcome(child_id=child, decision="progressing"))
        seen = with_panels(ledger, loaded.records)
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
    assert run.loaded.records.read_yet and list(run.loaded.records) == records
    assert run.sync.children == 12 and run.loaded.tables.detail is not None
