"""The cohort charts as SVG: horizontal bars of counts, and time to permanence by route (median and range)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
from lxml import etree
from markupsafe import Markup

from permanence_core.documents.formatting import route_text
from permanence_core.tracker.cohort import CohortFigures, PlanBySecondReview, ProceedingsOutcome, RouteTimes
from permanence_core.tracker.drift import DriftReport
from permanence_core.tracker.svg import E, drawing, number, with_title

WIDTH = 640
LABEL_WIDTH = 230
BAR_LEFT = LABEL_WIDTH + 10
BAR_SPACE = WIDTH - BAR_LEFT - 150
ROW = 26
TOP = 30
GOOD = "#1b7f3b"
LATE = "#c45f00"
EXTENDED = "#e0a000"
BAD = "#b3261e"
NEUTRAL = "#5b8db8"
GREY = "#8a8a8a"


@attrs.frozen
class Bar:
    """One bar: its label, the count it shows and its colour."""

    label: str
    value: int
    colour: str


PLAN_COLOURS = {
    PlanBySecondReview.ON_TIME: GOOD,
    PlanBySecondReview.LATE: LATE,
    PlanBySecondReview.OVERDUE: BAD,
    PlanBySecondReview.NOT_YET_DUE: NEUTRAL,
    PlanBySecondReview.NOT_ASSESSABLE: GREY,
}
PROCEEDINGS_COLOURS = {
    ProceedingsOutcome.WITHIN_26: GOOD,
    ProceedingsOutcome.WITHIN_EXTENSION: EXTENDED,
    ProceedingsOutcome.LATE: BAD,
    ProceedingsOutcome.LIVE_WITHIN_26: NEUTRAL,
    ProceedingsOutcome.LIVE_BEYOND_26: BAD,
}


def cohort_charts(figures: CohortFigures, drift: DriftReport) -> dict[str, Markup]:
    """The tracker's charts by name: ``time_to_permanence``, ``plan_by_second_review``, ``proceedings``, ``drift``."""
    plans = figures.plan_by_second_review
    proceedings = figures.proceedings
    return {
        "time_to_permanence": route_chart(
            "Time to permanence by route (days looked after)", figures.time_to_permanence
        ),
        "plan_by_second_review": bar_chart(
            f"Permanence plan by the second review ({sum(plans.values())} children)",
            [Bar(state.value, count, PLAN_COLOURS[state]) for state, count in plans.items()],
        ),
        "proceedings": bar_chart(
            f"Care proceedings and the 26 weeks ({sum(proceedings.values())} children)",
            [Bar(outcome.value, count, PROCEEDINGS_COLOURS[outcome]) for outcome, count in proceedings.items()],
        ),
        "drift": bar_chart(
            f"Drift signals ({drift.children_flagged} of {drift.assessed} looked-after children)",
            [Bar(signal.label, count, BAD if count else GREY) for signal, count in drift.totals().items()],
            of=drift.assessed,
        ),
    }


def bar_chart(title: str, bars: Sequence[Bar], of: int | None = None) -> Markup:
    """Horizontal bars, each labelled with its count and its share of ``of`` (default: the bars' total)."""
    total = sum(bar.value for bar in bars) if of is None else of
    longest = max((bar.value for bar in bars), default=0) or 1
    parts: list[etree._Element] = [E.text(title, x="0", y="16", **{"class": "chart-title"})]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        share = f"{bar.value / total:.0%}" if total else "–"
        parts.append(E.text(bar.label, x=number(LABEL_WIDTH), y=number(y + 14), **{"text-anchor": "end"}))
        width = bar.value / longest * BAR_SPACE
        rect = E.rect(
            x=number(BAR_LEFT),
            y=number(y + 3),
            width=number(max(width, 1)),
            height="16",
            fill=bar.colour,
            **{"class": "bar"},
        )
        parts.append(with_title(rect, f"{bar.label}: {bar.value} ({share})"))
        parts.append(E.text(f"{bar.value} ({share})", x=number(BAR_LEFT + width + 6), y=number(y + 14)))
    return drawing(WIDTH, TOP + len(bars) * ROW + 6, title, parts, "chart")


def route_chart(title: str, routes: Sequence[RouteTimes]) -> Markup:
    """Per route: a bar to the median, a whisker from the shortest to the longest, each child a tick."""
    ticks = nice_ticks(max((max(r.days) for r in routes), default=0))
    longest = ticks[-1]

    def at(days: float) -> float:
        return BAR_LEFT + days / longest * BAR_SPACE

    parts: list[etree._Element] = [E.text(title, x="0", y="16", **{"class": "chart-title"})]
    if not routes:
        parts.append(E.text("No child in this cohort has reached permanence yet.", x="0", y=number(TOP + 14)))
    for index, times in enumerate(routes):
        y = TOP + index * ROW
        middle = y + 11
        label = route_text(times.route)
        summary = f"median {times.median:.0f} (n={len(times.days)})"
        parts.append(E.text(label, x=number(LABEL_WIDTH), y=number(y + 14), **{"text-anchor": "end"}))
        bar = E.rect(
            x=number(BAR_LEFT),
            y=number(y + 5),
            width=number(max(at(times.median) - BAR_LEFT, 1)),
            height="12",
            fill=NEUTRAL,
            **{"class": "bar"},
        )
        detail = f"{label}: {summary}, shortest {min(times.days)}, longest {max(times.days)} days"
        parts.append(with_title(bar, detail))
        parts.append(
            E.line(
                x1=number(at(min(times.days))),
                y1=number(middle),
                x2=number(at(max(times.days))),
                y2=number(middle),
                stroke="#1f1f1f",
                **{"class": "range"},
            )
        )
        for days in times.days:
            parts.append(
                E.line(
                    x1=number(at(days)),
                    y1=number(middle - 5),
                    x2=number(at(days)),
                    y2=number(middle + 5),
                    stroke="#1f1f1f",
                    **{"class": "child"},
                )
            )
        parts.append(E.text(summary, x=number(BAR_LEFT + BAR_SPACE + 8), y=number(y + 14)))
    bottom = TOP + max(len(routes), 1) * ROW
    if routes:
        parts += _scale_axis(bottom, ticks, at)
    return drawing(WIDTH, bottom + (24 if routes else 6), title, parts, "chart")


def nice_ticks(longest: int) -> list[int]:
    """Round axis ticks from 0 to just past ``longest``: a step of 1, 2 or 5 times a power of ten, at most five."""
    longest = max(longest, 1)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            count = -(-longest // step)
            if count <= 5:
                return list(range(0, count * step + 1, step))
        magnitude *= 10


def _scale_axis(y: float, ticks: Sequence[int], at: Callable[[float], float]) -> list[etree._Element]:
    """A day scale under the route chart, at round numbers of days."""
    longest = ticks[-1]
    parts = [E.line(x1=number(at(0)), y1=number(y), x2=number(at(longest)), y2=number(y), stroke="#595959")]
    for days in ticks:
        parts.append(E.line(x1=number(at(days)), y1=number(y), x2=number(at(days)), y2=number(y + 4), stroke="#595959"))
        label = f"{days} days" if days == longest else str(days)
        parts.append(E.text(label, x=number(at(days)), y=number(y + 16), **{"text-anchor": "middle", "class": "tick"}))
    return parts
