"""``permanence form`` (pro-forma, referral, record, read): a child's documents for a council."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import click

from permanence_core.adapters import LoadResult
from permanence_core.cli.common import counted, emit_json, parse_date
from permanence_core.cli.sources import load_records, source_options, the_child
from permanence_core.documents import (
    CompletedProForma,
    Layout,
    OutputFormat,
    meeting_record,
    pro_forma,
    read_form,
    referral_form,
    render,
)
from permanence_core.model import CaseRecord, MeetingKind
from permanence_core.plugins.manager import Plugins
from permanence_core.private_files import write_private


def _output(_ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    if value.suffix.lower() not in (".docx", ".html", ".htm"):
        raise click.BadParameter(f"{str(value)!r} must end in .docx or .html", param=param)
    return value


out_option = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_output,
    help="File to write: .docx (Word) or .html.",
)


def _document_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every form command takes: the child, the source (as ``permanence alerts``), the output."""
    for decorator in reversed(
        (
            click.option("--child", "child_id", required=True, help="The child's case-system id."),
            out_option,
            click.option("--as-of", callback=parse_date, help="Date the form describes, YYYY-MM-DD (default: today)."),
            click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
        )
    ):
        command = decorator(command)
    return source_options(command)


@click.group("form")
def form_group() -> None:
    """Generate a child's seed forms as Word or HTML, and read completed ones back."""


@form_group.command("pro-forma")
@_document_options
@click.option("--meeting-date", callback=parse_date, help="Date of the tracking meeting, for Part 2 (YYYY-MM-DD).")
def pro_forma_command(
    child_id: str,
    adapter: str,
    source: str,
    config: str | None,
    out: Path,
    as_of: dt.date | None,
    fmt: str,
    meeting_date: dt.date | None,
) -> None:
    """The Permanence Tracker Meeting pro-forma (seed 000), Part 1 prefilled from the case record."""
    day = as_of or dt.date.today()
    result, record, known = _child(adapter, source, config, child_id)
    layout = pro_forma(record, as_of=day, records=known, meeting_date=meeting_date)
    _write(layout, out, day, {"record": record}, result, child_id, fmt)


@form_group.command("referral")
@_document_options
def referral_command(
    child_id: str, adapter: str, source: str, config: str | None, out: Path, as_of: dt.date | None, fmt: str
) -> None:
    """The Permanence Planning Referral (seed 001) for the child and the siblings planned with them."""
    day = as_of or dt.date.today()
    result, record, known = _child(adapter, source, config, child_id)
    _write(referral_form(record, as_of=day, records=known), out, day, {"record": record}, result, child_id, fmt)


@form_group.command("record")
@_document_options
@click.option("--meeting", "meeting_id", help="Write up this held meeting (its id in the case record).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in MeetingKind]),
    default=MeetingKind.PPM.value,
    show_default=True,
    help="Kind of meeting for a blank record (ignored with --meeting).",
)
@click.option("--meeting-date", callback=parse_date, help="Date of the meeting, for a blank record (YYYY-MM-DD).")
def record_command(
    child_id: str,
    adapter: str,
    source: str,
    config: str | None,
    out: Path,
    as_of: dt.date | None,
    fmt: str,
    meeting_id: str | None,
    kind: str,
    meeting_date: dt.date | None,
) -> None:
    """A meeting record with its task table: a held meeting (--meeting), or a blank one for the next meeting."""
    day = as_of or dt.date.today()
    result, record, known = _child(adapter, source, config, child_id)
    meeting = None
    if meeting_id:
        meeting = next((m for m in record.meetings if m.meeting_id == meeting_id), None)
        if meeting is None:
            held = ", ".join(m.meeting_id for m in record.meetings) or "none"
            raise click.ClickException(f"child {child_id} has no meeting {meeting_id!r} (meetings: {held})")
    layout = meeting_record(MeetingKind(kind), child_id, known, meeting=meeting, date=meeting_date, generated_on=day)
    _write(layout, out, day, {"record": record, "meeting": meeting}, result, child_id, fmt)


@form_group.command("read")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def read_command(document: Path, fmt: str) -> None:
    """Read a completed pro-forma or meeting record (.docx) and show what it says.

    Exit 1 when the document is not one of these forms or a section cannot be read.
    """
    completed = read_form(document)
    if fmt == "json":
        form = "pro-forma" if isinstance(completed, CompletedProForma) else "record"
        emit_json({"form": form, **attrs.asdict(completed, value_serializer=_plain)})
        return
    meeting = completed.meeting
    if isinstance(completed, CompletedProForma):
        filled = [name for name, value in attrs.asdict(completed.views, recurse=False).items() if value]
        click.echo(f"Pro-forma for child {completed.child_id}: views given: {', '.join(filled) or 'none'}")
        click.echo(f"Sign-offs: {', '.join(s.role.value for s in completed.signoffs) or 'none'}")
    if meeting is None:
        click.echo("Part 2 (meeting record): not completed")
        return
    click.echo(
        f"{meeting.kind.value} {meeting.meeting_id} on {meeting.date.isoformat()} for {', '.join(meeting.children)}: "
        f"{len(meeting.present)} present, {counted(len(meeting.apologies), 'apology')}, "
        f"{counted(len(meeting.actions), 'action')}"
    )
    for action in meeting.actions:
        due = action.due_date.isoformat() if action.due_date else "no date"
        done = f", completed {action.completed_on.isoformat()}" if action.completed_on else ""
        after = f", after {', '.join(action.depends_on)}" if action.depends_on else ""
        click.echo(f"  {action.action_id}: due {due}{done}{after}")


def _child(
    adapter: str, source: str, config: str | None, child_id: str
) -> tuple[LoadResult, CaseRecord, dict[str, CaseRecord]]:
    result = load_records(adapter, source, config)
    record = the_child(result, child_id, source)
    return result, record, {r.child_id: r for r in result.records}


def _write(
    layout: Layout,
    out: Path,
    day: dt.date,
    context: dict[str, Any],
    result: LoadResult,
    child_id: str,
    fmt: str,
) -> None:
    size = save_document(layout, out, day, context)
    rejected = [r for r in result.rejected if r.child_id == child_id]
    if fmt == "json":
        emit_json(
            {
                "form": layout.form,
                "child_id": child_id,
                "out": str(out),
                "bytes": size,
                "rejected": [r.to_dict() for r in rejected],
            }
        )
        return
    click.echo(f"Wrote the {layout.form} for child {child_id} to {out} ({size} bytes)")
    # The child's own rejected records matter here: the form may lack what they held.
    if rejected:
        click.echo(f"{len(rejected)} of this child's records were rejected and are not in the form:", err=True)
        for rejection in rejected:
            click.echo(f"  {rejection}", err=True)


def save_document(layout: Layout, out: Path, day: dt.date, context: dict[str, Any]) -> int:
    """Render and write atomically and readable by the owner only: a half-written file is never left for an
    upload job to pick up, and a child's form is never readable by other users of the machine."""
    data = render(
        layout, OutputFormat.from_path(out), generated_on=day, templates=Plugins().templates(), context=context
    )
    write_private(out, data)
    return len(data)


def _plain(_instance: Any, _attribute: Any, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
