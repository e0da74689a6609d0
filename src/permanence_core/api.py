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
from collections.abc import Iterable, Mapping
from typing import Any

from permanence_core.adapters import LoadResult
from permanence_core.calendar import WorkingCalendar
from permanence_core.model import CaseRecord
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Evaluation, Profile, load_profile
from permanence_core.rules import evaluate as _evaluate

log = logging.getLogger(__name__)


def load(
    adapter: str, source: str, options: Mapping[str, Any] | None = None, plugins: Plugins | None = None
) -> LoadResult:
    """Load every child's case record from ``source`` through ``adapter`` (e.g. ``"ssda903"``, ``"mosaic"``)."""
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
