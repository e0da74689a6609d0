"""``permanence source check --adapter mosaic`` on a warehouse built from the public documentation."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from permanence_core import api


def test_the_documented_warehouse_passes_and_names_what_it_lacks(warehouse: Callable[..., str], config: Path) -> None:
    url = warehouse()
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("ALTER TABLE dm_persons DROP COLUMN first_name")
        db.execute("DROP TABLE dm_workflow_steps_people_vw")
        db.execute("INSERT INTO dm_workflow_steps VALUES (3999, 7777, 60, 'COMPLETED', NULL, NULL, NULL, 1, 1)")
    db.close()

    report = api.check_source("mosaic", url, {"config": str(config)}, profile="tracker-meeting")

    assert report.ok
    facets = {f.facet: f for f in report.facets}
    assert (facets["names"].status, facets["names"].missing) == ("not in source", ("dm_persons.first_name",))
    assert (facets["adoption"].status, facets["adoption"].missing) == (
        "not in source",
        ("dm_workflow_steps_people_vw",),
    )
    assert facets["reviews"].status == "in source"
    [step] = [v for v in report.unmapped if v.what == "workflow step type"]
    assert (step.value, step.count, step.where) == ("7777", 1, "dm_workflow_steps.workflow_step_type_id")
    assert "configured step type '2212' is not in dm_workflow_steps" in report.notices
    tables = {t.table: t for t in report.tables}
    assert tables["dm_persons"].rows == 4 and tables["dm_persons"].missing == ("first_name",)
    assert not tables["dm_workflow_steps_people_vw"].present
    assert {r.rule for r in report.rules if not r.assessable} >= {"proceedings.final"}


def test_a_warehouse_without_care_is_not_ok(warehouse: Callable[..., str], config: Path) -> None:
    url = warehouse()
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("DROP TABLE dm_periods_of_care")
    db.close()

    report = api.check_source("mosaic", url, {"config": str(config)})

    assert not report.ok
    [care] = [f for f in report.facets if f.facet == "care"]
    assert care.missing == ("dm_periods_of_care",)
