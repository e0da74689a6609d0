"""The external check: the DfE 903 validator's fake data loads through the CSV and the XML route alike.

``data/ssda903/external`` is a copy of that fake data (see its SOURCES.md and LICENSE). Its CSV files and its
XML file hold different children, so each input is converted to the other format and both routes are compared.
"""

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from permanence_core.adapters.ssda903 import read_return
from permanence_core.adapters.ssda903.convert import csv_to_xml, xml_to_csv

EXTERNAL = Path(__file__).parent / "data" / "ssda903" / "external"


def _rejections(result):
    """What a rejection says regardless of route: child, field, value and reason (the location differs)."""
    return Counter((r.child_id, r.field, r.value, r.reason) for r in result.rejected)


def _balanced(result):
    return all(count.read == count.loaded + count.rejected for count in result.tables) and (
        sum(count.rejected for count in result.tables) == len(result.rejected)
    )


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    for path in EXTERNAL.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def from_csv(csv_folder, tmp_path_factory):
    xml = tmp_path_factory.mktemp("converted") / "return.xml"
    conversion = csv_to_xml(csv_folder, xml)
    assert conversion.not_converted == ()
    return read_return(csv_folder), read_return(xml)


@pytest.fixture(scope="module")
def from_xml(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    conversion = xml_to_csv(EXTERNAL / "fake_903.xml", folder)
    assert conversion.not_converted == ()
    return read_return(EXTERNAL / "fake_903.xml"), read_return(folder)


def test_the_csv_return_gives_the_same_children_records_and_rejections_both_ways(from_csv):
    by_csv, by_xml = from_csv
    assert len(by_csv.records) == 2676  # 2,675 in Header, plus CHILD10 who is only in SWEpisodes and DoLo
    assert [r.child_id for r in by_csv.records] == [r.child_id for r in by_xml.records]
    assert by_csv.records == by_xml.records
    assert _rejections(by_csv) == _rejections(by_xml)
    assert {r.source for r in by_csv.rejected} == {"placed_for_adoption.csv", "reviews.csv"}
    assert {r.source for r in by_xml.rejected} == {"return.xml"}
    assert all(r.element for r in by_xml.rejected) and not any(r.element for r in by_csv.rejected)


def test_the_xml_return_gives_the_same_children_records_and_rejections_both_ways(from_xml):
    by_xml, by_csv = from_xml
    assert len(by_xml.records) == 253
    assert by_xml.records == by_csv.records
    assert _rejections(by_xml) == _rejections(by_csv)


def test_what_the_fake_data_gets_rejected_for(from_csv, from_xml):
    reasons = _rejections(from_csv[0]) + _rejections(from_xml[0])
    by_reason = Counter()
    for (_child, field, value, reason), count in reasons.items():
        by_reason[(field, value if field == "REASON_PLACED_CEASED" else None, reason)] += count
    assert by_reason == {
        ("REASON_PLACED_CEASED", "XXX", "is not a valid reversal reason code"): 32,
        ("REVIEW", None, "repeats an earlier Reviews row of this child with the same REVIEW"): 14,
        # The fake data holds reviews "held" up to 2030: more than a year from today, they cannot have happened.
        ("REVIEW", None, "is more than a year from today: it cannot have happened yet"): _reviews_ahead(),
    }


def _reviews_ahead():
    """Review dates of the fake CSV and XML returns more than a year from today."""
    latest = dt.date.today() + dt.timedelta(days=366)
    text = (EXTERNAL / "reviews.csv").read_text() + (EXTERNAL / "fake_903.xml").read_text()
    days = re.findall(r"(?:^[^,\n]*,[^,\n]*,|<REVIEW>)(\d{2}/\d{2}/\d{4})", text, re.MULTILINE)
    return sum(1 for day in days if dt.datetime.strptime(day, "%d/%m/%Y").date() > latest)


def test_every_table_balances_read_loaded_and_rejected(from_csv, from_xml):
    for result in (*from_csv, *from_xml):
        assert _balanced(result)
    tables = {count.table for count in from_csv[0].tables}
    assert tables == {
        "Header",
        "Episodes",
        "Reviews",
        "UASC",
        "OC2",
        "OC3",
        "AD1",
        "PlacedAdoption",
        "PrevPerm",
        "Missing",
        "SWEpisodes",
        "DoLo",
    }


def test_the_bom_and_crlf_table_is_read(from_csv):
    by_csv, _ = from_csv
    [child10] = [r for r in by_csv.records if r.child_id == "CHILD10"]
    assert [(w.worker_id, w.start.isoformat(), w.end.isoformat()) for w in child10.workers] == [
        ("SW999", "2020-01-01", "2020-01-03")
    ]
