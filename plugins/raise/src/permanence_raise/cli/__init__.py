"""The ``permanence-raise`` command: ingest the RAISE inbox, and the monthly panel's referrals and minutes."""

from __future__ import annotations

import logging
import sys

import click

from permanence_core.cli.common import GuardedGroup
from permanence_raise.cli.inbox import ingest_command, status_command
from permanence_raise.cli.panel import panel_group


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Log debug messages to stderr (ids and file names only).")
def cli(debug: bool) -> None:
    """The RAISE file-drop inbox and the monthly permanence panel (seed 002).

    Exit codes: 0 ran; 1 the inbox or its data could not be read; 2 usage error.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


cli.add_command(ingest_command)
cli.add_command(status_command)
cli.add_command(panel_group)


def main() -> None:
    """Entry point of the ``permanence-raise`` console script."""
    cli()
