"""``permanence raise``: ingest the RAISE inbox, and the monthly panel's referrals and minutes."""

from __future__ import annotations

import click

from permanence_core.cli.common import GuardedGroup
from permanence_raise.cli.inbox import ingest_command, status_command
from permanence_raise.cli.panel import panel_group


@click.group("raise", cls=GuardedGroup)
def raise_group() -> None:
    """The RAISE file-drop inbox and the monthly permanence panel (seed 002).

    Exit codes: 0 ran; 1 the inbox or its data could not be read; 2 usage error.
    """


raise_group.add_command(ingest_command)
raise_group.add_command(status_command)
raise_group.add_command(panel_group)
