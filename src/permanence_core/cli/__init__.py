"""The ``permanence`` command: one click group, one module per command family, plus the plugins' commands."""

from __future__ import annotations

import os

# Before any import that loads polars: its allocator keeps freed pages for reuse, but a CLI run is one short
# process, so hand them back at once. It keeps `permanence alerts` on the national cohort inside its memory budget
# (benchmarks/README.md). A caller's own setting wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import click

from permanence_core import __version__
from permanence_core.cli.alerts import alerts_command, explain_command
from permanence_core.cli.audit import audit_command
from permanence_core.cli.common import DEBUG_HELP, GuardedGroup, configure_logging
from permanence_core.cli.forms import form_group
from permanence_core.cli.ledger import ledger_group
from permanence_core.cli.panel import panel_group
from permanence_core.cli.plugins import plugins_command
from permanence_core.cli.source import source_group
from permanence_core.cli.synth import synth_command
from permanence_core.cli.tracker import tracker_command
from permanence_core.errors import PermanenceError


class PermanenceGroup(GuardedGroup):
    """The top-level group: the plugins' commands join the core's on first use, not at import."""

    plugin_commands_added = False

    def _add_plugin_commands(self) -> None:
        if self.plugin_commands_added:
            return
        self.plugin_commands_added = True
        from permanence_core.plugins.manager import Plugins

        try:
            Plugins().register_commands(self)
        except PermanenceError as exc:
            # Also reached from --help, outside invoke(), so the group's own error handling would not apply.
            raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._add_plugin_commands()
        return super().get_command(ctx, cmd_name)


@click.group(cls=PermanenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
cli.add_command(synth_command)
cli.add_command(tracker_command)
cli.add_command(ledger_group)
cli.add_command(panel_group)
cli.add_command(audit_command)
cli.add_command(source_group)

#: The core's own commands; a plugin's command may not take one of these names.
CORE_COMMANDS = frozenset(cli.commands)


def main() -> None:
    """Entry point of the ``permanence`` console script."""
    cli()
