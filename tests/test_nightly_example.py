"""The example nightly job: load → evaluate → raise only what changed, exactly once, through the adapter's hook."""

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

from permanence_core import api
from permanence_core.synth import CohortSpec, generate
from permanence_core.writeback import ReceiptStatus, WorkTrayAlert

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec(children=40, seed=5, as_of=AS_OF), folder)
    return folder


@pytest.fixture
def nightly():
    spec = importlib.util.spec_from_file_location("nightly", ROOT / "examples" / "nightly.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def run(nightly, cohort, outbox, as_of, capsys):
    code = nightly(
        [
            "--adapter",
            "ssda903",
            "--source",
            str(cohort),
            "--profile",
            "bolton",
            "--as-of",
            as_of.isoformat(),
            "--outbox",
            str(outbox),
        ]
    )
    return code, json.loads(capsys.readouterr().out)


def test_a_rerun_sends_nothing_twice_and_a_later_night_sends_only_changes(nightly, cohort, tmp_path, capsys):
    outbox = tmp_path / "outbox"
    code, first = run(nightly, cohort, outbox, AS_OF, capsys)
    assert code == 0
    sent = first["write_back"]["sent"]
    assert sent == sum(first["alerts"].values()) > 0
    assert len(list(outbox.glob("*.json"))) == sent

    code, again = run(nightly, cohort, outbox, AS_OF, capsys)
    assert (code, again["write_back"]["sent"], again["write_back"]["unchanged"]) == (0, 0, sent)
    assert len(list(outbox.glob("*.json"))) == sent

    code, later = run(nightly, cohort, outbox, AS_OF + dt.timedelta(days=10), capsys)
    changes = later["write_back"]
    assert changes["sent"] == changes["new"] + changes["changed"]
    assert len(list(outbox.glob("*.json"))) == sent + changes["sent"]


def test_an_unreadable_source_exits_1(nightly, tmp_path, capsys):
    assert nightly(["--adapter", "ssda903", "--source", str(tmp_path / "nowhere"), "--outbox", str(tmp_path)]) == 1
    assert "nightly: error:" in capsys.readouterr().err


def test_writer_delivers_through_the_adapter_hook_exactly_once(tmp_path):
    item = WorkTrayAlert(child_id="C1", recipient_role="team_manager", title="PPM due", body="…")
    options = {"outbox": str(tmp_path / "outbox"), "state": f"sqlite:///{tmp_path / 'state.sqlite'}"}
    with api.writer("ssda903", options) as writer:
        [first] = writer.deliver([item])
    with api.writer("ssda903", options) as writer:
        [second] = writer.deliver([item])
    assert first.status is ReceiptStatus.QUEUED
    assert second.status is ReceiptStatus.DUPLICATE
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1
