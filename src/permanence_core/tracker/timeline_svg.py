"""A child's timeline as SVG: care and reviews, permanence meetings, the proceedings bar with its 26-week line,
the plan's decisions, and today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lxml import etree
from markupsafe import Markup

from permanence_core.tracker.report import EventKind, ProceedingsBar, Timeline, TimelineEvent
from permanence_core.tracker.svg import E, drawing, number, with_title

WIDTH = 1000
LABEL_WIDTH = 78
PLOT_LEFT = LABEL_WIDTH + 8
PLOT_RIGHT = WIDTH - 14
TOP = 16
LANE = 24
LANES = ("Care", "Meetings", "Court", "Plan")
HEIGHT = TOP + LANE * len(LANES) + 22
RED = "#b3261e"
GREEN = "#1b7f3b"
AMBER = "#e0a000"
BLUE = "#1f5fa8"
PROCEEDINGS = "#5b8db8"
LANE_FILLS = ("#f4f4f4", "#ffffff")
AXIS = "#595959"
GRID = "#d0d0d0"
INK = "#1f1f1f"


class _Marker:
    """How an event kind is drawn: lane, shape, colour and the words of its tooltip."""

    def __init__(self, lane: int, shape: str, colour: str, words: str, planned_words: str = "") -> None:
        self.lane = lane
        self.shape = shape
        self.colour = colour
        self.words = words
        self.planned_words = planned_words or words


MARKERS = {
    EventKind.CARE_START: _Marker(0, "bar", GREEN, "Became looked after"),
    EventKind.CARE_END: _Marker(0, "bar", "#1f1f1f", "Left care"),
    EventKind.REVIEW_HELD: _Marker(0, "circle", BLUE, "Review held"),
    EventKind.REVIEW_DUE: _Marker(0, "circle", BLUE, "Review due", "Review due"),
    EventKind.PPM: _Marker(1, "diamond", "#6b3fa0", "PPM held", "PPM scheduled"),
    EventKind.TRACKING_PANEL: _Marker(1, "square", "#c45f00", "Tracking panel held", "Tracking panel scheduled"),
    EventKind.MONITORING_GROUP: _Marker(1, "dot", "#6e6e6e", "Monitoring group held", "Monitoring group scheduled"),
    EventKind.PLAN_REVIEW: _Marker(1, "triangle-down", "#0f6e6e", "Plan review held", "Plan review scheduled"),
    EventKind.PLAN_DECIDED: _Marker(3, "triangle", GREEN, "Plan decided"),
    EventKind.PLAN_RATIFIED: _Marker(3, "check", GREEN, "Plan ratified at review"),
    EventKind.PERMANENCE_SECURED: _Marker(3, "star", "#a86b00", "Permanence secured"),
}

#: The outline of each polygon marker, around its centre.
SHAPE_POINTS: dict[str, tuple[tuple[float, float], ...]] = {
    "diamond": ((0, -6), (6, 0), (0, 6), (-6, 0)),
    "triangle": ((0, -6), (6, 5), (-6, 5)),
    "triangle-down": ((0, 6), (6, -5), (-6, -5)),
    "check": ((-6, 0), (-2, 5), (6, -6), (-2, 1)),
    "star": ((0, -7), (2, -2), (7, -2), (3, 1.5), (4.5, 7), (0, 3.5), (-4.5, 7), (-3, 1.5), (-7, -2), (-2, -2)),
}

#: The order of the legend, which is also the order a reader meets the markers in.
LEGEND = (
    (EventKind.CARE_START, False, False),
    (EventKind.REVIEW_HELD, False, False),
    (EventKind.REVIEW_DUE, True, False),
    (EventKind.REVIEW_DUE, True, True),
    (EventKind.PPM, False, False),
    (EventKind.TRACKING_PANEL, False, False),
    (EventKind.MONITORING_GROUP, False, False),
    (EventKind.PLAN_REVIEW, False, False),
    (EventKind.PLAN_DECIDED, False, False),
    (EventKind.PLAN_RATIFIED, False, False),
    (EventKind.PERMANENCE_SECURED, False, False),
)


def timeline_svg(timeline: Timeline, child_id: str) -> Markup:
    """The child's timeline as an inline ``<svg>``; every marker has a tooltip with its date."""
    scale = _scale(timeline.start, timeline.end)
    parts: list[etree._Element] = []
    for index, name in enumerate(LANES):
        y = _lane_top(index)
        fill = LANE_FILLS[index % 2]
        parts.append(
            E.rect(
                x=number(PLOT_LEFT), y=number(y), width=number(PLOT_RIGHT - PLOT_LEFT), height=number(LANE), fill=fill
            )
        )
        parts.append(
            E.text(name, x=number(LABEL_WIDTH), y=number(y + LANE / 2 + 4), **{"text-anchor": "end", "class": "lane"})
        )
    parts += _axis(timeline.start, timeline.end, scale)
    for bar in timeline.proceedings:
        parts += _proceedings(bar, timeline.today, scale)
    for event in timeline.events:
        parts.append(_event(event, scale))
    parts += _today(timeline.today, scale)
    return drawing(WIDTH, HEIGHT, f"Timeline for child {child_id}", parts, "timeline")


def legend_svg() -> Markup:
    """The key to the timelines' markers and lines."""
    parts: list[etree._Element] = []
    x, y = 8.0, 16.0
    entries: list[tuple[etree._Element, str]] = []
    for kind, planned, overdue in LEGEND:
        marker = MARKERS[kind]
        words = marker.planned_words if planned else marker.words
        words = "Review overdue" if overdue else words
        entries.append((_shape(marker, 0, 0, planned=planned, overdue=overdue), words))
    entries.append((E.rect(x="-9", y="-5", width="18", height="10", fill=PROCEEDINGS), "Care proceedings"))
    entries.append((E.rect(x="-9", y="-5", width="18", height="10", fill=AMBER), "Within extension"))
    entries.append((E.rect(x="-9", y="-5", width="18", height="10", fill=RED), "Beyond the limit"))
    entries.append(
        (E.line(x1="0", y1="-8", x2="0", y2="8", stroke="#1f1f1f", **{"stroke-dasharray": "3 2"}), "26 weeks")
    )
    entries.append(
        (E.line(x1="0", y1="-8", x2="0", y2="8", stroke="#1f1f1f", **{"stroke-dasharray": "1 2"}), "Extended due date")
    )
    entries.append((E.line(x1="0", y1="-8", x2="0", y2="8", stroke=RED, **{"stroke-width": "2"}), "Today"))
    for shape, words in entries:
        width = 26 + 6.6 * len(words)
        if x + width > WIDTH:
            x, y = 8.0, y + 22
        group = E.g(shape, transform=f"translate({number(x + 9)},{number(y)})")
        parts.append(group)
        parts.append(E.text(words, x=number(x + 22), y=number(y + 4), **{"class": "legend"}))
        x += width
    return drawing(WIDTH, y + 12, "Key to the timelines", parts, "legend")


def _scale(start: dt.date, end: dt.date) -> Callable[[dt.date], float]:
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return PLOT_LEFT + (day - start).days / span * (PLOT_RIGHT - PLOT_LEFT)

    return x


def _lane_top(index: int) -> float:
    return TOP + index * LANE


def _lane_middle(index: int) -> float:
    return _lane_top(index) + LANE / 2


def _axis(start: dt.date, end: dt.date, x: Callable[[dt.date], float]) -> list[etree._Element]:
    """Month ticks, labelled monthly, quarterly or yearly so the labels never overlap."""
    span = (end - start).days
    every = 1 if span <= 500 else 3 if span <= 1400 else 12
    bottom = _lane_top(len(LANES))
    parts = [E.line(x1=number(PLOT_LEFT), y1=number(bottom), x2=number(PLOT_RIGHT), y2=number(bottom), stroke=AXIS)]
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        if month >= start and (month.month - 1) % every == 0:
            at = number(x(month))
            parts.append(E.line(x1=at, y1=number(TOP), x2=at, y2=number(bottom + 4), stroke=GRID))
            words = str(month.year) if every == 12 or month.month == 1 else month.strftime("%b")
            if every == 1 and month.month == 1:
                words = f"Jan {month.year}"
            parts.append(E.text(words, x=at, y=number(bottom + 16), **{"text-anchor": "middle", "class": "tick"}))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return parts


def _proceedings(bar: ProceedingsBar, today: dt.date, x: Callable[[dt.date], float]) -> list[etree._Element]:
    """The bar from issue to conclusion (or today), red past the 26 weeks, with the 26-week and due-date lines."""
    middle = _lane_middle(2)
    end = bar.concluded_on or today
    status = f"concluded {bar.concluded_on.isoformat()}" if bar.concluded_on else "live"
    title = f"Care proceedings issued {bar.issue_date.isoformat()}, {status}, week {bar.week_on(end)}"
    parts = [
        with_title(
            E.rect(
                x=number(x(bar.issue_date)),
                y=number(middle - 6),
                width=number(max(x(end) - x(bar.issue_date), 2)),
                height="12",
                fill=PROCEEDINGS,
                **{"class": "proceedings"},
            ),
            title,
        )
    ]
    extended_until = min(end, bar.due_date)
    if bar.extension_weeks and extended_until > bar.week_26_ends:
        words = f"Within the extension from {bar.week_26_ends.isoformat()} to {extended_until.isoformat()}"
        parts.append(_stretch(bar.week_26_ends, extended_until, AMBER, "proceedings-extended", words, x))
    over_from = max(bar.week_26_ends, bar.due_date)
    if end > over_from:
        words = f"Beyond {'the extended due date' if bar.extension_weeks else '26 weeks'} from {over_from.isoformat()}"
        parts.append(_stretch(over_from, end, RED, "proceedings-over", f"{words} to {end.isoformat()}", x))
    parts.append(_mark_line(x(bar.week_26_ends), "3 2", f"26 weeks end {bar.week_26_ends.isoformat()}", "week-26"))
    parts.append(E.text("26 wk", x=number(x(bar.week_26_ends) + 3), y=number(_lane_top(2) + 8), **{"class": "mark"}))
    if bar.extension_weeks:
        title = f"Extended by {bar.extension_weeks} weeks: due {bar.due_date.isoformat()}"
        parts.append(_mark_line(x(bar.due_date), "1 2", title, "due"))
    return parts


def _stretch(
    start: dt.date, end: dt.date, colour: str, css_class: str, title: str, x: Callable[[dt.date], float]
) -> etree._Element:
    """A coloured stretch laid over the proceedings bar."""
    middle = _lane_middle(2)
    rect = E.rect(
        x=number(x(start)),
        y=number(middle - 6),
        width=number(max(x(end) - x(start), 2)),
        height="12",
        fill=colour,
        **{"class": css_class},
    )
    return with_title(rect, title)


def _mark_line(at: float, dashes: str, title: str, css_class: str) -> etree._Element:
    top, bottom = _lane_top(2), _lane_top(3)
    line = E.line(
        x1=number(at),
        y1=number(top),
        x2=number(at),
        y2=number(bottom),
        stroke=INK,
        **{"stroke-dasharray": dashes, "stroke-width": "1.5", "class": css_class},
    )
    return with_title(line, title)


def _today(today: dt.date, x: Callable[[dt.date], float]) -> list[etree._Element]:
    at = number(x(today))
    line = E.line(
        x1=at,
        y1=number(TOP - 4),
        x2=at,
        y2=number(_lane_top(len(LANES))),
        stroke=RED,
        **{"stroke-width": "2", "class": "today"},
    )
    label = E.text("today", x=at, y=number(TOP - 6), fill=RED, **{"text-anchor": "middle", "class": "mark"})
    return [with_title(line, f"Today {today.isoformat()}"), label]


def _event(event: TimelineEvent, x: Callable[[dt.date], float]) -> etree._Element:
    marker = MARKERS[event.kind]
    words = marker.planned_words if event.planned else marker.words
    if event.overdue:
        words = f"{words} (overdue)"
    shape = _shape(marker, x(event.date), _lane_middle(marker.lane), planned=event.planned, overdue=event.overdue)
    shape.set("class", f"event {event.kind.value}")
    return with_title(shape, f"{words} {event.date.isoformat()}")


def _shape(marker: _Marker, cx: float, cy: float, *, planned: bool, overdue: bool) -> etree._Element:
    """One marker centred on (cx, cy); planned events are hollow, overdue ones red."""
    colour = RED if overdue else marker.colour
    style = {"fill": "#ffffff" if planned else colour, "stroke": colour, "stroke-width": "1.5"}
    if marker.shape == "bar":
        return E.rect(x=number(cx - 1.5), y=number(cy - 10), width="3", height="20", fill=colour)
    if marker.shape == "circle":
        return E.circle(cx=number(cx), cy=number(cy), r="5", **style)
    if marker.shape == "dot":
        return E.circle(cx=number(cx), cy=number(cy), r="3.5", **style)
    if marker.shape == "square":
        return E.rect(x=number(cx - 4.5), y=number(cy - 4.5), width="9", height="9", **style)
    points = SHAPE_POINTS[marker.shape]
    text = " ".join(f"{number(cx + dx)},{number(cy + dy)}" for dx, dy in points)
    return E.polygon(points=text, **style)
