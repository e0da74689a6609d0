"""The neutral JSON interchange format: round trips, the published schema, clear errors."""

import datetime as dt
import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permanence_core import serialization
from permanence_core.model import (
    Action,
    AdoptionMilestones,
    AllocatedWorker,
    Attendee,
    CareOffer,
    CareProceedings,
    CaseNarrative,
    CaseRecord,
    Child,
    Episode,
    Extension,
    FamilyMember,
    Hearing,
    Identifiers,
    LegalStatusSpell,
    Meeting,
    PeriodOfCare,
    PermanencePlan,
    PlacementSpell,
    PreviousPermanence,
    ResidentialAims,
    Review,
    Sibling,
    SignOff,
    StatusChange,
    Views,
)

D = dt.date


def full_record() -> CaseRecord:
    episode = Episode(
        start=D(2025, 1, 6),
        reason_new_episode="S",
        legal_status="C1",
        placement="U6",
        placement_provider="PR1",
    )
    return CaseRecord(
        child=Child(
            identifiers=Identifiers(case_id="M100", nhs_number="9434765919", upn="A12345678901B"),
            first_name="Test",
            surname="Child",
            date_of_birth=D(2019, 4, 1),
            sex="F",
        ),
        coverage=["care", "reviews", "plans", "meetings", "proceedings"],
        periods_of_care=[PeriodOfCare(start=D(2025, 1, 6), episodes=[episode])],
        legal_statuses=[LegalStatusSpell(code="C1", start=D(2025, 1, 6))],
        placements=[PlacementSpell(placement_type="U6", start=D(2025, 1, 6), with_siblings=True)],
        reviews=[Review(date=D(2025, 2, 1), participation="PN1"), Review(due_date=D(2025, 5, 1))],
        previous_permanence=PreviousPermanence(code="Z1"),
        adoption=AdoptionMilestones(decision=D(2025, 4, 1), reversal_reason="RD1"),
        proceedings=[
            CareProceedings(
                issue_date=D(2025, 1, 6),
                hearings=[Hearing(date=D(2025, 1, 17), kind="cmh")],
                extensions=[Extension(granted_on=D(2025, 6, 1), weeks=8)],
            )
        ],
        permanence_decision_date=D(2025, 2, 10),
        plans=[
            PermanencePlan(
                primary="adoption",
                contingencies=["long_term_fostering", "special_guardianship"],
                decided_on=D(2025, 2, 10),
                annex_a_codes=["ADOPTION"],
                history=[StatusChange(status="agreed", date=D(2025, 2, 10))],
                residential_aims=ResidentialAims(short_term="settle"),
            )
        ],
        meetings=[
            Meeting(
                meeting_id="PPM-1",
                kind="ppm",
                date=D(2025, 2, 20),
                chair="Chair Person",
                children=["M100"],
                present=[Attendee(name="A Worker", role="Social worker")],
                apologies=["IRO"],
                actions=[
                    Action(
                        action_id="1",
                        description="Family finding",
                        owner="Adoption team",
                        due_date=D(2025, 4, 1),
                    ),
                    Action(action_id="2", description="Matching", depends_on=["1"]),
                ],
            )
        ],
        siblings=[Sibling(name="Sib", in_concurrent_planning=True, plan="together")],
        family=[FamilyMember(name="Parent", relationship="Mother", whereabouts="Local")],
        workers=[AllocatedWorker(worker_id="W1", role="social_worker", start=D(2025, 1, 6))],
        views=Views(child="Wants to stay with sister", offers_to_care=[CareOffer(name="Aunt", relationship="Aunt")]),
        narrative=CaseNarrative(reason_for_care="Neglect"),
        signoffs=[SignOff(role="team_manager", name="TM", date=D(2025, 2, 15))],
    )


def test_round_trip_of_a_record_that_uses_every_class():
    record = full_record()
    assert serialization.record_from_dict(record_as_json(record)) == record
    assert serialization.loads(serialization.dumps([record])) == [record]


def record_as_json(record):
    return json.loads(json.dumps(serialization.record_to_dict(record)))


def test_the_document_validates_against_the_published_schema():
    document = json.loads(serialization.dumps([full_record()]))
    jsonschema.validate(document, serialization.json_schema())


def test_the_published_schema_file_matches_the_model():
    assert serialization.json_schema() == serialization.build_json_schema()


def test_unknown_keys_are_refused_with_their_path():
    data = record_as_json(full_record())
    data["plans"][0]["colour"] = "blue"
    with pytest.raises(serialization.InterchangeError, match=r"colour.*record\.plans\[0\]"):
        serialization.record_from_dict(data)


def test_model_validation_errors_come_through_with_the_field():
    data = record_as_json(full_record())
    data["periods_of_care"][0]["episodes"][0]["legal_status"] = "ZZ"
    with pytest.raises(serialization.InterchangeError, match="legal_status"):
        serialization.record_from_dict(data)


def test_a_document_of_another_major_version_is_refused():
    with pytest.raises(serialization.InterchangeError, match="schema_version"):
        serialization.loads(json.dumps({"schema_version": "2.0", "records": []}))


ids = st.text(alphabet="ABCDEFGHJK0123456789", min_size=1, max_size=8)
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 1, 1))


@st.composite
def records(draw):
    start = draw(dates)
    actions = draw(
        st.lists(
            st.builds(
                Action,
                action_id=ids,
                description=st.text(min_size=1).filter(str.strip),
                due_date=st.none() | dates,
            ),
            max_size=3,
        )
    )
    return CaseRecord(
        child=Child(identifiers=Identifiers(case_id=draw(ids)), first_name=draw(st.none() | st.text())),
        periods_of_care=[PeriodOfCare(start=start, end=draw(st.none() | st.just(start + dt.timedelta(days=30))))],
        plans=[PermanencePlan(primary=draw(st.sampled_from(["adoption", "return_to_family", "special_guardianship"])))],
        meetings=[
            Meeting(
                meeting_id="m",
                kind=draw(st.sampled_from(["ppm", "tracking_panel"])),
                date=start,
                actions=actions,
            )
        ],
    )


@settings(max_examples=50)
@given(record=records())
def test_round_trip_property(record):
    assert serialization.record_from_dict(record_as_json(record)) == record


def test_repeated_texts_dates_and_attendees_are_one_object_each():
    # A national pack repeats roles, names, dates and whole attendees millions of times: memory depends on sharing.
    first, second = (serialization.record_from_dict(record_as_json(full_record())) for _ in range(2))
    attendee, again = first.meetings[0].present[0], second.meetings[0].present[0]
    assert attendee == Attendee(name=attendee.name, role=attendee.role)
    assert attendee is again
    assert first.meetings[0].meeting_id is second.meetings[0].meeting_id
    assert first.meetings[0].date is second.meetings[0].date
    assert first == second == full_record()


def test_a_shared_attendee_keeps_the_validation_errors():
    data = record_as_json(full_record())
    data["meetings"][0]["present"][0]["name"] = " "
    with pytest.raises(serialization.InterchangeError, match="name"):
        serialization.record_from_dict(data)
