"""The neutral permanence pack: what the SSDA903 return lacks, as documented CSV files and/or ``pack.json``."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.pack.csvpack import CsvPack
from permanence_core.adapters.pack.files import FILES, PACK_FACETS
from permanence_core.adapters.pack.jsonpack import PACK_JSON, read_json
from permanence_core.adapters.pack.merge import combine, merge
from permanence_core.adapters.ssda903.report import TableCount
from permanence_core.errors import InputError
from permanence_core.model import CaseRecord, Facet

__all__ = ["FILES", "PACK_FACETS", "PACK_JSON", "PackLoad", "merge", "merge_all", "read_pack"]


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


def read_pack(path: str | Path, children: Collection[str]) -> PackLoad:
    """Read the pack at ``path`` (a folder of pack CSV files and/or ``pack.json``, or a ``.json`` file).

    ``children`` are the child ids of the return: a pack row or record about any other child is rejected.
    When both ``pack.json`` and CSV files describe a child, their facts are combined (lists joined, the CSV's
    single values winning).
    """
    location = Path(path)
    if not location.exists():
        raise InputError(str(path), "the permanence pack does not exist")
    known = frozenset(children)
    json_path = location if location.is_file() else location / PACK_JSON
    records: dict[str, CaseRecord] = {}
    rejected: list[Rejection] = []
    tables: list[TableCount] = []
    if json_path.is_file():
        document = read_json(json_path, known)
        records.update(document.records)
        rejected.extend(document.rejected)
        tables.append(document.count)
    if location.is_file():
        return PackLoad(records=records, rejected=tuple(rejected), tables=tuple(tables))
    csv_pack = CsvPack(location, known)
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
        notices=tuple(csv_pack.notices) + tuple(str(count) for count in tables),
    )


def merge_all(records: Iterable[CaseRecord], pack: PackLoad) -> tuple[CaseRecord, ...]:
    """Merge the pack into each of the return's records (see :func:`merge` for the rule)."""
    return tuple(
        merge(record, pack.records.get(record.child_id), pack.declared, pack.withheld.get(record.child_id, frozenset()))
        for record in records
    )
