"""Each child's timeline as compact data, and the key the page's script draws it with.

The page draws a timeline in the browser when the reader reaches it, from a few numbers per event: a
national cohort's 62,000 timelines drawn as inline SVG made a 480 MB page no browser opened comfortably.
The geometry, marker shapes, colours and words all come from :mod:`timeline_svg`, so the script and the
Python drawing (which a council template may still use) draw the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

from permanence_core.tracker import timeline_svg as ts
from permanence_core.tracker.report import PROCEEDINGS_LAST_DAY, EventKind, Timeline, TrackerRow

#: The day numbers in the data count from 1 January 1970, as JavaScript's dates do.
_EPOCH = dt.date(1970, 1, 1).toordinal()
_KINDS = tuple(EventKind)
_KIND_INDEX = {kind: index for index, kind in enumerate(_KINDS)}
#: The bits of an event's flags.
PLANNED, OVERDUE = 1, 2


def day_number(day: dt.date) -> int:
    """``day`` as days since 1 January 1970."""
    return day.toordinal() - _EPOCH


def encode_timeline(timeline: Timeline) -> list[Any]:
    """``[start, end, events, proceedings]``: day numbers; each event three numbers (kind index, day, flags);
    each proceedings bar four (issue day, concluded day or None while live, due day, extension weeks)."""
    events: list[int] = []
    for event in timeline.events:
        flags = (PLANNED if event.planned else 0) | (OVERDUE if event.overdue else 0)
        events += (_KIND_INDEX[event.kind], event.date.toordinal() - _EPOCH, flags)  # day_number, inlined
    bars: list[int | None] = []
    for bar in timeline.proceedings:
        concluded = day_number(bar.concluded_on) if bar.concluded_on else None
        bars += (day_number(bar.issue_date), concluded, day_number(bar.due_date), bar.extension_weeks)
    return [day_number(timeline.start), day_number(timeline.end), events, bars]


def drawing_key() -> dict[str, Any]:
    """What the script needs besides the children's data: the geometry, colours and each event kind's marker."""
    return {
        "width": ts.WIDTH,
        "height": ts.HEIGHT,
        "labelWidth": ts.LABEL_WIDTH,
        "plotLeft": ts.PLOT_LEFT,
        "plotRight": ts.PLOT_RIGHT,
        "top": ts.TOP,
        "lane": ts.LANE,
        "lanes": list(ts.LANES),
        "colours": {
            "red": ts.RED,
            "amber": ts.AMBER,
            "proceedings": ts.PROCEEDINGS,
            "laneFills": list(ts.LANE_FILLS),
            "axis": ts.AXIS,
            "grid": ts.GRID,
            "ink": ts.INK,
        },
        "proceedingsLastDay": PROCEEDINGS_LAST_DAY.days,
        "kinds": [
            {
                "name": kind.value,
                "lane": ts.MARKERS[kind].lane,
                "shape": ts.MARKERS[kind].shape,
                "colour": ts.MARKERS[kind].colour,
                "words": ts.MARKERS[kind].words,
                "plannedWords": ts.MARKERS[kind].planned_words,
            }
            for kind in _KINDS
        ],
        "points": {shape: [list(point) for point in points] for shape, points in ts.SHAPE_POINTS.items()},
    }


def timeline_data(rows: Iterable[TrackerRow], today: dt.date) -> Markup:
    """The JSON the page's script reads: ``key`` (:func:`drawing_key`), ``today`` and ``children`` (child id →
    :func:`encode_timeline`), safe inside a ``<script type="application/json">`` element."""
    # Written child by child, so no cohort-sized structure is built only to be dumped.
    children = ",".join(f"{_json(row.child_id)}:{_json(encode_timeline(row.timeline))}" for row in rows)
    text = f'{{"key":{_json(drawing_key())},"today":{day_number(today)},"children":{{{children}}}}}'
    # A child id is source text: "<", ">" and "&" escaped so it can never close the script element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


#: One encoder for the page: ``json.dumps`` with these options makes a new one per call (twice per child).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _json(value: object) -> str:
    return _ENCODER.encode(value)
