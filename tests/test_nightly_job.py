"""The nightly job's steps (permanence_core.tracker.nightly): what they read, and that they agree with the
object reader and the object engine they stand in for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

from permanence_core import api
from permanence_core.errors import InputError
from permanence_core.tracker import nightly
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel.outcomes import with_panels

DEMO = str(Path(__file__).resolve().parents[1] / "src" / "permanence_core" / "demo_data")
AS_OF = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
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
