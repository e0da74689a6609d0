"""How the RAISE adapter finds the drop to read in its inbox, and names the drop in what it reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from permanence_raise.config import RaiseConfig, load_config
from permanence_raise.reader import find_drop

from permanence_core.errors import ConfigError, InputError
from permanence_core.plugins.manager import Plugins


def _folders(root: Path, *names: str) -> None:
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "header.csv").write_text("CHILD\n", encoding="utf-8")


def test_the_newest_drop_by_name_is_read(tmp_path: Path) -> None:
    _folders(tmp_path, "2025-01-31", "2025-03-31", "2025-02-28")

    drop, notices = find_drop(tmp_path, RaiseConfig())

    assert drop == tmp_path / "2025-03-31"
    assert notices == ["RAISE drop read: 2025-03-31"]


def test_folders_being_copied_or_set_aside_are_not_drops(tmp_path: Path) -> None:
    _folders(tmp_path, "2025-01-31", ".2025-03-31.partial", "_archive")

    assert find_drop(tmp_path, RaiseConfig())[0] == tmp_path / "2025-01-31"


def test_a_drop_without_its_ready_marker_is_passed_over(tmp_path: Path) -> None:
    _folders(tmp_path, "2025-02-28", "2025-03-31")
    (tmp_path / "2025-02-28" / "READY").touch()

    drop, notices = find_drop(tmp_path, RaiseConfig(ready_marker="READY"))

    assert drop == tmp_path / "2025-02-28"
    assert notices[1] == "RAISE drop 2025-03-31 has no READY file yet and was passed over"


def test_an_inbox_holding_return_files_is_itself_the_drop(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("CHILD\n", encoding="utf-8")
    _folders(tmp_path, "2024-25")

    assert find_drop(tmp_path, RaiseConfig()) == (tmp_path, ["RAISE drop read: the inbox itself"])


@pytest.mark.parametrize(
    ("setup", "config", "message"),
    [
        (lambda root: None, RaiseConfig(), "holds no drop"),
        (lambda root: _folders(root, "2025-03-31"), RaiseConfig(ready_marker="READY"), "none has its READY file"),
        (lambda root: (root / "inbox.zip").touch(), RaiseConfig(), "holds no drop"),
    ],
)
def test_an_inbox_with_nothing_to_read_is_an_input_error(
    tmp_path: Path, setup: Callable[[Path], None], config: RaiseConfig, message: str
) -> None:
    setup(tmp_path)

    with pytest.raises(InputError, match=message):
        find_drop(tmp_path, config)


def test_a_file_is_not_an_inbox(tmp_path: Path) -> None:
    (tmp_path / "return.xml").touch()

    with pytest.raises(InputError, match="is not a folder"):
        find_drop(tmp_path / "return.xml", RaiseConfig())


def test_the_ready_marker_comes_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "council.toml"
    config.write_text('[raise]\nready_marker = "export.done"\n', encoding="utf-8")

    assert load_config({"config": str(config)}) == RaiseConfig(ready_marker="export.done")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[raise]\nmarker = "READY"\n', "raise.marker: is not a RAISE setting"),
        ('[raise]\nready_marker = "a/b"\n', "raise.ready_marker: 'a/b' is not a file name"),
        ("raise = 1\n", "raise: must be a table"),
    ],
)
def test_config_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "council.toml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=message):
        load_config({"config": str(config)})


def test_the_drop_and_its_pack_are_read_through_the_ssda903_adapter(inbox: Callable[..., Path]) -> None:
    result = Plugins().load("raise", str(inbox()), {})

    children = {record.child_id: record for record in result.records}
    assert sorted(children) == ["R3001", "R3002"]
    assert children["R3001"].periods_of_care[0].start == dt.date(2023, 9, 1)
    assert children["R3002"].periods_of_care[0].outcome == "return_to_family"
    assert (children["R3001"].child.first_name, children["R3001"].child.surname) == ("Marisol", "Invented")
    assert children["R3001"].permanence_decision_date == dt.date(2023, 11, 20)
    assert result.notices[0] == "RAISE drop read: 2025-03-31"


def test_rejections_name_the_drop(inbox: Callable[..., Path]) -> None:
    care = ["R3001,01/09/2023,S,C1,N1,U6,PR1,,,,,,", "R3002,31/02/2024,S,C1,N1,U6,PR1,,,,,,"]

    result = Plugins().load("raise", str(inbox(care=care)), {})

    assert result.rejected
    assert all(rejection.source.startswith("2025-03-31/") for rejection in result.rejected)
