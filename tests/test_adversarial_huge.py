"""Huge input: a 1 GB file of each kind, and entity expansion, are reported or refused with flat memory.

Each case runs in a fresh interpreter that reports how far its peak resident memory grew over the imports.
The gigabyte files are sparse (a few real bytes, then a hole of NULs), so they take no disk space.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_adversarial_ssda903 import EPISODE_ROWS, HEADER_ROWS, xml_return

GIB = 1 << 30
#: Peak memory may grow by this much over the imports: a sixteenth of the file.
FLAT_KB = 64 * 1024
MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from permanence_core import serialization
    from permanence_core.adapters import ssda903
    from permanence_core.adapters.pack import read_pack
    from permanence_core.documents import read_form
    from permanence_core.errors import PermanenceError

    def described(result):
        records = result.records.values() if isinstance(result.records, dict) else result.records
        return {
            "records": [serialization.record_to_dict(record) for record in records],
            "rejected": [rejection.to_dict() for rejection in result.rejected],
        }

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        outcome = described(CALL)
    except PermanenceError as exc:
        outcome = {"error": str(exc), "type": type(exc).__name__}
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"outcome": outcome, "grew_kb": grew}, default=str))
    """
)


def in_subprocess(call: str, *args: object) -> dict:
    """Run ``call`` in a fresh interpreter: its outcome, and how far its peak memory grew (KB) over the imports."""
    # The timeout only stops a runaway reader from hanging the suite; it is no speed target.
    done = subprocess.run(
        [sys.executable, "-c", MEASURE.replace("CALL", call), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def sparse(path: Path, start: bytes = b"", size: int = GIB) -> Path:
    """A ``size``-byte file that is ``start`` and then NULs, taking no disk space for the NULs."""
    with path.open("wb") as file:
        file.write(start)
        file.truncate(size)
    return path


def child_ids(outcome: dict) -> list[str]:
    return [record["child"]["identifiers"]["case_id"] for record in outcome["records"]]


def test_a_1gb_table_of_nuls_is_reported_and_the_other_tables_load(tmp_path):
    sparse(tmp_path / "header.csv")
    (tmp_path / "episodes.csv").write_text(EPISODE_ROWS)
    measured = in_subprocess("ssda903.load(sys.argv[1], {})", tmp_path)
    assert measured["grew_kb"] < FLAT_KB
    [unreadable] = measured["outcome"]["rejected"]
    assert (unreadable["source"], unreadable["row"]) == ("header.csv", 1)
    assert unreadable["reason"].startswith("the line is longer than")
    assert child_ids(measured["outcome"]) == ["Cé1", "C2"]


def test_a_1gb_row_after_good_rows_is_reported_and_the_rows_before_it_load(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER_ROWS)
    # A Windows-1252 byte first, so the file is known not to be UTF-8 without a pass over the whole gigabyte.
    sparse(tmp_path / "episodes.csv", EPISODE_ROWS.encode("cp1252") + b"C2,\xe9")
    measured = in_subprocess("ssda903.load(sys.argv[1], {})", tmp_path)
    assert measured["grew_kb"] < FLAT_KB
    [unreadable] = measured["outcome"]["rejected"]
    assert (unreadable["source"], unreadable["row"]) == ("episodes.csv", 4)
    assert [len(record["placements"]) for record in measured["outcome"]["records"]] == [1, 1]


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        (b"", "the XML is not well formed, so the rest was not read"),
        # libxml2 holds text while it looks for the next tag: the reader stops it long before a gigabyte.
        (xml_return().encode()[:120], "no CHILD element ends within 16777216 bytes of the one before"),
    ],
    ids=["nuls", "a return then nuls"],
)
def test_a_1gb_xml_return_is_reported(tmp_path, start, reason):
    sparse(tmp_path / "return.xml", start)
    measured = in_subprocess("ssda903.load(sys.argv[1], {})", tmp_path / "return.xml")
    assert measured["grew_kb"] < FLAT_KB
    [unreadable] = measured["outcome"]["rejected"]
    assert (unreadable["source"], unreadable["row"]) == ("return.xml", 1 if not start else 4)
    assert unreadable["reason"].startswith(reason)


def test_1gb_pack_files_are_reported_and_the_return_loads(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER_ROWS)
    (tmp_path / "pack").mkdir()
    sparse(tmp_path / "pack" / "children.csv", b"child_id,first_name\nC2,Zo\xe9")
    sparse(tmp_path / "pack" / "pack.json")
    measured = in_subprocess("ssda903.load(sys.argv[1], {})", tmp_path)
    assert measured["grew_kb"] < FLAT_KB
    rejected = {rejection["source"]: rejection for rejection in measured["outcome"]["rejected"]}
    assert rejected.keys() == {"pack/pack.json", "pack/children.csv"}
    assert rejected["pack/children.csv"]["row"] == 2
    assert rejected["pack/pack.json"]["reason"].startswith("is not a readable interchange document")
    assert child_ids(measured["outcome"]) == ["Cé1", "C2"]


def test_a_1gb_upload_is_refused_having_read_no_more_than_the_limit(tmp_path):
    path = sparse(tmp_path / "form.docx", b"PK\x03\x04")
    measured = in_subprocess("read_form(sys.argv[1])", path)
    assert measured["outcome"]["type"] == "UnsafeDocumentError"
    assert measured["outcome"]["error"].startswith(f"{path}: is larger than the limit")
    assert measured["grew_kb"] < FLAT_KB


def test_billion_laughs_is_not_expanded(tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    (tmp_path / "return.xml").write_text(xml_return(f'<!DOCTYPE EXPSSDA903 [<!ENTITY l0 "lol">{laughs}]>', "&l9;"))
    measured = in_subprocess("ssda903.load(sys.argv[1], {})", tmp_path / "return.xml")
    assert measured["grew_kb"] < 16 * 1024
    assert "lol" not in json.dumps(measured["outcome"])
    # libxml2 either leaves the reference unexpanded (the field is rejected) or refuses the document.
    [rejected] = measured["outcome"]["rejected"]
    if child_ids(measured["outcome"]) == ["E1", "E2"]:
        assert (rejected["field"], rejected["value"]) == ("ETHNIC", "&l9;")
    else:
        assert child_ids(measured["outcome"]) == []
        assert "amplification" in rejected["reason"]
