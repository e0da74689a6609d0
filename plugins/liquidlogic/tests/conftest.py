"""Synthetic LCS warehouses: SQLite files attached as schema Child_Social, with made-up children and workers."""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

# The warehouse's own table and column names (research/case_systems.md section 2.2); the columns the adapter
# does not read are created too and stay NULL, as in a sparse warehouse.
DDL = {
    "DIM_PERSON": """CREATE TABLE DIM_PERSON (
        DIM_PERSON_ID INTEGER, LEGACY_ID VARCHAR(48), UPN VARCHAR(13), FORENAME VARCHAR(100), SURNAME VARCHAR(100),
        BIRTH_DTTM DATETIME, DOB_ESTIMATED CHAR(1), GENDER_MAIN_CODE VARCHAR(10), ETHNICITY_MAIN_CODE VARCHAR(10),
        DUPLICATED_DTTM DATETIME, IS_CLIENT CHAR(1))""",
    "FACT_CARE_EPISODES": """CREATE TABLE FACT_CARE_EPISODES (
        FACT_CARE_EPISODES_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_CLA_ID INTEGER, FACT_CLA_PLACEMENT_ID INTEGER,
        CARE_START_DATE DATETIME, CARE_END_DATE DATETIME, PLACEND DATETIME, CARE_REASON_END_CODE VARCHAR(3),
        OFSTED_URN VARCHAR(8))""",
    "FACT_LEGAL_STATUS": """CREATE TABLE FACT_LEGAL_STATUS (
        FACT_LEGAL_STATUS_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_LOOKUP_LGL_STATUS_DESC VARCHAR(255),
        START_DTTM DATETIME, END_DTTM DATETIME)""",
    "FACT_CLA_PLACEMENT": """CREATE TABLE FACT_CLA_PLACEMENT (
        FACT_CLA_PLACEMENT_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM DATETIME, END_DTTM DATETIME,
        DIM_LOOKUP_PLACEMENT_TYPE_CODE VARCHAR(10), DIM_LOOKUP_PLACEMENT_PROVIDER_CODE VARCHAR(10),
        DIM_LOOKUP_PLAC_CHNG_REAS_CODE VARCHAR(10), FACT_CLA_ID INTEGER, FFA_IS_PLAN_DATE DATETIME,
        POSTCODE VARCHAR(8), DISTANCE_FROM_HOME VARCHAR(10))""",
    "FACT_ADOPTION": """CREATE TABLE FACT_ADOPTION (
        FACT_ADOPTION_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM DATETIME, DECISION_DTTM DATETIME,
        PLACEMENT_ORDER_DTTM DATETIME, MATCHING_DTTM DATETIME, NO_LONGER_PLACED_DTTM DATETIME,
        DIM_LOOKUP_ADOP_REASON_CEASED_CODE VARCHAR(10), ADOPTED_BY_CARER_FLAG CHAR(1), FOSTER_TO_ADOPT_DTTM DATETIME,
        SIBLING_GROUP CHAR(1), NUMBER_TOGETHER INTEGER, NUMBER_APART INTEGER, NO_OF_ADOPTERS INTEGER,
        ADOPTION_SOCIAL_WORKER_ID INTEGER)""",
    "FACT_CARE_PLANS": """CREATE TABLE FACT_CARE_PLANS (
        FACT_CARE_PLAN_ID INTEGER, DIM_PERSON_ID INTEGER, START_DTTM DATETIME, END_DTTM DATETIME,
        DIM_LOOKUP_PLAN_STATUS_ID_CODE VARCHAR(10), DIM_LOOKUP_PLAN_TYPE_ID_CODE VARCHAR(10), FACT_CLA_ID INTEGER,
        FACT_CLA_PLACEMENT_ID INTEGER, MODIF_DTTM DATETIME)""",
    "FACT_FORMS": """CREATE TABLE FACT_FORMS (
        FACT_FORM_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_LOOKUP_FORM_TYPE_ID_CODE VARCHAR(10))""",
    "FACT_FORM_ANSWERS": """CREATE TABLE FACT_FORM_ANSWERS (
        FACT_FORM_ANSWER_ID INTEGER, FACT_FORM_ID INTEGER, ANSWER_NO VARCHAR(50), ANSWER VARCHAR(4000),
        ANSWERED_DTTM DATETIME, DIM_ASSESSMENT_TEMPLATE_ID_DESC VARCHAR(255),
        DIM_ASSESSMENT_TEMPLATE_QUESTION_ID_DESC VARCHAR(255))""",
    "FACT_MEETINGS": """CREATE TABLE FACT_MEETINGS (
        FACT_MEETING_ID INTEGER, DIM_LOOKUP_MTG_TYPE_ID_CODE VARCHAR(50), ACTUAL_DTTM DATETIME, CANCELLED CHAR(1))""",
    "FACT_MEETING_SUBJECTS": """CREATE TABLE FACT_MEETING_SUBJECTS (
        FACT_MEETINGS_ID INTEGER, DIM_PERSON_ID INTEGER, FACT_OUTCM_FORM_ID INTEGER,
        DIM_LOOKUP_PARTICIPATION_CODE_DESC VARCHAR(255))""",
    "FACT_CLA_REVIEW": """CREATE TABLE FACT_CLA_REVIEW (
        FACT_CLA_REVIEW_ID INTEGER, FACT_CLA_ID INTEGER, FACT_MEETING_ID INTEGER, DIM_PERSON_ID INTEGER,
        DUE_DTTM DATETIME, MEETING_DTTM DATETIME)""",
    "FACT_INVOLVEMENTS": """CREATE TABLE FACT_INVOLVEMENTS (
        FACT_INVOLVEMENTS_ID INTEGER, DIM_PERSON_ID INTEGER, DIM_WORKER_ID INTEGER,
        DIM_LOOKUP_INVOLVEMENT_TYPE_CODE VARCHAR(20), START_DTTM DATETIME, END_DTTM DATETIME,
        DIM_DEPARTMENT_NAME VARCHAR(255), IS_ALLOCATED_CW_FLAG CHAR(1))""",
    "DIM_WORKER": """CREATE TABLE DIM_WORKER (
        DIM_WORKER_ID INTEGER, STAFF_ID VARCHAR(48), WORKER_ID_CODE VARCHAR(48), FORENAME VARCHAR(100),
        SURNAME VARCHAR(100), DEPARTMENT_NAME VARCHAR(255), JOB_TITLE VARCHAR(255))""",
}
# The columns each sample row gives, in order.
INSERT = {
    "DIM_PERSON": "(DIM_PERSON_ID, LEGACY_ID, UPN, FORENAME, SURNAME, BIRTH_DTTM, GENDER_MAIN_CODE, DUPLICATED_DTTM)",
    "FACT_CARE_EPISODES": (
        "(FACT_CARE_EPISODES_ID, DIM_PERSON_ID, FACT_CLA_ID, CARE_START_DATE, CARE_END_DATE, CARE_REASON_END_CODE)"
    ),
    "FACT_LEGAL_STATUS": "(FACT_LEGAL_STATUS_ID, DIM_PERSON_ID, DIM_LOOKUP_LGL_STATUS_DESC, START_DTTM, END_DTTM)",
    "FACT_CLA_PLACEMENT": (
        "(FACT_CLA_PLACEMENT_ID, DIM_PERSON_ID, START_DTTM, END_DTTM, DIM_LOOKUP_PLACEMENT_TYPE_CODE,"
        " DIM_LOOKUP_PLACEMENT_PROVIDER_CODE, DIM_LOOKUP_PLAC_CHNG_REAS_CODE)"
    ),
    "FACT_ADOPTION": (
        "(FACT_ADOPTION_ID, DIM_PERSON_ID, START_DTTM, DECISION_DTTM, PLACEMENT_ORDER_DTTM, MATCHING_DTTM,"
        " NO_LONGER_PLACED_DTTM, DIM_LOOKUP_ADOP_REASON_CEASED_CODE, ADOPTED_BY_CARER_FLAG)"
    ),
    "FACT_CARE_PLANS": "(FACT_CARE_PLAN_ID, DIM_PERSON_ID, START_DTTM, END_DTTM, DIM_LOOKUP_PLAN_STATUS_ID_CODE)",
    "FACT_FORMS": "(FACT_FORM_ID, DIM_PERSON_ID, DIM_LOOKUP_FORM_TYPE_ID_CODE)",
    "FACT_FORM_ANSWERS": (
        "(FACT_FORM_ANSWER_ID, FACT_FORM_ID, ANSWER_NO, ANSWER, ANSWERED_DTTM, DIM_ASSESSMENT_TEMPLATE_ID_DESC)"
    ),
    "FACT_MEETINGS": "(FACT_MEETING_ID, DIM_LOOKUP_MTG_TYPE_ID_CODE, ACTUAL_DTTM, CANCELLED)",
    "FACT_MEETING_SUBJECTS": "(FACT_MEETINGS_ID, DIM_PERSON_ID, FACT_OUTCM_FORM_ID)",
    "FACT_CLA_REVIEW": "(FACT_CLA_REVIEW_ID, FACT_MEETING_ID, DIM_PERSON_ID, DUE_DTTM, MEETING_DTTM)",
    "FACT_INVOLVEMENTS": (
        "(FACT_INVOLVEMENTS_ID, DIM_PERSON_ID, DIM_WORKER_ID, DIM_LOOKUP_INVOLVEMENT_TYPE_CODE, START_DTTM, END_DTTM,"
        " DIM_DEPARTMENT_NAME)"
    ),
    "DIM_WORKER": "(DIM_WORKER_ID, STAFF_ID, WORKER_ID_CODE, FORENAME, SURNAME, DEPARTMENT_NAME)",
}

# Names and dates are invented. 203 is a duplicate record of 201; 950 is a parent, not in care.
PERSONS = [
    (-1, None, None, "Unknown", "Unknown", None, "U", None),
    (201, "L201", "B123456789012", "Dafyddine", "Examplefield", "2014-07-19 00:00:00", "M", None),
    (202, "L202", None, "Eirlysa", "Fakenham", "2018-02-03 00:00:00", "F", None),
    (203, "L203", None, "Dafyddine", "Examplefield", "2014-07-19 00:00:00", "M", "2022-05-01 10:00:00"),
    (950, "L950", None, "Parentia", "Fakenham", "1988-10-10 00:00:00", "F", None),
]
EPISODES = [
    (1, 201, 31, "2022-09-05 00:00:00", "2023-02-01 00:00:00", "X1"),
    (2, 201, 31, "2023-02-01 00:00:00", None, None),
    (3, 202, 32, "2020-01-10 00:00:00", "2021-03-31 00:00:00", "E11"),
]
LEGAL_STATUSES = [
    (11, 201, "C1 - Interim Care Order", "2022-09-05 00:00:00", "2023-02-01 00:00:00"),
    (12, 201, "Full care order", "2023-02-01 00:00:00", None),
    (13, 202, "Placement Order Granted", "2020-01-10 00:00:00", "2021-03-31 00:00:00"),
]
# -1 is the warehouse's "no placement" row.
PLACEMENTS = [
    (-1, None, None, None, None, None, None),
    (41, 201, "2022-09-05 00:00:00", None, "U1", "PR1", None),
    (42, 202, "2020-01-10 00:00:00", "2020-06-01 00:00:00", "U4", "PR1", "CARPL"),
    (43, 202, "2020-06-01 00:00:00", "2021-03-31 00:00:00", "A5", "PR1", None),
]
ADOPTIONS = [
    (51, 202, "2020-02-01", "2020-02-01", "2020-04-01", "2020-05-15", None, None, "N"),
]
CARE_PLANS = [(61, 201, "2022-11-20", "2022-12-20", "A"), (62, 201, "2022-12-20", None, "A")]
FORMS = [(71, 201, "CP"), (72, 201, "CLAOUT")]
# Form 71 is the care plan's permanence section; form 72 is the second review's outcome record.
ANSWERS = [
    (701, 71, "CPFUP4", "Primary", "2022-11-14 10:00:00", "Care Plan"),
    (702, 71, "CPFUP6", "Contingency", "2022-11-14 10:00:00", "Care Plan"),
    (703, 71, "CPFUP9", "N", "2022-11-14 10:00:00", "Care Plan"),
    (704, 72, "CPFUP4", "Y", "2022-12-20 15:00:00", "CLA Review Outcome"),
]
MEETINGS = [
    (91, "CLAReview", "2022-09-30 10:00:00", "N"),
    (92, "CLAReview", "2022-12-20 10:00:00", "N"),
    (93, "PPM", "2022-10-20 14:00:00", "N"),
    (94, "PPM", "2022-10-13 14:00:00", "Y"),
    (95, "CPConference", "2022-08-01 09:00:00", "N"),
]
SUBJECTS = [(91, 201, None), (92, 201, 72), (93, 201, None), (94, 201, None), (95, 950, None)]
REVIEWS = [(81, 91, 201, "2022-10-03", "2022-09-30 10:00:00"), (82, 92, 201, "2022-12-30", "2022-12-20 10:00:00")]
INVOLVEMENTS = [
    (101, 201, 301, "CW", "2022-09-05", None, "Safeguarding 1"),
    (102, 201, 302, "TM", "2022-09-05", None, "Safeguarding 1"),
    (103, 202, 301, "CW", "2020-01-10", "2021-03-31", None),
    (104, 950, 303, "KA1", "2022-09-05", None, None),
    (105, 201, -1, "CW", "2022-09-05", None, None),
]
WORKERS = [
    (-1, None, None, "Unknown", "Unknown", None),
    (301, "S301", "SW1234", "Workerina", "Casefield", "Safeguarding 1"),
    (302, "S302", None, "Managera", "Teamleigh", "Safeguarding 1"),
    (303, "S303", None, "Agencia", "Outsider", "Health"),
]

SAMPLE = {
    "persons": ("DIM_PERSON", PERSONS),
    "episodes": ("FACT_CARE_EPISODES", EPISODES),
    "legal_statuses": ("FACT_LEGAL_STATUS", LEGAL_STATUSES),
    "placements": ("FACT_CLA_PLACEMENT", PLACEMENTS),
    "adoptions": ("FACT_ADOPTION", ADOPTIONS),
    "care_plans": ("FACT_CARE_PLANS", CARE_PLANS),
    "forms": ("FACT_FORMS", FORMS),
    "answers": ("FACT_FORM_ANSWERS", ANSWERS),
    "meetings": ("FACT_MEETINGS", MEETINGS),
    "subjects": ("FACT_MEETING_SUBJECTS", SUBJECTS),
    "reviews": ("FACT_CLA_REVIEW", REVIEWS),
    "involvements": ("FACT_INVOLVEMENTS", INVOLVEMENTS),
    "workers": ("DIM_WORKER", WORKERS),
}

#: The settings every sample warehouse's config carries unless a test gives ``base_settings``.
BASE_SETTINGS = 'ppm_meeting_types = ["PPM"]\ninvolvement_roles = { CW = "social_worker", TM = "team_manager" }\n'


def write_tables(path: Path, tables: Mapping[str, Sequence[tuple]]) -> None:
    """Create the warehouse tables named in ``tables`` in the SQLite file ``path`` and insert their rows."""
    with sqlite3.connect(path) as connection:
        for table, rows in tables.items():
            connection.execute(DDL[table])
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} {INSERT[table]} VALUES ({marks})", rows)
    connection.close()


def build_warehouse(
    folder: Path,
    *,
    schema: str = "Child_Social",
    settings: str = "",
    base_settings: str = BASE_SETTINGS,
    omit: Collection[str] = (),
    **rows: Sequence[tuple],
) -> tuple[str, dict[str, Any]]:
    """Write an empty main database, the warehouse tables in ``child_social.db`` and a config attaching it.

    ``rows`` replaces a table's sample rows by keyword (``episodes=[...]``); ``omit`` leaves tables out.
    Returns the source URL and the load options (the config file).
    """
    unknown = set(rows) - set(SAMPLE)
    if unknown:
        raise TypeError(f"no sample table {sorted(unknown)}")
    folder.mkdir(parents=True)
    sqlite3.connect(folder / "hdm.db").close()
    tables = {table: rows.get(key, sample) for key, (table, sample) in SAMPLE.items() if table not in omit}
    write_tables(folder / "child_social.db", tables)
    config = folder / "council.toml"
    config.write_text(
        f'[liquidlogic]\nschema = "{schema}"\nsqlite_attach = {{ {schema} = "child_social.db" }}\n'
        f"{base_settings}{settings}",
        encoding="utf-8",
    )
    return f"sqlite:///{folder / 'hdm.db'}", {"config": str(config)}


@pytest.fixture
def rows() -> dict[str, list[tuple]]:
    """The sample warehouse's rows by table keyword, to extend in a test."""
    return {key: list(sample) for key, (_table, sample) in SAMPLE.items()}


@pytest.fixture
def warehouse(tmp_path: Path) -> Callable[..., tuple[str, Mapping[str, Any]]]:
    """Build a warehouse in tmp_path: ``warehouse(episodes=[...])`` replaces one table's rows."""
    counter = iter(range(1000))

    def build(**kwargs: Any) -> tuple[str, Mapping[str, Any]]:
        return build_warehouse(tmp_path / f"lcs-{next(counter)}", **kwargs)

    return build


GATEWAY = "https://lcs-gateway.example.test/permanence"
_PATH = re.compile(re.escape(GATEWAY) + r"/people/[^/]+/(work-tray|documents|case-notes)$")

#: The [write_back] table of a council posting to the test gateway; waits are tiny so retries take no time.
GATEWAY_SETTINGS = f"""
[write_back]
endpoint = "{GATEWAY}"
token_env = "PERMANENCE_TEST_LCS_TOKEN"
state = "sqlite:///writeback.sqlite"
max_attempts = 3
backoff = 0.001
max_wait = 0.001

[write_back.paths]
work_tray_alert = "/people/{{child_id}}/work-tray"
document = "/people/{{child_id}}/documents"
case_note = "/people/{{child_id}}/case-notes"
"""


class LcsGateway:
    """A council's integration gateway in front of LCS, as a ``responses`` callback.

    It keeps every Idempotency-Key it accepted and answers a repeated key with its first answer without
    creating anything (docs/write-back.md section 3). ``fail(person, ...)`` queues faults for a child's
    next requests: ``timeout`` (nothing created), ``lost`` (created, the answer lost), ``500``, ``429``.
    """

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.requests: list[requests.PreparedRequest] = []
        self._answers: dict[str, str] = {}
        self._faults: dict[str, list[str]] = defaultdict(list)

    def fail(self, person_id: str, *faults: str) -> None:
        """Queue ``faults`` for the next requests about ``person_id``."""
        self._faults[person_id].extend(faults)

    def __call__(self, request: requests.PreparedRequest) -> Any:
        self.requests.append(request)
        kind = _PATH.match(request.url).group(1)
        key = request.headers["Idempotency-Key"]
        body, content = _body(request)
        queued = self._faults[body["personId"]]
        fault = queued.pop(0) if queued else None
        if fault == "timeout":
            return requests.exceptions.ReadTimeout("synthetic timeout")
        if fault in ("500", "429"):
            return (int(fault), {"Retry-After": "1"} if fault == "429" else {}, "")
        if key not in self._answers:
            self.created.append({"kind": kind, "key": key, "body": body, "content": content})
            self._answers[key] = f"{kind}-{len(self.created)}"
        if fault == "lost":
            return requests.exceptions.ConnectionError("synthetic: the answer was lost")
        return (201, {"Content-Type": "application/json"}, json.dumps({"id": self._answers[key]}))


def _body(request: requests.PreparedRequest) -> tuple[dict[str, Any], bytes | None]:
    """The JSON body, or a multipart request's metadata and file."""
    if request.headers["Content-Type"].startswith("application/json"):
        return json.loads(request.body), None
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    return json.loads(parts["metadata"].get_content()), parts["file"].get_payload(decode=True)


@pytest.fixture
def gateway_settings() -> str:
    """The ``[write_back]`` table of a council configuration posting to the test gateway."""
    return GATEWAY_SETTINGS


@pytest.fixture
def request_body() -> Callable[[requests.PreparedRequest], tuple[dict[str, Any], bytes | None]]:
    """Reads a request as the gateway does: (JSON body or a document's metadata, the document's bytes)."""
    return _body


@pytest.fixture
def lcs_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[LcsGateway]:
    """The test gateway, answering every POST under GATEWAY; the token comes from the environment."""
    monkeypatch.setenv("PERMANENCE_TEST_LCS_TOKEN", "synthetic-token")
    gateway = LcsGateway()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, _PATH, callback=gateway)
        yield gateway


@pytest.fixture(scope="session")
def lcs_builder() -> Callable[..., tuple[str, dict[str, Any]]]:
    """``build_warehouse``, for test modules (which cannot import conftest under importlib mode)."""
    return build_warehouse
