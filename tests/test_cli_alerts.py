"""The `permanence alerts` / `explain` CLI contract: formats, exit codes, rejected records, errors on stderr."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from rules_helpers import D, plan, record

from permanence_core.adapters import Adapter, LoadResult, Rejection
from permanence_core.cli import cli
from permanence_core.errors import InputError
from permanence_core.plugins import hookimpl, manager

RECORDS = [
    record(D(2026, 1, 5), child_id="A1"),  # first review due 2 Feb: overdue on 10 Feb
    record(D(2026, 1, 12), child_id="B2", reviews=[D(2026, 2, 6)], plans=[plan(D(2026, 2, 1))]),
    record(D(2025, 6, 2), child_id="C3", end=D(2025, 9, 1), reason_ceased="E4A"),
]
REJECTED = [Rejection(source="episodes.csv", row=7, child_id="Z9", field="LS", value="Q1", reason="not a legal status")]


REAL_PLUGIN_MANAGER = manager.get_plugin_manager


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


@pytest.fixture(autouse=True)
def fake_system(monkeypatch):
    real = manager.get_plugin_manager

    def with_fake(**kwargs):
        pm = real(load_entry_points=False)
        pm.register(FakeSystem(), name="fake")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_fake)


def run(*args):
    return CliRunner().invoke(cli, list(args))


BASE = ["--adapter", "fake", "--source", "ok", "--as-of", "2026-02-10"]


def test_json_output_follows_the_documented_contract():
    result = run("alerts", *BASE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-02-10"
    assert data["profile"] == "england"
    assert [(a["child_id"], a["rule"], a["status"], a["due_date"]) for a in data["alerts"]] == [
        ("A1", "review.first", "overdue", "2026-02-02"),
    ]
    assert set(data["alerts"][0]) == {
        "child_id",
        "rule",
        "status",
        "due_date",
        "anchor_event",
        "anchor_date",
        "message",
        "source",
    }
    assert data["rejected"] == [
        {
            "source": "episodes.csv",
            "row": 7,
            "child_id": "Z9",
            "field": "LS",
            "value": "Q1",
            "reason": "not a legal status",
            "element": None,
        }
    ]


def test_alerts_are_sorted_by_due_date_then_child_id():
    data = json.loads(run("alerts", *BASE[:-1], "2026-04-20", "--format", "json").stdout)
    keys = [(a["due_date"], a["child_id"]) for a in data["alerts"]]
    assert keys == sorted(keys)
    assert len(keys) >= 2


def test_csv_output_has_the_same_fields():
    result = run("alerts", *BASE, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["child_id"] == "A1"
    assert rows[0]["status"] == "overdue"
    assert "1 record rejected" in result.stderr


def test_the_table_fits_80_columns_and_puts_the_most_urgent_first():
    result = run("alerts", *BASE[:-1], "2026-04-20", "--profile", "bolton")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    rows = [line.split()[:3] for line in lines if line.startswith(("A1", "B2", "C3"))]
    assert "5 overdue, 2 upcoming" in lines[0]
    assert [status for _, status, _ in rows] == ["overdue"] * 5 + ["upcoming"] * 2
    dues = [due for _, _, due in rows]
    assert dues == sorted(dues)  # the longest overdue first
    assert {child for child, _, _ in rows} == {"A1", "B2"}  # C3 has left care
    assert "Z9" in result.stderr  # rejected records are reported, not dropped


def test_one_child():
    everyone = json.loads(run("alerts", *BASE[:-1], "2026-05-01", "--format", "json").stdout)["alerts"]
    only_b2 = json.loads(run("alerts", *BASE[:-1], "2026-05-01", "--format", "json", "--child", "B2").stdout)["alerts"]
    assert {a["child_id"] for a in everyone} == {"A1", "B2"}
    assert only_b2 == [a for a in everyone if a["child_id"] == "B2"]
    assert [a["rule"] for a in only_b2] == ["review.second"]


def test_unreadable_input_exits_1_with_the_error_on_stderr():
    result = run("alerts", "--adapter", "fake", "--source", "missing")
    assert result.exit_code == 1
    assert "missing: no such folder" in result.stderr
    assert result.stdout == ""


def test_unknown_adapter_and_bad_dates_are_errors():
    unknown = run("alerts", "--adapter", "nope", "--source", "x")
    assert unknown.exit_code == 2
    assert "unknown adapter 'nope'" in unknown.stderr
    assert run("alerts", *BASE, "--profile", "nowhere").exit_code == 2
    result = run("alerts", "--adapter", "fake", "--source", "ok", "--as-of", "10/02/2026")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_explain_shows_the_whole_timeline():
    result = run("explain", "--child", "B2", *BASE)
    assert result.exit_code == 0, result.output
    assert "review.first" in result.stdout and "met" in result.stdout
    assert "review.second" in result.stdout and "open" in result.stdout
    data = json.loads(run("explain", "--child", "B2", *BASE, "--format", "json").stdout)
    states = {o["rule"]: o["state"] for o in data["obligations"]}
    assert states["review.first"] == "met"
    assert states["plan.by_second_review"] == "met"


def obligation_lines(stdout, rule):
    """The three lines `explain` prints for one rule: due and state, anchor and source, what meets it."""
    lines = stdout.splitlines()
    at = next(n for n, line in enumerate(lines) if line.split()[:1] == [rule])
    return lines[at : at + 3]


def test_explain_says_which_event_meets_each_rule():
    england = obligation_lines(run("explain", "--child", "B2", *BASE).stdout, "plan.by_second_review")
    assert "met on 2026-02-01 (permanence plan recorded)" in england[0]
    assert england[2].strip() == "met by a permanence plan recorded"
    local = run("explain", "--child", "B2", *BASE, "--profile", "north-east-lincolnshire")
    ratified = obligation_lines(local.stdout, "plan.by_second_review")
    assert ratified[0].split()[1:] == ["due", "2026-05-06", "open"]  # the plan was proposed, never approved
    assert ratified[2].strip() == "met by a permanence plan ratified at a looked-after review"
    data = json.loads(run("explain", "--child", "B2", *BASE, "--format", "json", "--profile", "tracker-meeting").stdout)
    [obligation] = [o for o in data["obligations"] if o["rule"] == "plan.by_second_review"]
    assert (obligation["state"], obligation["met_by"], obligation["met_event"]) == ("open", "plan_ratified", None)
    [review] = [o for o in data["obligations"] if o["rule"] == "review.first"]
    assert (review["met_by"], review["met_event"]) == ("review_held", "looked-after review held")


def test_explain_an_unknown_child_names_it():
    result = run("explain", "--child", "Z9", *BASE)
    assert result.exit_code == 1
    assert "'Z9'" in result.stderr
    assert "rejected" in result.stderr


# --- the cohort path: `alerts` loads tables through Adapter.load_cohort --------------------------------------------


def test_the_default_load_cohort_is_the_load_as_tables_with_its_rejections_and_counts():
    from permanence_core.cohort import cohort_from_records

    loaded = FakeSystem().load_cohort("ok", {}, None)
    expected = cohort_from_records(RECORDS)
    assert loaded.cohort.children.equals(expected.children)
    assert loaded.cohort.reviews.equals(expected.reviews)
    assert loaded.rejected == tuple(REJECTED)
    assert loaded.summary() == LoadResult(records=RECORDS, rejected=REJECTED, read=4).summary()


def test_the_default_load_cohort_passes_the_facets_the_caller_needs_to_load():
    from permanence_core.model import Facet

    seen = []

    class Recording(FakeSystem):
        def load(self, source, options):
            seen.append(options.get("facets"))
            return super().load(source, options)

    Recording().load_cohort("ok", {}, {Facet.REVIEWS, Facet.CARE})
    Recording().load_cohort("ok", {}, None)
    assert seen == [["care", "reviews"], None]


def test_an_adapter_with_its_own_load_cohort_plugs_into_alerts_without_loading_records(monkeypatch):
    from permanence_core.adapters import CohortLoad
    from permanence_core.cohort import cohort_from_records

    class TablesOnly(FakeSystem):
        def load(self, source, options):
            raise AssertionError("alerts must not load records when the adapter reads tables")

        def load_cohort(self, source, options, facets=None):
            return CohortLoad(cohort=cohort_from_records(RECORDS), rejected=REJECTED, read=4)

    # What the records path prints, the whole cohort and one child, before the adapter reads tables instead.
    expected = [run("alerts", *BASE, "--format", "json"), run("alerts", *BASE, "--child", "A1", "--format", "csv")]

    def with_tables(**kwargs):
        pm = REAL_PLUGIN_MANAGER(load_entry_points=False)
        pm.register(TablesOnly(), name="fake")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_tables)
    actual = [run("alerts", *BASE, "--format", "json"), run("alerts", *BASE, "--child", "A1", "--format", "csv")]
    assert [r.exit_code for r in actual] == [0, 0], actual[0].output
    assert json.loads(actual[0].output)["alerts"]
    assert "A1,review.first,overdue" in actual[1].output
    assert [r.output for r in actual] == [r.output for r in expected]
