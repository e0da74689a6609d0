"""A load narrowed to a profile's facets: only those pack files are read, and a facet not read is never "none"."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from permanence_core import api
from permanence_core.adapters.pack import read_pack
from permanence_core.adapters.ssda903 import load
from permanence_core.cli import cli
from permanence_core.model import Facet
from permanence_core.rules import ObligationState, load_profile, needed_facets, profile_facets
from permanence_core.synth import CohortSpec, demo_folder, generate

AS_OF = dt.date(2026, 11, 2)
PROFILES = ("england", "panel-tor", "bolton", "ppm-process", "tracker-meeting", "north-east-lincolnshire")


@pytest.fixture(scope="module")
def full():
    return load(str(demo_folder()), {})


def states(evaluation):
    return [(o.child_id, o.rule, o.state, o.due_date) for o in evaluation.obligations]


@pytest.mark.parametrize("name", PROFILES)
def test_a_load_of_the_profiles_facets_gives_the_same_obligations_and_alerts(full, name):
    profile = load_profile(name)
    narrowed = load(str(demo_folder()), {"facets": [facet.value for facet in profile_facets(profile)]})
    before = api.evaluate(full.records, profile, AS_OF)
    after = api.evaluate(narrowed.records, profile, AS_OF)
    assert states(after) == states(before)
    assert [a.to_dict() for a in after.alerts] == [a.to_dict() for a in before.alerts]
    assert sum(1 for o in after.obligations if o.state is not ObligationState.NOT_ASSESSABLE) > 1000


def test_facets_not_read_are_not_in_coverage_and_their_files_are_not_read(full):
    narrowed = load(str(demo_folder()), {"facets": ["care", "reviews", "plans"]})
    assert all(Facet.MEETINGS in record.coverage for record in full.records)
    for record in narrowed.records:
        assert Facet.PLANS in record.coverage and Facet.CARE in record.coverage
        assert not record.coverage & {Facet.MEETINGS, Facet.PROCEEDINGS, Facet.SIBLINGS, Facet.WORKERS}
        assert not record.meetings and not record.siblings and record.views is None and record.narrative is None
    assert any(record.meetings for record in full.records) and any(record.views for record in full.records)
    assert [r.plans for r in narrowed.records] == [r.plans for r in full.records]
    assert any("not loaded: meetings, proceedings, siblings, workers" in notice for notice in narrowed.notices)
    assert narrowed.read < full.read / 2


def test_a_rule_needing_a_facet_not_read_is_not_assessable_never_missed(full):
    profile = load_profile("panel-tor")
    meeting_rules = {rule.id for rule in profile.rules if Facet.MEETINGS in needed_facets(rule)}
    assert meeting_rules
    narrowed = load(str(demo_folder()), {"facets": ["adoption", "care", "plans", "proceedings", "reviews"]})
    before = api.evaluate(full.records, profile, AS_OF)
    after = api.evaluate(narrowed.records, profile, AS_OF)
    for obligation in after.obligations:
        if obligation.rule in meeting_rules:
            assert obligation.state is ObligationState.NOT_ASSESSABLE
    assert not any(alert.rule in meeting_rules for alert in after.alerts)
    assert any(o.rule in meeting_rules and o.state is not ObligationState.NOT_ASSESSABLE for o in before.obligations)


def test_pack_json_narrowed_keeps_only_the_facets_asked_for(tmp_path):
    generate(CohortSpec(children=40, seed=21, as_of=AS_OF), tmp_path, pack_json=True)
    children = [line.split(",")[0] for line in (tmp_path / "header.csv").read_text().splitlines()[1:]]
    full = read_pack(tmp_path / "pack", children)
    narrowed = read_pack(tmp_path / "pack" / "pack.json", children, {Facet.PLANS})
    assert set(narrowed.records) == set(full.records)
    for child_id, record in narrowed.records.items():
        assert record.coverage == {Facet.PLANS} and record.plans == full.records[child_id].plans
        assert not record.meetings and not record.workers and not record.family and record.views is None
    assert any(record.meetings for record in full.records.values())


def test_alerts_reads_only_the_pack_files_its_profile_needs_and_documents_read_them_all(tmp_path):
    source = tmp_path / "demo"
    shutil.copytree(demo_folder(), source)
    # A meetings.csv row that cannot load: a full load rejects it, the england alerts never read the file.
    with (source / "pack" / "meetings.csv").open("a", encoding="utf-8") as handle:
        handle.write("BROKEN-1,ppm,not a date,1000001,,,,,\n")
    runner = CliRunner()
    args = ["--adapter", "ssda903", "--source", str(source), "--as-of", AS_OF.isoformat(), "--format", "json"]
    england = runner.invoke(cli, ["alerts", *args])
    assert england.exit_code == 0, england.output
    assert json.loads(england.stdout)["rejected"] == []
    panel = json.loads(runner.invoke(cli, ["alerts", *args, "--profile", "panel-tor"]).stdout)
    assert [r["source"] for r in panel["rejected"]] == ["pack/meetings.csv"]
    everything = load(str(source), {})
    assert [r.source for r in everything.rejected] == ["pack/meetings.csv"]
    assert any(record.views for record in everything.records)


def test_documents_json_is_read_only_for_documents_and_brings_no_facet(tmp_path):
    generate(CohortSpec(children=30, seed=22, as_of=AS_OF), tmp_path)
    pack = tmp_path / "pack"
    documents = json.loads((pack / "documents.json").read_text(encoding="utf-8"))
    first = next(record for record in documents["records"] if record.get("views"))
    first["coverage"] = ["meetings"]
    first["meetings"] = [{"meeting_id": "X1", "kind": "ppm", "date": "2026-01-05", "children": [first_id(first)]}]
    (pack / "documents.json").write_text(json.dumps(documents), encoding="utf-8")
    for path in pack.glob("*.csv"):
        if path.name != "children.csv":
            path.unlink()
    children = [line.split(",")[0] for line in (tmp_path / "header.csv").read_text().splitlines()[1:]]
    loaded = read_pack(pack, children)
    record = loaded.records[first_id(first)]
    assert record.views is not None and not record.meetings and Facet.MEETINGS not in record.coverage
    assert all(record.views is None for record in read_pack(pack, children, {Facet.PLANS}).records.values())


def first_id(record: dict) -> str:
    return str(record["child"]["identifiers"]["case_id"])


def test_synth_writes_documents_json_compact(tmp_path: Path):
    generate(CohortSpec(children=10, seed=23, as_of=AS_OF), tmp_path)
    text = (tmp_path / "pack" / "documents.json").read_text(encoding="utf-8")
    assert text.count("\n") == 1 and json.loads(text)["records"]
