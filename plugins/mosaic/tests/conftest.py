"""Synthetic Mosaic warehouses: SQLite files with the real dm_* table and column names, and made-up children.

The sample is one family and one other child. Amberly (101) and Cassius (103) are siblings in care
since 1 March 2023, planned for adoption at a PPM and a CLA review; their mother (900) is a subject of
the same subgroup but not looked after. Brennock (102) left care in January 2023 on a special
guardianship order. Names, dates and ids are invented.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import responses
from permanence_mosaic.config import load_config
from permanence_mosaic.reader import read

from permanence_core.adapters import LoadResult

EXAMPLE_CONFIG = Path(__file__).parents[1] / "examples" / "council.toml"

DDL = {
    "persons": """CREATE TABLE dm_persons (
        person_id INTEGER, first_name VARCHAR(100), last_name VARCHAR(100), upn_id VARCHAR(13),
        nhs_id VARCHAR(10), date_of_birth DATETIME, date_of_death DATETIME, gender VARCHAR(1),
        full_ethnicity_code VARCHAR(4))""",
    "periods": """CREATE TABLE dm_periods_of_care (
        period_of_care_id INTEGER, person_id INTEGER, start_date DATETIME, end_date DATETIME)""",
    "placements": """CREATE TABLE dm_placements (
        placement_id INTEGER, split_number INTEGER, person_id INTEGER, period_of_care_id INTEGER,
        start_date DATETIME, end_date DATETIME, placement_type VARCHAR(2), category_of_need VARCHAR(2),
        reason_episode_ceased VARCHAR(3), reason_for_placement_change VARCHAR(5), is_adopted VARCHAR(1))""",
    "legal_statuses": """CREATE TABLE dm_legal_statuses (
        legal_status_id INTEGER, person_id INTEGER, period_of_care_id INTEGER, legal_status VARCHAR(2),
        start_date DATETIME, end_date DATETIME, is_respite_care VARCHAR(1))""",
    "non_la": """CREATE TABLE dm_non_la_legal_statuses (
        legal_status_id INTEGER, person_id INTEGER, legal_status_type VARCHAR(10),
        start_date DATETIME, end_date DATETIME)""",
    "steps": """CREATE TABLE dm_workflow_steps (
        workflow_step_id INTEGER, workflow_step_type_id NUMERIC(9), subgroup_id INTEGER, step_status VARCHAR(16),
        incoming_on DATETIME, started_on DATETIME, completed_on DATETIME, assignee_id INTEGER,
        responsible_team_id INTEGER)""",
    "step_people": """CREATE TABLE dm_workflow_steps_people_vw (
        workflow_step_id INTEGER, person_id INTEGER, workflow_step_type_id NUMERIC(9), step_status VARCHAR(16),
        adoption_best_interest_date DATETIME, adoption_plan_date_ceased DATETIME,
        adoption_plan_reason_cat_code VARCHAR(8), adoption_match_date DATETIME,
        is_continuous_assessment VARCHAR(1), is_missing_or_absent VARCHAR(1))""",
    "subjects": """CREATE TABLE dm_subgroup_subjects (
        subgroup_id INTEGER, subject_compound_id INTEGER, subject_type_code VARCHAR(3))""",
    "answers": """CREATE TABLE dm_cached_form_answers (
        form_id INTEGER, workflow_step_id INTEGER, form_answer_row_id INTEGER, question_user_code VARCHAR(128),
        text_answer VARCHAR(4000), date_answer DATETIME, subject_person_id INTEGER, subgroup_id INTEGER,
        mapping_id INTEGER)""",
    "questions": """CREATE TABLE dm_cached_form_questions (mapping_id INTEGER, question_user_code VARCHAR(128))""",
    "relationships": """CREATE TABLE dm_personal_relationships (
        person_id INTEGER, other_person_id INTEGER, family_category VARCHAR(100), is_mother VARCHAR(1),
        start_date DATETIME, end_date DATETIME)""",
    "allocations": """CREATE TABLE dm_allocated_workers (
        allocation_id INTEGER, person_id INTEGER, worker_id INTEGER, start_date DATETIME, end_date DATETIME)""",
    "workers": """CREATE TABLE dm_workers (worker_id INTEGER, full_name VARCHAR(200))""",
}

SAMPLE = {
    "persons": [
        (101, "Amberly", "Testcase", "A123456789012", "9434765919", "2016-04-02 00:00:00", None, "F", "WBRI"),
        (102, "Brennock", "Samplewood", None, None, "2019-11-23 00:00:00", None, "M", "MWBC"),
        (103, "Cassius", "Testcase", None, None, "2018-08-14 00:00:00", None, "M", "WBRI"),
        (900, "Corvina", "Testcase", None, None, "1990-01-15 00:00:00", None, "F", "WBRI"),
    ],
    "periods": [
        (5001, 101, "2023-03-01 00:00:00", None),
        (5002, 102, "2021-06-10 00:00:00", "2023-01-20 00:00:00"),
        (5003, 103, "2023-03-01 00:00:00", None),
    ],
    "placements": [
        (7001, 1, 101, 5001, "2023-03-01", "2023-09-14", "U6", "N1", None, None, "N"),
        (7002, 1, 101, 5001, "2023-09-14", None, "U4", "N1", None, "CARPL", "N"),
        (7003, 1, 102, 5002, "2021-06-10", "2023-01-20", "U3", "N2", "E45", None, "N"),
        (7004, 1, 103, 5003, "2023-03-01", None, "U6", "N1", None, None, "N"),
    ],
    "legal_statuses": [
        (8001, 101, 5001, "C1", "2023-03-01", "2023-10-02", "N"),
        (8002, 101, 5001, "E1", "2023-10-02", None, "N"),
        (8003, 102, 5002, "V2", "2021-06-10", "2023-01-20", "N"),
        (8004, 103, 5003, "C1", "2023-03-01", None, "N"),
    ],
    "non_la": [
        (9001, 102, "SGO", "2023-01-20", None),
        (9002, 900, "SGO", "2010-01-01", None),
    ],
    "steps": [
        # Family subgroup 60: first review, PPM, second review, a tracking meeting booked for 2024.
        (3001, 1242, 60, "COMPLETED", "2023-03-20", "2023-03-28", "2023-04-12", 17, 1),
        (3002, 2210, 60, "COMPLETED", "2023-04-01", "2023-04-03", "2023-04-05", 17, 1),
        (3003, 1237, 60, "COMPLETED", "2023-06-20", "2023-06-27", "2023-07-10", 17, 1),
        (3004, 2211, 60, "INCOMING", "2024-01-10", None, None, 17, 1),
        (3005, 1234, 60, "CANCELLED", "2023-12-01", None, None, 17, 1),
        # Brennock's subgroup 61: one review before leaving care.
        (3010, 1242, 61, "COMPLETED", "2021-07-01", "2021-07-06", "2021-07-20", 22, 1),
    ],
    "step_people": [
        (3002, 101, 2210, "COMPLETED", "2023-04-20", None, None, None, "N", "N"),
        (3002, 103, 2210, "COMPLETED", "2023-04-20", None, None, None, "N", "N"),
    ],
    "subjects": [
        (60, 101, "PER"),
        (60, 103, "PER"),
        (60, 900, "PER"),
        (61, 102, "PER"),
    ],
    "questions": [
        (1, "lac.perm.plan"),
        (2, "lac.perm.contingency"),
        (3, "lac.perm.decision.date"),
        (4, "perm.meeting.date"),
        (5, "perm.referral.received"),
        (6, "perm.minutes.issued"),
        (9, "lac.health.gp"),
    ],
    "answers": [
        # The PPM's group form (subject_person_id <= 0): about every person subject of subgroup 60.
        (401, 3002, 1, "lac.perm.plan", "Adoption", None, -1, 60, 1),
        (401, 3002, 2, "lac.perm.contingency", "Long term foster care", None, 0, 60, 2),
        (401, 3002, 3, "lac.perm.decision.date", None, "2023-03-20", -1, 60, 3),
        (401, 3002, 4, "perm.minutes.issued", None, "2023-04-05", -1, 60, 6),
        # The second review's forms, one per child.
        (402, 3003, 1, "lac.perm.plan", "ADOPTION", None, 101, 60, 1),
        (403, 3003, 1, "lac.perm.plan", "Adoption", None, 103, 60, 1),
        # The tracking meeting is booked: its date is a form answer, the step has not begun.
        (404, 3004, 1, "perm.meeting.date", None, "2024-02-08", -1, 60, 4),
        (410, 3010, 1, "lac.perm.plan", "SGO", None, 102, 61, 1),
    ],
    "relationships": [
        (101, 103, "Child's Siblings", "N", "2018-08-14", None),
        (103, 101, "Child's Siblings", "N", "2018-08-14", None),
        (101, 900, "Child's Parents", "N", "2016-04-02", None),
    ],
    "allocations": [
        (1, 101, 17, "2023-03-01", None),
        (2, 103, 17, "2023-03-01", None),
        (3, 102, 22, "2021-06-10", "2023-01-20"),
        (4, 900, 30, "2020-01-01", None),
    ],
    "workers": [
        (17, "Synthetic Worker Seventeen"),
        (22, "Synthetic Worker Twentytwo"),
        (30, "Synthetic Adult Worker"),
    ],
}


def build_warehouse(path: Path, **tables: Sequence[tuple]) -> str:
    """Write a SQLite warehouse at ``path``: the sample rows, with any table replaced; return its URL."""
    unknown = set(tables) - set(DDL)
    assert not unknown, f"no such sample table: {unknown}"
    with sqlite3.connect(path) as connection:
        for name, ddl in DDL.items():
            connection.execute(ddl)
            rows = tables.get(name, SAMPLE[name])
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                table = ddl.split()[2]
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    connection.close()
    return f"sqlite:///{path}"


GATEWAY = "https://gateway.test/mosaic"

#: Retries without waiting: the tests check what is retried, not how long it takes.
FAST_RETRIES = "max_attempts = 3\nbackoff = 0.001\nmax_wait = 0.01\n"


def council_config(folder: Path, *, endpoint: str = GATEWAY, write_back: str = FAST_RETRIES) -> Path:
    """The example council.toml for a SQLite copy (no dbo schema), its gateway at ``endpoint``.

    ``write_back`` adds settings to the ``[write_back]`` table; the state store sits beside the file.
    """
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    assert 'schema = "dbo"' in text and "gateway.anytown.example/mosaic/v1" in text
    text = text.replace('schema = "dbo"', "").replace("https://gateway.anytown.example/mosaic/v1", endpoint)
    text = re.sub(r"^\[write_back\].*$", lambda header: f"{header.group(0)}\n{write_back}", text, flags=re.MULTILINE)
    path = folder / "council.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rows() -> dict[str, list[tuple]]:
    """The sample warehouse's rows by table keyword, to extend in a test."""
    return {name: list(table) for name, table in SAMPLE.items()}


@pytest.fixture
def warehouse(tmp_path: Path) -> Callable[..., str]:
    """Build a warehouse in tmp_path: ``warehouse(placements=[...])`` replaces one table's rows."""
    counter = iter(range(1000))

    def build(**tables: Sequence[tuple]) -> str:
        return build_warehouse(tmp_path / f"mosaic-{next(counter)}.db", **tables)

    return build


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The example configuration, pointed at a test gateway, written to tmp_path."""
    return council_config(tmp_path)


@pytest.fixture
def load(config: Path) -> Callable[[str], LoadResult]:
    """Read a warehouse URL with the example council configuration."""
    settings = load_config({"config": str(config)})
    return lambda url: read(url, settings)


@pytest.fixture
def example_config() -> Path:
    """plugins/mosaic/examples/council.toml as shipped."""
    return EXAMPLE_CONFIG


class FakeGateway:
    """The council's integration gateway: it keeps the Idempotency-Keys it accepted and can be told to fail.

    ``fail[path]`` is a list of outcomes (an HTTP status, or an exception to raise) the gateway gives,
    one a request, before it accepts requests to ``path``; an accepted key answers again with its first
    answer and creates nothing, as the IETF Idempotency-Key draft asks.
    """

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []
        self.created: list[tuple[str, str]] = []
        self.fail: dict[str, list[int | Exception]] = {}
        self.accepted: dict[str, str] = {}

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests.append(request)
        path = urlsplit(request.url).path.removeprefix(urlsplit(GATEWAY).path)
        key = request.headers["Idempotency-Key"]
        outcomes = self.fail.get(path)
        if outcomes and key not in self.accepted:
            outcome = outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome, {"Retry-After": "1"} if outcome == 429 else {}, ""
        if key not in self.accepted:
            self.accepted[key] = f"MOS-{len(self.accepted) + 1}"
            self.created.append((path, key))
        return 201, {"Content-Type": "application/json"}, json.dumps({"id": self.accepted[key]})

    def paths(self) -> list[str]:
        """The path of every request received, in order."""
        return [urlsplit(r.url).path.removeprefix(urlsplit(GATEWAY).path) for r in self.requests]


def multipart(request: requests.PreparedRequest) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data request by name: (file name, content)."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    return {
        part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
        for part in message.iter_parts()
    }


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    """A fake gateway answering every POST under GATEWAY; the token is in the environment."""
    monkeypatch.setenv("PERMANENCE_GATEWAY_TOKEN", "synthetic-token-0001")
    fake = FakeGateway()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, re.compile(re.escape(GATEWAY) + "/.*"), callback=fake)
        yield fake


@pytest.fixture
def read_multipart() -> Callable[[requests.PreparedRequest], dict[str, tuple[str | None, bytes]]]:
    """Parse a multipart/form-data request into its parts."""
    return multipart
