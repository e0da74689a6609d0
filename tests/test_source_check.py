"""``permanence source check``: facets, tables, unmapped values and assessable rules; exit 0 / 1 on required facets."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from permanence_core.cli import cli
from permanence_core.synth import CohortSpec, generate


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec(children=30, seed=4, as_of=dt.date(2026, 11, 2)), folder / "return", ssd_out=folder / "s.db")
    return folder / "return", folder / "s.db"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["source", "check", *args])


def _copy(path: Path, tmp_path: Path, *statements: str) -> str:
    target = tmp_path / "ssd.sqlite"
    shutil.copy(path, target)
    with sqlite3.connect(target) as db:
        for statement in statements:
            db.execute(statement)
    db.close()
    return f"sqlite:///{target}"


def test_a_complete_ssd_passes_with_every_facet_listed(cohort: tuple[Path, Path]) -> None:
    result = run("--adapter", "ssd", "--source", f"sqlite:///{cohort[1]}", "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    status = {facet["facet"]: facet["status"] for facet in report["facets"]}
    assert status == {
        "identity": "in source",
        "care": "in source",
        "reviews": "in source",
        "plans": "in source",
        "meetings": "not read",
        "proceedings": "not read",
        "adoption": "in source",
        "siblings": "in source",
        "workers": "in source",
        "names": "in source",
    }
    rows = {table["table"]: table["rows"] for table in report["tables"]}
    assert rows["ssd_person"] == 30
    assert {v["value"] for v in report["unmapped"]} >= {"IRO"}


def test_a_missing_required_table_exits_1_naming_it(cohort: tuple[Path, Path], tmp_path: Path) -> None:
    url = _copy(cohort[1], tmp_path, "DROP TABLE ssd_legal_status")

    result = run("--adapter", "ssd", "--source", url)

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"ssd source {url}: NOT OK: a required facet is missing"
    assert "  care         not in source (required): missing ssd_legal_status" in result.output.splitlines()


def test_unmatched_descriptions_are_counted_with_the_nearest_wording(cohort: tuple[Path, Path], tmp_path: Path) -> None:
    url = _copy(cohort[1], tmp_path, "UPDATE ssd_legal_status SET lega_legal_status = 'Full care ordr'")

    result = run("--adapter", "ssd", "--source", url, "--format", "json")

    [value] = [v for v in json.loads(result.output)["unmapped"] if v["what"] == "legal status"]
    assert value["value"] == "Full care ordr" and value["count"] > 1
    assert "nearest: 'Full care order' (C2)" in value["hint"]


def test_a_profile_s_rules_are_marked_assessable_or_not(cohort: tuple[Path, Path]) -> None:
    result = run("--adapter", "ssd", "--source", f"sqlite:///{cohort[1]}", "--profile", "tracker-meeting")

    assert "Rules of profile tracker-meeting: 6 of 9 assessable" in result.output
    assert "  not assessable: panel.referral (needs meetings)" in result.output


def test_any_other_adapter_is_checked_from_a_load(cohort: tuple[Path, Path]) -> None:
    result = run("--adapter", "ssda903", "--source", str(cohort[0]), "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # The return with its permanence pack covers every facet; the report says so from the records loaded.
    assert {facet["status"] for facet in report["facets"]} == {"in source"}
    assert "loaded 30 children; 0 records rejected" in report["notices"]


def test_a_return_without_its_pack_has_only_the_return_s_facets(cohort: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "return"
    shutil.copytree(cohort[0], folder, ignore=shutil.ignore_patterns("pack"))

    report = json.loads(run("--adapter", "ssda903", "--source", str(folder), "--format", "json").output)

    in_source = {facet["facet"] for facet in report["facets"] if facet["status"] == "in source"}
    assert in_source == {"identity", "care", "reviews", "adoption"}


def test_an_unreadable_source_exits_1(tmp_path: Path) -> None:
    result = run("--adapter", "ssd", "--source", f"sqlite:///{tmp_path / 'none.db'}")

    assert result.exit_code == 1
    assert "no such database file" in result.output
