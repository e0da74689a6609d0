"""The permanence pack's CSV files: each file's columns (the documented contract) and how one row is read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from permanence_core import codes
from permanence_core.adapters.ssda903.values import RowError, date, flag, required, split_list
from permanence_core.errors import ModelValueError
from permanence_core.model import (
    Action,
    AllocatedWorker,
    Attendee,
    CareProceedings,
    Extension,
    Facet,
    Hearing,
    Meeting,
    PermanencePlan,
    ResidentialAims,
    Sibling,
    StatusChange,
    WorkerRole,
)

Row = Mapping[str, str]
T = TypeVar("T")
#: ``*`` in coverage.csv's child_id column: the facet is declared for every child in the return.
EVERY_CHILD = "*"


@attrs.frozen
class PackFile:
    """One pack CSV file: its name, its columns in documented order, which are required, the facet it feeds."""

    name: str
    columns: tuple[str, ...]
    required: frozenset[str]
    facet: Facet | None = None
    #: The required columns in documented order (the first blank one is the one reported).
    required_in_order: tuple[str, ...] = attrs.field(init=False)

    @required_in_order.default
    def _required_in_order(self) -> tuple[str, ...]:
        return tuple(column for column in self.columns if column in self.required)


CHILDREN = PackFile(
    "children.csv",
    (
        "child_id",
        "first_name",
        "surname",
        "nhs_number",
        "upn",
        "former_upn",
        "sui",
        "date_of_birth",
        "sex",
        "ethnicity",
        "permanence_decision_date",
        "referral_date",
    ),
    frozenset({"child_id"}),
    Facet.PLANS,
)
PLANS = PackFile(
    "plans.csv",
    (
        "child_id",
        "plan_id",
        "primary_route",
        "contingency_routes",
        "decided_on",
        "ratified_at_review",
        "annex_a_codes",
        "description",
        "short_term_aim",
        "medium_term_aim",
        "long_term_aim",
    ),
    frozenset({"child_id", "plan_id"}),
    Facet.PLANS,
)
PLAN_STATUS = PackFile("plan_status.csv", ("plan_id", "status", "date"), frozenset({"plan_id", "status", "date"}))
MEETINGS = PackFile(
    "meetings.csv",
    (
        "meeting_id",
        "kind",
        "date",
        "children",
        "chair",
        "summary",
        "agreed_plan",
        "minutes_issued_on",
        "referral_received_on",
    ),
    frozenset({"meeting_id", "kind", "date", "children"}),
    Facet.MEETINGS,
)
ATTENDEES = PackFile("attendees.csv", ("meeting_id", "name", "role", "attended"), frozenset({"meeting_id", "name"}))
ACTIONS = PackFile(
    "actions.csv",
    ("meeting_id", "action_id", "description", "owner", "due_date", "completed_on", "depends_on"),
    frozenset({"meeting_id", "action_id", "description"}),
)
PROCEEDINGS = PackFile(
    "proceedings.csv",
    ("child_id", "proceedings_id", "issue_date", "court_reference", "outcome", "concluded_on"),
    frozenset({"child_id", "proceedings_id", "issue_date"}),
    Facet.PROCEEDINGS,
)
HEARINGS = PackFile("hearings.csv", ("proceedings_id", "date", "kind"), frozenset({"proceedings_id", "date", "kind"}))
EXTENSIONS = PackFile(
    "extensions.csv", ("proceedings_id", "granted_on", "weeks"), frozenset({"proceedings_id", "granted_on", "weeks"})
)
SIBLINGS = PackFile(
    "siblings.csv",
    ("child_id", "sibling_child_id", "sibling_name", "sibling_date_of_birth", "in_concurrent_planning", "plan"),
    frozenset({"child_id"}),
    Facet.SIBLINGS,
)
WORKERS = PackFile(
    "workers.csv",
    ("child_id", "worker_id", "role", "name", "team", "start", "end"),
    frozenset({"child_id", "worker_id", "role"}),
    Facet.WORKERS,
)
COVERAGE = PackFile("coverage.csv", ("facet", "child_id"), frozenset({"facet", "child_id"}))

#: Every pack CSV file, in the order they are read (a file is read after the files it refers to).
FILES = (
    CHILDREN,
    PLANS,
    PLAN_STATUS,
    MEETINGS,
    ATTENDEES,
    ACTIONS,
    PROCEEDINGS,
    HEARINGS,
    EXTENSIONS,
    SIBLINGS,
    WORKERS,
    COVERAGE,
)
#: The facets a pack can supply.
PACK_FACETS = frozenset({Facet.PLANS, Facet.MEETINGS, Facet.PROCEEDINGS, Facet.SIBLINGS, Facet.WORKERS})


def check_required(file: PackFile, row: Row) -> None:
    """Raise RowError for the first required column that is blank."""
    for column in file.required_in_order:
        required(row.get(column, ""), column)


def _call(build: Callable[..., T], columns: Mapping[str, str], row: Row, **kwargs: Any) -> T:
    """Build a model object; a model error is reported against the column it came from."""
    try:
        return build(**kwargs)
    except ModelValueError as exc:
        column = columns.get(exc.field, exc.field)
        raise RowError(column, row.get(column, str(exc.value)), exc.reason) from None


def child_details(row: Row) -> dict[str, Any]:
    """children.csv: identifiers and details by model field (blank fields left out)."""
    details = {
        "first_name": row.get("first_name") or None,
        "surname": row.get("surname") or None,
        "nhs_number": row.get("nhs_number") or None,
        "upn": (row.get("upn") or "").upper() or None,
        "former_upn": (row.get("former_upn") or "").upper() or None,
        "sui": row.get("sui") or None,
        "date_of_birth": date(row.get("date_of_birth", ""), "date_of_birth"),
        "sex": (row.get("sex") or "").upper() or None,
        "ethnicity": (row.get("ethnicity") or "").upper() or None,
        "permanence_decision_date": date(row.get("permanence_decision_date", ""), "permanence_decision_date"),
        "referral_date": date(row.get("referral_date", ""), "referral_date"),
    }
    return {key: value for key, value in details.items() if value is not None}


_PLAN_COLUMNS = {
    "primary": "primary_route",
    "contingencies": "contingency_routes",
    "annex_a_codes": "annex_a_codes",
    "decided_on": "decided_on",
    "ratified_at_review": "ratified_at_review",
}


def plan(row: Row) -> PermanencePlan:
    """plans.csv. A blank primary_route is taken from the first Annex A code (e.g. ADOPTION gives adoption)."""
    annex_a = tuple(code.upper() for code in split_list(row.get("annex_a_codes", "")))
    primary = row.get("primary_route", "").lower()
    if not primary and annex_a:
        primary = codes.ANNEX_A_PLAN.attribute(annex_a[0], "route") or ""
    required(primary, "primary_route")
    aims = [row.get(column) or None for column in ("short_term_aim", "medium_term_aim", "long_term_aim")]
    return _call(
        PermanencePlan,
        _PLAN_COLUMNS,
        row,
        primary=primary,
        contingencies=tuple(route.lower() for route in split_list(row.get("contingency_routes", ""))),
        decided_on=date(row.get("decided_on", ""), "decided_on"),
        ratified_at_review=date(row.get("ratified_at_review", ""), "ratified_at_review"),
        annex_a_codes=annex_a,
        description=row.get("description") or None,
        residential_aims=ResidentialAims(short_term=aims[0], medium_term=aims[1], long_term=aims[2])
        if any(aims)
        else None,
        plan_id=row["plan_id"],
    )


def status_change(row: Row) -> StatusChange:
    """plan_status.csv: the plan took a status on a date."""
    day = date(row["date"], "date", required=True)
    try:
        return StatusChange(status=row["status"].lower(), date=day)
    except ValueError:
        raise RowError(
            "status", row["status"], "is not a plan status (proposed, agreed, ratified, achieved, abandoned)"
        ) from None


def meeting(row: Row) -> Meeting:
    """meetings.csv: a meeting without its attendees and actions (they come from their own files)."""
    kind = row["kind"].lower()
    day = date(row["date"], "date", required=True)
    try:
        return Meeting(
            meeting_id=row["meeting_id"],
            kind=kind,
            date=day,
            chair=row.get("chair") or None,
            children=split_list(row["children"]),
            summary=row.get("summary") or None,
            agreed_plan=row.get("agreed_plan") or None,
            minutes_issued_on=date(row.get("minutes_issued_on", ""), "minutes_issued_on"),
            referral_received_on=date(row.get("referral_received_on", ""), "referral_received_on"),
        )
    except ModelValueError as exc:
        raise RowError(exc.field, row.get(exc.field, str(exc.value)), exc.reason) from None
    except ValueError:
        raise RowError(
            "kind", row["kind"], "is not a meeting kind (ppm, tracking_panel, monitoring_group, plan_review)"
        ) from None


def attendee(row: Row) -> tuple[Attendee, bool]:
    """attendees.csv: who, in what role, and whether present (``attended`` no means apologies)."""
    attended = flag(row.get("attended", ""), "attended")
    person = _call(Attendee, {}, row, name=row["name"], role=row.get("role") or None)
    return person, attended is not False


def action(row: Row) -> Action:
    """actions.csv: an action agreed at a meeting."""
    return _call(
        Action,
        {},
        row,
        action_id=row["action_id"],
        description=row["description"],
        owner=row.get("owner") or None,
        due_date=date(row.get("due_date", ""), "due_date"),
        completed_on=date(row.get("completed_on", ""), "completed_on"),
        depends_on=split_list(row.get("depends_on", "")),
    )


def proceedings(row: Row) -> CareProceedings:
    """proceedings.csv: one child's care proceedings, without hearings and extensions."""
    return _call(
        CareProceedings,
        {"issue_date": "issue_date", "concluded_on": "concluded_on"},
        row,
        issue_date=date(row["issue_date"], "issue_date", required=True),
        court_reference=row.get("court_reference") or None,
        outcome=row.get("outcome") or None,
        concluded_on=date(row.get("concluded_on", ""), "concluded_on"),
    )


def hearing(row: Row) -> Hearing:
    """hearings.csv: a hearing of the proceedings."""
    day = date(row["date"], "date", required=True)
    try:
        return Hearing(date=day, kind=row["kind"].lower())
    except ValueError:
        raise RowError("kind", row["kind"], "is not a hearing kind (cmh, further_cmh, irh, final, other)") from None


def extension(row: Row) -> Extension:
    """extensions.csv: an extension of the 26 weeks."""
    granted = date(row["granted_on"], "granted_on", required=True)
    weeks = row["weeks"]
    if not weeks.isdigit():
        raise RowError("weeks", weeks, "is not a whole number of weeks")
    return _call(Extension, {"weeks": "weeks"}, row, granted_on=granted, weeks=int(weeks))


def sibling(row: Row) -> Sibling:
    """siblings.csv: a sibling of the child, by id and/or name."""
    concurrent = flag(row.get("in_concurrent_planning", ""), "in_concurrent_planning")
    plan_text = (row.get("plan") or "undecided").lower()
    if not (row.get("sibling_child_id") or row.get("sibling_name")):
        raise RowError("sibling_child_id", "", "is required when sibling_name is blank")
    try:
        return Sibling(
            name=row.get("sibling_name") or None,
            date_of_birth=date(row.get("sibling_date_of_birth", ""), "sibling_date_of_birth"),
            child_id=row.get("sibling_child_id") or None,
            in_concurrent_planning=bool(concurrent),
            plan=plan_text,
        )
    except ValueError:
        raise RowError("plan", row.get("plan", ""), "is not a sibling plan (together, apart, undecided)") from None


def worker(row: Row) -> AllocatedWorker:
    """workers.csv: a worker allocated to the child in a role."""
    start = date(row.get("start", ""), "start")
    end = date(row.get("end", ""), "end")
    try:
        return AllocatedWorker(
            worker_id=row["worker_id"],
            role=row["role"].lower(),
            name=row.get("name") or None,
            team=row.get("team") or None,
            start=start,
            end=end,
        )
    except ModelValueError as exc:
        raise RowError(exc.field, row.get(exc.field, str(exc.value)), exc.reason) from None
    except ValueError:
        roles = ", ".join(role.value for role in WorkerRole)
        raise RowError("role", row["role"], f"is not a worker role ({roles})") from None


def coverage_facet(row: Row) -> Facet:
    """coverage.csv: a facet the pack declares complete for a child (or ``*``, every child)."""
    try:
        facet = Facet(row["facet"].lower())
    except ValueError:
        facet = None
    if facet not in PACK_FACETS:
        names = ", ".join(sorted(f.value for f in PACK_FACETS))
        raise RowError("facet", row["facet"], f"is not a facet the pack supplies ({names})")
    return facet
