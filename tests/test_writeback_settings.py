"""Write-back settings from TOML: validated, relative paths resolved, and secrets refused."""

import datetime as dt
from pathlib import Path

import attrs
import pytest
import requests
import responses

from permanence_core.errors import ConfigError
from permanence_core.writeback import HttpGateway, Outbox, ReceiptStatus, WriteBack, WriteBackSettings
from permanence_core.writeback.audit import AUDIT_FILE, audit_path
from permanence_core.writeback.http import Payload
from permanence_core.writeback.items import CaseNote
from permanence_core.writeback.settings import NoDestinationError, check_endpoint
from permanence_core.writeback.transports import transport_for

GATEWAY_CONFIG = """
[mosaic]
step_types = [101, 102]

[write_back]
endpoint = "https://gateway.council.test/permanence/v1/"
token_env = "PERMANENCE_GATEWAY_TOKEN"
connect_timeout = 3
read_timeout = 20
max_attempts = 5
backoff = 0.5
max_wait = 45
state = "sqlite:///state/writeback.sqlite"

[write_back.paths]
case_note = "/people/{child_id}/case-notes"
"""


def write(tmp_path, text, name="council.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_gateway_section_is_read_with_paths_relative_to_the_file(tmp_path):
    settings = WriteBackSettings.from_file(write(tmp_path, GATEWAY_CONFIG))
    assert settings.endpoint == "https://gateway.council.test/permanence/v1"
    assert settings.token_env == "PERMANENCE_GATEWAY_TOKEN"
    assert (settings.connect_timeout, settings.read_timeout, settings.max_attempts) == (3.0, 20.0, 5)
    assert (settings.backoff, settings.max_wait) == (0.5, 45.0)
    assert settings.paths == {
        "document": "/documents",
        "case_note": "/people/{child_id}/case-notes",
        "work_tray_alert": "/alerts",
    }
    assert settings.state == f"sqlite:///{tmp_path / 'state' / 'writeback.sqlite'}"


def test_a_file_without_the_section_gives_the_defaults(tmp_path):
    settings = WriteBackSettings.from_file(write(tmp_path, "[mosaic]\nx = 1\n"))
    assert attrs.evolve(settings, state=WriteBackSettings().state) == WriteBackSettings()
    assert WriteBackSettings().state == "sqlite:///permanence-writeback.sqlite"
    # The default store sits beside the configuration file.
    assert settings.state == f"sqlite:///{tmp_path / 'permanence-writeback.sqlite'}"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('token = "eyJhbGciOi"', "write_back.token"),
        ('password = "hunter2"', "write_back.password"),
        ('client_secret = "s3cr3t"', "write_back.client_secret"),
        ('api_key = "k"', "write_back.api_key"),
        ('Authorization = "Bearer x"', "write_back.Authorization"),
        ('paths = { case_note = "/n", token = "t" }', "write_back.paths.token"),
    ],
)
def test_a_secret_in_the_file_is_refused_naming_the_file_and_key(tmp_path, line, key):
    path = write(tmp_path, f'[write_back]\noutbox = "out"\n{line}\n')
    with pytest.raises(ConfigError, match="secrets must not be written") as error:
        WriteBackSettings.from_file(path)
    assert str(error.value).startswith(f"{path}, {key}:")


def test_credentials_inside_urls_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="credentials must not be in the URL"):
        WriteBackSettings.from_file(write(tmp_path, '[write_back]\nendpoint = "https://u:p@gw.test"\n'))
    with pytest.raises(ConfigError, match="state_password_env"):
        WriteBackSettings.from_file(write(tmp_path, '[write_back]\nstate = "postgresql://pc:pw@db/wb"\n'))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("endpont = 1", "write_back.endpont: unknown setting"),
        ('endpoint = "ftp://gw.test"', "is not an http"),
        ('endpoint = "http://gw.council.test"', "HTTPS"),
        ("max_attempts = 0", "must be a positive whole number"),
        ("max_attempts = 2.5", "must be a positive whole number"),
        ('read_timeout = "30"', "must be a positive number"),
        ('token_env = "MY TOKEN"', "is not an environment variable name"),
        ('paths = { letters = "/l" }', "unknown item type"),
        ('paths = { case_note = "/{person}/notes" }', "only the {child_id} placeholder"),
        ('paths = { case_note = "notes" }', "must start with '/'"),
        ('outbox = ""', "must be a non-empty string"),
        ('state = "not a url"', "is not a database URL"),
    ],
)
def test_bad_values_are_config_errors_naming_the_key(tmp_path, line, message):
    with pytest.raises(ConfigError, match="write_back") as error:
        WriteBackSettings.from_file(write(tmp_path, f"[write_back]\n{line}\n"))
    assert message in str(error.value)


def test_an_unreadable_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        WriteBackSettings.from_file(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        WriteBackSettings.from_file(write(tmp_path, "[write_back\n"))


def test_options_override_the_file_and_switch_transport(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path, GATEWAY_CONFIG)
    settings = WriteBackSettings.from_options({"config": str(config), "outbox": "drop", "progress": print})
    assert settings.outbox == tmp_path / "drop"
    assert settings.endpoint is None
    assert settings.max_attempts == 5


def test_the_state_password_comes_from_the_environment(monkeypatch):
    settings = WriteBackSettings.from_mapping(
        {"state": "postgresql://permanence@db.council.test/writeback", "state_password_env": "WB_DB_PASSWORD"}
    )
    monkeypatch.delenv("WB_DB_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="WB_DB_PASSWORD: is not set"):
        settings.state_url()
    monkeypatch.setenv("WB_DB_PASSWORD", "synthetic pw")
    url = settings.state_url()
    assert (url.username, url.password, url.host, url.database) == (
        "permanence",
        "synthetic pw",
        "db.council.test",
        "writeback",
    )
    assert "synthetic" not in repr(settings)
    assert "synthetic" not in repr(url)


def test_from_options_builds_an_outbox_writeback(tmp_path):
    config = write(tmp_path, '[write_back]\noutbox = "out"\nstate = "sqlite:///wb.sqlite"\n')
    with WriteBack.from_options({"config": str(config)}) as wb:
        assert isinstance(wb.transport, Outbox)
        assert wb.transport.folder == tmp_path / "out"
    assert (tmp_path / "wb.sqlite").exists()


@responses.activate
def test_from_options_builds_a_gateway_writeback_with_the_adapter_payloads(tmp_path, monkeypatch):
    monkeypatch.setenv("PERMANENCE_GATEWAY_TOKEN", "synthetic-token")
    config = write(tmp_path, GATEWAY_CONFIG)
    responses.post("https://gateway.council.test/permanence/v1/people/C9/case-notes", status=201)

    def liquidlogic_body(item):
        return Payload(json={"PERSON_ID": item.child_id})

    with WriteBack.from_options({"config": str(config)}, payloads=liquidlogic_body) as wb:
        assert isinstance(wb.transport, HttpGateway)
        assert wb.transport.max_attempts == 5
        note = CaseNote(child_id="C9", note_type="N", title="t", contact_date=dt.date(2025, 1, 2), body="b")
        [receipt] = wb.deliver([note])
    assert receipt.status is ReceiptStatus.DELIVERED
    assert responses.calls[0].request.headers["Authorization"] == "Bearer synthetic-token"
    assert Path(tmp_path / "state" / "writeback.sqlite").exists()


def test_from_options_needs_a_destination(tmp_path):
    with pytest.raises(ConfigError, match=r"set endpoint .* or outbox"):
        WriteBack.from_options({})
    both = write(tmp_path, '[write_back]\noutbox = "out"\nendpoint = "https://gw.test"\n')
    with pytest.raises(ConfigError, match="not both"):
        WriteBack.from_options({"config": str(both)})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("write_back = 3\n", "write_back: must be a table"),
        (
            '[write_back]\nendpoint = "https://gw.test"\noutbox = "out"\n',
            "write_back.endpoint: set either endpoint (HTTP gateway) or outbox (folder), not both",
        ),
        ("[write_back]\npaths = 3\n", "write_back.paths: 3 must be a table of item type = path"),
        (
            '[write_back]\nendpoint = "https://[gw"\n',
            "write_back.endpoint: 'https://[gw' is not a valid URL (Invalid IPv6 URL)",
        ),
        (
            '[write_back]\nendpoint = "https://u@gw.test"\n',
            "write_back.endpoint: credentials must not be in the URL; name an environment variable in token_env",
        ),
        (
            '[write_back]\nendpoint = "https://gw.test/?api_key=&x=1"\n',
            "write_back.endpoint: a credential must not be in the URL's query (api_key): "
            "name an environment variable in token_env",
        ),
        (
            '[write_back]\nendpoint = "https://gw.test/#token=abc"\n',
            "write_back.endpoint: a credential must not be in the URL's query (fragment): "
            "name an environment variable in token_env",
        ),
        (
            '[write_back]\npaths = { case_note = "/{child_id!r}/x" }\n',
            "write_back.paths.case_note: '/{child_id!r}/x': only the {child_id} placeholder is allowed",
        ),
        (
            '[write_back]\npaths = { case_note = "/{child_id/x" }\n',
            "write_back.paths.case_note: '/{child_id/x' is not a path template (expected '}' before end of string); "
            "write {child_id} for the id",
        ),
        (
            '[write_back]\nstate = "postgresql://pc:pw@db/wb"\n',
            "write_back.state: the database password must not be in the URL; name its variable in state_password_env",
        ),
        (
            '[write_back]\noutbox = "~nosuchuser-synthetic/out"\n',
            "write_back.outbox: '~nosuchuser-synthetic/out': the home folder it names is unknown on this machine",
        ),
        ("[write_back]\nlease_minutes = 0\n", "write_back.lease_minutes: 0 must be a positive number"),
        ("[write_back]\nread_timeout = inf\n", "write_back.read_timeout: inf must be a positive number"),
    ],
)
def test_a_config_error_names_the_file_the_key_and_the_fault_exactly(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_file(path)
    assert str(error.value) == f"{path}, {message}"


def test_options_name_the_state_store_and_token_variable_and_a_missing_destination_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = WriteBackSettings.from_options(
        {"outbox": "drop", "state": "sqlite:///s.sqlite", "token_env": "GW_TOKEN"}
    )
    assert (settings.outbox, settings.token_env) == (tmp_path / "drop", "GW_TOKEN")
    assert str(settings.state_url()) == f"sqlite:///{tmp_path / 's.sqlite'}"
    with pytest.raises(ConfigError) as error:
        WriteBack.from_options({})
    assert str(error.value) == "write-back settings: set endpoint (HTTP gateway) or outbox (folder)"


def test_a_gateway_built_from_settings_takes_every_setting_and_the_service_passes_its_session_and_sleep(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PERMANENCE_GATEWAY_TOKEN", "synthetic-token")
    bundle = tmp_path / "council-ca.pem"
    bundle.write_text("synthetic")
    text = GATEWAY_CONFIG.replace(
        "[write_back.paths]", 'id_field = "noteId"\nca_bundle = "council-ca.pem"\n\n[write_back.paths]'
    )
    settings = WriteBackSettings.from_file(write(tmp_path, text))
    gateway = HttpGateway.from_settings(settings)
    assert (gateway.timeout, gateway.max_attempts, gateway.backoff, gateway.max_wait) == ((3, 20), 5, 0.5, 45)
    assert (gateway.id_field, gateway.verify) == ("noteId", str(bundle))
    gateway.close()
    with pytest.raises(ConfigError) as error:
        HttpGateway.from_settings(attrs.evolve(settings, endpoint=None))
    assert str(error.value) == "write-back settings: endpoint: a gateway URL is required for HTTP write-back"
    session, sleep = requests.Session(), print
    with WriteBack.from_settings(settings, session=session, sleep=sleep) as wb:
        assert (wb.transport.session, wb.transport.sleep) == (session, sleep)


@pytest.mark.parametrize("endpoint", ["https:///permanence", "https://gw.test/perm anence"])
def test_an_endpoint_without_a_host_or_with_a_space_is_refused(endpoint):
    with pytest.raises(ConfigError) as error:
        check_endpoint(endpoint, "endpoint")
    assert str(error.value) == f"endpoint: {endpoint!r} is not an http(s) URL"


@pytest.mark.parametrize("fragment", ["#tab=password", "#tab=password=reset"])
def test_only_the_name_of_a_url_fragment_is_read_as_a_credential_key(fragment):
    assert check_endpoint(f"https://gw.test/api{fragment}", "endpoint") == f"https://gw.test/api{fragment}"


def test_only_trailing_slashes_are_taken_off_an_endpoint():
    assert check_endpoint("https://gw.test/FAX//", "endpoint") == "https://gw.test/FAX"


def test_a_section_of_another_name_is_named_in_its_errors(tmp_path):
    path = write(tmp_path, "[gateway]\ncolour = 1\n")
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_file(path, section="gateway")
    assert str(error.value).startswith(f"{path}, gateway.colour: unknown setting")


def test_a_secret_in_a_mapping_is_refused_naming_its_source_and_section():
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_mapping({"token": "synthetic-secret"}, source="hook options")
    assert str(error.value) == (
        "hook options, write_back.token: secrets must not be written in a configuration file: put the value in "
        "an environment variable and give its name as token_env"
    )


def test_a_setting_given_as_none_is_left_at_its_default_and_the_ones_after_it_are_read(tmp_path):
    settings = WriteBackSettings.from_mapping({"ca_bundle": None, "max_attempts": 2, "audit_log": "a.jsonl"})
    assert (settings.ca_bundle, settings.max_attempts, settings.audit_log) == (None, 2, Path("a.jsonl"))
    assert WriteBackSettings.from_mapping({"outbox": "out"}).outbox == Path("out")
    beside = WriteBackSettings.from_mapping({"audit_log": "a.jsonl", "outbox": "/srv/out"}, base_dir=tmp_path)
    assert (beside.audit_log, beside.outbox) == (tmp_path / "a.jsonl", Path("/srv/out"))


def test_the_state_password_variable_must_be_a_variable_name():
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_mapping({"state_password_env": "db password"})
    assert (
        str(error.value)
        == "write-back options, write_back.state_password_env: 'db password' is not an environment variable name"
    )


@pytest.mark.parametrize(
    "state", ["sqlite://", "sqlite:///", "sqlite:///:memory:", "postgresql://pc@db.test/wb", "sqlite:////srv/wb.sqlite"]
)
def test_only_a_relative_sqlite_file_is_moved_beside_the_configuration(tmp_path, state):
    assert WriteBackSettings.from_mapping({"state": state}, base_dir=tmp_path).state == state
    assert WriteBackSettings.from_mapping({"state": "sqlite:///wb.sqlite"}).state == "sqlite:///wb.sqlite"


def test_a_state_file_under_an_unknown_home_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_mapping({"state": "sqlite:///~nosuchuser-synthetic/wb.sqlite"})
    assert str(error.value) == (
        "write-back options, write_back.state: '~nosuchuser-synthetic/wb.sqlite': the home folder it names is "
        "unknown on this machine"
    )


def test_an_option_replaces_the_files_destination_and_other_options_keep_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outbox_file = str(write(tmp_path, '[write_back]\noutbox = "out"\n', "outbox.toml"))
    gateway_file = str(write(tmp_path, '[write_back]\nendpoint = "https://gw.test"\n', "gateway.toml"))
    to_gateway = WriteBackSettings.from_options({"config": outbox_file, "endpoint": "https://gw.test/v2/"})
    assert (to_gateway.endpoint, to_gateway.outbox) == ("https://gw.test/v2", None)
    kept = WriteBackSettings.from_options({"config": outbox_file, "state": "sqlite:///s.sqlite"})
    assert (kept.endpoint, kept.outbox) == (None, tmp_path / "out")
    kept = WriteBackSettings.from_options({"config": gateway_file, "state": "sqlite:///s.sqlite"})
    assert (kept.endpoint, kept.outbox) == ("https://gw.test", None)
    with pytest.raises(ConfigError) as error:
        WriteBackSettings.from_options({"outbox": "~nosuchuser-synthetic/out"})
    assert str(error.value) == (
        "write-back options, write_back.outbox: '~nosuchuser-synthetic/out': the home folder it names is unknown "
        "on this machine"
    )


def test_settings_without_a_gateway_or_an_outbox_are_refused_as_a_usage_error(tmp_path):
    with pytest.raises(NoDestinationError) as error:
        WriteBackSettings().require_destination()
    assert str(error.value) == (
        "no write-back destination is configured: give --outbox FOLDER, or --config FILE whose [write_back] table "
        "sets endpoint (the council's gateway) or outbox (a folder)"
    )
    for settings in (WriteBackSettings(outbox=tmp_path), WriteBackSettings(endpoint="https://gw.test")):
        assert settings.require_destination() is settings


def test_a_writeback_takes_the_payloads_lease_audit_log_session_and_sleep_it_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def body(item):
        return Payload(json={"PERSON_ID": item.child_id})

    session, sleep = requests.Session(), print
    settings = WriteBackSettings.from_mapping(
        {"endpoint": "https://gw.test", "lease_minutes": 5, "audit_log": "a.jsonl", "state": "sqlite:///s.sqlite"},
        base_dir=tmp_path,
    )
    with WriteBack.from_settings(settings, payloads=body) as wb:
        assert (wb.transport.payloads, wb.lease, wb.audit.path) == (body, dt.timedelta(minutes=5), tmp_path / "a.jsonl")
    options = {"endpoint": "https://gw.test", "state": "sqlite:///s.sqlite"}
    with WriteBack.from_options(options, payloads=body, session=session, sleep=sleep) as wb:
        assert (wb.transport.payloads, wb.transport.session, wb.transport.sleep) == (body, session, sleep)
    assert transport_for({"endpoint": "https://gw.test/transport-for"}, payloads=body).payloads is body


def test_the_audit_log_is_beside_a_sqlite_store_else_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    beside = WriteBackSettings.from_mapping({"state": "sqlite:///state/wb.sqlite"}, base_dir=tmp_path)
    assert audit_path(beside) == tmp_path / "state" / AUDIT_FILE
    assert audit_path(WriteBackSettings(state="postgresql://pc@db.test/wb")) == tmp_path / AUDIT_FILE
