"""The panel's agenda: who comes to the tracking panel and why, sibling groups together, and the pack built on it."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.documents import AgendaItem, ChildPage, PanelPack
from permanence_core.documents.formatting import date_text
from permanence_core.documents.panel_pack import dates_in_words
from permanence_core.model import CaseRecord, MeetingAction, MeetingKind
from permanence_core.model._validators import to_tuple
from permanence_core.rules import Alert, Evaluation, Obligation, ObligationState
from permanence_core.rules.engine import calendar_for
from permanence_core.tracker import schema
from permanence_core.tracker.drift import DriftThresholds, Signal, assess_drift
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import (
    Decision,
    Panel,
    latest_decisions,
    neighbours,
    next_panel_date,
    panel_children,
)
from permanence_core.tracker.report import build_report
from permanence_core.tracker.schema import MeetingStatus

#: An action still open after being carried through this many panels is drift (seed 002: "highlighting drift").
DRIFT_CARRIES = 2


class Reason(enum.StrEnum):
    """Why a child is on the agenda."""

    DUE = "due"
    NEW_ENTRANT = "new_entrant"
    OVERDUE_OBLIGATION = "overdue_obligation"
    OVERDUE_ACTIONS = "overdue_actions"
    DRIFT = "drift"
    CARRIED = "carried_actions"
    SIBLING = "sibling"
    DISCUSSED = "discussed"


@attrs.frozen(kw_only=True)
class AgendaEntry:
    """A child on the agenda, its sibling group (the lowest child id in it) and every reason it is there."""

    child_id: str
    group: str
    reasons: tuple[tuple[Reason, str], ...] = attrs.field(converter=to_tuple)

    @property
    def kinds(self) -> tuple[Reason, ...]:
        """The reasons' kinds, each once."""
        return tuple(dict.fromkeys(kind for kind, _text in self.reasons))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (ids, rule titles, dates and counts: no names or free text)."""
        return {
            "child_id": self.child_id,
            "group": self.group,
            "reasons": [{"kind": kind.value, "text": text} for kind, text in self.reasons],
        }


@attrs.frozen(kw_only=True)
class Agenda:
    """The agenda of ``panel``: ``since`` the previous panel, ``until`` the next; ``ended`` lists the children
    whose tracking the panel ended (permanence secured); ``procedure`` is the title of the council's procedure."""

    panel: Panel
    since: dt.date
    until: dt.date
    entries: tuple[AgendaEntry, ...] = attrs.field(converter=to_tuple)
    ended: tuple[str, ...] = attrs.field(converter=to_tuple)
    procedure: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``permanence panel agenda --format json`` prints."""
        return {
            "panel": self.panel.to_dict(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "children": [entry.to_dict() for entry in self.entries],
            "tracking_ended": list(self.ended),
        }


def build_agenda(
    ledger: Ledger,
    panel: Panel,
    records: Sequence[CaseRecord],
    evaluation: Evaluation,
    *,
    thresholds: DriftThresholds | None = None,
) -> Agenda:
    """Who comes to ``panel``, from the case records, the rules' ``evaluation`` (as of the panel date) and the ledger.

    What is panel business comes from the profile (``[panel] business``: the rules whose due dates the panel
    acts on; looked-after reviews and court hearings have meetings of their own). A child looked after on the
    panel date is on the agenda when such a timescale falls due before the next panel or is overdue, a panel
    is recorded for it that day, it came into care since the previous panel, an action is overdue, its case
    shows drift, actions were carried forward to this panel, or its outcome here is already recorded. Each
    child is listed once with every reason; siblings planned together join each other and sit together. A
    child whose permanence the panel recorded as secured is no longer tracked. Without a previous or next
    panel in the ledger, they are the profile's panel days a month either side.
    """
    settings = evaluation.profile.panel
    calendar = calendar_for(evaluation.profile)
    previous, following = neighbours(ledger, panel)
    since = previous.date if previous else next_panel_date(panel.date, settings, calendar, months=-1)
    until = following.date if following else next_panel_date(panel.date, settings, calendar)
    ended = sorted(child for child, d in latest_decisions(ledger, panel.date).items() if d is Decision.SECURED)
    stopped = set(ended)
    tracked = [r for r in records if r.period_on(panel.date) is not None and r.child_id not in stopped]
    ids = {r.child_id for r in tracked}
    reasons: dict[str, list[tuple[Reason, str]]] = defaultdict(list)
    _from_records(tracked, panel.date, since, reasons)
    _from_rules(evaluation, ids, panel.date, until, reasons)
    _from_ledger(ledger, panel, ids, reasons)
    _drift(tracked, evaluation, panel.date, thresholds, reasons)
    groups = sibling_groups(tracked)
    for child in sorted(reasons):
        together = [c for c in groups.get(child, ()) if c != child]
        for sibling in together:
            if sibling not in reasons or all(kind is Reason.SIBLING for kind, _text in reasons[sibling]):
                reasons[sibling].append((Reason.SIBLING, f"Sibling of {child}, planned together"))
    for on_panel in panel_children(ledger, panel):
        if on_panel.recorded and on_panel.child_id not in reasons:
            reasons[on_panel.child_id].append((Reason.DISCUSSED, "Discussed at the panel"))
    entries = [
        AgendaEntry(child_id=child, group=min(groups.get(child, (child,))), reasons=items)
        for child, items in reasons.items()
    ]
    entries.sort(key=lambda e: (e.group, e.child_id))
    return Agenda(panel=panel, since=since, until=until, entries=entries, ended=ended, procedure=settings.procedure)


def _from_records(
    tracked: Sequence[CaseRecord], panel_date: dt.date, since: dt.date, reasons: dict[str, list[tuple[Reason, str]]]
) -> None:
    """A panel the case system records for the child that day, and new entrants since the previous panel."""
    for record in tracked:
        if any(m.kind is MeetingKind.TRACKING_PANEL and m.date == panel_date for m in record.meetings):
            reasons[record.child_id].append((Reason.DUE, "Scheduled for this panel"))
        period = record.latest_period(panel_date)
        if period is not None and since < period.start <= panel_date:
            reasons[record.child_id].append(
                (Reason.NEW_ENTRANT, f"New to care: looked after since {date_text(period.start)}")
            )


def _from_rules(
    evaluation: Evaluation,
    ids: set[str],
    panel_date: dt.date,
    until: dt.date,
    reasons: dict[str, list[tuple[Reason, str]]],
) -> None:
    """The panel's business among the timescales: those due before the next panel, and those overdue."""
    settings = evaluation.profile.panel
    for o in sorted(evaluation.obligations, key=lambda o: (o.due_date or dt.date.max, o.rule)):
        if (
            o.child_id not in ids
            or o.state is not ObligationState.OPEN
            or o.due_date is None
            or not settings.is_business(o.rule)
        ):
            continue
        title = o.title or o.rule
        if o.due_date < panel_date:
            reasons[o.child_id].append((Reason.OVERDUE_OBLIGATION, f"Overdue since {date_text(o.due_date)}: {title}"))
        elif o.due_date < until:
            reasons[o.child_id].append((Reason.DUE, f"Due {date_text(o.due_date)}: {title}"))


def _from_ledger(ledger: Ledger, panel: Panel, ids: set[str], reasons: dict[str, list[tuple[Reason, str]]]) -> None:
    """Overdue actions, actions carried through panels, and actions carried forward to this panel."""
    for child, actions in ledger.open_actions(panel.date, ids).items():
        overdue = sorted((a for a in actions if a.is_overdue_on(panel.date)), key=lambda a: a.due_date or dt.date.max)
        oldest_due = overdue[0].due_date if overdue else None
        if oldest_due is not None:
            late = (panel.date - oldest_due).days
            reasons[child].append(
                (
                    Reason.OVERDUE_ACTIONS,
                    f"{len(overdue)} overdue action{'s' if len(overdue) > 1 else ''}, "
                    f"the oldest {late} days late (due {date_text(oldest_due)})",
                )
            )
        for action in actions:
            if action.times_carried >= DRIFT_CARRIES:
                reasons[child].append(
                    (
                        Reason.DRIFT,
                        f"Drift: an action due {date_text(action.due_date)} carried through "
                        f"{action.times_carried} panels",
                    )
                )
        carried = [a for a in actions if a.meeting_id == panel.panel_id and a.carried_from]
        if carried:
            reasons[child].append((Reason.CARRIED, f"{len(carried)} action(s) carried forward to this panel"))


def _drift(
    tracked: Sequence[CaseRecord],
    evaluation: Evaluation,
    panel_date: dt.date,
    thresholds: DriftThresholds | None,
    reasons: dict[str, list[tuple[Reason, str]]],
) -> None:
    """The tracker report's drift signals; overdue actions are left to the ledger, which also holds the panel's."""
    report = build_report(tracked, evaluation)
    profile = evaluation.profile
    thresholds = thresholds or DriftThresholds(action_working_days=profile.panel.drift_working_days)
    for flag in assess_drift(report.rows, panel_date, thresholds, calendar_for(profile)).flags:
        if flag.signal is not Signal.ACTIONS_OVERDUE:
            reasons[flag.child_id].append((Reason.DRIFT, f"Drift: {flag.signal.label} ({dates_in_words(flag.detail)})"))


def sibling_groups(records: Iterable[CaseRecord]) -> dict[str, tuple[str, ...]]:
    """Each child's sibling group: the children linked by concurrent permanence planning, among ``records``."""
    known = {r.child_id: r for r in records}
    parent = {child: child for child in known}

    def root(child: str) -> str:
        while parent[child] != child:
            parent[child] = parent[parent[child]]
            child = parent[child]
        return child

    for record in known.values():
        for sibling in record.siblings:
            if sibling.in_concurrent_planning and sibling.child_id in known:
                first, second = sorted((root(record.child_id), root(sibling.child_id)))
                parent[second] = first
    members: dict[str, list[str]] = defaultdict(list)
    for child in sorted(known):
        members[root(child)].append(child)
    return {child: tuple(group) for group in members.values() for child in group}


def save_agenda(ledger: Ledger, agenda: Agenda) -> bool:
    """Store the agenda as the panel's children (outcomes already recorded are kept); False once the panel is held.

    A held panel's agenda is its record, so it is not rewritten.
    """
    links, meetings = schema.meeting_children, schema.meetings
    with ledger.transaction() as conn:
        status = conn.execute(
            sa.select(meetings.c.status).where(meetings.c.meeting_id == agenda.panel.panel_id)
        ).scalar()
        if status != MeetingStatus.SCHEDULED:
            return False
        recorded = {
            row.child_id
            for row in conn.execute(
                sa.select(links.c.child_id).where(
                    links.c.meeting_id == agenda.panel.panel_id, links.c.recorded_at.is_not(None)
                )
            )
        }
        conn.execute(links.delete().where(links.c.meeting_id == agenda.panel.panel_id, links.c.recorded_at.is_(None)))
        for position, entry in enumerate(agenda.entries, start=1):
            values = {
                "position": position,
                "group_key": entry.group,
                "reasons": "\n".join(text for _kind, text in entry.reasons),
            }
            if entry.child_id in recorded:
                conn.execute(
                    links.update()
                    .where(links.c.meeting_id == agenda.panel.panel_id, links.c.child_id == entry.child_id)
                    .values(**values)
                )
            else:
                conn.execute(links.insert().values(meeting_id=agenda.panel.panel_id, child_id=entry.child_id, **values))
    return True


def agenda_pack(ledger: Ledger, agenda: Agenda, records: Sequence[CaseRecord], evaluation: Evaluation) -> PanelPack:
    """The panel pack for ``agenda``: the agenda (one row a child with every reason) and a page per child in the
    same order, each with its timescales, alerts, and every open action from every earlier meeting."""
    panel_date = agenda.panel.date
    by_id = {r.child_id: r for r in records}
    on_agenda = [e for e in agenda.entries if e.child_id in by_id]
    wanted = {e.child_id for e in on_agenda}
    open_actions = ledger.open_actions(panel_date, wanted)
    kinds = {m.meeting_id: m.kind for m in ledger.meetings()}
    obligations: dict[str, list[Obligation]] = defaultdict(list)
    alerts: dict[str, list[Alert]] = defaultdict(list)
    # Grouped once: scanning the evaluation per child would be quadratic over a cohort.
    for obligation in evaluation.obligations:
        if obligation.child_id in wanted and obligation.state is ObligationState.OPEN:
            obligations[obligation.child_id].append(obligation)
    for alert in evaluation.alerts:
        if alert.child_id in wanted:
            alerts[alert.child_id].append(alert)
    items, pages = [], []
    for entry in on_agenda:
        child = entry.child_id
        texts = tuple(dict.fromkeys(text for _kind, text in entry.reasons))
        items.append(AgendaItem(child_id=child, name=by_id[child].child.display_name, reasons=texts))
        actions = sorted(
            (
                MeetingAction(
                    action=a.to_action(),
                    meeting_id=a.meeting_id,
                    meeting_kind=_kind(kinds.get(a.meeting_id)),
                    meeting_date=a.meeting_date,
                )
                for a in open_actions.get(child, [])
            ),
            key=lambda a: (a.meeting_date, a.action.due_date or dt.date.max),
        )
        pages.append(
            ChildPage(
                record=by_id[child],
                reasons=texts,
                obligations=sorted(obligations[child], key=lambda o: (o.due_date or dt.date.max, o.rule)),
                alerts=sorted(alerts[child], key=lambda a: (a.due_date, a.rule)),
                open_actions=actions,
            )
        )
    return PanelPack(
        panel_date=panel_date,
        since=agenda.since,
        until=agenda.until,
        agenda=items,
        pages=pages,
        procedure=agenda.procedure,
    )


def _kind(value: str | None) -> MeetingKind | None:
    try:
        return MeetingKind(value) if value else None
    except ValueError:
        return None


__all__ = [
    "DRIFT_CARRIES",
    "Agenda",
    "AgendaEntry",
    "Reason",
    "agenda_pack",
    "build_agenda",
    "save_agenda",
    "sibling_groups",
]
