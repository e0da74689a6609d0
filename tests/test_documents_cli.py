"""`permanence form ...`: files written, errors on stderr, exit codes, JSON for scripts."""

import io
import json

import docx
import pytest
from click.testing import CliRunner
from documents_helpers import D, bare_record, sample_record, sibling_record

from permanence_core import serialization
from permanence_core.adapters import Adapter, LoadResult, Rejection
from permanence_core.cli import cli
from permanence_core.errors import InputError
from permanence_core.plugins import hookimpl, manager

REJECTED = Rejection(source="children.json", row=4, child_id="C100", field="dob", value="x", reason="not a date")


class Interchange(Adapter):
    """An adapter reading the JSON interchange format, standing in for a council's case system (its own plugin)."""

    name = "interchange"
    description = "JSON interchange file"
    source_help = "a .json file"

    @hookimpl
    def permanence_register_adapters(self, register):
        register(self)

    def load(self, source, options):
        try:
            with open(source, encoding="utf-8") as file:
                records = serialization.loads(file.read())
        except OSError as exc:
            raise InputError(source, f"cannot read: {exc.strerror}") from None
        return LoadResult(records=records, rejected=[REJECTED], read=len(records) + 1)


@pytest.fixture(autouse=True)
def interchange(monkeypatch):
    real = manager.get_plugin_manager

    def with_interchange(**kwargs):
        pm = real(load_entry_points=False)
        pm.register(Interchange(), name="interchange")
        return pm

    monkeypatch.setattr(manager, "get_plugin_manager", with_interchange)


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(serialization.dumps([sample_record(), sibling_record(), bare_record("C200", D(2024, 5, 20))]))
    return str(path)


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_pro_forma_as_word(source, tmp_path):
    out = tmp_path / "out" / "C100-pro-forma.docx"
    result = run(
        "form",
        "pro-forma",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        source,
        "--out",
        str(out),
        "--as-of",
        "2024-05-10",
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote the pro-forma for child C100 to {out}" in result.stdout
    # This child's rejected record is reported on stderr: the form may lack what it held.
    assert "children.json, row 4: child C100 dob='x': not a date" in result.stderr
    document = docx.Document(io.BytesIO(out.read_bytes()))
    assert document.paragraphs[0].text == "Permanence Tracker Meeting Pro-Forma"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_referral_as_html_with_json_output(source, tmp_path):
    out = tmp_path / "referral.html"
    result = run(
        "form",
        "referral",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        source,
        "--out",
        str(out),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["form"] == "referral"
    assert data["bytes"] == out.stat().st_size
    assert data["rejected"][0]["child_id"] == "C100"
    assert "<h1>Permanence Planning Referral</h1>" in out.read_text()


def test_record_of_a_held_meeting_then_read_back(source, tmp_path):
    out = tmp_path / "ppm.docx"
    args = ["--child", "C100", "--adapter", "interchange", "--source", source, "--out", str(out)]
    assert run("form", "record", *args, "--meeting", "PPM-7").exit_code == 0
    result = run("form", "read", str(out))
    assert result.exit_code == 0, result.output
    assert "ppm PPM-7 on 2024-03-04 for C100, C101: 3 present, 1 apology, 3 actions" in result.stdout
    assert "  3: due 2024-05-01, after 2" in result.stdout
    data = json.loads(run("form", "read", str(out), "--format", "json").stdout)
    assert data["meeting"]["actions"][0]["completed_on"] == "2024-03-15"
    assert data["meeting"]["kind"] == "ppm"


def test_a_blank_record_for_the_next_monitoring_group(source, tmp_path):
    out = tmp_path / "mg.docx"
    result = run(
        "form",
        "record",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        source,
        "--out",
        str(out),
        "--kind",
        "monitoring_group",
        "--meeting-date",
        "2024-05-14",
    )
    assert result.exit_code == 0, result.output
    read = run("form", "read", str(out))
    assert "monitoring_group monitoring_group-C100-2024-05-14 on 2024-05-14" in read.stdout


def test_an_unknown_child_or_meeting_exits_1_with_the_reason_on_stderr(source, tmp_path):
    out = str(tmp_path / "x.docx")
    result = run("form", "pro-forma", "--child", "NOPE", "--adapter", "interchange", "--source", source, "--out", out)
    assert result.exit_code == 1
    assert "child 'NOPE' is not in" in result.stderr
    result = run(
        "form",
        "record",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        source,
        "--out",
        out,
        "--meeting",
        "M-9",
    )
    assert result.exit_code == 1
    assert "has no meeting 'M-9' (meetings: PPM-7)" in result.stderr


def test_an_unreadable_source_exits_1(tmp_path):
    result = run(
        "form",
        "referral",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        str(tmp_path / "none.json"),
        "--out",
        str(tmp_path / "r.docx"),
    )
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_an_output_that_is_neither_word_nor_html_is_a_usage_error(source, tmp_path):
    result = run(
        "form",
        "referral",
        "--child",
        "C100",
        "--adapter",
        "interchange",
        "--source",
        source,
        "--out",
        str(tmp_path / "r.pdf"),
    )
    assert result.exit_code == 2
    assert "must end in .docx or .html" in result.stderr


def test_reading_a_document_that_is_not_a_form_exits_1(tmp_path):
    path = tmp_path / "letter.docx"
    docx.Document().save(path)
    result = run("form", "read", str(path))
    assert result.exit_code == 1
    assert f"{path}: is not a permanence-core form" in result.stderr
