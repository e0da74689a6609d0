"""The panel's minutes: one record per child, final once its outcome is recorded, else a draft for the chair."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from permanence_core.documents import Layout, OutputFormat, meeting_record, render
from permanence_core.errors import Location
from permanence_core.model import CaseRecord, Meeting
from permanence_core.private_files import write_private
from permanence_core.tracker import schema
from permanence_core.tracker.entries import Produced
from permanence_core.tracker.ledger import Ledger, utc_now
from permanence_core.tracker.panel.outcomes import (
    attendees,
    panel_children,
    reviewed_actions,
    without_missing_dependencies,
)
from permanence_core.tracker.panel.schedule import KIND, Panel, PanelError
from permanence_core.tracker.schema import ActionStatus
from permanence_core.writeback import DocumentUpload, Receipt, Transport


@attrs.frozen(kw_only=True)
class Minutes:
    """One child's record of the panel: ``final`` once the outcome is recorded, else a draft for the chair."""

    child_id: str
    layout: Layout
    final: bool


@attrs.frozen(kw_only=True)
class MinutesWritten:
    """What ``write_minutes`` did: the files written, the deliveries, the children the source lacks, and the
    panel as it now stands (``minutes_issued_on`` set once every child's outcome is recorded)."""

    panel: Panel
    written: tuple[tuple[Minutes, Path, int], ...]
    receipts: tuple[Receipt, ...]
    not_in_source: tuple[str, ...]

    @property
    def late(self) -> bool:
        """True when the minutes were issued after they were due (seed 002: three working days)."""
        issued, due = self.panel.minutes_issued_on, self.panel.minutes_due
        return bool(issued and due and issued > due)


def write_minutes(
    ledger: Ledger,
    panel: Panel,
    records: Mapping[str, CaseRecord],
    out_dir: Path,
    *,
    day: dt.date,
    fmt: OutputFormat = OutputFormat.DOCX,
    children: Iterable[str] = (),
    transport: Transport | None = None,
    templates: Mapping[str, Path] | None = None,
) -> MinutesWritten:
    """Write each child's record of the panel into ``out_dir``, note each in the ledger, deliver the final ones
    through ``transport`` (each once), and mark the minutes issued on ``day`` once every child's outcome is
    recorded and written. Files are named by child id and panel, never by name. The API and the CLI share it.

    Raises PanelError when a child asked for is not on the panel.
    """
    on_panel = panel_children(ledger, panel)
    wanted = set(children) or {c.child_id for c in on_panel}
    unknown = sorted(wanted - {c.child_id for c in on_panel})
    if unknown:
        raise PanelError(Location(source="ledger", element=panel.panel_id), f"not on the panel: {', '.join(unknown)}")
    missing = tuple(sorted(wanted - records.keys()))
    written, uploads = [], []
    for item in minutes(ledger, panel, records, generated_on=day, children=wanted):
        kind = "minutes" if item.final else "draft"
        out = out_dir / f"{item.child_id}-{panel.panel_id}-{kind}.{fmt.value}"
        content = render(
            item.layout, fmt, generated_on=day, templates=templates, context={"record": records[item.child_id]}
        )
        write_private(out, content)
        upload = DocumentUpload(
            child_id=item.child_id,
            document_type="panel-minutes" if item.final else "panel-record-draft",
            filename=out.name,
            content=content,
            title=f"Permanence Planning Tracking Panel {panel.date.isoformat()}",
        )
        written.append((item, out, len(content)))
        ledger.record_documents([Produced.from_upload(upload, meeting_id=panel.panel_id, path=str(out))])
        if item.final:
            uploads.append(upload)
    receipts = ledger.publish(uploads, transport) if transport is not None and uploads else []
    if on_panel and all(c.recorded for c in on_panel) and not missing and not set(children):
        panel = minutes_issued(ledger, panel, day)
    return MinutesWritten(panel=panel, written=tuple(written), receipts=tuple(receipts), not_in_source=missing)


def minutes(
    ledger: Ledger,
    panel: Panel,
    records: Mapping[str, CaseRecord],
    *,
    generated_on: dt.date,
    children: Iterable[str] | None = None,
) -> list[Minutes]:
    """One record per child on the panel: the minutes once its outcome is recorded, else a draft for the chair.

    A draft is a blank tracking-meeting record dated for the panel, carrying the child's open actions, to
    be completed in Word and read back with ``outcome_from_form``. A child the source does not hold is
    left out (its record would have no name or plan); the caller reports it.
    """
    wanted = set(children) if children is not None else None
    everyone = panel_children(ledger, panel)
    on_panel = [c for c in everyone if wanted is None or c.child_id in wanted]
    present, apologies = attendees(ledger, panel)
    groups: dict[str, list[str]] = {}
    for child in everyone:
        groups.setdefault(child.group or child.child_id, []).append(child.child_id)
    result = []
    for child in on_panel:
        if child.child_id not in records:
            continue
        reviewed = reviewed_actions(ledger, panel, child.child_id)
        if not child.recorded:
            layout = meeting_record(
                KIND,
                child.child_id,
                records,
                date=panel.date,
                generated_on=generated_on,
                carried_actions=without_missing_dependencies(
                    [a.to_action() for a in reviewed if a.status == ActionStatus.OPEN]
                ),
            )
            result.append(Minutes(child_id=child.child_id, layout=layout, final=False))
            continue
        together = groups[child.group or child.child_id]
        meeting = Meeting(
            meeting_id=panel.panel_id,
            kind=KIND,
            date=panel.date,
            chair=panel.chair,
            children=(child.child_id, *(c for c in together if c != child.child_id)),
            present=present,
            apologies=apologies,
            summary=child.summary,
            agreed_plan=child.agreed_plan,
            actions=without_missing_dependencies([a.to_action() for a in reviewed]),
        )
        layout = meeting_record(KIND, child.child_id, records, meeting=meeting, generated_on=generated_on)
        result.append(Minutes(child_id=child.child_id, layout=layout, final=True))
    return result


def minutes_issued(ledger: Ledger, panel: Panel, day: dt.date, *, now: dt.datetime | None = None) -> Panel:
    """Record that the panel's minutes were issued on ``day`` (the first issue stands)."""
    meetings = schema.meetings
    with ledger.transaction() as conn:
        conn.execute(
            meetings.update()
            .where(meetings.c.meeting_id == panel.panel_id, meetings.c.minutes_issued_on.is_(None))
            .values(minutes_issued_on=day, updated_at=now or utc_now())
        )
    entry = ledger.meeting(panel.panel_id)
    if entry is None:
        raise PanelError(Location(source="ledger", element=panel.panel_id), "no such panel")
    return Panel.from_entry(entry)
