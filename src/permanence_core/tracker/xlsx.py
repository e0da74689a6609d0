"""The tracker as an Excel workbook for business support: one sheet per view, frozen headers, filters,
overdue cells highlighted, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, cast

import attrs
import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from permanence_core.documents.formatting import route_text
from permanence_core.tracker.cohort import cohort_figures
from permanence_core.tracker.drift import DriftReport, Signal
from permanence_core.tracker.report import TrackerReport, TrackerRow

#: A text starting with one of these is a formula (or DDE payload) to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
OVERDUE_FILL = PatternFill("solid", start_color="F4C7C3", end_color="F4C7C3")
HEADER_FILL = PatternFill("solid", start_color="DDE6F0", end_color="DDE6F0")
HEADER_FONT = Font(bold=True)
#: Dates as English councils write them.
DATE_FORMAT = "dd/mm/yyyy"
#: What an empty cell means, as the HTML page says it.
NONE = "none"
#: The spreadsheet paper-size code of A4.
PAPER_A4 = 9
NOT_IN_SOURCE = "not in source"


@attrs.frozen
class Overdue:
    """A cell value highlighted as overdue."""

    value: Any


def _overdue(value: Any, overdue: bool) -> Any:
    return Overdue(value) if overdue and value is not None else value


def write_xlsx(report: TrackerReport, drift: DriftReport, target: Path | IO[bytes]) -> None:
    """Write the workbook: Tracker, Drift, Overdue actions, Cohort and Rejected sheets."""
    workbook = openpyxl.Workbook(write_only=True)
    flags = drift.by_child()
    _sheet(
        workbook,
        "Tracker",
        (
            ("Child", 12),
            ("Name", 22),
            ("Looked after since", 12),
            ("Days in care", 8),
            ("Legal status", 8),
            ("Plan", 26),
            ("Contingency", 26),
            ("Plan status", 11),
            ("Proceedings issued", 12),
            ("Weeks in proceedings", 9),
            ("Proceedings concluded", 12),
            ("Next deadline", 12),
            ("Deadline for", 40),
            ("Overdue actions", 8),
            ("Last permanence activity", 12),
            ("Days since activity", 8),
            ("Drift", 40),
        ),
        [_tracker_row(row, {f.signal for f in flags.get(row.child_id, ())}) for row in report.looked_after],
    )
    _sheet(
        workbook,
        "Drift",
        (("Child", 12), ("Signal", 30), ("Detail", 70)),
        [[f.child_id, f.signal.label, f.detail] for f in drift.flags],
    )
    _sheet(
        workbook,
        "Overdue actions",
        (
            ("Child", 12),
            ("Meeting", 26),
            ("Meeting type", 16),
            ("Action", 30),
            ("Owner", 20),
            ("Due", 12),
            ("Days overdue", 8),
            ("What", 60),
        ),
        [
            [
                a.child_id,
                a.meeting_id,
                a.meeting_kind.value.replace("_", " "),
                a.action_id,
                a.owner,
                Overdue(a.due_date),
                a.days_overdue,
                a.description,
            ]
            for row in report.looked_after
            for a in row.overdue_actions
        ],
    )
    _sheet(
        workbook,
        "Cohort",
        (("Measure", 30), ("Category", 32), ("Children", 9), ("Median days", 9), ("Shortest", 9), ("Longest", 9)),
        _cohort_rows(report, drift),
    )
    _sheet(
        workbook,
        "Rejected",
        (("Source", 30), ("Row", 7), ("Element", 24), ("Child", 12), ("Field", 16), ("Value", 20), ("Reason", 60)),
        [[r.source, r.row, r.element, r.child_id, r.field, r.value, r.reason] for r in report.rejected]
        or [["No record was rejected: every record in the source loaded."]],
    )
    workbook.save(target)


def _tracker_row(row: TrackerRow, signals: set[Signal]) -> list[Any]:
    bar = row.proceedings
    deadline = row.next_deadline
    if not row.activity_assessable:
        since: Any = NOT_IN_SOURCE
    elif row.days_since_activity is None:
        since = NONE
    else:
        since = row.days_since_activity
    return [
        row.child_id,
        row.name,
        row.care_start,
        row.days_in_care,
        row.legal_status,
        route_text(row.plan_route) if row.plan_route else "no plan",
        ", ".join(route_text(r) for r in row.contingencies) or None,
        row.plan_status.value if row.plan_status else None,
        bar.issue_date if bar else None,
        _overdue(row.proceedings_week, Signal.PROCEEDINGS_OVER_26_WEEKS in signals),
        bar.concluded_on if bar else None,
        _overdue(deadline.due_date if deadline else None, bool(deadline and deadline.overdue)),
        deadline.title if deadline else None,
        _overdue(len(row.overdue_actions), bool(row.overdue_actions)),
        row.last_activity or (NOT_IN_SOURCE if not row.activity_assessable else NONE),
        _overdue(since, Signal.NO_ACTIVITY in signals),
        "; ".join(signal.label for signal in Signal if signal in signals) or None,
    ]


def _cohort_rows(report: TrackerReport, drift: DriftReport) -> list[list[Any]]:
    figures = cohort_figures(report)
    rows = [
        ["Time to permanence", route_text(t.route), len(t.days), t.median, min(t.days), max(t.days)]
        for t in figures.time_to_permanence
    ]
    rows += [
        ["Plan by the second review", state.value, count] for state, count in figures.plan_by_second_review.items()
    ]
    rows += [["Care proceedings and 26 weeks", outcome.value, count] for outcome, count in figures.proceedings.items()]
    rows += [["Drift", signal.label, count] for signal, count in drift.totals().items()]
    return rows


def _sheet(
    workbook: openpyxl.Workbook, title: str, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]
) -> WriteOnlyWorksheet:
    # A write-only sheet streams each row to disk as it is appended: a national cohort's tracker (62,000 rows)
    # held as ordinary cells took some 400 MB. Its widths, frozen header and filter must be set before any row.
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)  # a write-only workbook makes write-only sheets
    # types-openpyxl leaves out the column dimensions and filter a write-only sheet has (from Worksheet._setup).
    for index, (_name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    # Printed by business support: landscape, every column on the page, the header row on each page. (The
    # stubs leave a write-only sheet's print settings out; it has the ordinary sheet's.)
    printed = cast(Worksheet, sheet)
    printed.page_setup.orientation = "landscape"
    printed.page_setup.paperSize = PAPER_A4
    printed.page_setup.fitToWidth = 1
    printed.page_setup.fitToHeight = 0
    printed.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    printed.print_title_rows = "1:1"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows), 1) + 1}"  # type: ignore[attr-defined]
    sheet.append([_header(sheet, name) for name, _width in columns])
    for cells in rows:
        sheet.append([_cell(sheet, item) for item in cells])
    return sheet


def _header(sheet: WriteOnlyWorksheet, name: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=name)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    return cell


def _cell(sheet: WriteOnlyWorksheet, item: Any) -> Cell:
    """One cell: dates as dates, numbers as numbers, and text always as text, never as a formula."""
    cell = WriteOnlyCell(sheet)
    value = item.value if isinstance(item, Overdue) else item
    if isinstance(value, str):
        # openpyxl refuses control characters, which a rejected record's value may hold.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if value.startswith(FORMULA_TRIGGERS):
            # Stored as a string with Excel's own "typed with a leading apostrophe" flag: shown as typed,
            # never evaluated, and still text after someone edits the cell.
            cell.data_type = "s"
            cell.quotePrefix = True
    elif value is not None:
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
    if isinstance(item, Overdue):
        cell.fill = OVERDUE_FILL
    return cell
