"""What a drop holds: each file sorted into the part of the snapshot it replaces, or a reason it cannot be taken.

The snapshot has the layout the core's SSDA903 adapter reads: the current return at its root, earlier
collection years in year folders, the permanence pack in ``pack/``. A drop replaces parts of it:

- the return at a folder drop's root (CSV tables and/or XML) replaces the **whole current return**; so does
  a loose XML file;
- a loose CSV file that is an SSDA903 table replaces **that table** of the current return;
- a year folder in a drop (``2023-24/``), or a drop folder named as a year range, replaces **that year**;
- each permanence pack file (in a drop's ``pack/``, or loose and named as a pack file) replaces **that file**.
"""

from __future__ import annotations

import csv
import enum
import re
from pathlib import Path

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.pack.files import FILES as PACK_FILES
from permanence_core.adapters.pack.jsonpack import DOCUMENTS_JSON, PACK_JSON
from permanence_core.adapters.ssda903.csvsource import CsvTable, encoding_of
from permanence_core.adapters.ssda903.layout import PACK_FOLDER, collection_year
from permanence_raise.drops import Drop, files_of

#: What reading a header can fail with: a file gone or locked, bytes no encoding takes, a NUL in the text.
_UNREADABLE = (OSError, UnicodeError, csv.Error)
PACK_NAMES = {file.name: file for file in PACK_FILES}
#: The pack's interchange documents: whole records, and what only documents need (family, views, narrative).
PACK_DOCUMENTS = (PACK_JSON, DOCUMENTS_JSON)
# Only a year range whose second year follows the first names a collection year at the top of incoming/:
# "2023-24" or "ssda903_2023_2024", never "2025-03-31" (an export date) or "2025-03" (a month).
_YEAR_RANGE = re.compile(r"(?<!\d)(\d{4})[-_ ](\d{2}|\d{4})(?!\d)")


class PartKind(enum.StrEnum):
    """Which part of the snapshot a file replaces."""

    RETURN = "return"
    TABLE = "table"
    YEAR = "year"
    PACK = "pack"


@attrs.frozen
class Part:
    """A file of the drop and its place in the snapshot.

    ``target`` is the path in the snapshot, ``inner`` the path inside the drop (empty for a file drop),
    ``table`` the SSDA903 table of a CSV return file.
    """

    kind: PartKind
    source: Path
    target: str
    inner: str
    table: str | None = None


@attrs.frozen
class DropContents:
    """The parts a drop supplies, and notices about files it holds that are no part of the data."""

    parts: tuple[Part, ...]
    notices: tuple[str, ...] = ()


class DropRefused(Exception):
    """The drop cannot be ingested; ``problems`` name each file, row and reason."""

    def __init__(self, problems: list[Rejection]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def year_folder(year: int) -> str:
    """The snapshot's folder for the collection year ending in ``year`` (``2023-24`` for 2024)."""
    return f"{year - 1}-{year % 100:02d}"


def range_year(name: str) -> int | None:
    """The collection year a drop folder's name gives as an explicit range (``2023-24``), else None."""
    match = _YEAR_RANGE.search(name)
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    follows = second == first + 1 if len(match.group(2)) == 4 else second == (first + 1) % 100
    return first + 1 if follows else None


def classify(drop: Drop, ready_marker: str | None = None) -> DropContents:
    """Sort the drop's files into parts; raise DropRefused naming every file that cannot be taken."""
    sorter = _Sorter(drop)
    if drop.is_folder:
        year = range_year(drop.name)
        for path in files_of(drop.path):
            inner = path.relative_to(drop.path).as_posix()
            if inner == ready_marker:
                continue
            sorter.folder_file(path, inner, year)
    else:
        sorter.loose_file(drop.path)
    if sorter.problems:
        raise DropRefused(sorter.problems)
    if not sorter.parts:
        raise DropRefused([_problem(drop.name, "holds no SSDA903 return file and no permanence pack file")])
    return DropContents(parts=tuple(sorter.parts), notices=tuple(sorter.notices))


def _problem(
    source: str, reason: str, row: int | None = None, field: str | None = None, value: str | None = None
) -> Rejection:
    return Rejection(source=source, reason=reason, row=row, field=field, value=value)


@attrs.define
class _Sorter:
    drop: Drop
    parts: list[Part] = attrs.field(factory=list)
    problems: list[Rejection] = attrs.field(factory=list)
    notices: list[str] = attrs.field(factory=list)

    def _where(self, inner: str) -> str:
        return f"{self.drop.name}/{inner}" if inner else self.drop.name

    def loose_file(self, path: Path) -> None:
        """A file dropped on its own: an XML return, an SSDA903 CSV table, or a pack file by its name."""
        name = path.name
        suffix = path.suffix.lower()
        if suffix == ".xml":
            self._add(PartKind.RETURN, path, name, "")
        elif suffix == ".csv":
            table = self._inspect(path, name)
            if table is None:
                return
            if table.recognised is not None:
                self._note_columns(table, "")
                self._add(PartKind.TABLE, path, name, "", table.recognised.table.name)
            elif name.lower() in PACK_NAMES:
                self._pack(path, "")
            else:
                self.problems.append(_not_a_table(table, name))
        elif name.lower() in PACK_DOCUMENTS:
            self._pack(path, "")
        else:
            self.problems.append(
                _problem(
                    name,
                    "is not a file the RAISE inbox takes: drop an XML return, an SSDA903 CSV table or a permanence "
                    "pack file (children.csv, meetings.csv, ..., pack.json, documents.json); put a CSV return's "
                    "tables in one folder",
                )
            )

    def folder_file(self, path: Path, inner: str, drop_year: int | None) -> None:
        """A file inside a folder drop: the root return, a year folder's return, or the pack."""
        steps = inner.split("/")
        suffix = path.suffix.lower()
        if (len(steps) == 2 and steps[0].lower() == PACK_FOLDER) or inner.lower() in PACK_DOCUMENTS:
            self._pack(path, inner)
            return
        if len(steps) == 1:
            year = drop_year
        elif len(steps) == 2 and drop_year is None and collection_year(steps[0]) is not None:
            year = collection_year(steps[0])
        else:
            self.notices.append(
                f"{self._where(inner)}: not in a place the inbox reads (the drop's root, a year "
                "folder or pack/); archived with the drop, not read"
            )
            return
        kind = PartKind.RETURN if year is None else PartKind.YEAR
        target = path.name if year is None else f"{year_folder(year)}/{path.name}"
        if suffix == ".xml":
            self._add(kind, path, target, inner)
        elif suffix == ".csv":
            table = self._inspect(path, self._where(inner))
            if table is None:
                return
            if table.recognised is not None:
                self._note_columns(table, inner)
                self._add(kind, path, target, inner, table.recognised.table.name)
            elif len(steps) == 1 and path.name.lower() in PACK_NAMES:
                # Pack files at the drop's root rather than in pack/: their names say what they are.
                self._pack(path, inner)
            else:
                self.problems.append(_not_a_table(table, self._where(inner)))
        else:
            self.notices.append(f"{self._where(inner)}: neither a CSV table nor an XML return; archived, not read")

    def _pack(self, path: Path, inner: str) -> None:
        name = path.name.lower()
        where = self._where(inner)
        if name in PACK_DOCUMENTS:
            self._add(PartKind.PACK, path, f"{PACK_FOLDER}/{name}", inner)
            return
        pack_file = PACK_NAMES.get(name)
        if pack_file is None:
            known = ", ".join([*PACK_NAMES, *PACK_DOCUMENTS])
            self.problems.append(_problem(where, f"is not a permanence pack file (the pack's files are {known})"))
            return
        try:
            with path.open(encoding=encoding_of(path), newline="") as handle:
                header = [column.strip().lower() for column in next(csv.reader(handle), [])]
        except _UNREADABLE as exc:
            self.problems.append(_problem(where, f"cannot be read: {exc}", row=1, field="header"))
            return
        absent = sorted(pack_file.required - set(header))
        if absent:
            self.problems.append(
                _problem(
                    where,
                    f"lacks the required column {', '.join(absent)}; see docs/permanence-pack.md for its columns",
                    row=1,
                    field="header",
                    value=", ".join(header),
                )
            )
            return
        self._add(PartKind.PACK, path, f"{PACK_FOLDER}/{name}", inner)

    def _inspect(self, path: Path, where: str) -> CsvTable | None:
        try:
            return CsvTable.inspect(path)
        except _UNREADABLE as exc:
            self.problems.append(_problem(where, f"cannot be read: {exc}", row=1, field="header"))
            return None

    def _note_columns(self, table: CsvTable, inner: str) -> None:
        recognised = table.recognised
        if recognised is not None and recognised.absent:
            what = recognised.table.name
            self.notices.append(
                f"{self._where(inner)} ({what}): no column {', '.join(recognised.absent)}; read as blank"
            )

    def _add(self, kind: PartKind, path: Path, target: str, inner: str, table: str | None = None) -> None:
        clash = next((part for part in self.parts if part.target.lower() == target.lower()), None)
        if clash is not None:
            self.problems.append(
                _problem(self._where(inner), f"goes to the same place as {self._where(clash.inner)} ({target})")
            )
            return
        self.parts.append(Part(kind=kind, source=path, target=target, inner=inner, table=table))


def _not_a_table(table: CsvTable, where: str) -> Rejection:
    return _problem(
        where,
        "matches no SSDA903 table; see docs/ssda903.md for the tables' columns",
        row=1,
        field="header",
        value=", ".join(table.header),
    )
