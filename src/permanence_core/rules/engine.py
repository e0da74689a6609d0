"""The rules engine: a pure function of (cohort, profile, as_of, calendar) to obligations and alerts.

Every rule is evaluated for the whole cohort at once, as polars frames (``events`` answers each vocabulary term for
every child): a recurring rule is a loop over the chains still open, one join per step, not one per child. Python
objects are built only for the alerts, and for obligations when a caller asks for them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import attrs
import polars as pl

from permanence_core.calendar import WorkingCalendar, add_months
from permanence_core.cohort import Cohort, cohort_from_records
from permanence_core.model import CaseRecord, Facet
from permanence_core.rules.due_dates import closures_between, due_date_expr
from permanence_core.rules.events import (
    ANCHORS,
    MET_BY,
    PROCEEDINGS,
    SEQUENCES,
    STAGES,
    STOPS,
    CohortFacts,
    position_in_run,
)
from permanence_core.rules.obligations import Alert, AlertStatus, Obligation, ObligationState
from permanence_core.rules.profile import Counting, Offset, Profile, Rule


@lru_cache(maxsize=1 << 18)
def due_date(anchor: dt.date, offset: Offset, counting: Counting, calendar: WorkingCalendar) -> dt.date:
    """The due date ``offset`` from ``anchor``, for one date (the engine computes whole columns in ``due_dates``).

    ``inclusive`` counting makes the anchor day day 1: 26 weeks *beginning with* the issue day end on
    issue + 181 days, and PLO "Day 12" is issue + 11 days.
    """
    inclusive = counting is Counting.INCLUSIVE
    if offset.working_days is not None:
        if offset.working_days < 0:
            return calendar.subtract_working_days(anchor, -offset.working_days)
        return calendar.add_working_days(anchor, offset.working_days, count_start=inclusive)
    if offset.months is not None:
        due = add_months(anchor, offset.months)
    elif offset.days is not None:
        due = anchor + dt.timedelta(days=offset.days)
    elif offset.weeks is not None:
        due = anchor + dt.timedelta(weeks=offset.weeks)
    else:
        raise AssertionError("unreachable: Offset validates that exactly one unit is set")
    return due - dt.timedelta(days=1) if inclusive and due > anchor else due


def needed_facets(rule: Rule) -> frozenset[Facet]:
    """Every fact the rule needs from the source to be assessable."""
    facets = set(ANCHORS[rule.anchor][1]) | MET_BY[rule.met_by][1]
    for stop in rule.stops:
        facets |= STOPS[stop][1]
    for stage in rule.applies.stage:
        facets |= STAGES[stage][1]
    if rule.applies.plan_route:
        facets.add(Facet.PLANS)
    if rule.applies.legal_status:
        facets.add(Facet.CARE)
    return frozenset(facets)


def profile_facets(profile: Profile) -> frozenset[Facet]:
    """Every facet a rule of ``profile`` needs: all a load for its alerts has to read."""
    return frozenset(facet for rule in profile.rules for facet in needed_facets(rule))


def calendar_for(profile: Profile) -> WorkingCalendar:
    """The working-day calendar a profile's settings describe."""
    closures = [dt.date.fromisoformat(day) for day in profile.settings.extra_closures]
    return WorkingCalendar(extra_closures=closures, subdiv=profile.settings.holidays_subdiv)


@attrs.frozen
class Evaluation:
    """The obligations of every child under a profile on ``as_of``, and the alerts the open ones raise."""

    as_of: dt.date
    profile: Profile
    obligations: tuple[Obligation, ...]
    alerts: tuple[Alert, ...]

    def alerts_for(self, child_id: str) -> tuple[Alert, ...]:
        """One child's alerts."""
        return tuple(a for a in self.alerts if a.child_id == child_id)

    def obligations_for(self, child_id: str) -> tuple[Obligation, ...]:
        """One child's obligation timeline, by due date."""
        return tuple(
            sorted(
                (o for o in self.obligations if o.child_id == child_id),
                key=lambda o: (o.due_date or dt.date.max, o.rule),
            )
        )

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts by obligation state and alert status, and not-assessable counts per rule."""
        states = Counter(o.state.value for o in self.obligations)
        not_assessable = Counter(o.rule for o in self.obligations if o.state is ObligationState.NOT_ASSESSABLE)
        return {
            "obligations": dict(sorted(states.items())),
            "alerts": dict(sorted(Counter(a.status.value for a in self.alerts).items())),
            "not_assessable_by_rule": dict(sorted(not_assessable.items())),
        }


#: The obligations table of a cohort evaluation, one row per obligation, in the order ``Evaluation`` lists them:
#: by child (the cohort's order), rule (the profile's), anchor (the child's order of them) and step of a chain.
OBLIGATION_COLUMNS: dict[str, pl.DataType] = {
    "child": pl.UInt32(),
    "child_id": pl.String(),
    "rule_index": pl.UInt32(),
    "anchor_index": pl.UInt32(),
    "step": pl.UInt32(),
    "state": pl.Categorical(),
    "anchor_event": pl.Categorical(),
    "anchor_date": pl.Date(),
    "due_date": pl.Date(),
    "met_on": pl.Date(),
    "met_event": pl.Categorical(),
    "note": pl.Categorical(),
    "alert": pl.Boolean(),
}


@attrs.frozen
class CohortEvaluation:
    """A whole cohort's evaluation: the obligations as a table (``OBLIGATION_COLUMNS``), the alerts as objects."""

    as_of: dt.date
    profile: Profile
    table: pl.DataFrame = attrs.field(eq=False)
    alerts: tuple[Alert, ...]

    def obligations(self, child_id: str | None = None, rule: str | None = None) -> tuple[Obligation, ...]:
        """Every obligation as objects (or only ``child_id``'s, or only those of the rule ``rule``), in the table's
        order."""
        rules = self.profile.rules
        table = self.table if child_id is None else self.table.filter(pl.col("child_id") == child_id)
        if rule is not None:
            indices = [index for index, known in enumerate(rules) if known.id == rule]
            table = table.filter(pl.col("rule_index").is_in(indices))
        columns = ("rule_index", "child_id", "state", "anchor_event", "anchor_date", "due_date", "met_on")
        rows = table.select(*columns, "met_event", "note").iter_rows()
        return tuple(_obligation(rules[row[0]], *row[1:]) for row in rows)

    def alerts_for(self, child_id: str) -> tuple[Alert, ...]:
        """One child's alerts."""
        return tuple(a for a in self.alerts if a.child_id == child_id)

    def obligations_for(self, child_id: str) -> tuple[Obligation, ...]:
        """One child's obligation timeline, by due date."""
        return tuple(sorted(self.obligations(child_id), key=lambda o: (o.due_date or dt.date.max, o.rule)))

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts by obligation state and alert status, and not-assessable counts per rule (as ``Evaluation``)."""
        rule_ids = [rule.id for rule in self.profile.rules]
        states = Counter(dict(self.table.group_by("state").len().iter_rows()))
        not_assessable = self.table.filter(pl.col("state") == ObligationState.NOT_ASSESSABLE.value)
        by_rule = Counter(
            {rule_ids[index]: count for index, count in not_assessable.group_by("rule_index").len().iter_rows()}
        )
        return {
            "obligations": dict(sorted(states.items())),
            "alerts": dict(sorted(Counter(a.status.value for a in self.alerts).items())),
            "not_assessable_by_rule": dict(sorted(by_rule.items())),
        }

    def evaluation(self) -> Evaluation:
        """The same evaluation with every obligation as an object."""
        return Evaluation(as_of=self.as_of, profile=self.profile, obligations=self.obligations(), alerts=self.alerts)


def evaluate(
    records: Iterable[CaseRecord],
    profile: Profile,
    as_of: dt.date,
    calendar: WorkingCalendar | None = None,
) -> Evaluation:
    """Evaluate every rule of ``profile`` for every record on ``as_of``."""
    return evaluate_cohort(cohort_from_records(records), profile, as_of, calendar).evaluation()


def evaluate_cohort(
    cohort: Cohort, profile: Profile, as_of: dt.date, calendar: WorkingCalendar | None = None
) -> CohortEvaluation:
    """Evaluate every rule of ``profile`` for every child of ``cohort`` on ``as_of``, all children at once."""
    facts = CohortFacts(cohort, as_of, calendar or calendar_for(profile))
    parts = [_rule_obligations(index, rule, profile, facts) for index, rule in enumerate(profile.rules)]
    # The facts' derived tables (a few hundred MB for a national cohort) go before the table is put together and
    # sorted, the evaluation's largest moment.
    del facts
    # The rules' tables side by side without a copy (rechunk=False), then the sorted copy gathered by the sort keys'
    # order: never the rules' tables, their concatenation and the sorted table at once, and no copy of every column
    # for the sort (3 million obligations in a national cohort: a fifth less peak memory than ``sort``, measured).
    columns = {name: dtype for name, dtype in OBLIGATION_COLUMNS.items() if name != "child_id"}
    together = pl.concat([pl.DataFrame(schema=columns), *parts], how="diagonal_relaxed", rechunk=False)
    del parts
    # A handful of distinct texts in millions of rows: as categories, the table is a quarter smaller in memory
    # (260 MB less kept through a national cohort's write-back and tracker, measured), and cheaper to sort.
    together = together.select(pl.col(name).cast(dtype) for name, dtype in columns.items())
    order = together.select(pl.arg_sort_by("child", "rule_index", "anchor_index", "step")).to_series()
    table = together[order]
    del together, order
    # ``child`` is the row of ``cohort.children`` (CohortFacts.base): its id by position, not by a join.
    table.insert_column(1, cohort.children.get_column("child_id").gather(table.get_column("child")))
    return CohortEvaluation(as_of=as_of, profile=profile, table=table, alerts=_alerts(table, profile, as_of))


def _rule_obligations(index: int, rule: Rule, profile: Profile, facts: CohortFacts) -> pl.DataFrame:
    """Every obligation of one rule: not assessable where the source lacks a facet it needs, else its chains."""
    needs = sorted(needed_facets(rule), key=lambda facet: facet.value)
    covered = pl.all_horizontal([pl.col(f"covers_{facet.value}").fill_null(False) for facet in needs])
    missing = pl.concat_str(
        [pl.when(~pl.col(f"covers_{f.value}").fill_null(False)).then(pl.lit(f.value)) for f in needs],
        separator=", ",
        ignore_nulls=True,
    )
    not_assessable = facts.base.filter(~covered).select(
        "child",
        rule_index=pl.lit(index, pl.UInt32),
        anchor_index=pl.lit(0, pl.UInt32),
        step=pl.lit(0, pl.UInt32),
        state=pl.lit(ObligationState.NOT_ASSESSABLE.value),
        note=pl.lit("the source does not supply: ") + missing,
        alert=pl.lit(False),
    )
    assessable = facts.base.filter(covered).select("child")
    anchors = ANCHORS[rule.anchor][0](facts).join(assessable, on="child", how="semi")
    return pl.concat([not_assessable, _chains(index, rule, profile, facts, anchors)], how="diagonal_relaxed")


def _stops(rule: Rule, facts: CohortFacts) -> pl.DataFrame:
    """Each child's ``stop``, when the rule stops applying (leaving care stops every rule), and whether it may
    raise alerts (``may_alert``): only while the child is in care and the rule has not stopped."""
    frame = facts.base.select("child", "in_care", stop="end")
    for name in rule.stops:
        frame = frame.join(STOPS[name][0](facts).rename({"date": name}), on="child", how="left")
    stop = pl.min_horizontal("stop", *rule.stops)
    frame = frame.with_columns(stop=stop)
    may_alert = pl.col("in_care") & (pl.col("stop").is_null() | (pl.col("stop") > facts.as_of))
    return frame.select("child", "stop", may_alert=may_alert)


def _chains(index: int, rule: Rule, profile: Profile, facts: CohortFacts, anchors: pl.DataFrame) -> pl.DataFrame:
    """The obligations from each anchor: one, or for a recurring rule one per step of its chain up to its limit."""
    state = anchors.join(_stops(rule, facts), on="child").with_columns(step=pl.lit(0, pl.UInt32))
    window = rule.warning_days if rule.warning_days is not None else profile.settings.warning_days
    repeats = rule.recurrence.limit if rule.recurrence and rule.recurrence.chain else 1
    if repeats > 1 and rule.met_from == "anchor" and rule.met_by in SEQUENCES:
        return _sequence_chains(index, rule, facts, state, window, repeats)
    steps = []
    for _ in range(repeats):
        state = _applying(rule, facts, state)
        if state.is_empty():
            break
        state = _due(rule, facts, state).with_row_index("row")
        met = MET_BY[rule.met_by][0](facts, _search(rule, facts, state, window))
        state = state.join(met, on="row", how="left")
        stop, met_on, due = pl.col("stop"), pl.col("met_on"), pl.col("due_date")
        # Not owed when the rule stopped (left care, plan ratified…) before it fell due, unless it was met
        # by then: a deadline kept before leaving care stays on the child's timeline.
        state = state.filter(~(stop.is_not_null() & (stop <= due) & (met_on.is_null() | (met_on > stop))))
        steps.append(_obligations(index, state, facts.as_of, window))
        # A recurring rule anchors again on the event that met it, as held: a late review moves the next one.
        state = state.filter(met_on.is_not_null()).select(
            "child",
            "anchor_index",
            anchor_event="met_event",
            anchor_date="met_date",
            ref_kind="met_ref_kind",
            ref_seq="met_ref_seq",
            stop="stop",
            may_alert="may_alert",
            step=pl.col("step") + 1,
        )
    return pl.concat(steps) if steps else pl.DataFrame(schema={"child": pl.UInt32()})


def _sequence_chains(
    index: int, rule: Rule, facts: CohortFacts, state: pl.DataFrame, window: int, repeats: int
) -> pl.DataFrame:
    """``_chains`` at once for a rule met by the next of a sequence of events (reviews, meetings) and anchored again
    on it: step 0 counts from the anchor and is met by the first event from it (strictly after it when the anchor is
    an event of the sequence), step ``k`` counts from the ``k``-th event and is met by the next one. A step the rule
    does not apply to, or that the rule's stop overtakes, ends its chain there, as in the loop."""
    kinds, kind = SEQUENCES[rule.met_by]
    anchors = state.with_row_index("chain").with_columns(order=pl.lit(0, pl.UInt8))
    strict = pl.col("ref_kind").fill_null("") == kind
    since = pl.when(strict).then(pl.col("anchor_date") + pl.duration(days=1)).otherwise(pl.col("anchor_date"))
    carried = ("chain", "child", "anchor_index", "stop", "may_alert")
    events = (
        anchors.select(*carried, since=since)
        .join(facts.day_firsts(kinds).select("child", "date", "event", "seq"), on="child", how="inner")
        .filter(pl.col("date") >= pl.col("since"))
        .select(
            *carried,
            anchor_event="event",
            anchor_date="date",
            ref_kind=pl.lit(kind),
            ref_seq=pl.col("seq").cast(pl.Int32),
            order=pl.lit(1, pl.UInt8),
        )
    )
    # Each chain's anchor, then its events by date: each row is a step, met by the next row of its chain.
    columns = [*carried, "anchor_event", "anchor_date", "ref_kind", "ref_seq", "order"]
    sequence = pl.concat([anchors.select(columns), events]).sort("chain", "order", "anchor_date")
    same_chain = (pl.col("chain").shift(-1) == pl.col("chain")).fill_null(False)
    steps = sequence.with_columns(
        step=position_in_run("chain"),
        met_on=pl.when(same_chain).then(pl.col("anchor_date").shift(-1)),
        met_event=pl.when(same_chain).then(pl.col("anchor_event").shift(-1)),
    ).filter(pl.col("step") < repeats)
    steps = _due(rule, facts, _applying(rule, facts, steps))
    stop, met_on, due = pl.col("stop"), pl.col("met_on"), pl.col("due_date")
    steps = steps.filter(~(stop.is_not_null() & (stop <= due) & (met_on.is_null() | (met_on > stop))))
    # A chain ends at its first step dropped: keep each chain's steps only while they follow on from step 0.
    steps = steps.sort("chain", "step").filter(pl.col("step") == position_in_run("chain"))
    return _obligations(index, steps, facts.as_of, window)


def _obligations(index: int, state: pl.DataFrame, as_of: dt.date, window: int) -> pl.DataFrame:
    met_on, due = pl.col("met_on"), pl.col("due_date")
    status = (
        pl.when(met_on.is_null())
        .then(pl.lit(ObligationState.OPEN.value))
        .when(met_on <= due)
        .then(pl.lit(ObligationState.MET.value))
        .otherwise(pl.lit(ObligationState.MET_LATE.value))
    )
    alert = pl.col("may_alert") & met_on.is_null() & (due <= as_of + dt.timedelta(days=window))
    return state.select(
        "child",
        "anchor_index",
        "step",
        "anchor_event",
        "anchor_date",
        "due_date",
        "met_on",
        "met_event",
        rule_index=pl.lit(index, pl.UInt32),
        state=status,
        note=pl.lit(None, pl.String),
        alert=alert,
    )


def _applying(rule: Rule, facts: CohortFacts, state: pl.DataFrame) -> pl.DataFrame:
    """The anchors the rule applies to: legal status on the anchor's day, the current plan's routes, the stages."""
    applies = rule.applies
    if applies.legal_status:
        state = _with_legal_status(facts, state).filter(pl.col("legal_status").is_in(list(applies.legal_status)))
        state = state.drop("legal_status")
    if applies.plan_route:
        routes = list(applies.plan_route)
        plan = facts.current_plan.filter(
            pl.col("primary").is_in(routes)
            | pl.col("contingencies").list.eval(pl.element().is_in(routes)).list.any().fill_null(False)
        )
        state = state.join(plan.select("child"), on="child", how="semi")
    for stage in applies.stage:
        state = state.join(STAGES[stage][0](facts), on="child", how="semi")
    return state


def _with_legal_status(facts: CohortFacts, state: pl.DataFrame) -> pl.DataFrame:
    """``state`` with the ``legal_status`` in force on each anchor's day (the latest spell covering it)."""
    spells = (
        facts.cohort.legal_statuses.with_row_index("spell")
        .join(facts.base.select("child_id", "child"), on="child_id", how="inner")
        .select("child", "spell", "code", spell_start="start", spell_end="end")
    )
    numbered = state.with_row_index("anchor_row")
    day = pl.col("anchor_date")
    covering = (
        numbered.select("anchor_row", "child", "anchor_date")
        .join(spells, on="child", how="inner")
        .filter((pl.col("spell_start") <= day) & (pl.col("spell_end").is_null() | (day < pl.col("spell_end"))))
        .sort("spell")
        .unique("anchor_row", keep="last")
        .select("anchor_row", legal_status="code")
    )
    return numbered.join(covering, on="anchor_row", how="left").drop("anchor_row")


def _due(rule: Rule, facts: CohortFacts, state: pl.DataFrame) -> pl.DataFrame:
    """``state`` with each anchor's ``due_date``, plus its proceedings' extensions when the rule adds them."""
    working_days = rule.offset.working_days or 0
    closures = closures_between(facts.calendar, state["anchor_date"], working_days) if working_days else []
    due = due_date_expr(pl.col("anchor_date"), rule.offset, rule.counting is Counting.INCLUSIVE, closures)
    if not rule.add_extensions:
        return state.with_columns(due_date=due)
    extensions = facts.proceedings.select("child", ref_seq=pl.col("seq").cast(pl.Int32), weeks="extension_weeks")
    with_weeks = state.join(extensions, on=["child", "ref_seq"], how="left")
    weeks = pl.when(pl.col("ref_kind") == PROCEEDINGS).then(pl.col("weeks").fill_null(0)).otherwise(0)
    return with_weeks.with_columns(due_date=due + pl.duration(weeks=weeks)).drop("weeks")


def _search(rule: Rule, facts: CohortFacts, state: pl.DataFrame, window: int) -> pl.DataFrame:
    """Where the search for the event that meets each obligation starts (the rule's ``met_from``)."""
    if rule.met_from == "anchor":
        return state.select("row", "child", "ref_kind", "ref_seq", from_date="anchor_date")
    if rule.met_from == "period_start":
        since = state.join(facts.base.select("child", "start"), on="child", how="left")
        from_date = pl.col("start")
    else:
        # "window": only an event from the day the warning window opens is the one the rule asks for.
        since = state
        from_date = pl.col("due_date") - pl.duration(days=window)
    return since.select(
        "row", "child", from_date=from_date, ref_kind=pl.lit(None, pl.String), ref_seq=pl.lit(None, pl.Int32)
    )


def _alerts(table: pl.DataFrame, profile: Profile, as_of: dt.date) -> tuple[Alert, ...]:
    """The alerts of the open obligations inside their warning window (or past due), by due date, child and rule."""
    rule_ids = {index: rule.id for index, rule in enumerate(profile.rules)}
    raised = (
        table.filter(pl.col("alert"))
        .with_columns(rule_id=pl.col("rule_index").replace_strict(rule_ids, return_dtype=pl.String))
        .sort("due_date", "child_id", "rule_id", "child", "rule_index", "anchor_index", "step")
    )
    # The words of each rule's offset, once per rule rather than once per alert.
    offsets = [_offset_words(rule.offset) for rule in profile.rules]
    return tuple(
        _alert(profile.rules[row[0]], offsets[row[0]], row[1], as_of, event=row[2], anchor=row[3], due=row[4])
        for row in raised.select("rule_index", "child_id", "anchor_event", "anchor_date", "due_date").iter_rows()
    )


def _obligation(
    rule: Rule,
    child_id: str,
    state: str,
    anchor_event: str | None,
    anchor_date: dt.date | None,
    due_date: dt.date | None,
    met_on: dt.date | None,
    met_event: str | None,
    note: str | None,
) -> Obligation:
    return Obligation(
        child_id=child_id,
        rule=rule.id,
        title=rule.title,
        state=ObligationState(state),
        source=rule.source,
        anchor_event=anchor_event,
        anchor_date=anchor_date,
        due_date=due_date,
        met_on=met_on,
        met_by=rule.met_by,
        met_event=met_event,
        statutory=rule.statutory,
        note=note,
    )


def _offset_words(offset: Offset) -> str:
    """'20 working days after', '3 days before': how an alert's message says how far the due date is from its anchor."""
    direction = "before" if _is_before(offset) else "after"
    return f"{offset.describe().removesuffix(' before')} {direction}"


def _alert(
    rule: Rule, offset: str, child_id: str, as_of: dt.date, *, event: str, anchor: dt.date, due: dt.date
) -> Alert:
    """The alert an open obligation inside its warning window (or past due) raises."""
    if due < as_of:
        status = AlertStatus.OVERDUE
        when = f"overdue by {_days(as_of - due)}"
    else:
        status = AlertStatus.UPCOMING
        when = f"due in {_days(due - as_of)}" if due > as_of else "due today"
    kind = "" if rule.statutory else " (indicator, not a statutory deadline)"
    message = f"{rule.title}{kind}: due {due.isoformat()}, {when}; {offset} {event} on {anchor.isoformat()}"
    return Alert(
        child_id=child_id,
        rule=rule.id,
        status=status,
        due_date=due,
        anchor_event=event,
        anchor_date=anchor,
        message=message,
        source=rule.source,
        title=rule.title,
        statutory=rule.statutory,
    )


def _days(span: dt.timedelta) -> str:
    return "1 day" if span.days == 1 else f"{span.days} days"


def _is_before(offset: Offset) -> bool:
    return any(value is not None and value < 0 for value in attrs.astuple(offset))
