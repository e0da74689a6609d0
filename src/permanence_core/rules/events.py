"""The vocabulary a profile's rules are written in: anchor events, the events that meet an obligation,
the events that stop a rule, and the case stages a rule can apply to. Each names the facets it needs,
so a rule is *not assessable* for a child whose source cannot supply them.

Each term maps to a function that answers for the whole cohort at once, as polars frames over ``CohortFacts``
(every child's events in its latest period of care, computed once and shared by every rule). Children are keyed
by ``child``, their row in the cohort's ``children`` table. An event that can be anchored on again carries a
reference (``ref_kind``, ``ref_seq``): the review (its index among the period's held reviews), meeting or
proceedings (their ``seq``) it came from, whose other dates a rule may read (``concluded_on``…).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property, partial

import polars as pl

from permanence_core.calendar import WorkingCalendar
from permanence_core.cohort import Cohort
from permanence_core.model import Facet, MeetingKind, PlanStatus
from permanence_core.rules.due_dates import closures_between, working_days_expr

FIRST_REVIEW_WORKING_DAYS = 20
SECOND_REVIEW_MONTHS = 3

REVIEW = "review"
MEETING = "meeting"
PROCEEDINGS = "proceedings"

#: An anchor frame: one row per anchor (``anchor_index``: its place in the child's list of anchors for the rule).
ANCHOR_COLUMNS: dict[str, pl.DataType] = {
    "child": pl.UInt32(),
    "anchor_index": pl.UInt32(),
    "anchor_event": pl.String(),
    "anchor_date": pl.Date(),
    "ref_kind": pl.String(),
    "ref_seq": pl.Int32(),
}

#: A search for the event that meets an obligation: ``row`` (the obligation), from ``from_date`` on, strictly after
#: it when the event is of the kind of the search's own reference (the previous review, the previous meeting).
SEARCH_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "child": pl.UInt32(),
    "from_date": pl.Date(),
    "ref_kind": pl.String(),
    "ref_seq": pl.Int32(),
}

#: A met frame: for each ``row`` met, when (``met_on``) and the event that met it, itself an anchor for a chain.
MET_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "met_on": pl.Date(),
    "met_event": pl.String(),
    "met_date": pl.Date(),
    "met_ref_kind": pl.String(),
    "met_ref_seq": pl.Int32(),
}


def position_in_run(key: str) -> pl.Expr:
    """Each row's place (0, 1, …) among its run of rows with the same ``key``: in a frame sorted by ``key``, its
    place in its group. One pass, where a window (``over``) would hash every group."""
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    starts = (pl.col(key) != pl.col(key).shift(1)).fill_null(True)
    return row - pl.when(starts).then(row).forward_fill()


def _dates_within(column: str, low: pl.Expr, high: pl.Expr) -> pl.Expr:
    """``column`` set and from ``low`` to ``high`` (a null ``high``: no upper bound)."""
    day = pl.col(column)
    return day.is_not_null() & (day >= low) & (high.is_null() | (day <= high))


class CohortFacts:
    """Every child's events in its latest period of care (short breaks excluded, started by ``as_of``), as frames."""

    def __init__(self, cohort: Cohort, as_of: dt.date, calendar: WorkingCalendar) -> None:
        self.cohort = cohort
        self.as_of = as_of
        self.calendar = calendar
        self._day_firsts: dict[tuple[str, ...], pl.DataFrame] = {}

    @cached_property
    def base(self) -> pl.DataFrame:
        """One row per child with a period: ``child``, its period (``start``, ``end``, ``outcome``), ``in_care``,
        its coverage flags, permanence decision and adoption milestones. Children without one owe nothing."""
        periods = self.cohort.periods.with_row_index("row")
        latest = (
            periods.filter(~pl.col("short_break").fill_null(False) & (pl.col("start") <= self.as_of))
            .sort("child_id", "start", "row")
            .unique("child_id", keep="last", maintain_order=True)
            .select("child_id", "start", "end", "outcome")
        )
        children = self.cohort.children.with_row_index("child")
        return (
            children.join(latest, on="child_id", how="inner")
            .sort("child")
            .with_columns(in_care=pl.col("end").is_null() | (pl.col("end") > self.as_of))
        )

    def _keyed(self, table: pl.DataFrame) -> pl.DataFrame:
        """``table`` with each row's ``child`` and its period's ``start`` and ``end``; other children's rows dropped."""
        return table.join(self.base.select("child_id", "child", "start", "end"), on="child_id", how="inner")

    @cached_property
    def reviews(self) -> pl.DataFrame:
        """Reviews held in the period by ``as_of``: ``child``, ``date``, ``index`` (0 for the first), in date order."""
        keyed = self._keyed(self.cohort.reviews.with_row_index("row"))
        held = keyed.filter(
            pl.col("held").fill_null(False)
            & _dates_within("date", pl.col("start"), pl.col("end"))
            & (pl.col("date") <= self.as_of)
        )
        return held.sort("child", "date", "row").select("child", "date", index=position_in_run("child").cast(pl.Int32))

    @cached_property
    def all_meetings(self) -> pl.DataFrame:
        """Every meeting on the record, by ``child`` and ``seq``."""
        return self._keyed(self.cohort.meetings)

    @cached_property
    def meetings(self) -> pl.DataFrame:
        """Permanence meetings from the start of the period (scheduled ones included), in record order."""
        # Not from ``all_meetings``: most callers want only these, and keeping both tables of a national cohort's 1.5
        # million meetings costs a hundred MB (measured in the tracker's rows).
        return self._keyed(self.cohort.meetings).filter(pl.col("date") >= pl.col("start")).sort("child", "seq")

    def held(self, kinds: tuple[MeetingKind, ...]) -> pl.DataFrame:
        """Meetings of these kinds held by ``as_of``, in record order."""
        return self.meetings.filter(pl.col("kind").is_in([k.value for k in kinds]) & (pl.col("date") <= self.as_of))

    def day_firsts(self, kinds: tuple[MeetingKind, ...] | None) -> pl.DataFrame:
        """The first event of each child's day, by date, as ``join_asof`` wants them (``child``, ``date``, ``found``,
        ``event``, ``seq``): the held reviews (``kinds`` None) or the meetings of ``kinds`` held. Computed once per
        evaluation, as a recurring rule searches them again at every step."""
        key = (REVIEW,) if kinds is None else tuple(kind.value for kind in kinds)
        known = self._day_firsts.get(key)
        if known is None:
            if kinds is None:
                events = self.reviews.select("child", "date", event=pl.lit("looked-after review held"), seq="index")
            else:
                event = pl.col("kind").str.replace_all("_", " ") + " held"
                events = self.held(kinds).select("child", "date", event=event, seq="seq")
            # Only the first event of a day can be found: earlier ones in the child's order win ties, as a scan would.
            firsts = events.unique(["child", "date"], keep="first", maintain_order=True).sort("date")
            known = self._day_firsts[key] = firsts.with_columns(found=pl.col("date"))
        return known

    @cached_property
    def proceedings(self) -> pl.DataFrame:
        """Proceedings live at some point during the period, in record order."""
        keyed = self._keyed(self.cohort.proceedings)
        concluded, issued = pl.col("concluded_on"), pl.col("issue_date")
        live = (concluded.is_null() | (concluded >= pl.col("start"))) & (
            pl.col("end").is_null() | (issued <= pl.col("end"))
        )
        return keyed.filter(live).sort("child", "seq")

    @cached_property
    def current_plan(self) -> pl.DataFrame:
        """The latest plan on the record (whatever its period): ``child``, ``primary``, ``contingencies``."""
        plans = self._keyed(self.cohort.plans).sort("child", "seq")
        return plans.unique("child", keep="last", maintain_order=True).select("child", "primary", "contingencies")

    def _first_in_period(self, dates: pl.DataFrame) -> pl.DataFrame:
        """The earliest ``date`` per child from the start of the period to ``as_of``."""
        within = dates.join(self.base.select("child", "start"), on="child").filter(
            _dates_within("date", pl.col("start"), pl.lit(self.as_of))
        )
        return within.group_by("child").agg(pl.col("date").min())

    @cached_property
    def _history(self) -> pl.DataFrame:
        return self._keyed(self.cohort.plan_history)

    @cached_property
    def plan_ratified_on(self) -> pl.DataFrame:
        """When a plan was first ratified at a review in this period: ``child``, ``date``."""
        at_review = self._keyed(self.cohort.plans).select("child", date="ratified_at_review")
        history = self._history.filter(pl.col("status") == PlanStatus.RATIFIED.value).select("child", "date")
        return self._first_in_period(pl.concat([at_review, history]))

    @cached_property
    def plan_recorded_on(self) -> pl.DataFrame:
        """When a permanence plan was first recorded (decided, else ratified) in this period: ``child``, ``date``."""
        plans = self._keyed(self.cohort.plans)
        return self._first_in_period(plans.select("child", date=pl.coalesce("decided_on", "ratified_at_review")))

    @cached_property
    def permanence_secured_on(self) -> pl.DataFrame:
        """When permanence was secured: a permanence exit from care, an adoption order, or a plan achieved."""
        outcome = pl.col("outcome")
        exits = self.base.filter(outcome.is_not_null() & (outcome != "")).select("child", date="end")
        orders = self.base.select("child", date="adoption_order")
        achieved = self._history.filter(pl.col("status") == PlanStatus.ACHIEVED.value).select("child", "date")
        return self._first_in_period(pl.concat([exits, orders, achieved]))

    @cached_property
    def second_review_anchor(self) -> pl.DataFrame:
        """The second review as held, else when it is due (from the first as held, else the first's due date)."""
        reviews = self.reviews
        second = reviews.filter(pl.col("index") == 1)
        first = reviews.filter(pl.col("index") == 0).select("child", first="date")
        pending = self.base.select("child", "start").join(second.select("child"), on="child", how="anti")
        pending = pending.join(first, on="child", how="left")
        closures = closures_between(self.calendar, self.base["start"], FIRST_REVIEW_WORKING_DAYS)
        first_due = working_days_expr(pl.col("start"), FIRST_REVIEW_WORKING_DAYS, False, closures)
        due = pending.select(
            "child",
            anchor_index=pl.lit(0, pl.UInt32),
            anchor_event=pl.lit("second review due"),
            anchor_date=pl.coalesce("first", first_due).dt.offset_by(f"{SECOND_REVIEW_MONTHS}mo"),
            ref_kind=pl.lit(None, pl.String),
            ref_seq=pl.lit(None, pl.Int32),
        )
        held = second.select(
            "child",
            anchor_index=pl.lit(0, pl.UInt32),
            anchor_event=pl.lit("second review held"),
            anchor_date="date",
            ref_kind=pl.lit(REVIEW),
            ref_seq="index",
        )
        return pl.concat([held, due])


def anchor_frame(
    frame: pl.DataFrame, event: pl.Expr | str, date: str, ref_kind: str | None, ref_seq: str | None
) -> pl.DataFrame:
    """The anchors of ``frame`` (sorted by child, rows in each child's order), in the anchor frame's columns."""
    return frame.select(
        "child",
        anchor_index=position_in_run("child"),
        anchor_event=pl.lit(event) if isinstance(event, str) else event,
        anchor_date=pl.col(date),
        ref_kind=pl.lit(ref_kind, pl.String),
        ref_seq=pl.col(ref_seq).cast(pl.Int32) if ref_seq else pl.lit(None, pl.Int32),
    )


# ---------------------------------------------------------------------------------------------
# Anchors: name -> (function(facts) -> anchor frame, facets needed)
# ---------------------------------------------------------------------------------------------


def _care_start(facts: CohortFacts) -> pl.DataFrame:
    return anchor_frame(facts.base, "became looked after", "start", None, None)


# The parametrised anchors and met-bys below are plain functions bound with functools.partial, not closures,
# so that each is looked up when it is called (which is also what lets mutation testing reach their bodies).


def _review(index: int, ordinal: str, facts: CohortFacts) -> pl.DataFrame:
    reviews = facts.reviews.filter(pl.col("index") == index)
    return anchor_frame(reviews, f"{ordinal} review held", "date", REVIEW, "index")


def _second_review_or_due(facts: CohortFacts) -> pl.DataFrame:
    return facts.second_review_anchor


def _proceedings_issued(facts: CohortFacts) -> pl.DataFrame:
    return anchor_frame(facts.proceedings, "care proceedings issued", "issue_date", PROCEEDINGS, "seq")


def _first_cmh(facts: CohortFacts) -> pl.DataFrame:
    heard = facts.proceedings.filter(pl.col("first_cmh").is_not_null())
    return anchor_frame(heard, "first case management hearing", "first_cmh", PROCEEDINGS, "seq")


def _in_period(facts: CohortFacts, column: str) -> pl.DataFrame:
    """Children whose ``column`` (a date in ``base``) falls in their period of care."""
    return facts.base.filter(_dates_within(column, pl.col("start"), pl.col("end")))


def _permanence_decision(facts: CohortFacts) -> pl.DataFrame:
    decided = _in_period(facts, "permanence_decision_date")
    return anchor_frame(decided, "decision to pursue permanence", "permanence_decision_date", None, None)


def _first_held(kind: MeetingKind, label: str, facts: CohortFacts) -> pl.DataFrame:
    first = facts.held((kind,)).unique("child", keep="first", maintain_order=True)
    return anchor_frame(first, label, "date", MEETING, "seq")


def _each_panel(only_held: bool, facts: CohortFacts) -> pl.DataFrame:
    if only_held:
        return anchor_frame(facts.held((MeetingKind.TRACKING_PANEL,)), "tracking panel held", "date", MEETING, "seq")
    panels = facts.meetings.filter(pl.col("kind") == MeetingKind.TRACKING_PANEL.value)
    return anchor_frame(panels, "tracking panel date", "date", MEETING, "seq")


def _placement_order(facts: CohortFacts) -> pl.DataFrame:
    ordered = _in_period(facts, "adoption_placement_order")
    return anchor_frame(ordered, "placement order granted", "adoption_placement_order", None, None)


ANCHORS: dict[str, tuple[Callable[[CohortFacts], pl.DataFrame], frozenset[Facet]]] = {
    "care_start": (_care_start, frozenset({Facet.CARE})),
    "review_1": (partial(_review, 0, "first"), frozenset({Facet.CARE, Facet.REVIEWS})),
    "review_2": (partial(_review, 1, "second"), frozenset({Facet.CARE, Facet.REVIEWS})),
    "review_2_or_due": (_second_review_or_due, frozenset({Facet.CARE, Facet.REVIEWS})),
    "proceedings_issued": (_proceedings_issued, frozenset({Facet.PROCEEDINGS})),
    "first_cmh": (_first_cmh, frozenset({Facet.PROCEEDINGS})),
    "permanence_decision": (_permanence_decision, frozenset({Facet.PLANS})),
    "first_ppm": (partial(_first_held, MeetingKind.PPM, "first PPM held"), frozenset({Facet.MEETINGS})),
    "first_tracking_panel": (
        partial(_first_held, MeetingKind.TRACKING_PANEL, "first tracking panel held"),
        frozenset({Facet.MEETINGS}),
    ),
    "tracking_panel": (partial(_each_panel, False), frozenset({Facet.MEETINGS})),
    "tracking_panel_held": (partial(_each_panel, True), frozenset({Facet.MEETINGS})),
    "placement_order": (_placement_order, frozenset({Facet.ADOPTION})),
}


# ---------------------------------------------------------------------------------------------
# Met by: name -> (function(facts, search frame) -> met frame, facets, words)
# ---------------------------------------------------------------------------------------------


def _met(frame: pl.DataFrame, on: str, event: pl.Expr, date: str, ref_kind: pl.Expr, ref_seq: pl.Expr) -> pl.DataFrame:
    """The met frame of ``frame``'s rows: met on ``on``, by ``event`` on ``date``, with its reference."""
    return frame.select(
        "row", met_on=pl.col(on), met_event=event, met_date=pl.col(date), met_ref_kind=ref_kind, met_ref_seq=ref_seq
    )


def _next_event(search: pl.DataFrame, firsts: pl.DataFrame, kind: str) -> pl.DataFrame:
    """For each search, the first of the events ``firsts`` (``CohortFacts.day_firsts``) on or after its
    ``from_date``, strictly after it when the search's reference is of ``kind``."""
    strict = pl.col("ref_kind").fill_null("") == kind
    since = pl.when(strict).then(pl.col("from_date") + pl.duration(days=1)).otherwise(pl.col("from_date"))
    found = (
        search.with_columns(since=since)
        .sort("since")
        .join_asof(firsts, left_on="since", right_on="date", by="child", strategy="forward", check_sortedness=False)
        .filter(pl.col("found").is_not_null())
    )
    return _met(found, "found", pl.col("event"), "found", pl.lit(kind), pl.col("seq"))


def _review_held(facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    return _next_event(search, facts.day_firsts(None), REVIEW)


def _meeting_held(kinds: tuple[MeetingKind, ...], facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    # A meeting anchor is dated on its meeting, so "strictly after" already keeps the anchor's own meeting out.
    return _next_event(search, facts.day_firsts(kinds), MEETING)


def _plan_review_or_review_held(facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    # Seed 001: the six-month plan review "can also be linked into a LAC review": whichever comes first (on the
    # same day, the plan review).
    plan_review = _meeting_held((MeetingKind.PLAN_REVIEW,), facts, search)
    review = _review_held(facts, search)
    both = pl.concat([plan_review.with_columns(order=pl.lit(0)), review.with_columns(order=pl.lit(1))])
    return both.sort("met_on", "order").unique("row", keep="first").drop("order")


def _on_date(facts: CohortFacts, search: pl.DataFrame, dates: pl.DataFrame, label: str) -> pl.DataFrame:
    """Met, whatever the search, on the child's date in ``dates`` (``child``, ``date``), by ``label``."""
    found = search.join(dates, on="child", how="inner")
    return _met(found, "date", pl.lit(label), "date", pl.lit(None, pl.String), pl.lit(None, pl.Int32))


def _plan_recorded(facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    return _on_date(facts, search, facts.plan_recorded_on, "permanence plan recorded")


def _plan_ratified(facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    return _on_date(facts, search, facts.plan_ratified_on, "plan ratified at a review")


def _from_ref(kind: str, attribute: str, label: str, facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    # The date is one of the anchor's own record (its proceedings, its meeting): none without such a reference.
    table = facts.proceedings if kind == PROCEEDINGS else facts.all_meetings
    refs = table.select("child", ref_seq=pl.col("seq").cast(pl.Int32), day=pl.col(attribute))
    found = (
        search.filter(pl.col("ref_kind") == kind)
        .join(refs, on=["child", "ref_seq"], how="inner")
        .filter(pl.col("day").is_not_null() & (pl.col("day") <= facts.as_of))
    )
    return _met(found, "day", pl.lit(label), "day", pl.lit(kind), pl.col("ref_seq"))


def _adoption(attribute: str, label: str, facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    column = f"adoption_{attribute}"
    found = search.join(facts.base.select("child", day=column), on="child", how="inner").filter(
        _dates_within("day", pl.col("from_date"), pl.lit(facts.as_of))
    )
    return _met(found, "day", pl.lit(label), "day", pl.lit(None, pl.String), pl.lit(None, pl.Int32))


def _ppm_arranged(facts: CohortFacts, search: pl.DataFrame) -> pl.DataFrame:
    # Sources record when a meeting happens, not when it was booked: a PPM on the record, held or
    # scheduled, means it has been convened, so the prompt is met as of its anchor.
    ppms = facts.meetings.filter(pl.col("kind") == MeetingKind.PPM.value)
    first = ppms.unique("child", keep="first", maintain_order=True).select("child", "seq", "date")
    found = search.join(first, on="child", how="inner")
    return _met(found, "from_date", pl.lit("PPM arranged"), "date", pl.lit(MEETING), pl.col("seq"))


_PERMANENCE_MEETINGS = (
    MeetingKind.PPM,
    MeetingKind.TRACKING_PANEL,
    MeetingKind.MONITORING_GROUP,
    MeetingKind.PLAN_REVIEW,
)

MET_BY: dict[str, tuple[Callable[[CohortFacts, pl.DataFrame], pl.DataFrame], frozenset[Facet], str]] = {
    "review_held": (_review_held, frozenset({Facet.REVIEWS}), "a looked-after review held"),
    "plan_recorded": (_plan_recorded, frozenset({Facet.PLANS}), "a permanence plan recorded"),
    "plan_ratified": (_plan_ratified, frozenset({Facet.PLANS}), "a permanence plan ratified at a looked-after review"),
    "proceedings_concluded": (
        partial(_from_ref, PROCEEDINGS, "concluded_on", "proceedings concluded"),
        frozenset({Facet.PROCEEDINGS}),
        "the care proceedings concluded",
    ),
    "cmh_held": (
        partial(_from_ref, PROCEEDINGS, "first_cmh", "case management hearing held"),
        frozenset({Facet.PROCEEDINGS}),
        "the case management hearing held",
    ),
    "ppm_held": (partial(_meeting_held, (MeetingKind.PPM,)), frozenset({Facet.MEETINGS}), "a PPM held"),
    "ppm_arranged": (_ppm_arranged, frozenset({Facet.MEETINGS}), "a PPM on the record, held or scheduled"),
    "monitoring_held": (
        partial(_meeting_held, (MeetingKind.MONITORING_GROUP,)),
        frozenset({Facet.MEETINGS}),
        "a monitoring group meeting held",
    ),
    "plan_review_held": (
        partial(_meeting_held, (MeetingKind.PLAN_REVIEW,)),
        frozenset({Facet.MEETINGS}),
        "a plan review held",
    ),
    "plan_review_or_review_held": (
        _plan_review_or_review_held,
        frozenset({Facet.MEETINGS, Facet.REVIEWS}),
        "a plan review or a looked-after review held",
    ),
    "tracking_panel_held": (
        partial(_meeting_held, (MeetingKind.TRACKING_PANEL,)),
        frozenset({Facet.MEETINGS}),
        "a tracking panel held",
    ),
    "permanence_meeting_held": (
        partial(_meeting_held, _PERMANENCE_MEETINGS),
        frozenset({Facet.MEETINGS}),
        "a PPM, tracking panel, monitoring group or plan review held",
    ),
    "referral_received": (
        partial(_from_ref, MEETING, "referral_received_on", "referral received"),
        frozenset({Facet.MEETINGS}),
        "the referral received",
    ),
    "minutes_issued": (
        partial(_from_ref, MEETING, "minutes_issued_on", "minutes issued"),
        frozenset({Facet.MEETINGS}),
        "the minutes issued",
    ),
    "placed_for_adoption": (
        partial(_adoption, "placed", "placed for adoption"),
        frozenset({Facet.ADOPTION}),
        "the child placed for adoption",
    ),
    "matched": (
        partial(_adoption, "match", "matched with adopters"),
        frozenset({Facet.ADOPTION}),
        "a match with adopters",
    ),
}


#: The met-bys that find the next of a sequence of events, each with the events (``CohortFacts.day_firsts``: None for
#: the held reviews, else the kinds of meeting) and the kind of reference those events carry. A recurring rule met
#: by one anchors again on the event that met it, so its chain is the sequence itself (``engine`` uses that).
SEQUENCES: dict[str, tuple[tuple[MeetingKind, ...] | None, str]] = {
    "review_held": (None, REVIEW),
    "ppm_held": ((MeetingKind.PPM,), MEETING),
    "monitoring_held": ((MeetingKind.MONITORING_GROUP,), MEETING),
    "plan_review_held": ((MeetingKind.PLAN_REVIEW,), MEETING),
    "tracking_panel_held": ((MeetingKind.TRACKING_PANEL,), MEETING),
    "permanence_meeting_held": (_PERMANENCE_MEETINGS, MEETING),
}


def met_by_words(term: str | None) -> str:
    """The event a ``met_by`` term asks for, in words: what `permanence explain` shows beside each obligation."""
    return MET_BY[term][2] if term is not None and term in MET_BY else "an event the rule does not name"


# ---------------------------------------------------------------------------------------------
# Stops: name -> (function(facts) -> frame of child, date the rule stops applying; facets)
# ---------------------------------------------------------------------------------------------


def _plan_ratified_on(facts: CohortFacts) -> pl.DataFrame:
    return facts.plan_ratified_on


def _permanence_secured_on(facts: CohortFacts) -> pl.DataFrame:
    return facts.permanence_secured_on


def _plan_recorded_on(facts: CohortFacts) -> pl.DataFrame:
    return facts.plan_recorded_on


STOPS: dict[str, tuple[Callable[[CohortFacts], pl.DataFrame], frozenset[Facet]]] = {
    "plan_ratified": (_plan_ratified_on, frozenset({Facet.PLANS})),
    "permanence_secured": (_permanence_secured_on, frozenset({Facet.CARE})),
    "plan_recorded": (_plan_recorded_on, frozenset({Facet.PLANS})),
}


# ---------------------------------------------------------------------------------------------
# Stages: name -> (function(facts) -> frame of the children in the stage, facets)
# ---------------------------------------------------------------------------------------------


def _in_proceedings(facts: CohortFacts) -> pl.DataFrame:
    concluded = pl.col("concluded_on")
    live = (pl.col("issue_date") <= facts.as_of) & (concluded.is_null() | (concluded > facts.as_of))
    return facts.proceedings.filter(live).select("child").unique()


def _adoption_plan(facts: CohortFacts) -> pl.DataFrame:
    plan = facts.current_plan
    planned = plan.filter(
        (pl.col("primary") == "adoption") | pl.col("contingencies").list.contains("adoption").fill_null(False)
    )
    decided = facts.base.filter(pl.col("adoption_decision").is_not_null() & pl.col("adoption_reversal").is_null())
    return pl.concat([planned.select("child"), decided.select("child")]).unique()


def _no_ratified_plan(facts: CohortFacts) -> pl.DataFrame:
    return facts.base.select("child").join(facts.plan_ratified_on, on="child", how="anti")


STAGES: dict[str, tuple[Callable[[CohortFacts], pl.DataFrame], frozenset[Facet]]] = {
    "in_proceedings": (_in_proceedings, frozenset({Facet.PROCEEDINGS})),
    "adoption_plan": (_adoption_plan, frozenset({Facet.ADOPTION})),
    "no_ratified_plan": (_no_ratified_plan, frozenset({Facet.PLANS})),
}
