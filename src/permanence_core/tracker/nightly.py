"""The nightly job, one sequence whoever runs it: ``permanence ledger sync --raise-alerts``, examples/nightly.py
and benchmarks/nightly_scale.py call these steps in this order.

1. :func:`load` what the job reads, as the cohort's tables and their detail tables (``load_cohort``);
2. :func:`sync` the load into the ledger (``sync_tables``: plans, meetings and actions as history);
3. :func:`evaluate` the profile on the same tables, with the panels the ledger holds as tracking meetings;
4. :func:`raise_alerts`: each new or changed alert once, as the adapter's system takes it.

Each step is its own function so that a caller can time it or report between steps; :func:`run` does them all.
No step builds a record per child: the write-back routes alerts through ``routing_records`` (each child's id and
allocated workers, from the detail tables) and the tracker's rows read the same tables (``report_from_cohort``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from permanence_core import api
from permanence_core.adapters import CohortLoad, Rejection
from permanence_core.cohort import Cohort, CohortDetail
from permanence_core.cohort.detail import routing_records
from permanence_core.errors import InputError
from permanence_core.freed_memory import give_back
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Profile, load_profile
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.tracker.entries import SyncEntry
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel.outcomes import cohort_with_panels
from permanence_core.tracker.sync import sync_tables
from permanence_core.writeback.service import AlertRun

#: What the job reads, as tables. An adapter may route an alert to the child's allocated workers: every facet.
#: The documents' facts (family, views, narrative, sign-offs) no step reads, so a pack's documents.json is left unread.
JOB_FACETS = frozenset(Facet)


class RoutingRecords(Sequence[CaseRecord]):
    """Each child's id and allocated workers (``routing_records``), built the first time the adapter looks: the
    core's own alert items (SSDA903's) never do, and 85,000 of them cost seconds a night for nothing."""

    def __init__(self, cohort: Cohort, detail: CohortDetail) -> None:
        self._tables = (cohort, detail)
        self._records: list[CaseRecord] | None = None

    @property
    def built(self) -> bool:
        """True once the adapter has looked at them."""
        return self._records is not None

    def _all(self) -> list[CaseRecord]:
        if self._records is None:
            self._records = routing_records(*self._tables)
        return self._records

    @overload
    def __getitem__(self, index: int) -> CaseRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CaseRecord]: ...

    def __getitem__(self, index: int | slice) -> CaseRecord | Sequence[CaseRecord]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[CaseRecord]:
        return iter(self._all())


@attrs.frozen(kw_only=True)
class NightlyLoad:
    """What the job read: the cohort and its detail tables, with the load's counts and rejections."""

    tables: CohortLoad = attrs.field()

    @tables.validator
    def _has_detail(self, _attribute: attrs.Attribute[Any], value: CohortLoad) -> None:
        if value.detail is None:
            raise ValueError("the nightly job's load must hold the detail tables (load_cohort's option detail)")

    @property
    def detail(self) -> CohortDetail:
        """The detail tables (names, meetings' chairs and children, actions, plan ids, workers)."""
        assert self.tables.detail is not None  # checked when the load was made
        return self.tables.detail

    @property
    def rejected(self) -> tuple[Rejection, ...]:
        """The load's rejected records."""
        return self.tables.rejected

    @property
    def notices(self) -> tuple[str, ...]:
        """The load's notices."""
        return self.tables.notices

    @property
    def nothing_loaded(self) -> bool:
        """True when the source held records yet no child loaded."""
        return self.tables.nothing_loaded

    @property
    def child_ids(self) -> list[str]:
        """Every child loaded, in the source's order."""
        ids: list[str] = self.tables.cohort.children.get_column("child_id").to_list()
        return ids

    def summary(self) -> dict[str, int]:
        """Counts for reports and logs (ids only)."""
        return self.tables.summary()


@attrs.frozen(kw_only=True)
class NightlyRun:
    """What one run did: the load, the ledger's sync entry, the evaluation and the write-back."""

    loaded: NightlyLoad
    sync: SyncEntry
    evaluation: CohortEvaluation
    alerts: AlertRun


def load(
    adapter: str, source: str, options: Mapping[str, Any] | None = None, plugins: Plugins | None = None
) -> NightlyLoad:
    """Every child through ``adapter`` (``options``: the adapter's, e.g. ``config``) as the cohort's tables and
    their detail tables (``JOB_FACETS``). An adapter that cannot read the detail tables straight from its source
    (``Adapter.detail_tables`` false) is read as records once, the tables made from them and the records let go."""
    # A process that runs the job night after night first hands back what its last run left in the C heap (a
    # national run's tracker leaves ~70 MB, measured): the load and the sync after it are the job's largest moments.
    give_back()
    return NightlyLoad(
        tables=api.load_cohort(adapter, source, {**(options or {}), "detail": True}, JOB_FACETS, plugins)
    )


def sync(
    ledger: Ledger,
    loaded: NightlyLoad,
    *,
    adapter: str,
    source: str,
    started_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncEntry:
    """Record the load in the ledger (see ``sync_tables``), then give the memory its rows took back to the system."""
    entry = sync_tables(ledger, loaded.tables, adapter=adapter, source=source, started_at=started_at, progress=progress)
    give_back()
    return entry


def evaluate(
    ledger: Ledger,
    loaded: NightlyLoad,
    profile: str | Profile,
    as_of: dt.date | None = None,
    plugins: Plugins | None = None,
) -> CohortEvaluation:
    """The profile on the whole cohort's tables at once. A panel held in the ledger is tracking the rules count,
    as a case-system meeting is. ``.evaluation()`` gives every obligation as an object (the tracker's rows)."""
    if isinstance(profile, str):
        profile = load_profile(profile, plugins)
    cohort = cohort_with_panels(ledger, loaded.tables.cohort)
    return api.evaluate_cohort(cohort, profile, as_of, plugins=plugins)


def raise_alerts(
    ledger: Ledger,
    loaded: NightlyLoad,
    evaluation: CohortEvaluation,
    *,
    adapter: str,
    options: Mapping[str, Any],
    plugins: Plugins | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AlertRun:
    """Raise each alert that is new or changed since the last run once, through the adapter (``options``: its
    write-back settings, ``outbox`` or ``config``); an alert of a loaded child no longer raised is resolved."""
    transport = api.AdapterTransport(adapter, options, plugins)
    # The adapter says how its system takes an alert (a Mosaic case note, a Liquidlogic work-tray task...), from
    # each child's id and allocated workers.
    children = RoutingRecords(loaded.tables.cohort, loaded.detail)
    to_item = api.alert_items(adapter, children, evaluation.as_of, options, plugins)
    return ledger.raise_alerts(evaluation.alerts, to_item, transport, resolved_in=loaded.child_ids, progress=progress)


def run(
    ledger: Ledger,
    adapter: str,
    source: str,
    *,
    profile: str | Profile,
    as_of: dt.date | None = None,
    options: Mapping[str, Any],
    plugins: Plugins | None = None,
) -> NightlyRun:
    """The whole job once: load, sync, evaluate, raise. ``options``: the adapter's (``config``) and the
    write-back settings (``outbox`` or ``config``)."""
    started = dt.datetime.now(dt.UTC)
    loaded = load(adapter, source, {"config": options["config"]} if options.get("config") else {}, plugins)
    if loaded.nothing_loaded:
        # Every record was rejected or unreadable: going on would resolve every alert of a caseload.
        raise InputError(source, f"no child could be loaded: {len(loaded.rejected)} records rejected")
    entry = sync(ledger, loaded, adapter=adapter, source=source, started_at=started)
    evaluation = evaluate(ledger, loaded, profile, as_of, plugins)
    raised = raise_alerts(ledger, loaded, evaluation, adapter=adapter, options=options, plugins=plugins)
    return NightlyRun(loaded=loaded, sync=entry, evaluation=evaluation, alerts=raised)
