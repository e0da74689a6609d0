"""The tracker's rows: one line and one timeline per child, computed from the cohort's tables and the rules' evaluation.

Each child's facts (latest period, plans, proceedings, last activity, next deadline, timeline events) are computed for
the whole cohort at once with polars, over the same ``CohortFacts`` the rules read; Python objects are built only for
the rows and their timelines, never for the cohort's obligations. Records are read as their tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import polars as pl

from permanence_core.adapters import Rejection
from permanence_core.cohort import Cohort, CohortDetail, cohort_from_records, detail_from_records
from permanence_core.cohort.from_records import frame
from permanence_core.model import CaseRecord, MeetingKind, PlanStatus
from permanence_core.rules import Evaluation, Obligation, ObligationState
from permanence_core.rules.engine import OBLIGATION_COLUMNS, CohortEvaluation, calendar_for
from permanence_core.rules.events import CohortFacts

#: Care proceedings must end within 26 weeks *beginning with* the issue day: the last day is issue + 181 days.
PROCEEDINGS_LAST_DAY = dt.timedelta(days=26 * 7 - 1)
REVIEW_RULES = frozenset({"review.first", "review.second", "review.subsequent"})
PLAN_BY_SECOND_REVIEW = "plan.by_second_review"
PROCEEDINGS_FINAL = "proceedings.final"
#: Seed 002: the routes by which permanence is achieved (residential care and supported living are not among them).
PERMANENCE_ROUTES = frozenset(
    {
        "return_to_family",
        "adoption",
        "special_guardianship",
        "connected_person",
        "child_arrangements_order",
        "long_term_fostering",
    }
)
#: Room either side of a timeline so the first and last markers are not cut in half.
_MARGIN = dt.timedelta(days=14)


class EventKind(enum.StrEnum):
    """What a timeline marker stands for."""

    CARE_START = "care_start"
    CARE_END = "care_end"
    REVIEW_HELD = "review_held"
    REVIEW_DUE = "review_due"
    PPM = "ppm"
    TRACKING_PANEL = "tracking_panel"
    MONITORING_GROUP = "monitoring_group"
    PLAN_REVIEW = "plan_review"
    PLAN_DECIDED = "plan_decided"
    PLAN_RATIFIED = "plan_ratified"
    PERMANENCE_SECURED = "permanence_secured"


#: A marker's kind as a column: a byte a marker, not a string; categories in their sorted order, so that sorting by
#: kind orders markers as sorting the names would.
_EVENT_KINDS = pl.Enum(sorted(kind.value for kind in EventKind))

_MEETING_EVENTS = {
    MeetingKind.PPM: EventKind.PPM,
    MeetingKind.TRACKING_PANEL: EventKind.TRACKING_PANEL,
    MeetingKind.MONITORING_GROUP: EventKind.MONITORING_GROUP,
    MeetingKind.PLAN_REVIEW: EventKind.PLAN_REVIEW,
}


@attrs.frozen
class TimelineEvent:
    """A marker: what happened (or is due, when ``planned``) on ``date``; ``overdue`` when due and not done."""

    kind: EventKind
    date: dt.date
    planned: bool = False
    overdue: bool = False


@attrs.frozen(kw_only=True)
class ProceedingsBar:
    """Care proceedings on the tracker: issued, concluded (None while live), the 26-week day and the due date."""

    issue_date: dt.date
    concluded_on: dt.date | None
    due_date: dt.date
    extension_weeks: int = 0

    @property
    def week_26_ends(self) -> dt.date:
        """The last day of the 26 weeks beginning with the issue day."""
        return self.issue_date + PROCEEDINGS_LAST_DAY

    def week_on(self, day: dt.date) -> int:
        """The week of the proceedings ``day`` falls in: the issue day is in week 1, issue + 182 days in week 27."""
        return (day - self.issue_date).days // 7 + 1


@attrs.frozen(kw_only=True)
class Timeline:
    """One child's events between ``start`` and ``end`` (the drawing's edges), with ``today`` marked."""

    start: dt.date
    end: dt.date
    today: dt.date
    events: tuple[TimelineEvent, ...]
    proceedings: tuple[ProceedingsBar, ...]


@attrs.frozen(kw_only=True)
class Deadline:
    """The earliest open obligation: the next thing due (or already overdue)."""

    rule: str
    title: str
    due_date: dt.date
    overdue: bool


@attrs.frozen(kw_only=True)
class OverdueAction:
    """A meeting's action past its due date and not completed on the report date."""

    child_id: str
    meeting_id: str
    meeting_kind: MeetingKind
    action_id: str
    owner: str | None
    due_date: dt.date
    days_overdue: int
    description: str


@attrs.frozen(kw_only=True)
class TrackerRow:
    """What the tracker shows for one child in its latest period of care on the report date."""

    child_id: str
    looked_after: bool
    care_start: dt.date
    care_end: dt.date | None
    days_in_care: int
    legal_status: str | None
    plan_route: str | None
    contingencies: tuple[str, ...]
    plan_status: PlanStatus | None
    routes: tuple[str, ...]
    proceedings: ProceedingsBar | None
    proceedings_week: int | None
    next_deadline: Deadline | None
    overdue_actions: tuple[OverdueAction, ...]
    activity_assessable: bool
    last_activity: dt.date | None
    days_since_activity: int | None
    secured_on: dt.date | None
    secured_route: str | None
    plan_by_second_review: Obligation | None
    timeline: Timeline
    #: The child's name: the tracker is an internal paper (``--pseudonymise`` leaves it out).
    name: str | None = None

    @property
    def plan_changes(self) -> int:
        """How many times the primary route changed from one plan to the next in this period."""
        return sum(1 for before, after in zip(self.routes, self.routes[1:], strict=False) if before != after)

    @property
    def proceedings_live(self) -> bool:
        """True when the latest proceedings were not concluded on the report date."""
        return self.proceedings is not None and self.proceedings.concluded_on is None

    @property
    def days_to_permanence(self) -> int | None:
        """Days from becoming looked after to permanence being secured, once it is."""
        return (self.secured_on - self.care_start).days if self.secured_on else None


@attrs.frozen(kw_only=True)
class TrackerReport:
    """The tracker on ``as_of`` under ``profile``: a row for every child, and the records that did not load."""

    as_of: dt.date
    profile: str
    rows: tuple[TrackerRow, ...]
    rejected: tuple[Rejection, ...] = ()
    #: Children the source held; those without a row were not yet looked after on the report date.
    source_children: int | None = None

    @property
    def left_care(self) -> int:
        """Children whose latest period of care had ended by the report date."""
        return len(self.rows) - len(self.looked_after)

    @property
    def not_yet_in_care(self) -> int:
        """Children in the source whose care had not started by the report date."""
        return (self.source_children or len(self.rows)) - len(self.rows)

    @property
    def looked_after(self) -> tuple[TrackerRow, ...]:
        """The children looked after on the report date: the tracker's working list."""
        return tuple(row for row in self.rows if row.looked_after)


def build_report(
    records: Iterable[CaseRecord], evaluation: Evaluation | CohortEvaluation, rejected: Sequence[Rejection] = ()
) -> TrackerReport:
    """``report_from_cohort`` for ``records``: their cohort and detail tables, and the evaluation's obligations."""
    records = records if isinstance(records, Sequence) else list(records)
    if isinstance(evaluation, Evaluation):
        evaluation = _as_table(evaluation)
    return report_from_cohort(cohort_from_records(records), detail_from_records(records), evaluation, rejected)


def report_from_cohort(
    cohort: Cohort, detail: CohortDetail, evaluation: CohortEvaluation, rejected: Sequence[Rejection] = ()
) -> TrackerReport:
    """One row per child whose latest period of care started by ``evaluation.as_of``, sorted by child id.

    ``evaluation`` is the evaluation of ``cohort``; ``detail`` gives the names and the meetings' actions.
    """
    as_of, profile = evaluation.as_of, evaluation.profile
    facts = CohortFacts(cohort, as_of, calendar_for(profile))
    base = facts.base
    plans = _period_plans(facts)
    history = _plan_history(facts, plans)
    # Keyed by this cohort's ``child`` (the table's own is left out: it is null for an ``Evaluation``'s objects).
    # Only the columns and rows read below (open obligations, and the final hearing's due date), picked before the
    # join: the table of a national cohort holds 3 million obligations.
    is_open = pl.col("state") == ObligationState.OPEN.value
    obligations = (
        evaluation.table.lazy()
        .select("child_id", "rule_index", "state", "anchor_date", "due_date")
        .with_row_index("order")
        .filter(
            pl.col("due_date").is_not_null() & (is_open | pl.col("rule_index").is_in(_final_hearing(profile.rules)))
        )
        .join(base.lazy().select("child_id", "child", "in_care"), on="child_id", how="inner")
        .collect()
    )
    rule_ids = {index: rule.id for index, rule in enumerate(profile.rules)}
    open_ = obligations.filter(is_open).with_columns(
        rule=pl.col("rule_index").replace_strict(rule_ids, return_dtype=pl.String)
    )
    secured = _secured(facts, history)
    rows = (
        base.select("child", "child_id", "in_care", "start", "end", "covers_meetings", "covers_plans")
        .join(_legal_status(facts), on="child", how="left")
        .join(_current_plan(plans, history, as_of), on="child", how="left")
        .join(_proceedings(facts, obligations, profile.rules), on="child", how="left")
        .join(_next_deadline(open_), on="child", how="left")
        .join(_last_activity(facts, detail, plans, history), on="child", how="left")
        .join(secured, on="child", how="left")
        .join(detail.names.unique("child_id", keep="first"), on="child_id", how="left")
        .sort("child_id", maintain_order=True)
    )
    events = _events(facts, plans, history, open_, secured)
    overdue = _overdue_actions(facts, detail)
    # The frames above go before the timelines and rows become objects: a national cohort's facts and obligations
    # are hundreds of MB, the report's largest moment otherwise.
    del facts, base, plans, history, obligations, open_, secured
    timelines = _timelines(events, as_of)
    del events
    by_second_review: dict[str, Obligation] = {}
    for obligation in evaluation.obligations(rule=PLAN_BY_SECOND_REVIEW):
        by_second_review.setdefault(obligation.child_id, obligation)
    built = tuple(
        _row(values, as_of, profile.rules, timelines, overdue, by_second_review)
        for values in rows.iter_rows(named=True)
    )
    return TrackerReport(
        as_of=as_of, profile=profile.name, rows=built, rejected=tuple(rejected), source_children=cohort.children.height
    )


def _row(
    values: dict[str, Any],
    as_of: dt.date,
    rules: Sequence[Any],
    timelines: dict[int, tuple[TimelineEvent, ...]],
    overdue: dict[int, tuple[OverdueAction, ...]],
    by_second_review: dict[str, Obligation],
) -> TrackerRow:
    child, start, looked_after = values["child"], values["start"], values["in_care"]
    ended_on = None if looked_after else values["end"]
    last_day = as_of if ended_on is None else ended_on
    bar = None
    if values["issue_date"] is not None:
        bar = ProceedingsBar(
            issue_date=values["issue_date"],
            concluded_on=values["concluded_on"],
            due_date=values["proceedings_due"],
            extension_weeks=values["extension_weeks"],
        )
    deadline = None
    if values["deadline_rule"] is not None:
        rule, due = rules[values["deadline_rule"]], values["deadline_due"]
        deadline = Deadline(rule=rule.id, title=rule.title, due_date=due, overdue=due < as_of)
    last_activity = values["last_activity"]
    status = values["plan_status"]
    return TrackerRow(
        child_id=values["child_id"],
        looked_after=looked_after,
        care_start=start,
        care_end=ended_on,
        days_in_care=(last_day - start).days,
        legal_status=values["legal_status"],
        plan_route=values["plan_route"],
        contingencies=tuple(values["contingencies"] or ()),
        plan_status=PlanStatus(status) if status is not None else None,
        routes=tuple(values["routes"] or ()),
        proceedings=bar,
        proceedings_week=bar.week_on(bar.concluded_on or as_of) if bar else None,
        next_deadline=deadline,
        overdue_actions=overdue.get(child, ()),
        activity_assessable=bool(values["covers_meetings"] or values["covers_plans"]),
        last_activity=last_activity,
        days_since_activity=(last_day - last_activity).days if last_activity else None,
        secured_on=values["secured_on"],
        secured_route=values["secured_route"],
        plan_by_second_review=by_second_review.get(values["child_id"]),
        timeline=_timeline(timelines.get(child, ()), bar, as_of),
        name=values["name"],
    )


def _in_period(day: pl.Expr, as_of: dt.date) -> pl.Expr:
    """``day`` falls in the period of care (``start`` to ``end``, both inclusive) and is not after the report date."""
    end = pl.col("end")
    return day.is_not_null() & (day >= pl.col("start")) & (end.is_null() | (day <= end)) & (day <= as_of)


def _legal_status(facts: CohortFacts) -> pl.DataFrame:
    """The legal status in force on the report date, or the day before care ended: ``child``, ``legal_status``."""
    base = facts.base
    # A period's end date is the day care ceased, when the last legal status has usually ended too.
    before_end = pl.max_horizontal("start", pl.col("end") - pl.duration(days=1))
    days = base.select("child_id", "child", day=pl.when("in_care").then(pl.lit(facts.as_of)).otherwise(before_end))
    spells = facts.cohort.legal_statuses.with_row_index("spell").join(days, on="child_id", how="inner")
    day = pl.col("day")
    # The latest spell covering the day, as the record (spells by start) reads it from the end.
    return (
        spells.filter((pl.col("start") <= day) & (pl.col("end").is_null() | (day < pl.col("end"))))
        .sort("child", "start", "spell")
        .unique("child", keep="last")
        .select("child", legal_status="code")
    )


def _period_plans(facts: CohortFacts) -> pl.DataFrame:
    """The plans of this period known on the report date (a plan with no decision date is taken as current),
    in the record's order, with the period's ``start`` and ``end``."""
    decided = pl.col("decided_on")
    return (
        facts.cohort.plans.join(facts.base.select("child_id", "child", "start", "end"), on="child_id", how="inner")
        .filter(decided.is_null() | ((decided >= pl.col("start")) & (decided <= facts.as_of)))
        .sort("child", "seq")
    )


def _plan_history(facts: CohortFacts, plans: pl.DataFrame) -> pl.DataFrame:
    """The status changes of ``plans``, in their order (``change``), with their plan's ``primary`` route."""
    return (
        facts.cohort.plan_history.with_row_index("change")
        .rename({"plan_seq": "seq"})
        .join(plans.select("child_id", "seq", "child", "primary", "start", "end"), on=["child_id", "seq"])
    )


def _current_plan(plans: pl.DataFrame, history: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The current plan's route, contingencies and status on the report date, and every plan's route (``routes``).

    Status: from the plan's history (the latest change by then, the first of a day; proposed before any); without
    a history, ratified once a review ratified it."""
    current = plans.unique("child", keep="last", maintain_order=True)
    changes = history.join(current.select("child", "seq"), on=["child", "seq"], how="semi")
    latest = (
        changes.filter(pl.col("date") <= as_of)
        .sort(["child", "date", "change"], descending=[False, False, True])
        .unique("child", keep="last")
        .select("child", status_then="status")
    )
    with_history = changes.select("child").unique().with_columns(has_history=pl.lit(True))
    ratified = pl.col("ratified_at_review") <= as_of
    status = (
        pl.when(pl.col("has_history"))
        .then(pl.col("status_then").fill_null(PlanStatus.PROPOSED.value))
        .when(ratified)
        .then(pl.lit(PlanStatus.RATIFIED.value))
        .otherwise(pl.lit(PlanStatus.PROPOSED.value))
    )
    routes = plans.group_by("child", maintain_order=True).agg(routes="primary")
    return (
        current.join(latest, on="child", how="left")
        .join(with_history, on="child", how="left")
        .select("child", "contingencies", plan_route="primary", plan_status=status)
        .join(routes, on="child", how="left")
    )


def _ratified(plans: pl.DataFrame, history: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """When each plan was first ratified at a review in this period (a later plan is ratified again): ``child``,
    ``date``, one row a day."""
    at_review = plans.select("child", "seq", "start", "end", date="ratified_at_review")
    changes = history.filter(pl.col("status") == PlanStatus.RATIFIED.value)
    dates = pl.concat([at_review, changes.select("child", "seq", "start", "end", "date")])
    return (
        dates.filter(_in_period(pl.col("date"), as_of))
        .group_by("child", "seq")
        .agg(pl.col("date").min())
        .unique(["child", "date"])
        .select("child", "date")
    )


def _secured(facts: CohortFacts, history: pl.DataFrame) -> pl.DataFrame:
    """When permanence was secured and by which route (the rules engine's definition, with the route kept): a
    permanence exit from care, an adoption order or a plan achieved, the earliest (then the route's name)."""
    base = facts.base
    outcome = pl.col("outcome")
    exits = base.filter(outcome.is_not_null() & (outcome != "") & pl.col("end").is_not_null()).select(
        "child", "start", "end", day="end", route="outcome"
    )
    orders = base.select("child", "start", "end", day="adoption_order", route=pl.lit("adoption"))
    achieved = history.filter(pl.col("status") == PlanStatus.ACHIEVED.value).select(
        "child", "start", "end", day="date", route="primary"
    )
    return (
        pl.concat([exits, orders, achieved])
        .filter(pl.col("route").is_in(sorted(PERMANENCE_ROUTES)) & _in_period(pl.col("day"), facts.as_of))
        .sort("child", "day", "route")
        .unique("child", keep="first")
        .select("child", secured_on="day", secured_route="route")
    )


def _last_activity(
    facts: CohortFacts, detail: CohortDetail, plans: pl.DataFrame, history: pl.DataFrame
) -> pl.DataFrame:
    """The latest permanence work on the record: a meeting held, a plan decided, changed or ratified,
    the permanence decision, an action completed or an adoption milestone. Reviews and hearings are
    left out because they happen whether or not anyone is working on permanence."""
    # One lazy query: polars then streams the national cohort's 1.5 million actions and meetings through the joins
    # instead of holding each step's table (a third of the peak memory of the eager steps, measured).
    base = facts.base.lazy()
    meetings = facts.meetings.lazy()
    completed = (
        detail.actions.lazy()
        .select("child_id", "meeting_seq", "completed_on")
        .filter(pl.col("completed_on").is_not_null())
        .join(base.select("child_id", "child"), on="child_id")
        .join(meetings.select("child", meeting_seq="seq"), on=["child", "meeting_seq"])
    )
    milestones = (
        "permanence_decision_date",
        "adoption_decision",
        "adoption_placement_order",
        "adoption_match",
        "adoption_placed",
        "adoption_order",
    )
    dates = pl.concat(
        [
            meetings.select("child", "date"),
            completed.select("child", date="completed_on"),
            plans.lazy().select("child", date="decided_on"),
            plans.lazy().select("child", date="ratified_at_review"),
            history.lazy().select("child", "date"),
            *(base.select("child", date=column) for column in milestones),
        ]
    )
    day = pl.col("date")
    return (
        dates.join(base.select("child", "start"), on="child")
        .filter(day.is_not_null() & (day >= pl.col("start")) & (day <= facts.as_of))
        .group_by("child")
        .agg(last_activity=day.max())
        .collect()
    )


def _proceedings(facts: CohortFacts, obligations: pl.DataFrame, rules: Sequence[Any]) -> pl.DataFrame:
    """The latest proceedings of the period issued by the report date: issued, concluded by then, the due date
    and the weeks of extension."""
    latest = (
        facts.proceedings.filter(pl.col("issue_date") <= facts.as_of)
        .unique("child", keep="last", maintain_order=True)
        .select("child", "child_id", "issue_date", "concluded_on", pl.col("extension_weeks").fill_null(0))
    )
    # The rules engine's due date honours a profile that counts differently; without it, the law's count.
    engine_due = (
        obligations.filter(pl.col("rule_index").is_in(_final_hearing(rules)) & pl.col("due_date").is_not_null())
        .sort("order")
        .unique(["child", "anchor_date"], keep="first")
        .select("child", issue_date="anchor_date", engine_due="due_date")
    )
    law_due = (
        pl.col("issue_date")
        + pl.duration(days=PROCEEDINGS_LAST_DAY.days)
        + pl.duration(weeks=pl.col("extension_weeks"))
    )
    concluded = pl.col("concluded_on")
    return latest.join(engine_due, on=["child", "issue_date"], how="left").select(
        "child",
        "issue_date",
        "extension_weeks",
        concluded_on=pl.when(concluded <= facts.as_of).then(concluded),
        proceedings_due=pl.coalesce("engine_due", law_due),
    )


def _final_hearing(rules: Sequence[Any]) -> list[int]:
    """The indices of the profile's rules on the final hearing of proceedings."""
    return [index for index, rule in enumerate(rules) if rule.id == PROCEEDINGS_FINAL]


def _next_deadline(open_: pl.DataFrame) -> pl.DataFrame:
    """The earliest open obligation of a child looked after (the rule's id breaks ties): its rule and due date."""
    return (
        open_.filter(pl.col("in_care"))
        .sort("child", "due_date", "rule")
        .unique("child", keep="first")
        .select("child", deadline_rule="rule_index", deadline_due="due_date")
    )


def _overdue_actions(facts: CohortFacts, detail: CohortDetail) -> dict[int, tuple[OverdueAction, ...]]:
    """Actions due before the report date and not completed by it (an as-of in the past sees them as they were),
    each once (its first meeting), by due date and id, by ``child``."""
    as_of = facts.as_of
    meetings = facts.meetings.select("child_id", "child", "meeting_id", "kind", meeting_seq="seq")
    due, completed = pl.col("due_date"), pl.col("completed_on")
    overdue = (
        # Filtered before the join: of a national cohort's 1.5 million actions (with their descriptions) a few are due.
        detail.actions.filter(due.is_not_null() & (due < as_of) & ~(completed.is_not_null() & (completed <= as_of)))
        .join(meetings, on=["child_id", "meeting_seq"], how="inner")
        .sort("child", "meeting_seq", "position")
        .unique(["child", "action_id"], keep="first", maintain_order=True)
        .sort("child", "due_date", "action_id")
    )
    kinds = {kind.value: kind for kind in MeetingKind}
    found: dict[int, list[OverdueAction]] = {}
    columns = ("child", "child_id", "meeting_id", "kind", "action_id", "owner", "due_date", "description")
    for child, child_id, meeting_id, kind, action_id, owner, due_date, description in overdue.select(
        columns
    ).iter_rows():
        found.setdefault(child, []).append(
            OverdueAction(
                child_id=child_id,
                meeting_id=meeting_id,
                meeting_kind=kinds[kind],
                action_id=action_id,
                owner=owner,
                due_date=due_date,
                days_overdue=(as_of - due_date).days,
                description=description,
            )
        )
    return {child: tuple(actions) for child, actions in found.items()}


def _events(
    facts: CohortFacts, plans: pl.DataFrame, history: pl.DataFrame, open_: pl.DataFrame, secured: pl.DataFrame
) -> pl.DataFrame:
    """Every child's timeline markers (``child``, ``date``, ``kind``, ``planned``, ``overdue``), by child, date and
    kind."""
    as_of, base = facts.as_of, facts.base

    def marker(
        frame: pl.DataFrame, date: str, kind: EventKind | pl.Expr, planned: pl.Expr | None = None
    ) -> pl.LazyFrame:
        return frame.lazy().select(
            "child",
            date=pl.col(date),
            kind=pl.lit(kind.value, dtype=_EVENT_KINDS) if isinstance(kind, EventKind) else kind,
            planned=pl.lit(False) if planned is None else planned,
            overdue=pl.lit(False),
        )

    meeting_events = {kind.value: event.value for kind, event in _MEETING_EVENTS.items()}
    # A child who has left care owes no further review, whatever the open obligation says.
    reviews_due = (
        open_.lazy()
        .filter(pl.col("in_care") & pl.col("rule").is_in(sorted(REVIEW_RULES)))
        .select(
            "child",
            date="due_date",
            kind=pl.lit(EventKind.REVIEW_DUE.value, dtype=_EVENT_KINDS),
            planned=pl.lit(True),
            overdue=pl.col("due_date") < as_of,
        )
    )
    markers = pl.concat(
        [
            marker(base, "start", EventKind.CARE_START),
            marker(base.filter(pl.col("end") <= as_of), "end", EventKind.CARE_END),
            marker(facts.reviews, "date", EventKind.REVIEW_HELD),
            reviews_due,
            marker(
                facts.meetings,
                "date",
                pl.col("kind").replace_strict(meeting_events, return_dtype=_EVENT_KINDS),
                pl.col("date") > as_of,
            ),
            marker(plans.filter(pl.col("decided_on").is_not_null()), "decided_on", EventKind.PLAN_DECIDED),
            marker(_ratified(plans, history, as_of), "date", EventKind.PLAN_RATIFIED),
            marker(secured, "secured_on", EventKind.PERMANENCE_SECURED),
        ]
    )
    # Lazy to the end: the millions of markers of a national cohort are built and sorted without a copy per step.
    return markers.sort("child", "date", "kind", maintain_order=True).collect()


def _timelines(events: pl.DataFrame, as_of: dt.date) -> dict[int, tuple[TimelineEvent, ...]]:
    """``events`` as objects, by ``child``. A marker is immutable and many children share one (a review held on the
    same day): each distinct marker is built once and shared, which saves most of the objects' time and memory."""
    kinds = {kind.value: kind for kind in EventKind}
    marker = ["kind", "date", "planned", "overdue"]
    distinct = events.select(marker).unique(maintain_order=True).with_row_index("marker")
    shared = [
        TimelineEvent(kinds[kind], day, planned, overdue) for _, kind, day, planned, overdue in distinct.iter_rows()
    ]
    numbers = events.join(distinct, on=marker, how="left", maintain_order="left")["marker"]
    timelines: dict[int, tuple[TimelineEvent, ...]] = {}
    offset = 0
    # Each child's markers from a slice: a national cohort's millions of events never stand as one Python list.
    for child, count in events.group_by("child", maintain_order=True).len().iter_rows():
        timelines[child] = tuple(map(shared.__getitem__, numbers.slice(offset, count).to_list()))
        offset += count
    return timelines


def _timeline(events: tuple[TimelineEvent, ...], bar: ProceedingsBar | None, as_of: dt.date) -> Timeline:
    edges = [as_of, *(e.date for e in events[:1]), *(e.date for e in events[-1:])]
    if bar:
        edges += [bar.issue_date, bar.week_26_ends, bar.due_date]
    return Timeline(
        start=min(edges) - _MARGIN,
        end=max(edges) + _MARGIN,
        today=as_of,
        events=events,
        proceedings=(bar,) if bar else (),
    )


def _as_table(evaluation: Evaluation) -> CohortEvaluation:
    """An evaluation whose obligations are objects as a ``CohortEvaluation``: the columns the objects carry, in
    their order; the table's positions (``child``, ``anchor_index``, ``step``) and ``alert`` are left null."""
    index = {rule.id: position for position, rule in enumerate(evaluation.profile.rules)}
    carried = ("child_id", "rule_index", "state", "anchor_event", "anchor_date", "due_date", "met_on", "met_event")
    schema = {name: OBLIGATION_COLUMNS[name] for name in (*carried, "note")}
    rows = [
        (
            o.child_id,
            index[o.rule],
            o.state.value,
            o.anchor_event,
            o.anchor_date,
            o.due_date,
            o.met_on,
            o.met_event,
            o.note,
        )
        for o in evaluation.obligations
    ]
    table = frame(rows, schema).with_columns(
        pl.lit(None, dtype).alias(name) for name, dtype in OBLIGATION_COLUMNS.items() if name not in schema
    )
    return CohortEvaluation(
        as_of=evaluation.as_of,
        profile=evaluation.profile,
        table=table.select(list(OBLIGATION_COLUMNS)),
        alerts=evaluation.alerts,
    )
