"""The Python API integration scripts call: load records, evaluate a profile, iterate alerts.

from permanence_core import api
loaded = api.load("ssda903", "/data/903")
evaluation = api.evaluate(loaded.records, profile="bolton", as_of=datetime.date.today())
for alert in evaluation.alerts:
    print(alert.child_id, alert.rule, alert.status, alert.due_date)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import CohortLoad, LoadResult
from permanence_core.calendar import WorkingCalendar
from permanence_core.config_file import read_config
from permanence_core.errors import ConfigError
from permanence_core.model import CaseRecord, Facet
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Evaluation, Profile, load_profile
from permanence_core.rules import evaluate as _evaluate
from permanence_core.writeback import Receipt, WriteBackItem

if TYPE_CHECKING:
    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.cohort import Cohort
    from permanence_core.rules.engine import CohortEvaluation
    from permanence_core.writeback.service import AlertChange, WriteBack
    from permanence_core.writeback.settings import WriteBackSettings

log = logging.getLogger(__name__)


def load(
    adapter: str, source: str, options: Mapping[str, Any] | None = None, plugins: Plugins | None = None
) -> LoadResult:
    """Load every child's case record from ``source`` through ``adapter`` (e.g. ``"ssda903"``, ``"mosaic"``).

    A ``config`` option is read and checked whatever the adapter does with it: a missing or malformed file,
    or one holding a secret, is a ConfigError before anything is loaded.
    """
    if options and options.get("config"):
        read_config(options["config"])
    result = (plugins or Plugins()).load(adapter, source, options)
    log.info("loaded %s through %s: %s", source, adapter, result.summary())
    return result


def evaluate(
    records: Iterable[CaseRecord],
    profile: str | Profile = "england",
    as_of: dt.date | None = None,
    calendar: WorkingCalendar | None = None,
    plugins: Plugins | None = None,
) -> Evaluation:
    """Evaluate a profile (by name, path to a TOML file, or a loaded Profile) on ``as_of`` (default today)."""
    if isinstance(profile, str):
        profile = load_profile(profile, plugins)
    return _evaluate(records, profile, as_of or dt.date.today(), calendar)


def load_cohort(
    adapter: str,
    source: str,
    options: Mapping[str, Any] | None = None,
    facets: Collection[Facet] | None = None,
    plugins: Plugins | None = None,
) -> CohortLoad:
    """Load every child in ``source`` as cohort tables (``CohortLoad.cohort``), with the load's rejections and counts.

    ``facets``: only what the caller needs, e.g. ``rules.profile_facets(profile)`` (None: everything). An adapter
    that reads its source straight into tables builds no record objects; any other loads records and converts them.
    ``options["detail"]`` (true) asks for the detail tables too (``CohortLoad.detail``); an adapter whose reader
    does not give them is loaded as records instead.
    """
    if options and options.get("config"):
        read_config(options["config"])
    plugins = plugins or Plugins()
    if options and options.get("detail") and not plugins.adapter(adapter).detail_tables:
        # An adapter whose own reader gives no detail tables: its records give them (as the default reader does),
        # read once rather than as tables first and then again as records.
        wanted = {key: value for key, value in options.items() if key != "detail"}
        if facets is not None:
            wanted["facets"] = sorted(facet.value for facet in facets)
        loaded = CohortLoad.of(plugins.load(adapter, source, wanted), detail=True)
    else:
        loaded = plugins.load_cohort(adapter, source, options, facets)
    log.info("loaded %s through %s as tables: %s", source, adapter, loaded.summary())
    return loaded


def evaluate_cohort(
    cohort: Cohort,
    profile: str | Profile = "england",
    as_of: dt.date | None = None,
    calendar: WorkingCalendar | None = None,
    plugins: Plugins | None = None,
) -> CohortEvaluation:
    """``evaluate`` for a whole cohort's tables at once: obligations as a table, alerts as objects."""
    from permanence_core.rules.engine import evaluate_cohort as _evaluate_cohort

    if isinstance(profile, str):
        profile = load_profile(profile, plugins)
    return _evaluate_cohort(cohort, profile, as_of or dt.date.today(), calendar)


def check_source(
    adapter: str,
    source: str,
    options: Mapping[str, Any] | None = None,
    profile: str | Profile | None = None,
    plugins: Plugins | None = None,
) -> SourceReport:
    """What ``source`` holds for ``adapter``: facets, tables and columns, unmapped codes, and (with a
    ``profile``) which of its rules are assessable. ``report.ok`` when the required facets are in source."""
    from permanence_core.rules.engine import needed_facets

    report = (plugins or Plugins()).check(adapter, source, options)
    if profile is None:
        return report
    if isinstance(profile, str):
        profile = load_profile(profile, plugins)
    return report.assessed(profile.name, [(rule.id, needed_facets(rule)) for rule in profile.rules])


def alert_items(
    adapter: str,
    records: Sequence[CaseRecord],
    as_of: dt.date,
    options: Mapping[str, Any] | None = None,
    plugins: Plugins | None = None,
) -> Callable[[AlertChange], WriteBackItem | None]:
    """How ``adapter`` raises an alert in its system (Mosaic: a case note; Liquidlogic: a Team Manager task)."""
    return (plugins or Plugins()).alert_items(adapter, records, as_of, options)


class AdapterTransport:
    """Delivers each item through the adapter's ``write_back`` method (its system's own payloads)."""

    def __init__(self, adapter: str, options: Mapping[str, Any], plugins: Plugins | None = None) -> None:
        self.adapter = adapter
        self.options = dict(options)
        self.plugins = plugins or Plugins()

    def deliver(self, item: WriteBackItem) -> Receipt:
        """One item, once: exactly-once bookkeeping is the WriteBack's, around this."""
        return self.plugins.write_back(self.adapter, item, self.options)

    def destination(self, item: WriteBackItem) -> str | None:
        """Where ``item`` goes under these options, for the audit log: the outbox file or the gateway path."""
        from permanence_core.writeback.audit import options_destination

        return options_destination(self.options)(item)

    def found_on_retry(self) -> bool:
        """Whether these options send items to an outbox folder (see ``writeback.audit.found_on_retry``): with no
        gateway named, every adapter's ``write_back`` writes to that folder (through ``transport_for``)."""
        from permanence_core.writeback.settings import WriteBackSettings

        try:
            settings = WriteBackSettings.from_options(self.options)
        except ConfigError:
            return False
        return bool(settings.outbox) and not settings.endpoint


def write_back_settings(options: Mapping[str, Any]) -> WriteBackSettings:
    """The write-back settings ``options`` give, checked before any work is done: the file is read, and a run with
    no gateway or outbox to deliver to is a NoDestinationError (a usage error)."""
    from permanence_core.writeback.settings import WriteBackSettings

    return WriteBackSettings.from_options(options).require_destination()


def writer(adapter: str, options: Mapping[str, Any], plugins: Plugins | None = None) -> WriteBack:
    """A WriteBack delivering through ``adapter`` with the state store the options name (exactly once per item).

    ``options``: ``config`` (a TOML file with a ``[write_back]`` table), or ``outbox`` / ``endpoint``,
    and ``state`` (database URL of the state store; SQLite beside the config file by default). Every
    attempt is appended to the audit log (``[write_back] audit_log``, by default beside the store).
    """
    from permanence_core.writeback.audit import AuditLog, audit_path
    from permanence_core.writeback.service import WriteBack
    from permanence_core.writeback.state import StateStore

    settings = write_back_settings(options)
    return WriteBack(
        AdapterTransport(adapter, options, plugins),
        StateStore(settings.state_url()),
        audit=AuditLog(audit_path(settings)),
    )
