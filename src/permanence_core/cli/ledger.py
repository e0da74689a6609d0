"""``permanence ledger`` (upgrade, sync, status, history): the tracker ledger's database and its history."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from permanence_core.cli.common import check_config, counted, emit_json, progress_callback
from permanence_core.cli.sources import evaluation_options, report_rejections, source_options
from permanence_core.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from permanence_core.tracker.entries import ActionEntry
    from permanence_core.tracker.ledger import Ledger
    from permanence_core.tracker.nightly import NightlyLoad

#: The ledger's URL may come from the environment; its password only ever does.
URL_ENV = "PERMANENCE_LEDGER_URL"
PASSWORD_ENV = "PERMANENCE_LEDGER_PASSWORD"
#: What a ledger given as a plain path may end in.
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def ledger_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--ledger URL``: the ledger's database (default: the write-back state store of ``--config``)."""
    return click.option(
        "--ledger",
        "ledger_url",
        envvar=URL_ENV,
        help=(
            "The ledger: a SQLite file (….sqlite, ….db) or database URL (sqlite:///…, postgresql+psycopg://…). "
            f"Default: ${URL_ENV}, else the [write_back] state store of --config, else "
            "permanence-writeback.sqlite here. "
            f"A password goes in ${PASSWORD_ENV}, never on the command line."
        ),
    )(command)


def resolve_ledger_url(value: str | None, config: str | None) -> str | URL:
    """The ledger URL from ``--ledger`` (a path is a SQLite file), else the config's state store, else the default.

    The ledger is the write-back state store grown, so by default both are the same database.
    """
    # Imported here: SQLAlchemy would otherwise slow the start of every command.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from permanence_core.writeback.settings import WriteBackSettings
    from permanence_core.writeback.state import DEFAULT_URL

    if not value:
        return WriteBackSettings.from_file(config).state_url() if config else DEFAULT_URL
    context = click.get_current_context(silent=True)
    source = context.get_parameter_source("ledger_url") if context is not None else None
    hint = f"${URL_ENV}" if source is click.core.ParameterSource.ENVIRONMENT else "--ledger"
    if "://" not in value:
        path = Path(value).expanduser()
        # A word that is neither a URL nor a database file is a mistake, not a wish for a new file of that name.
        if path.suffix.lower() not in SQLITE_SUFFIXES and not path.is_file():
            raise click.BadParameter(
                f"{value!r} is neither a database URL (sqlite:///ledger.sqlite, postgresql+psycopg://host/ledger) "
                f"nor a SQLite file ending {', '.join(SQLITE_SUFFIXES)}",
                param_hint=hint,
            )
        return f"sqlite:///{path.resolve()}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise click.BadParameter(f"{value!r} is not a database URL", param_hint=hint) from None
    typed = source is click.core.ParameterSource.COMMANDLINE
    if url.password and typed:
        # A command line is visible to every user of the machine (ps) and kept in shell history.
        raise click.BadParameter(f"put the password in ${PASSWORD_ENV}, not in the URL", param_hint="--ledger")
    password = os.environ.get(PASSWORD_ENV)
    return url.set(password=password) if password else url


def open_ledger(value: str | None, config: str | None, *, create: bool = True) -> Ledger:
    """The ledger the options name, migrated to this version's schema.

    ``create=False`` is for commands that only read: a SQLite ledger that does not exist is an error, not a new
    empty file left behind in the current folder.
    """
    from sqlalchemy.engine import make_url

    from permanence_core.errors import ConfigError
    from permanence_core.tracker.ledger import Ledger, shown_url

    url = resolve_ledger_url(value, config)
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if not create and file not in (None, "", ":memory:") and not Path(str(file)).is_file():
        raise ConfigError(
            "ledger",
            f"there is no ledger at {shown_url(url)} yet: `permanence ledger sync` creates it "
            "(give --ledger or --config if it is elsewhere)",
        )
    return Ledger(url)


def alert_counts(counts: dict[str, int]) -> str:
    """One line accounting for every alert raised: each change is sent, already there, failed or only recorded."""
    return (
        f"Alerts: {counts['new']} new, {counts['changed']} changed, {counts['resolved']} resolved, "
        f"{counts['unchanged']} unchanged; of the {counts['new'] + counts['changed'] + counts['resolved']} raised: "
        f"sent {counts['sent']}, already there {counts['duplicate']}, failed {counts['failed']} (raised again next "
        f"run), recorded without sending {counts['recorded']}"
    )


@click.group("ledger")
def ledger_group() -> None:
    """The tracker ledger: syncs from the case system, plan history, meetings, actions, alerts, documents."""


@ledger_group.command("upgrade")
@ledger_option
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=check_config,
    help="The council's configuration ([write_back] state).",
)
@click.option("--sql", is_flag=True, help="Print the SQL that creates the ledger instead of running it (for a DBA).")
def upgrade_command(ledger_url: str | None, config: str | None, sql: bool) -> None:
    """Create the ledger, or bring it to this version's schema (a write-back state store upgrades in place).

    Opening the ledger does this too; run it on its own when a DBA changes schemas by hand.
    """
    from permanence_core.tracker.ledger import current_revision, open_engine, shown_url, upgrade, upgrade_sql

    url = resolve_ledger_url(ledger_url, config)
    if sql:
        click.echo(upgrade_sql(url), nl=False)
        return
    engine = open_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"Ledger {shown_url(url)}: revision {before or 'none'} -> {after}")


@ledger_group.command("sync")
@source_options
@ledger_option
@evaluation_options
@click.option(
    "--raise-alerts",
    is_flag=True,
    help="Also raise each new or changed alert once through write-back (as the adapter's system takes alerts).",
)
@click.option("--outbox", type=click.Path(file_okay=False), help="Write-back to this folder instead of --config's.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sync_command(
    adapter: str,
    source: str,
    config: str | None,
    ledger_url: str | None,
    profile: str,
    as_of: dt.date | None,
    raise_alerts: bool,
    outbox: str | None,
    fmt: str,
) -> None:
    """Load the case records and record the sync in the ledger: counts, plan history, meetings and actions.

    With --raise-alerts the records are evaluated under --profile and each alert that is new or changed
    since the last run is raised once, as the adapter raises alerts in its system (write-back settings from
    --config, or --outbox).
    """
    from permanence_core.tracker import nightly

    if raise_alerts and not (config or outbox):
        raise click.UsageError("--raise-alerts needs write-back settings: --config with [write_back], or --outbox")
    started = dt.datetime.now(dt.UTC)
    # The nightly job's steps (permanence_core.tracker.nightly), as examples/nightly.py and the benchmark run them.
    result = _nightly_load(adapter, source, config)
    with open_ledger(ledger_url, config) as ledger:
        update, close = progress_callback("Recording the sync")
        try:
            entry = nightly.sync(ledger, result, adapter=adapter, source=source, started_at=started, progress=update)
        finally:
            close()
        summary: dict[str, Any] = {"ledger": ledger.url, "sync": entry.to_dict()}
        if raise_alerts:
            evaluation = nightly.evaluate(ledger, result, profile, as_of)
            options = {key: value for key, value in (("config", config), ("outbox", outbox)) if value}
            run = nightly.raise_alerts(ledger, result, evaluation, adapter=adapter, options=options)
            summary["alerts"] = run.summary()
    summary["rejected"] = [r.to_dict() for r in result.rejected]
    if fmt == "json":
        emit_json(summary)
        return
    click.echo(
        f"Sync {entry.sync_id} into {summary['ledger']}: {counted(entry.children, 'child')} "
        f"({entry.children_new} new), "
        f"{entry.read} read, {entry.rejected} rejected; plans changed {entry.plans_changed}, meetings added "
        f"{entry.meetings_added} (changed {entry.meetings_changed}), actions added {entry.actions_added} "
        f"(changed {entry.actions_changed})"
    )
    if "alerts" in summary:
        click.echo(alert_counts(summary["alerts"]))
    report_rejections(result.tables)


def _nightly_load(adapter: str, source: str, config: str | None) -> NightlyLoad:
    """The nightly job's load (tables, records when asked), with a progress bar on a terminal; a load in which no
    child loaded stops here, its rejections reported."""
    from permanence_core.tracker import nightly

    update, close = progress_callback(f"Loading {adapter}")
    try:
        loaded = nightly.load(adapter, source, {"progress": update, **({"config": config} if config else {})})
    finally:
        close()
    if loaded.nothing_loaded:
        # Every record was rejected or unreadable: going on would resolve every alert of a caseload.
        report_rejections(loaded.tables)
        raise InputError(source, "no child could be loaded (see the rejections above)")
    return loaded


@ledger_group.command("status")
@ledger_option
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=check_config,
    help="The council's configuration ([write_back] state).",
)
@click.option("--limit", default=5, show_default=True, help="How many recent syncs to list.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status_command(ledger_url: str | None, config: str | None, limit: int, fmt: str) -> None:
    """The ledger's schema revision and its latest syncs."""
    from permanence_core.tracker.ledger import current_revision

    with open_ledger(ledger_url, config, create=False) as ledger:
        revision = current_revision(ledger.engine)
        syncs = ledger.syncs(limit)
        url = ledger.url
    if fmt == "json":
        emit_json({"ledger": url, "revision": revision, "syncs": [s.to_dict() for s in syncs]})
        return
    click.echo(f"Ledger {url} at revision {revision}")
    if not syncs:
        click.echo("No syncs recorded yet: run `permanence ledger sync`.")
    for s in syncs:
        click.echo(
            f"  sync {s.sync_id} {s.finished_at:%Y-%m-%d %H:%M} UTC {s.adapter} {s.source}: "
            f"{counted(s.children, 'child')}, "
            f"{s.rejected} rejected, {counted(s.plans_changed, 'plan change')}, "
            f"{counted(s.meetings_added, 'meeting')} and {counted(s.actions_added, 'action')} added"
        )


@ledger_group.command("history")
@click.option("--child", "child_id", required=True, help="The child's case-system id.")
@ledger_option
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    callback=check_config,
    help="The council's configuration ([write_back] state).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history_command(child_id: str, ledger_url: str | None, config: str | None, fmt: str) -> None:
    """One child's history in the ledger: plans, meetings, actions, alerts raised and documents produced."""
    with open_ledger(ledger_url, config, create=False) as ledger:
        plans = ledger.plan_history(child_id)
        meetings = ledger.meetings(child_id=child_id)
        actions = ledger.actions(child_id=child_id)
        alerts = ledger.alert_history(child_id)
        documents = ledger.documents(child_id)
    if fmt == "json":
        emit_json(
            {
                "child_id": child_id,
                "plans": [p.to_dict() for p in plans],
                "meetings": [m.to_dict() for m in meetings],
                "actions": [a.to_dict() for a in actions],
                "alerts": [a.to_dict() for a in alerts],
                "documents": [d.to_dict() for d in documents],
            }
        )
        return
    if not (plans or meetings or alerts or documents):
        raise click.ClickException(f"child {child_id!r} is not in the ledger")
    click.echo(f"Child {child_id}")
    click.echo("Plans:")
    for p in plans:
        contingencies = f" (contingency {', '.join(p.contingencies)})" if p.contingencies else ""
        click.echo(
            f"  {p.recorded_at:%Y-%m-%d} sync {p.sync_id}: {p.primary_route}{contingencies} {p.status} "
            f"since {p.status_since or '?'} [{', '.join(p.change)}]"
        )
    click.echo("Meetings and actions:")
    by_meeting: dict[str, list[ActionEntry]] = {}
    for a in actions:
        by_meeting.setdefault(a.meeting_id, []).append(a)
    for m in meetings:
        click.echo(f"  {m.date} {m.kind} {m.meeting_id} ({m.status}, {m.origin})")
        for a in by_meeting.get(m.meeting_id, []):
            due = f"due {a.due_date}" if a.due_date else "no due date"
            done = f", done {a.completed_on}" if a.completed_on else ""
            carried = f", carried {a.times_carried}x" if a.times_carried else ""
            click.echo(f"    {a.action_id}: {a.status}, {due}{done}{carried}")
    click.echo("Alerts raised:")
    for alert in alerts:
        anchor = f"(anchor {alert.anchor_date})"
        click.echo(f"  {alert.raised_at:%Y-%m-%d} {alert.rule} {anchor} {alert.status}, due {alert.due_date}")
    click.echo("Documents:")
    for d in documents:
        went = d.location or d.path or "not saved"
        click.echo(f"  {d.produced_at:%Y-%m-%d} {d.document_type} {d.filename}: {d.delivery_status or 'kept'} {went}")
