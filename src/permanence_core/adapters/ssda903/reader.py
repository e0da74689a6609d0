"""Reading a whole SSDA903 return (every collection year, CSV and XML) into CaseRecords, with a full account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.assemble import WITHHELD_BY, Assembler, Sink, Stitching
from permanence_core.adapters.ssda903.csvsource import OTHER_DELIMITERS, CsvTable
from permanence_core.adapters.ssda903.layout import Layout, discover
from permanence_core.adapters.ssda903.report import TableCount, Unreadable
from permanence_core.adapters.ssda903.tables import normalise_header
from permanence_core.adapters.ssda903.xmlsource import XmlReturn
from permanence_core.collector import collector_paused
from permanence_core.model import CaseRecord

Progress = Callable[[int, int], None]
#: The pseudo-table under which an unreadable rest of a file is counted.
UNREADABLE = "Unreadable"


@attrs.frozen(kw_only=True)
class ReturnLoad:
    """The records of a return, every rejected row, rows read and rejected per table, and notices."""

    records: tuple[CaseRecord, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    tables: tuple[TableCount, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def read(self) -> int:
        """Rows read over all tables."""
        return sum(count.read for count in self.tables)


def read_return(source: str | Path, *, progress: Progress | None = None) -> ReturnLoad:
    """Read the SSDA903 return at ``source`` (see :func:`~permanence_core.adapters.ssda903.layout.discover`)."""
    return read_layout(discover(source), progress=progress)


def read_layout(layout: Layout, *, progress: Progress | None = None) -> ReturnLoad:
    """Read every collection of ``layout``, oldest first, so later years replace earlier rows."""
    assembler = Assembler()
    notices = list(layout.ignored)
    plan = [
        (rank, _recognised(layout, collection.csv_files, notices, assembler), collection.xml_files)
        for rank, collection in enumerate(layout.collections)
    ]
    total = sum(t.path.stat().st_size for _, found, _ in plan for _kind, t in found)
    total += sum(path.stat().st_size for _, _, xml_files in plan for path in xml_files)
    done = 0

    def report(at: int) -> None:
        if progress is not None:
            progress(done + at, total)

    with collector_paused():
        for rank, csv_tables, xml_files in plan:
            for kind, table in csv_tables:
                name = layout.name(table.path)
                take = assembler.sink(kind, rank, name)
                try:
                    for line, values, problem in table.rows(report):
                        take(line, None, values, problem)
                except Unreadable as exc:
                    assembler.reject_unreadable(UNREADABLE, name, exc.line, exc.reason)
                    # The rows past the fault are unknown: a child's facts from this table may be incomplete.
                    assembler.lost.add(kind.name)
                done += table.path.stat().st_size
                report(0)
            for path in xml_files:
                name = layout.name(path)
                xml = XmlReturn(path)
                sinks: dict[str, Sink] = {}
                try:
                    for kind, at, element, values, problem in xml.rows(report):
                        sink = sinks.get(kind.name)
                        if sink is None:
                            sink = sinks[kind.name] = assembler.sink(kind, rank, name)
                        sink(at, element, values, problem)
                except Unreadable as exc:
                    assembler.reject_unreadable(UNREADABLE, name, exc.line, exc.reason)
                if xml.unknown:
                    notices.append(
                        f"{name}: elements that are no part of the return ignored: {', '.join(sorted(xml.unknown))}"
                    )
                done += path.stat().st_size
                report(0)
        records, stitching = assembler.records()
    counts = assembler.table_counts()
    notices.extend(_summary(counts, stitching))
    return ReturnLoad(records=records, rejected=tuple(assembler.rejected), tables=counts, notices=tuple(notices))


def _recognised(
    layout: Layout, paths: tuple[Path, ...], notices: list[str], assembler: Assembler
) -> list[tuple[tables.Table, CsvTable]]:
    """The collection's CSV files that are 903 tables, in table order (so records keep the Header's order).

    A file that looks like a 903 table (by its name or most of its header) but cannot be read as one is a
    rejection of the whole file, and that table's facets are withheld from every child; so is a file given
    alone as the source. Any other file is passed over with a notice naming its columns by position only:
    a header line may hold a child's details when the file is not what it seems.
    """
    found = []
    alone = layout.root.is_file()
    for path in paths:
        name = layout.name(path)
        try:
            table = CsvTable.inspect(path)
        except Unreadable as exc:
            assembler.reject_unreadable(UNREADABLE, name, exc.line, exc.reason)
            continue
        refusal = _refusal(path, table)
        if refusal is not None:
            meant, reason = refusal
            if meant is None and not alone:
                notices.append(f"{name}: not an SSDA903 table ({_columns(table.header)}); ignored")
                continue
            assembler.reject_table(meant, name, reason)
            continue
        recognised = table.recognised
        if recognised is None:
            continue
        what = recognised.table.name
        if recognised.extra:
            extra = [i + 1 for i, c in enumerate(normalise_header(table.header)) if c in recognised.extra]
            # By position only: in a file that is not what it seems, a header cell may be a child's detail.
            notices.append(f"{name} ({what}): extra columns ignored: columns {_positions(extra)}")
        if recognised.absent:
            notices.append(f"{name} ({what}): no column {', '.join(recognised.absent)}; read as blank")
        if table.encoding not in ("utf-8-sig",):
            notices.append(f"{name} ({what}): not UTF-8, read as {table.encoding}")
        if table.delimiter != ",":
            notices.append(f"{name} ({what}): separated by {OTHER_DELIMITERS[table.delimiter]}s, read as such")
        found.append((recognised.table, table))
    order = {kind: i for i, kind in enumerate(tables.TABLES)}
    return sorted(found, key=lambda pair: order[pair[0]])


def _refusal(path: Path, table: CsvTable) -> tuple[tables.Table | None, str] | None:
    """Why ``table`` cannot be read as a 903 table, and which table it looks like (None: none); None when it can."""
    names = normalise_header(table.header)
    meant = table.recognised.table if table.recognised else tables.looks_like(path.name, names)
    what = f"looks like the {meant.name} table" if meant else "is not an SSDA903 table"
    repeated = sorted({column for column in names if column and names.count(column) > 1})
    if repeated:
        where = "; ".join(
            f"{c} in columns {_positions([i + 1 for i, n in enumerate(names) if n == c])}" for c in repeated
        )
        return meant, f"{what} but names a column twice ({where}), so the whole file was not read"
    if table.recognised is not None:
        return None
    if meant is None:
        return None, f"{what} ({_columns(table.header)}), so nothing was read"
    if not table.header:
        return meant, (
            f"{what} but has no header line (the file is empty or its first line is blank), "
            "so the whole file was not read"
        )
    if len(table.header) == 1:
        return meant, (
            f"{what} but its header line is one field: it is not separated by commas (nor by "
            f"{', '.join(OTHER_DELIMITERS.values())}s giving its columns), so the whole file was not read"
        )
    absent = sorted(meant.identifying - set(names), key=meant.columns.index)
    return meant, f"{what} but has no column {', '.join(absent)}, so the whole file was not read"


def _columns(header: tuple[str, ...]) -> str:
    """A header described without quoting it: how many columns, and those that are 903 column names."""
    known = [name for name in normalise_header(header) if name in tables.ALL_COLUMNS]
    shown = f"; 903 columns among them: {', '.join(dict.fromkeys(known))}" if known else ""
    return f"{len(header)} column{'s' if len(header) != 1 else ''}{shown}"


def _positions(positions: list[int]) -> str:
    return ", ".join(str(p) for p in positions)


def _summary(counts: tuple[TableCount, ...], stitching: Stitching) -> Iterator[str]:
    for count in counts:
        kind = tables.BY_NAME.get(count.table)
        kept = "" if kind is None or kind.kept else " (checked only: the permanence model keeps none of its facts)"
        yield f"{count}{kept}"
    for table, replaced in stitching.replaced.items():
        yield f"{table}: {replaced} rows replaced by a later collection year's row with the same key"
    if stitching.closed:
        yield f"Episodes: {stitching.closed} open episodes closed where the child's next episode starts"
    if stitching.truncated:
        yield f"Episodes: {stitching.truncated} episodes cut back to end where the child's next episode starts"
    if stitching.started_before:
        yield (
            f"{stitching.started_before} children's earliest episode is not a start of care (RNE S): their first "
            "period of care began before the episodes loaded; add earlier collection years to see its start"
        )
    for lost in sorted(stitching.lost):
        facets = ", ".join(sorted(f.value for f in WITHHELD_BY.get(lost, frozenset())))
        if facets:
            yield f"{lost}: a file of this table could not be read, so {facets} facts are not in source for any child"
    if stitching.withheld:
        yield (
            f"{stitching.withheld} children have rejected rows: their care, reviews or adoption facts are incomplete, "
            "so those facets are withheld from their coverage until the rows are fixed"
        )
    if stitching.without_header:
        yield (
            f"{stitching.without_header} children have no Header row that loaded (none, or it was rejected): "
            "their details are unknown, so they are loaded by id only"
        )
