"""Completed pro-formas and meeting records exported from Mosaic, read back into the children's records."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import attrs
import docx
import pytest
from permanence_mosaic.config import load_config
from permanence_mosaic.reader import read

from permanence_core.documents import OutputFormat, meeting_record, pro_forma, render
from permanence_core.errors import InputError
from permanence_core.model import Action, Attendee, MeetingKind

Warehouse = Callable[..., str]
TODAY = dt.date(2023, 4, 20)


def _by_id(result):
    return {record.child_id: record for record in result.records}


@pytest.fixture
def with_forms(config: Path, tmp_path: Path) -> Callable[[str], object]:
    """Read the warehouse with completed forms from tmp_path/uploads."""
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[mosaic.documents]", '[mosaic.documents]\ncompleted_forms = "uploads"'))
    (tmp_path / "uploads").mkdir()
    return lambda url: read(url, load_config({"config": str(config)}))


def _write_up_ppm(records: dict, folder: Path) -> None:
    """The chair's record of PPM 3002, with who came and what was agreed, saved as the upload."""
    held = next(m for m in records["101"].meetings if m.meeting_id == "3002")
    held = attrs.evolve(
        held,
        chair="Synthetic Chair",
        present=(Attendee(name="Synthetic Chair", role="Team Manager"),),
        actions=(Action(action_id="1", description="Family finding referral", due_date=dt.date(2023, 5, 1)),),
    )
    layout = meeting_record(MeetingKind.PPM, "101", records, meeting=held, generated_on=TODAY)
    (folder / "101-ppm-3002.docx").write_bytes(render(layout, OutputFormat.DOCX, generated_on=TODAY))


def test_a_completed_meeting_record_replaces_the_meeting_for_each_child(
    warehouse: Warehouse, load, with_forms, tmp_path: Path
) -> None:
    url = warehouse()
    _write_up_ppm(_by_id(load(url)), tmp_path / "uploads")

    result = with_forms(url)

    assert not result.rejected
    assert "1 completed forms read from" in result.notices[-1]
    for child_id in ("101", "103"):
        ppm = next(m for m in _by_id(result)[child_id].meetings if m.meeting_id == "3002")
        assert ppm.chair == "Synthetic Chair"
        assert [a.description for a in ppm.actions] == ["Family finding referral"]


def test_a_completed_pro_forma_goes_into_its_childs_record(
    warehouse: Warehouse, load, with_forms, tmp_path: Path
) -> None:
    url = warehouse()
    records = _by_id(load(url))
    layout = pro_forma(records["103"], as_of=TODAY, records=records)
    (tmp_path / "uploads" / "103.docx").write_bytes(render(layout, OutputFormat.DOCX, generated_on=TODAY))

    result = with_forms(url)

    assert not result.rejected
    cassius = _by_id(result)["103"]
    assert cassius.views is not None and cassius.narrative is not None
    assert _by_id(result)["101"].views is None


def test_documents_that_are_not_forms_or_not_about_a_loaded_child_are_rejected(
    warehouse: Warehouse, load, with_forms, tmp_path: Path, rows
) -> None:
    uploads = tmp_path / "uploads"
    _write_up_ppm(_by_id(load(warehouse())), uploads)
    letter = docx.Document()
    letter.add_paragraph("A synthetic letter, not a form.")
    buffer = io.BytesIO()
    letter.save(buffer)
    (uploads / "letter.docx").write_bytes(buffer.getvalue())
    (uploads / "~$101-ppm-3002.docx").write_bytes(b"Word's owner file")
    # This time Cassius's period of care is not usable, so he is not loaded.
    periods = [(5003, 103, None, None) if row[0] == 5003 else row for row in rows["periods"]]

    result = with_forms(warehouse(periods=periods))

    by_source = {Path(r.source).name: r for r in result.rejected if r.source.endswith(".docx")}
    assert sorted(by_source) == ["101-ppm-3002.docx", "letter.docx"]
    assert "is not a permanence-core form" in by_source["letter.docx"].reason
    assert (by_source["101-ppm-3002.docx"].child_id, by_source["101-ppm-3002.docx"].field) == ("103", "child_id")
    # Amberly still gets the write-up.
    ppm = next(m for m in _by_id(result)["101"].meetings if m.meeting_id == "3002")
    assert ppm.chair == "Synthetic Chair"


def test_a_missing_folder_of_completed_forms_is_an_input_error(warehouse: Warehouse, with_forms, tmp_path) -> None:
    (tmp_path / "uploads").rmdir()

    with pytest.raises(InputError, match="no such folder of completed forms"):
        with_forms(warehouse())
