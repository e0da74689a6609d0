"""The public converter between a folder of SSDA903 CSV tables and one EXPSSDA903 XML file."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from permanence_core.adapters.ssda903 import read_return
from permanence_core.adapters.ssda903.convert import csv_to_xml, xml_to_csv
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


def test_wrong_inputs_are_input_errors(tmp_path):
    with pytest.raises(InputError):
        csv_to_xml(tmp_path / "missing", tmp_path / "out.xml")
    with pytest.raises(InputError):
        xml_to_csv(tmp_path / "missing.xml", tmp_path / "out")
