"""How each drop replaces part of the snapshot: the whole return, one table, one year, one pack file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from permanence_raise.config import RaiseConfig
from permanence_raise.contents import range_year
from permanence_raise.inbox import Outcome, ingest
from permanence_raise.snapshot import Entry, name_by_origin

from permanence_core.adapters.base import LoadResult, Rejection
from permanence_core.adapters.ssda903.convert import csv_to_xml
from permanence_core.model import Facet, MeetingKind
from permanence_core.plugins.manager import Plugins

SETTLED = RaiseConfig(settle_seconds=0)
MEETINGS = "meeting_id,kind,date,children,referral_received_on\nP1,tracking_panel,2025-04-24,R3001,2025-04-17\n"


def _files(run: Any) -> dict[str, str]:
    return run.current.to_dict()["files"]


def _records(root: Path) -> dict[str, Any]:
    return {record.child_id: record for record in Plugins().load("raise", str(root), {}).records}


def test_a_pack_only_drop_replaces_its_files_and_keeps_the_return(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "2025-04-20" / "pack").mkdir(parents=True)
    (root / "incoming" / "2025-04-20" / "pack" / "meetings.csv").write_text(MEETINGS, encoding="utf-8")

    run = ingest(root, SETTLED)

    assert _files(run) == {
        "episodes.csv": "2025-03-31/episodes.csv",
        "header.csv": "2025-03-31/header.csv",
        "pack/children.csv": "2025-03-31/pack/children.csv",
        "pack/meetings.csv": "2025-04-20/pack/meetings.csv",
    }
    [meeting] = _records(root)["R3001"].meetings
    assert (meeting.kind, meeting.referral_received_on) == (MeetingKind.TRACKING_PANEL, dt.date(2025, 4, 17))
    # A load narrowed to the facets a profile needs reads no meetings and says the facet is not covered.
    narrowed = {r.child_id: r for r in Plugins().load("raise", str(root), {"facets": ["care", "plans"]}).records}
    assert not narrowed["R3001"].meetings and Facet.MEETINGS not in narrowed["R3001"].coverage
    assert Facet.MEETINGS in _records(root)["R3001"].coverage


def test_a_loose_pack_file_goes_to_the_pack(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "Meetings.CSV").write_text(MEETINGS, encoding="utf-8")

    run = ingest(root, SETTLED)

    assert _files(run)["pack/meetings.csv"] == "Meetings.CSV"
    assert _records(root)["R3001"].meetings[0].meeting_id == "P1"


def test_pack_files_at_a_drop_root_are_taken_by_their_names(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drop = drops.write_drop(root / "incoming" / "2025-03-31", pack={})
    (drop / "meetings.csv").write_text(MEETINGS, encoding="utf-8")
    (drop / "Pack.json").write_text('{"schema_version": "1.0", "records": []}', encoding="utf-8")
    (drop / "documents.json").write_text('{"schema_version": "1.0", "records": []}', encoding="utf-8")

    run = ingest(root, SETTLED)

    assert _files(run)["pack/meetings.csv"] == "2025-03-31/meetings.csv"
    assert _files(run)["pack/pack.json"] == "2025-03-31/Pack.json"
    assert _files(run)["pack/documents.json"] == "2025-03-31/documents.json"


def test_a_loose_table_replaces_only_that_table(inbox: Callable[..., Path], drops: Any) -> None:
    root = inbox()
    episodes = "\n".join(["CHILD,DECOM,RNE,LS,PLACE", "R3001,01/10/2023,S,C2,U4", "R3002,20/03/2022,S,V2,U3"])
    (root / "incoming" / "CLA_Episodes.csv").write_text(episodes + "\n", encoding="utf-8")

    run = ingest(root, SETTLED)

    [report] = run.drops
    assert report.outcome is Outcome.INGESTED
    assert report.notices == (
        "CLA_Episodes.csv (Episodes): no column CIN, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, "
        "PL_POST, URN; read as blank",
    )
    assert _files(run) == {
        "CLA_Episodes.csv": "CLA_Episodes.csv",
        "header.csv": "2025-03-31/header.csv",
        "pack/children.csv": "2025-03-31/pack/children.csv",
    }
    records = _records(root)
    assert records["R3001"].periods_of_care[0].start == dt.date(2023, 10, 1)
    assert records["R3001"].child.sex == "2"


def test_a_folder_drop_replaces_the_whole_return(inbox: Callable[..., Path], drops: Any) -> None:
    root = inbox()
    drop = root / "incoming" / "2025-04-30"
    drops.write_table(drop / "CLA_header.csv", "CHILD,SEX,DOB,ETHNIC", ["R3001,2,14/05/2015,WBRI"])
    drops.write_table(drop / "CLA_episodes.csv", "CHILD,DECOM,RNE,LS,PLACE", ["R3001,01/09/2023,S,C1,U6"])

    run = ingest(root, SETTLED)

    assert sorted(_files(run)) == ["CLA_episodes.csv", "CLA_header.csv", "pack/children.csv"]
    assert sorted(_records(root)) == ["R3001"]


def test_an_xml_return_replaces_a_csv_return_and_then_a_table_cannot_patch_it(
    inbox: Callable[..., Path], drops: Any, tmp_path: Path
) -> None:
    root = inbox()
    tables = drops.write_drop(tmp_path / "tables", pack={})
    csv_to_xml(str(tables), str(root / "incoming" / "return-2025-04.xml"))

    run = ingest(root, SETTLED)

    assert sorted(_files(run)) == ["pack/children.csv", "return-2025-04.xml"]
    assert sorted(_records(root)) == ["R3001", "R3002"]
    drops.write_table(root / "incoming" / "episodes.csv", "CHILD,DECOM,RNE,LS,PLACE", ["R3001,01/10/2023,S,C2,U4"])

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.QUARANTINED
    assert "the current return is the XML file return-2025-04.xml" in report.problems[0].reason


def test_year_folders_replace_the_same_collection_year_whatever_their_name(
    inbox: Callable[..., Path], drops: Any
) -> None:
    root = inbox()
    drops.write_drop(root / "incoming" / "2025-04-01" / "2023-24", children=drops.children[:1], care=[], pack={})
    ingest(root, SETTLED)
    drops.write_drop(root / "incoming" / "ssda903_2023_2024", pack={})

    run = ingest(root, SETTLED)

    assert _files(run) == {
        "2023-24/episodes.csv": "ssda903_2023_2024/episodes.csv",
        "2023-24/header.csv": "ssda903_2023_2024/header.csv",
        "episodes.csv": "2025-03-31/episodes.csv",
        "header.csv": "2025-03-31/header.csv",
        "pack/children.csv": "2025-03-31/pack/children.csv",
    }


@pytest.mark.parametrize(
    ("name", "year"),
    [("2023-24", 2024), ("ssda903_2023_2024", 2024), ("1999-00", 2000), ("2025-03-31", None), ("2025-03", None)],
)
def test_only_an_explicit_year_range_names_a_collection_year(name: str, year: int | None) -> None:
    assert range_year(name) == year


def test_files_in_no_place_the_inbox_reads_are_archived_and_noticed(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drop = drops.write_drop(root / "incoming" / "2025-03-31")
    (drop / "README.txt").write_text("export notes", encoding="utf-8")
    (drop / "old" / "deep").mkdir(parents=True)
    (drop / "old" / "deep" / "episodes.csv").write_text("CHILD\n", encoding="utf-8")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.INGESTED
    assert report.notices == (
        "2025-03-31/README.txt: neither a CSV table nor an XML return; archived, not read",
        "2025-03-31/old/deep/episodes.csv: not in a place the inbox reads (the drop's root, a year folder or pack/); "
        "archived with the drop, not read",
    )
    assert (root / "archive" / "2025-03-31" / "README.txt").is_file()


def test_the_ready_marker_is_not_read_as_data(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drop = drops.write_drop(root / "incoming" / "2025-03-31")
    (drop / "export.done").write_text("", encoding="utf-8")

    [report] = ingest(root, RaiseConfig(ready_marker="export.done", settle_seconds=0)).drops

    assert report.outcome is Outcome.INGESTED and report.notices == ()


def test_a_carried_over_file_is_the_same_bytes_as_the_drop_supplied(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "meetings.csv").write_text(MEETINGS, encoding="utf-8")

    run = ingest(root, SETTLED)

    snapshot = root / "snapshots" / run.current.snapshot
    archived = root / "archive" / "2025-03-31"
    for name in ("header.csv", "episodes.csv", "pack/children.csv"):
        assert (snapshot / name).read_bytes() == (archived / name).read_bytes()


def test_a_rejection_named_by_its_archive_path_shows_the_last_three_characters_of_a_upn() -> None:
    rejected = Rejection(
        source="header.csv", reason="is not a UPN", row=2, child_id="C1", field="UPN", value="A12345678901XY"
    )
    manifest = {"header.csv": Entry(drop="2025-03-31", inner="header.csv")}

    [named] = name_by_origin(LoadResult(rejected=[rejected]), manifest).rejected

    assert (named.source, named.value) == ("2025-03-31/header.csv", "***1XY")
