"""``permanence raise ingest`` and ``permanence raise status``: the inbox's drops, archive, quarantine and snapshot."""

from __future__ import annotations

import time
from pathlib import Path

import click

from permanence_core.cli.common import emit_json, progress_callback
from permanence_raise.cli.options import inbox_options, raise_config
from permanence_raise.drops import pending
from permanence_raise.folders import InboxFolders
from permanence_raise.inbox import Outcome, ingest
from permanence_raise.ledger import Ledger
from permanence_raise.reports import ERROR_SUFFIX, describe


@click.command("ingest")
@inbox_options
def ingest_command(inbox: str, config: str | None, fmt: str) -> None:
    """Ingest the complete drops in INBOX/incoming: archive each, or quarantine it with an error report.

    Rerunning changes nothing: a drop already ingested (same content) is only archived. Exit 0 when it ran,
    whatever was quarantined; 1 when the inbox cannot be read or another ingest run holds it.
    """
    update, close = progress_callback("Ingesting")
    try:
        run = ingest(inbox, raise_config(config), progress=update)
    finally:
        close()
    if fmt == "json":
        emit_json(run.to_dict())
        return
    for report in run.drops:
        click.echo(str(report))
        for notice in report.notices:
            click.echo(f"  {notice}")
        if report.report and report.outcome is Outcome.INGESTED:
            click.echo(f"  rejected records are listed in {report.report}")
        if report.outcome is Outcome.QUARANTINED:
            click.echo(f"{report.name} was quarantined (see {report.report}):", err=True)
            for problem in report.problems:
                click.echo(f"  {describe(problem)}", err=True)
    for waiting in run.waiting:
        click.echo(f"waiting: {waiting}")
    counts = ", ".join(f"{run.count(outcome)} {outcome.value}" for outcome in Outcome if run.count(outcome))
    current = f"snapshot {run.current.snapshot} is current" if run.current else "nothing ingested yet"
    click.echo(f"{counts or 'no new drops'}; {current}")


@click.command("status")
@inbox_options
def status_command(inbox: str, config: str | None, fmt: str) -> None:
    """What the adapter reads now (the current snapshot and the drop behind each file), what waits, what failed."""
    folders = InboxFolders(Path(inbox))
    folders.check()
    current = None
    if folders.ledger.is_file():
        ledger = Ledger(folders.ledger, create=False)
        try:
            current = ledger.current()
        finally:
            ledger.close()
    waiting: list[str] = []
    if folders.incoming.is_dir():
        ready, held = pending(folders.incoming, raise_config(config), time.time())
        waiting = [f"{drop.name}: ready for the next ingest run" for drop in ready] + [str(w) for w in held]
    quarantined = (
        sorted(path.name for path in folders.quarantine.glob("*") if not path.name.endswith(ERROR_SUFFIX))
        if folders.quarantine.is_dir()
        else []
    )
    if fmt == "json":
        emit_json(
            {
                "current": None if current is None else current.to_dict(),
                "incoming": waiting,
                "quarantine": quarantined,
            }
        )
        return
    if current is None:
        click.echo("Nothing ingested yet.")
    else:
        click.echo(
            f"Snapshot {current.snapshot}, made by {current.archived_as} on "
            f"{current.ingested_at.isoformat(timespec='seconds')}: {current.children} children, "
            f"{current.rejected} records rejected"
        )
        for target, entry in sorted(current.manifest.items()):
            click.echo(f"  {target:<30} from archive/{entry.origin}")
    for line in waiting:
        click.echo(f"incoming: {line}")
    for name in quarantined:
        click.echo(f"quarantine: {name} (see quarantine/{name}{ERROR_SUFFIX})")
