"""The nightly job, one sequence whoever runs it: ``permanence ledger sync --raise-alerts``, examples/nightly.py
and benchmarks/nightly_scale.py call these steps in this order.

1. :func:`load` what the job reads, as the cohort's tables and their detail tables (``load_cohort``);
2. :func:`sync` the load into the ledger (``sync_tables``: plans, meetings and actions as history);
3. :func:`evaluate` the profile on the same tables, with the panels the ledger holds as tracking meetings;
4. :func:`raise_alerts`: each new or changed alert once, as the adapter's system takes it.

Each step is its own function so that a caller can time it or report between steps; :func:`run` does them all.
No step builds a record per child; the records (``NightlyLoad.records``) are read from the source only when a step
asks for them: an adapter's ``alert_items`` that reads them (a Mosaic case note goes to the child's allocated
workers), and the tracker's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from permanence_core import api
from permanence_core.adapters import CohortLoad, LoadResult, Rejection
from permanence_core.errors import InputError
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Profile, load_profile
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.tracker.entries import SyncEntry
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel.outcomes import cohort_with_panels
from permanence_core.tracker.sync import sync_tables
from permanence_core.writeback.service import AlertRun

#: What the job reads, as tables and as records when a step asks for them. An adapter may route an alert to the
#: child's allocated workers: every facet. The documents' facts (family, views, narrative, sign-offs) no step
#: reads, so a pack's documents.json is left unread.
JOB_FACETS = frozenset(Facet)


class LazyRecords(Sequence[CaseRecord]):
    """The job's records, read from the source the first time anything looks at them (or already read)."""

    def __init__(self, read: Callable[[], LoadResult], result: LoadResult | None = None) -> None:
        self._read = read
        self._result = result

    @property
    def result(self) -> LoadResult:
        """The load, read once."""
        if self._result is None:
            self._result = self._read()
        return self._result

    @property
    def read_yet(self) -> bool:
        """True once a step has asked for the records."""
        return self._result is not None

    @overload
    def __getitem__(self, index: int) -> CaseRecord: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CaseRecord]: ...

    def __getitem__(self, index: int | slice) -> CaseRecord | Sequence[CaseRecord]:
        return self.result.records[index]

    def __len__(self) -> int:
        return len(self.result.records)

    def __iter__(self) -> Iterator[CaseRecord]:
        return iter(self.result.records)


@attrs.frozen(kw_only=True)
class NightlyLoad:
    """What the job read: the cohort and its detail tables with the load's counts and rejections (``tables``), and
    the records, read from the source only when a step asks for them (``records``)."""

    tables: CohortLoad
    records: LazyRecords

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
    their detail tables (``JOB_FACETS``); the records are read when a step asks for them. An adapter that cannot
    read the detail tables straight from its source (``Adapter.detail_tables`` false) is read as records once, and
    the tables are made from them."""
    plugins = plugins or Plugins()
    given = dict(options or {})
    wanted = {**given, "facets": sorted(facet.value for facet in JOB_FACETS)}
    if not plugins.adapter(adapter).detail_tables:
        result = api.load(adapter, source, wanted, plugins)
        return NightlyLoad(tables=CohortLoad.of(result, detail=True), records=LazyRecords(lambda: result, result))
    tables = api.load_cohort(adapter, source, {**given, "detail": True}, JOB_FACETS, plugins)
    # Read again only if a step asks, after the load's progress bar is gone.
    later = {key: value for key, value in wanted.items() if key != "progress"}
    return NightlyLoad(tables=tables, records=LazyRecords(lambda: api.load(adapter, source, later, plugins)))


def sync(
    ledger: Ledger,
    loaded: NightlyLoad,
    *,
    adapter: str,
    source: str,
    started_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncEntry:
    """Record the load in the ledger (see ``sync_tables``)."""
    return sync_tables(ledger, loaded.tables, adapter=adapter, source=source, started_at=started_at, progress=progress)


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
    # The adapter says how its system takes an alert (a Mosaic case note, a Liquidlogic work-tray task...); the
    # records are read only if it looks at them.
    to_item = api.alert_items(adapter, loaded.records, evaluation.as_of, options, plugins)
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
