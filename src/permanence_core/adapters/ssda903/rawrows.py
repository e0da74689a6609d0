"""A CSV file's data rows as one polars frame, exactly as the object reader's ``csv.reader`` pass would see them.

The columnar reader must see the same rows, values, line numbers and widths as the object reader, or its
rejections would differ. A *plain* file (ASCII, no quote character, no NUL, no carriage return outside a CRLF
line end, lines of sane length) splits on its delimiter exactly as ``csv.reader`` does, so polars reads it
whole as lines and splits them with column expressions. Any other file (quoted fields, another encoding, ...)
is read row by row with ``csv.reader`` as the object reader does: slower, never different.

The frame has ``line`` (the line the row ends on, as ``csv.reader.line_num``), ``fields`` (how many fields the
row has), ``blank`` (every field blank: the object readers skip such rows) and one column per wanted position,
stripped as ``str.strip`` strips, ``""`` where the row is too short.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from pathlib import Path

import attrs
import polars as pl

from permanence_core.adapters.ssda903.csvsource import bounded_lines, encoding_of
from permanence_core.adapters.ssda903.report import Unreadable

#: What ``str.strip`` strips from ASCII text (``str.isspace`` is true for the four separator controls too).
ASCII_WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
#: Longer lines go row by row: ``csv.reader`` refuses a field over its limit, and bounded_lines a huge line.
_PLAIN_LINE = 100_000


@attrs.frozen
class RawRows:
    """The data rows of one file (header excluded) and, when the file broke off, where and why."""

    frame: pl.DataFrame
    unreadable: tuple[int | None, str] | None = None


def _plain(data: bytes) -> bool:
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    return body.isascii() and b'"' not in body and b"\x00" not in body and body.count(b"\r") == body.count(b"\r\n")


def _columns(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read_rows(path: Path, positions: Sequence[int | None], delimiter: str = ",") -> RawRows:
    """The rows of ``path`` after its header line; ``positions`` picks each output column ``c0``, ``c1``, ...
    (None: a column the file lacks, read as blank)."""
    data = path.read_bytes()
    if len(delimiter) == 1 and delimiter.isascii() and _plain(data):
        lines = pl.read_csv(
            data,
            has_header=False,
            skip_lines=1,
            separator="\x00",
            quote_char=None,
            infer_schema=False,
            new_columns=["text"],
            raise_if_empty=False,
        )
        del data
        if lines.width == 0:
            return RawRows(_empty(len(positions)))
        if (lines["text"].str.len_bytes().max() or 0) <= _PLAIN_LINE:
            return RawRows(_split(lines, positions, delimiter))
    del data
    return _read_with_csv(path, positions, delimiter)


def _empty(count: int) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {"line": pl.Int64(), "fields": pl.Int64(), "blank": pl.Boolean()}
    schema.update({name: pl.String() for name in _columns(count)})
    return pl.DataFrame(schema=schema)


def _split(lines: pl.DataFrame, positions: Sequence[int | None], delimiter: str) -> pl.DataFrame:
    # Line numbers count from the header (line 1); an empty line is a row of no fields, skipped as blank.
    text = pl.col("text").fill_null("")
    fields = text.str.split(delimiter)
    picked = [
        pl.lit("").alias(name)
        if at is None
        else fields.list.get(at, null_on_oob=True).fill_null("").str.strip_chars(ASCII_WHITESPACE).alias(name)
        for name, at in zip(_columns(len(positions)), positions, strict=True)
    ]
    return (
        lines.with_row_index("line", offset=2)
        .select(
            pl.col("line").cast(pl.Int64),
            pl.when(text == "").then(0).otherwise(fields.list.len()).cast(pl.Int64).alias("fields"),
            (text.str.strip_chars(ASCII_WHITESPACE + delimiter) == "").alias("blank"),
            *picked,
        )
        .filter(~pl.col("blank"))
    )


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
