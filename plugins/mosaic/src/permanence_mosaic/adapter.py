"""The Mosaic adapter: loads from the reporting warehouse, writes back to the council's gateway or an outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from permanence_core.adapters import Adapter, Capability, LoadResult
from permanence_core.model import Facet

if TYPE_CHECKING:
    from permanence_core.adapters.base import CohortLoad
    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.model import CaseRecord
    from permanence_core.writeback import AlertChange, PayloadBuilder, Receipt, WriteBackItem


class MosaicAdapter(Adapter):
    """Mosaic: the ``dm_*`` warehouse tables read through SQLAlchemy; alerts are case notes to allocated workers."""

    name = "mosaic"
    description = "Mosaic reporting warehouse (dm_* tables) read through SQLAlchemy"
    source_help = (
        "a SQLAlchemy URL of the Mosaic warehouse, e.g. mssql+pyodbc://host/MosaicDW?driver=ODBC+Driver+18"
        "+for+SQL+Server, password in PERMANENCE_MOSAIC_PASSWORD"
    )
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )
    detail_tables = True

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load every looked-after child from the Mosaic warehouse at database URL ``source``."""
        # Imported here so that listing plugins does not pay for the reader's imports.
        from permanence_mosaic.config import load_config
        from permanence_mosaic.reader import read

        progress = options.get("progress")
        facets = options.get("facets")
        return read(source, load_config(options), progress if callable(progress) else None, facets)

    def load_cohort(
        self, source: str, options: Mapping[str, Any], facets: Collection[Facet] | None = None
    ) -> CohortLoad:
        """The warehouse read straight into cohort tables (``permanence_mosaic.cohort``), and the detail tables when
        ``options["detail"]`` asks; equal to ``load``'s."""
        from permanence_mosaic.cohort import read_cohort
        from permanence_mosaic.config import load_config

        if facets is None and options.get("facets") is not None:
            facets = [Facet(name) for name in options["facets"]]
        wanted = None if facets is None else sorted(facet.value for facet in facets)
        return read_cohort(source, load_config(options), wanted, detail=bool(options.get("detail")))

    def check(self, source: str, options: Mapping[str, Any]) -> SourceReport:
        """Which warehouse tables and columns are there, their rows, and the codes the configuration does not map."""
        from permanence_mosaic.check import check

        return check(source, options)

    def alert_items(
        self, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
    ) -> Callable[[AlertChange], WriteBackItem | None]:
        """Mosaic raises an alert as a case note alerting the child's allocated workers."""
        from permanence_mosaic.alerts import AlertNotes
        from permanence_mosaic.config import load_config

        return AlertNotes(records, as_of=as_of, settings=load_config(options).case_notes)

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """Mosaic publishes no write API: items go to the council's gateway (Mosaic's fields) or to the outbox."""
        from permanence_core.writeback.transports import transport_for

        payloads = payload_builder(options.get("config") or None, options.get("endpoint") or None)
        return transport_for(options, payloads).deliver(item)


@lru_cache(maxsize=8)
def payload_builder(config: str | None, endpoint: str | None) -> PayloadBuilder:
    """Mosaic payloads shaped by the council's settings; one per configuration, so the gateway is reused."""
    from permanence_core.writeback.settings import WriteBackSettings
    from permanence_mosaic.config import load_config
    from permanence_mosaic.payloads import mosaic_payload

    options = {"config": config, "endpoint": endpoint}
    settings = load_config(options)
    paths = WriteBackSettings.from_options(options).paths
    return partial(
        mosaic_payload, documents=settings.documents, case_notes=settings.case_notes, case_note_path=paths["case_note"]
    )
