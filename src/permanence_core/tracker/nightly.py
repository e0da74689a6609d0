"""The nightly job, one sequence whoever runs it: ``permanence ledger sync --raise-alerts``, examples/nightly.py
and benchmarks/nightly_scale.py call these steps in this order.

1. :func:`load` what the job reads (every facet, no documents' facts);
2. :func:`sync` the load into the ledger (``record_sync``: plans, meetings and actions as history);
3. :func:`evaluate` the profile on the cohort's tables, with the panels the ledger holds as tracking meetings;
4. :func:`raise_alerts`: each new or changed alert once, as the adapter's system takes it.

Each step is its own function so that a caller can time it or report between steps; :func:`run` does them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.cohort import cohort_from_records
from permanence_core.errors import InputError
from permanence_core.model import Facet
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Profile, load_profile
from permanence_core.rules.engine import CohortEvaluation
from permanence_core.tracker.entries import SyncEntry
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel.outcomes import with_panels
from permanence_core.tracker.sync import record_sync
from permanence_core.writeback.service import AlertRun

#: What the job reads. The ledger keeps plans, meetings, actions and proceedings whatever the profile needs, and
#: an adapter may route an alert to the child's allocated workers: every facet. The documents' facts (family,
#: views, narrative, sign-offs) no step reads, so a pack's documents.json is left unread.
JOB_FACETS = frozenset(Facet)


@attrs.frozen(kw_only=True)
class NightlyRun:
    """What one run did: the load, the ledger's sync entry, the evaluation and the write-back."""

    loaded: LoadResult
    sync: SyncEntry
    evaluation: CohortEvaluation
    alerts: AlertRun


def load(
    adapter: str, source: str, options: Mapping[str, Any] | None = None, plugins: Plugins | None = None
) -> LoadResult:
    """Every child's record through ``adapter`` (``options``: the adapter's, e.g. ``config``), with the facets
    the job reads (``JOB_FACETS``)."""
    wanted = {**(options or {}), "facets": sorted(facet.value for facet in JOB_FACETS)}
    return api.load(adapter, source, wanted, plugins)


def sync(
    ledger: Ledger,
    loaded: LoadResult,
    *,
    adapter: str,
    source: str,
    started_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncEntry:
    """Record the load in the ledger (see ``record_sync``)."""
    return record_sync(ledger, loaded, adapter=adapter, source=source, started_at=started_at, progress=progress)


def evaluate(
    ledger: Ledger,
    loaded: LoadResult,
    profile: str | Profile,
    as_of: dt.date | None = None,
    plugins: Plugins | None = None,
) -> CohortEvaluation:
    """The profile on the whole cohort's tables at once. A panel held in the ledger is tracking the rules count,
    as a case-system meeting is. ``.evaluation()`` gives every obligation as an object (the tracker's rows)."""
    if isinstance(profile, str):
        profile = load_profile(profile, plugins)
    cohort = cohort_from_records(with_panels(ledger, loaded.records))
    return api.evaluate_cohort(cohort, profile, as_of, plugins=plugins)


def raise_alerts(
    ledger: Ledger,
    loaded: LoadResult,
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
    # The adapter says how its system takes an alert (a Mosaic case note, a Liquidlogic work-tray task...).
    to_item = api.alert_items(adapter, loaded.records, evaluation.as_of, options, plugins)
    return ledger.raise_alerts(
        evaluation.alerts,
        to_item,
        transport,
        resolved_in=[record.child_id for record in loaded.records],
        progress=progress,
    )


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
