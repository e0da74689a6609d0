"""Adversarial SSDA903 input: fuzzed CSV tables and XML returns end in data or the library's own error."""

import csv
import datetime as dt
import io
import json
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from permanence_core import api, serialization
from permanence_core.adapters import ssda903
from permanence_core.adapters.base import LoadResult
from permanence_core.adapters.ssda903 import tables, xmlsource
from permanence_core.adapters.ssda903.convert import csv_to_xml, xml_to_csv
from permanence_core.adapters.ssda903.csvsource import MAX_LINE
from permanence_core.adapters.ssda903.report import WITHHELD
from permanence_core.errors import PermanenceError
from permanence_core.privacy import is_identifying, mask

DATA = Path(__file__).parent / "data" / "ssda903"
BASIC = {path.name: path.read_bytes() for path in sorted((DATA / "basic").glob("*.csv"))}
SMALL = (DATA / "small.xml").read_bytes()
SECRET = "TOP-SECRET-0xC0FFEE"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AS_OF = dt.date(2024, 9, 1)

#: Bytes that steer a CSV parser or decoder down its rarer paths.
CSV_TOKENS = [b'"', b",", b"\r", b"\n", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\x81", b"\xe9", b"\xc3"]
#: Bytes that steer an XML parser down its rarer paths.
XML_TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x1F;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"<?pi x?>",
    b"\x00",
    b"</CHILD>",
    b"<CHILD>",
    b"<HEADER>",
    b"<EPISODE>",
    b'<!DOCTYPE EXPSSDA903 [<!ENTITY e "x">]>',
    b"&e;",
    b"\xff",
]


@st.composite
def mangled(draw, data: bytes, tokens: list[bytes]) -> bytes:
    """``data`` after a few truncations, byte flips, insertions, deletions and repeats."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat"]))
        if kind == "truncate":
            del out[at:]
        elif kind == "flip" and at < len(out):
            out[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            out[at:at] = draw(st.sampled_from(tokens) | st.binary(min_size=1, max_size=6))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 40))]
        elif kind == "repeat":
            out[at:at] = out[at : at + draw(st.integers(1, 200))]
    return bytes(out)


def outcome(source: Path) -> LoadResult | PermanenceError:
    """Load ``source``; anything but a LoadResult or the library's own error naming the source fails the test."""
    try:
        result = ssda903.load(str(source), {})
    except PermanenceError as exc:
        assert str(source) in str(exc), exc
        return exc
    assert isinstance(result, LoadResult)
    check_rejections(result)
    return result


def check_rejections(result: LoadResult) -> None:
    """Every rejection names its file, its place (line or element) and why; a value comes with its field."""
    assert result.loaded >= 0
    for rejection in result.rejected:
        assert rejection.source and rejection.reason, rejection
        assert rejection.row is not None or rejection.element is not None, rejection
        assert rejection.value is None or rejection.field, rejection
        assert str(rejection)


def evaluate_all(result: LoadResult) -> None:
    """What loaded is data the rules engine takes as it is."""
    api.evaluate(result.records, as_of=AS_OF)


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (folder / name).write_bytes(data)


# --- CSV tables -------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), names=st.lists(st.sampled_from(sorted(BASIC)), min_size=1, max_size=4, unique=True))
def test_mangled_csv_tables_load_or_raise_the_library_error(data, names):
    files = dict(BASIC)
    for name in names:
        files[name] = data.draw(mangled(BASIC[name], CSV_TOKENS), label=name)
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files)
        result = outcome(Path(folder))
        if isinstance(result, LoadResult):
            evaluate_all(result)


SAMPLES = st.sampled_from(
    ["", " ", "C1", "01/01/2020", "2020-02-30", "31/12/9999", "00/00/0000", "S", "C2", "U1", "=1+1"]
)
DATES = st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y"))
VALUE = st.text(max_size=12) | SAMPLES | DATES


@FUZZ
@given(
    table=st.sampled_from(tables.TABLES),
    rows=st.lists(st.lists(VALUE, min_size=13, max_size=13), max_size=8),
    with_header=st.booleans(),
)
def test_random_values_in_every_column_are_loaded_or_rejected_by_field(table, rows, with_header):
    width = len(table.columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    written = [row[:width] for row in rows]
    writer.writerows(written)
    files = {table.file_name: out.getvalue().encode()}
    if with_header and table is not tables.HEADER:
        files["header.csv"] = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,01/01/2015,WBRI,,,\n"
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files)
        result = outcome(Path(folder))
    assert isinstance(result, LoadResult)
    given_values = {value.strip() for row in written for value in row}
    for rejection in result.rejected:
        # A rejection repeats only what was given (withheld, or masked for an identifier): it never invents a value.
        if is_identifying(rejection.field):
            assert rejection.value in {mask(value) for value in given_values}, rejection
        else:
            assert rejection.value in (None, WITHHELD) or rejection.value in given_values, rejection
        assert rejection.field is None or rejection.field in table.columns, rejection
    evaluate_all(result)


COLUMN_NAMES = sorted({column for table in tables.TABLES for column in table.columns})


@FUZZ
@given(
    header=st.lists(st.sampled_from(COLUMN_NAMES) | st.text(max_size=8), max_size=14),
    rows=st.lists(st.lists(VALUE, max_size=16), max_size=6),
    name=st.sampled_from(["episodes.csv", "header.csv", "anything.csv", "reviews.CSV"]),
)
def test_wrong_headers_and_ragged_rows_are_recognised_ignored_or_rejected(header, rows, name):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(out.getvalue(), encoding="utf-8")
        result = outcome(Path(folder))
        if isinstance(result, LoadResult):
            evaluate_all(result)


HEADER_ROWS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nCé1,1,01/02/2015,WBRI,,,\r\nC2,2,2016-03-04,WBRI,,,\r\n"
EPISODE_ROWS = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n" + (
    "Cé1,05/01/2024,S,C2,N1,U1,PR1,,,,,,\r\nC2,05/02/2024,S,C2,N1,U1,PR1,,,,,,\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "line_end", "notice"),
    [
        ("utf-8", "\n", None),
        ("utf-8-sig", "\r\n", None),
        ("cp1252", "\r\n", "not UTF-8, read as cp1252"),
        ("utf-16", "\r\n", "not UTF-8, read as utf-16"),
        ("utf-8-sig", "\r", None),
    ],
)
def test_encodings_and_line_ends_read_the_same_children(tmp_path, encoding, line_end, notice):
    for name, text in (("header.csv", HEADER_ROWS), ("episodes.csv", EPISODE_ROWS)):
        (tmp_path / name).write_bytes(text.replace("\r\n", line_end).encode(encoding))
    result = outcome(tmp_path)
    assert [record.child_id for record in result.records] == ["Cé1", "C2"]
    assert [record.child.date_of_birth for record in result.records] == [dt.date(2015, 2, 1), dt.date(2016, 3, 4)]
    assert [len(record.episodes) for record in result.records] == [1, 1]
    assert result.rejected == ()
    assert (notice is None) or any(notice in text for text in result.notices)


def test_mixed_line_ends_and_a_cut_last_line(tmp_path):
    lines = HEADER_ROWS.split("\r\n")
    (tmp_path / "header.csv").write_bytes(f"{lines[0]}\n{lines[1]}\r{lines[2]}\r\nC3,1,01/0".encode())
    result = outcome(tmp_path)
    assert [record.child_id for record in result.records] == ["Cé1", "C2", "C3"]
    [cut] = result.rejected
    assert (cut.source, cut.row, cut.child_id) == ("header.csv", 4, "C3")
    assert cut.reason == "has 3 fields where the header has 7"


def test_a_byte_windows_1252_leaves_undefined_is_reported_and_the_rows_before_it_load(tmp_path):
    rows = "".join(f"K{n},1,01/01/2015,WBRI,,,\r\n" for n in range(1000))
    (tmp_path / "header.csv").write_bytes(f"{HEADER_ROWS}{rows}".encode("cp1252") + b"C,1,,WBRI,\x81,,\r\n")
    result = outcome(tmp_path)
    [unreadable] = result.rejected
    assert unreadable.source == "header.csv"
    assert unreadable.reason.startswith("the file is not valid cp1252 text from about this line")
    # The decoder reads ahead a block at a time: the rows of the blocks before the fault load.
    assert 3 < unreadable.row <= 1003
    assert [record.child_id for record in result.records][:3] == ["Cé1", "C2", "K0"]
    assert len(result.records) == unreadable.row - 2


def test_a_cut_utf16_file_is_reported(tmp_path):
    (tmp_path / "header.csv").write_bytes(HEADER_ROWS.encode("utf-16")[:-1])
    (tmp_path / "episodes.csv").write_bytes(EPISODE_ROWS.encode())
    result = outcome(tmp_path)
    [unreadable] = [r for r in result.rejected if r.source == "header.csv"]
    assert "not valid utf-16" in unreadable.reason
    assert [record.child_id for record in result.records] == ["Cé1", "C2"]  # the episodes still load


def test_a_field_past_the_csv_limit_is_reported_with_its_line(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER_ROWS + 'C3,1,01/01/2015,"' + "x" * 200_000 + '",,,\r\nC4,1,,,,,\r\n')
    result = outcome(tmp_path)
    assert [record.child_id for record in result.records] == ["Cé1", "C2"]
    [unreadable] = result.rejected
    assert (unreadable.source, unreadable.row) == ("header.csv", 4)
    assert "field larger than field limit" in unreadable.reason


def test_a_header_line_longer_than_any_row_is_reported_and_the_other_tables_load(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER_ROWS)
    (tmp_path / "episodes.csv").write_text("CHILD," + "X" * (MAX_LINE + 10) + "\nC1\n")
    result = outcome(tmp_path)
    [unreadable] = result.rejected
    assert (unreadable.source, unreadable.row) == ("episodes.csv", 1)
    assert unreadable.reason.startswith(f"the line is longer than {MAX_LINE} characters")
    assert [record.child_id for record in result.records] == ["Cé1", "C2"]


@FUZZ
@given(data=st.data(), names=st.lists(st.sampled_from(sorted(BASIC)), min_size=1, max_size=3, unique=True))
def test_converting_mangled_tables_to_xml_lists_what_it_cannot_carry(data, names):
    files = {name: data.draw(mangled(BASIC[name], CSV_TOKENS), label=name) for name in names}
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), files)
        conversion = csv_to_xml(folder, Path(folder) / "return.xml")
        for rejection in conversion.not_converted:
            assert rejection.source in files and rejection.reason, rejection
        # What was written is a return the loader reads back.
        assert isinstance(outcome(Path(folder) / "return.xml"), LoadResult)


def test_a_control_character_in_a_value_is_not_converted_and_named(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER_ROWS + "C3,1,,WB\x01RI,,,\r\n")
    conversion = csv_to_xml(tmp_path, tmp_path / "return.xml")
    [rejection] = conversion.not_converted
    assert (rejection.source, rejection.row, rejection.child_id, rejection.field) == ("header.csv", 4, "C3", "ETHNIC")
    assert rejection.reason == "holds a control character that XML cannot carry"
    assert conversion.written["Header"] == 2


# --- XML returns ------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_mangled_xml_returns_load_or_raise_the_library_error(data):
    mangled_return = data.draw(mangled(SMALL, XML_TOKENS))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.xml"
        path.write_bytes(mangled_return)
        result = outcome(path)
        if isinstance(result, LoadResult):
            evaluate_all(result)
            conversion = xml_to_csv(path, Path(folder) / "tables")
            assert all(r.source == "return.xml" for r in conversion.not_converted)


KNOWN_TAGS = sorted(
    {"CHILD", "HEADER", "EPISODE", "CHILDID", "PL", "UASC"}
    | set(tables.HEADER.columns + tables.EPISODES.columns + tables.AD1.columns)
    | {"AREVIEW", "AMISSING", "OC2", "PERMANENCE", "AD_PLACED", "SW_EPISODE", "DOLO"}
    | set(tables.REVIEWS.columns + tables.SW_EPISODES.columns + tables.PLACED_ADOPTION.columns)
)
XML_CHAR = st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff")
XML_TEXT = st.text(XML_CHAR | st.sampled_from("\t\n"), max_size=10) | SAMPLES | DATES
TAG = st.sampled_from(KNOWN_TAGS) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)


def _element(tag: str, content) -> etree._Element:
    element = etree.Element(tag)
    if isinstance(content, list):
        element.extend(content)
    else:
        element.text = content
    return element


TREE = st.recursive(
    st.builds(_element, TAG, XML_TEXT),
    lambda children: st.builds(_element, TAG, st.lists(children, max_size=5)),
    max_leaves=30,
)


@FUZZ
@given(children=st.lists(TREE, max_size=4), root=st.sampled_from(["EXPSSDA903", "CHILD", "OTHER"]))
def test_random_xml_trees_load_as_children_or_rejections(children, root):
    document = _element(root, children)
    ids = {(element.text or "").strip() for element in document.iter("CHILDID")}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.xml"
        path.write_bytes(etree.tostring(document, xml_declaration=True, encoding="utf-8"))
        result = outcome(path)
    assert isinstance(result, LoadResult)
    assert {record.child_id for record in result.records} <= ids
    evaluate_all(result)


def xml_return(doctype: str = "", ethnic: str = "WBRI", first_id: str = "E1") -> str:
    """A two-child return whose first child's ETHNIC (and id) are what the test puts there."""
    child = (
        "<CHILD><HEADER><CHILDID>{id}</CHILDID><SEX>1</SEX><DOB>01/01/2015</DOB><ETHNIC>{ethnic}</ETHNIC></HEADER>"
        "<EPISODE><DECOM>05/01/2024</DECOM><RNE>S</RNE><LS>C2</LS><PL>U1</PL></EPISODE></CHILD>"
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<EXPSSDA903>\n'
        + child.format(id=first_id, ethnic=ethnic)
        + "\n"
        + child.format(id="E2", ethnic="WBRI")
        + "\n</EXPSSDA903>\n"
    )


def everything(result: LoadResult) -> str:
    """All a load produced, as text: records, rejections and notices."""
    records = [serialization.record_to_dict(record) for record in result.records]
    return json.dumps(records, default=str) + repr(result.rejected) + repr(result.notices)


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize("where", ["ethnic", "first_id"])
def test_an_external_entity_is_neither_read_nor_expanded(tmp_path, secret_file, where):
    doctype = f'<!DOCTYPE EXPSSDA903 [<!ENTITY leak SYSTEM "{secret_file.as_uri()}">]>'
    (tmp_path / "return.xml").write_text(xml_return(doctype, **{where: "&leak;"}))
    result = outcome(tmp_path / "return.xml")
    assert SECRET not in everything(result)
    assert "E2" in [record.child_id for record in result.records]
    assert result.rejected, "the field holding the entity is rejected, not read as blank"


def test_etc_passwd_is_not_read(tmp_path):
    doctype = '<!DOCTYPE EXPSSDA903 [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>'
    (tmp_path / "return.xml").write_text(xml_return(doctype, ethnic="&passwd;"))
    result = outcome(tmp_path / "return.xml")
    assert "root:" not in everything(result)
    [rejected] = result.rejected
    assert (rejected.source, rejected.row, rejected.element, rejected.field, rejected.value) == (
        "return.xml",
        4,
        "CHILD[1]/HEADER/ETHNIC",
        "ETHNIC",
        "&passwd;",
    )


class Watched:
    """A named pipe standing in for a DTD file: records whether anything opened it, and never blocks the reader.

    Opening a pipe to read waits for a writer, so a watcher thread keeps trying to open it for writing
    without blocking; that succeeds only while a reader is waiting, and then feeds it ``content``.
    """

    def __init__(self, path: Path, content: str) -> None:
        self.path = path
        self.content = content.encode()
        self.opened = False
        self._stop = threading.Event()
        os.mkfifo(path)
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            self.opened = True
            os.write(fd, self.content)
            os.close(fd)

    def __enter__(self) -> "Watched":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Listener:
    """A TCP port on this machine that records every connection made to it (a stand-in for a remote DTD host)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> "Listener":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def test_an_external_dtd_is_not_loaded_from_a_file_or_the_network(tmp_path):
    dtd = f'<!ENTITY leak "{SECRET}">'
    with Watched(tmp_path / "evil.dtd", dtd) as watched, Listener() as listener:
        for number, system in enumerate([watched.path.as_uri(), f"http://127.0.0.1:{listener.port}/evil.dtd"]):
            path = tmp_path / f"return{number}.xml"
            path.write_text(xml_return(f'<!DOCTYPE EXPSSDA903 SYSTEM "{system}">', ethnic="&leak;"))
            result = outcome(path)
            assert SECRET not in everything(result)
            assert "E2" in [record.child_id for record in result.records]
    assert not watched.opened
    assert listener.connections == 0


def test_parameter_entities_are_neither_fetched_nor_expanded(tmp_path, secret_file):
    nested = f'<!ENTITY % file SYSTEM "{secret_file.as_uri()}"><!ENTITY leak "%file;">'
    with Watched(tmp_path / "evil.dtd", nested) as watched, Listener() as listener:
        doctypes = [
            f'<!DOCTYPE EXPSSDA903 [<!ENTITY % remote SYSTEM "{watched.path.as_uri()}"> %remote;]>',
            f'<!DOCTYPE EXPSSDA903 [<!ENTITY % remote SYSTEM "http://127.0.0.1:{listener.port}/p.dtd"> %remote;]>',
            f'<!DOCTYPE EXPSSDA903 [<!ENTITY % file SYSTEM "{secret_file.as_uri()}"> <!ENTITY leak "%file;">]>',
        ]
        for number, doctype in enumerate(doctypes):
            path = tmp_path / f"return{number}.xml"
            path.write_text(xml_return(doctype, ethnic="&leak;"))
            assert SECRET not in everything(outcome(path))
    assert not watched.opened
    assert listener.connections == 0


def test_a_child_that_never_ends_is_reported_and_the_children_before_it_load(tmp_path, monkeypatch):
    monkeypatch.setattr(xmlsource, "MAX_CHILD_BYTES", 100_000)
    endless = "<CHILD><HEADER><CHILDID>E3</CHILDID><ETHNIC>" + "x" * 300_000 + "</ETHNIC></HEADER></CHILD>"
    (tmp_path / "return.xml").write_text(xml_return().replace("</EXPSSDA903>", endless + "</EXPSSDA903>"))
    result = outcome(tmp_path / "return.xml")
    assert [record.child_id for record in result.records] == ["E1", "E2"]
    [unreadable] = result.rejected
    assert (unreadable.source, unreadable.row) == ("return.xml", 6)
    assert unreadable.reason == (
        "no CHILD element ends within 100000 bytes of the one before, so the rest was not read"
    )


def test_xinclude_is_not_followed(tmp_path, secret_file):
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_file.as_uri()}" parse="text"/>'
    (tmp_path / "return.xml").write_text(xml_return(ethnic=include))
    result = outcome(tmp_path / "return.xml")
    assert SECRET not in everything(result)
    assert [record.child_id for record in result.records] == ["E1", "E2"]
