"""The ``[raise]`` table of the council's configuration: the ready marker and the settle time."""

from __future__ import annotations

from pathlib import Path

import pytest
from permanence_raise.config import DEFAULT_SETTLE_SECONDS, RaiseConfig, load_config

from permanence_core.errors import ConfigError


def test_without_a_config_file_the_defaults_apply() -> None:
    assert load_config({}) == RaiseConfig(ready_marker=None, settle_seconds=DEFAULT_SETTLE_SECONDS)


def test_the_settings_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "council.toml"
    config.write_text('[raise]\nready_marker = "export.done"\nsettle_seconds = 5\n', encoding="utf-8")

    assert load_config({"config": str(config)}) == RaiseConfig(ready_marker="export.done", settle_seconds=5.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[raise]\nmarker = "READY"\n', "raise.marker: is not a RAISE setting"),
        ('[raise]\nready_marker = "a/b"\n', "raise.ready_marker: 'a/b' is not a file name"),
        ("[raise]\nsettle_seconds = -1\n", "raise.settle_seconds: -1 must be a number of seconds"),
        ("[raise]\nsettle_seconds = true\n", "raise.settle_seconds: True must be a number of seconds"),
        ("raise = 1\n", "raise: must be a table"),
        ("[raise\n", "is not valid TOML"),
    ],
)
def test_config_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "council.toml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=message) as caught:
        load_config({"config": str(config)})
    assert str(config) in str(caught.value)


def test_an_unreadable_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config({"config": str(tmp_path / "missing.toml")})
