"""benchmarks/nightly_scale.py end to end on a small cohort: every stage runs, the second run sends nothing."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from permanence_core.tracker.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "nightly_scale.py"
# The order `permanence ledger sync --raise-alerts` runs the job in (permanence_core.tracker.nightly), then the tracker
# (with the records it still reads).
STAGES = ["load", "ledger sync", "evaluate", "write-back", "tracker rows", "tracker xlsx"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def nightly(cache: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), "--children", "300", "--seed", "5", "--cache", str(cache), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, env=env)


@pytest.fixture(scope="module")
def two_runs(cache, tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    done = nightly(cache, "--work", str(work), "--format", "json")
    return done, work


def test_both_runs_go_through_every_stage_with_figures(two_runs):
    done, _work = two_runs
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    stages = [(s["run"], s["stage"]) for s in figures["stages"]]
    assert stages == [(run, stage) for run in (1, 2) for stage in [*STAGES, "tracker html"]]
    assert not any(s["crashed"] for s in figures["stages"])
    peaks = [s["process_peak_mb"] for s in figures["stages"]]
    assert peaks == sorted(peaks)
    assert all(s["peak_mb"] <= s["process_peak_mb"] for s in figures["stages"])
    assert figures["process_peak_mb"] == peaks[-1]
    for total in figures["totals"]:
        assert total["time_target"] == "met" and total["memory_target"] == "met"
    # The progress lines go to stderr in JSON mode, so stdout stays parseable.
    assert "tracker xlsx" in done.stderr


def test_the_second_run_sends_nothing_and_nothing_is_lost_or_duplicated(two_runs):
    done, work = two_runs
    figures = json.loads(done.stdout)
    first, second = (run["write_back"] for run in figures["runs"])
    assert first["sent"] == first["new"] == figures["runs"][0]["alerts"] > 0
    assert (second["sent"], second["new"], second["changed"], second["unchanged"]) == (0, 0, 0, first["sent"])
    assert figures["delivered"] == {"sidecars": first["sent"], "sent": first["sent"], "lost": 0, "duplicated": 0}
    assert len(list((work / "outbox").glob("*.json"))) == first["sent"]


def test_the_ledger_holds_both_syncs_and_the_trackers_are_written(two_runs):
    _done, work = two_runs
    with Ledger(f"sqlite:///{work / 'ledger.sqlite'}") as ledger:
        second, first = ledger.syncs()
    assert first.children == second.children == 300
    assert first.meetings_added > 0 and second.meetings_added == 0
    workbook = openpyxl.load_workbook(work / "tracker-run2.xlsx", read_only=True)
    assert workbook.sheetnames[0] == "Tracker"
    assert (work / "tracker-run1.html").read_text(encoding="utf-8").lstrip().startswith("<!DOCTYPE html>")


def test_the_cached_cohort_is_reused_and_a_missed_target_does_not_fail_the_run(cache, two_runs):
    done = nightly(cache, "--runs", "1", "--no-html", "--target-seconds", "0", "--target-mb", "1")
    assert done.returncode == 0, done.stderr
    assert "(cached; generated in" in done.stdout
    assert "tracker xlsx" in done.stdout and "tracker html" not in done.stdout
    assert "(target 0 s: MISSED)" in done.stdout and "(target 1 MB: MISSED)" in done.stdout
    assert "lost 0, duplicated 0" in done.stdout


def test_a_stage_that_crashes_stops_the_run_and_exits_1(cache, two_runs):
    done = nightly(cache, "--runs", "1", "--profile", "no-such-profile")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.split()[1:2] == ["load"] for line in lines)
    assert any("evaluate" in line and line.endswith("CRASHED") for line in lines)
    assert "CRASHED: run 1, stage evaluate" in done.stdout
    assert not any("write-back" in line or "tracker" in line for line in lines)


def test_a_work_folder_holding_files_is_a_usage_error(cache, tmp_path):
    (tmp_path / "ledger.sqlite").write_bytes(b"")
    done = nightly(cache, "--work", str(tmp_path))
    assert done.returncode == 2
    assert "is not empty" in done.stderr


# A stand-in for pandas (the bench extra need not be installed): read_csv gives a file's rows, the header aside.
_PANDAS = """
import csv


def read_csv(path, dtype=None):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]
"""


def test_each_run_is_a_multiple_of_pandas_reading_the_cohorts_csv_files(cache, tmp_path):
    (tmp_path / "pandas.py").write_text(_PANDAS)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = nightly(cache, "--runs", "1", "--no-html", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    folder = Path(figures["cohort"])
    files = sorted(folder.glob("*.csv")) + sorted((folder / "pack").glob("*.csv"))
    rows = 0
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows += len(list(csv.reader(handle))) - 1
    reference = figures["reference"]
    assert (reference["files"], reference["rows"]) == (len(files), rows) and reference["wall"] > 0
    [total] = figures["totals"]
    assert total["reference_ratio"] == pytest.approx(total["wall_s"] / reference["wall"])
    assert f"of the cohort's {len(files)} CSV files" in done.stderr
    assert f"{total['reference_ratio']:.1f}x the reference" in done.stderr


def test_no_reference_measures_none(cache):
    done = nightly(cache, "--runs", "1", "--no-html", "--no-reference", "--format", "json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["reference"] is None and figures["totals"][0]["reference_ratio"] is None
    assert "reference" not in done.stderr and "x the reference" not in done.stderr
