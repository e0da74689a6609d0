"""Cohort figures, the cohort charts and the per-child timeline, read back as SVG and as the page's data."""

import datetime as dt

from lxml import etree
from rules_helpers import D, plan, proceedings, record
from tracker_helpers import AS_OF, adopted, bare, in_proceedings, row_of, tracker

from permanence_core.model import Extension
from permanence_core.tracker import timeline_svg as ts
from permanence_core.tracker.charts import BAR_SPACE, Bar, bar_chart, cohort_charts, route_chart
from permanence_core.tracker.cohort import (
    PlanBySecondReview,
    ProceedingsOutcome,
    RouteTimes,
    cohort_figures,
)
from permanence_core.tracker.report import EventKind
from permanence_core.tracker.svg import SVG_NS
from permanence_core.tracker.timeline_data import OVERDUE, PLANNED, day_number, encode_timeline

NS = {"s": SVG_NS}


def parse(markup):
    return etree.fromstring(str(markup).encode())


def titled(svg, css_class):
    """(title, element) for each element carrying ``css_class``."""
    found = svg.xpath(f"//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
    return [(el.findtext(f"{{{SVG_NS}}}title"), el) for el in found]


def cohort():
    no_plan = record(D(2026, 1, 5), child_id="C4", reviews=[D(2026, 1, 30), D(2026, 4, 28)])
    quick = in_proceedings("C5", proceedings=[proceedings(D(2026, 1, 20), concluded_on=D(2026, 5, 1))])
    extended = in_proceedings(
        "C6",
        proceedings=[
            proceedings(
                D(2025, 10, 1), extensions=[Extension(granted_on=D(2026, 3, 1), weeks=8)], concluded_on=D(2026, 5, 1)
            )
        ],
    )
    late = in_proceedings("C7", proceedings=[proceedings(D(2025, 9, 1), concluded_on=D(2026, 5, 1))])
    beyond = in_proceedings("C8", proceedings=[proceedings(D(2025, 11, 3))])
    late_plan = record(
        D(2026, 1, 5), child_id="C9", reviews=[D(2026, 1, 30), D(2026, 4, 28)], plans=[plan(D(2026, 5, 10))]
    )
    return tracker([in_proceedings("C1"), adopted("C2"), bare("C3"), no_plan, quick, extended, late, beyond, late_plan])


def test_cohort_figures_count_every_category_children_who_left_care_included():
    report, _ = cohort()
    figures = cohort_figures(report)
    assert (figures.children, figures.looked_after) == (9, 8)
    assert figures.time_to_permanence == (RouteTimes("adoption", (424,)),)
    assert figures.plan_by_second_review == {
        PlanBySecondReview.ON_TIME: 6,
        PlanBySecondReview.LATE: 1,
        PlanBySecondReview.OVERDUE: 1,
        PlanBySecondReview.NOT_YET_DUE: 0,
        PlanBySecondReview.NOT_ASSESSABLE: 1,
    }
    assert figures.proceedings == {
        ProceedingsOutcome.WITHIN_26: 1,
        ProceedingsOutcome.WITHIN_EXTENSION: 1,
        ProceedingsOutcome.LATE: 1,
        ProceedingsOutcome.LIVE_WITHIN_26: 1,
        ProceedingsOutcome.LIVE_BEYOND_26: 1,
    }
    as_json = figures.to_dict()
    assert as_json["time_to_permanence_days"] == {"adoption": {"children": 1, "median": 424, "min": 424, "max": 424}}
    assert as_json["proceedings"]["concluded late"] == 1


def test_route_times_have_a_median():
    assert RouteTimes("adoption", (100, 200, 400)).median == 200
    assert RouteTimes("adoption", (100, 200)).median == 150


def test_bars_are_proportional_and_labelled_with_count_and_share():
    svg = parse(bar_chart("Plans", [Bar("on time", 6, "#1b7f3b"), Bar("late", 3, "#c45f00"), Bar("none", 0, "#888")]))
    widths = [float(el.get("width")) for _, el in titled(svg, "bar")]
    assert widths == [BAR_SPACE, BAR_SPACE / 2, 1]
    assert [title for title, _ in titled(svg, "bar")] == ["on time: 6 (67%)", "late: 3 (33%)", "none: 0 (0%)"]
    assert svg.findtext("s:title", namespaces=NS) == "Plans"


def test_the_route_chart_draws_a_tick_per_child_and_says_when_nobody_has_reached_permanence():
    svg = parse(
        route_chart("Time", [RouteTimes("adoption", (100, 300, 500)), RouteTimes("special_guardianship", (50,))])
    )
    texts = svg.xpath("//s:text/text()", namespaces=NS)
    assert "Adoption" in texts and "median 300 (n=3)" in texts
    assert len(svg.xpath("//s:line[@class='range']", namespaces=NS)) == 2
    assert len(svg.xpath("//s:line[@class='child']", namespaces=NS)) == 4
    assert svg.xpath("//s:text[@class='tick']/text()", namespaces=NS) == ["0", "100", "200", "300", "400", "500 days"]
    empty = parse(route_chart("Time", []))
    assert "No child in this cohort has reached permanence yet." in empty.xpath("//s:text/text()", namespaces=NS)


def test_cohort_charts_are_all_drawn():
    report, drift = cohort()
    charts = cohort_charts(cohort_figures(report), drift)
    assert set(charts) == {"time_to_permanence", "plan_by_second_review", "proceedings", "drift"}
    drift_chart = parse(charts["drift"])
    assert drift_chart.findtext("s:title", namespaces=NS) == (
        f"Drift signals ({drift.children_flagged} of {drift.assessed} looked-after children)"
    )
    assert len(titled(drift_chart, "bar")) == 5
    # Each signal's share is of the children assessed, not of the flags raised.
    overdue = next(title for title, _ in titled(drift_chart, "bar") if title.startswith("Actions overdue"))
    assert drift.assessed == 8
    assert overdue == "Actions overdue: 5 (62%)"


def test_the_timeline_has_a_titled_marker_for_every_event_and_the_today_line_where_today_is():
    report, _ = tracker([in_proceedings()])
    row = row_of(report, "C1")
    svg = parse(ts.timeline_svg(row.timeline, "C1"))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Timeline for child C1"
    markers = titled(svg, "event")
    assert len(markers) == len(row.timeline.events)
    assert "PPM held 2026-02-10" in [title for title, _ in markers]
    assert "Tracking panel scheduled 2026-06-20" in [title for title, _ in markers]
    span = (row.timeline.end - row.timeline.start).days
    expected = ts.PLOT_LEFT + (AS_OF - row.timeline.start).days / span * (ts.PLOT_RIGHT - ts.PLOT_LEFT)
    [(title, today)] = titled(svg, "today")
    assert title == "Today 2026-06-01"
    assert abs(float(today.get("x1")) - expected) <= 0.05


def test_markers_run_left_to_right_in_date_order_and_planned_ones_are_hollow():
    report, _ = tracker([in_proceedings()])
    svg = parse(ts.timeline_svg(row_of(report, "C1").timeline, "C1"))
    reviews = [el for _, el in titled(svg, EventKind.REVIEW_HELD.value)]
    assert float(reviews[0].get("cx")) < float(reviews[1].get("cx"))
    [(_, scheduled)] = [(t, el) for t, el in titled(svg, "tracking_panel") if "scheduled" in t]
    assert scheduled.get("fill") == "#ffffff"
    [(title, _)] = titled(svg, "review_due")
    assert title == "Review due 2026-10-28"


def test_an_overdue_review_is_drawn_red():
    report, _ = tracker([bare()])
    svg = parse(ts.timeline_svg(row_of(report, "C3").timeline, "C3"))
    [(title, due)] = titled(svg, "review_due")
    assert title == "Review due (overdue) 2026-04-30"
    assert due.get("stroke") == ts.RED


def test_the_proceedings_bar_turns_red_past_26_weeks_and_marks_the_26_week_day():
    report, _ = tracker([in_proceedings(proceedings=[proceedings(D(2025, 11, 3))])])
    svg = parse(ts.timeline_svg(row_of(report, "C1").timeline, "C1"))
    [(title, _)] = titled(svg, "proceedings")
    assert title == "Care proceedings issued 2025-11-03, live, week 31"
    [(over, _)] = titled(svg, "proceedings-over")
    assert over == "Beyond 26 weeks from 2026-05-03 to 2026-06-01"
    [(line, _)] = titled(svg, "week-26")
    assert line == "26 weeks end 2026-05-03"
    within, _ = tracker([in_proceedings()])
    assert titled(parse(ts.timeline_svg(row_of(within, "C1").timeline, "C1")), "proceedings-over") == []


def test_an_extension_draws_its_due_date():
    extended = proceedings(D(2025, 11, 3), extensions=[Extension(granted_on=D(2026, 4, 1), weeks=4)])
    report, _ = tracker([in_proceedings(proceedings=[extended])])
    svg = parse(ts.timeline_svg(row_of(report, "C1").timeline, "C1"))
    [(title, _)] = titled(svg, "due")
    assert title == "Extended by 4 weeks: due 2026-05-31"
    [(extended, _)] = titled(svg, "proceedings-extended")
    assert extended == "Within the extension from 2026-05-03 to 2026-05-31"
    [(over, _)] = titled(svg, "proceedings-over")
    assert over == "Beyond the extended due date from 2026-05-31 to 2026-06-01"


def test_labels_are_escaped():
    report, _ = tracker([in_proceedings('C<1>&"')])
    row = report.rows[0]
    markup = str(ts.timeline_svg(row.timeline, row.child_id))
    assert "<1>" not in markup
    assert parse(markup).get("aria-label") == 'Timeline for child C<1>&"'


def test_long_timelines_are_labelled_by_year_and_short_ones_by_month():
    long_child = record(D(2019, 1, 7), child_id="C1", reviews=[D(2019, 2, 1)])
    report, _ = tracker([long_child])
    ticks = parse(ts.timeline_svg(report.rows[0].timeline, "C1")).xpath("//s:text[@class='tick']/text()", namespaces=NS)
    assert ticks == [str(year) for year in range(2019, 2027)]
    report, _ = tracker([in_proceedings()], as_of=D(2026, 3, 1))
    ticks = parse(ts.timeline_svg(report.rows[0].timeline, "C1")).xpath("//s:text[@class='tick']/text()", namespaces=NS)
    assert ticks[:3] == ["Jan 2026", "Feb", "Mar"]


def test_the_legend_names_every_marker():
    svg = parse(ts.legend_svg())
    words = svg.xpath("//s:text/text()", namespaces=NS)
    for marker in ts.MARKERS.values():
        if marker.words != "Left care":
            assert marker.words in words
    assert {"Review overdue", "26 weeks", "Today"} <= set(words)
    assert all(float(el.get("y")) < float(svg.get("height")) for el in svg.xpath("//s:text", namespaces=NS))


def test_a_child_looked_after_from_today_has_a_timeline_to_its_first_review():
    report, _ = tracker([record(AS_OF, child_id="C1")])
    timeline = report.rows[0].timeline
    svg = parse(ts.timeline_svg(timeline, "C1"))
    assert titled(svg, "care_start")[0][0] == f"Became looked after {AS_OF.isoformat()}"
    assert titled(svg, "review_due")[0][0] == "Review due 2026-06-29"
    assert timeline.start < AS_OF < D(2026, 6, 29) < timeline.end


def test_the_timeline_data_holds_every_event_and_the_proceedings_as_day_numbers():
    extended = proceedings(D(2025, 11, 3), extensions=[Extension(granted_on=D(2026, 4, 1), weeks=4)])
    report, _ = tracker([in_proceedings(proceedings=[extended]), bare("C3")])
    row = row_of(report, "C1")
    start, end, events, bars = encode_timeline(row.timeline)
    assert (start, end) == (day_number(row.timeline.start), day_number(row.timeline.end))
    assert day_number(D(1970, 1, 2)) == 1
    decoded = [
        (list(EventKind)[kind], D(1970, 1, 1) + dt.timedelta(days=day), bool(flags & PLANNED), bool(flags & OVERDUE))
        for kind, day, flags in zip(events[::3], events[1::3], events[2::3], strict=True)
    ]
    assert decoded == [(e.kind, e.date, e.planned, e.overdue) for e in row.timeline.events]
    assert (EventKind.TRACKING_PANEL, D(2026, 6, 20), True, False) in decoded
    assert bars == [day_number(D(2025, 11, 3)), None, day_number(D(2026, 5, 31)), 4]
    [*_, overdue_review] = [e for e in encode_timeline(row_of(report, "C3").timeline)[2][2::3] if e]
    assert overdue_review == PLANNED | OVERDUE
