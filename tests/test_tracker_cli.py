"""`permanence tracker`: HTML and XLSX files, the JSON drift summary, exit codes and errors on stderr."""

import json

import lxml.html
import openpyxl
import pytest
from click.testing import CliRunner
from tracker_helpers import adopted, bare, in_proceedings

from permanence_core import api
from permanence_core.adapters import Adapter, LoadResult, Rejection
from permanence_core.adapters.ssda903 import Ssda903Adapter
from permanence_core.cli import cli
from permanence_core.errors import InputError
from permanence_core.plugins import hookimpl, manager
from permanence_core.synth import demo_folder

RECORDS = [in_proceedings("C1"), adopted("C2"), bare("C3")]
REJECTED = [Rejection(source="episodes.csv", row=7, child_id="Z9", field="LS", value="Q1", reason="not a legal status")]
BASE = ["tracker", "--adapter", "fake", "--source", "ok", "--as-of", "2026-06-01"]


class FakeSystem(Adapter):
    name = "fake"
    description = "records built in the test"
    source_help = "ok or missing"

    @hookimpl
    def permanence_register_adapters(self, register):
        register(self)

    def load(self, source, options):
        if source == "missing":
            raise InputError(source, "no such folder")
        return LoadResult(records=RECORDS, rejected=REJECTED, read=4)


@pytest.fixture
def fake_system(monkeypatch):
    real = manager.get_plugin_manager

    def with_fake(**kwargs):
        pm = real(load_entry_points=False)
        pm.register(FakeSystem(), name="fake")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_fake)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.usefixtures("fake_system")
def test_html_is_written_with_a_summary_on_stdout_and_rejections_on_stderr(tmp_path):
    out = tmp_path / "tracker.html"
    result = run(*BASE, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Wrote {out}: 2 children looked after on 2026-06-01 of 3 in the source (1 have left care, "
        "0 not yet looked after) (profile england); 1 with drift"
    )
    assert "actions overdue 1" in result.stdout
    assert "1 record rejected" in result.stderr
    assert "episodes.csv, row 7: child Z9 LS='Q1': not a legal status" in result.stderr
    document = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert document.xpath("//table[@id='tracker']/tbody/tr/@id") == ["row-C1", "row-C3"]


@pytest.mark.usefixtures("fake_system")
def test_xlsx_is_written(tmp_path):
    out = tmp_path / "Tracker.XLSX"
    result = run(*BASE, "--out", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Tracker"
    assert [row[0] for row in book["Tracker"].iter_rows(min_row=2, values_only=True)] == ["C1", "C3"]


@pytest.mark.usefixtures("fake_system")
def test_json_prints_the_drift_summary_and_cohort_without_writing_a_file(tmp_path):
    result = run(*BASE, "--format", "json", "--drift-weeks", "8", "--plan-changes", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-06-01"
    assert data["out"] is None
    assert data["drift"]["thresholds"] == {
        "weeks_without_activity": 8,
        "overdue_actions": 1,
        "plan_changes": 3,
        "action_working_days": 10,
    }
    assert data["drift"]["assessed"] == 2
    assert data["drift"]["children"] == [
        {
            "child_id": "C1",
            "signals": [
                {"signal": "actions_overdue", "detail": "Complete the assessment (due 2026-05-01, 31 days overdue)"}
            ],
        }
    ]
    assert data["cohort"]["time_to_permanence_days"]["adoption"]["median"] == 424
    assert data["rejected"][0]["child_id"] == "Z9"
    assert data["summary"]["load"] == {"read": 4, "loaded": 3, "rejected": 1, "children": 3}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("fake_system")
def test_json_with_out_writes_the_file_too(tmp_path):
    out = tmp_path / "t.html"
    result = run(*BASE, "--format", "json", "--out", out)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["out"] == str(out)
    assert out.exists()


@pytest.mark.usefixtures("fake_system")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--out", "tracker.pdf"), "'tracker.pdf' must end in .html or .xlsx"),
        (("--out", "t.html", "--drift-weeks", "0"), "0 is not in the range x>=1"),
        (("--out", "t.html", "--as-of", "2026-13-01"), "is not a date in YYYY-MM-DD form"),
    ],
)
def test_usage_errors_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*BASE, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("fake_system")
def test_unreadable_input_exits_1(tmp_path):
    result = run("tracker", "--adapter", "fake", "--source", "missing", "--out", tmp_path / "t.html")
    assert result.exit_code == 1
    assert "missing: no such folder" in result.stderr


@pytest.mark.usefixtures("fake_system")
def test_an_output_that_cannot_be_written_exits_1_naming_it(tmp_path):
    out = tmp_path / "no-such-folder" / "t.xlsx"
    result = run(*BASE, "--out", out)
    assert result.exit_code == 1
    assert f"{out}: cannot write the tracker" in result.stderr


def test_the_demo_cohort_end_to_end(tmp_path):
    out = tmp_path / "demo.html"
    result = run("tracker", "--adapter", "ssda903", "--source", demo_folder(), "--as-of", "2026-11-02", "--out", out)
    assert result.exit_code == 0, result.output
    summary = json.loads(
        run(
            "tracker", "--adapter", "ssda903", "--source", demo_folder(), "--as-of", "2026-11-02", "--format", "json"
        ).stdout
    )
    document = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    rows = document.xpath("//table[@id='tracker']/tbody/tr")
    assert len(rows) == summary["drift"]["assessed"] == summary["cohort"]["looked_after"] > 100
    sections = document.xpath("//section[contains(concat(' ', @class, ' '), ' child ')]")
    timelines = [svg for s in sections for svg in s.xpath(".//*[local-name()='svg' and @class='timeline']")]
    assert len(timelines) == len(rows)
    flagged = [r for r in rows if r.xpath("td[last()]//li")]
    assert len(flagged) == summary["drift"]["children_flagged"]


def test_the_page_is_built_from_the_tables_and_is_the_page_the_records_give(tmp_path, monkeypatch):
    args = ("tracker", "--adapter", "ssda903", "--source", demo_folder(), "--as-of", "2026-11-02", "--out")
    with monkeypatch.context() as patched:

        def no_records(*_args, **_kwargs):
            raise AssertionError("the tracker read the source as records")

        patched.setattr(api, "load", no_records)
        assert run(*args, tmp_path / "tables.html").exit_code == 0
    # An adapter that cannot read the detail tables itself is read as records, and the tables made from them.
    monkeypatch.setattr(Ssda903Adapter, "detail_tables", False)
    assert run(*args, tmp_path / "records.html").exit_code == 0
    page = (tmp_path / "tables.html").read_bytes()
    assert page == (tmp_path / "records.html").read_bytes() and b'id="row-' in page
