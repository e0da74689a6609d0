"""Care proceedings as the generator plans them: issue, hearings, 26 weeks plus extensions, final hearing."""

from __future__ import annotations

import datetime as dt

import attrs

from permanence_core.model import CareProceedings, Extension, Hearing, HearingKind
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import court_reference

#: s.32(1)(a)(ii): 26 weeks *beginning with* the issue day, so the last day is issue + 181 days.
LAST_DAY = 181


def weekday_on_or_after(day: dt.date) -> dt.date:
    """Courts sit on weekdays: move a weekend day to the Monday."""
    return day + dt.timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def weekday_on_or_before(day: dt.date) -> dt.date:
    """Move a weekend day back to the Friday."""
    return day - dt.timedelta(days=day.weekday() - 4) if day.weekday() >= 5 else day


@attrs.frozen(kw_only=True)
class Proceedings:
    """One set of proceedings, shared by the siblings it concerns; each child gets its own final order."""

    issue: dt.date
    court_reference: str
    cmh: dt.date
    further_cmh: dt.date | None
    irh: dt.date
    final: dt.date
    extensions: tuple[tuple[dt.date, int], ...]

    def as_of(self, day: dt.date, outcome: str | None) -> CareProceedings | None:
        """The proceedings as known on ``day``: later hearings and extensions unknown, no order before the final."""
        if self.issue > day:
            return None
        hearings = [
            Hearing(date=date, kind=kind)
            for date, kind in (
                (self.cmh, HearingKind.CMH),
                (self.further_cmh, HearingKind.FURTHER_CMH),
                (self.irh, HearingKind.IRH),
                (self.final, HearingKind.FINAL),
            )
            if date is not None and date <= day
        ]
        concluded = self.final <= day
        return CareProceedings(
            issue_date=self.issue,
            court_reference=self.court_reference,
            hearings=hearings,
            extensions=[Extension(granted_on=g, weeks=w) for g, w in self.extensions if g <= day],
            outcome=outcome if concluded else None,
            concluded_on=self.final if concluded else None,
        )


def plan_proceedings(dice: Dice, issue: dt.date) -> Proceedings:
    """Proceedings issued on ``issue``: about a third end inside 26 weeks, the rest after 8-week extensions
    (national averages run well past 26 weeks)."""
    cmh_day = dice.pick({11: 60, dice.between(12, 17): 30, dice.between(18, 30): 10})
    cmh = weekday_on_or_after(issue + dt.timedelta(days=cmh_day))
    further = weekday_on_or_after(cmh + dice.days(14, 28)) if dice.chance(0.2) else None
    deadline = issue + dt.timedelta(days=LAST_DAY)
    extensions: list[tuple[dt.date, int]] = []
    if dice.chance(0.35):
        final = weekday_on_or_before(issue + dice.days(120, LAST_DAY))
    else:
        for _ in range(dice.pick({1: 55, 2: 30, 3: 15})):
            granted = weekday_on_or_before(deadline - dice.days(1, 20))
            weeks = 8 if dice.chance(0.8) else dice.between(4, 7)
            extensions.append((granted, weeks))
            deadline += dt.timedelta(weeks=weeks)
        # The final hearing falls inside the last extension.
        _, weeks = extensions[-1]
        final = weekday_on_or_before(deadline - dt.timedelta(weeks=weeks) + dice.days(3, weeks * 7))
    irh = weekday_on_or_before(final - dice.days(21, 42))
    return Proceedings(
        issue=issue,
        court_reference=court_reference(dice.rng, issue.year),
        cmh=cmh,
        further_cmh=further if further and further < irh else None,
        irh=max(irh, cmh + dt.timedelta(days=7)),
        final=final,
        extensions=tuple(extensions),
    )
