"""``permanence plugins``: the installed plugins with their distribution, version, hooks and adapters."""

from __future__ import annotations

import attrs
import click

from permanence_core.cli.common import emit_json
from permanence_core.plugins.manager import Plugins


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output format.")
def plugins_command(as_json: bool, fmt: str) -> None:
    """List installed plugins and the adapters they provide."""
    infos = Plugins().describe()
    if as_json or fmt == "json":
        emit_json([attrs.asdict(info) for info in infos])
        return
    for info in infos:
        adapters = ", ".join(info.adapters) or "-"
        click.echo(f"{info.name:<12} {info.distribution or '-'} {info.version or '-'}  adapters: {adapters}")
        click.echo(f"{'':<12} hooks: {', '.join(info.hooks)}")
