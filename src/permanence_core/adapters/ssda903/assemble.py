"""Assembling CaseRecords from SSDA903 rows: grouping by child, stitching collection years, deriving care history."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from permanence_core.adapters.base import Rejection
from permanence_core.adapters.episodes import STARTED, CareHistory, derive, sequence
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.report import TableCount, rejection
from permanence_core.adapters.ssda903.rows import PARSERS, Adopted, Decision
from permanence_core.adapters.ssda903.values import Problem, RowError
from permanence_core.adapters.ssda903.xmlsource import element_of
from permanence_core.model import AdoptionMilestones, CaseRecord, Child, Facet, Identifiers

#: What a bare return tells about every child in it.
RETURN_FACETS = frozenset({Facet.CARE, Facet.REVIEWS, Facet.ADOPTION})
#: A rejected row of these tables leaves these facets incomplete for its child, so they are withheld:
#: a rule must not raise "review overdue" because the review that was held sat in a rejected row.
WITHHELD_BY = {
    tables.EPISODES.name: frozenset({Facet.CARE, Facet.ADOPTION}),
    tables.REVIEWS.name: frozenset({Facet.REVIEWS}),
    tables.AD1.name: frozenset({Facet.ADOPTION}),
    tables.PLACED_ADOPTION.name: frozenset({Facet.ADOPTION}),
}


#: How rows of a kept table are keyed within a child; the same key twice is the same fact (see stitching).
def _no_key(_fact: object) -> None:
    return None


_KEYS: dict[str, tuple[Callable[[Any], Any], str]] = {
    tables.HEADER.name: (lambda _child: None, "CHILD"),
    tables.EPISODES.name: (lambda episode: episode.start, "DECOM"),
    tables.REVIEWS.name: (lambda review: review.date, "REVIEW"),
    tables.UASC.name: (lambda _until: None, "CHILD"),
    tables.AD1.name: (lambda _adopted: None, "CHILD"),
    tables.PLACED_ADOPTION.name: (lambda decision: decision.placed, "DATE_PLACED"),
    tables.PREV_PERM.name: (lambda _previous: None, "CHILD"),
    tables.SW_EPISODES.name: (lambda worker: (worker.worker_id, worker.start), "SW_DECOM"),
}
#: Facts that cannot be dated before the child's birth: the column and how to read the date from the fact.
#: Checked as the row arrives, against the Header read before it (a collection reads its Header first).
_NOT_BEFORE_BIRTH: dict[str, tuple[str, Callable[[Any], dt.date | None]]] = {
    tables.EPISODES.name: ("DECOM", lambda episode: episode.start),
    tables.REVIEWS.name: ("REVIEW", lambda review: review.date),
}
_NO_HISTORY = CareHistory()
#: Control characters, which no id holds: they break file names, logs and the systems written back to.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
Row = tuple[str, ...]
#: Takes one row of a table: ``(line, element, values, problem)``.
Sink = Callable[[int | None, str | None, Row, Problem | None], None]


@attrs.define(slots=True)
class _Facts:
    """What the rows say about one child so far: per table, facts by key with the collection rank they came from."""

    stores: dict[str, dict[Any, tuple[int, Any]]] = attrs.field(factory=dict)
    rejected: set[str] | None = None

    def one(self, table: str) -> Any:
        held = self.stores.get(table)
        return held[None][1] if held else None

    def all(self, table: str) -> list[Any]:
        return [fact for _rank, fact in self.stores.get(table, {}).values()]


@attrs.frozen(kw_only=True)
class Stitching:
    """What multi-year stitching and episode repair did, for the load's notices."""

    replaced: dict[str, int]
    closed: int = 0
    truncated: int = 0
    started_before: int = 0
    withheld: int = 0
    without_header: int = 0
    lost: frozenset[str] = frozenset()

    @property
    def not_in_source(self) -> frozenset[Facet]:
        """The facets no child has because a table that gives them could not be read."""
        return frozenset(facet for table in self.lost for facet in WITHHELD_BY.get(table, frozenset()))


@attrs.define
class Assembler:
    """Collects rows from any number of files and collection years, then builds one CaseRecord per child.

    Stitching rule: within a child, rows are keyed (Episodes by DECOM, Reviews by REVIEW date, PlacedAdoption
    by DATE_PLACED, SWEpisodes by SW_ID and SW_DECOM, the one-row tables by child). A key met again in a
    *later* collection replaces the earlier row; met again in the *same* collection, the repeat is rejected.
    Episodes are then put in order and repaired by :func:`permanence_core.adapters.episodes.sequence`.
    """

    children: dict[str, _Facts] = attrs.field(factory=dict)
    rejected: list[Rejection] = attrs.field(factory=list)
    counts: dict[str, list[int]] = attrs.field(factory=dict)
    replaced: dict[str, int] = attrs.field(factory=dict)
    #: Tables a file of which could not be read (wholly or past some line): their facets are withheld from all.
    lost: set[str] = attrs.field(factory=set)

    def count(self, table: str) -> list[int]:
        """The [read, rejected] counter of ``table``."""
        counter = self.counts.get(table)
        if counter is None:
            counter = self.counts[table] = [0, 0]
        return counter

    def sink(self, table: tables.Table, rank: int, source: str) -> Sink:
        """A function taking the rows of ``table`` from one file of the collection ranked ``rank``.

        It is called as ``take(line, element, values, problem)`` for each row; later collections rank higher.
        Everything that is the same for every row of the file is looked up once, here: a national return
        has about a million rows.
        """
        counter = self.count(table.name)
        parse = PARSERS[table.name]
        key_of, key_column = _KEYS.get(table.name, (_no_key, ""))
        kept = table.kept
        name = table.name
        children = self.children
        repeat = f"repeats an earlier {name} row of this child"
        dated = _NOT_BEFORE_BIRTH.get(name)

        def take(line: int | None, element: str | None, values: Row, problem: Problem | None) -> None:
            counter[0] += 1
            child_id = values[0]
            facts = None
            if child_id and not _CONTROL.search(child_id):
                facts = children.get(child_id)
                if facts is None:
                    facts = children[child_id] = _Facts()
            try:
                if problem is not None:
                    raise RowError(*problem)
                if not child_id:
                    raise RowError("CHILD", child_id, "is required")
                if facts is None:
                    raise RowError("CHILD", child_id, "holds a control character: not an id")
                fact = parse(values)
                if dated is not None and fact is not None and facts is not None:
                    _check_after_birth(facts, table, values, fact, *dated)
            except RowError as error:
                self._reject(table, counter, facts, source, line, element, child_id, error)
                return
            if not kept or fact is None or facts is None:
                return
            key = key_of(fact)
            store = facts.stores.get(name)
            if store is None:
                store = facts.stores[name] = {}
            held = store.get(key)
            if held is not None:
                if held[0] == rank:
                    reason = repeat if key is None else f"{repeat} with the same {key_column}"
                    repeated = RowError(key_column, values[table.index(key_column)], reason)
                    self._reject(table, counter, facts, source, line, element, child_id, repeated)
                    return
                self.replaced[name] = self.replaced.get(name, 0) + 1
            store[key] = (rank, fact)

        return take

    def reject_unreadable(self, table: str, source: str, line: int | None, reason: str) -> None:
        """Report the unreadable rest of a file as one rejected record."""
        counter = self.count(table)
        counter[0] += 1
        counter[1] += 1
        self.rejected.append(rejection(source=source, row=line, child_id=None, column=None, value=None, reason=reason))

    def reject_table(self, table: tables.Table | None, source: str, reason: str) -> None:
        """Reject a whole file meant as ``table`` (None: no table); the facets it gives are withheld from all."""
        self.reject_unreadable(table.name if table else "Unreadable", source, 1, reason)
        if table is not None:
            self.lost.add(table.name)

    def _reject(
        self,
        table: tables.Table,
        counter: list[int],
        facts: _Facts | None,
        source: str,
        line: int | None,
        element: str | None,
        child_id: str,
        error: RowError,
    ) -> None:
        counter[1] += 1
        if facts is not None:
            if facts.rejected is None:
                facts.rejected = set()
            facts.rejected.add(table.name)
        column = error.column
        self.rejected.append(
            rejection(
                source=source,
                row=line,
                child_id=child_id,
                column=column,
                value=error.value,
                reason=error.reason,
                element=element_of(element, column) if element and column else element,
            )
        )

    def table_counts(self) -> tuple[TableCount, ...]:
        """Rows read and rejected per table, in table order."""
        order = {table.name: i for i, table in enumerate(tables.TABLES)}
        return tuple(
            TableCount(table=name, read=read, rejected=rejected)
            for name, (read, rejected) in sorted(self.counts.items(), key=lambda item: order.get(item[0], len(order)))
        )

    def records(self) -> tuple[tuple[CaseRecord, ...], Stitching]:
        """Build every child's CaseRecord, in the order children first appeared."""
        stats = {"closed": 0, "truncated": 0, "started_before": 0, "withheld": 0, "without_header": 0}
        built = tuple(self._records(stats))
        return built, Stitching(replaced=dict(self.replaced), lost=frozenset(self.lost), **stats)

    def _records(self, stats: dict[str, int]) -> Iterator[CaseRecord]:
        available = RETURN_FACETS - frozenset(f for t in self.lost for f in WITHHELD_BY.get(t, frozenset()))
        for child_id, facts in self.children.items():
            child = facts.one(tables.HEADER.name)
            if child is None:
                stats["without_header"] += 1
                child = Child(identifiers=Identifiers(case_id=child_id))
            until = facts.one(tables.UASC.name)
            if until is not None:
                child = attrs.evolve(child, uasc_until=until)
            history = _NO_HISTORY
            episodes = facts.all(tables.EPISODES.name)
            if episodes:
                ordered = sequence(episodes)
                stats["closed"] += ordered.closed
                stats["truncated"] += ordered.truncated
                history = derive(ordered.episodes)
                if ordered.episodes[0].reason_new_episode != STARTED:
                    stats["started_before"] += 1
            coverage = available
            if facts.rejected:
                stats["withheld"] += 1
                for table in facts.rejected:
                    coverage = coverage - WITHHELD_BY.get(table, frozenset())
            yield CaseRecord(
                child=child,
                coverage=coverage,
                periods_of_care=history.periods,
                legal_statuses=history.legal_statuses,
                placements=history.placements,
                reviews=facts.all(tables.REVIEWS.name),
                previous_permanence=facts.one(tables.PREV_PERM.name),
                adoption=_adoption(facts.one(tables.AD1.name), facts.all(tables.PLACED_ADOPTION.name), history),
                workers=facts.all(tables.SW_EPISODES.name),
            )


def _check_after_birth(
    facts: _Facts, table: tables.Table, values: Row, fact: Any, column: str, date_of: Callable[[Any], dt.date | None]
) -> None:
    """RowError when ``fact`` is dated before the child's date of birth in its Header."""
    child = facts.one(tables.HEADER.name)
    born = child.date_of_birth if child is not None else None
    when = date_of(fact)
    if born is not None and when is not None and when < born:
        raise RowError(column, values[table.index(column)], "is before the child's date of birth (DOB in the Header)")


def _adoption(adopted: Adopted | None, decisions: list[Decision], history: CareHistory) -> AdoptionMilestones | None:
    """Decision: AD1 DATE_INT, else the latest PlacedAdoption DATE_PLACED (the validator's rule 523 makes them
    equal); reversal: that latest decision's DATE_PLACED_CEASED; the rest from the episodes."""
    latest = max(decisions, key=lambda d: d.placed) if decisions else None
    decision = adopted.decision if adopted is not None and adopted.decision else (latest.placed if latest else None)
    milestones = AdoptionMilestones(
        decision=decision,
        placement_order=history.placement_order,
        match=adopted.match if adopted else None,
        placed=history.placed_for_adoption,
        order=history.adoption_order,
        reversal=latest.ceased if latest else None,
        reversal_reason=latest.reason if latest else None,
        foster_carer_adoption=adopted.foster_carer if adopted else None,
    )
    return None if milestones == AdoptionMilestones() else milestones
