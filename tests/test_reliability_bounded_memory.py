"""Bounded memory on every input: each reader, under an address-space limit, refuses hostile nesting and sizes with
the library's error (or a rejection) naming the file, never a MemoryError or a traceback (issue #14, class 2).

Each case runs in a fresh interpreter limited by ``resource.setrlimit(RLIMIT_AS)``. The hostile inputs are
generated: every nesting a reader's format allows (JSON arrays and objects, TOML arrays and inline tables, XML
elements), at 400 KB, the size that once took 22 GB.
"""

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from documents_helpers import D, sample_record
from test_adversarial_ssda903 import HEADER_ROWS

from permanence_core.documents import OutputFormat, meeting_record, render
from permanence_core.model import MeetingKind

#: The limit each reader runs under: several times what the interpreter and its imports take.
LIMIT = 768 << 20
#: The size of each hostile input.
SIZE = 400 * 1024

RUN = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from permanence_core.adapters import ssda903
    from permanence_core.writeback.audit import AuditLog
    from permanence_core.adapters.pack import read_pack
    from permanence_core.writeback.settings import WriteBackSettings
    from permanence_core.config_file import read_config
    from permanence_core.documents import read_form
    from permanence_core.errors import PermanenceError
    from permanence_core.rules.profile import load_profile

    resource.setrlimit(resource.RLIMIT_AS, (BUDGET, BUDGET))
    path = Path(sys.argv[1])
    try:
        result = CALL
    except PermanenceError as exc:
        print(json.dumps({"error": str(exc)}))
    else:
        rejected = [r.to_dict() for r in getattr(result, "rejected", ())]
        unreadable = list(getattr(result, "unreadable", ()))
        print(json.dumps({"rejected": rejected, "unreadable": unreadable}))
    """
).replace("BUDGET", str(LIMIT))

#: How each reader is called on ``path``.
READERS = {
    "pack.json": "read_pack(path, ['C1'])",
    "ssda903 xml": "ssda903.load(str(path), {})",
    "ssda903 csv": "ssda903.load(str(path.parent), {})",
    "config toml": "read_config(path)",
    "profile toml": "load_profile(str(path))",
    "write-back toml": "WriteBackSettings.from_file(path)",
    "audit log": "AuditLog(path).read()",
    "docx": "read_form(path)",
}


def nested(opening: str, size: int = SIZE) -> str:
    """``opening`` repeated to ``size`` characters: nesting as deep as the bytes allow."""
    return opening * (size // len(opening))


def hostile(reader: str, opening: str, folder: Path) -> Path:
    """The file ``reader`` is given: its format's nesting of ``opening``, and nothing to close it."""
    if reader == "pack.json":
        path = folder / "pack.json"
        path.write_text('{"schema_version": "1.0", "records": [' + nested(opening))
    elif reader == "ssda903 xml":
        path = folder / "return.xml"
        path.write_text("<EXPSSDA903><CHILD><HEADER>" + nested(opening))
    elif reader == "ssda903 csv":
        (folder / "header.csv").write_text(HEADER_ROWS)
        path = folder / "episodes.csv"
        path.write_text("CHILD,DECOM,RNE,LS\nC1," + nested(opening) + "\n")
    elif reader.endswith("toml"):
        path = folder / "council.toml"
        path.write_text("name = " + nested(opening))
    elif reader == "audit log":
        path = folder / "permanence-audit.jsonl"
        path.write_text(nested(opening) + "\n" + nested(opening, 4 * SIZE))
    else:
        today = D(2024, 5, 10)
        record = meeting_record(MeetingKind.MONITORING_GROUP, "C100", {"C100": sample_record()}, generated_on=today)
        template = io.BytesIO(render(record, OutputFormat.DOCX, generated_on=today))
        out = io.BytesIO()
        with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for member in source.infolist():
                data = source.read(member)
                if member.filename == "word/document.xml":
                    data = data.replace(b"<w:body>", b"<w:body>" + nested(opening).encode(), 1)
                target.writestr(member, data)
        path = folder / "form.docx"
        path.write_bytes(out.getvalue())
    return path


def cases():
    """Every reader with every nesting its format allows (JSON and TOML: arrays and objects; XML: elements)."""
    openings = {
        "pack.json": ["[", '{"a":'],
        "ssda903 xml": ["<a>", "<CHILD>"],
        "ssda903 csv": ["[", '"'],
        "config toml": ["[", "{a="],
        "profile toml": ["[", "{a="],
        "write-back toml": ["[", "{a="],
        "audit log": ["[", '{"a":'],
        "docx": ["<w:p>", "<w:tbl><w:tr><w:tc>"],
    }
    return [
        pytest.param(reader, opening, id=f"{reader}-{opening}") for reader, some in openings.items() for opening in some
    ]


@pytest.mark.parametrize(("reader", "opening"), cases())
def test_each_reader_refuses_hostile_nesting_within_a_memory_limit(tmp_path, reader, opening):
    path = hostile(reader, opening, tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", RUN.replace("CALL", READERS[reader]), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    outcome = json.loads(done.stdout)
    if "error" in outcome:
        assert str(path) in outcome["error"] or path.name in outcome["error"], outcome
    elif reader == "audit log":
        assert outcome["unreadable"] == [1, 2]
    else:
        names = [r["source"] for r in outcome["rejected"]]
        assert path.name in " ".join(names), outcome


def test_a_pack_record_beyond_the_size_budget_is_refused_naming_the_file(tmp_path):
    from permanence_core.adapters.pack import read_pack
    from permanence_core.adapters.pack.jsonpack import MAX_RECORD_BYTES

    path = tmp_path / "pack.json"
    path.write_text(
        '{"schema_version": "1.0", "records": [{"child": {"note": "' + "x" * (MAX_RECORD_BYTES + (1 << 17)) + '"}}]}'
    )
    [rejected] = read_pack(path, ["C1"]).rejected
    assert rejected.source == "pack/pack.json"
    assert f"more than {MAX_RECORD_BYTES} bytes without a record ending" in rejected.reason


def test_the_api_refuses_a_deeply_nested_document_with_its_own_error():
    from permanence_core.serialization import InterchangeError, loads

    with pytest.raises(InterchangeError, match="nested too deeply"):
        loads("[" * SIZE)
