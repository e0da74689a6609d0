"""The permanence pack's CSV tables read straight into the cohort's pack columns, equal to the object reader's.

The fast path covers the files of the facets a pack supplies (children, plans, plan_status, meetings, attendees,
actions, proceedings, hearings, extensions, siblings, workers, coverage): each is read with polars and every value
checked, one distinct value (or combination the object reader checks together) at a time, by the object reader's
own parsers. Anything else (a bad or repeated row, a row about a child not in the return, a ``pack.json``, or every
facet with the documents' facts, as documents ask) reads the whole pack with the object reader
(:func:`read_pack`), which names every rejection, and converts its records. The return's own columns are the
caller's and pass through untouched.

Asked for the cohort's detail tables (``CohortDetail``: names, meeting chairs and children, actions, plan ids,
workers), the fast path also reads the text columns they hold (names, chairs, owners, descriptions, dependencies,
workers' names and teams); the object reader's records give them through ``detail_from_records``."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from permanence_core import codes
from permanence_core.adapters.base import Rejection
from permanence_core.adapters.distinct_checks import checked
from permanence_core.adapters.pack import files
from permanence_core.adapters.pack.csvpack import file_facet
from permanence_core.adapters.pack.files import EVERY_CHILD, PACK_FACETS, PackFile
from permanence_core.adapters.pack.jsonpack import DOCUMENTS_JSON, PACK_JSON
from permanence_core.adapters.ssda903.checks import REFUSED
from permanence_core.adapters.ssda903.csvsource import bounded_lines, encoding_of
from permanence_core.adapters.ssda903.rawrows import Reduce, read_rows
from permanence_core.adapters.ssda903.report import TableCount, Unreadable
from permanence_core.adapters.ssda903.values import RowError, date, flag, split_list
from permanence_core.cohort import SCHEMAS, Cohort, CohortDetail, cohort_from_records, detail_from_records
from permanence_core.cohort.detail import DETAIL_SCHEMAS, display_name
from permanence_core.model import CaseRecord, Child, Facet, Identifiers, MeetingKind
from permanence_core.model.child import _UPN as UPN_PATTERN
from permanence_core.model.child import nhs_number_is_valid

#: The facets whose files the fast path reads.
FAST_FACETS = frozenset({Facet.PLANS, Facet.MEETINGS, Facet.PROCEEDINGS, Facet.SIBLINGS, Facet.WORKERS})
#: The pack's columns of the children table.
PACK_CHILD_COLUMNS = ("permanence_decision_date", *(f"covers_{facet.value}" for facet in sorted(PACK_FACETS)))
_SOME_CHILD = Identifiers(case_id="x")


@attrs.frozen(kw_only=True)
class PackCohort:
    """The cohort with the pack's facts joined, the pack's rejected rows and rows read."""

    cohort: Cohort
    rejected: tuple[Rejection, ...] = ()
    read: int = 0
    notices: tuple[str, ...] = ()
    #: True when the object reader read the pack (see the module's docstring for when).
    by_object_reader: bool = False
    #: The cohort's detail tables, when asked for.
    detail: CohortDetail | None = None


class _Unusual(Exception):
    """Something the fast path leaves to the object reader."""


def read_pack_cohort(
    path: Path,
    returned: Cohort,
    facets: Collection[Facet] | None,
    *,
    detail: bool = False,
    returned_workers: pl.DataFrame | None = None,
) -> PackCohort:
    """Join the pack at ``path`` to ``returned`` (the return's cohort) as ``load`` merges it into records; with
    ``detail``, the cohort's detail tables too, equal to ``detail_from_records`` of that load's records
    (``returned_workers``: the return's allocated workers, which stand for a child the pack gives none)."""
    wanted = None if facets is None else frozenset(facets) & PACK_FACETS
    workers = returned_workers if returned_workers is not None else pl.DataFrame(schema=dict(DETAIL_SCHEMAS["workers"]))
    if wanted is not None and wanted <= FAST_FACETS and path.is_dir() and not (path / PACK_JSON).is_file():
        try:
            return _fast(path, returned, wanted, detail, workers)
        except _Unusual:
            pass
    return _by_object_reader(path, returned, wanted, detail, workers)


def _by_object_reader(
    path: Path, returned: Cohort, wanted: frozenset[Facet] | None, detail: bool, returned_workers: pl.DataFrame
) -> PackCohort:
    from permanence_core.adapters.pack import merge, read_pack

    children = returned.children["child_id"].to_list()
    pack = read_pack(path, children, wanted)
    stubs = [
        merge(
            CaseRecord(child=Child(identifiers=Identifiers(case_id=child_id))),
            pack.records.get(child_id),
            pack.declared,
            pack.withheld.get(child_id, frozenset()),
        )
        for child_id in children
    ]
    side = cohort_from_records(stubs)
    return PackCohort(
        detail=_detail_of(stubs, returned_workers) if detail else None,
        cohort=_joined(returned, side.children.select("child_id", *PACK_CHILD_COLUMNS), side),
        rejected=pack.rejected,
        read=pack.read,
        notices=pack.notices,
        by_object_reader=True,
    )


def _with_returned_workers(pack_workers: pl.DataFrame, returned_workers: pl.DataFrame) -> pl.DataFrame:
    """As ``merge``: a child's workers are the pack's, else the return's."""
    given = pack_workers.get_column("child_id").unique().implode()
    return pl.concat([pack_workers, returned_workers.filter(~pl.col("child_id").is_in(given))])


def _detail_of(stubs: list[CaseRecord], returned_workers: pl.DataFrame) -> CohortDetail:
    detail = detail_from_records(stubs)
    return attrs.evolve(detail, workers=_with_returned_workers(detail.workers, returned_workers))


def _joined(returned: Cohort, pack_children: pl.DataFrame, side: Cohort) -> Cohort:
    children = returned.children.drop(*PACK_CHILD_COLUMNS).join(
        pack_children, on="child_id", how="left", maintain_order="left"
    )
    return Cohort(
        children=children.select(*SCHEMAS["children"]),
        periods=returned.periods,
        legal_statuses=returned.legal_statuses,
        reviews=returned.reviews,
        meetings=side.meetings,
        plans=side.plans,
        plan_history=side.plan_history,
        proceedings=side.proceedings,
    )


def _header(path: Path) -> list[str]:
    """The file's header as the object reader reads it (stripped, lower case)."""
    with path.open(encoding=encoding_of(path), newline="") as stream:
        try:
            return [name.strip().lower() for name in next(csv.reader(bounded_lines(stream)), [])]
        except (Unreadable, csv.Error):
            raise _Unusual from None


#: Free-text columns no check reads and no cohort column holds: not read (their rows are still counted and checked
#: for width and blankness from the whole line).
_UNCHECKED = {
    files.CHILDREN.name: frozenset({"first_name", "surname", "sui", "ethnicity"}),
    files.PLANS.name: frozenset({"description", "short_term_aim", "medium_term_aim", "long_term_aim"}),
    files.PROCEEDINGS.name: frozenset({"court_reference", "outcome"}),
    files.MEETINGS.name: frozenset({"chair", "summary", "agreed_plan"}),
    files.ATTENDEES.name: frozenset({"role"}),
    files.ACTIONS.name: frozenset({"owner", "depends_on"}),
    files.WORKERS.name: frozenset({"name", "team"}),
}


#: Required columns nothing else reads: only whether each is given is kept.
_PRESENCE = {
    files.ATTENDEES.name: frozenset({"name"}),
    files.ACTIONS.name: frozenset({"description"}),
    files.SIBLINGS.name: frozenset({"sibling_name"}),
}
#: The text columns the detail tables hold: read (whole) only when the detail is asked for.
_DETAIL_COLUMNS = {
    files.CHILDREN.name: frozenset({"first_name", "surname"}),
    files.MEETINGS.name: frozenset({"chair"}),
    files.ACTIONS.name: frozenset({"description", "owner", "depends_on"}),
    files.WORKERS.name: frozenset({"name", "team"}),
}


@attrs.define
class _Account:
    """The notices and row counts of the files read, as ``CsvPack`` gives them."""

    notices: list[str] = attrs.field(factory=list)
    counts: list[TableCount] = attrs.field(factory=list)


def _rows(
    folder: Path, file: PackFile, account: _Account, reduce: Reduce | None = None, *, detail: bool = False
) -> pl.DataFrame | None:
    """The file's rows, its documented columns stripped (absent ones blank); None when there is no such file.
    With ``detail``, the columns the detail tables hold are read whole too."""
    found = [p for p in folder.glob("*") if p.name.lower() == file.name and p.is_file()]
    if not found:
        return None
    path = found[0]
    header = _header(path)
    if any(header.count(column) > 1 for column in file.columns):
        raise _Unusual
    wanted = _DETAIL_COLUMNS.get(file.name, frozenset()) if detail else frozenset()
    skipped = _UNCHECKED.get(file.name, frozenset()) - wanted
    positions = [
        header.index(column) if column in header and column not in skipped else None for column in file.columns
    ]
    presence = [i for i, column in enumerate(file.columns) if column in _PRESENCE.get(file.name, frozenset()) - wanted]
    rows = read_rows(path, positions, len(header), presence=presence, reduce=reduce)
    frame = rows.frame
    if rows.unreadable is not None or (frame["fields"] != len(header)).any():
        raise _Unusual
    frame = frame.drop("line", "fields", "blank")
    frame = frame.rename({f"c{i}": column for i, column in enumerate(file.columns)})
    source = f"pack/{path.name}"
    absent = [column for column in file.columns if column not in header]
    extra = [str(at) for at, name in enumerate(header, 1) if name not in file.columns]
    if absent:
        account.notices.append(f"{source}: no column {', '.join(absent)}; read as blank")
    if extra:
        account.notices.append(f"{source}: extra columns ignored: columns {', '.join(extra)}")
    account.counts.append(TableCount(table=file.name, read=frame.height))
    for column in file.required:
        if (frame[column] == "").any():
            raise _Unusual
    return frame


def _kept(values: pl.Series, check: Callable[[str], Any], dtype: pl.DataType) -> pl.Series:
    """``values`` as the object reader keeps them; _Unusual when any fails its check."""
    value, passed = checked(values, check, dtype, refused=REFUSED)
    if not passed.all():
        raise _Unusual
    return value


def _in_return(frame: pl.DataFrame, column: str, children: pl.Series) -> None:
    if not frame[column].is_in(children.implode()).all():
        raise _Unusual


def _fast(
    folder: Path, returned: Cohort, wanted: frozenset[Facet], detail: bool, returned_workers: pl.DataFrame
) -> PackCohort:
    children = returned.children["child_id"]
    names = pl.DataFrame(schema={"child_id": pl.String(), "first_name": pl.String(), "surname": pl.String()})
    tables = {name: pl.DataFrame(schema=dict(schema)) for name, schema in DETAIL_SCHEMAS.items()}
    known = {file.name for file in files.FILES}
    skipped = ", ".join(sorted(facet.value for facet in PACK_FACETS - wanted)) or "none"
    notices = [f"pack: only the facets needed were read; not loaded: {skipped}, nor {DOCUMENTS_JSON}"]
    account = _Account(
        notices=[
            f"pack/{found.name}: not a permanence pack file; ignored"
            for found in sorted(folder.glob("*.csv"))
            if found.name.lower() not in known
        ]
    )
    facets: list[pl.DataFrame] = []
    decisions = pl.DataFrame(schema={"child_id": pl.String(), "permanence_decision_date": pl.Date()})
    plans = Cohort().plans
    history = Cohort().plan_history
    proceedings = Cohort().proceedings
    if Facet.PLANS in wanted:
        child_rows = _rows(folder, files.CHILDREN, account, detail=detail)
        if child_rows is not None:
            decisions = _child_details(child_rows, children)
            names = child_rows.select("child_id", "first_name", "surname")
        plan_rows = _rows(folder, files.PLANS, account)
        status_rows = _rows(folder, files.PLAN_STATUS, account) if plan_rows is not None else None
        if plan_rows is not None:
            plans, plan_ids = _plans(plan_rows, children)
            tables["plan_ids"] = plan_ids.select(*DETAIL_SCHEMAS["plan_ids"])
            facets.append(plans.select("child_id", pl.lit(Facet.PLANS.value).alias("facet")))
            if status_rows is not None:
                history = _history(status_rows, plan_ids)
        elif _rows(folder, files.PLAN_STATUS, account) is not None:
            raise _Unusual  # every status row names a plan that is not there: rejections
    meetings = Cohort().meetings
    if Facet.MEETINGS in wanted:
        meeting_rows = _rows(folder, files.MEETINGS, account, detail=detail)
        if meeting_rows is not None:
            meetings, copies = _meetings(meeting_rows, children)
            del meeting_rows
            if detail:
                tables["meeting_detail"] = copies.select(*DETAIL_SCHEMAS["meeting_detail"])
            meeting_ids = meetings["meeting_id"].unique()
            # Of the millions of attendees and actions only whether each names a meeting read is kept (and a hash
            # of each action's meeting and id, for repeats: a collision only sends the pack to the object reader).
            attendee_rows = _rows(folder, files.ATTENDEES, account, _known_meeting(meeting_ids))
            if attendee_rows is not None:
                _attendees(attendee_rows)
            del attendee_rows
            if detail:
                action_rows = _rows(folder, files.ACTIONS, account, detail=True)
                if action_rows is not None:
                    tables["actions"] = _action_detail(action_rows, meeting_ids, copies)
            else:
                action_rows = _rows(folder, files.ACTIONS, account, _known_meeting(meeting_ids, keyed=True))
                if action_rows is not None:
                    _actions(action_rows)
            del action_rows
            facets.append(meetings.select("child_id", pl.lit(Facet.MEETINGS.value).alias("facet")))
        elif _rows(folder, files.ATTENDEES, account) is not None or _rows(folder, files.ACTIONS, account) is not None:
            raise _Unusual  # every row names a meeting that is not there: rejections
    if Facet.PROCEEDINGS in wanted:
        case_rows = _rows(folder, files.PROCEEDINGS, account)
        if case_rows is not None:
            hearing_rows = _rows(folder, files.HEARINGS, account)
            extension_rows = _rows(folder, files.EXTENSIONS, account)
            proceedings = _proceedings(case_rows, hearing_rows, extension_rows, children)
            facets.append(proceedings.select("child_id", pl.lit(Facet.PROCEEDINGS.value).alias("facet")))
        elif _rows(folder, files.HEARINGS, account) is not None or _rows(folder, files.EXTENSIONS, account) is not None:
            raise _Unusual
    if Facet.SIBLINGS in wanted:
        sibling_rows = _rows(folder, files.SIBLINGS, account)
        if sibling_rows is not None:
            _siblings(sibling_rows, children)
            facets.append(sibling_rows.select("child_id", pl.lit(Facet.SIBLINGS.value).alias("facet")))
        del sibling_rows
    pack_workers = returned_workers.head(0)
    if Facet.WORKERS in wanted:
        worker_rows = _rows(folder, files.WORKERS, account, detail=detail)
        if worker_rows is not None:
            pack_workers = _workers(worker_rows, children)
            facets.append(worker_rows.select("child_id", pl.lit(Facet.WORKERS.value).alias("facet")))
        del worker_rows
    declared: set[Facet] = set()
    coverage_rows = _rows(folder, files.COVERAGE, account)
    if coverage_rows is not None:
        named = _kept(coverage_rows["facet"], lambda text: files.coverage_facet({"facet": text}).value, pl.String())
        rows = coverage_rows.with_columns(named.alias("facet")).filter(pl.col("facet").is_in([f.value for f in wanted]))
        declared = {Facet(value) for value in rows.filter(pl.col("child_id") == EVERY_CHILD)["facet"].to_list()}
        per_child = rows.filter(pl.col("child_id") != EVERY_CHILD)
        _in_return(per_child, "child_id", children)
        facets.append(per_child.select("child_id", "facet"))
    covered = pl.concat(facets) if facets else pl.DataFrame(schema={"child_id": pl.String(), "facet": pl.String()})
    pack_children = returned.children.select("child_id").join(decisions, on="child_id", how="left")
    for facet in sorted(PACK_FACETS):
        has = pl.col("child_id").is_in(covered.filter(pl.col("facet") == facet.value)["child_id"].implode())
        pack_children = pack_children.with_columns(
            (pl.lit(facet in declared) | has if facet in wanted else pl.lit(False)).alias(f"covers_{facet.value}")
        )
    side = Cohort(plans=plans, plan_history=history, proceedings=proceedings, meetings=meetings)
    return PackCohort(
        detail=CohortDetail(
            names=_names(returned, names),
            **{k: v for k, v in tables.items() if k not in ("names", "workers")},
            workers=_with_returned_workers(pack_workers, returned_workers),
        )
        if detail
        else None,
        cohort=_joined(returned, pack_children, side),
        read=sum(count.read for count in account.counts),
        notices=(*notices, *account.notices, *(str(count) for count in account.counts)),
    )


def _child_details(rows: pl.DataFrame, children: pl.Series) -> pl.DataFrame:
    """children.csv: every value checked as ``CsvPack._child`` builds the child; the decision date per child."""
    _in_return(rows, "child_id", children)
    if rows["child_id"].is_duplicated().any():
        raise _Unusual
    _kept(rows["nhs_number"], _nhs_number, pl.Boolean())
    for column in ("upn", "former_upn"):
        _kept(rows[column], _pack_upn, pl.Boolean())
    _kept(rows["sex"], lambda text: bool(Child(identifiers=_SOME_CHILD, sex=text.upper() or None)), pl.Boolean())
    for column in ("date_of_birth", "referral_date"):
        _kept(rows[column], _dated(column), pl.Date())
    decided = _kept(rows["permanence_decision_date"], lambda text: date(text, "permanence_decision_date"), pl.Date())
    return pl.DataFrame({"child_id": rows["child_id"], "permanence_decision_date": decided})


def _dated(column: str) -> Callable[[str], dt.date | None]:
    return lambda text: date(text, column)


def _pack_upn(text: str) -> bool:
    # The pack keeps "UN1".."UN10" as given (and the model refuses them), unlike the return's UPN column.
    return text == "" or bool(UPN_PATTERN.match(text.upper())) or _bad()


def _nhs_number(text: str) -> bool:
    # Identifiers' own check (spaces dropped, then modulus 11), without building one per child.
    return not text or nhs_number_is_valid(text.replace(" ", "")) or _bad()


def _bad() -> bool:
    raise _Unusual


def _plans(rows: pl.DataFrame, children: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """plans.csv as the cohort's plans table (``seq`` in decision order), and each plan_id's child and seq."""
    _in_return(rows, "child_id", children)
    if rows["plan_id"].is_duplicated().any():
        raise _Unusual
    # The primary route depends on the Annex A codes when blank: checked together, as files.plan reads them.
    routes = rows.select("primary_route", "annex_a_codes").unique()
    primaries = [
        _plan_part(primary, annex)
        for primary, annex in zip(routes["primary_route"], routes["annex_a_codes"], strict=True)
    ]
    routes = routes.with_columns(pl.Series("primary", primaries, dtype=pl.String))
    contingencies = _kept(
        rows["contingency_routes"],
        lambda text: list(_contingencies(text)),
        pl.List(pl.String()),
    )
    decided = _kept(rows["decided_on"], lambda text: date(text, "decided_on"), pl.Date())
    ratified = _kept(rows["ratified_at_review"], lambda text: date(text, "ratified_at_review"), pl.Date())
    plans = (
        rows.select("child_id", "plan_id", "primary_route", "annex_a_codes")
        .with_columns(
            contingencies.alias("contingencies"), decided.alias("decided_on"), ratified.alias("ratified_at_review")
        )
        .with_row_index("_order")
        .join(routes, on=["primary_route", "annex_a_codes"], how="left", maintain_order="left")
        .sort("child_id", pl.col("decided_on").fill_null(pl.date(1, 1, 1)), "_order")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).over("child_id").alias("seq"))
    )
    table = plans.select(*SCHEMAS["plans"])
    return table, plans.select("plan_id", "child_id", "seq")


def _plan_part(primary: str, annex: str) -> str:
    try:
        return files.plan({"primary_route": primary, "annex_a_codes": annex, "plan_id": "x"}).primary
    except (RowError, ValueError) as exc:  # ModelValueError is a ValueError: the object reader rejects the row
        raise _Unusual from exc


def _contingencies(text: str) -> tuple[str, ...]:
    plan = files.plan({"primary_route": next(iter(codes.PERMANENCE_ROUTE)), "contingency_routes": text, "plan_id": "x"})
    return plan.contingencies


def _names(returned: Cohort, names: pl.DataFrame) -> pl.DataFrame:
    """Each child's name as ``Child.display_name`` gives it: first name and surname, else the child's id."""
    name = display_name(pl.col("first_name"), pl.col("surname"), pl.col("child_id"))
    return (
        returned.children.select("child_id")
        .join(names, on="child_id", how="left", maintain_order="left")
        .select("child_id", name.alias("name"))
    )


def _meetings(rows: pl.DataFrame, children: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """meetings.csv as the cohort's meetings table: one row per meeting and child of the return it names
    (``seq`` in date order, as the record sorts them), each value checked as ``files.meeting`` reads it; and
    those rows' ``meeting_id``, ``child_id``, ``seq``, ``chair`` and ``children`` (every child the row names)."""
    if rows["meeting_id"].is_duplicated().any():
        raise _Unusual
    kind = _kept(rows["kind"], lambda text: MeetingKind(text.lower()).value, pl.String())
    day = _kept(rows["date"], lambda text: date(text, "date", required=True), pl.Date())
    minutes = _kept(rows["minutes_issued_on"], _dated("minutes_issued_on"), pl.Date())
    referral = _kept(rows["referral_received_on"], _dated("referral_received_on"), pl.Date())
    named = _kept(rows["children"], lambda text: list(split_list(text)), pl.List(pl.String()))
    if (named.list.n_unique() != named.list.len()).any():
        raise _Unusual  # a child named twice would hold the meeting twice
    meetings = (
        rows.select("meeting_id")
        .with_columns(
            kind.alias("kind"),
            day.alias("date"),
            referral.alias("referral_received_on"),
            minutes.alias("minutes_issued_on"),
            named.alias("child_id"),
        )
        .with_row_index("_order")
        .explode("child_id")
    )
    ours = meetings.filter(pl.col("child_id").is_in(children.implode()))
    if ours["_order"].n_unique() != rows.height:
        raise _Unusual  # a meeting naming no child of the return is rejected
    table = ours.sort("child_id", "date", "_order").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int32).over("child_id").alias("seq")
    )
    # As files.meeting: a blank chair is none.
    chairs = rows.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_order"),
        pl.when(pl.col("chair") != "").then(pl.col("chair")).alias("chair"),
        named.alias("children"),
    )
    copies = table.select("meeting_id", "child_id", "seq", "_order").join(
        chairs, on="_order", how="left", maintain_order="left"
    )
    return table.select(*SCHEMAS["meetings"]), copies


def _known_meeting(meetings: pl.Series, *, keyed: bool = False) -> Reduce:
    """Rows of attendees or actions with ``meeting_id`` (``c0``) reduced to ``x`` (a meeting read), ``?`` (none)
    or blank, and with ``keyed`` a ``_key`` hashing the meeting and action ids (``c0``, ``c1``)."""
    # Sorted once and searched per block: ``is_in`` would hash the national cohort's million meeting ids again for
    # every block of the file (a quarter of the load on one core, measured).
    known = meetings.sort()
    meeting = pl.col("c0")

    def reduce(rows: pl.DataFrame) -> pl.DataFrame:
        if keyed:
            rows = rows.with_columns(pl.struct("c0", "c1").hash(seed=0).alias("_key"), _given("c1"))
        return rows.with_columns(
            pl.when(meeting == "")
            .then(pl.lit(""))
            .when(_among(rows["c0"], known))
            .then(pl.lit("x"))
            .otherwise(pl.lit("?"))
            .alias("c0")
        )

    return reduce


def _among(values: pl.Series, known: pl.Series) -> pl.Series:
    """Whether each of ``values`` is one of ``known`` (sorted): where a binary search lands, that value is found."""
    if known.is_empty():
        return pl.repeat(False, len(values), eager=True)
    landed = known.search_sorted(values).clip(upper_bound=len(known) - 1)
    return known.gather(landed) == values


def _given(name: str) -> pl.Expr:
    return pl.when(pl.col(name) == "").then(pl.lit("")).otherwise(pl.lit("x")).alias(name)


def _attendees(rows: pl.DataFrame) -> None:
    """attendees.csv: each row names a meeting read, and its ``attended`` is a yes/no value (nothing is kept)."""
    if (rows["meeting_id"] != "x").any():
        raise _Unusual
    _kept(rows["attended"], _flag("attended"), pl.Boolean())


def _actions(rows: pl.DataFrame) -> None:
    """actions.csv: each row names a meeting read, once per action id, with real dates (nothing is kept)."""
    if (rows["meeting_id"] != "x").any() or rows["_key"].is_duplicated().any():
        raise _Unusual
    for column in ("due_date", "completed_on"):
        _kept(rows[column], _dated(column), pl.Date())


def _action_detail(rows: pl.DataFrame, meeting_ids: pl.Series, copies: pl.DataFrame) -> pl.DataFrame:
    """actions.csv read whole, checked as ``_actions`` checks it, as the actions table: each action in every copy
    of its meeting, numbered in the file's order within the meeting (as the object reader appends them)."""
    _in_return(rows, "meeting_id", meeting_ids)
    if rows.select("meeting_id", "action_id").is_duplicated().any():
        raise _Unusual
    due = _kept(rows["due_date"], _dated("due_date"), pl.Date())
    completed = _kept(rows["completed_on"], _dated("completed_on"), pl.Date())
    depends = _kept(rows["depends_on"], lambda text: list(split_list(text)), pl.List(pl.String()))
    actions = rows.select(
        "meeting_id",
        (pl.int_range(pl.len(), dtype=pl.Int32).over("meeting_id") + 1).alias("position"),
        "action_id",
        "description",
        pl.when(pl.col("owner") != "").then(pl.col("owner")).alias("owner"),
        depends.alias("depends_on"),
        due.alias("due_date"),
        completed.alias("completed_on"),
    )
    return (
        copies.select("meeting_id", "child_id", pl.col("seq").alias("meeting_seq"))
        .join(actions, on="meeting_id")
        .select(*DETAIL_SCHEMAS["actions"])
    )


def _siblings(rows: pl.DataFrame, children: pl.Series) -> None:
    """siblings.csv: each distinct combination of the values ``files.sibling`` checks together, checked by it
    (nothing is kept: the cohort holds only whether a child has siblings recorded)."""
    _in_return(rows, "child_id", children)
    columns = ("sibling_child_id", "sibling_name", "in_concurrent_planning", "plan", "sibling_date_of_birth")
    given = rows.select(
        # Which of the id and the name are given is all the check reads of them.
        pl.when(pl.col("sibling_child_id") != "").then(pl.lit("x")).otherwise(pl.lit("")).alias("sibling_child_id"),
        pl.col("sibling_name"),
        *columns[2:],
    ).unique()
    for values in given.iter_rows():
        try:
            files.sibling(dict(zip(columns, values, strict=True)))
        except (RowError, ValueError) as exc:
            raise _Unusual from exc


_WORKER_CHECKED = ("role", "start", "end")


def _workers(rows: pl.DataFrame, children: pl.Series) -> pl.DataFrame:
    """workers.csv as the workers detail table, each distinct role, start and end checked together by
    ``files.worker`` (as kept: the role's value, the dates)."""
    _in_return(rows, "child_id", children)
    kept = []
    for role, start, end in rows.select(*_WORKER_CHECKED).unique().iter_rows():
        try:
            worker = files.worker({"worker_id": "x", "role": role, "start": start, "end": end})
        except (RowError, ValueError) as exc:
            raise _Unusual from exc
        kept.append((role, start, end, worker.role.value, worker.start, worker.end))
    checked_rows = pl.DataFrame(
        kept,
        schema={
            **{column: pl.String() for column in _WORKER_CHECKED},
            "_role": pl.String(),
            "_start": pl.Date(),
            "_end": pl.Date(),
        },
        orient="row",
    )
    return (
        rows.join(checked_rows, on=list(_WORKER_CHECKED), how="left", maintain_order="left")
        .select(
            "child_id",
            "worker_id",
            pl.col("_role").alias("role"),
            pl.when(pl.col("name") != "").then(pl.col("name")).alias("name"),
            pl.when(pl.col("team") != "").then(pl.col("team")).alias("team"),
            pl.col("_start").alias("start"),
            pl.col("_end").alias("end"),
        )
        .cast(pl.Schema(DETAIL_SCHEMAS["workers"]))
    )


def _flag(column: str) -> Callable[[str], bool | None]:
    return lambda text: flag(text, column)


def _history(rows: pl.DataFrame, plan_ids: pl.DataFrame) -> pl.DataFrame:
    """plan_status.csv as the plan_history table (each status checked as ``files.status_change``)."""
    _in_return(rows, "plan_id", plan_ids["plan_id"])
    status = _kept(
        rows["status"],
        lambda text: files.status_change({"status": text, "date": "2000-01-01"}).status.value,
        pl.String(),
    )
    day = _kept(rows["date"], lambda text: date(text, "date", required=True), pl.Date())
    return (
        rows.select("plan_id")
        .with_columns(status.alias("status"), day.alias("date"))
        .join(plan_ids, on="plan_id", how="left", maintain_order="left")
        .select("child_id", pl.col("seq").alias("plan_seq"), "status", "date")
    )


def _proceedings(
    rows: pl.DataFrame, hearings: pl.DataFrame | None, extensions: pl.DataFrame | None, children: pl.Series
) -> pl.DataFrame:
    """proceedings.csv with its hearings and extensions as the proceedings table (``seq`` by issue date)."""
    _in_return(rows, "child_id", children)
    if rows.select("child_id", "proceedings_id").is_duplicated().any():
        raise _Unusual
    issued = _kept(rows["issue_date"], lambda text: date(text, "issue_date", required=True), pl.Date())
    concluded = _kept(rows["concluded_on"], lambda text: date(text, "concluded_on"), pl.Date())
    cases = rows.select("child_id", "proceedings_id").with_columns(
        issued.alias("issue_date"), concluded.alias("concluded_on")
    )
    if (cases["concluded_on"] < cases["issue_date"]).any():
        raise _Unusual
    known = cases["proceedings_id"]
    first_cmh = pl.DataFrame(schema={"proceedings_id": pl.String(), "first_cmh": pl.Date()})
    if hearings is not None:
        _in_return(hearings, "proceedings_id", known)
        kind = _kept(
            hearings["kind"], lambda text: files.hearing({"date": "2000-01-01", "kind": text}).kind.value, pl.String()
        )
        day = _kept(hearings["date"], lambda text: date(text, "date", required=True), pl.Date())
        first_cmh = (
            hearings.select("proceedings_id")
            .with_columns(kind.alias("kind"), day.alias("date"))
            .filter(pl.col("kind") == "cmh")
            .group_by("proceedings_id")
            .agg(pl.col("date").min().alias("first_cmh"))
        )
    weeks = pl.DataFrame(schema={"proceedings_id": pl.String(), "extension_weeks": pl.Int32()})
    if extensions is not None:
        _in_return(extensions, "proceedings_id", known)
        _kept(extensions["granted_on"], lambda text: date(text, "granted_on", required=True), pl.Date())
        added = _kept(
            extensions["weeks"],
            lambda text: str(files.extension({"granted_on": "2000-01-01", "weeks": text}).weeks),
            pl.String(),
        )
        weeks = (
            extensions.select("proceedings_id")
            .with_columns(added.cast(pl.Int32).alias("weeks"))
            .group_by("proceedings_id")
            .agg(pl.col("weeks").sum().cast(pl.Int32).alias("extension_weeks"))
        )
    return (
        cases.with_row_index("_order")
        .join(first_cmh, on="proceedings_id", how="left")
        .join(weeks, on="proceedings_id", how="left")
        .with_columns(pl.col("extension_weeks").fill_null(0))
        .sort("child_id", "issue_date", "_order")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).over("child_id").alias("seq"))
        .select(*SCHEMAS["proceedings"])
    )


__all__ = ["FAST_FACETS", "PackCohort", "file_facet", "read_pack_cohort"]
