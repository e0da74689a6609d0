"""Reading SSDA903 CSV tables: recognised by header; UTF-8 with or without BOM, UTF-16 or Windows-1252; any line end."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import TextIO

import attrs

from permanence_core.adapters.ssda903.report import Unreadable
from permanence_core.adapters.ssda903.tables import Recognised, recognise
from permanence_core.adapters.ssda903.values import Problem

#: One data row: its line in the file, its values in table column order, and a problem
#: ``(column, value, reason)`` that rejects it (a row of the wrong width), or None.
CsvRow = tuple[int, tuple[str, ...], Problem | None]
_PROGRESS_EVERY = 16384
#: The longest line read, in characters. A 903 row is under 200; a far longer "line" is a binary file or a
#: runaway quote, and reading it whole would hold all of it in memory (a 1 GB file of NULs is one line).
MAX_LINE = 1 << 20


def bounded_lines(handle: TextIO) -> Iterator[str]:
    """The lines of ``handle`` for ``csv.reader``; Unreadable names the line that is longer than MAX_LINE.

    A file that cannot be decoded in its encoding (a stray byte Windows-1252 leaves undefined, a cut
    UTF-16 file) is Unreadable from the line where decoding failed.
    """
    number = 0
    while True:
        try:
            line = handle.readline(MAX_LINE + 1)
        except UnicodeDecodeError as exc:
            # The decoder works a block at a time, so the fault is at or soon after this line.
            reason = f"the file is not valid {handle.encoding} text from about this line ({exc.reason})"
            raise Unreadable(number + 1, f"{reason}, so the rest was not read") from None
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE:
            raise Unreadable(
                number, f"the line is longer than {MAX_LINE} characters (not a CSV row), so the rest was not read"
            )
        yield line


def encoding_of(path: Path) -> str:
    """The file's encoding: UTF-16 when it has a UTF-16 BOM, else UTF-8 when it decodes, else Windows-1252.

    Excel on Windows saves "CSV" as Windows-1252 and "Unicode text" as UTF-16; both reach councils' returns.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        start = handle.read(2)
        if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


#: Separators other than the comma that spreadsheets save "CSV" with (a European locale's Excel uses ";").
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


@attrs.frozen
class CsvTable:
    """A CSV file and what its header says it is (``recognised`` is None for a file that is no 903 table).

    ``delimiter`` is the comma unless the header line is one field holding another separator and splitting
    on that separator makes it a 903 table: then that separator is used, and the reader says so.
    """

    path: Path
    header: tuple[str, ...]
    encoding: str
    recognised: Recognised | None
    delimiter: str = ","

    @classmethod
    def inspect(cls, path: Path) -> CsvTable:
        """Read only the header line and recognise the table; Unreadable when the header cannot be read."""
        encoding = encoding_of(path)
        with path.open(encoding=encoding, newline="") as handle:
            try:
                line = next(bounded_lines(handle), "")
                header = tuple(next(csv.reader([line]), ()))
            except csv.Error as exc:
                raise Unreadable(1, f"the header line cannot be read: {exc}") from None
        delimiter = ","
        if len(header) == 1:
            for other in OTHER_DELIMITERS:
                split = tuple(next(csv.reader([line], delimiter=other), ()))
                if len(split) > 1 and recognise(split) is not None:
                    header, delimiter = split, other
                    break
        return cls(path, header, encoding, recognise(header) if header else None, delimiter)

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[CsvRow]:
        """Yield each data row; blank lines and rows of empty fields are skipped; a wrong-width row carries a problem.

        ``progress`` is called now and then with the number of bytes read so far.
        """
        if self.recognised is None:
            return
        width = len(self.header)
        positions = [width if at is None else at for at in self.recognised.positions]
        pad = width in positions
        pick = itemgetter(*positions)
        # Progress is counted in bytes, from the binary file under the text.
        with self.path.open("rb") as raw, io.TextIOWrapper(raw, encoding=self.encoding, newline="") as handle:
            reader = csv.reader(bounded_lines(handle), delimiter=self.delimiter)
            try:
                next(reader, None)
                for count, row in enumerate(reader, 1):
                    if not row or (not row[0].strip() and not any(value.strip() for value in row)):
                        continue
                    if len(row) != width:
                        problem = (None, None, f"has {len(row)} fields where the header has {width}")
                        row = (row + [""] * width)[:width]
                    else:
                        problem = None
                    if pad:
                        row.append("")
                    yield reader.line_num, tuple(map(str.strip, pick(row))), problem
                    if progress is not None and count % _PROGRESS_EVERY == 0:
                        progress(raw.tell())
            except csv.Error as exc:
                raise Unreadable(reader.line_num, f"the CSV cannot be read past this line: {exc}") from None
