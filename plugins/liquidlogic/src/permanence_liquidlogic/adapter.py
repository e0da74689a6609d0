"""The Liquidlogic adapter: loads from the LCS warehouse, writes back through the council's gateway or an outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import Adapter, Capability, CohortLoad, LoadResult

if TYPE_CHECKING:
    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.model import CaseRecord, Facet
    from permanence_core.writeback import AlertChange, Receipt, WriteBackItem


class LiquidlogicAdapter(Adapter):
    """Liquidlogic LCS: the ``HDM.Child_Social`` warehouse; alerts are work-tray tasks to the Team Manager."""

    name = "liquidlogic"
    description = "Liquidlogic LCS reporting warehouse (HDM.Child_Social DIM_/FACT_ tables) read through SQLAlchemy"
    source_help = (
        "a SQLAlchemy URL of the LCS warehouse, e.g. mssql+pyodbc://host/HDM?driver=ODBC+Driver+18+for+SQL+Server,"
        " password in PERMANENCE_LIQUIDLOGIC_PASSWORD"
    )
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )
    #: ``load_cohort`` reads the detail tables from the warehouse rows too (the nightly job and the tracker ask).
    detail_tables = True

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load every looked-after child from the LCS warehouse at database URL ``source``."""
        # Imported here so that listing plugins does not pay for the reader's imports.
        from permanence_liquidlogic.config import load_config
        from permanence_liquidlogic.reader import read

        progress = options.get("progress")
        return read(source, load_config(options), options.get("facets"), progress if callable(progress) else None)

    def load_cohort(
        self, source: str, options: Mapping[str, Any], facets: Collection[Facet] | None = None
    ) -> CohortLoad:
        """The warehouse read straight into cohort tables (no record objects), equal to the records' tables; with
        the option ``detail``, the detail tables too."""
        from permanence_liquidlogic.cohort import read_cohort
        from permanence_liquidlogic.config import load_config

        wanted = None if facets is None else sorted(facet.value for facet in facets)
        progress = options.get("progress")
        return read_cohort(
            source,
            load_config(options),
            wanted,
            progress if callable(progress) else None,
            detail=bool(options.get("detail")),
        )

    def check(self, source: str, options: Mapping[str, Any]) -> SourceReport:
        """Which warehouse tables and columns are there, their rows, and the codes the configuration does not map."""
        from permanence_liquidlogic.check import check

        return check(source, options)

    def alert_items(
        self, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
    ) -> Callable[[AlertChange], WriteBackItem | None]:
        """Liquidlogic raises an alert as a work-tray task for the child's allocated Team Manager."""
        from permanence_liquidlogic.alerts import work_tray_tasks

        return work_tray_tasks(records, as_of)

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """Deliver one item to the council's gateway in LCS's terms, or to the outbox (LCS publishes no write API)."""
        from permanence_core.writeback.transports import transport_for
        from permanence_liquidlogic.payloads import payloads_for

        return transport_for(options, payloads_for(options)).deliver(item)
