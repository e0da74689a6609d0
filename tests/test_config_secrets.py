"""Secrets come from the environment only: every configuration loader refuses a credential written in its file,
naming the file and the key, never repeating the value; the configurations we ship hold none.
"""

import tomllib
from pathlib import Path

import pytest
from permanence_liquidlogic.config import load_config as liquidlogic_config
from permanence_mosaic.config import load_config as mosaic_config
from permanence_raise.config import load_config as raise_config

from permanence_core.config_secrets import looks_secret, refuse_secrets
from permanence_core.errors import ConfigError
from permanence_core.rules.profile import load_profile
from permanence_core.writeback.settings import WriteBackSettings

ROOT = Path(__file__).resolve().parents[1]
VALUE = "s3cr3t-Synthetic-9"

LOADERS = {
    "write_back": WriteBackSettings.from_file,
    "mosaic": lambda path: mosaic_config({"config": str(path)}),
    "liquidlogic": lambda path: liquidlogic_config({"config": str(path)}),
    "raise": lambda path: raise_config({"config": str(path)}),
    "profile": lambda path: load_profile(str(path)),
}
# A file each loader accepts, to write a secret into.
VALID = {
    "write_back": '[write_back]\noutbox = "out"\n',
    "mosaic": '[mosaic]\nschema = "dbo"\n',
    "liquidlogic": '[liquidlogic]\nschema = "HDM"\n',
    "raise": '[raise]\nready_marker = "READY"\n',
    "profile": 'name = "council"\nextends = "england"\n[settings]\n',
}


@pytest.mark.parametrize(
    "key",
    ["token", "gateway_token", "password", "db_password", "dbPassword", "client_secret", "clientSecret", "api_key",
     "apiKey", "private_key", "Authorization", "basic_auth", "bearer", "pwd", "pseudonym_key", "credentials"],
)  # fmt: skip
def test_credential_names_look_secret(key):
    assert looks_secret(key)


@pytest.mark.parametrize(
    "key",
    ["token_env", "state_password_env", "authority", "Placed with local authority foster carers", "keyword", "key",
     "outbox", "sqlite_attach", "ready_marker", "author"],
)  # fmt: skip
def test_ordinary_settings_and_the_names_of_variables_do_not(key):
    assert not looks_secret(key)


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize(
    ("addition", "field"),
    [
        (f'[vault]\npassword = "{VALUE}"\n', "vault.password"),
        (f'[vault.gateway]\nclient_secret = "{VALUE}"\n', "vault.gateway.client_secret"),
        (f'[[vault.accounts]]\napi_key = "{VALUE}"\n', "vault.accounts[0].api_key"),
        (f'[vault]\ntokens = ["{VALUE}"]\n', "vault.tokens"),
    ],
)
def test_every_loader_refuses_a_secret_anywhere_in_its_file(tmp_path, loader, addition, field):
    path = tmp_path / "council.toml"
    path.write_text(VALID[loader] + addition)
    with pytest.raises(ConfigError, match="secrets must not be written in a configuration file") as error:
        LOADERS[loader](path)
    assert str(error.value).startswith(f"{path}, {field}:")
    assert VALUE not in str(error.value)


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_each_loader_reads_its_valid_file(tmp_path, loader):
    path = tmp_path / "council.toml"
    path.write_text(VALID[loader])
    LOADERS[loader](path)


def test_an_empty_value_or_an_environment_variable_name_is_not_a_secret():
    refuse_secrets({"write_back": {"token": "", "token_env": "GATEWAY_TOKEN", "password": None}}, "council.toml")


@pytest.mark.parametrize(
    "path",
    [
        *sorted(ROOT.glob("plugins/*/examples/*.toml")),
        *sorted((ROOT / "src/permanence_core/rules/profiles").glob("*.toml")),
    ],
    ids=lambda p: p.name,
)
def test_the_configurations_we_ship_hold_no_secret(path):
    refuse_secrets(tomllib.loads(path.read_text()), str(path))
