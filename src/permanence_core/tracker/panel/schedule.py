"""The panel's schedule: a monthly tracking panel in the ledger, its dates, and the next one on a working day.

Seed 002: the panel meets monthly, referrals reach business support three days before it and minutes are
due within three working days. The council's profile (``[panel]``) says on which day of the month it meets.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import attrs
import sqlalchemy as sa

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.errors import InputError, Location
from permanence_core.model import MeetingKind
from permanence_core.rules.profile import WEEKDAYS, PanelSettings
from permanence_core.tracker import schema
from permanence_core.tracker.entries import MeetingEntry
from permanence_core.tracker.ledger import Ledger, utc_now
from permanence_core.tracker.schema import MeetingStatus, Origin

KIND = MeetingKind.TRACKING_PANEL
#: Seed 000: the pro-forma reaches business support at least 3 working days before the meeting.
REFERRAL_WORKING_DAYS = 3
#: Seed 002: the minutes are available within three working days.
MINUTES_WORKING_DAYS = 3


class PanelError(InputError):
    """A panel operation that cannot be done; the message names the panel, child or action and why."""


@attrs.frozen(kw_only=True)
class Panel:
    """A tracking panel held in the ledger, with the dates business support works to."""

    panel_id: str
    date: dt.date
    status: MeetingStatus = attrs.field(converter=MeetingStatus)
    chair: str | None = None
    referral_deadline: dt.date | None = None
    minutes_due: dt.date | None = None
    minutes_issued_on: dt.date | None = None

    @classmethod
    def from_entry(cls, entry: MeetingEntry) -> Panel:
        """The panel a ledger meeting row describes."""
        return cls(
            panel_id=entry.meeting_id,
            date=entry.date,
            status=entry.status,
            chair=entry.chair,
            referral_deadline=entry.referral_deadline,
            minutes_due=entry.minutes_due,
            minutes_issued_on=entry.minutes_issued_on,
        )

    def to_dict(self) -> dict[str, str | None]:
        """The JSON form."""
        return {
            "panel_id": self.panel_id,
            "date": self.date.isoformat(),
            "status": self.status.value,
            "chair": self.chair,
            "referral_deadline": _iso(self.referral_deadline),
            "minutes_due": _iso(self.minutes_due),
            "minutes_issued_on": _iso(self.minutes_issued_on),
        }


def panel_id_for(day: dt.date) -> str:
    """The ledger id of the panel on ``day`` (one panel a day)."""
    return f"panel-{day.isoformat()}"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def schedule(
    ledger: Ledger,
    day: dt.date,
    *,
    chair: str | None = None,
    calendar: WorkingCalendar | None = None,
    settings: PanelSettings | None = None,
    now: dt.datetime | None = None,
) -> Panel:
    """Schedule the panel on ``day``: referrals due and minutes due the profile's working days (3 and 3)
    before and after it."""
    calendar = calendar or WorkingCalendar()
    settings = settings or PanelSettings()
    at = now or utc_now()
    panel = Panel(
        panel_id=panel_id_for(day),
        date=day,
        status=MeetingStatus.SCHEDULED,
        chair=chair,
        referral_deadline=calendar.subtract_working_days(day, settings.referral_working_days),
        minutes_due=calendar.add_working_days(day, settings.minutes_working_days),
    )
    meetings = schema.meetings
    with ledger.transaction() as conn:
        # Under the writer lock, so two runs scheduling the same day cannot both find it free.
        taken = conn.execute(sa.select(meetings.c.meeting_id).where(meetings.c.meeting_id == panel.panel_id)).first()
        if taken is not None:
            raise PanelError(Location(source="ledger", element=panel.panel_id), "a panel is already scheduled that day")
        conn.execute(
            meetings.insert().values(
                meeting_id=panel.panel_id,
                kind=KIND.value,
                date=day,
                status=panel.status.value,
                origin=Origin.LEDGER.value,
                chair=chair,
                referral_deadline=panel.referral_deadline,
                minutes_due=panel.minutes_due,
                created_at=at,
                updated_at=at,
            )
        )
    return panel


def cancel(ledger: Ledger, panel: Panel, *, now: dt.datetime | None = None) -> Panel:
    """Call the panel off: it leaves the schedule (agendas and carry-forward skip it); a held panel cannot be."""
    meetings = schema.meetings
    with ledger.transaction() as conn:
        status = conn.execute(sa.select(meetings.c.status).where(meetings.c.meeting_id == panel.panel_id)).scalar()
        if status == MeetingStatus.HELD:
            raise PanelError(Location(source="ledger", element=panel.panel_id), "was held: its outcomes are recorded")
        conn.execute(
            meetings.update()
            .where(meetings.c.meeting_id == panel.panel_id)
            .values(status=MeetingStatus.CANCELLED.value, updated_at=now or utc_now())
        )
    return attrs.evolve(panel, status=MeetingStatus.CANCELLED)


def panels(ledger: Ledger) -> list[Panel]:
    """Every panel held in the ledger, in date order (tracking meetings read from a case system are not panels)."""
    return [
        Panel.from_entry(entry)
        for entry in ledger.meetings(kind=KIND.value, origin=Origin.LEDGER.value)
        if entry.meeting_id.startswith("panel-")
    ]


def find_panel(
    ledger: Ledger,
    reference: str | dt.date | None = None,
    *,
    today: dt.date | None = None,
    upcoming: bool = True,
) -> Panel:
    """A panel by id or date; without one, the next panel on or after ``today`` (``upcoming``) or the latest
    on or before it (for recording outcomes and writing minutes after the panel)."""
    known = panels(ledger)
    if reference is None:
        day = today or dt.date.today()
        live = [p for p in known if p.status is not MeetingStatus.CANCELLED]
        found = [p for p in live if p.date >= day] if upcoming else [p for p in reversed(live) if p.date <= day]
        if not found:
            side = "on or after" if upcoming else "on or before"
            raise PanelError(Location(source="ledger"), f"no panel is scheduled {side} {day.isoformat()}")
        return found[0]
    if isinstance(reference, str):
        # A panel is named by its id or by its date: "panel-2025-03-13" or "2025-03-13".
        with contextlib.suppress(ValueError):
            reference = dt.date.fromisoformat(reference)
    wanted = panel_id_for(reference) if isinstance(reference, dt.date) else reference
    for panel in known:
        if panel.panel_id == wanted:
            return panel
    listed = ", ".join(p.panel_id for p in known[-5:]) or "none scheduled"
    raise PanelError(Location(source="ledger", element=wanted), f"no such panel (latest: {listed})")


def neighbours(ledger: Ledger, panel: Panel) -> tuple[Panel | None, Panel | None]:
    """The panels before and after ``panel`` (cancelled ones skipped)."""
    known = [p for p in panels(ledger) if p.status is not MeetingStatus.CANCELLED]
    before = [p for p in known if p.date < panel.date]
    after = [p for p in known if p.date > panel.date]
    return (before[-1] if before else None, after[0] if after else None)


def next_panel_date(after: dt.date, settings: PanelSettings, calendar: WorkingCalendar, *, months: int = 1) -> dt.date:
    """The panel ``months`` after the one on ``after`` (-1: the one before), on a working day.

    With ``weekday`` in the profile the panel falls on that day of the month (the first Thursday, the last
    Tuesday); without, a calendar month on. A day that is not a working day moves to the next one.
    """
    month = add_months(after.replace(day=1), months)
    if settings.weekday is None:
        day = add_months(after, months)
    else:
        wanted = WEEKDAYS.index(settings.weekday)
        if settings.week > 0:
            first = month + dt.timedelta(days=(wanted - month.weekday()) % 7)
            day = first + dt.timedelta(weeks=settings.week - 1)
        else:
            last = add_months(month, 1) - dt.timedelta(days=1)
            day = last - dt.timedelta(days=(last.weekday() - wanted) % 7)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day
