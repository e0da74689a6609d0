"""The options every ``permanence raise`` command shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from permanence_core.cli.common import check_config
from permanence_raise.config import RaiseConfig, load_config


def inbox_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--inbox`` (required), ``--config`` and ``--format text|json``."""
    for decorator in reversed(
        (
            click.option(
                "--inbox",
                required=True,
                type=click.Path(file_okay=False),
                help="The RAISE inbox folder (the report writer drops into its incoming/ folder).",
            ),
            click.option(
                "--config",
                type=click.Path(dir_okay=False),
                callback=check_config,
                help="The council's configuration (TOML): [raise] and [write_back] tables.",
            ),
            click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
        )
    ):
        command = decorator(command)
    return command


def raise_config(config: str | None) -> RaiseConfig:
    """The ``[raise]`` settings of ``--config`` (defaults without one)."""
    return load_config({"config": config} if config else {})
