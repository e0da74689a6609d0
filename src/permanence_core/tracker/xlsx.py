"""The tracker as an Excel workbook for business support: one sheet per view, frozen headers, filters,
overdue cells highlighted, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from permanence_core.documents.formatting import route_text
from permanence_core.tracker.cohort import cohort_figures
from permanence_core.tracker.drift import DriftReport, Signal
from permanence_core.tracker.report import TrackerReport, TrackerRow

#: A text starting with one of these is a formula (or DDE payload) to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
OVERDUE_COLOUR = "#F4C7C3"
HEADER_COLOUR = "#DDE6F0"
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
    book = _Book(target)
    flags = drift.by_child()
    _sheet(
        book,
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
        book,
        "Drift",
        (("Child", 12), ("Signal", 30), ("Detail", 70)),
        [[f.child_id, f.signal.label, f.detail] for f in drift.flags],
    )
    _sheet(
        book,
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
        book,
        "Cohort",
        (("Measure", 30), ("Category", 32), ("Children", 9), ("Median days", 9), ("Shortest", 9), ("Longest", 9)),
        _cohort_rows(report, drift),
    )
    _sheet(
        book,
        "Rejected",
        (("Source", 30), ("Row", 7), ("Element", 24), ("Child", 12), ("Field", 16), ("Value", 20), ("Reason", 60)),
        [[r.source, r.row, r.element, r.child_id, r.field, r.value, r.reason] for r in report.rejected]
        or [["No record was rejected: every record in the source loaded."]],
    )
    book.workbook.close()


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


def _sheet(book: _Book, title: str, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]) -> None:
    # constant_memory streams each row to a temporary file as it is written: a national cohort's tracker
    # (62,000 rows) is never held as cells. Rows must then go in order, which they do.
    sheet = book.workbook.add_worksheet(title)
    for index, (_name, width) in enumerate(columns):
        sheet.set_column(index, index, width + 2)
    sheet.freeze_panes(1, 0)
    # Printed by business support: landscape, every column on the page, the header row on each page.
    sheet.set_landscape()
    sheet.set_paper(PAPER_A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    for column, (name, _width) in enumerate(columns):
        sheet.write_string(0, column, name, book.header)
    for number, cells in enumerate(rows, start=1):
        for column, item in enumerate(cells):
            _cell(book, sheet, number, column, item)


class _Book:
    """The workbook and the few cell formats its cells share (a format per combination, made once)."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self.workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
        self.header = self.workbook.add_format({"bold": True, "bg_color": HEADER_COLOUR, "pattern": 1})
        #: By (date, overdue, as text): the format of a date, an overdue (filled) cell and/or text Excel must not
        #: read as a formula. Looked up per cell, so a plain dictionary (a million cells at national size).
        self.formats = _Formats(self.workbook)


class _Formats(dict[tuple[bool, bool, bool], Format | None]):
    """Each combination's format, added to the workbook the first time a cell needs it."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        super().__init__({(False, False, False): None})
        self._workbook = workbook

    def __missing__(self, key: tuple[bool, bool, bool]) -> Format:
        date, overdue, as_text = key
        properties: dict[str, Any] = {}
        if date:
            properties["num_format"] = DATE_FORMAT
        if overdue:
            properties.update(bg_color=OVERDUE_COLOUR, pattern=1)
        if as_text:
            properties["quote_prefix"] = True
        made = self[key] = self._workbook.add_format(properties)
        return made


@functools.cache
def _illegal_characters() -> re.Pattern[str]:
    """openpyxl's pattern of the characters a spreadsheet cannot hold. Imported when a workbook is written, not
    with the module: openpyxl takes 0.14 s to import, which every ``permanence`` command would pay at start-up."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def _cell(book: _Book, sheet: Worksheet, row: int, column: int, item: Any) -> None:
    """One cell: dates as dates, numbers as numbers, and text always as text, never as a formula."""
    overdue = isinstance(item, Overdue)
    value = item.value if overdue else item
    if value is None:  # an empty cell: none is written
        return
    if isinstance(value, str):
        # A spreadsheet cannot hold control characters, which a rejected record's value may hold.
        # Text is written as a string whatever it looks like; one that starts like a formula also gets
        # Excel's own "typed with a leading apostrophe" flag: shown as typed, never evaluated, and still
        # text after someone edits the cell.
        # (``isprintable`` first: nearly every value passes it, in C, without the pattern's scan and copy.)
        text = value if value.isprintable() else _illegal_characters().sub("\ufffd", value)
        sheet.write_string(row, column, text, book.formats[False, overdue, value.startswith(FORMULA_TRIGGERS)])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, book.formats[True, overdue, False])
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, book.formats[False, overdue, False])
    else:
        raise TypeError(f"no spreadsheet cell for {type(value).__name__}")
