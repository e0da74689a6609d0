"""Ledger test support: a fresh database per test (SQLite always, PostgreSQL when configured) and synthetic cases.

PostgreSQL runs when PERMANENCE_TEST_POSTGRES_URL names a server (``.ci/run`` starts one); each test gets its
own schema there, dropped afterwards, so tests never see each other's rows.
"""

import contextlib
import datetime as dt
import os
import uuid
from urllib.parse import quote

import sqlalchemy as sa

from permanence_core.adapters import Adapter, LoadResult
from permanence_core.model import (
    Action,
    CaseRecord,
    Child,
    Identifiers,
    Meeting,
    PeriodOfCare,
    PermanencePlan,
    Review,
    Sibling,
    StatusChange,
)
from permanence_core.plugins import hookimpl

D = dt.date
POSTGRES_URL = os.environ.get("PERMANENCE_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
FACETS = ["care", "reviews", "plans", "meetings", "siblings"]
DECIDED = D(2024, 2, 1)
CARE_START = D(2024, 1, 8)


@contextlib.contextmanager
def database(backend, tmp_path):
    """The URL of an empty database for one test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def plan(primary="adoption", *, decided=DECIDED, statuses=(("proposed", DECIDED),), **fields):
    """A plan with a status history given as (status, date) pairs."""
    history = [StatusChange(status=s, date=d) for s, d in statuses]
    return PermanencePlan(primary=primary, decided_on=decided, history=history, **fields)


def meeting(meeting_id, day, children, *actions, kind="tracking_panel"):
    """A held meeting with its actions."""
    return Meeting(meeting_id=meeting_id, kind=kind, date=day, children=children, actions=actions)


def action(action_id, description="Synthetic task", *, due=None, done=None, owner="Sam Worker", depends=()):
    """An action with a synthetic description."""
    return Action(
        action_id=action_id,
        description=description,
        owner=owner,
        due_date=due,
        completed_on=done,
        depends_on=depends,
    )


def case(child_id, *, start=CARE_START, end=None, plans=(), meetings=(), siblings=(), reviews=(), **fields):
    """A looked-after child with the facets the ledger reads; names are made up."""
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id=child_id), first_name="Test", surname=f"Child {child_id}"),
        coverage=FACETS,
        periods_of_care=[PeriodOfCare(start=start, end=end, reason_ceased="E13" if end else None)],
        plans=plans,
        meetings=meetings,
        siblings=[Sibling(child_id=s, in_concurrent_planning=True, plan="together") for s in siblings],
        reviews=[Review(date=d) for d in reviews],
        **fields,
    )


def loaded(*records, rejected=()):
    """A load result as an adapter returns it."""
    return LoadResult(records=records, rejected=rejected, read=len(records) + len(rejected))


class InMemoryAdapter(Adapter):
    """An adapter named ``memory`` that loads whatever ``records`` holds and writes back as the SSDA903 one does
    (to the gateway or outbox its options name), standing in for a case system; it is its own plugin."""

    name = "memory"
    description = "records held in memory"
    source_help = "any text"

    def __init__(self, records=(), rejected=()):
        self.records = list(records)
        self.rejected = list(rejected)

    @hookimpl
    def permanence_register_adapters(self, register):
        register(self)

    def load(self, source, options):
        return LoadResult(records=self.records, rejected=self.rejected, read=len(self.records) + len(self.rejected))

    def write_back(self, item, options):
        from permanence_core.writeback.transports import transport_for

        return transport_for(options).deliver(item)


def use_adapter(monkeypatch, adapter):
    """Make every plugin manager the CLI builds hold ``adapter`` (and the built-ins), not installed plugins."""
    from permanence_core.plugins import manager

    real = manager.get_plugin_manager

    def with_adapter(**_kwargs):
        pm = real(load_entry_points=False)
        pm.register(adapter, name="memory")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_adapter)
