"""``permanence source check``: what a source holds for an adapter, before go-live."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from permanence_core import api
from permanence_core.cli.common import emit_json
from permanence_core.cli.sources import source_options


@click.group("source")
def source_group() -> None:
    """Look at a source before reading it."""


@source_group.command("check")
@source_options
@click.option("--profile", help="Also say which rules of this profile (name or .toml path) are assessable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_command(adapter: str, source: str, config: str | None, profile: str | None, fmt: str) -> None:
    """Report, per facet, the tables and columns SOURCE has and lacks, row counts, and the code values the
    configuration does not map (with counts); with --profile, which of its rules are assessable.

    Exit 0 when every required facet (identity and care) is there; 1 when one is missing or the source
    cannot be read; 2 usage error.
    """
    options = {"config": str(Path(config))} if config else {}
    report = api.check_source(adapter, source, options, profile=profile)
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line)
    if not report.ok:
        sys.exit(1)
