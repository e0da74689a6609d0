"""``permanence raise panel referrals`` and ``panel minutes``: the monthly tracking panel's deadlines (seed 002)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.cli.common import echo_table, emit_json, parse_date, progress_callback
from permanence_core.cli.sources import report_rejections
from permanence_core.documents import OutputFormat
from permanence_core.plugins.manager import Plugins
from permanence_core.rules import Evaluation
from permanence_core.tracker.panel import deadlines as panel
from permanence_core.writeback import ReceiptStatus, WriteBackSettings
from permanence_raise.adapter import NAME
from permanence_raise.cli.options import inbox_options
from permanence_raise.folders import InboxFolders


def _panel_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed(
        (
            inbox_options,
            click.option("--panel-date", callback=parse_date, help="The panel's date, YYYY-MM-DD."),
            click.option("--as-of", callback=parse_date, help="Date to evaluate on, YYYY-MM-DD (default: today)."),
            click.option(
                "--profile",
                default=panel.PROFILE,
                show_default=True,
                help="Profile with the panel.referral and panel.minutes rules (name or .toml file).",
            ),
        )
    ):
        command = decorator(command)
    return command


@click.group("panel")
def panel_group() -> None:
    """The monthly Permanence Planning and Tracking Panel: referrals before it, minutes after it."""


def _evaluate(inbox: str, config: str | None, profile: str, as_of: dt.date | None) -> tuple[LoadResult, Evaluation]:
    update, close = progress_callback("Loading the RAISE snapshot")
    options: dict[str, Any] = {"progress": update}
    if config:
        options["config"] = config
    try:
        result = api.load(NAME, inbox, options)
    finally:
        close()
    return result, api.evaluate(result.records, profile=profile, as_of=as_of or dt.date.today())


def _table(items: list[panel.PanelItem], done: str) -> None:
    rows = [
        (
            item.child_id,
            item.meeting_id,
            item.panel_date.isoformat(),
            item.due_date.isoformat() if item.due_date else "",
            item.done_on.isoformat() if item.done_on else "",
            item.state.value + (f" ({item.note})" if item.note else ""),
        )
        for item in items
    ]
    echo_table(("CHILD", "MEETING", "PANEL", "DUE", done, "STATE"), rows)


def _counts(items: list[panel.PanelItem]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.state.value] = counts.get(item.state.value, 0) + 1
    return counts


@panel_group.command("referrals")
@_panel_options
def referrals_command(
    inbox: str, config: str | None, fmt: str, panel_date: dt.date | None, as_of: dt.date | None, profile: str
) -> None:
    """Referrals for a panel (default: the next one recorded): due three days before, received or missing.

    The panel's agenda is the children with a tracking_panel meeting on that date in the permanence pack.
    Exit 0 when it ran; 1 when the inbox cannot be read or no panel is recorded on or after --as-of.
    """
    result, evaluation = _evaluate(inbox, config, profile, as_of)
    day = panel_date or panel.next_panel(result.records, evaluation.as_of)
    if day is None:
        raise click.ClickException(
            f"no tracking panel is recorded on or after {evaluation.as_of.isoformat()}: give --panel-date"
        )
    items = panel.referrals(result.records, evaluation, day)
    if fmt == "json":
        emit_json(
            {
                "panel_date": day.isoformat(),
                "as_of": evaluation.as_of.isoformat(),
                "profile": evaluation.profile.name,
                "referrals": [item.to_dict() for item in items],
                "counts": _counts(items),
                "rejected": [r.to_dict() for r in result.rejected],
            }
        )
        return
    click.echo(
        f"Panel {day.isoformat()}: referrals (profile {evaluation.profile.name}, as of {evaluation.as_of.isoformat()})"
    )
    if not items:
        click.echo("No child has a tracking_panel meeting on this date.")
    else:
        _table(items, "RECEIVED")
        click.echo(", ".join(f"{count} {state}" for state, count in sorted(_counts(items).items())))
    report_rejections(result)


def _writeback_options(
    folders: InboxFolders, config: str | None, outbox: str | None, state: str | None
) -> dict[str, Any]:
    """The write-back options: the config's gateway or outbox, else the inbox's own outbox/ and state store."""
    options: dict[str, Any] = {key: value for key, value in (("config", config), ("outbox", outbox)) if value}
    configured = WriteBackSettings.from_options({"config": config} if config else {})
    if not (outbox or configured.endpoint or configured.outbox):
        options["outbox"] = str(folders.outbox)
    if state:
        options["state"] = state
    elif not config:
        options["state"] = f"sqlite:///{folders.writeback_state.resolve()}"
    return options


@panel_group.command("minutes")
@_panel_options
@click.option("--outbox", type=click.Path(file_okay=False), help="Write to this folder (default: INBOX/outbox).")
@click.option("--state", help="Write-back state store URL (default: INBOX/permanence-writeback.sqlite).")
@click.option(
    "--document-format",
    type=click.Choice([f.value for f in OutputFormat]),
    default=OutputFormat.DOCX.value,
    show_default=True,
)
def minutes_command(
    inbox: str,
    config: str | None,
    fmt: str,
    panel_date: dt.date | None,
    as_of: dt.date | None,
    profile: str,
    outbox: str | None,
    state: str | None,
    document_format: str,
) -> None:
    """Minutes of held panels not yet on the child's record: written for upload, overdue ones alerted.

    For each child's tracking_panel meeting held by --as-of (only --panel-date's when given) whose minutes
    the record does not show yet, the minutes are written from the meeting record and placed for upload
    (outbox or gateway); minutes past their due date (three working days) raise a work-tray alert for
    business support. Each document and alert is sent once, however often this runs.
    Exit 0 when it ran (failed deliveries are retried next run); 1 when the inbox cannot be read.
    """
    folders = InboxFolders(Path(inbox))
    result, evaluation = _evaluate(inbox, config, profile, as_of)
    items = panel.minutes(result.records, evaluation, panel_date)
    outstanding = [i for i in items if i.state in (panel.MinutesState.DUE, panel.MinutesState.OVERDUE)]
    known = {record.child_id: record for record in result.records}
    fmt_out = OutputFormat(document_format)
    templates = Plugins().templates()
    documents = [panel.minutes_document(item, known, fmt_out, templates) for item in outstanding]
    alerts = panel.overdue_alerts(evaluation, items)
    with api.writer(NAME, _writeback_options(folders, config, outbox, state)) as writer:
        receipts = writer.deliver(documents)
        alert_run = writer.raise_alerts(alerts, panel.to_work_tray)
    by_item = {(i.child_id, i.meeting_id): r for i, r in zip(outstanding, receipts, strict=True)}
    failed = [r for r in (*receipts, *alert_run.receipts) if r.status is ReceiptStatus.FAILED]
    if fmt == "json":
        emit_json(
            {
                "as_of": evaluation.as_of.isoformat(),
                "profile": evaluation.profile.name,
                "panel_date": panel_date.isoformat() if panel_date else None,
                "minutes": [
                    {**item.to_dict(), "document": panel.receipt_dict(by_item.get((item.child_id, item.meeting_id)))}
                    for item in items
                ],
                "counts": _counts(items),
                "alerts": alert_run.summary(),
                "rejected": [r.to_dict() for r in result.rejected],
            }
        )
        return
    click.echo(f"Panel minutes (profile {evaluation.profile.name}, as of {evaluation.as_of.isoformat()})")
    if not items:
        click.echo("No panel minutes outstanding." if panel_date is None else "No tracking panel on this date.")
    else:
        _table(items, "ON RECORD")
    statuses = [r.status for r in receipts]
    click.echo(
        f"{len(documents)} minutes for upload: {statuses.count(ReceiptStatus.QUEUED)} placed in the outbox, "
        f"{statuses.count(ReceiptStatus.DELIVERED)} delivered, {statuses.count(ReceiptStatus.DUPLICATE)} already "
        f"placed before; {len(alerts)} overdue, {alert_run.summary()['sent']} alerted now"
    )
    for receipt in failed:
        click.echo(f"not delivered (retried next run): {receipt.detail}", err=True)
    report_rejections(result)
