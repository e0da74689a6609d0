"""Synthetic cohorts: journeys the return's validator rules accept, national proportions, determinism, the pack."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import filecmp
import itertools
import json
import random
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core import codes, serialization
from permanence_core.adapters.pack import read_pack
from permanence_core.adapters.ssda903 import load as load_ssda903
from permanence_core.cli import cli
from permanence_core.model import CaseRecord, Child, Facet, Identifiers, nhs_number_is_valid
from permanence_core.plugins.manager import Plugins
from permanence_core.synth import DEMO, CohortGenerator, CohortSpec, demo_folder, generate
from permanence_core.synth.ages import age_on, birthday
from permanence_core.synth.cohort import PACK_FACETS, collection_year
from permanence_core.synth.courts import LAST_DAY, plan_proceedings
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import nhs_check_digit, upn
from permanence_core.synth.pack import PACK_FILES, PackWriter
from permanence_core.synth.returns import TABLES
from permanence_core.synth.timeline import Change, Period, Placement, to_period_of_care

AS_OF = dt.date(2026, 11, 23)
COHORT = CohortSpec(children=1000, seed=5, as_of=AS_OF)
#: What synth writes to pack/ by default: the CSV tables and documents.json.
CSV_PACK = set(PACK_FILES) - {"pack.json"}
PLACED_FOR_ADOPTION = {"A3", "A4", "A5", "A6"}
FOSTERING = {"U1", "U2", "U3", "U4", "U5", "U6"}


def day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def table(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def episodes_by_child(folder: Path) -> dict[str, list[dict[str, str]]]:
    found = collections.defaultdict(list)
    for row in table(folder, "episodes.csv"):
        found[row["CHILD"]].append(row)
    return found


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> tuple[Path, dict]:
    """A 1,000-child cohort with its pack, as the command line writes it."""
    folder = tmp_path_factory.mktemp("cohort")
    summary = generate(COHORT, folder)
    return folder, summary.to_dict()


@pytest.fixture(scope="module")
def pack(cohort) -> list:
    """The cohort's pack records, read back through the pack reader (its CSV tables and pack.json)."""
    folder = cohort[0]
    children = [row["CHILD"] for row in table(folder, "header.csv")]
    loaded = read_pack(folder / "pack", children)
    assert not loaded.rejected
    return [attrs.evolve(loaded.records[c], coverage=loaded.records[c].coverage | loaded.declared) for c in children]


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> tuple[Path, dict]:
    """A return-only cohort big enough for proportions."""
    folder = tmp_path_factory.mktemp("large")
    summary = generate(CohortSpec(children=6000, seed=17, as_of=AS_OF, casework=False), folder)
    return folder, summary.to_dict()


# -- the return's tables ---------------------------------------------------------------------------


def test_tables_have_the_validator_columns(cohort):
    folder, _ = cohort
    for name, columns in TABLES.items():
        with (folder / name).open(encoding="utf-8") as handle:
            assert tuple(next(csv.reader(handle))) == columns, name
    assert len(table(folder, "header.csv")) == COHORT.children


def test_codes_are_valid_for_the_collection_year(cohort):
    folder, _ = cohort
    year = collection_year(AS_OF)
    valid = {name: codes.all_lists()[name].valid_in(year) for name in codes.all_lists()}
    columns = {
        "RNE": "reason_new_episode",
        "LS": "legal_status",
        "PLACE": "placement_type",
        "CIN": "category_of_need",
        "PLACE_PROVIDER": "placement_provider",
        "REC": "reason_episode_ceased",
        "REASON_PLACE_CHANGE": "reason_place_change",
    }
    for row in table(folder, "episodes.csv"):
        for column, code_list in columns.items():
            assert not row[column] or row[column] in valid[code_list], (column, row)
    assert {row["SEX"] for row in table(folder, "header.csv")} <= valid["sex"]
    assert {row["REVIEW_CODE"] for row in table(folder, "reviews.csv")} <= valid["review_participation"]
    assert {row["PREV_PERM"] for row in table(folder, "previous_permanence.csv")} <= valid["previous_permanence"]


def test_periods_start_with_s_and_episodes_chain_without_gaps(cohort):
    folder, _ = cohort
    for child, rows in episodes_by_child(folder).items():
        previous = None
        for row in rows:
            start, end = day(row["DECOM"]), day(row["DEC"])
            assert end is None or end > start, (child, row)
            assert bool(row["DEC"]) == bool(row["REC"]), (child, row)
            if previous is None or previous["REC"] != "X1":
                assert row["RNE"] == "S", (child, row)
                assert previous is None or start > day(previous["DEC"]), (child, row)
            else:
                assert row["DECOM"] == previous["DEC"] and row["RNE"] != "S", (child, row)
                temporary = previous["PLACE"].startswith("T") or row["PLACE"].startswith("T")
                if row["RNE"] in "PBTU" and not temporary:
                    assert previous["REASON_PLACE_CHANGE"], (child, row)
                if row["RNE"] == "L":
                    assert row["PLACE"] == previous["PLACE"] and row["LS"] != previous["LS"], (child, row)
            previous = row
        assert rows[-1]["REC"] != "X1", child


def test_adoption_passes_through_a_placement_order_and_placement(cohort):
    folder, _ = cohort
    adopted = 0
    for child, rows in episodes_by_child(folder).items():
        for before, row in itertools.pairwise(rows):
            if row["PLACE"] in PLACED_FOR_ADOPTION and before["REC"] == "X1":
                assert before["PLACE"] in PLACED_FOR_ADOPTION | FOSTERING, child  # rule 336
        for row in rows:
            if row["PLACE"] in {"A5", "A6"}:
                assert row["LS"] == "E1", child  # rule 408
            if row["PLACE"] in {"A3", "A5"}:
                assert row["RNE"] in "STU", child  # rule 217
            if row["REC"] in {"E11", "E12"}:
                adopted += 1
                assert row["PLACE"] in PLACED_FOR_ADOPTION, child  # rule 390
                assert any(r["LS"] == "E1" for r in rows), child
    assert adopted > 10


def test_adoption_dates_keep_the_validator_rules(cohort):
    folder, _ = cohort
    episodes = episodes_by_child(folder)
    decisions = {row["CHILD"]: row for row in table(folder, "placed_for_adoption.csv")}
    ad1 = table(folder, "ad1.csv")
    assert ad1
    for row in ad1:
        rows = episodes[row["CHILD"]]
        decided, matched = day(row["DATE_INT"]), day(row["DATE_MATCH"])
        assert decided >= max(day(r["DECOM"]) for r in rows if r["RNE"] == "S")  # 334
        assert decided <= matched  # 333
        assert decisions[row["CHILD"]]["DATE_PLACED"] == row["DATE_INT"]  # 523
        placed = [day(r["DECOM"]) for r in rows if r["PLACE"] in PLACED_FOR_ADOPTION]
        assert not placed or decided <= placed[0]  # 521
        for r in rows:
            if r["REC"] in {"E11", "E12"}:
                assert matched <= day(r["DECOM"]) < day(r["DEC"])  # 331, 582
        assert row["NB_ADOPTR"] in {"1", "2"} and row["FOSTER_CARE"] in {"0", "1"}
        single = row["NB_ADOPTR"] == "1"
        assert (row["SEX_ADOPTR"] in {"M1", "F1"}) == single and (row["LS_ADOPTR"] == "L0") == single
    for child, rows in episodes.items():
        order = [r for r in rows if r["LS"] == "E1"]
        if order:
            assert day(decisions[child]["DATE_PLACED"]) <= day(order[0]["DECOM"])  # 553, 554
        if any(r["PLACE"] in PLACED_FOR_ADOPTION for r in rows):
            assert child in decisions  # 551
        if child in decisions and rows[-1]["REC"] and rows[-1]["REC"] not in {"X1", "E11", "E12"}:
            assert decisions[child]["DATE_PLACED_CEASED"] and decisions[child]["REASON_PLACED_CEASED"]  # 557
        if child in decisions and rows[-1]["REC"] in {"E11", "E12"}:
            assert not decisions[child]["DATE_PLACED_CEASED"]  # 558


def test_reviews_follow_the_rules_and_most_are_on_time(cohort):
    folder, summary = cohort
    header = {row["CHILD"]: row for row in table(folder, "header.csv")}
    episodes = episodes_by_child(folder)
    reviews = table(folder, "reviews.csv")
    for row in reviews:
        held = day(row["REVIEW"])
        assert held <= AS_OF
        assert (row["REVIEW_CODE"] == "PN0") == (age_on(day(header[row["CHILD"]]["DOB"]), held) < 4)  # 440/441
        during = [
            r for r in episodes[row["CHILD"]] if day(r["DECOM"]) <= held and (not r["DEC"] or held < day(r["DEC"]))
        ]
        assert during and during[0]["LS"] not in {"V3", "V4"}  # in care, and never in a short break (399)
    assert 0.03 < summary["late_reviews"] / len(reviews) < 0.2


def test_short_breaks_have_no_placement_address_and_stay_short(cohort):
    folder, summary = cohort
    breaks = [row for row in table(folder, "episodes.csv") if row["LS"] == "V3"]
    assert summary["short_breaks"] > 0 and breaks
    for row in breaks:
        assert not row["PL_POST"] and not row["URN"]  # rule 214
        assert row["RNE"] == "S"
        assert not row["DEC"] or (day(row["DEC"]) - day(row["DECOM"])).days <= 17  # rule 365


def test_every_child_was_looked_after_in_the_year_before_the_as_of_date(cohort):
    folder, _ = cohort
    year_start = AS_OF.replace(year=AS_OF.year - 1) + dt.timedelta(days=1)
    for child, rows in episodes_by_child(folder).items():
        assert day(rows[0]["DECOM"]) <= AS_OF
        assert any(not r["DEC"] or day(r["DEC"]) >= year_start for r in rows), child


def test_uasc_rows_are_unaccompanied_children_leaving_status_at_18(cohort):
    folder, _ = cohort
    header = {row["CHILD"]: row for row in table(folder, "header.csv")}
    episodes = episodes_by_child(folder)
    rows = table(folder, "uasc.csv")
    assert rows
    for row in rows:
        assert day(row["DUC"]) <= birthday(day(header[row["CHILD"]]["DOB"]), 18)
        assert {r["CIN"] for r in episodes[row["CHILD"]]} == {"N8"}


# -- proportions and the mix the rules engine needs ----------------------------------------------


def test_leavers_outcomes_are_in_roughly_national_proportions(large):
    _, summary = large
    outcomes = summary["leaver_outcomes"]
    share = {name: count / summary["leavers"] for name, count in outcomes.items()}
    assert 0.2 < summary["leavers"] / summary["children"] < 0.35
    assert 0.25 < share["return_home"] < 0.42
    assert 0.09 < share["special_guardianship"] < 0.18
    assert 0.08 < share["adoption"] < 0.15
    assert 0.02 < share["child_arrangements_order"] < 0.07
    assert (
        share["return_home"] > share["special_guardianship"] and share["adoption"] > share["child_arrangements_order"]
    )
    assert summary["long_term_fostering"] / summary["in_care"] > 0.1


def test_cohort_holds_the_situations_the_rules_must_flag(cohort):
    _, summary = cohort
    for figure in (
        "recent_entrants",
        "in_proceedings",
        "proceedings_past_22_weeks",
        "late_reviews",
        "plans_not_ratified_by_second_review",
        "overdue_actions",
        "sibling_groups",
    ):
        assert summary[figure] > 0, figure
    assert summary["plans_not_ratified_by_second_review"] < summary["in_care"] / 3


# -- determinism and identities ---------------------------------------------------------------------


def test_same_seed_same_files_and_another_seed_differs(tmp_path):
    spec = CohortSpec(children=120, seed=42, as_of=AS_OF)
    generate(spec, tmp_path / "a")
    generate(spec, tmp_path / "b")
    generate(CohortSpec(children=120, seed=43, as_of=AS_OF), tmp_path / "c")
    names = [*TABLES, *(f"pack/{name}" for name in sorted(CSV_PACK))]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert match == names and not mismatch and not errors
    assert (tmp_path / "a" / "episodes.csv").read_bytes() != (tmp_path / "c" / "episodes.csv").read_bytes()


def test_return_only_cohort_has_the_same_return(cohort, tmp_path):
    folder, _ = cohort
    generate(attrs.evolve(COHORT, casework=False), tmp_path)
    match, mismatch, errors = filecmp.cmpfiles(folder, tmp_path, list(TABLES), shallow=False)
    assert match == list(TABLES) and not mismatch and not errors
    assert not (tmp_path / "pack").exists()


def test_identities_are_synthetic_and_valid(cohort, pack):
    folder, _ = cohort
    numbers = [record.child.identifiers.nhs_number for record in pack]
    assert len(set(numbers)) == len(numbers)
    assert all(number.startswith("999") and nhs_number_is_valid(number) for number in numbers)
    upns = [row["UPN"] for row in table(folder, "header.csv") if row["UPN"]]
    assert upns and all(u[1:4] == "999" and u == upn_with_check(u[1:]) for u in upns)
    for row in table(folder, "episodes.csv"):
        assert row["HOME_POST"].startswith("ZZ") and (not row["PL_POST"] or row["PL_POST"].startswith("ZZ"))


def upn_with_check(body: str) -> str:
    total = sum(int(char) * weight for char, weight in zip(body, range(2, 14), strict=True))
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23] + body


def test_nhs_check_digit_and_upn_follow_their_algorithms():
    assert nhs_check_digit("943476591") == 9  # the NHS's own worked example, 943 476 5919
    assert nhs_number_is_valid("9434765919")
    made = upn(random.Random(1), 7)
    assert len(made) == 13 and made == upn_with_check(made[1:])


# -- the pack ------------------------------------------------------------------------------------


def test_pack_tables_load_exactly_as_the_pack_json_interchange_document(tmp_path):
    spec = CohortSpec(children=150, seed=11, as_of=AS_OF)
    generate(spec, tmp_path / "csv")
    generate(spec, tmp_path / "json", pack_json=True)
    assert {p.name for p in (tmp_path / "csv" / "pack").iterdir()} == CSV_PACK
    assert [p.name for p in (tmp_path / "json" / "pack").iterdir()] == ["pack.json"]
    from_tables = load_ssda903(str(tmp_path / "csv"), {})
    from_json = load_ssda903(str(tmp_path / "json"), {})
    assert not from_tables.rejected and not from_json.rejected
    assert sum(len(r.meetings) for r in from_tables.records) > spec.children
    assert [serialization.record_to_dict(r) for r in from_tables.records] == [
        serialization.record_to_dict(r) for r in from_json.records
    ]


def test_pack_json_is_compact_and_what_dumps_writes(tmp_path):
    spec = CohortSpec(children=40, seed=12, as_of=AS_OF)
    generate(spec, tmp_path, pack_json=True)
    text = (tmp_path / "pack" / "pack.json").read_text(encoding="utf-8")
    records = serialization.loads(text)
    assert "\n" not in text.rstrip("\n") and len(records) == spec.children
    assert json.loads(text) == json.loads(serialization.dumps(records))


def test_pack_holds_only_what_the_return_lacks(pack):
    records = pack
    assert len(records) == COHORT.children
    for record in records:
        assert record.coverage == PACK_FACETS
        assert not record.periods_of_care and not record.reviews and record.adoption is None
        assert record.child.date_of_birth is None and record.child.identifiers.upn is None
        assert record.child.first_name and record.child.surname
    assert sum(bool(r.plans) for r in records) > COHORT.children * 0.7
    assert sum(bool(r.proceedings) for r in records) > COHORT.children * 0.15


def test_meetings_and_actions_hang_together(pack):
    kinds = collections.Counter()
    for record in pack:
        for meeting in record.meetings:
            kinds[meeting.kind] += 1
            assert record.child_id in meeting.children and meeting.date <= AS_OF
            assert meeting.minutes_issued_on is None or meeting.date < meeting.minutes_issued_on <= AS_OF
            actions = {action.action_id: action for action in meeting.actions}
            for action in meeting.actions:
                assert action.owner and action.due_date > meeting.date
                assert action.completed_on is None or meeting.date < action.completed_on <= AS_OF
                for waited in action.depends_on:
                    first = actions[waited]
                    if action.completed_on is not None:
                        assert first.completed_on is not None and first.completed_on <= action.completed_on
        for plan in record.plans:
            assert plan.decided_on <= AS_OF
            assert plan.ratified_at_review is None or plan.decided_on <= plan.ratified_at_review <= AS_OF
    assert set(kinds) == {"ppm", "tracking_panel", "monitoring_group", "plan_review"}


def test_proceedings_run_26_weeks_plus_extensions(pack):
    extended = 0
    for record in pack:
        for proceedings in record.proceedings:
            assert proceedings.first_cmh is None or proceedings.first_cmh > proceedings.issue_date
            extended += bool(proceedings.extensions)
            if proceedings.concluded_on:
                limit = proceedings.issue_date + dt.timedelta(days=LAST_DAY, weeks=proceedings.extension_weeks)
                assert proceedings.concluded_on <= limit and proceedings.outcome
    assert extended > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), issued=st.dates(dt.date(2015, 1, 1), dt.date(2030, 1, 1)))
def test_planned_proceedings_keep_the_statutory_clock(seed, issued):
    proceedings = plan_proceedings(Dice(random.Random(seed)), issued)
    weeks = sum(weeks for _granted, weeks in proceedings.extensions)
    assert issued < proceedings.cmh < proceedings.irh < proceedings.final
    assert proceedings.final <= issued + dt.timedelta(days=LAST_DAY, weeks=weeks)
    assert all(1 <= w <= 8 for _g, w in proceedings.extensions)
    assert proceedings.final.weekday() < 5 and proceedings.cmh.weekday() < 5


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), issued=st.dates(dt.date(2015, 1, 1), dt.date(2030, 1, 1)))
def test_extended_proceedings_end_inside_their_last_extension(seed, issued):
    proceedings = plan_proceedings(Dice(random.Random(seed)), issued)
    if proceedings.extensions:
        _granted, last = proceedings.extensions[-1]
        weeks = sum(weeks for _granted, weeks in proceedings.extensions)
        before_last = issued + dt.timedelta(days=LAST_DAY, weeks=weeks - last)
        assert before_last < proceedings.final


def test_dice_refuse_to_pick_from_nothing_with_a_clear_error():
    # An empty table of weights once failed with UnboundLocalError from inside the loop.
    with pytest.raises(ValueError, match="nothing to pick from"):
        Dice(random.Random(1)).pick({})


def test_a_pack_writer_used_outside_its_with_block_says_so(tmp_path):
    writer = PackWriter(tmp_path)
    with pytest.raises(RuntimeError, match="inside its with block"):
        writer.write(CaseRecord(child=Child(identifiers=Identifiers(case_id="C1"))))


def test_sibling_groups_share_their_start_and_name_each_other(cohort, pack):
    folder, _ = cohort
    records = {r.child_id: r for r in pack}
    starts = {child: rows[0]["DECOM"] for child, rows in episodes_by_child(folder).items()}
    groups = 0
    for record in records.values():
        in_care = [s for s in record.siblings if s.child_id]
        for sibling in in_care:
            groups += 1
            assert starts[sibling.child_id] == starts[record.child_id]
            assert record.child_id in {s.child_id for s in records[sibling.child_id].siblings}
    assert groups > 0


# -- the journey builder --------------------------------------------------------------------------


def test_episodes_take_their_reason_from_what_changed():
    home = Placement(code="U6", carer="a")
    same_carers = Placement(code="U4", carer="a")
    elsewhere = Placement(code="K2", carer="b")
    period = Period(
        start=dt.date(2025, 1, 1),
        legal_status="V2",
        placement=home,
        category_of_need="N1",
        home_postcode="ZZ1 1AA",
        changes=(
            Change(day=dt.date(2025, 1, 1), placement=elsewhere),
            Change(day=dt.date(2025, 2, 1), legal_status="C1"),
            Change(day=dt.date(2025, 3, 1), placement=Placement(code="U6", carer="c"), reason="CARPL"),
            Change(day=dt.date(2025, 4, 1), placement=Placement(code="U4", carer="c"), reason="PLACE"),
            Change(day=dt.date(2025, 5, 1), legal_status="C2", placement=same_carers, reason="CARPL"),
            Change(day=dt.date(2025, 6, 1), legal_status="E1"),
            Change(day=dt.date(2025, 6, 1), placement=home, reason="CREQB"),
        ),
        end=dt.date(2025, 8, 1),
        reason_ceased="E13",
    )
    known = to_period_of_care(period, dt.date(2025, 7, 1), "x-1")
    assert [e.reason_new_episode for e in known.episodes] == ["S", "L", "P", "T", "B", "U"]
    assert known.episodes[0].placement == "K2"  # a change on the first day shapes the opening episode
    assert known.end is None and known.episodes[-1].end is None  # left after the as-of date: still open
    # REASON_PLACE_CHANGE sits on the episode the move ends, not on the one it starts.
    assert [e.reason_place_change for e in known.episodes] == [None, "CARPL", "PLACE", "CARPL", "CREQB", None]
    ended = to_period_of_care(period, dt.date(2025, 9, 1), "x-1")
    assert ended.end == dt.date(2025, 8, 1) and ended.reason_ceased == "E13"
    assert to_period_of_care(period, dt.date(2024, 12, 31), "x-1") is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), as_of=st.dates(dt.date(2023, 4, 1), dt.date(2027, 3, 31)))
def test_any_seed_and_date_gives_a_cohort_the_model_accepts(seed, as_of):
    children = list(CohortGenerator(CohortSpec(children=40, seed=seed, as_of=as_of)))
    assert len(children) == 40
    year = collection_year(as_of)
    for child in children:
        record = child.record
        assert record.child.sex in codes.SEX.valid_in(year)
        assert all(e.placement in codes.PLACEMENT_TYPE.valid_in(year) for e in record.episodes)
        assert record.periods_of_care and record.periods_of_care[0].start <= as_of
        assert all(r.date <= as_of for r in record.reviews)


# -- through the adapter --------------------------------------------------------------------------


def test_cohort_loads_through_the_adapter_exactly_as_generated(cohort):
    folder, _ = cohort
    result = Plugins().load("ssda903", str(folder))
    assert not result.rejected
    generated = {c.record.child_id: c.record for c in CohortGenerator(COHORT)}
    assert [r.child_id for r in result.records] == list(generated)
    for record in result.records:
        made = generated[record.child_id]
        assert record.child == made.child
        assert record.episodes == made.episodes and record.reviews == made.reviews
        assert [(p.start, p.end, p.reason_ceased) for p in record.periods_of_care] == [
            (p.start, p.end, p.reason_ceased) for p in made.periods_of_care
        ]
        assert record.adoption == made.adoption and record.previous_permanence == made.previous_permanence
        assert (record.plans, record.meetings, record.proceedings) == (made.plans, made.meetings, made.proceedings)
        assert (record.siblings, record.workers) == (made.siblings, made.workers)
        assert Facet.PLANS in record.coverage and Facet.CARE in record.coverage


# -- the demo cohort and the command --------------------------------------------------------------


def test_shipped_demo_equals_a_fresh_generation(tmp_path):
    generate(DEMO, tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(demo_folder()).as_posix() for p in demo_folder().rglob("*") if p.is_file())
    assert shipped == names
    _match, mismatch, errors = filecmp.cmpfiles(tmp_path, demo_folder(), names, shallow=False)
    assert not mismatch and not errors, "the demo cohort drifted: regenerate with `permanence synth --demo`"


def test_demo_loads_with_no_rejections():
    result = Plugins().load("ssda903", str(demo_folder()))
    assert not result.rejected
    assert len(result.records) == DEMO.children
    assert all(Facet.PLANS in r.coverage for r in result.records)


def test_command_writes_a_cohort_and_reports_json(tmp_path):
    out = tmp_path / "cohort"
    args = ["synth", "--children", "60", "--seed", "3", "--as-of", "2026-11-23", "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["children"] == 60 and figures["seed"] == 3 and figures["as_of"] == "2026-11-23"
    assert len(table(out, "header.csv")) == 60 and len(table(out / "pack", "plans.csv")) > 30


def test_return_only_cohort_removes_an_earlier_pack(tmp_path):
    runner = CliRunner()
    common = ["synth", "--children", "20", "--as-of", "2026-11-23", "--out", str(tmp_path)]
    assert runner.invoke(cli, [*common, "--pack-json"]).exit_code == 0
    assert [p.name for p in (tmp_path / "pack").iterdir()] == ["pack.json"]
    assert runner.invoke(cli, common).exit_code == 0
    assert {p.name for p in (tmp_path / "pack").iterdir()} == CSV_PACK
    assert runner.invoke(cli, [*common, "--no-pack"]).exit_code == 0
    assert not any((tmp_path / "pack").iterdir())


def test_command_usage_and_unwritable_output(tmp_path):
    runner = CliRunner()
    pinned = runner.invoke(cli, ["synth", "--demo", "--seed", "4", "--out", str(tmp_path)])
    assert pinned.exit_code == 2 and "--seed" in pinned.output
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    unwritable = runner.invoke(cli, ["synth", "--children", "5", "--out", str(blocker / "cohort")])
    assert unwritable.exit_code == 1 and "cannot write the cohort" in unwritable.output
