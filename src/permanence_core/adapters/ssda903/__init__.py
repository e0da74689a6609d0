"""The built-in SSDA903 adapter: the national Children Looked After return (CSV or XML) plus the permanence pack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from permanence_core.adapters.base import AdapterInfo, Capability, LoadResult

ADAPTER = AdapterInfo(
    name="ssda903",
    description="SSDA903 Children Looked After return (CSV folder or XML), with the optional permanence pack",
    source_help="a folder of SSDA903 CSV tables and/or an EXPSSDA903 XML file, with an optional pack/ folder",
    capabilities={Capability.READ, Capability.UPLOAD_DOCUMENT, Capability.CASE_NOTE, Capability.WORK_TRAY_ALERT},
)


def load(source: str, options: Mapping[str, Any]) -> LoadResult:
    """Load every child in ``source``."""
    raise NotImplementedError("the SSDA903 reader is being written (issue 3)")
