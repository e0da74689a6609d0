"""The [mosaic] configuration: the example file, defaults, and mistakes named by file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from permanence_mosaic.config import DocumentCategory, MosaicConfig, load_config

from permanence_core.errors import ConfigError
from permanence_core.model import MeetingKind, WorkerRole


def test_the_example_configuration_loads_every_setting(example_config: Path) -> None:
    config = load_config({"config": str(example_config)})

    assert config.schema == "dbo"
    assert config.step_types.cla_review == (1242, 1237, 1234)
    assert config.step_types.meeting_kinds() == {
        "2210": MeetingKind.PPM,
        "2211": MeetingKind.TRACKING_PANEL,
        "2212": MeetingKind.MONITORING_GROUP,
        "2213": MeetingKind.PLAN_REVIEW,
    }
    assert config.questions.codes()["lac.perm.plan"] == "plan"
    assert config.questions.codes()["lac.perm.decision.date"] == "decision_date"
    # Answers are compared without case or extra spaces.
    assert config.plan_answers["long term foster care"] == "long_term_fostering"
    assert config.plan_answers["return home to parents"] == "RETURNEV"
    assert config.order_types == {"SGO": "special_guardianship", "CAO": "child_arrangements_order"}
    assert config.documents.category_for("pro-forma") == DocumentCategory(
        category="Permanence", sub_category="Tracking meeting pro-forma"
    )
    assert config.documents.category_for("ppm-minutes") == DocumentCategory(
        category="Permanence", sub_category="Permanence planning"
    )
    assert config.documents.allowed_extensions == {"docx", "pdf"}
    assert config.case_notes.note_type == "PERMALERT"
    assert config.case_notes.recipient_roles == (WorkerRole.SOCIAL_WORKER,)


def test_no_configuration_reads_nothing_council_specific() -> None:
    config = load_config({})

    assert config == MosaicConfig()
    assert config.step_types.all() == ()
    assert config.questions.codes() == {}
    assert config.sibling_categories == ("Child's Siblings",)


def test_paths_are_relative_to_the_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "council.toml"
    path.write_text('[mosaic.documents]\ncompleted_forms = "uploads"\n', encoding="utf-8")

    assert load_config({"config": str(path)}).documents.completed_forms == tmp_path / "uploads"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[mosaic]\nschemas = "dbo"\n', "mosaic.schemas: is not a Mosaic setting"),
        ("[mosaic]\nschema = 3\n", "mosaic.schema: 3 must be non-empty text"),
        ('[mosaic]\nsqlite_attach = "x.db"\n', "mosaic.sqlite_attach: must be a table"),
        ("[mosaic\n", "is not valid TOML"),
        ("[mosaic.step_types]\ncla_review = 1242\n", "mosaic.step_types.cla_review: 1242 must be a list"),
        ("[mosaic.step_types]\nppm = [2210, 1.5]\n", "mosaic.step_types.ppm: .* must be a list of workflow step"),
        ("[mosaic.step_types]\nreviews = [1]\n", "mosaic.step_types.reviews: is not a Mosaic setting"),
        ('[mosaic.questions]\nplan = ""\n', "mosaic.questions.plan: '' must be non-empty text"),
        ('[mosaic.plan_answers]\n"Adopt" = "adoption_order"\n', "mosaic.plan_answers.Adopt: 'adoption_order' is not"),
        ('[mosaic.order_types]\nSGO = "ADOPTION"\n', "mosaic.order_types.SGO: 'ADOPTION' is not a permanence route"),
        ('[mosaic]\nworker_role = "boss"\n', "mosaic.worker_role: 'boss' is not a worker role"),
        ('[mosaic.documents]\nallowed_extensions = ["d o c"]\n', "mosaic.documents.allowed_extensions"),
        ('[mosaic.documents.types.x]\ncolour = "red"\n', "mosaic.documents.types.x.colour: is not a Mosaic"),
        ('[mosaic.case_notes]\nsignificant = ["late"]\n', "mosaic.case_notes.significant: 'late' is not an alert"),
        ('[mosaic.case_notes]\nrecipient_roles = ["chair"]\n', "mosaic.case_notes.recipient_roles: 'chair'"),
        ('[mosaic.case_notes]\nnotify_resolved = "yes"\n', "mosaic.case_notes.notify_resolved: 'yes' must be true"),
    ],
)
def test_mistakes_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "council.toml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=message) as raised:
        load_config({"config": str(config)})
    assert str(config) in str(raised.value)
