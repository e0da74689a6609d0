"""The columnar SSDA903 reader's parts one at a time, on small synthetic returns: what the whole-cohort differential
(tests/test_ssda903_cohort.py) finds through a minute of the object reader's work, found here in a second."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from permanence_core.adapters import ssda903
from permanence_core.adapters.ssda903 import cohort as columnar
from permanence_core.adapters.ssda903 import tables
from permanence_core.adapters.ssda903.checks import CHECKS
from permanence_core.adapters.ssda903.cohort import read_cohort
from permanence_core.adapters.ssda903.convert import csv_to_xml
from permanence_core.cohort import SCHEMAS, cohort_from_records
from permanence_core.model import Facet
from permanence_core.synth import CohortSpec, generate

CHILDREN = 30
#: A small synthetic return with its pack: every test changes a copy of it, or its layout.
SPEC = CohortSpec(children=CHILDREN, seed=11, as_of=dt.date(2026, 11, 2))


@pytest.fixture(scope="module")
def xml_return_and_its_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic return as one XML file, its pack in a folder of its own (not beside it)."""
    made = tmp_path_factory.mktemp("xml")
    generate(SPEC, made / "csv")
    shutil.move(made / "csv" / "pack", made / "elsewhere")
    (made / "return").mkdir()
    csv_to_xml(made / "csv", made / "return" / "return.xml")
    return made / "return" / "return.xml", made / "elsewhere"


def sorted_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def test_an_xml_return_is_read_by_the_object_reader_with_the_pack_and_facets_given(xml_return_and_its_pack):
    source, pack = xml_return_and_its_pack
    facets = {Facet.CARE, Facet.PLANS}
    expected = ssda903.load(str(source), {"pack": str(pack), "facets": ["care", "plans"]})
    loaded = read_cohort(str(source), facets, pack=str(pack))
    cohort = cohort_from_records(expected.records)
    for name in SCHEMAS:
        assert sorted_table(getattr(loaded.cohort, name)).equals(sorted_table(getattr(cohort, name))), name
    # The pack given was read, and only for the facets asked: plans, no meetings.
    assert loaded.cohort.plans.height > 0
    assert loaded.cohort.meetings.height == 0
    assert (loaded.rejected, loaded.read, loaded.notices) == (expected.rejected, expected.read, expected.notices)
    assert loaded.by_object_reader == len(expected.records) == CHILDREN


def test_only_the_child_id_and_the_checked_columns_are_read(monkeypatch, tmp_path):
    # The other columns are never kept: reading them would only cost a national return's time and memory.
    generate(SPEC, tmp_path)
    asked: dict[str, list[int | None]] = {}
    read_rows = columnar.read_rows

    def recording(path, positions, *args, **kwargs):
        asked[Path(path).name] = list(positions)
        return read_rows(path, positions, *args, **kwargs)

    monkeypatch.setattr(columnar, "read_rows", recording)
    read_cohort(str(tmp_path))
    assert asked
    for name, positions in asked.items():
        table = next(t for t in tables.TABLES if t.file_name == name)
        wanted = {"CHILD", *CHECKS[table.name]}
        assert [column for column, at in zip(table.columns, positions, strict=True) if at is not None] == [
            column for column in table.columns if column in wanted
        ], name


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_return_with_another_delimiter_is_read_as_the_object_reader_reads_it(tmp_path, delimiter):
    generate(SPEC, tmp_path / "comma")
    shutil.rmtree(tmp_path / "comma" / "pack")
    (tmp_path / "other").mkdir()
    for path in (tmp_path / "comma").glob("*.csv"):
        with path.open(newline="") as source, (tmp_path / "other" / path.name).open("w", newline="") as target:
            csv.writer(target, delimiter=delimiter).writerows(csv.reader(source))
    expected = ssda903.load(str(tmp_path / "other"), {})
    loaded = read_cohort(str(tmp_path / "other"))
    assert expected.rejected == ()
    assert loaded.rejected == ()
    assert loaded.by_object_reader == 0
    cohort = cohort_from_records(expected.records)
    for name in SCHEMAS:
        assert sorted_table(getattr(loaded.cohort, name)).equals(sorted_table(getattr(cohort, name))), name
    assert loaded.cohort.periods.height > 0


def _bad_review_date(folder: Path) -> None:
    """The first review's date made unreadable: its child, and only it, goes to the object reader."""
    path = folder / "reviews.csv"
    rows = list(csv.reader(path.open(newline="")))
    rows[1][rows[0].index("REVIEW")] = "never"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.parametrize("pack", ["csv", "none"])
def test_only_the_child_with_a_bad_row_is_counted_as_read_by_the_object_reader(tmp_path, pack):
    generate(SPEC, tmp_path)
    if pack == "none":
        shutil.rmtree(tmp_path / "pack")
    _bad_review_date(tmp_path)
    # Facets named: with none, every facet of the pack is wanted, which the fast path leaves to the object reader.
    loaded = read_cohort(str(tmp_path), {Facet.CARE, Facet.REVIEWS, Facet.PLANS})
    assert loaded.by_object_reader == 1
    assert len(loaded.rejected) == 1
    assert loaded.pack_by_object_reader is False
    assert len(loaded.cohort) == CHILDREN


def test_a_pack_of_json_is_counted_as_read_by_the_object_reader(tmp_path):
    generate(SPEC, tmp_path, pack_json=True)
    loaded = read_cohort(str(tmp_path))
    assert loaded.pack_by_object_reader is True
    assert loaded.by_object_reader == 0
    assert loaded.cohort.plans.height > 0


def test_each_childs_rows_come_in_the_object_readers_order(tmp_path):
    # Compared as they are, not sorted: a child's reviews and periods keep their order, the children theirs.
    generate(SPEC, tmp_path)
    shutil.rmtree(tmp_path / "pack")
    _bad_review_date(tmp_path)
    loaded = read_cohort(str(tmp_path))
    assert loaded.by_object_reader == 1
    cohort = cohort_from_records(ssda903.load(str(tmp_path), {}).records)
    for name in SCHEMAS:
        assert getattr(loaded.cohort, name).equals(getattr(cohort, name)), name


def test_a_table_split_over_two_files_reads_as_the_object_reader_reads_it(tmp_path):
    generate(SPEC, tmp_path)
    shutil.rmtree(tmp_path / "pack")
    rows = list(csv.reader((tmp_path / "episodes.csv").open(newline="")))
    half = len(rows) // 2
    with (tmp_path / "episodes.csv").open("w", newline="") as first:
        csv.writer(first).writerows(rows[:half])
    # The second file's rows quoted, with a value over two lines: it is read row by row, not by polars.
    with (tmp_path / "episodes_2.csv").open("w", newline="") as second:
        writer = csv.writer(second, quoting=csv.QUOTE_ALL)
        writer.writerow(rows[0])
        writer.writerows(rows[half:-1])
        last = list(rows[-1])
        last[rows[0].index("PLACE_PROVIDER")] = "a provider\nover two lines"
        writer.writerow(last)
    expected = ssda903.load(str(tmp_path), {})
    loaded = read_cohort(str(tmp_path))
    assert (loaded.rejected, loaded.read) == (expected.rejected, expected.read)
    cohort = cohort_from_records(expected.records)
    for name in SCHEMAS:
        assert sorted_table(getattr(loaded.cohort, name)).equals(sorted_table(getattr(cohort, name))), name
    assert loaded.cohort.periods.height > 0


def test_an_episode_that_ends_the_day_it_starts_stays_on_the_fast_path(tmp_path):
    generate(SPEC, tmp_path)
    shutil.rmtree(tmp_path / "pack")
    path = tmp_path / "episodes.csv"
    rows = list(csv.reader(path.open(newline="")))
    start, end = rows[0].index("DECOM"), rows[0].index("DEC")
    ended = next(row for row in rows[1:] if row[end])
    ended[end] = ended[start]
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    loaded = read_cohort(str(tmp_path))
    # Only an episode that ends before it starts is the object reader's to name; this one is a day long.
    assert (loaded.rejected, loaded.by_object_reader) == ((), 0)
    expected = cohort_from_records(ssda903.load(str(tmp_path), {}).records)
    assert sorted_table(loaded.cohort.periods).equals(sorted_table(expected.periods))


def test_a_child_taken_into_care_the_day_they_were_born_stays_on_the_fast_path(tmp_path):
    generate(SPEC, tmp_path)
    shutil.rmtree(tmp_path / "pack")
    episodes = list(csv.reader((tmp_path / "episodes.csv").open(newline="")))
    child, start = episodes[1][episodes[0].index("CHILD")], episodes[1][episodes[0].index("DECOM")]
    header_path = tmp_path / "header.csv"
    header = list(csv.reader(header_path.open(newline="")))
    born = next(row for row in header[1:] if row[header[0].index("CHILD")] == child)
    born[header[0].index("DOB")] = start
    with header_path.open("w", newline="") as handle:
        csv.writer(handle).writerows(header)
    loaded = read_cohort(str(tmp_path))
    # Only a fact dated before the birth is the object reader's to name; the day of birth is not.
    assert (loaded.rejected, loaded.by_object_reader) == ((), 0)


def test_a_csv_return_takes_the_pack_given_from_another_folder(tmp_path):
    generate(SPEC, tmp_path / "return")
    shutil.move(tmp_path / "return" / "pack", tmp_path / "elsewhere")
    facets = {Facet.CARE, Facet.PLANS}
    loaded = read_cohort(str(tmp_path / "return"), facets, pack=str(tmp_path / "elsewhere"))
    expected = ssda903.load(
        str(tmp_path / "return"), {"pack": str(tmp_path / "elsewhere"), "facets": ["care", "plans"]}
    )
    assert loaded.cohort.plans.height > 0
    assert sorted_table(loaded.cohort.plans).equals(sorted_table(cohort_from_records(expected.records).plans))
