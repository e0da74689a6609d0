"""pack.json, the interchange document as a pack: record by record, merged with the return and the CSV files."""

import datetime as dt
import json
from pathlib import Path

import pytest

from permanence_core import serialization
from permanence_core.adapters.pack import read_pack
from permanence_core.adapters.ssda903 import load
from permanence_core.model import (
    CaseNarrative,
    CaseRecord,
    Child,
    Facet,
    FamilyMember,
    Identifiers,
    Meeting,
    PermanencePlan,
    Views,
)

D = dt.date
BASIC = Path(__file__).parent / "data" / "ssda903" / "basic"


def pack_record(child_id: str, **facts) -> CaseRecord:
    facts.setdefault("child", Child(identifiers=Identifiers(case_id=child_id)))
    return CaseRecord(**facts)


def write_pack(folder: Path, records, *, extra=()) -> Path:
    folder.mkdir(exist_ok=True)
    document = json.loads(serialization.dumps(records))
    document["records"].extend(extra)
    path = folder / "pack.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


AMY = pack_record(
    "C001",
    child=Child(identifiers=Identifiers(case_id="C001", nhs_number="9434765919"), first_name="Amy"),
    coverage=[Facet.PLANS, Facet.MEETINGS],
    plans=[PermanencePlan(primary="adoption", decided_on=D(2024, 3, 1), plan_id="J1")],
    meetings=[Meeting(meeting_id="JM1", kind="ppm", date=D(2024, 2, 20), children=["C001"])],
    family=[FamilyMember(name="A Parent", relationship="mother")],
    views=Views(child="Wants to stay with her carers"),
    narrative=CaseNarrative(reason_for_care="Neglect"),
    permanence_decision_date=D(2024, 2, 12),
    # a pack's care facts give way to the return's
    reviews=(),
)


def test_records_merge_by_child_id(tmp_path):
    path = write_pack(tmp_path / "pack", [AMY])
    result = load(str(BASIC), {"pack": str(path)})
    amy = next(r for r in result.records if r.child_id == "C001")
    assert (amy.child.first_name, amy.child.identifiers.nhs_number) == ("Amy", "9434765919")
    assert amy.child.identifiers.upn == "A12345678901B"  # from the return
    assert [p.plan_id for p in amy.plans] == ["J1"]
    assert [m.meeting_id for m in amy.meetings] == ["JM1"]
    assert amy.family[0].relationship == "mother" and amy.views.child and amy.narrative.reason_for_care
    assert amy.permanence_decision_date == D(2024, 2, 12)
    assert len(amy.reviews) == 2 and len(amy.episodes) == 3  # care facts are the return's
    assert amy.coverage == {Facet.CARE, Facet.REVIEWS, Facet.ADOPTION, Facet.PLANS, Facet.MEETINGS}
    others = [r for r in result.records if r.child_id != "C001"]
    assert all(Facet.PLANS not in r.coverage for r in others)


def test_a_bad_record_and_a_child_missing_from_the_return_are_rejected_alone(tmp_path):
    bad_route = serialization.record_to_dict(pack_record("C002", plans=[PermanencePlan(primary="adoption")]))
    bad_route["plans"][0]["primary"] = "flying"
    bad_date = serialization.record_to_dict(pack_record("C003"))
    bad_date["referral_date"] = "31/02/2024"
    path = write_pack(tmp_path, [AMY, pack_record("C777"), AMY], extra=[bad_route, bad_date])
    pack = read_pack(path, ["C001", "C002", "C003"])
    assert list(pack.records) == ["C001"]
    found = [(r.source, r.row, r.element, r.child_id, r.field, r.value) for r in pack.rejected]
    assert found == [
        ("pack/pack.json", 2, "records[1]", "C777", "case_id", "C777"),
        ("pack/pack.json", 3, "records[2]", "C001", "case_id", "C001"),
        ("pack/pack.json", 4, "records[3]", "C002", "record", "C002"),
        ("pack/pack.json", 5, "records[4]", "C003", "record", "C003"),
    ]
    reasons = [r.reason for r in pack.rejected]
    assert reasons[:3] == [
        "is not a child in the SSDA903 return",
        "repeats an earlier record of this child",
        "primary: 'flying' is not a valid permanence route code @ record.plans[0]",
    ]
    assert reasons[3].endswith("@ record.referral_date")  # the converter's wording, ending with the path
    assert [(c.table, c.read, c.rejected) for c in pack.tables] == [("pack.json", 5, 4)]


def test_json_and_csv_for_one_child_are_combined(tmp_path):
    folder = tmp_path / "pack"
    write_pack(folder, [AMY])
    (folder / "plans.csv").write_text("child_id,plan_id,primary_route\nC001,P1,special_guardianship\n")
    (folder / "children.csv").write_text("child_id,first_name,surname\nC001,Amelia,Example\n")
    pack = read_pack(folder, ["C001"])
    amy = pack.records["C001"]
    assert sorted(p.plan_id for p in amy.plans) == ["J1", "P1"]
    assert (amy.child.first_name, amy.child.surname, amy.child.identifiers.nhs_number) == (
        "Amelia",
        "Example",
        "9434765919",
    )
    assert amy.coverage == {Facet.PLANS, Facet.MEETINGS}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "is not a readable interchange document"),
        ('{"schema_version": "9.0", "records": []}', "is not a readable interchange document"),
        ('{"schema_version": "1.0", "records": {}}', "is not a readable interchange document"),
    ],
)
def test_an_unreadable_pack_json_is_one_rejection_and_the_csv_files_still_load(tmp_path, text, reason):
    (tmp_path / "pack.json").write_text(text)
    (tmp_path / "children.csv").write_text("child_id,first_name\nC001,Amy\n")
    pack = read_pack(tmp_path, ["C001"])
    [rejected] = pack.rejected
    assert rejected.source == "pack/pack.json" and rejected.reason.startswith(reason)
    assert pack.records["C001"].child.first_name == "Amy"


def test_a_document_broken_after_good_records_loads_none_of_them(tmp_path):
    # Records are built while the document streams in; a fault further on still withholds every one of them.
    write_pack(tmp_path, [AMY])
    text = (tmp_path / "pack.json").read_text(encoding="utf-8")
    (tmp_path / "pack.json").write_text(text[: text.rindex("]")] + ', {"child": ', encoding="utf-8")
    pack = read_pack(tmp_path, ["C001"])
    [rejected] = pack.rejected
    assert rejected.reason.startswith("is not a readable interchange document")
    assert pack.records == {}


@pytest.mark.parametrize(
    ("field", "value"), [("referral_date", "1899-12-31"), ("permanence_decision_date", "0001-01-01")]
)
def test_a_date_before_1900_rejects_its_record_naming_the_field(tmp_path, field, value):
    old = serialization.record_to_dict(pack_record("C002"))
    old[field] = value
    pack = read_pack(write_pack(tmp_path, [AMY], extra=[old]), ["C001", "C002"])
    assert list(pack.records) == ["C001"]
    (rejection,) = pack.rejected
    assert (rejection.child_id, rejection.element) == ("C002", "records[1]")
    assert rejection.reason.endswith(f"@ record.{field}")
