"""``rawrows.read_rows`` against the object reader's own row pass (``CsvTable.rows``), one small file at a time.

The columnar reader must see the rows the object reader sees: the same line numbers, field counts, stripped values
and the same place and reason where a file breaks off. ``tests/test_ssda903_cohort.py`` checks that through whole
cohorts (seconds a file); these tests check the row reader alone on files of a few lines, so that a fault in it
costs milliseconds to find (they are what kills its mutants under mutation testing, docs/mutation-testing.md).
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from permanence_core.adapters.ssda903 import rawrows
from permanence_core.adapters.ssda903.csvsource import MAX_LINE, CsvTable
from permanence_core.adapters.ssda903.report import Unreadable
from permanence_core.adapters.ssda903.tables import HEADER

UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
#: Under mutmut the same examples every run and no shrinking (a failing example kills the mutant); `make test`
#: draws new ones.
EXAMPLES = 150 if UNDER_MUTMUT else 400
PHASES = (Phase.explicit, Phase.generate) if UNDER_MUTMUT else tuple(Phase)
_FIELDS = re.compile(r"has (\d+) fields where")


def object_rows(path: Path) -> tuple[CsvTable, pl.DataFrame, tuple[int | None, str] | None]:
    """The table as the object reader recognises it, its rows as ``read_rows`` must give them (every table column
    picked where the header has it) and where and why the file broke off."""
    table = CsvTable.inspect(path)
    assert table.recognised is not None
    width = len(table.header)
    lines, counts, values = [], [], []
    unreadable = None
    try:
        for line, row, problem in table.rows():
            lines.append(line)
            # The object reader states a row's field count only when it is not the header's.
            counts.append(width if problem is None else int(_FIELDS.search(problem[2]).group(1)))
            values.append(row)
    except Unreadable as exc:
        unreadable = (exc.line, exc.reason)
    columns = {f"c{i}": pl.Series([row[i] for row in values], dtype=pl.String) for i in range(len(HEADER.columns))}
    frame = pl.DataFrame(
        {
            "line": pl.Series(lines, dtype=pl.Int64),
            "fields": pl.Series(counts, dtype=pl.Int64),
            "blank": pl.Series([False] * len(lines), dtype=pl.Boolean),
            **columns,
        }
    )
    return table, frame, unreadable


def present(frame: pl.DataFrame, presence: list[int]) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col(f"c{i}") == "").then(pl.lit("")).otherwise(pl.lit("x")).alias(f"c{i}") for i in presence
    )


def even_lines(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("line") % 2 == 0)


class Spy:
    """``rawrows._read_with_csv`` counting its calls: whether a file was read row by row."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = rawrows._read_with_csv

    def __call__(self, *args: object) -> rawrows.RawRows:
        self.calls += 1
        return self.real(*args)


def read_like_the_object_reader(
    path: Path, presence: list[int] | None = None, reduce: Callable[[pl.DataFrame], pl.DataFrame] | None = None
) -> tuple[rawrows.RawRows, int]:
    """``read_rows`` as the columnar reader calls it, checked against ``object_rows``; and how often it went row by
    row."""
    table, expected, unreadable = object_rows(path)
    assert table.recognised is not None
    spy = Spy()
    with mock.patch.object(rawrows, "_read_with_csv", spy):
        got = rawrows.read_rows(
            path, table.recognised.positions, len(table.header), table.delimiter, presence or (), reduce
        )
    expected = present(expected, presence or [])
    if reduce is not None:
        expected = reduce(expected)
    assert got.frame.equals(expected), (got.frame, expected)
    assert got.unreadable == unreadable
    return got, spy.calls


HEADERS = st.permutations(HEADER.columns).flatmap(
    lambda order: st.lists(st.sampled_from(["MOTHER", "MC_DOB", "UPN"]), unique=True).map(
        lambda dropped: [column for column in order if column not in dropped]
    )
) | st.just(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "EXTRA"])
#: Pieces of a row: values, padding, quotes, every line end, a NUL, a non-ASCII letter, the delimiter ("," here,
#: swapped for the file's own).
TOKENS = st.sampled_from(["a", " b ", "C1", "", ",", ",,", '"', '""', '"x,y"', '"p\nq"', "\r\n", "\n", "\r", "\t"])
RARE = st.sampled_from(["é", "\x00", "\x1f", "  ", "\x0b"])
BODIES = st.lists(st.one_of(TOKENS, TOKENS, TOKENS, RARE), max_size=60).map("".join)


@settings(max_examples=EXAMPLES, derandomize=UNDER_MUTMUT, phases=PHASES, deadline=None)
@given(
    header=HEADERS,
    body=BODIES,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    block=st.sampled_from([1, 3, 7, 64, 1 << 24]),
    presence=st.lists(st.integers(0, len(HEADER.columns) - 1), unique=True, max_size=3),
    reduce=st.sampled_from([None, even_lines]),
)
def test_rows_are_the_object_readers(header, body, delimiter, encoding, line_end, block, presence, reduce):
    """Any small file of a recognised table, in any encoding, delimiter, line end and block size."""
    text = delimiter.join(header) + line_end + body.replace(",", delimiter)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(rawrows, "BLOCK", block):
        _, row_by_row = read_like_the_object_reader(write(Path(folder), data), presence, reduce)
    # A file polars reads exactly as csv.reader does is not read row by row: ASCII, no NUL, no quote, no carriage
    # return but in a CRLF (the slow path is for the others). Polars takes a block's first line's width as every
    # line's and declines a block whose first line is not the header's width: that holds with one block.
    simple = data.removeprefix(codecs.BOM_UTF8)
    first = body.partition("\n")[0].removesuffix("\r")
    simple = simple.isascii() and not re.search(rb'[\x00"]|\r(?!\n)', simple)
    if simple and block == 1 << 24 and first.count(delimiter) + 1 == len(header):
        assert row_by_row == 0, data


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "header.csv"
    path.write_bytes(data)
    return path


HEAD = b"CHILD,SEX,DOB,ETHNIC,UPN\r\n"


@pytest.mark.parametrize("block", range(1, 40))
def test_a_plain_file_is_read_by_polars_a_block_at_a_time(tmp_path, block):
    """Whatever the block size, a carriage return ending a block included."""
    body = b"C1, 1 ,01/01/2015,WBRI,\r\n ,  , ,,\r\nC2,2,\t01/02/2016\x0b,WBRI,A123\r\n"
    path = write(tmp_path, codecs.BOM_UTF8 + HEAD + body)
    with mock.patch.object(rawrows, "BLOCK", block):
        got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 0
    assert got.frame["line"].to_list() == [2, 4]
    assert got.frame["c2"].to_list() == ["01/01/2015", "01/02/2016"]


def test_short_long_and_blank_lines_after_a_full_one_are_read_by_polars(tmp_path):
    body = b"C1,1,01/01/2015,WBRI,\r\n\r\n ,  , ,,\r\nC2,2,\t01/02/2016\x0b,WBRI,A123\r\nC3,1\r\nC4,1,,,,,\r\n"
    got, row_by_row = read_like_the_object_reader(write(tmp_path, HEAD + body))
    assert row_by_row == 0
    assert got.frame["line"].to_list() == [2, 5, 6, 7]
    assert got.frame["fields"].to_list() == [5, 5, 2, 7]
    assert got.frame["c0"].to_list() == ["C1", "C2", "C3", "C4"]
    assert got.frame["c2"].to_list() == ["01/01/2015", "01/02/2016", "", ""]


def test_quoted_fields_on_one_line_are_read_by_polars(tmp_path):
    path = write(tmp_path, HEAD + b'"C1","1",01/01/2015,"WB,RI",\r\n"C2",2,"",WBRI,"A""1"\r\n')
    got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 0
    assert got.frame["c3"].to_list() == ["WB,RI", "WBRI"]
    assert got.frame["c4"].to_list() == ["", 'A"1']


#: A field of a line: bare (no quote) or quoted whole, holding anything of a line (delimiters, spaces, doubled quotes).
BARE = st.lists(st.sampled_from(["a", "C1", " ", "\t", "\x0b", "\x1f"]), max_size=3).map("".join)
INSIDE = st.lists(st.sampled_from(["a", " ", "\t", ",", '""', "\x1c"]), max_size=4).map("".join)
QUOTED = INSIDE.map(lambda inside: f'"{inside}"')
#: Blank fields, quoted or not: a line of nothing else is blank, and skipped.
BLANK = st.sampled_from(['""', '" "', '"\t"', "", " "])
#: A quote that does not open or close a whole field: csv.reader must read its line again.
ODD_FIELDS = ('a"b', ' "a"', '"a" ', '"a"b', '"a""')
FIELDS = st.one_of(BARE, QUOTED, BLANK, st.sampled_from(ODD_FIELDS))


@settings(max_examples=EXAMPLES, derandomize=UNDER_MUTMUT, phases=PHASES, deadline=None)
@given(
    lines=st.lists(st.lists(FIELDS, min_size=1, max_size=8), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
# A field of one escaped quote is not blank, though its quotes pair up as two empty quoted fields would (a line as
# wide as the header: polars reads it).
@example(lines=[["", "", "", "", "", "", '""""']], delimiter=",")
@example(lines=[['""""', '" "', "", "", "", "", ""], ['" "', '""', "\t", "", "", "", '" "']], delimiter="\t")
def test_lines_with_quotes_are_the_object_readers_and_only_odd_ones_are_parsed_again(lines, delimiter):
    """Fields quoted whole are counted and judged blank by column expressions; a line with any other quote is read
    again by csv.reader; either way the rows are the object reader's."""
    header = delimiter.join(HEADER.columns)
    body = "".join(delimiter.join(field.replace(",", delimiter) for field in line) + "\n" for line in lines)
    odd = [line for line in lines if any(field in ODD_FIELDS for field in line)]
    reparsed: list[int] = []
    real = rawrows._requoted

    def requoted(frame, cells, wanted, quoted, delimiter):
        reparsed.extend(quoted["at"].to_list())
        return real(frame, cells, wanted, quoted, delimiter)

    with tempfile.TemporaryDirectory() as folder, mock.patch.object(rawrows, "_requoted", requoted):
        _, row_by_row = read_like_the_object_reader(write(Path(folder), (header + "\n" + body).encode()))
    if row_by_row == 0:
        assert len(reparsed) == len(odd)


@pytest.mark.parametrize(
    "body",
    [
        b'C1,1,"01/01/\n2015",WBRI,\nC2,2,,WBRI,\n',  # a record over two lines
        b"C1,1,01/01/2015,W\rBRI,\nC2,2,,WBRI,\n",  # a lone carriage return
        b"C1,1,01/01/2015,W\xc3\xa9,\n",  # UTF-8
        b"C1,1,01/01/2015,W\xe9,\n",  # Windows-1252
        b"C1,1,01/01/2015,W\x00,\n",  # a NUL
        b"C1,1," + b"x" * 100_001 + b",WBRI,\n",  # a line too long to go by polars
    ],
)
def test_other_files_are_read_row_by_row(tmp_path, body):
    got, row_by_row = read_like_the_object_reader(write(tmp_path, HEAD.replace(b"\r\n", b"\n") + body))
    assert row_by_row == 1
    assert got.frame.height >= 1


@pytest.mark.parametrize(
    "body",
    [
        # not Windows-1252 (nor UTF-8) from line 402: past the first block the decoder reads
        b"C1,1,01/01/2015,WBRI,\n" * 400 + b"C2,1,01/01/2015,\x81,\n",
        b"C1,1,01/01/2015,WBRI,\nC2," + b"y" * (MAX_LINE + 1) + b"\nC3,1,,,\n",  # a line longer than MAX_LINE
        b'C1,1,01/01/2015,WBRI,\nC2,"' + b"z" * (csv.field_size_limit() + 1) + b'",,,\n',  # over csv's field limit
    ],
)
def test_a_file_that_breaks_off_says_where_and_why(tmp_path, body):
    got, _ = read_like_the_object_reader(write(tmp_path, HEAD.replace(b"\r\n", b"\n") + body))
    assert got.unreadable is not None
    assert got.frame["c0"].to_list()[:1] == ["C1"]


def test_an_empty_file_and_a_header_alone_give_no_rows(tmp_path):
    for data in (HEAD, HEAD + b" , ,\t, ,\r\n\r\n", HEAD + b",,,,"):
        got, row_by_row = read_like_the_object_reader(write(tmp_path, data))
        assert got.frame.height == 0
        assert row_by_row == 0
        assert got.frame.schema == rawrows._empty(len(HEADER.columns)).schema


def test_presence_keeps_whether_a_value_is_given_and_reduce_runs_per_block(tmp_path):
    path = write(
        tmp_path, HEAD + b"".join(b"C%d,1,01/01/2015,%s,\r\n" % (i, b"WBRI" if i % 3 else b" ") for i in range(9))
    )
    blocks: list[int] = []

    def counted(frame: pl.DataFrame) -> pl.DataFrame:
        blocks.append(frame.height)
        return even_lines(frame)

    with mock.patch.object(rawrows, "BLOCK", 40):
        got, _ = read_like_the_object_reader(path, presence=[3], reduce=counted)
    assert got.frame["c3"].to_list() == ["", "x", "x", "", "x"]
    assert len(blocks) > 2  # once per block of the file, and once more for the expected rows
    assert got.frame["line"].to_list() == [2, 4, 6, 8, 10]


@pytest.mark.parametrize("block", range(1, 12))
def test_a_lone_carriage_return_is_seen_at_any_block_boundary(tmp_path, block):
    lone = write(tmp_path, b"h\na\r\r\nb\n")
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(b"h\r\na\r\n\r\nb\r\n")
    with mock.patch.object(rawrows, "BLOCK", block):
        assert not rawrows._plain(lone)
        assert rawrows._plain(crlf)


def test_the_delimiter_is_a_comma_unless_given(tmp_path):
    """The pack's reader gives none."""
    path = write(tmp_path, HEAD + b"C1,1,01/01/2015,WBRI,\r\n")
    got = rawrows.read_rows(path, [0, 3], 5)
    assert got.frame.select("c0", "c1").rows() == [("C1", "WBRI")]


@pytest.mark.parametrize("cut", [1, 2, 50_000])
def test_a_line_of_the_longest_plain_length_is_read_by_polars_wherever_a_block_ends(tmp_path, cut):
    first = b"C1,1,01/01/2015,WBRI,\n"
    long = b"C2,1,01/01/2015,WBRI," + b"u" * (rawrows._PLAIN_LINE - 21) + b"\n"
    assert len(long) == rawrows._PLAIN_LINE + 1
    path = write(tmp_path, HEAD.replace(b"\r\n", b"\n") + first + long + b"C3,2,,,\n")
    with mock.patch.object(rawrows, "BLOCK", len(first) + cut):  # a block ends "cut" bytes into the long line
        got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 0
    assert got.frame["c0"].to_list() == ["C1", "C2", "C3"]


@pytest.mark.parametrize("delimiter", [";", "|", "\t"])
def test_other_delimiters_with_quotes_and_short_rows_are_read_by_polars(tmp_path, delimiter):
    """As the columnar reader asks: only some columns (SEX and UPN not among them), rows short and quoted."""
    lines = [
        "ETHNIC,UPN,CHILD,SEX,DOB",
        'WBRI,,C1,1,"01/01/2015"',
        '"WB,RI",A1,"C2",2,02/02/2016',
        '"WBRI","A2"',
        'x,y,"C3"',
        "WBRI,,C4,1,03/03/2017,extra",
    ]
    text = "".join(line.replace(",", delimiter) + "\n" for line in lines).encode()
    path = write(tmp_path, text)
    table = CsvTable.inspect(path)
    assert table.delimiter == delimiter
    spy = Spy()
    positions = [2, None, 4, 0, None]  # CHILD, (SEX), DOB, ETHNIC, (UPN)
    with mock.patch.object(rawrows, "_read_with_csv", spy):
        got = rawrows.read_rows(path, positions, 5, delimiter)
    assert spy.calls == 0
    assert got.frame["fields"].to_list() == [5, 5, 2, 3, 6]
    assert got.frame.select("c0", "c1", "c2", "c3").rows() == [
        ("C1", "", "01/01/2015", "WBRI"),
        ("C2", "", "02/02/2016", f"WB{delimiter}RI"),
        ("", "", "", "WBRI"),
        ("C3", "", "", "x"),
        ("C4", "", "03/03/2017", "WBRI"),
    ]


def test_every_ascii_space_str_strip_strips_is_stripped(tmp_path):
    path = write(tmp_path, HEAD + b"\x1cC1\x1f,\x1d1\x1e, 01/01/2015\x0c,WBRI,\r\n")
    got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 0
    assert got.frame.select("c0", "c1", "c2").rows() == [("C1", "1", "01/01/2015")]


def test_a_last_line_with_an_unclosed_quote_is_read_row_by_row(tmp_path):
    got, row_by_row = read_like_the_object_reader(write(tmp_path, HEAD + b'C1,1,01/01/2015,WBRI,\r\nC2,"1'))
    assert row_by_row == 1
    assert got.frame["c0"].to_list() == ["C1", "C2"]


def test_a_line_end_inside_quotes_is_kept_as_written(tmp_path):
    got, row_by_row = read_like_the_object_reader(write(tmp_path, HEAD + b'C1,1,01/01/2015,"W\r\nB\rR\nI",\r\n'))
    assert row_by_row == 1
    assert got.frame["c3"].to_list() == ["W\r\nB\rR\nI"]
    assert got.frame["line"].to_list() == [5]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_a_header_alone_read_row_by_row_gives_the_empty_frame(tmp_path, encoding):
    path = write(tmp_path, "CHILD,SEX,DOB,ETHNIC,UPN,NOTÉ\n".encode(encoding))
    got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 1
    assert got.frame.schema == rawrows._empty(len(HEADER.columns)).schema


def test_padding_on_one_side_only_is_stripped(tmp_path):
    """A column padded only at the end, another only at the start."""
    path = write(tmp_path, HEAD + b"C1 ,\t1,01/01/2015,WBRI,\r\nC2\x0c,2,01/01/2015,WBRI,\r\n")
    got, row_by_row = read_like_the_object_reader(path)
    assert row_by_row == 0
    assert got.frame.select("c0", "c1").rows() == [("C1", "1"), ("C2", "2")]
