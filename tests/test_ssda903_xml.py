"""The XML route: EXPSSDA903 structure, element paths and lines, unsafe XML, malformed XML."""

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from permanence_core import serialization
from permanence_core.adapters.ssda903 import read_return, xmlsource
from permanence_core.adapters.ssda903.convert import xml_to_csv
from permanence_core.model import Facet

D = dt.date
SMALL = Path(__file__).parent / "data" / "ssda903" / "small.xml"


# Per test, not per module: mutmut runs only the tests that call the mutated code (docs/mutation-testing.md).
@pytest.fixture
def small():
    return read_return(SMALL)


def test_header_fields_and_nested_tables(small):
    x1, x2 = small.records
    assert (x1.child.identifiers.upn, x1.child.date_of_birth, x1.child.uasc_until) == (
        "B12345678901C",
        D(2016, 2, 29),
        D(2034, 3, 1),
    )
    assert (x1.adoption.decision, x1.adoption.match, x1.adoption.foster_carer_adoption) == (
        D(2023, 3, 1),
        D(2023, 6, 1),
        False,
    )
    assert [(r.date, r.participation) for r in x1.reviews] == [(D(2023, 2, 10), "PN1")]
    assert x1.previous_permanence.code == "Z1"
    assert [(e.start, e.placement) for e in x1.episodes] == [(D(2023, 1, 15), "U6")]  # PL is the placement
    assert x2.child.uasc_until is None  # <UASC /> is not a UASC row
    assert [w.worker_id for w in x2.workers] == ["SW9"]
    assert x2.coverage == {Facet.CARE, Facet.REVIEWS, Facet.ADOPTION}


def test_rejections_name_the_line_and_the_element_path(small):
    found = {(r.source, r.row, r.element, r.child_id, r.field, r.value, r.reason) for r in small.rejected}
    assert found == {
        (
            "small.xml",
            22,
            "CHILD[1]/HEADER/AREVIEW[2]/REVIEW_CODE",
            "X1",
            "REVIEW_CODE",
            "PN8",
            "is not a valid review participation code",
        ),
        ("small.xml", 52, "CHILD[1]/EPISODE[2]/LS", "X1", "LS", "ZZ", "is not a valid legal status code"),
    }


def test_counts_and_unknown_elements(small):
    counts = {c.table: (c.read, c.rejected) for c in small.tables}
    assert counts["Header"] == (2, 0) and counts["Episodes"] == (3, 1) and counts["UASC"] == (1, 0)
    assert "small.xml: elements that are no part of the return ignored: HEADER/FAVOURITE_COLOUR" in small.notices


def _return_with(doctype: str, ethnic: str) -> str:
    return f"""<?xml version="1.0"?>
{doctype}
<EXPSSDA903>
<CHILD><HEADER><CHILDID>E1</CHILDID><SEX>F</SEX><DOB>01/01/2015</DOB><ETHNIC>{ethnic}</ETHNIC></HEADER>
<EPISODE><DECOM>01/01/2024</DECOM><RNE>S</RNE><LS>C1</LS><PL>U6</PL></EPISODE></CHILD>
<CHILD><HEADER><CHILDID>E2</CHILDID><SEX>M</SEX><DOB>01/01/2016</DOB><ETHNIC>WBRI</ETHNIC></HEADER></CHILD>
</EXPSSDA903>
"""


def test_an_external_entity_is_not_expanded_and_its_row_is_rejected(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = f'<!DOCTYPE EXPSSDA903 [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
    (tmp_path / "return.xml").write_text(_return_with(doctype, "&leak;"))
    result = read_return(tmp_path / "return.xml")
    assert "TOP-SECRET" not in json.dumps([serialization.record_to_dict(r) for r in result.records])
    [rejected] = result.rejected
    assert (rejected.child_id, rejected.field, rejected.value, rejected.element, rejected.reason) == (
        "E1",
        "ETHNIC",
        "&leak;",
        "CHILD[1]/HEADER/ETHNIC",
        "is an XML entity reference; entities are not expanded",
    )
    assert [r.child_id for r in result.records] == ["E1", "E2"]
    assert result.records[0].child.ethnicity is None  # the Header row was rejected, the episode still loads
    assert len(result.records[0].episodes) == 1


def test_nested_internal_entities_are_not_expanded(tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 10))
    doctype = f'<!DOCTYPE EXPSSDA903 [<!ENTITY l0 "lol">{laughs}]>'
    (tmp_path / "return.xml").write_text(_return_with(doctype, "&l9;"))
    result = read_return(tmp_path / "return.xml")
    # libxml2 refuses the whole document (amplification limit) or leaves the reference unexpanded: either
    # way nothing is expanded and the refusal is reported
    assert "lol" not in json.dumps([serialization.record_to_dict(r) for r in result.records])
    assert [(r.field, r.value) for r in result.rejected] in ([("ETHNIC", "&l9;")], [(None, None)])


def test_no_network_is_used_for_a_dtd_or_an_entity(tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the XML reader opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    doctype = (
        '<!DOCTYPE EXPSSDA903 SYSTEM "http://127.0.0.1:9/ssda903.dtd" '
        '[<!ENTITY remote SYSTEM "http://127.0.0.1:9/remote.txt">]>'
    )
    (tmp_path / "return.xml").write_text(_return_with(doctype, "&remote;"))
    result = read_return(tmp_path / "return.xml")
    assert [r.child_id for r in result.records] == ["E1", "E2"]
    assert [r.value for r in result.rejected] == ["&remote;"]


def test_malformed_xml_keeps_the_children_before_the_fault_and_reports_the_rest(tmp_path):
    text = _return_with("", "WBRI").replace("<CHILDID>E2</CHILDID>", "<CHILDID>E2</CHILD>")
    (tmp_path / "return.xml").write_text(text)
    result = read_return(tmp_path / "return.xml")
    assert [r.child_id for r in result.records] == ["E1"]
    [rejected] = result.rejected
    assert rejected.row == 6 and rejected.child_id is None
    assert rejected.reason.startswith("the XML is not well formed, so the rest was not read")
    assert {c.table: (c.read, c.rejected) for c in result.tables}["Unreadable"] == (1, 1)


def test_an_entity_reference_among_a_childs_elements_is_named_in_the_notice(tmp_path):
    # lxml gives an unexpanded entity reference a function for its tag: the notice once printed that function.
    doctype = '<!DOCTYPE EXPSSDA903 [<!ENTITY stray "x">]>'
    text = _return_with(doctype, "WBRI").replace("<CHILD><HEADER>", "<CHILD>&stray;<HEADER>", 1)
    text = text.replace("</HEADER>", "&stray;</HEADER>", 1)
    (tmp_path / "return.xml").write_text(text)
    result = read_return(tmp_path / "return.xml")
    assert [r.child_id for r in result.records] == ["E1", "E2"]
    [notice] = [n for n in result.notices if "no part of the return" in n]
    assert notice.endswith("ignored: CHILD/&stray;, HEADER/&stray;")


def _return(tmp_path, children: str) -> Path:
    path = tmp_path / "return.xml"
    path.write_text(f'<?xml version="1.0"?>\n<EXPSSDA903>\n{children}</EXPSSDA903>\n')
    return path


def test_uasc_is_a_flag_or_a_duc_and_nested_rows_carry_the_childs_dob(tmp_path):
    path = _return(
        tmp_path,
        "<CHILD><HEADER><CHILDID>U1</CHILDID><DOB>01/01/2015</DOB><DUC>01/01/2033</DUC>\n"
        "<AREVIEW><REVIEW>01/02/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER></CHILD>\n"
        "<CHILD><HEADER><CHILDID>U2</CHILDID><UASC>0</UASC></HEADER></CHILD>\n"
        "<CHILD><HEADER><CHILDID>U3</CHILDID><UASC>1</UASC>\n"
        "<AREVIEW><REVIEW>01/03/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER></CHILD>\n",
    )
    result = read_return(path)
    assert [r.child.uasc_until for r in result.records] == [D(2033, 1, 1), None, None]
    assert {c.table: c.read for c in result.tables}["UASC"] == 2  # a 0 flag without a DUC is no UASC row
    xml_to_csv(path, tmp_path / "tables")
    assert (tmp_path / "tables" / "reviews.csv").read_text().splitlines()[1:] == [
        "U1,01/01/2015,01/02/2024,PN1",
        "U3,,01/03/2024,PN1",  # no DOB in HEADER: none in the nested row
    ]


def test_a_second_header_and_a_missing_child_id_are_named_by_their_element(tmp_path):
    path = _return(
        tmp_path,
        "<CHILD><HEADER><CHILDID>H1</CHILDID><SEX>F</SEX></HEADER>\n<HEADER><CHILDID>H1</CHILDID><SEX>Q</SEX></HEADER>"
        "</CHILD>\n<CHILD><HEADER><SEX>F</SEX>\n<AREVIEW><REVIEW>01/02/2024</REVIEW></AREVIEW></HEADER>\n"
        "<EPISODE><DECOM>01/01/2024</DECOM><RNE>S</RNE><LS>C1</LS><PL>U6</PL></EPISODE></CHILD>\n"
        "<CHILD><HEADER><CHILDID>H3</CHILDID></HEADER>\n"
        "<EPISODE><DECOM>01/01/2024</DECOM><RNE>S</RNE><LS>C1</LS><PL>Q9</PL></EPISODE></CHILD>\n",
    )
    found = [(r.row, r.element, r.field, r.reason) for r in read_return(path).rejected]
    assert found == [
        (4, "CHILD[1]/HEADER[2]/SEX", "SEX", "is not a valid sex code"),
        # The rows of a CHILD without CHILDID name the CHILDID element where the id belongs, nested ones too.
        (5, "CHILD[2]/HEADER/CHILDID", "CHILD", "is required"),
        (6, "CHILD[2]/HEADER/CHILDID", "CHILD", "is required"),
        (7, "CHILD[2]/HEADER/CHILDID", "CHILD", "is required"),
        # The PLACE column is the PL element.
        (9, "CHILD[3]/EPISODE[1]/PL", "PLACE", "is not a valid placement type code"),
    ]


def test_comments_and_processing_instructions_are_dropped_not_noticed_and_strays_skipped(tmp_path):
    # A comment may hold anything (a name); a notice would quote it.
    (tmp_path / "return.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE EXPSSDA903 [<!ENTITY stray "x">]>\n<EXPSSDA903>\n'
        "<CHILD><HEADER><!-- about Jane Doe --><?audit Jane Doe?>&stray;<CHILDID>C1</CHILDID><SEX>F</SEX></HEADER>"
        "<EPISODE><DECOM>01/01/2024</DECOM><RNE>S</RNE><LS>C1</LS><ROOM>4</ROOM><DEC><DAY>1</DAY></DEC>"
        "<PL>U6</PL></EPISODE></CHILD>\n</EXPSSDA903>\n"
    )
    result = read_return(tmp_path / "return.xml")
    # Each stray is passed over and the fields after it are read.
    assert [(r.child_id, r.child.sex, r.episodes[0].placement) for r in result.records] == [("C1", "F", "U6")]
    assert result.rejected == ()
    [notice] = [n for n in result.notices if "no part of the return" in n]
    assert notice == (
        "return.xml: elements that are no part of the return ignored: EPISODE/DEC/*, EPISODE/ROOM, HEADER/&stray;"
    )
    assert "Jane" not in " ".join(result.notices)


@pytest.mark.parametrize(
    ("text", "row", "reason"),
    [
        ('<?xml version="1.0"?>\n<TRACKER><ROW/></TRACKER>\n', 1, "holds no CHILD element (its root is 'TRACKER')"),
        ("<EXPSSDA903 xmlns='urn:example:903'><CHILD/></EXPSSDA903>", 1, "namespace 'urn:example:903'"),
        ('<?xml version="1.0"?>\n', 2, "the XML is not well formed"),
    ],
    ids=["another document", "a namespace", "no element"],
)
def test_a_file_that_gives_no_child_says_why(tmp_path, text, row, reason):
    (tmp_path / "return.xml").write_text(text)
    [rejected] = read_return(tmp_path / "return.xml").rejected
    assert (rejected.source, rejected.row, rejected.child_id) == ("return.xml", row, None)
    assert reason in rejected.reason


def test_a_child_that_never_ends_is_cut_at_the_bound_and_its_line_named(tmp_path, monkeypatch):
    monkeypatch.setattr(xmlsource, "MAX_CHILD_BYTES", 100_000)
    monkeypatch.setattr(xmlsource, "CHUNK_BYTES", 4096)
    endless = "<CHILD><HEADER><CHILDID>E3</CHILDID><ETHNIC>" + "x\n" * 150_000 + "</ETHNIC></HEADER></CHILD>\n"
    path = _return(tmp_path, "<CHILD><HEADER><CHILDID>E1</CHILDID></HEADER></CHILD>\n" + endless)
    result = read_return(path)
    assert [record.child_id for record in result.records] == ["E1"]
    [unreadable] = result.rejected
    # The bound is checked before each 4 KiB read; E1 ended in the first one, and 25 more pass the bound: the line
    # named is the last one handed to the parser.
    assert unreadable.row == 1 + path.read_bytes()[: 26 * 4096].count(b"\n")
    assert unreadable.reason == "no CHILD element ends within 100000 bytes of the one before, so the rest was not read"


def test_an_xml_return_in_a_folder_is_found_whatever_the_case_of_its_suffix(tmp_path):
    (tmp_path / "RETURN.XML").write_bytes(SMALL.read_bytes())
    assert [r.child_id for r in read_return(tmp_path).records] == ["X1", "X2"]


def test_progress_through_an_xml_return_is_reported_in_bytes_up_to_its_size():
    calls = []
    read_return(SMALL, progress=lambda done, total: calls.append((done, total)))
    size = SMALL.stat().st_size
    assert calls[-1] == (size, size)
    assert all(isinstance(done, int) and 0 < done <= size for done, _ in calls)


def test_rows_written_as_header_fields_are_named_by_their_field(tmp_path):
    path = _return(
        tmp_path,
        "<CHILD><HEADER><CHILDID>F1</CHILDID><UASC>1</UASC><DUC>31/02/2030</DUC>\n"
        "<DATE_INT>31/02/2024</DATE_INT></HEADER></CHILD>\n",
    )
    found = [(r.row, r.element, r.field) for r in read_return(path).rejected]
    assert found == [(3, "CHILD[1]/HEADER/DUC", "DUC"), (3, "CHILD[1]/HEADER/DATE_INT", "DATE_INT")]


def test_progress_is_reported_within_an_xml_return_as_its_children_are_read(monkeypatch):
    monkeypatch.setattr(xmlsource, "CHUNK_BYTES", 256)
    calls = []
    read_return(SMALL, progress=lambda done, total: calls.append(done))
    size = SMALL.stat().st_size
    assert 0 < calls[0] < size and calls[-1] == size


def test_xml_returns_of_two_years_stitch_and_progress_counts_both(tmp_path):
    for year in ("2023-24", "2024-25"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "return.xml").write_bytes(SMALL.read_bytes())
    calls = []
    result = read_return(tmp_path, progress=lambda done, total: calls.append((done, total)))
    # The later year's rows replace the earlier year's: none is a repeat within one year.
    alone = [(r.row, r.reason) for r in read_return(SMALL).rejected]
    assert [(r.source, r.row, r.reason) for r in result.rejected] == [
        (f"{year}/return.xml", row, reason) for year in ("2023-24", "2024-25") for row, reason in alone
    ]
    assert any("rows replaced by a later collection year's row" in notice for notice in result.notices)
    size = 2 * SMALL.stat().st_size
    assert calls[-1] == (size, size)
