"""The public converter between a folder of SSDA903 CSV tables and one EXPSSDA903 XML file."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from permanence_core.adapters.ssda903 import read_return
from permanence_core.adapters.ssda903.convert import csv_to_xml, xml_to_csv
from permanence_core.adapters.ssda903.csvsource import MAX_LINE
from permanence_core.errors import InputError

DATA = Path(__file__).parent / "data" / "ssda903"


def _said(result):
    return Counter((r.child_id, r.field, r.value, r.reason) for r in result.rejected)


def test_the_hand_written_return_survives_csv_to_xml_to_csv(tmp_path):
    xml = tmp_path / "return.xml"
    there = csv_to_xml(DATA / "basic", xml)
    assert there.notices == ("la_notes.csv: not an SSDA903 table; not converted",)
    assert there.written["Episodes"] == 13 and there.written["SWEpisodes"] == 2
    back = xml_to_csv(xml, tmp_path / "tables")
    assert back.not_converted == ()
    original, via_xml, round_trip = read_return(DATA / "basic"), read_return(xml), read_return(tmp_path / "tables")
    assert original.records == via_xml.records == round_trip.records
    assert _said(original) == _said(via_xml) == _said(round_trip)


def test_the_xml_has_the_return_structure(tmp_path):
    xml = tmp_path / "return.xml"
    csv_to_xml(DATA / "basic", xml)
    root = etree.parse(str(xml)).getroot()
    assert root.tag == "EXPSSDA903"
    ben = root.xpath("CHILD[HEADER/CHILDID='C002']")[0]
    assert ben.findtext("HEADER/DATE_INT") == "15/06/2022"
    assert ben.findtext("HEADER/AD_PLACED/DATE_PLACED") == "15/06/2022"
    assert [e.findtext("PL") for e in ben.findall("EPISODE")] == ["U6", "U6", "A5"]
    assert root.xpath("CHILD[HEADER/CHILDID='C003']/HEADER/UASC")[0].text == "1"
    # a child with no Header row gets a HEADER holding its CHILDID only
    c009 = root.xpath("CHILD[HEADER/CHILDID='C009']/HEADER")[0]
    assert [e.tag for e in c009 if e.text] == ["CHILDID"]
    assert c009.findtext("SW_EPISODE/SW_ID") == "SW18"


def test_rows_the_xml_cannot_hold_are_listed_not_dropped(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    shutil.copy(DATA / "basic" / "header.csv", folder)
    with (folder / "ad1.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"]
        )
        writer.writerow(["C002", "", "15/06/2022", "", "", "", "", ""])
        writer.writerow(["C002", "", "16/06/2022", "", "", "", "", ""])
        writer.writerow(["", "", "16/06/2022", "", "", "", "", ""])
    conversion = csv_to_xml(folder, tmp_path / "return.xml")
    assert [(r.source, r.row, r.child_id, r.reason) for r in conversion.not_converted] == [
        ("ad1.csv", 3, "C002", "is a second AD1 row for this child; the XML holds one, as fields of HEADER"),
        ("ad1.csv", 4, None, "has no CHILD, so it belongs to no CHILD element"),
    ]
    assert conversion.written["AD1"] == 1
    # The row without a child id makes no CHILD of its own.
    children = etree.parse(str(tmp_path / "return.xml")).getroot().findall("CHILD")
    assert [child.findtext("HEADER/CHILDID") for child in children] == ["C001", "C002", "C003", "C004", "C005", "C006"]


def test_an_entity_reference_is_not_converted(tmp_path):
    xml = tmp_path / "return.xml"
    xml.write_text(
        '<?xml version="1.0"?><!DOCTYPE EXPSSDA903 [<!ENTITY e "x">]>'
        "<EXPSSDA903><CHILD><HEADER><CHILDID>E1</CHILDID><ETHNIC>&e;</ETHNIC></HEADER></CHILD></EXPSSDA903>"
    )
    conversion = xml_to_csv(xml, tmp_path / "tables")
    [skipped] = conversion.not_converted
    assert (skipped.child_id, skipped.field, skipped.value, skipped.element) == (
        "E1",
        "ETHNIC",
        "&e;",
        "CHILD[1]/HEADER/ETHNIC",
    )
    assert (tmp_path / "tables" / "header.csv").read_text().splitlines() == ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"]


def test_xml_to_csv_writes_the_tables_that_have_rows(tmp_path):
    conversion = xml_to_csv(DATA / "small.xml", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ad1.csv",
        "episodes.csv",
        "header.csv",
        "placed_for_adoption.csv",
        "previous_permanence.csv",
        "reviews.csv",
        "sw_episodes.csv",
        "uasc.csv",
    ]
    assert conversion.written == {
        "Header": 2,
        "Episodes": 3,
        "UASC": 1,
        "AD1": 1,
        "Reviews": 2,
        "PrevPerm": 1,
        "PlacedAdoption": 1,
        "SWEpisodes": 1,
    }
    assert conversion.notices == (
        "small.xml: elements that are no part of the return not converted: HEADER/FAVOURITE_COLOUR",
    )


def test_wrong_inputs_are_input_errors_naming_the_path(tmp_path):
    with pytest.raises(InputError) as folder:
        csv_to_xml(tmp_path / "missing", tmp_path / "out.xml")
    assert str(folder.value) == f"{tmp_path / 'missing'}: is not a folder of SSDA903 CSV tables"
    with pytest.raises(InputError) as file:
        xml_to_csv(tmp_path / "missing.xml", tmp_path / "out")
    assert str(file.value) == f"{tmp_path / 'missing.xml'}: is not an XML file"


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def test_rows_and_files_the_xml_cannot_carry_are_each_named_and_the_rest_is_converted(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "header.csv").write_text(HEADER + "K1,M,01/01/2015,WB\x01RI,,,\nK2,F\nK3,F,01/01/2016,WBRI,,,\n")
    # A field past the csv module's limit: the rows before it are converted, the rest of the file is not.
    (folder / "reviews.csv").write_text(
        'CHILD,DOB,REVIEW,REVIEW_CODE\nK3,,01/02/2024,PN1\nK3,,"' + "x" * 200_000 + '",\n'
    )
    (folder / "episodes.csv").write_text("CHILD," + "X" * (MAX_LINE + 10) + "\n")
    (folder / "old.csv").mkdir()  # a folder named like a table is no table
    (folder / "uasc.csv").write_text("CHILD,SEX,DOB,DUC\nK2,F,,01/01/2030\nK3,F,,01/01/2031\n")
    conversion = csv_to_xml(folder, tmp_path / "return.xml")
    found = [(r.source, r.row, r.child_id, r.field, r.value, r.reason) for r in conversion.not_converted]
    assert found[0] == (
        "episodes.csv",
        1,
        None,
        None,
        None,
        f"the line is longer than {MAX_LINE} characters (not a CSV row), so the rest was not read",
    )
    assert found[1:3] == [
        ("header.csv", 2, "K1", "ETHNIC", "WB\x01RI", "holds a control character that XML cannot carry"),
        ("header.csv", 3, "K2", None, None, "has 2 fields where the header has 7"),
    ]
    source, row, child_id, field, value, reason = found[3]
    assert (source, row, child_id, field, value) == ("reviews.csv", 3, None, None, None)
    assert reason.startswith("the CSV cannot be read past this line: field larger than field limit")
    assert len(found) == 4
    assert conversion.written == {"Header": 1, "Reviews": 1, "UASC": 2}
    root = etree.parse(str(tmp_path / "return.xml")).getroot()
    # K1's row never reaches the XML; K2, whose row was not converted, is a CHILD known by its id only.
    assert root.xpath("CHILD/HEADER/CHILDID/text()") == ["K2", "K3"]


def test_a_control_character_in_a_date_of_birth_is_named_but_withheld(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "K1,M,01/01/\x002015,WBRI,,,\n")
    [rejection] = csv_to_xml(tmp_path, tmp_path / "return.xml").not_converted
    assert (rejection.field, rejection.value) == ("DOB", "[withheld: personal data]")


def test_each_nested_row_holds_its_own_fields_and_the_counts_are_per_row(tmp_path):
    xml = tmp_path / "return.xml"
    conversion = csv_to_xml(DATA / "basic", xml)
    # Every data row of each file (C009 has no Header row: its HEADER is written but not counted).
    assert conversion.written == {
        "Header": 6,
        "UASC": 1,
        "AD1": 1,
        "Reviews": 5,
        "Missing": 2,
        "PlacedAdoption": 3,
        "PrevPerm": 3,
        "SWEpisodes": 2,
        "Episodes": 13,
    }
    root = etree.parse(str(xml)).getroot()
    # CHILD and DOB belong to HEADER only: a nested row or an EPISODE never repeats them.
    assert [e.tag for e in root.find("CHILD/HEADER/AREVIEW")] == ["REVIEW", "REVIEW_CODE"]
    assert [e.tag for e in root.find("CHILD/EPISODE")] == [
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PL",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ]


def test_xml_to_csv_names_what_it_cannot_carry_and_makes_the_folder(tmp_path):
    xml = tmp_path / "return.xml"
    xml.write_text(
        '<?xml version="1.0"?><!DOCTYPE EXPSSDA903 [<!ENTITY e "x">]>\n'
        "<EXPSSDA903>\n<CHILD><HEADER><CHILDID>E1</CHILDID><ETHNIC>&e;</ETHNIC></HEADER></CHILD>\n"
        "<CHILD><HEADER><CHILDID>E2</CHILDID><SEX>F</SEX><HAIR>x</HAIR><EYES>y</EYES></HEADER></CHILD>\n"
        "<CHILD><HEADER><CHILDID>E3</CHILDID></HEAD></CHILD>\n</EXPSSDA903>\n"
    )
    conversion = xml_to_csv(xml, tmp_path / "a" / "b")
    entity, cut = conversion.not_converted
    assert (entity.source, entity.row, entity.reason) == (
        "return.xml",
        3,
        "is an XML entity reference; entities are not expanded",
    )
    assert (cut.source, cut.row, cut.child_id, cut.field) == ("return.xml", 5, None, None)
    assert cut.reason.startswith("the XML is not well formed, so the rest was not read")
    # The row after the one not converted is still written.
    assert (tmp_path / "a" / "b" / "header.csv").read_text().splitlines()[1:] == ["E2,F,,,,,"]
    assert conversion.written == {"Header": 1, "Episodes": 0}
    assert conversion.notices == (
        "return.xml: elements that are no part of the return not converted: HEADER/EYES, HEADER/HAIR",
    )
