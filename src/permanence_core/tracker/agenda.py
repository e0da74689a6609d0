"""The panel's agenda: who comes to the tracking panel and why, sibling groups together, and the pack built on it."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from permanence_core.calendar import add_months
from permanence_core.documents import AgendaItem, ChildPage, PanelPack, build_panel_pack
from permanence_core.model import CaseRecord
from permanence_core.model._validators import to_tuple
from permanence_core.rules import Alert, Evaluation, Obligation, ObligationState
from permanence_core.tracker import schema
from permanence_core.tracker.drift import DriftThresholds, Signal, assess_drift
from permanence_core.tracker.ledger import Ledger
from permanence_core.tracker.panel import Decision, Panel, latest_decisions, neighbours, panel_children
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


#: Which list of the pack's agenda each reason goes in: children due (1) or with something overdue (3).
_DUE_LIST = frozenset({Reason.DUE, Reason.CARRIED, Reason.SIBLING, Reason.DISCUSSED})
_OVERDUE_LIST = frozenset({Reason.OVERDUE_ACTIONS, Reason.DRIFT})


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
    whose tracking the panel ended (permanence secured); ``pack`` is the documents builder's view."""

    panel: Panel
    since: dt.date
    until: dt.date
    entries: tuple[AgendaEntry, ...] = attrs.field(converter=to_tuple)
    ended: tuple[str, ...] = attrs.field(converter=to_tuple)
    pack: PanelPack

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

    A child looked after on the panel date is on the agenda when an obligation falls due before the next
    panel, it came into care since the previous one, an obligation is overdue, an action is overdue, its case
    shows drift (the tracker's signals, or an action carried through two panels), actions were carried
    forward to this panel, or its outcome here is already recorded. Siblings planned together join each
    other, and each sibling group sits together. A child whose permanence the panel recorded as secured is
    no longer tracked. Panels default to a month apart when the ledger holds no previous or next one.
    """
    previous, following = neighbours(ledger, panel)
    since = previous.date if previous else add_months(panel.date, -1)
    until = following.date if following else add_months(panel.date, 1)
    ended = sorted(child for child, d in latest_decisions(ledger, panel.date).items() if d is Decision.SECURED)
    stopped = set(ended)
    tracked = [r for r in records if r.period_on(panel.date) is not None and r.child_id not in stopped]
    ids = {r.child_id for r in tracked}
    pack = build_panel_pack(
        tracked,
        [a for a in evaluation.alerts if a.child_id in ids],
        panel.date,
        obligations=[o for o in evaluation.obligations if o.child_id in ids],
        previous_panel=since,
        next_panel=until,
    )
    reasons: dict[str, list[tuple[Reason, str]]] = defaultdict(list)
    for item in pack.due:
        reasons[item.child_id].append((Reason.DUE, _dated(item)))
    for item in pack.new_entrants:
        reasons[item.child_id].append((Reason.NEW_ENTRANT, _dated(item)))
    for item in pack.overdue:
        reasons[item.child_id].append((Reason.OVERDUE_OBLIGATION, item.reason))
    _obligations_due(evaluation, ids, panel.date, until, reasons)
    _from_ledger(ledger, panel, ids, reasons)
    _drift(tracked, evaluation, panel.date, thresholds, reasons)
    groups = sibling_groups(tracked)
    for child in sorted(reasons):
        together = [c for c in groups.get(child, ()) if c != child]
        for sibling in together:
            if sibling not in reasons or all(kind is Reason.SIBLING for kind, _text in reasons[sibling]):
                reasons[sibling].append((Reason.SIBLING, f"Sibling of {child}, planned together"))
    for member in panel_children(ledger, panel):
        if member.recorded and member.child_id not in reasons:
            reasons[member.child_id].append((Reason.DISCUSSED, "Discussed at the panel"))
    entries = [
        AgendaEntry(child_id=child, group=min(groups.get(child, (child,))), reasons=items)
        for child, items in reasons.items()
    ]
    entries.sort(key=lambda e: (e.group, e.child_id))
    return Agenda(panel=panel, since=since, until=until, entries=entries, ended=ended, pack=pack)


def _dated(item: AgendaItem) -> str:
    return f"{item.reason} ({item.date.isoformat()})" if item.date else item.reason


def _obligations_due(
    evaluation: Evaluation,
    ids: set[str],
    panel_date: dt.date,
    until: dt.date,
    reasons: dict[str, list[tuple[Reason, str]]],
) -> None:
    """Obligations that fall due before the next panel but are not yet inside their warning window."""
    alerted = {(a.child_id, a.rule, a.anchor_date) for a in evaluation.alerts}
    for o in sorted(evaluation.obligations, key=lambda o: (o.due_date or dt.date.max, o.rule)):
        if (
            o.child_id in ids
            and o.state is ObligationState.OPEN
            and o.due_date is not None
            and panel_date <= o.due_date < until
            and (o.child_id, o.rule, o.anchor_date) not in alerted
        ):
            reasons[o.child_id].append((Reason.DUE, f"Due: {o.title or o.rule} ({o.due_date.isoformat()})"))


def _from_ledger(ledger: Ledger, panel: Panel, ids: set[str], reasons: dict[str, list[tuple[Reason, str]]]) -> None:
    """Overdue actions, actions carried through panels, and actions carried forward to this panel."""
    for child, actions in ledger.open_actions(panel.date, ids).items():
        overdue = sorted(
            ((a.due_date, a.action_id) for a in actions if a.due_date is not None and a.is_overdue_on(panel.date)),
            key=lambda pair: pair[0],
        )
        if overdue:
            oldest_due, oldest = overdue[0]
            reasons[child].append(
                (
                    Reason.OVERDUE_ACTIONS,
                    f"{len(overdue)} overdue action(s); oldest {oldest} due {oldest_due.isoformat()}",
                )
            )
        for action in actions:
            if action.times_carried >= DRIFT_CARRIES:
                reasons[child].append(
                    (Reason.DRIFT, f"Drift: action {action.action_id} carried through {action.times_carried} panels")
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
    for flag in assess_drift(report.rows, panel_date, thresholds).flags:
        if flag.signal is not Signal.ACTIONS_OVERDUE:
            reasons[flag.child_id].append((Reason.DRIFT, f"Drift: {flag.signal.label} ({flag.detail})"))


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
    """The panel pack for ``agenda``: the documents builder's pack, widened to every child on the agenda,
    pages in agenda order (sibling groups together) and each page's open actions taken from the ledger."""
    base = agenda.pack
    panel_date = agenda.panel.date
    by_id = {r.child_id: r for r in records}
    built = {page.record.child_id: page for page in base.pages}
    on_agenda = [e for e in agenda.entries if e.child_id in by_id]
    open_actions = ledger.open_actions(panel_date, [e.child_id for e in on_agenda])
    obligations: dict[str, list[Obligation]] = defaultdict(list)
    alerts: dict[str, list[Alert]] = defaultdict(list)
    if any(entry.child_id not in built for entry in on_agenda):
        # Grouped once: scanning the evaluation per child would be quadratic over a cohort.
        for obligation in evaluation.obligations:
            obligations[obligation.child_id].append(obligation)
        for alert in evaluation.alerts:
            alerts[alert.child_id].append(alert)
    pages = []
    for entry in on_agenda:
        child = entry.child_id
        page = built.get(child) or _page(by_id[child], obligations[child], alerts[child])
        actions = tuple(a.to_action() for a in open_actions.get(entry.child_id, []))
        pages.append(attrs.evolve(page, open_actions=actions))
    # The builder's own reasons are already in its lists; only what the agenda adds goes in.
    shown = {(i.child_id, _dated(i)) for i in (*base.due, *base.new_entrants)} | {
        (i.child_id, i.reason) for i in base.overdue
    }
    due = _widened(base.due, on_agenda, by_id, _DUE_LIST, shown)
    overdue = _widened(base.overdue, on_agenda, by_id, _OVERDUE_LIST, shown)
    return attrs.evolve(base, due=due, overdue=overdue, pages=pages)


def _page(record: CaseRecord, obligations: Sequence[Obligation], alerts: Sequence[Alert]) -> ChildPage:
    """A page for a child the builder did not list (as it builds them: timescales that apply, alerts by date)."""
    return ChildPage(
        record=record,
        obligations=sorted(
            (o for o in obligations if o.state is not ObligationState.NOT_ASSESSABLE),
            key=lambda o: (o.due_date or dt.date.max, o.rule),
        ),
        alerts=sorted(alerts, key=lambda a: (a.due_date, a.rule)),
    )


def _widened(
    items: tuple[AgendaItem, ...],
    entries: Sequence[AgendaEntry],
    by_id: dict[str, CaseRecord],
    kinds: frozenset[Reason],
    shown: set[tuple[str, str]],
) -> tuple[AgendaItem, ...]:
    """The builder's list with the agenda's other reasons of ``kinds`` added (to a child's item, or as a new one)."""
    extra = {
        e.child_id: "; ".join(text for kind, text in e.reasons if kind in kinds and (e.child_id, text) not in shown)
        for e in entries
    }
    listed = {item.child_id for item in items}
    widened = [
        attrs.evolve(item, reason=f"{item.reason}; {extra[item.child_id]}") if extra.get(item.child_id) else item
        for item in items
    ]
    widened += [
        AgendaItem(child_id=child, name=by_id[child].child.display_name, reason=text)
        for child, text in extra.items()
        if text and child not in listed
    ]
    return tuple(widened)


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
