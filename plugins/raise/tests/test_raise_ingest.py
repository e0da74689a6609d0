"""Ingesting the RAISE inbox: good drops archived, bad ones quarantined with a report, repeats never ingested twice."""

from __future__ import annotations

import csv
import datetime as dt
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from permanence_raise.config import RaiseConfig
from permanence_raise.inbox import Outcome, ingest
from permanence_raise.ledger import Ledger
from permanence_raise.reports import describe

from permanence_core.errors import InputError
from permanence_core.plugins.manager import Plugins

SETTLED = RaiseConfig(settle_seconds=0)


def _load(root: Path):
    return Plugins().load("raise", str(root), {})


def _listing(root: Path) -> list[str]:
    """Every file and folder under the inbox except the lock, as paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.name != "ingest.lock")


def test_a_good_drop_is_ingested_archived_and_read_by_the_adapter(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-03-31")

    run = ingest(root, SETTLED)

    [report] = run.drops
    assert report.outcome is Outcome.INGESTED
    assert report.moved_to == "archive/2025-03-31"
    assert report.summary == {"read": 7, "loaded": 7, "rejected": 0, "children": 2}
    assert not any((root / "incoming").iterdir())
    assert (root / "archive" / "2025-03-31" / "episodes.csv").is_file()
    result = _load(root)
    assert sorted(r.child_id for r in result.records) == ["R3001", "R3002"]
    assert result.notices[0].startswith("RAISE snapshot 000001: 3 files from 1 drop(s); last ingested 2025-03-31")


def test_running_again_changes_nothing(inbox: Callable[..., Path]) -> None:
    root = inbox()
    before = _listing(root)
    loaded = _load(root)

    run = ingest(root, SETTLED)

    assert run.drops == ()
    assert run.current is not None and run.current.snapshot == "000001"
    assert _listing(root) == before
    assert _load(root).records == loaded.records


def test_a_repeated_drop_is_archived_as_a_duplicate_and_not_ingested_again(
    inbox: Callable[..., Path], drops: Any
) -> None:
    root = inbox()
    drops.write_drop(root / "incoming" / "2025-03-31")

    run = ingest(root, SETTLED)

    [report] = run.drops
    assert report.outcome is Outcome.DUPLICATE
    assert report.same_as == "archive/2025-03-31"
    assert report.moved_to.startswith("archive/2025-03-31~")
    assert run.current.snapshot == "000001"
    ledger = Ledger(root / "ingest-ledger.sqlite")
    assert [entry.archived_as for entry in ledger.recent(10)] == ["2025-03-31"]
    ledger.close()


def test_the_same_content_under_another_name_is_a_duplicate(inbox: Callable[..., Path], drops: Any) -> None:
    root = inbox()
    drops.write_drop(root / "incoming" / "2025-04-01-rerun")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.DUPLICATE
    assert report.moved_to == "archive/2025-04-01-rerun"


def _error_report(root: Path, name: str) -> str:
    return (root / "quarantine" / f"{name}.error.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            lambda d, drop: d.write_table(d.write_drop(drop) / "episodes.csv", "CHILD,START,LEGAL", ["R3001,x,C1"]),
            "2025-04-30/episodes.csv, row 1: header='CHILD, START, LEGAL': matches no SSDA903 table",
        ),
        (
            lambda d, drop: d.write_drop(drop, pack={"meetings.csv": "meeting_id,date\nM1,2025-04-24\n"}),
            "2025-04-30/pack/meetings.csv, row 1: header='meeting_id, date': lacks the required column children, kind",
        ),
        (
            lambda d, drop: d.write_drop(drop, pack={"meeting.csv": "meeting_id\n"}),
            "2025-04-30/pack/meeting.csv: is not a permanence pack file",
        ),
        (
            lambda d, drop: d.write_drop(drop, care=[r.replace("/", "-") for r in d.care]),
            "2025-04-30/episodes.csv, row 2: DECOM='01-09-2023': every one of its 3 rows was rejected",
        ),
        (
            lambda d, drop: d.write_drop(drop, children=[], care=[]),
            "the data would hold no child at all",
        ),
        (lambda d, drop: drop.mkdir(), "2025-04-30: holds no SSDA903 return file and no permanence pack file"),
    ],
    ids=["wrong-903-header", "pack-missing-columns", "unknown-pack-file", "every-row-rejected", "no-child", "empty"],
)
def test_a_bad_drop_is_quarantined_with_a_report_and_the_snapshot_kept(
    inbox: Callable[..., Path], build: Callable[[Any, Path], object], expected: str, drops: Any
) -> None:
    root = inbox()
    before = _load(root)
    build(drops, root / "incoming" / "2025-04-30")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.QUARANTINED
    assert (root / "quarantine" / "2025-04-30").is_dir()
    text = _error_report(root, "2025-04-30")
    assert expected in text
    assert "NOT ingested" in text
    assert any(expected in describe(problem) for problem in report.problems)
    assert _load(root).records == before.records


def test_a_truncated_xml_return_is_quarantined_naming_its_line(inbox: Callable[..., Path]) -> None:
    root = inbox()
    xml = (
        "<EXPSSDA903>\n<CHILD><HEADER><CHILDID>R3001</CHILDID><SEX>2</SEX><DOB>14/05/2015</DOB>"
        "<ETHNIC>WBRI</ETHNIC></HEADER>\n<EPISODE><DECOM>01/09/2023</DECOM><RNE>S</RNE><LS>C1</LS><PL>U6</PL>"
        "</EPISODE></CHILD>\n<CHILD><HEADER><CHILDID>R30"
    )
    (root / "incoming" / "return-2025-04.xml").write_text(xml, encoding="utf-8")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.QUARANTINED
    assert "return-2025-04.xml, row 4: the XML is not well formed" in _error_report(root, "return-2025-04.xml")


def test_a_file_the_inbox_does_not_take_is_quarantined(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "export.xlsx").write_bytes(b"PK\x03\x04")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.QUARANTINED
    assert "export.xlsx: is not a file the RAISE inbox takes" in _error_report(root, "export.xlsx")


def test_a_pack_before_any_return_is_quarantined(new_inbox: Callable[[], Path]) -> None:
    root = new_inbox()
    (root / "incoming" / "children.csv").write_text("child_id\nR3001\n", encoding="utf-8")

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.QUARANTINED
    assert "no SSDA903 return has been ingested yet" in _error_report(root, "children.csv")
    with pytest.raises(InputError, match="no drop has been ingested into this RAISE inbox yet"):
        _load(root)


def test_a_second_bad_drop_of_the_same_name_gets_its_own_place_in_quarantine(inbox: Callable[..., Path]) -> None:
    root = inbox()
    (root / "incoming" / "export.txt").write_text("one", encoding="utf-8")
    ingest(root, SETTLED)
    (root / "incoming" / "export.txt").write_text("two", encoding="utf-8")

    [report] = ingest(root, SETTLED).drops

    assert report.moved_to.startswith("quarantine/export~") and report.moved_to.endswith(".txt")
    assert (root / "quarantine" / "export.txt").read_text(encoding="utf-8") == "one"
    assert Path(root / report.report).is_file()


def test_rejected_records_are_listed_beside_the_archived_drop(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    care = [*drops.care, "R3002,31/02/2024,S,C1,N1,U6,PR1,,,,,,"]
    pack = {
        "children.csv": "child_id,first_name\nR3001,Marisol\nR9999,Nobody\n",
    }
    drops.write_drop(root / "incoming" / "2025-03-31", care=care, pack=pack)

    [report] = ingest(root, SETTLED).drops

    assert report.outcome is Outcome.INGESTED
    assert report.report == "archive/2025-03-31.rejected.csv"
    assert report.rejected_here == 2
    with (root / "archive" / "2025-03-31.rejected.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["row"], r["child_id"], r["field"], r["value"], r["from_this_drop"]) for r in rows] == [
        ("2025-03-31/episodes.csv", "5", "R3002", "DECOM", "31/02/2024", "yes"),
        ("2025-03-31/pack/children.csv", "3", "R9999", "child_id", "R9999", "yes"),
    ]
    assert all(r["reason"] for r in rows)
    loaded = _load(root)
    assert {r.source for r in loaded.rejected} == {"2025-03-31/episodes.csv", "2025-03-31/pack/children.csv"}


def test_drops_are_ingested_in_name_order_and_each_makes_a_snapshot(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-02-28", children=drops.children[:1], care=drops.care[:2])
    drops.write_drop(root / "incoming" / "2025-03-31")

    run = ingest(root, SETTLED)

    assert [(r.name, r.outcome) for r in run.drops] == [
        ("2025-02-28", Outcome.INGESTED),
        ("2025-03-31", Outcome.INGESTED),
    ]
    assert run.current.snapshot == "000002"
    assert sorted(r.child_id for r in _load(root).records) == ["R3001", "R3002"]


def test_only_the_newest_two_snapshots_are_kept(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    for month, children in (("01", drops.children[:1]), ("02", drops.children), ("03", drops.children[1:])):
        drops.write_drop(root / "incoming" / f"2025-{month}-28", children=children)

    ingest(root, SETTLED)

    assert sorted(p.name for p in (root / "snapshots").iterdir()) == ["000002", "000003"]


@pytest.mark.parametrize(
    ("name", "config", "reason"),
    [
        ("2025-04-30", RaiseConfig(ready_marker="READY", settle_seconds=0), "has no READY file yet"),
        ("return.xml.part", SETTLED, "its name says it is still being written"),
        ("2025-04-30", RaiseConfig(settle_seconds=3600), "changed less than 3600 seconds ago"),
    ],
)
def test_a_drop_still_being_written_is_left_waiting(
    new_inbox: Callable[[], Path], name: str, config: RaiseConfig, reason: str, drops: Any
) -> None:
    root = new_inbox()
    drop = root / "incoming" / name
    if name.endswith(".part"):
        drop.write_text("<EXPSSDA903>", encoding="utf-8")
    else:
        drops.write_drop(drop)

    run = ingest(root, config)

    assert run.drops == ()
    assert [str(w) for w in run.waiting] == [f"{name}: {reason}; left for the next run"]
    assert drop.exists()


def test_a_drop_with_its_ready_marker_is_ingested(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-04-30")
    (root / "incoming" / "2025-04-30" / "READY").touch()

    [report] = ingest(root, RaiseConfig(ready_marker="READY", settle_seconds=0)).drops

    assert report.outcome is Outcome.INGESTED
    assert report.notices == ()


def test_names_being_copied_or_set_aside_are_passed_over(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / ".2025-04-30.copying")
    drops.write_drop(root / "incoming" / "_held")

    run = ingest(root, SETTLED)

    assert run.drops == () and run.waiting == ()


def test_two_runs_at_once_are_refused(inbox: Callable[..., Path]) -> None:
    import filelock

    root = inbox()
    with filelock.FileLock(root / "ingest.lock"), pytest.raises(InputError, match="another ingest run"):
        ingest(root, SETTLED)


def test_an_inbox_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        ingest(tmp_path / "nowhere", SETTLED)
    with pytest.raises(InputError, match="does not exist"):
        _load(tmp_path / "nowhere")


def test_the_ledger_records_when_and_what(new_inbox: Callable[[], Path], drops: Any) -> None:
    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-03-31")
    when = dt.datetime(2025, 4, 1, 2, 15, tzinfo=dt.UTC)

    run = ingest(root, SETTLED, now=lambda: when)

    data = run.current.to_dict()
    assert data["ingested_at"] == "2025-04-01T02:15:00+00:00"
    assert data["files"] == {
        "episodes.csv": "2025-03-31/episodes.csv",
        "header.csv": "2025-03-31/header.csv",
        "pack/children.csv": "2025-03-31/pack/children.csv",
    }
    assert (data["children"], data["rejected"]) == (2, 0)


def test_a_drop_the_readers_trip_over_is_set_aside_and_the_next_still_ingested(
    new_inbox: Callable[[], Path], drops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from permanence_raise import inbox as module

    root = new_inbox()
    drops.write_drop(root / "incoming" / "2025-02-28")
    drops.write_drop(root / "incoming" / "2025-03-31", children=drops.children[:1], care=drops.care[:2])
    load = module.load_ssda903
    calls = iter([ValueError("Marisol Invented 14/05/2015"), None])

    def tripping(source: str, options: dict) -> Any:
        error = next(calls)
        if error is not None:
            raise error
        return load(source, options)

    monkeypatch.setattr(module, "load_ssda903", tripping)

    run = ingest(root, SETTLED)

    assert [r.outcome for r in run.drops] == [Outcome.QUARANTINED, Outcome.INGESTED]
    text = _error_report(root, "2025-02-28")
    assert "2025-02-28: could not be read (ValueError); please report this" in text
    assert "Marisol" not in text and "14/05/2015" not in text


def test_snapshot_files_are_readable_by_their_owner_only(new_inbox: Callable[[], Path], drops: Any) -> None:
    # The snapshot holds names, dates of birth and pack notes: private whatever the umask.
    previous = os.umask(0)
    try:
        root = new_inbox()
        drops.write_drop(root / "incoming" / "2025-03-31")
        ingest(root, SETTLED)
    finally:
        os.umask(previous)
    files = [path for path in (root / "snapshots").rglob("*") if path.is_file()]
    assert files
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}
