"""No silent drop: a file that looks like a 903 table but cannot be read rejects the whole file, its facets become
"not in source", and a run that loads no child from a non-empty source exits 1 (issue #14, class 4)."""

import csv
import io
import shutil
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permanence_core.adapters.ssda903 import read_return, tables
from permanence_core.adapters.ssda903.assemble import WITHHELD_BY
from permanence_core.cli import cli
from permanence_core.model import Facet

BASIC = Path(__file__).parent / "data" / "ssda903" / "basic"
SMALL_XML = Path(__file__).parent / "data" / "ssda903" / "small.xml"
#: The tables whose facts give a facet, each with its file in the basic return.
FACET_TABLES = [tables.EPISODES, tables.REVIEWS, tables.AD1, tables.PLACED_ADOPTION]


def rewrite(path: Path, damage: str, column: str) -> None:
    """Damage one CSV table the way exports do: ``column`` lost, or named twice."""
    rows = list(csv.reader(io.StringIO(path.read_text())))
    at = rows[0].index(column)
    if damage == "missing column":
        rows = [row[:at] + row[at + 1 :] for row in rows]
    else:
        rows = [[*row, row[at]] for row in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=st.sampled_from(FACET_TABLES),
    damage=st.sampled_from(["missing column", "column twice", "semicolons, a column lost"]),
    data=st.data(),
)
def test_a_damaged_table_is_a_whole_file_rejection_and_its_facets_are_not_in_source(tmp_path, table, damage, data):
    folder = tmp_path / f"{table.name}-{abs(hash(damage))}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(BASIC, folder)
    target = folder / table.file_name
    header = next(csv.reader(io.StringIO(target.read_text())))
    required = sorted(table.identifying - {"CHILD"}) or ["CHILD"]
    if damage == "semicolons, a column lost":
        # Semicolons and a required column lost: neither separator makes it a table, so it is refused.
        rows = list(csv.reader(io.StringIO(target.read_text())))
        keep = [i for i, name in enumerate(header) if name != required[0]]
        text = "\n".join(";".join(row[i] for i in keep) for row in rows) + "\n"
        target.write_text(text)
    else:
        rewrite(target, damage, data.draw(st.sampled_from(required if damage == "missing column" else header)))

    result = read_return(folder)

    whole = [r for r in result.rejected if r.source == table.file_name and r.row == 1 and r.child_id is None]
    assert len(whole) == 1, result.rejected
    assert "the whole file was not read" in whole[0].reason
    assert table.name in whole[0].reason
    lost = WITHHELD_BY[table.name]
    assert result.records
    for record in result.records:
        assert not (record.coverage & lost), (record.child_id, record.coverage)
    assert any("not in source for any child" in notice for notice in result.notices)


def test_a_semicolon_return_is_read_as_such_and_says_so(tmp_path):
    for path in BASIC.glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text())))
        (tmp_path / path.name).write_text("\n".join(";".join(row) for row in rows) + "\n")
    semicolons = read_return(tmp_path)
    commas = read_return(BASIC)
    assert [r.child_id for r in semicolons.records] == [r.child_id for r in commas.records]
    assert any("episodes.csv (Episodes): separated by semicolons" in n for n in semicolons.notices)


def test_an_xml_return_in_a_default_namespace_is_refused_by_name(tmp_path):
    text = SMALL_XML.read_text().replace("<EXPSSDA903>", '<EXPSSDA903 xmlns="urn:example:903">')
    (tmp_path / "return.xml").write_text(text)
    result = read_return(tmp_path / "return.xml")
    assert result.records == ()
    [rejected] = result.rejected
    assert "namespace 'urn:example:903'" in rejected.reason


def test_a_run_that_loads_no_child_from_a_non_empty_source_exits_1(tmp_path):
    runner = CliRunner()
    xml = tmp_path / "return.xml"
    xml.write_text(SMALL_XML.read_text().replace("<EXPSSDA903>", '<EXPSSDA903 xmlns="urn:example:903">'))
    lone = tmp_path / "notes.csv"
    lone.write_text("TEAM,NOTE\nNorth,synthetic\n")
    for source in (xml, lone):
        result = runner.invoke(
            cli, ["alerts", "--adapter", "ssda903", "--source", str(source), "--as-of", "2025-01-01"]
        )
        assert result.exit_code == 1, result.output
        assert "no child could be loaded" in result.output
        assert "Traceback" not in result.output


def test_a_missing_required_column_shows_on_stderr_without_debug(tmp_path):
    shutil.copytree(BASIC, tmp_path / "r")
    episodes = tmp_path / "r" / "episodes.csv"
    rewrite(episodes, "missing column", "LS")
    result = CliRunner().invoke(
        cli, ["alerts", "--adapter", "ssda903", "--source", str(tmp_path / "r"), "--as-of", "2025-01-01"]
    )
    assert result.exit_code == 0
    assert "episodes.csv, row 1: looks like the Episodes table but has no column LS" in result.stderr
    assert Facet.CARE in WITHHELD_BY[tables.EPISODES.name]
