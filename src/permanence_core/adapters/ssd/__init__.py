"""The built-in SSD adapter: Data to Insight's Standard Safeguarding Dataset, read through SQLAlchemy, read-only.

Councils on Mosaic, Eclipse, Liquidlogic, Azeus and CareDirector build the SSD's ``ssd_*`` tables in their
own warehouse with one script; reading it is a second route for any of them (docs/ssd.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core.adapters.base import AdapterInfo, Capability, LoadResult

__all__ = ["ADAPTER", "load"]

ADAPTER = AdapterInfo(
    name="ssd",
    description="Standard Safeguarding Dataset (ssd_* tables) read through SQLAlchemy",
    source_help=(
        "a SQLAlchemy URL of the database holding the ssd_* tables, e.g. mssql+pyodbc://host/Warehouse?driver="
        "ODBC+Driver+18+for+SQL+Server or postgresql+psycopg://host/ssd, password in PERMANENCE_SSD_PASSWORD"
    ),
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


def load(source: str, options: Mapping[str, Any]) -> LoadResult:
    """Load every looked-after child from the SSD at database URL ``source`` (``config``: the ``[ssd]`` table)."""
    # Imported here so that listing adapters does not pay for SQLAlchemy.
    from permanence_core.adapters.ssd.config import load_config
    from permanence_core.adapters.ssd.reader import read

    progress = options.get("progress")
    return read(source, load_config(options), progress if callable(progress) else None)
