"""The built-in SSD adapter: Data to Insight's Standard Safeguarding Dataset, read through SQLAlchemy, read-only.

Councils on Mosaic, Eclipse, Liquidlogic, Azeus and CareDirector build the SSD's ``ssd_*`` tables in their
own warehouse with one script; reading it is a second route for any of them (docs/ssd.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from permanence_core.adapters.base import Adapter, Capability, LoadResult

if TYPE_CHECKING:
    from permanence_core.adapters.sourcecheck import SourceReport
    from permanence_core.writeback import Receipt, WriteBackItem

__all__ = ["SsdAdapter"]


class SsdAdapter(Adapter):
    """The SSD's ``ssd_*`` tables in the council's own database; items go to the council's gateway or an outbox."""

    name = "ssd"
    description = "Standard Safeguarding Dataset (ssd_* tables) read through SQLAlchemy"
    source_help = (
        "a SQLAlchemy URL of the database holding the ssd_* tables, e.g. mssql+pyodbc://host/Warehouse?driver="
        "ODBC+Driver+18+for+SQL+Server or postgresql+psycopg://host/ssd, password in PERMANENCE_SSD_PASSWORD"
    )
    capabilities = frozenset(
        {Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT}
    )

    def load(self, source: str, options: Mapping[str, Any]) -> LoadResult:
        """Load every looked-after child from the SSD at database URL ``source`` (``config``: the ``[ssd]`` table)."""
        # Imported here so that listing adapters does not pay for SQLAlchemy.
        from permanence_core.adapters.ssd.config import load_config
        from permanence_core.adapters.ssd.reader import read

        progress = options.get("progress")
        return read(source, load_config(options), progress if callable(progress) else None, options.get("facets"))

    def check(self, source: str, options: Mapping[str, Any]) -> SourceReport:
        """Which SSD tables and columns the build has, their rows, and the values ``[ssd]`` does not map."""
        from permanence_core.adapters.ssd.check import check

        return check(source, options)

    def write_back(self, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt:
        """The SSD is a reporting copy with nothing to write to: the council's HTTP gateway, else the outbox folder."""
        from permanence_core.writeback.transports import transport_for

        return transport_for(options).deliver(item)
