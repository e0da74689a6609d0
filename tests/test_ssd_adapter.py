"""The built-in ``ssd`` adapter: Data to Insight's Standard Safeguarding Dataset, on synthetic SQLite builds.

The SSD is written by ``permanence synth --ssd-out`` as the Liquidlogic (SystemC) build fills it, and
reshaped here as other builds have it (Mosaic's codes and plan labels, missing columns and tables).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from permanence_core import api
from permanence_core.adapters import LoadResult
from permanence_core.errors import InputError
from permanence_core.model import CaseRecord, Facet
from permanence_core.rules.engine import needed_facets
from permanence_core.rules.profile import load_profile
from permanence_core.synth import CohortSpec, generate
from permanence_core.testing import AdapterContract

AS_OF = dt.date(2026, 11, 2)
RETURN_FACETS = frozenset({Facet.CARE, Facet.REVIEWS, Facet.ADOPTION})


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One synthetic cohort written both ways: an SSDA903 return folder (no pack) and an SSD SQLite file."""
    folder = tmp_path_factory.mktemp("cohort")
    generate(CohortSpec(children=150, seed=15, as_of=AS_OF), folder / "return", ssd_out=folder / "ssd.sqlite")
    shutil.rmtree(folder / "return" / "pack")
    return folder / "return", folder / "ssd.sqlite"


@pytest.fixture
def ssd(cohort: tuple[Path, Path], tmp_path: Path) -> Callable[..., str]:
    """A fresh copy of the cohort's SSD, changed by the SQL statements given; its URL."""

    def build(*statements: str) -> str:
        path = tmp_path / f"ssd-{len(list(tmp_path.glob('ssd-*')))}.sqlite"
        shutil.copy(cohort[1], path)
        with sqlite3.connect(path) as db:
            for statement in statements:
                db.execute(statement)
        db.close()
        return f"sqlite:///{path}"

    return build


def _config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "council.toml"
    path.write_text(f"[ssd]\n{text}", encoding="utf-8")
    return {"config": str(path)}


def _alerts(result: LoadResult, profile: str, keep: frozenset[Facet]) -> set[tuple[str, str, str, dt.date]]:
    loaded = load_profile(profile)
    assessable = {rule.id for rule in loaded.rules if needed_facets(rule) <= keep}
    evaluation = api.evaluate(result.records, profile=loaded, as_of=AS_OF)
    return {(a.child_id, a.rule, a.status.value, a.due_date) for a in evaluation.alerts if a.rule in assessable}


@pytest.mark.parametrize("profile", ["england", "tracker-meeting"])
def test_the_same_cohort_gives_the_same_alerts_through_the_ssd_as_through_ssda903(
    cohort: tuple[Path, Path], profile: str
) -> None:
    through_903 = api.load("ssda903", str(cohort[0]))
    through_ssd = api.load("ssd", f"sqlite:///{cohort[1]}")

    assert not through_ssd.rejected
    # The facets the SSD lacks (meetings, proceedings) aside: the return's facets are all in both.
    assert {r.coverage for r in through_ssd.records} == {RETURN_FACETS | {Facet.PLANS, Facet.SIBLINGS, Facet.WORKERS}}
    expected = _alerts(through_903, profile, RETURN_FACETS)
    assert expected, "the cohort must raise alerts for the comparison to mean anything"
    # A plan the return cannot hold also puts a child in the adoption stage: set the SSD's plans aside.
    without_plans = attrs.evolve(through_ssd, records=[attrs.evolve(r, plans=()) for r in through_ssd.records])
    assert _alerts(without_plans, profile, RETURN_FACETS) == expected
    by_id = {r.child_id: r for r in through_903.records}
    for record in through_ssd.records:
        other = by_id[record.child_id]
        assert _care_facts(record) == _care_facts(other)


def _care_facts(record: CaseRecord) -> tuple[object, ...]:
    """What both routes hold: periods, legal statuses, placements, reviews held and adoption milestones."""
    return (
        [(p.start, p.end, p.reason_ceased, p.short_break) for p in record.periods_of_care],
        record.legal_statuses,
        [(p.placement_type, p.start, p.end) for p in record.placements],
        [(r.date, r.participation, r.cancelled) for r in record.reviews],
        record.adoption,
    )


def test_what_the_ssd_cannot_say_is_not_in_source(ssd: Callable[..., str]) -> None:
    result = api.load("ssd", ssd())

    coverage = next(iter({r.coverage for r in result.records}))
    assert Facet.MEETINGS not in coverage and Facet.PROCEEDINGS not in coverage
    assert "meetings not in source: the Standard Safeguarding Dataset has no meetings table" in result.notices
    assert all(not r.proceedings for r in result.records)


def test_the_proceedings_stand_in_is_used_only_when_the_config_asks(ssd: Callable[..., str], tmp_path: Path) -> None:
    url = ssd()
    options = _config(tmp_path, "proceedings_from_legal_status = true\n")

    result = api.load("ssd", url, options)

    with_c1 = [r for r in result.records if any(s.code == "C1" for s in r.legal_statuses)]
    assert with_c1 and all(Facet.PROCEEDINGS in r.coverage for r in result.records)
    for record in with_c1:
        first = min(s.start for s in record.legal_statuses if s.code == "C1")
        assert record.proceedings[0].issue_date == first
        assert record.proceedings[0].court_reference == "stand-in from legal status C1"


def test_a_mosaic_build_holds_codes_and_a_plan_label(ssd: Callable[..., str], tmp_path: Path) -> None:
    url = ssd(
        "UPDATE ssd_legal_status SET lega_legal_status = CASE lega_legal_status"
        " WHEN 'Interim care order' THEN 'C1' WHEN 'Full care order' THEN 'C2' ELSE 'V2' END",
        "UPDATE ssd_cla_episodes SET clae_cla_episode_ceased_reason = NULL",
        "ALTER TABLE ssd_cla_care_plan RENAME COLUMN lacp_table_id TO lacp_cla_care_plan_id",
        "UPDATE ssd_cla_care_plan SET lacp_cla_care_plan_json = 'B) Adoption'",
        "ALTER TABLE ssd_involvements DROP COLUMN invo_person_id",
        "ALTER TABLE ssd_professionals DROP COLUMN prof_professional_name",
        "DROP TABLE ssd_family",
    )

    result = api.load("ssd", url, _config(tmp_path, 'system = "mosaic"\n'))

    assert not result.rejected
    coverage = next(iter({r.coverage for r in result.records}))
    assert Facet.WORKERS not in coverage and Facet.SIBLINGS not in coverage and Facet.PLANS in coverage
    assert "ssd_involvements.invo_person_id is not in the warehouse: workers not in source" in result.notices
    assert "ssd_family is not in the warehouse: siblings not in source" in result.notices
    assert {p.primary for r in result.records for p in r.plans} == {"adoption"}
    assert {s.code for r in result.records for s in r.legal_statuses} == {"C1", "C2", "V2"}


def test_a_build_set_to_codes_rejects_descriptions_and_names_the_row(ssd: Callable[..., str], tmp_path: Path) -> None:
    result = api.load("ssd", ssd(), _config(tmp_path, 'legal_status = "code"\n'))

    rejection = result.rejected[0]
    assert rejection.field == "lega_legal_status"
    assert rejection.source.startswith("ssd_legal_status lega_legal_status_id=")
    assert "is not an SSDA903 legal status code" in rejection.reason


def test_an_unknown_description_is_rejected_with_the_nearest_wording(ssd: Callable[..., str]) -> None:
    url = ssd(
        "UPDATE ssd_legal_status SET lega_legal_status = 'Full care ordr'"
        " WHERE lega_legal_status_id = (SELECT MIN(lega_legal_status_id) FROM ssd_legal_status"
        " WHERE lega_legal_status = 'Full care order')"
    )

    result = api.load("ssd", url)

    [rejection] = result.rejected
    assert rejection.reason == (
        "is not a known legal status description; nearest: 'Full care order' (C2); add it to legal_status_map in [ssd]"
    )
    assert rejection.child_id and rejection.child_id in {r.child_id for r in result.records}


def test_the_1900_placeholder_date_is_no_date(ssd: Callable[..., str]) -> None:
    url = ssd("UPDATE ssd_permanence SET perm_matched_date = '1900-01-01 00:00:00'")

    result = api.load("ssd", url)

    adopted = [r.adoption for r in result.records if r.adoption is not None]
    assert adopted and all(a.match is None for a in adopted)


@pytest.mark.parametrize(
    ("table", "facet"),
    [
        ("ssd_cla_reviews", Facet.REVIEWS),
        ("ssd_cla_care_plan", Facet.PLANS),
        ("ssd_permanence", Facet.ADOPTION),
        ("ssd_involvements", Facet.WORKERS),
        ("ssd_professionals", Facet.WORKERS),
        ("ssd_family", Facet.SIBLINGS),
    ],
)
def test_each_optional_table_missing_marks_only_its_facet_not_in_source(
    ssd: Callable[..., str], table: str, facet: Facet
) -> None:
    full = api.load("ssd", ssd())
    result = api.load("ssd", ssd(f"DROP TABLE {table}"))

    kept = next(iter({r.coverage for r in full.records})) - {facet}
    assert {r.coverage for r in result.records} == {kept}
    assert f"{table} is not in the warehouse: {facet.value} not in source" in result.notices
    if facet is Facet.PLANS:
        # A plan also puts a child in the adoption stage: without plans, compare with the plans set aside.
        full = attrs.evolve(full, records=[attrs.evolve(r, plans=()) for r in full.records])
    assert _alerts(result, "england", kept) == _alerts(full, "england", kept)


def test_a_missing_care_table_names_the_source_as_given(ssd: Callable[..., str]) -> None:
    url = ssd("DROP TABLE ssd_legal_status")

    with pytest.raises(InputError) as raised:
        api.load("ssd", url)

    assert str(raised.value) == f"{url}: missing (needed for identity and care): ssd_legal_status"


class TestSsdContract(AdapterContract):
    @pytest.fixture
    def adapter_name(self) -> str:
        return "ssd"

    @pytest.fixture
    def source(self, ssd: Callable[..., str]) -> str:
        return ssd()

    @pytest.fixture
    def bad_source(self, ssd: Callable[..., str]) -> str:
        return ssd(
            "INSERT INTO ssd_cla_episodes (clae_cla_episode_id, clae_person_id, clae_cla_id,"
            " clae_cla_episode_start_date) VALUES ('BAD-1', (SELECT MIN(pers_person_id) FROM ssd_person), 'BAD-P',"
            " 'last tuesday')",
            "INSERT INTO ssd_cla_reviews (clar_cla_review_id, clar_cla_id, clar_cla_review_date)"
            " VALUES ('BAD-R', 'NO-SUCH-PERIOD', '2025-01-01')",
        )

    @pytest.fixture
    def missing_source(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'no-such-ssd.sqlite'}"

    @pytest.fixture
    def load_options(self) -> Mapping[str, Any]:
        return {}


def test_a_load_narrowed_to_some_facets_reads_and_covers_only_those(ssd: Callable[..., str]) -> None:
    url = ssd()
    everything = api.load("ssd", url)
    narrowed = api.load("ssd", url, {"facets": ["reviews"]})

    full = {record.child_id: record for record in everything.records}
    assert any(record.plans for record in everything.records)  # the cohort has plans: leaving them out shows
    assert sorted(full) == sorted(record.child_id for record in narrowed.records)
    for record in narrowed.records:
        assert record.coverage == {Facet.CARE, Facet.REVIEWS}
        same = full[record.child_id]
        assert (record.periods_of_care, record.legal_statuses, record.reviews) == (
            same.periods_of_care,
            same.legal_statuses,
            same.reviews,
        )
        assert record.plans == () and record.workers == () and record.siblings == ()
    assert narrowed.read < everything.read
    assert "only the facets needed were read; not loaded: plans, adoption, siblings, workers" in narrowed.notices
