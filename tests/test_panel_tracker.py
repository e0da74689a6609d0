"""Issue 16's tracker points: drift threshold from the profile, drift naming the action, time to permanence by seed
002's routes, round axis ticks, the reconciled counts, the workbook's dates and print set-up, and names."""

import datetime as dt
import io
import json

import openpyxl
from click.testing import CliRunner
from rules_helpers import D, meeting, plan, record
from tracker_helpers import action, in_proceedings, row_of, tracker

from permanence_core.cli import cli
from permanence_core.model import StatusChange
from permanence_core.tracker.charts import nice_ticks
from permanence_core.tracker.cohort import cohort_figures
from permanence_core.tracker.drift import DriftThresholds, Signal
from permanence_core.tracker.html import render_html
from permanence_core.tracker.xlsx import write_xlsx

DEMO = ["--adapter", "ssda903", "--source", "src/permanence_core/demo_data", "--as-of", "2026-11-02"]


def late_by(days):
    """A child whose one open action is ``days`` calendar days overdue on AS_OF (Monday 1 June 2026)."""
    due = D(2026, 6, 1) - dt.timedelta(days=days)
    return record(
        D(2026, 1, 5),
        plans=[plan(D(2026, 2, 10))],
        meetings=[meeting("ppm", D(2026, 2, 10), actions=[action("A1", due, description="Arrange the medical")])],
    )


def test_an_action_a_few_days_late_is_not_drift_one_past_the_threshold_is():
    _report, drift = tracker([late_by(4)])
    assert Signal.ACTIONS_OVERDUE not in {f.signal for f in drift.flags}
    _report, drift = tracker([late_by(20)])
    [flag] = [f for f in drift.flags if f.signal is Signal.ACTIONS_OVERDUE]
    # The detail names the action, not its id.
    assert flag.detail.startswith("Arrange the medical (due 2026-05-12")
    assert "A1" not in flag.detail
    _report, strict = tracker([late_by(4)], thresholds=DriftThresholds(action_working_days=0))
    assert Signal.ACTIONS_OVERDUE in {f.signal for f in strict.flags}


def test_the_tracker_command_takes_the_drift_threshold_from_the_profile():
    result = CliRunner().invoke(cli, ["tracker", *DEMO, "--profile", "panel-tor", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["drift"]["thresholds"]["action_working_days"] == 10
    details = [s["detail"] for c in data["drift"]["children"] for s in c["signals"] if s["signal"] == "actions_overdue"]
    assert details and not any("-A1" in d for d in details)


def test_residential_care_and_supported_living_are_not_permanence():
    residential = plan(
        D(2025, 3, 1),
        primary="residential",
        history=[
            StatusChange(status="proposed", date=D(2025, 3, 1)),
            StatusChange(status="achieved", date=D(2025, 9, 1)),
        ],
    )
    adoption = plan(
        D(2025, 3, 1),
        primary="adoption",
        history=[
            StatusChange(status="proposed", date=D(2025, 3, 1)),
            StatusChange(status="achieved", date=D(2025, 9, 1)),
        ],
    )
    report, _ = tracker(
        [record(D(2025, 1, 1), plans=[residential]), record(D(2025, 1, 1), child_id="C2", plans=[adoption])]
    )
    assert row_of(report, "C1").secured_on is None
    assert row_of(report, "C2").secured_route == "adoption"
    assert [t.route for t in cohort_figures(report).time_to_permanence] == ["adoption"]


def test_axis_ticks_are_round_numbers():
    assert nice_ticks(891) == [0, 200, 400, 600, 800, 1000]
    assert nice_ticks(45) == [0, 10, 20, 30, 40, 50]


def test_the_counts_reconcile_with_the_source():
    later = record(D(2026, 9, 1), child_id="C9")
    left = record(D(2025, 1, 1), end=D(2026, 3, 1), reason_ceased="E11", child_id="C8")
    report, drift = tracker([in_proceedings(), later, left])
    assert (report.source_children, len(report.looked_after), report.left_care, report.not_yet_in_care) == (3, 1, 1, 1)
    html = render_html(report, drift)
    assert "1</strong> children looked after, of 3 in the source" in html
    assert "1 have left care, 1 not yet looked after on that day" in html


def test_the_demo_reconciles_200_children(tmp_path):
    out = str(tmp_path / "t.html")
    result = CliRunner().invoke(cli, ["tracker", *DEMO, "--profile", "panel-tor", "--out", out])
    assert result.exit_code == 0, result.output
    assert "153 children looked after on 2026-11-02 of 200 in the source (44 have left care, 3 not yet" in result.stdout


def workbook(records, rejected=()):
    report, drift = tracker(records, rejected=rejected)
    buffer = io.BytesIO()
    write_xlsx(report, drift, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_the_workbook_writes_dates_as_councils_do_and_prints_landscape_on_one_width():
    book = workbook([in_proceedings()])
    sheet = book["Tracker"]
    header = [c.value for c in sheet[1]]
    since = sheet.cell(row=2, column=header.index("Looked after since") + 1)
    assert since.number_format == "dd/mm/yyyy"
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # one page wide: 1 is the file format's default, may be left out
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"


def test_the_workbook_says_none_and_not_in_source_as_the_page_does():
    bare = record(D(2026, 1, 5), child_id="C3", coverage=["care", "reviews"], reviews=[D(2026, 1, 30)])
    quiet = record(D(2026, 1, 5), child_id="C4")
    book = workbook([bare, quiet])
    sheet = book["Tracker"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["C3"]["Days since activity"] == "not in source"
    assert rows["C4"]["Days since activity"] == "none"
    assert rows["C4"]["Plan"] == "no plan"


def test_an_empty_rejected_sheet_says_so():
    sheet = workbook([in_proceedings()])["Rejected"]
    assert sheet.cell(row=2, column=1).value.startswith("No record was rejected")


def test_names_are_in_the_tracker_and_pseudonymise_removes_them(tmp_path, monkeypatch):
    out = tmp_path / "tracker.html"
    result = CliRunner().invoke(cli, ["tracker", *DEMO, "--profile", "panel-tor", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Oscar Synthwell" in page
    monkeypatch.setenv("PERMANENCE_PSEUDONYM_KEY", "k" * 40)
    hidden = tmp_path / "hidden.html"
    result = CliRunner().invoke(
        cli, ["tracker", *DEMO, "--profile", "panel-tor", "--out", str(hidden), "--pseudonymise"]
    )
    assert result.exit_code == 0, result.output
    assert "Oscar Synthwell" not in hidden.read_text(encoding="utf-8")
