"""The ``permanence`` command: one click group, one module per command family, plus the plugins' commands."""

from __future__ import annotations

import importlib
import os

import click

from permanence_core import __version__
from permanence_core.cli.common import DEBUG_HELP, GuardedGroup, configure_logging
from permanence_core.errors import PermanenceError
from permanence_core.freed_memory import ALLOCATOR_SETTINGS, allocator_settings

#: Each core command: its module and the command's name there. A command's module is imported when the command
#: runs (or ``--help`` lists it), so a run loads only what its command uses.
_CORE_MODULES = {
    "plugins": ("permanence_core.cli.plugins", "plugins_command"),
    "alerts": ("permanence_core.cli.alerts", "alerts_command"),
    "explain": ("permanence_core.cli.alerts", "explain_command"),
    "form": ("permanence_core.cli.forms", "form_group"),
    "synth": ("permanence_core.cli.synth", "synth_command"),
    "tracker": ("permanence_core.cli.tracker", "tracker_command"),
    "ledger": ("permanence_core.cli.ledger", "ledger_group"),
    "panel": ("permanence_core.cli.panel", "panel_group"),
    "audit": ("permanence_core.cli.audit", "audit_command"),
    "source": ("permanence_core.cli.source", "source_group"),
}

#: The core's own commands; a plugin's command may not take one of these names.
CORE_COMMANDS = frozenset(_CORE_MODULES)


class PermanenceGroup(GuardedGroup):
    """The top-level group: the plugins' commands join the core's on first use, not at import."""

    plugin_commands_added = False

    def _add_plugin_commands(self) -> None:
        if self.plugin_commands_added:
            return
        self.plugin_commands_added = True
        from permanence_core.plugins.manager import Plugins

        os.environ.setdefault(ALLOCATOR_SETTINGS, allocator_settings())
        try:
            Plugins().register_commands(self, reserved=CORE_COMMANDS)
        except PermanenceError as exc:
            # Also reached from --help, outside invoke(), so the group's own error handling would not apply.
            raise click.ClickException(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return sorted(CORE_COMMANDS | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _CORE_MODULES and cmd_name not in self.commands:
            # Before the command's module loads polars, which reads them once; a caller's own settings win.
            os.environ.setdefault(ALLOCATOR_SETTINGS, allocator_settings(cmd_name))
            module, name = _CORE_MODULES[cmd_name]
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        # A core command runs without importing the plugins' commands (a third of a second at start-up, measured).
        if cmd_name not in CORE_COMMANDS:
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


def main() -> None:
    """Entry point of the ``permanence`` console script."""
    cli()
