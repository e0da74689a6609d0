"""A CSV file's data rows as one polars frame, exactly as the object reader's ``csv.reader`` pass would see them.

The columnar reader must see the same rows, values, line numbers and widths as the object reader, or its
rejections would differ. A *plain* file (ASCII, no NUL, no carriage return outside a CRLF line end, lines of sane
length) is read by polars, a block of whole lines at a time: as lines, and as cells. A line without a quote splits
on its delimiter exactly as ``csv.reader`` does; so does one whose every quote opens or closes a whole field (RFC
4180); any other line with a quote is parsed again by ``csv.reader`` and must give the same cells. Any other file
(another encoding, a record over two lines, ...) is read row by row with ``csv.reader`` as the object reader does:
slower, never different.

The frame has ``line`` (the line the row ends on, as ``csv.reader.line_num``), ``fields`` (how many fields the
row has), ``blank`` (every field blank: the object readers skip such rows) and one column per wanted position,
stripped as ``str.strip`` strips, ``""`` where the row is too short.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import attrs
import polars as pl

from permanence_core.adapters.ssda903.csvsource import bounded_lines, encoding_of
from permanence_core.adapters.ssda903.report import Unreadable

#: What ``str.strip`` strips from ASCII text (``str.isspace`` is true for the four separator controls too).
ASCII_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_CLASS = "".join(f"\\x{ord(c):02x}" for c in ASCII_WHITESPACE)
#: Bytes read at a time: whole lines are added to reach a line end (a line is at most MAX_LINE long).
BLOCK = 1 << 24
#: Longer lines go row by row: ``csv.reader`` refuses a field over its limit, and bounded_lines a huge line.
_PLAIN_LINE = 100_000


#: What a caller keeps of a block's rows.
Reduce = Callable[[pl.DataFrame], pl.DataFrame]


@attrs.frozen
class RawRows:
    """The data rows of one file (header excluded) and, when the file broke off, where and why."""

    frame: pl.DataFrame
    unreadable: tuple[int | None, str] | None = None


def _plain(path: Path) -> bool:
    """ASCII (``str.strip`` and polars then strip alike), no NUL, no carriage return but in a CRLF line end;
    checked a block at a time, so a large file is never held whole."""
    with path.open("rb") as handle:
        # The BOM is read apart: taken off a first block of no more than its own bytes, it would end the loop.
        if handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            handle.seek(0)
        block = handle.read(BLOCK)
        ends_in_cr = False
        while block:
            if not block.isascii() or b"\x00" in block or (ends_in_cr and not block.startswith(b"\n")):
                return False
            ends_in_cr = block.endswith(b"\r")
            body = block[:-1] if ends_in_cr else block
            # Counted only when there is one: most files have none, and ``in`` finds that at memchr's speed.
            if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
                return False
            block = handle.read(BLOCK)
    return not ends_in_cr


def _columns(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read_rows(
    path: Path,
    positions: Sequence[int | None],
    width: int,
    delimiter: str = ",",
    presence: Collection[int] = (),
    reduce: Reduce | None = None,
) -> RawRows:
    """The rows of ``path`` after its header line; ``positions`` picks each output column ``c0``, ``c1``, ...
    (None: a column the file lacks, read as blank); ``width`` is the number of fields of the header line.

    The output columns numbered in ``presence`` keep only whether they are blank (``""``) or not (``"x"``): a long
    free-text column that must merely be given costs a byte a row, not its text. ``reduce`` is applied to the rows
    of each block as soon as they are read (to keep only what a check needs of a large file)."""
    frame = None
    if len(delimiter) == 1 and delimiter.isascii() and _plain(path):
        frame = _with_polars(path, positions, width, delimiter, presence, reduce)
    if frame is not None:
        return RawRows(frame)
    rows = _read_with_csv(path, positions, delimiter)
    frame = rows.frame.with_columns(_present(f"c{i}") for i in presence)
    return RawRows(reduce(frame) if reduce is not None else frame, rows.unreadable)


def _present(name: str) -> pl.Expr:
    return pl.when(pl.col(name) == "").then(pl.lit("")).otherwise(pl.lit("x")).alias(name)


def _with_polars(
    path: Path,
    positions: Sequence[int | None],
    width: int,
    delimiter: str,
    presence: Collection[int],
    reduce: Reduce | None = None,
) -> pl.DataFrame | None:
    """The rows read by polars a block of whole lines at a time (so a large file is never held whole), or None when
    they might differ from ``csv.reader``'s."""
    parts: list[pl.DataFrame] = []
    first_line = 2
    with path.open("rb") as handle:
        handle.readline()  # the header line
        while block := handle.read(BLOCK):
            if not block.endswith(b"\n"):
                # Bounded: a longer line is refused below (csv.reader then reports it).
                block += handle.readline(_PLAIN_LINE + 1)
            part = _block(block, first_line, positions, width, delimiter, presence)
            if part is None:
                return None
            parts.append(reduce(part) if reduce is not None else part)
            first_line += block.count(b"\n")
    return pl.concat(parts) if parts else _empty(len(positions))


def _block(
    block: bytes,
    first_line: int,
    positions: Sequence[int | None],
    width: int,
    delimiter: str,
    presence: Collection[int],
) -> pl.DataFrame | None:
    """The rows of a block of whole lines starting at line ``first_line``, or None (see ``_with_polars``).

    The lines are read twice: whole (each line's field count, blankness and whether it holds a quote) and as
    cells (only the wanted columns). They are the same rows when no record spans lines (as many records as lines);
    a line holding a quote is then parsed again alone by ``csv.reader``, followed by a sentinel line it must not
    swallow, and must give the same cells.
    """
    lines = pl.read_csv(
        block,
        has_header=False,
        separator="\x00",
        quote_char=None,
        infer_schema=False,
        schema={"text": pl.String()},
        raise_if_empty=False,
    )
    if lines.height != block.count(b"\n") + (0 if block.endswith(b"\n") else 1):
        return None
    text = lines["text"].fill_null("")
    del lines
    if (text.str.len_bytes() > _PLAIN_LINE).any():
        return None
    wanted = sorted({at for at in positions if at is not None})
    try:
        cells = pl.read_csv(
            block,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            schema={name: pl.String() for name in _columns(max(width, *(at + 1 for at in wanted)))},
            columns=wanted or [0],
            truncate_ragged_lines=True,
            raise_if_empty=False,
        ).fill_null("")
    except pl.exceptions.PolarsError:
        return None
    if cells.height != text.len():
        return None
    frame = pl.DataFrame({"text": text}).select(
        pl.int_range(first_line, first_line + pl.len(), dtype=pl.Int64).alias("line"),
        pl.when(pl.col("text") == "")
        .then(0)
        .otherwise(pl.col("text").str.count_matches(delimiter, literal=True) + 1)
        .cast(pl.Int64)
        .alias("fields"),
        pl.col("text").str.contains(f"^[{_CLASS}{_escaped(delimiter)}]*$").alias("blank"),
    )
    quoted = text.str.contains('"', literal=True)
    if quoted.any():
        where = quoted.arg_true()
        with_quotes = text.gather(where)
        regular = with_quotes.str.contains(_regular_line(delimiter))
        if regular.any():
            frame = _regular_quotes(frame, where.filter(regular), with_quotes.filter(regular), delimiter)
        if not regular.all():
            odd = pl.DataFrame({"at": where, "text": with_quotes}).filter(~regular)
            requoted = _requoted(frame, cells, wanted, odd, delimiter)
            if requoted is None:
                return None
            frame = requoted
    del text
    picked = [
        pl.lit("").alias(name) if at is None else _stripped(cells[f"c{at}"]).alias(name)
        for name, at in zip(_columns(len(positions)), positions, strict=True)
    ]
    frame = frame.with_columns(*picked).with_columns(_present(f"c{i}") for i in presence)
    return frame.filter(~pl.col("blank")) if frame["blank"].any() else frame


def _stripped(values: pl.Series) -> pl.Series:
    # Most columns have no padding at all: they are kept as read, and the stripped copy goes. Stripping and comparing
    # lengths costs less than finding padding by a pattern (a third less, measured on a national pack's meetings).
    stripped = values.str.strip_chars(ASCII_WHITESPACE)
    return stripped if (stripped.str.len_bytes() != values.str.len_bytes()).any() else values


#: A field quoted whole: a quote, anything but a lone quote (a quote inside is doubled), a quote.
_QUOTED_FIELD = '"(?:[^"]|"")*"'


def _regular_line(delimiter: str) -> str:
    """A line each of whose fields is either free of quotes or quoted whole (``"..."``, a quote inside doubled):
    polars and ``csv.reader`` split such a line alike, as RFC 4180 says."""
    split = _escaped(delimiter)
    field = f'(?:[^"{split}]*|{_QUOTED_FIELD})'
    return f"^{field}(?:{split}{field})*$"


def _escaped(character: str) -> str:
    # As a regex escape both polars' engine and Python's take, whatever the character (a tab, a bar...).
    return f"\\x{ord(character):02x}"


def _regular_quotes(frame: pl.DataFrame, at: pl.Series, lines: pl.Series, delimiter: str) -> pl.DataFrame:
    """Field counts and blankness of the ``lines`` at rows ``at``, each a ``_regular_line`` holding a quote, by
    column expressions: ``csv.reader`` need not read them again (a national pack has a quarter of a million)."""
    split = _escaped(delimiter)
    # The delimiters outside quoted fields.
    fields = lines.str.replace_all(_QUOTED_FIELD, "").str.count_matches(delimiter, literal=True) + 1
    # Blank: nothing but spaces and delimiters once each field quoted around nothing but spaces goes (with the
    # delimiter before it, as blank as it). Such a field opens at the start or after a delimiter; a quote left over
    # is in a field that is not blank (``""""`` is a quote).
    left = lines.str.replace_all(f'(?:^|{split})"[{_CLASS}]*"', "")
    blank = ~left.str.contains('"', literal=True) & left.str.contains(f"^[{_CLASS}{split}]*$")
    return frame.with_columns(
        frame["fields"].clone().scatter(at, fields.cast(pl.Int64)), frame["blank"].clone().scatter(at, blank)
    )


def _requoted(
    frame: pl.DataFrame, cells: pl.DataFrame, wanted: list[int], quoted: pl.DataFrame, delimiter: str
) -> pl.DataFrame | None:
    """Field counts and blankness of the lines holding a quote (``at``, ``text``), from ``csv.reader``; None when
    its cells differ from polars'."""
    at = quoted["at"]
    lines = quoted["text"].to_list()
    # One csv.reader pass over every such line and a sentinel line: a line whose quote runs on past its end swallows
    # the line after it (fewer rows than lines, or the sentinel not last and alone), and the block is read row by row.
    parsed = list(csv.reader(io.StringIO("\n".join([*lines, "x", ""])), delimiter=delimiter))
    if len(parsed) != len(lines) + 1 or parsed[-1] != ["x"]:
        return None
    rows = parsed[:-1]
    for row, mine in zip(rows, cells[at].rows(), strict=True):
        if tuple(row[at] if at < len(row) else "" for at in wanted) != mine[: len(wanted)]:
            return None
    counts = frame["fields"].clone().scatter(at, [len(row) for row in rows])
    blanks = frame["blank"].clone().scatter(at, [not any(value.strip() for value in row) for row in rows])
    return frame.with_columns(counts, blanks)


def _empty(count: int) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"line": pl.Int64(), "fields": pl.Int64(), "blank": pl.Boolean()}
    schema.update({name: pl.String() for name in _columns(count)})
    return pl.DataFrame(schema=schema)


def _read_with_csv(path: Path, positions: Sequence[int | None], delimiter: str) -> RawRows:
    """Row by row, as the object readers read: same decoding, same bounded lines, same csv dialect."""
    columns: list[list[str]] = [[] for _ in positions]
    numbers: list[int] = []
    counts: list[int] = []
    unreadable: tuple[int | None, str] | None = None
    with path.open(encoding=encoding_of(path), newline="") as handle:
        reader = csv.reader(bounded_lines(handle), delimiter=delimiter)
        try:
            next(reader, None)
            for row in reader:
                if not any(value.strip() for value in row):
                    continue
                numbers.append(reader.line_num)
                counts.append(len(row))
                for column, at in zip(columns, positions, strict=True):
                    column.append(row[at].strip() if at is not None and at < len(row) else "")
        except Unreadable as exc:
            unreadable = (exc.line, exc.reason)
        except csv.Error as exc:
            unreadable = (reader.line_num, f"the CSV cannot be read past this line: {exc}")
    frame = pl.DataFrame(
        {
            "line": pl.Series(numbers, dtype=pl.Int64),
            "fields": pl.Series(counts, dtype=pl.Int64),
            "blank": pl.Series([False] * len(numbers), dtype=pl.Boolean),
            **{
                name: pl.Series(values, dtype=pl.String)
                for name, values in zip(_columns(len(positions)), columns, strict=True)
            },
        }
    )
    return RawRows(frame, unreadable)
