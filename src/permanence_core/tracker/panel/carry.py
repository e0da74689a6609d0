"""Carrying forward: every open action of a panel's children is copied to the next panel until it is done."""

from __future__ import annotations

import datetime as dt

import attrs
import sqlalchemy as sa

from permanence_core.errors import Location
from permanence_core.tracker import schema
from permanence_core.tracker.entries import ActionEntry
from permanence_core.tracker.ledger import Ledger, utc_now
from permanence_core.tracker.panel.outcomes import panel_children
from permanence_core.tracker.panel.schedule import Panel, PanelError, neighbours
from permanence_core.tracker.schema import ActionStatus, Origin


@attrs.frozen(kw_only=True)
class CarriedAction:
    """An open action copied to the next panel: where it was, its id there, how many panels it has been through."""

    child_id: str
    from_meeting: str
    from_action: str
    action_id: str
    times_carried: int


@attrs.frozen(kw_only=True)
class CarryForward:
    """What ``carry_forward`` did: the panel carried to, each action copied, and those copied by an earlier run."""

    to_panel: Panel
    carried: tuple[CarriedAction, ...]
    already: int


def carry_forward(
    ledger: Ledger, panel: Panel, to: Panel | None = None, *, now: dt.datetime | None = None
) -> CarryForward:
    """Copy each open action of the panel's children to the next panel (or ``to``), and mark it carried.

    The copy keeps the owner, due date and dependencies, and counts the panels it has been carried
    through. Running it again copies nothing twice: each action has at most one copy.
    """
    at = now or utc_now()
    target = to or neighbours(ledger, panel)[1]
    if target is None:
        raise PanelError(
            Location(source="ledger", element=panel.panel_id),
            "no later panel is scheduled: schedule the next panel first",
        )
    if target.date <= panel.date:
        raise PanelError(Location(source="ledger", element=target.panel_id), f"is not after {panel.panel_id}")
    table, links = schema.actions, schema.meeting_children
    children = [c.child_id for c in panel_children(ledger, panel)]
    carried: list[CarriedAction] = []
    already = 0
    with ledger.transaction() as conn:
        open_actions = ledger.open_actions(panel.date, children)
        taken = {
            row.action_id
            for row in conn.execute(sa.select(table.c.action_id).where(table.c.meeting_id == target.panel_id))
        }
        on_target = {
            row.child_id
            for row in conn.execute(sa.select(links.c.child_id).where(links.c.meeting_id == target.panel_id))
        }
        last = max(
            (
                row.position
                for row in conn.execute(sa.select(links.c.position).where(links.c.meeting_id == target.panel_id))
            ),
            default=0,
        )
        for child in children:
            entries = open_actions.get(child, [])
            if not entries:
                continue
            renamed: dict[str, str] = {}
            fresh: list[tuple[ActionEntry, str]] = []
            for entry in entries:
                if entry.meeting_id == target.panel_id:
                    already += 1
                    continue
                copy = conn.execute(
                    sa.select(table.c.action_id).where(
                        table.c.carried_from_meeting == entry.meeting_id,
                        table.c.carried_from_action == entry.action_id,
                        table.c.child_id == child,
                    )
                ).scalar()
                if copy is not None:
                    already += 1
                    renamed[entry.action_id] = copy
                    continue
                number = 1
                while f"{child}.{number}" in taken:
                    number += 1
                renamed[entry.action_id] = f"{child}.{number}"
                taken.add(renamed[entry.action_id])
                fresh.append((entry, renamed[entry.action_id]))
            for position, (entry, new_id) in enumerate(fresh, start=1):
                conn.execute(
                    table.insert().values(
                        meeting_id=target.panel_id,
                        action_id=new_id,
                        child_id=child,
                        position=position,
                        description=entry.description,
                        owner=entry.owner,
                        due_date=entry.due_date,
                        depends_on=",".join(renamed.get(d, d) for d in entry.depends_on),
                        status=ActionStatus.OPEN.value,
                        carried_from_meeting=entry.meeting_id,
                        carried_from_action=entry.action_id,
                        times_carried=entry.times_carried + 1,
                        origin=Origin.LEDGER.value,
                        created_at=at,
                        updated_at=at,
                    )
                )
                conn.execute(
                    table.update()
                    .where(table.c.meeting_id == entry.meeting_id, table.c.action_id == entry.action_id)
                    .values(status=ActionStatus.CARRIED.value, updated_at=at)
                )
                carried.append(
                    CarriedAction(
                        child_id=child,
                        from_meeting=entry.meeting_id,
                        from_action=entry.action_id,
                        action_id=new_id,
                        times_carried=entry.times_carried + 1,
                    )
                )
            if fresh and child not in on_target:
                last += 1
                on_target.add(child)
                conn.execute(
                    links.insert().values(
                        meeting_id=target.panel_id,
                        child_id=child,
                        position=last,
                        reasons=f"Actions carried forward from {panel.panel_id}",
                    )
                )
    return CarryForward(to_panel=target, carried=tuple(carried), already=already)
