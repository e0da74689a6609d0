"""``permanence panel``: schedule the tracking panel, its agenda, outcomes, carried actions, pack and minutes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from permanence_core import api
from permanence_core.cli.common import check_config, counted, emit_json, parse_date
from permanence_core.cli.forms import out_option
from permanence_core.cli.ledger import ledger_option, open_ledger
from permanence_core.cli.sources import load_records, report_rejections, source_options
from permanence_core.errors import PermanenceError
from permanence_core.plugins.manager import Plugins
from permanence_core.writeback import ReceiptStatus

if TYPE_CHECKING:
    from permanence_core.tracker.ledger import Ledger
    from permanence_core.tracker.panel import Outcome, Panel

_format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
_profile_option = click.option(
    "--profile", default="england", show_default=True, help="Profile name or path to a .toml file."
)


def _panel_option(default_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--panel", "panel_ref", help=f"The panel's id or date (YYYY-MM-DD). Default: {default_help}.")


def _config_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        type=click.Path(dir_okay=False),
        callback=check_config,
        help="The council's configuration (TOML; [write_back] state).",
    )(command)


def _find(ledger: Ledger, panel_ref: str | None, *, upcoming: bool) -> Panel:
    from permanence_core.tracker.panel import find_panel

    return find_panel(ledger, panel_ref, today=dt.date.today(), upcoming=upcoming)


@click.group("panel")
def panel_group() -> None:
    """The monthly tracking panel in the ledger: schedule, agenda, pack, record, minutes, carry-forward.

    A panel is named by its date (YYYY-MM-DD) or id (panel-YYYY-MM-DD).
    """


@panel_group.command("schedule")
@click.argument("date", callback=parse_date)
@click.option("--chair", help="Who chairs the panel (printed on the minutes).")
@_profile_option
@ledger_option
@_config_option
@_format_option
def schedule_command(
    date: dt.date, chair: str | None, profile: str, ledger_url: str | None, config: str | None, fmt: str
) -> None:
    """Schedule the panel on DATE: referrals are due 3 working days before it, minutes 3 working days after.

    Working days follow --profile's calendar (bank holidays and the council's extra closures).
    """
    from permanence_core.rules import load_profile
    from permanence_core.rules.engine import calendar_for
    from permanence_core.tracker.panel import schedule

    rules = load_profile(profile)
    with open_ledger(ledger_url, config) as ledger:
        panel = schedule(ledger, date, chair=chair, calendar=calendar_for(rules), settings=rules.panel)
    if fmt == "json":
        emit_json(panel.to_dict())
        return
    click.echo(
        f"Scheduled {panel.panel_id}: referrals to business support by {panel.referral_deadline}, "
        f"minutes due by {panel.minutes_due}"
    )


@panel_group.command("cancel")
@click.argument("panel_ref", metavar="PANEL")
@ledger_option
@_config_option
def cancel_command(panel_ref: str, ledger_url: str | None, config: str | None) -> None:
    """Call off PANEL (its date or id): agendas and carry-forward skip it. A held panel cannot be cancelled."""
    from permanence_core.tracker.panel import cancel, find_panel

    with open_ledger(ledger_url, config) as ledger:
        panel = cancel(ledger, find_panel(ledger, panel_ref))
    click.echo(f"Cancelled {panel.panel_id}")


@panel_group.command("list")
@ledger_option
@_config_option
@_format_option
def list_command(ledger_url: str | None, config: str | None, fmt: str) -> None:
    """Every panel in the ledger with its status, children and dates."""
    from permanence_core.tracker.panel import panel_children, panels

    with open_ledger(ledger_url, config, create=False) as ledger:
        rows = [(panel, panel_children(ledger, panel)) for panel in panels(ledger)]
    if fmt == "json":
        emit_json(
            [
                {**panel.to_dict(), "children": len(kids), "recorded": sum(k.recorded for k in kids)}
                for panel, kids in rows
            ]
        )
        return
    if not rows:
        click.echo("No panels scheduled: run `permanence panel schedule YYYY-MM-DD`.")
    for panel, kids in rows:
        issued = f", minutes issued {panel.minutes_issued_on}" if panel.minutes_issued_on else ""
        click.echo(
            f"{panel.panel_id} {panel.status.value}: {counted(len(kids), 'child')}, "
            f"{sum(k.recorded for k in kids)} recorded; "
            f"referrals by {panel.referral_deadline}, minutes due {panel.minutes_due}{issued}"
        )


@panel_group.command("agenda")
@_panel_option("the next panel from today")
@source_options
@_profile_option
@ledger_option
@_format_option
def agenda_command(
    panel_ref: str | None, adapter: str, source: str, config: str | None, profile: str, ledger_url: str | None, fmt: str
) -> None:
    """Build the panel's agenda and keep it in the ledger (ids and reasons only are printed).

    On it: children whose obligations fall due before the next panel, new entrants since the previous one,
    children with overdue obligations or actions or drift, actions carried forward; sibling groups together.
    Timescales are evaluated as of the panel date under --profile.
    """
    from permanence_core.rules import load_profile
    from permanence_core.tracker.pack import panel_agenda

    rules = load_profile(profile)
    result = load_records(adapter, source, config)
    with open_ledger(ledger_url, config) as ledger:
        panel = _find(ledger, panel_ref, upcoming=True)
        built = panel_agenda(ledger, panel, result.records, rules)
    agenda, saved = built.agenda, built.saved
    if fmt == "json":
        emit_json({**agenda.to_dict(), "saved": saved, "rejected": [r.to_dict() for r in result.rejected]})
        return
    click.echo(
        f"Agenda of {panel.panel_id} ({counted(len(agenda.entries), 'child')}; previous panel {agenda.since}, "
        f"next {agenda.until}){'' if saved else ' - the panel is held, so the stored agenda was kept'}"
    )
    sizes = Counter(entry.group for entry in agenda.entries)
    group = None
    for number, entry in enumerate(agenda.entries, start=1):
        grouped = sizes[entry.group] > 1
        if entry.group != group and grouped:
            click.echo(f"  sibling group {entry.group}:")
        group = entry.group
        indent = "    " if grouped else "  "
        click.echo(f"{indent}{number:>3}. {entry.child_id}: {'; '.join(text for _kind, text in entry.reasons)}")
    if agenda.ended:
        click.echo(f"Tracking ended (permanence secured): {', '.join(agenda.ended)}")
    report_rejections(result)


@panel_group.command("record")
@_panel_option("the latest panel up to today")
@click.option(
    "--docx",
    "documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A completed record of the panel (Word) for one child; repeat for more children.",
)
@click.option("--child", "child_id", help="The child, when recording from these options instead of a document.")
@click.option(
    "--decision",
    type=click.Choice(["approved", "not_approved", "progressing", "deferred", "secured"]),
    help="The panel's decision; 'secured' ends the child's tracking.",
)
@click.option("--summary", help="Summary of discussion.")
@click.option("--agreed-plan", help="The agreed permanence plan.")
@click.option("--chair", help="Who chaired the panel.")
@click.option("--present", multiple=True, help="'Name | role' of someone present; repeat for each.")
@click.option("--apology", multiple=True, help="Someone who sent apologies; repeat for each.")
@click.option(
    "--action",
    "new_actions",
    multiple=True,
    help="A new action: 'description | owner | due' (due: YYYY-MM-DD or a period such as '2 weeks'); repeat.",
)
@click.option(
    "--done", multiple=True, help="An open action done: 'ACTION_ID' (on the panel date) or 'ACTION_ID=YYYY-MM-DD'."
)
@ledger_option
@_config_option
@_format_option
def record_command(
    panel_ref: str | None,
    documents: tuple[Path, ...],
    child_id: str | None,
    decision: str | None,
    summary: str | None,
    agreed_plan: str | None,
    chair: str | None,
    present: tuple[str, ...],
    apology: tuple[str, ...],
    new_actions: tuple[str, ...],
    done: tuple[str, ...],
    ledger_url: str | None,
    config: str | None,
    fmt: str,
) -> None:
    """Record outcomes and new actions: from completed records (--docx, one per child) or from options (--child).

    A completed record is one written with `permanence panel minutes` (a draft, before the outcome is
    recorded) or `permanence form record --kind tracking_panel`, dated for the panel. Tasks it lists by the
    number of one of the child's open actions mark that action done or re-time it; other rows are new
    actions. Exit 1 when a document cannot be read (the others are still recorded).
    """
    from permanence_core.documents import read_form
    from permanence_core.tracker.panel import outcome_from_form, record_outcome

    if bool(documents) == bool(child_id):
        raise click.UsageError("give either --docx (completed records) or --child (with options), not both")
    if decision and len(documents) > 1:
        raise click.UsageError("--decision applies to one child: give one --docx with it")
    recorded, failed = [], []
    with open_ledger(ledger_url, config) as ledger:
        panel = _find(ledger, panel_ref, upcoming=False)
        outcomes: list[tuple[str, Outcome]] = []
        if child_id:
            outcomes.append(
                (
                    "options",
                    _outcome_from_options(
                        panel, child_id, decision, summary, agreed_plan, chair, present, apology, new_actions, done
                    ),
                )
            )
        for document in documents:
            try:
                outcome = outcome_from_form(read_form(document), ledger, panel)
            except PermanenceError as exc:
                failed.append({"source": str(document), "reason": str(exc)})
                continue
            outcomes.append((str(document), attrs.evolve(outcome, decision=decision) if decision else outcome))
        for source, outcome in outcomes:
            try:
                result = record_outcome(ledger, panel, outcome)
            except PermanenceError as exc:
                failed.append({"source": source, "reason": str(exc)})
                continue
            recorded.append({"source": source, **attrs.asdict(result)})
    if fmt == "json":
        emit_json({"panel": panel.panel_id, "recorded": recorded, "failed": failed})
    else:
        for item in recorded:
            added = f" {', '.join(item['added'])}" if item["added"] else ""
            completed = f" {', '.join(item['completed'])}" if item["completed"] else ""
            click.echo(
                f"Recorded child {item['child_id']} at {panel.panel_id} from {item['source']}: "
                f"{counted(len(item['added']), 'new action')}{added}; {len(item['completed'])} done{completed}"
            )
    for item in failed:
        click.echo(f"Not recorded: {item['reason']}", err=True)
    if failed:
        click.get_current_context().exit(1)


def _outcome_from_options(
    panel: Panel,
    child_id: str,
    decision: str | None,
    summary: str | None,
    agreed_plan: str | None,
    chair: str | None,
    present: Sequence[str],
    apologies: Sequence[str],
    new_actions: Sequence[str],
    done: Sequence[str],
) -> Outcome:
    from permanence_core.documents.typed_dates import TypedDateError, parse_timescale
    from permanence_core.model import Action, Attendee
    from permanence_core.tracker.panel import Outcome

    people = []
    for text in present:
        name, _bar, role = (part.strip() for part in text.partition("|"))
        if not name:
            raise click.BadParameter(f"{text!r} has no name", param_hint="--present")
        people.append(Attendee(name=name, role=role or None))
    actions = []
    for number, text in enumerate(new_actions, start=1):
        description, owner, due_text = (*(part.strip() for part in text.split("|")), "", "")[:3]
        if not description:
            raise click.BadParameter(f"action {number} has no description", param_hint="--action")
        try:
            due = parse_timescale(due_text, panel.date) if due_text else None
        except TypedDateError as exc:
            raise click.BadParameter(f"action {number}: due {due_text!r} {exc}", param_hint="--action") from None
        actions.append(Action(action_id=f"new{number}", description=description, owner=owner or None, due_date=due))
    completed = {}
    for text in done:
        action_id, _eq, day = text.partition("=")
        try:
            completed[action_id.strip()] = dt.date.fromisoformat(day.strip()) if day else panel.date
        except ValueError:
            raise click.BadParameter(f"{text!r}: the date must be YYYY-MM-DD", param_hint="--done") from None
    return Outcome(
        child_id=child_id,
        decision=decision,
        summary=summary,
        agreed_plan=agreed_plan,
        chair=chair,
        present=people,
        apologies=apologies,
        completed=completed,
        actions=actions,
    )


@panel_group.command("carry-forward")
@_panel_option("the latest panel up to today")
@click.option("--to", "to_ref", help="The panel to carry to (default: the next one scheduled).")
@ledger_option
@_config_option
@_format_option
def carry_forward_command(
    panel_ref: str | None, to_ref: str | None, ledger_url: str | None, config: str | None, fmt: str
) -> None:
    """Carry every unfinished action of the panel's children to the next panel (once: safe to run again)."""
    from permanence_core.tracker.panel import carry_forward, find_panel

    with open_ledger(ledger_url, config) as ledger:
        panel = _find(ledger, panel_ref, upcoming=False)
        target = find_panel(ledger, to_ref) if to_ref else None
        result = carry_forward(ledger, panel, target)
    if fmt == "json":
        emit_json(
            {
                "panel": panel.panel_id,
                "to_panel": result.to_panel.panel_id,
                "carried": [attrs.asdict(c) for c in result.carried],
                "already_carried": result.already,
            }
        )
        return
    children = len({c.child_id for c in result.carried})
    click.echo(
        f"Carried {counted(len(result.carried), 'action')} of {counted(children, 'child')} from {panel.panel_id} to "
        f"{result.to_panel.panel_id} ({result.already} carried before)"
    )
    for c in result.carried:
        if c.times_carried >= 2:
            click.echo(f"  {c.child_id}: {c.action_id} has now been carried through {c.times_carried} panels")


@panel_group.command("pack")
@_panel_option("the next panel from today")
@source_options
@_profile_option
@out_option
@ledger_option
@_format_option
def pack_command(
    panel_ref: str | None,
    adapter: str,
    source: str,
    config: str | None,
    profile: str,
    out: Path,
    ledger_url: str | None,
    fmt: str,
) -> None:
    """The panel pack for the members: the agenda (one row a child, every reason), then a page per child in
    agenda order with the plan, timescales, alerts and every open action from every earlier meeting.

    The panel must be scheduled (`permanence panel schedule DATE`) and the ledger synced from the source
    (`permanence ledger sync`); the agenda is kept in the ledger. What is panel business, and the day the
    panel meets, come from --profile's [panel] table.
    """
    from permanence_core.rules import load_profile
    from permanence_core.tracker.pack import write_pack

    rules = load_profile(profile)
    result = load_records(adapter, source, config)
    with open_ledger(ledger_url, config) as ledger:
        panel = _find(ledger, panel_ref, upcoming=True)
        written = write_pack(ledger, panel, result.records, out, profile=rules, templates=Plugins().templates())
    agenda, pack, size = written.agenda.agenda, written.pack, written.size
    summary = {
        "panel": panel.panel_id,
        "out": str(out),
        "bytes": size,
        "children": [e.child_id for e in agenda.entries],
        "pages": len(pack.pages),
        "rejected": [r.to_dict() for r in result.rejected],
    }
    if fmt == "json":
        emit_json(summary)
        return
    click.echo(
        f"Wrote the pack for {panel.panel_id} to {out}: {counted(len(agenda.entries), 'child')} on the agenda, "
        f"{counted(len(pack.pages), 'child page')}"
    )
    report_rejections(result)


@panel_group.command("minutes")
@_panel_option("the latest panel up to today")
@source_options
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the records (one per child; named by child id and panel, never by name).",
)
@click.option("--html", "as_html", is_flag=True, help="Write HTML instead of Word.")
@click.option("--child", "children", multiple=True, help="Only this child (repeat for more).")
@click.option(
    "--publish",
    is_flag=True,
    help="Send each final record to the child's file through write-back (--config [write_back] or --outbox).",
)
@click.option("--outbox", type=click.Path(file_okay=False), help="Write-back to this folder instead of --config's.")
@click.option("--issued-on", callback=parse_date, help="Date the minutes are issued (default: today).")
@ledger_option
@_format_option
def minutes_command(
    panel_ref: str | None,
    adapter: str,
    source: str,
    config: str | None,
    out_dir: Path,
    as_html: bool,
    children: tuple[str, ...],
    publish: bool,
    outbox: str | None,
    issued_on: dt.date | None,
    ledger_url: str | None,
    fmt: str,
) -> None:
    """Write each child's record of the panel: the minutes once its outcome is recorded, else a draft.

    A draft is the tracking-meeting record dated for the panel with the child's open actions, for the chair
    to complete and `permanence panel record --docx` to read back. When every child's outcome is recorded
    the minutes are issued (seed 002: within three working days); --publish sends them to each child's file.
    """
    from permanence_core.documents import OutputFormat
    from permanence_core.tracker.panel import write_minutes

    if publish and not (config or outbox):
        raise click.UsageError("--publish needs write-back settings: --config with [write_back], or --outbox")
    result = load_records(adapter, source, config)
    records = {r.child_id: r for r in result.records}
    transport = None
    if publish:
        options = {key: value for key, value in (("config", config), ("outbox", outbox)) if value}
        transport = api.AdapterTransport(adapter, options)
    with open_ledger(ledger_url, config) as ledger:
        panel = _find(ledger, panel_ref, upcoming=False)
        done = write_minutes(
            ledger,
            panel,
            records,
            out_dir,
            day=issued_on or dt.date.today(),
            fmt=OutputFormat.HTML if as_html else OutputFormat.DOCX,
            children=children,
            transport=transport,
            templates=Plugins().templates(),
        )
    panel, receipts, missing = done.panel, done.receipts, list(done.not_in_source)
    written = [
        {"child_id": item.child_id, "final": item.final, "out": str(out), "bytes": size}
        for item, out, size in done.written
    ]
    late = done.late
    summary = {
        "panel": panel.panel_id,
        "written": written,
        "published": [{"idempotency_key": r.idempotency_key, "status": r.status.value} for r in receipts],
        "minutes_issued_on": panel.minutes_issued_on.isoformat() if panel.minutes_issued_on else None,
        "minutes_due": panel.minutes_due.isoformat() if panel.minutes_due else None,
        "late": late,
        "not_in_source": missing,
        "rejected": [r.to_dict() for r in result.rejected],
    }
    if fmt == "json":
        emit_json(summary)
    else:
        finals = sum(1 for w in written if w["final"])
        click.echo(
            f"Wrote {finals} minutes and {len(written) - finals} drafts for {panel.panel_id} to {out_dir}"
            + (f"; minutes issued {panel.minutes_issued_on}" if panel.minutes_issued_on else "")
            + (f" (late: due {panel.minutes_due})" if late else "")
        )
        if receipts:
            sent = sum(r.status in (ReceiptStatus.DELIVERED, ReceiptStatus.QUEUED) for r in receipts)
            failed = sum(r.status is ReceiptStatus.FAILED for r in receipts)
            click.echo(f"Published {sent}, already there {len(receipts) - sent - failed}, failed {failed}")
        report_rejections(result)
    if missing:
        click.echo(f"Not in {source}, so no record written: {', '.join(missing)}", err=True)
