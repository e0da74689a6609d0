"""The ``permanence`` command: one click group, one module per command family."""

from __future__ import annotations

import click

from permanence_core import __version__
from permanence_core.cli.alerts import alerts_command, explain_command
from permanence_core.cli.audit import audit_command
from permanence_core.cli.common import DEBUG_HELP, GuardedGroup, configure_logging
from permanence_core.cli.forms import form_group, panel_pack_command
from permanence_core.cli.ledger import ledger_group
from permanence_core.cli.panel import panel_group
from permanence_core.cli.plugins import plugins_command
from permanence_core.cli.synth import synth_command
from permanence_core.cli.tracker import tracker_command


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="permanence")
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
def cli(debug: bool) -> None:
    """Permanence planning and tracking for looked-after children.

    Exit codes: 0 ran; 1 the input could not be read; 2 usage error.
    """
    configure_logging(debug)


cli.add_command(plugins_command)
cli.add_command(alerts_command)
cli.add_command(explain_command)
cli.add_command(form_group)
cli.add_command(panel_pack_command)
cli.add_command(synth_command)
cli.add_command(tracker_command)
cli.add_command(ledger_group)
cli.add_command(panel_group)
cli.add_command(audit_command)


def main() -> None:
    """Entry point of the ``permanence`` console script."""
    cli()
