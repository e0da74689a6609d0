"""``permanence audit``: read the write-back audit log (every attempt to send a document, case note or alert)."""

from __future__ import annotations

from pathlib import Path

import click

from permanence_core.cli.common import check_config, counted, emit_json


@click.command("audit")
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The audit log file (default: [write_back] audit_log of --config, else beside its state store).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=check_config,
    help="The council's configuration ([write_back] table).",
)
@click.option("--child", "child_id", help="Only this child's entries.")
@click.option(
    "--status",
    type=click.Choice(["delivered", "queued", "duplicate", "failed"]),
    help="Only attempts with this result.",
)
@click.option(
    "--tail", type=click.IntRange(min=0), default=20, show_default=True, help="The last N entries (0: all of them)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit_command(
    log_path: Path | None, config: str | None, child_id: str | None, status: str | None, tail: int, fmt: str
) -> None:
    """The write-back audit log, oldest first: when, result, transport, item, child id and destination.

    Exit 0 when it ran (entries or not); 1 when there is no log at that path or it cannot be read.
    """
    from permanence_core.writeback.audit import AuditLog, audit_path
    from permanence_core.writeback.settings import WriteBackSettings

    path = log_path or audit_path(WriteBackSettings.from_file(config) if config else WriteBackSettings())
    if not path.is_file():
        raise click.ClickException(f"{path}: no audit log here (nothing has been written back yet?)")
    try:
        reading = AuditLog(path).read(child_id)
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read the audit log: {exc.strerror or exc}") from None
    entries = [e for e in reading.entries if status is None or e.status == status]
    shown = entries[-tail:] if tail else entries
    if reading.unreadable:
        lines = ", ".join(str(n) for n in reading.unreadable[:10])
        unreadable = counted(len(reading.unreadable), "line")
        click.echo(f"{path}: {unreadable} could not be read (line {lines})", err=True)
    if fmt == "json":
        emit_json(
            {
                "log": str(path),
                "matched": len(entries),
                "entries": [e.to_dict() for e in shown],
                "unreadable": list(reading.unreadable),
            }
        )
        return
    click.echo(f"{path}: {counted(len(entries), 'matching entry')}, showing {len(shown)}")
    for e in shown:
        outcome = e.error or e.external_id or ""
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S}Z {e.status:<9} {e.transport:<8} {e.item_type:<14} {e.child_id:<12} "
            f"{e.idempotency_key[:16]} {e.destination or '-'} {outcome}".rstrip()
        )
