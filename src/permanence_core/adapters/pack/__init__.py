"""The neutral permanence pack: what the SSDA903 return lacks, as documented CSV files and/or ``pack.json``."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.pack.csvpack import CsvPack
from permanence_core.adapters.pack.files import FILES, PACK_FACETS
from permanence_core.adapters.pack.jsonpack import DOCUMENTS_JSON, PACK_JSON, read_json
from permanence_core.adapters.pack.merge import combine, merge
from permanence_core.adapters.ssda903.report import TableCount
from permanence_core.errors import InputError
from permanence_core.model import CaseRecord, Child, Facet, Identifiers

__all__ = [
    "DOCUMENTS_JSON",
    "FILES",
    "PACK_FACETS",
    "PACK_JSON",
    "PackLoad",
    "documents_only",
    "merge",
    "merge_all",
    "narrow",
    "read_pack",
]


@attrs.frozen(kw_only=True)
class PackLoad:
    """The pack's record of each child, facets declared for every child, facets withheld, and the account."""

    records: dict[str, CaseRecord] = attrs.field(factory=dict)
    declared: frozenset[Facet] = frozenset()
    withheld: dict[str, frozenset[Facet]] = attrs.field(factory=dict)
    rejected: tuple[Rejection, ...] = ()
    tables: tuple[TableCount, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def read(self) -> int:
        """Rows and JSON records read."""
        return sum(count.read for count in self.tables)


def read_pack(path: str | Path, children: Collection[str], facets: Collection[Facet] | None = None) -> PackLoad:
    """Read the pack at ``path`` (a folder of pack CSV files and/or ``pack.json``, or a ``.json`` file).

    ``children`` are the child ids of the return: a pack row or record about any other child is rejected.
    When both ``pack.json`` and CSV files describe a child, their facts are combined (lists joined, the CSV's
    single values winning).

    ``facets`` narrows the load to what the caller needs (None: everything, as documents need). Only the CSV
    files feeding those facets are read, ``pack.json`` keeps only those facets, and ``documents.json`` (family,
    views, narrative and sign-offs, which only documents use) is not read. A facet not read is in no child's
    coverage, so a rule needing it is not assessable, never "none".
    """
    location = Path(path)
    if not location.exists():
        raise InputError(str(path), "the permanence pack does not exist")
    known = frozenset(children)
    wanted = None if facets is None else frozenset(facets) & PACK_FACETS
    json_path = location if location.is_file() else location / PACK_JSON
    documents_path = None if location.is_file() else location / DOCUMENTS_JSON
    csv_pack = None if location.is_file() else CsvPack(location, known, wanted)
    records: dict[str, CaseRecord] = {}
    rejected: list[Rejection] = []
    tables: list[TableCount] = []
    notices: list[str] = []
    if wanted is not None:
        skipped = ", ".join(sorted(facet.value for facet in PACK_FACETS - wanted)) or "none"
        notices.append(f"pack: only the facets needed were read; not loaded: {skipped}, nor {DOCUMENTS_JSON}")
    if documents_path is not None and documents_path.is_file() and wanted is None:
        document = read_json(documents_path, known)
        records.update({child_id: documents_only(record) for child_id, record in document.records.items()})
        rejected.extend(document.rejected)
        tables.append(document.count)
    if json_path.is_file():
        document = read_json(json_path, known)
        for child_id, record in document.records.items():
            record = record if wanted is None else narrow(record, wanted)
            records[child_id] = combine(records[child_id], record) if child_id in records else record
        rejected.extend(document.rejected)
        tables.append(document.count)
    if csv_pack is None:
        return PackLoad(records=records, rejected=tuple(rejected), tables=tuple(tables), notices=tuple(notices))
    for child_id, record in csv_pack.read().items():
        records[child_id] = combine(records[child_id], record) if child_id in records else record
    rejected.extend(csv_pack.rejected)
    tables.extend(csv_pack.counts)
    return PackLoad(
        records=records,
        declared=frozenset(csv_pack.declared),
        withheld={child_id: frozenset(facets) for child_id, facets in csv_pack.withheld.items()},
        rejected=tuple(rejected),
        tables=tuple(tables),
        notices=tuple(notices) + tuple(csv_pack.notices) + tuple(str(count) for count in tables),
    )


def documents_only(record: CaseRecord) -> CaseRecord:
    """What a ``documents.json`` record may bring: the family, views, narrative and sign-offs, no facet."""
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id=record.child_id)),
        family=record.family,
        views=record.views,
        narrative=record.narrative,
        signoffs=record.signoffs,
    )


def narrow(record: CaseRecord, facets: frozenset[Facet]) -> CaseRecord:
    """A pack record with only ``facets``: the others' facts and coverage dropped, and no documents' facts."""
    # Each pack facet's facts sit in the CaseRecord field of the same name (plans, meetings, ...).
    dropped: dict[str, Any] = {facet.value: () for facet in PACK_FACETS - facets}
    if Facet.PLANS not in facets:
        dropped["permanence_decision_date"] = None
    return attrs.evolve(
        record, coverage=record.coverage & facets, family=(), views=None, narrative=None, signoffs=(), **dropped
    )


def merge_all(records: Iterable[CaseRecord], pack: PackLoad) -> tuple[CaseRecord, ...]:
    """Merge the pack into each of the return's records (see :func:`merge` for the rule)."""
    return tuple(
        merge(record, pack.records.get(record.child_id), pack.declared, pack.withheld.get(record.child_id, frozenset()))
        for record in records
    )
