"""The tracker workbook: one sheet per view, frozen headers, filters, overdue cells filled, no formula anywhere."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from rules_helpers import D, meeting
from tracker_helpers import action, adopted, bare, in_proceedings, tracker

from permanence_core.adapters import Rejection
from permanence_core.tracker.xlsx import OVERDUE_COLOUR, write_xlsx

SHEETS = ["Tracker", "Drift", "Overdue actions", "Cohort", "Rejected"]
HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "+44 7700 900000", "-2+3", "@SUM(A1)", "\t=1+1"]


def workbook(records, rejected=()):
    report, drift = tracker(records, rejected=rejected)
    buffer = io.BytesIO()
    write_xlsx(report, drift, buffer)
    return buffer.getvalue()


def load(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows(sheet):
    """Header → value dictionaries for every data row."""
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def filled(found):
    """True when the cell is filled with the overdue colour (openpyxl reads it back as ARGB)."""
    return found.fill.fill_type == "solid" and found.fill.fgColor.rgb[-6:] == OVERDUE_COLOUR.lstrip("#")


def cell(sheet, child_id, header):
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == child_id:
            return row[headers.index(header)]
    raise AssertionError(f"no row for {child_id}")


def test_every_view_has_a_sheet_with_a_frozen_header_and_a_filter():
    book = load(workbook([in_proceedings(), adopted(), bare()]))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet["A1"].font.bold
        assert sheet.page_setup.paperSize == 9  # A4 (the rest of the print settings: test_panel_tracker.py)


def test_the_tracker_sheet_lists_looked_after_children_with_dates_as_dates():
    book = load(workbook([in_proceedings(), adopted(), bare()]))
    tracker_rows = {row["Child"]: row for row in rows(book["Tracker"])}
    assert set(tracker_rows) == {"C1", "C3"}
    c1 = tracker_rows["C1"]
    assert c1["Looked after since"] == dt.datetime(2026, 1, 5)
    assert c1["Days in care"] == 147
    assert (c1["Plan"], c1["Contingency"], c1["Plan status"]) == ("Adoption", "Long-term fostering", "ratified")
    assert c1["Weeks in proceedings"] == 19
    assert c1["Next deadline"] == dt.datetime(2026, 7, 20)
    assert c1["Overdue actions"] == 1
    assert c1["Drift"] == "Actions overdue"
    assert book["Tracker"].auto_filter.ref == "A1:Q3"


def test_overdue_cells_are_highlighted_and_others_are_not():
    sheet = load(workbook([in_proceedings(), bare()]))["Tracker"]
    assert filled(cell(sheet, "C3", "Next deadline"))
    assert cell(sheet, "C1", "Next deadline").fill.fill_type is None
    assert filled(cell(sheet, "C1", "Overdue actions"))
    assert cell(sheet, "C3", "Overdue actions").fill.fill_type is None


def test_the_other_views_hold_drift_actions_cohort_and_rejections():
    rejected = [Rejection(source="episodes.csv", row=7, child_id="C9", field="DECOM", value="x", reason="not a date")]
    book = load(workbook([in_proceedings(), adopted(), bare()], rejected=rejected))
    assert rows(book["Drift"]) == [
        {
            "Child": "C1",
            "Signal": "Actions overdue",
            "Detail": "Complete the assessment (due 2026-05-01, 31 days overdue)",
        }
    ]
    [overdue] = rows(book["Overdue actions"])
    assert overdue["Action"] == "C1-A2"
    assert overdue["Due"] == dt.datetime(2026, 5, 1)
    assert overdue["Days overdue"] == 31
    cohort = rows(book["Cohort"])
    assert {"Measure": "Time to permanence", "Category": "Adoption", "Children": 1} | {
        "Median days": 424,
        "Shortest": 424,
        "Longest": 424,
    } in cohort
    assert {r["Measure"] for r in cohort} == {
        "Time to permanence",
        "Plan by the second review",
        "Care proceedings and 26 weeks",
        "Drift",
    }
    assert rows(book["Rejected"]) == [
        {
            "Source": "episodes.csv",
            "Row": 7,
            "Element": None,
            "Child": "C9",
            "Field": "DECOM",
            "Value": "x",
            "Reason": "not a date",
        }
    ]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_text_that_looks_like_a_formula_is_written_as_text(hostile):
    child = in_proceedings(
        meetings=[
            meeting("ppm", D(2026, 2, 10), meeting_id="M1", actions=[action("A1", D(2026, 3, 1), description=hostile)])
        ]
    )
    rejected = [Rejection(source="episodes.csv", row=2, child_id="C1", field="PL", value=hostile, reason=hostile)]
    data = workbook([child], rejected=rejected)
    book = load(data)
    written = [
        book["Overdue actions"]["H2"],
        book["Rejected"]["F2"],
        book["Rejected"]["G2"],
    ]
    for found in written:
        assert found.value == hostile
        assert found.data_type == "s"
        assert found.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(name) and b"<f " not in archive.read(name) for name in sheets)


def test_ordinary_text_keeps_no_quote_prefix_and_control_characters_are_replaced():
    rejected = [Rejection(source="x.csv", row=2, child_id="C1", field="PL", value="a\x01b", reason="bad code")]
    book = load(workbook([in_proceedings()], rejected=rejected))
    assert book["Rejected"]["F2"].value == "a\ufffdb"
    assert not book["Rejected"]["G2"].quotePrefix


def test_an_empty_cohort_still_writes_every_sheet():
    book = load(workbook([]))
    assert book.sheetnames == SHEETS
    assert rows(book["Tracker"]) == []
