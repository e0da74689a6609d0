"""How the Liquidlogic reader turns HDM.Child_Social rows into CaseRecords, and what it rejects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permanence_liquidlogic.config import DEFAULT_ANSWER_MAP, load_config
from permanence_liquidlogic.lookups import legal_status_code

from permanence_core.errors import ConfigError, InputError
from permanence_core.model import Facet, MeetingKind, WorkerRole
from permanence_core.plugins.manager import Plugins
from permanence_core.writeback import WriteBackSettings

Warehouse = Callable[..., tuple[str, Mapping[str, Any]]]


def _load(built: tuple[str, Mapping[str, Any]]):
    return Plugins().load("liquidlogic", *built)


def _by_id(result):
    return {record.child_id: record for record in result.records}


def test_reads_children_with_periods_episodes_and_legal_statuses(warehouse: Warehouse) -> None:
    result = _load(warehouse())

    children = _by_id(result)
    assert sorted(children) == ["201", "202"]
    first = children["201"]
    assert first.coverage == {Facet.CARE, Facet.REVIEWS, Facet.ADOPTION, Facet.PLANS, Facet.MEETINGS, Facet.WORKERS}
    assert first.child.identifiers.upn == "B123456789012"
    assert (first.child.date_of_birth, first.child.sex) == (dt.date(2014, 7, 19), "M")
    [period] = first.periods_of_care
    assert (period.period_id, period.start, period.end) == ("31", dt.date(2022, 9, 5), None)
    assert [(e.start, e.legal_status) for e in period.episodes] == [
        (dt.date(2022, 9, 5), "C1"),
        (dt.date(2023, 2, 1), "C2"),
    ]
    assert [spell.code for spell in first.legal_statuses] == ["C1", "C2"]
    assert not result.rejected


def test_a_period_ends_with_its_last_episode(warehouse: Warehouse) -> None:
    [period] = _by_id(_load(warehouse()))["202"].periods_of_care

    assert (period.end, period.reason_ceased, period.outcome) == (dt.date(2021, 3, 31), "E11", "adoption")
    assert period.episodes[0].legal_status == "E1"


def test_the_unknown_row_duplicates_and_non_looked_after_people_are_skipped(warehouse: Warehouse) -> None:
    result = _load(warehouse())

    assert {"-1", "203", "950"}.isdisjoint(_by_id(result))
    assert result.notices == (
        "1 DIM_PERSON rows are marked duplicated (DUPLICATED_DTTM) and were skipped",
        "1 people in DIM_PERSON have no care episodes and are not looked after",
        "1 cancelled permanence meetings were left out",
    )


def test_rows_of_duplicated_unknown_and_missing_people_are_rejected(warehouse: Warehouse, rows) -> None:
    episodes = [
        *rows["episodes"],
        (6, 203, 33, "2022-01-01", None, None),
        (7, -1, 34, "2022-01-01", None, None),
        (8, 404, 35, "2022-01-01", None, None),
    ]

    result = _load(warehouse(episodes=episodes))

    assert [(r.source, r.child_id, r.field) for r in result.rejected] == [
        ("FACT_CARE_EPISODES FACT_CARE_EPISODES_ID=6", "203", "DIM_PERSON_ID"),
        ("FACT_CARE_EPISODES FACT_CARE_EPISODES_ID=7", "-1", "DIM_PERSON_ID"),
        ("FACT_CARE_EPISODES FACT_CARE_EPISODES_ID=8", "404", "DIM_PERSON_ID"),
    ]
    reasons = [r.reason for r in result.rejected]
    assert "DUPLICATED_DTTM" in reasons[0]
    assert "unknown-person row (-1)" in reasons[1]
    assert reasons[2] == "no such person in DIM_PERSON"
    assert sorted(_by_id(result)) == ["201", "202"]


def test_an_episode_without_a_period_of_care_is_rejected(warehouse: Warehouse, rows) -> None:
    result = _load(warehouse(episodes=[*rows["episodes"], (9, 202, None, "2022-01-01", None, None)]))

    [rejection] = result.rejected
    assert (rejection.field, rejection.child_id, rejection.row) == ("FACT_CLA_ID", "202", 4)
    assert len(_by_id(result)["202"].periods_of_care) == 1


def test_bad_dates_codes_and_descriptions_name_the_column_and_value(warehouse: Warehouse, rows) -> None:
    episodes = [
        *rows["episodes"],
        (10, 202, 36, "yesterday", None, None),
        (11, 202, 36, "2022-01-01", "2022-02-01", "E99"),
    ]
    legal = [*rows["legal_statuses"], (14, 202, "Sort of looked after", "2022-01-01", None)]

    result = _load(warehouse(episodes=episodes, legal_statuses=legal))

    assert {(r.source, r.field, r.value) for r in result.rejected} == {
        ("FACT_CARE_EPISODES FACT_CARE_EPISODES_ID=10", "CARE_START_DATE", "yesterday"),
        ("FACT_CARE_EPISODES FACT_CARE_EPISODES_ID=11", "CARE_REASON_END_CODE", "E99"),
        ("FACT_LEGAL_STATUS FACT_LEGAL_STATUS_ID=14", "DIM_LOOKUP_LGL_STATUS_DESC", "Sort of looked after"),
    }
    assert "legal_status_map" in next(r.reason for r in result.rejected if r.field == "DIM_LOOKUP_LGL_STATUS_DESC")


def test_the_council_maps_its_own_legal_status_descriptions(warehouse: Warehouse, rows) -> None:
    legal = [*rows["legal_statuses"][:2], (13, 202, "Section 20 (voluntary)", "2020-01-10", "2021-03-31")]

    result = _load(warehouse(legal_statuses=legal, settings='legal_status_map = { "section 20 (VOLUNTARY)" = "V2" }\n'))

    assert not result.rejected
    assert [spell.code for spell in _by_id(result)["202"].legal_statuses] == ["V2"]


@pytest.mark.parametrize(
    ("description", "code"),
    [("C2 - Full Care Order", "C2"), ("e1: placement order", "E1"), ("Interim care order", "C1"), ("Care", None)],
)
def test_legal_status_descriptions(description: str, code: str | None) -> None:
    assert legal_status_code(description, {}) == code


def test_a_period_of_short_breaks_is_a_short_break(warehouse: Warehouse, rows) -> None:
    legal = [*rows["legal_statuses"][:2], (13, 202, "V3", "2020-01-10", "2021-03-31")]

    [period] = _by_id(_load(warehouse(legal_statuses=legal)))["202"].periods_of_care

    assert period.short_break


def test_the_case_id_can_be_the_legacy_id(warehouse: Warehouse, rows) -> None:
    persons = [*rows["persons"][:2], (202, None, None, "Eirlysa", "Fakenham", "2018-02-03", "F", None)]
    persons.append((204, "L201", None, "Gwenllian", "Mockford", "2019-01-01", "F", None))
    episodes = [*rows["episodes"], (12, 204, 37, "2023-05-05", None, None)]

    result = _load(warehouse(persons=persons, episodes=episodes, settings='person_id_field = "LEGACY_ID"\n'))

    assert sorted(_by_id(result)) == ["L201"]
    assert [(r.source, r.field, r.reason) for r in result.rejected] == [
        ("DIM_PERSON DIM_PERSON_ID=202", "LEGACY_ID", "is empty; not loaded"),
        ("DIM_PERSON DIM_PERSON_ID=204", "LEGACY_ID", "is the case id of another person; not loaded"),
    ]


def test_a_bad_upn_named_by_the_legacy_id_shows_its_last_three_characters(warehouse: Warehouse, rows) -> None:
    bad_upn = (201, "L201", "B123456789012Z", "Dafyddine", "Examplefield", "2014-07-19", "M", None)
    persons = [rows["persons"][0], bad_upn, *rows["persons"][2:]]

    result = _load(warehouse(persons=persons, settings='person_id_field = "LEGACY_ID"\n'))

    [rejection] = result.rejected
    assert (rejection.child_id, rejection.field, rejection.value) == ("L201", "UPN", "***12Z")
    assert str(rejection).startswith("DIM_PERSON DIM_PERSON_ID=201") and "child L201 UPN='***12Z'" in str(rejection)


def test_a_case_id_with_a_control_character_is_reported_not_loaded(warehouse: Warehouse, rows) -> None:
    persons = [*rows["persons"][:2], (202, "L\x01202", None, "Eirlysa", "Fakenham", "2018-02-03", "F", None)]

    result = _load(warehouse(persons=persons, settings='person_id_field = "LEGACY_ID"\n'))

    assert sorted(_by_id(result)) == ["L201"]
    assert [(r.source, r.field, r.reason) for r in result.rejected] == [
        ("DIM_PERSON DIM_PERSON_ID=202", "LEGACY_ID", "holds a control character (at position 2); not loaded"),
    ]


def test_bad_upn_birth_date_and_gender_are_reported_and_the_child_still_loads(warehouse: Warehouse, rows) -> None:
    persons = [(201, "L201", "B12", "Dafyddine", "Examplefield", "19/07/2014", "Q", None), *rows["persons"][2:]]

    result = _load(warehouse(persons=persons))

    child = _by_id(result)["201"].child
    assert (child.identifiers.upn, child.date_of_birth, child.sex) == (None, None, None)
    assert sorted(r.field for r in result.rejected) == ["BIRTH_DTTM", "GENDER_MAIN_CODE", "UPN"]


def test_legal_statuses_without_episodes_are_reported_not_loaded(warehouse: Warehouse, rows) -> None:
    result = _load(warehouse(episodes=rows["episodes"][:2]))

    [rejection] = result.rejected
    assert (rejection.source, rejection.field) == ("DIM_PERSON DIM_PERSON_ID=202", "FACT_CLA_ID")
    assert "no usable care episode" in rejection.reason


def test_a_warehouse_without_the_optional_tables_loads_its_care_only(warehouse: Warehouse) -> None:
    optional = ("FACT_CLA_PLACEMENT", "FACT_ADOPTION", "FACT_CARE_PLANS", "FACT_FORMS", "FACT_FORM_ANSWERS")
    optional += ("FACT_MEETINGS", "FACT_MEETING_SUBJECTS", "FACT_CLA_REVIEW", "FACT_INVOLVEMENTS", "DIM_WORKER")

    result = _load(warehouse(omit=optional))

    assert {record.coverage for record in result.records} == {frozenset({Facet.CARE})}
    warnings = [notice for notice in result.notices if "is not in the warehouse" in notice]
    assert warnings == [
        "FACT_CLA_PLACEMENT is not in the warehouse: not read",
        "FACT_ADOPTION is not in the warehouse: adoption not in source",
        "FACT_CARE_PLANS is not in the warehouse: not read",
        "FACT_FORM_ANSWERS is not in the warehouse: plans not in source",
        "FACT_FORMS is not in the warehouse: plans not in source",
        "FACT_MEETINGS is not in the warehouse: meetings not in source",
        "FACT_MEETING_SUBJECTS is not in the warehouse: meetings not in source",
        "FACT_CLA_REVIEW is not in the warehouse: reviews not in source",
        "FACT_INVOLVEMENTS is not in the warehouse: workers not in source",
        "DIM_WORKER is not in the warehouse: workers not in source",
    ]
    assert not result.rejected


def test_a_table_missing_for_one_facet_leaves_the_others_covered(warehouse: Warehouse) -> None:
    result = _load(warehouse(omit=("DIM_WORKER",)))

    record = _by_id(result)["201"]
    assert Facet.WORKERS not in record.coverage and record.workers == ()
    assert {Facet.REVIEWS, Facet.MEETINGS, Facet.PLANS} <= record.coverage


def test_the_schema_name_is_configurable(warehouse: Warehouse) -> None:
    assert sorted(_by_id(_load(warehouse(schema="Social")))) == ["201", "202"]


def test_without_the_schema_the_warehouse_cannot_be_read(warehouse: Warehouse) -> None:
    source, _options = warehouse()

    with pytest.raises(InputError, match="Child_Social"):
        Plugins().load("liquidlogic", source, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[liquidlogic]\nperson_id = "X"\n', "liquidlogic.person_id: is not a Liquidlogic setting"),
        ('[liquidlogic]\nperson_id_field = "UPN"\n', "person_id_field: 'UPN' is not one of DIM_PERSON_ID, LEGACY_ID"),
        ('[liquidlogic]\nlegal_status_map = { "Care" = "C9" }\n', "legal_status_map.Care: 'C9' is not an SSDA903"),
        ('[liquidlogic]\nschema = ""\n', "liquidlogic.schema: '' is not a schema name"),
        ("[liquidlogic]\nsqlite_attach = [1]\n", "sqlite_attach: must be a table"),
        ('[liquidlogic]\nppm_meeting_types = "PPM"\n', "ppm_meeting_types: must be a list of non-empty strings"),
        ('[liquidlogic]\nmeeting_types = { PT = "panel" }\n', "meeting_types.PT: 'panel' is not a meeting kind"),
        (
            '[liquidlogic]\nppm_meeting_types = ["PT"]\nmeeting_types = { PT = "tracking_panel" }\n',
            "ppm_meeting_types: 'PT' is also in meeting_types as tracking_panel",
        ),
        ('[liquidlogic]\nanswer_map = { CPFUP1 = "HOME" }\n', "answer_map.CPFUP1: 'HOME' is not an Annex A plan code"),
        ('[liquidlogic]\ninvolvement_roles = { TM = "boss" }\n', "involvement_roles.TM: 'boss' is not a worker role"),
        ('[liquidlogic]\nworker_id_field = "NAME"\n', "worker_id_field: 'NAME' is not one of DIM_WORKER_ID"),
        ("[liquidlogic]\ncasenote_type_code = 3\n", "casenote_type_code: 3 must be a non-empty string"),
    ],
)
def test_config_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "council.toml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=message) as raised:
        load_config({"config": str(config)})
    assert str(config) in str(raised.value)


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config({"config": str(tmp_path / "nowhere.toml")})


_ids = st.sampled_from([201, 202, 203, -1, 404, None])
_dates = st.sampled_from(["2022-01-01", "2023-06-30 00:00:00", None, "", "soon", "2024-02-30"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    episodes=st.lists(
        st.tuples(
            st.sampled_from([1, 2, 3, None]),
            _ids,
            st.sampled_from([31, 32, None]),
            _dates,
            _dates,
            st.sampled_from([None, "X1", "E11", "E99"]),
        ),
        max_size=6,
    ),
    legal=st.lists(
        st.tuples(st.sampled_from([11, 12, None]), _ids, st.sampled_from(["C2", "V3", "Care", None]), _dates, _dates),
        max_size=4,
    ),
)
def test_any_mix_of_nulls_duplicates_and_bad_values_loads_without_crashing(
    warehouse: Warehouse, episodes, legal
) -> None:
    result = _load(warehouse(episodes=episodes, legal_statuses=legal))

    ids = [record.child_id for record in result.records]
    assert len(ids) == len(set(ids))
    loaded_episodes = sum(len(record.episodes) for record in result.records)
    rejected_episodes = {r.row for r in result.rejected if r.source.startswith("FACT_CARE_EPISODES")}
    assert loaded_episodes + len(rejected_episodes) == len(episodes)
    assert all(r.field and r.reason and r.row for r in result.rejected)


def test_the_bolton_example_configuration_is_valid() -> None:
    example = Path(__file__).parents[1] / "examples" / "bolton.toml"

    config = load_config({"config": str(example)})
    settings = WriteBackSettings.from_file(example)

    assert (config.person_id_field, config.casenote_type_code) == ("LEGACY_ID", "PERM")
    assert config.meeting_types == {"PPM": MeetingKind.PPM, "PERMTRACK": MeetingKind.TRACKING_PANEL}
    assert config.answer_map == DEFAULT_ANSWER_MAP
    assert config.involvement_roles["TM"] is WorkerRole.TEAM_MANAGER
    assert (settings.endpoint, settings.token_env) == (
        "https://integration.bolton.example/lcs/v1",
        "PERMANENCE_GATEWAY_TOKEN",
    )
