"""The example nightly job: load → evaluate → raise only what changed, exactly once, through the adapter's hook."""

import datetime as dt
import importlib.util
import json
import re
from pathlib import Path

import pytest

from permanence_core import api
from permanence_core.synth import CohortSpec, generate
from permanence_core.writeback import ReceiptStatus, WorkTrayAlert

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)
DEMO = ROOT / "src" / "permanence_core" / "demo_data"


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


def test_no_write_back_destination_stops_before_loading_creating_nothing(nightly, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # The source does not exist either: exit 2, not 1, shows the job stopped before trying to load it.
    code = nightly(["--adapter", "ssda903", "--source", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "no write-back destination is configured" in err and "--outbox" in err and "--config" in err
    assert list(tmp_path.iterdir()) == []


def test_a_config_without_a_destination_is_refused_the_same_way(nightly, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "council.toml"
    config.write_text('[write_back]\ntoken_env = "GATEWAY_TOKEN"\n')
    assert nightly(["--adapter", "ssda903", "--source", str(DEMO), "--config", str(config)]) == 2
    assert "no write-back destination is configured" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [config]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read"),
        ("[write_back\n", "not valid TOML"),
        ('[write_back]\noutbox = "out"\n[mosaic]\ntoken = "abc"\n', "secrets must not be written"),
    ],
)
def test_a_bad_config_exits_1_naming_the_file(nightly, tmp_path, monkeypatch, capsys, text, expected):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "council.toml"
    if text is not None:
        config.write_text(text)
    assert nightly(["--adapter", "ssda903", "--source", str(DEMO), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert str(config) in err and expected in err and "abc" not in err
    assert not (tmp_path / "out").exists()


def test_dates_are_read_as_the_cli_reads_them(nightly, tmp_path, capsys):
    from click.testing import CliRunner

    from permanence_core.cli import cli

    with pytest.raises(SystemExit) as exit_:
        nightly(["--adapter", "ssda903", "--source", str(DEMO), "--outbox", str(tmp_path), "--as-of", "2026-13-01"])
    assert exit_.value.code == 2
    message = "'2026-13-01' is not a date in YYYY-MM-DD form"
    assert message in capsys.readouterr().err
    result = CliRunner().invoke(cli, ["alerts", "--adapter", "ssda903", "--source", str(DEMO), "--as-of", "2026-13-01"])
    assert result.exit_code == 2 and message in result.stderr


def test_a_state_store_that_is_not_a_url_is_a_usage_error_creating_nothing(nightly, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        nightly(["--adapter", "ssda903", "--source", str(DEMO), "--outbox", "out", "--state", "notaurl"])
    assert exit_.value.code == 2
    assert "'notaurl' is not a database URL" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_exit_codes_are_documented_in_the_readme():
    """The README repeats the job's own statement of its exit codes word for word."""
    docstring = " ".join((ROOT / "examples" / "nightly.py").read_text().split('"""')[1].split())
    codes = re.search(r"Exit codes: .*?run\)\.", docstring)
    assert codes is not None
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert codes.group(0) in readme
