"""Adversarial configuration: fuzzed profiles, write-back and adapter settings end in settings or a ConfigError."""

import copy
import datetime as dt
import math
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from documents_helpers import bare_record, sample_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permanence_liquidlogic.config import load_config as liquidlogic_config
from permanence_mosaic.config import load_config as mosaic_config
from permanence_raise.config import load_config as raise_config
from test_adversarial_ssda903 import mangled

from permanence_core import api
from permanence_core.errors import ConfigError, PermanenceError
from permanence_core.rules.profile import Profile, load_profile
from permanence_core.writeback.settings import WriteBackSettings

ROOT = Path(__file__).parent.parent
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "hunter2-Q7xv"
RECORDS = [sample_record(), bare_record()]


def _profile(path: Path) -> Profile:
    profile = load_profile(str(path))
    # A profile is data for the engine: what loads must also evaluate.
    api.evaluate(RECORDS, profile=profile, as_of=dt.date(2024, 9, 1))
    return profile


#: name → (a valid file to start from, the loader of a file at a path).
READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "profile": ((ROOT / "src/permanence_core/rules/profiles/bolton.toml").read_text(), _profile),
    "write_back": ((ROOT / "plugins/mosaic/examples/council.toml").read_text(), WriteBackSettings.from_file),
    "mosaic": ((ROOT / "plugins/mosaic/examples/council.toml").read_text(), lambda p: mosaic_config({"config": p})),
    "liquidlogic": (
        (ROOT / "plugins/liquidlogic/examples/bolton.toml").read_text(),
        lambda p: liquidlogic_config({"config": p}),
    ),
    "raise": ('[raise]\nready_marker = "READY"\nsettle_seconds = 30\n', lambda p: raise_config({"config": p})),
}
TOKENS = [
    b"[",
    b"]",
    b"[[",
    b"=",
    b'"',
    b"'''",
    b"{",
    b"}",
    b",",
    b"#",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
]


def outcome(reader: str, text: bytes) -> Any:
    """Load ``text`` with ``reader``; only settings or the library's own error naming the file pass."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "council.toml"
        path.write_bytes(text)
        try:
            return READERS[reader][1](path)
        except PermanenceError as exc:
            assert isinstance(exc, ConfigError), exc
            assert str(path) in str(exc), exc
            assert SECRET not in str(exc)
            return exc


@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_starting_files_load(reader):
    assert not isinstance(outcome(reader, READERS[reader][0].encode()), PermanenceError)


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_a_mangled_file_loads_or_is_a_config_error_naming_it(reader, data):
    outcome(reader, data.draw(mangled(READERS[reader][0].encode(), TOKENS)))


SCALAR = (
    st.text(max_size=8)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans()
    | st.dates()
    | st.datetimes()
    | st.times()
    | st.sampled_from(["", "..", "/tmp", "~nobody/x", "https://", "http://example.invalid", "sqlite:///:memory:"])
)
TOML_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
SECRET_KEYS = st.sampled_from(["token", "password", "api_key", "client_secret", "Authorization"])


def _places(node: Any, into: list) -> list:
    """Every (container, key) in a TOML document, for a mutation to pick from."""
    keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
    for key in keys:
        into.append((node, key))
        _places(node[key], into)
    return into


@st.composite
def reshaped(draw, document: dict) -> dict:
    """``document`` with values replaced by random TOML values, keys removed or added, or a secret written in."""
    out = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        places = _places(out, [])
        container, key = draw(st.sampled_from(places)) if places else (out, None)
        action = draw(st.sampled_from(["replace", "delete", "add", "secret"]))
        if action == "replace" and key is not None:
            container[key] = draw(TOML_VALUE)
        elif action == "delete" and key is not None:
            del container[key]
        elif isinstance(container, dict):
            name = draw(SECRET_KEYS) if action == "secret" else draw(st.text(max_size=6))
            container[name] = SECRET if action == "secret" else draw(TOML_VALUE)
    return out


def _dumped(document: dict) -> bytes | None:
    """The document as TOML, or None when TOML cannot say it (a list mixing tables and values, say)."""
    try:
        return tomli_w.dumps(document).encode()
    except (TypeError, ValueError):
        return None


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_a_reshaped_file_loads_or_is_a_config_error_naming_the_key(reader, data):
    document = data.draw(reshaped(tomllib.loads(READERS[reader][0])))
    text = _dumped(document)
    if text is not None:
        outcome(reader, text)


#: Values the fuzzing found crashing a loader (or an evaluation of what it loaded), and what is said instead.
FOUND = [
    ("mosaic", ("mosaic", "documents", "types"), 5, "mosaic.documents.types: must be a table"),
    ("write_back", ("write_back", "outbox"), "~no_such_user_q/out", "the home folder it names is unknown"),
    ("write_back", ("write_back", "state"), "postgresql://host:port/db", "is not a database URL"),
    ("write_back", ("write_back", "endpoint"), "https://[::1", "is not a valid URL (Invalid IPv6 URL)"),
    ("write_back", ("write_back", "endpoint"), "https://gateway.example:99999/", "is not a valid URL (Port out"),
    ("write_back", ("write_back", "connect_timeout"), math.nan, "nan must be a positive number"),
    ("write_back", ("write_back", "read_timeout"), math.inf, "inf must be a positive number"),
    ("write_back", ("write_back", "paths", "document"), "/people/{child_id", "is not a path template"),
    ("write_back", ("write_back", "paths", "document"), "/p/{child_id:{x}}", "only the {child_id} placeholder"),
    ("raise", ("raise", "settle_seconds"), math.nan, "nan must be a number of seconds"),
    ("raise", ("raise", "ready_marker"), "..", "'..' is not a file name"),
    ("raise", ("raise", "ready_marker"), "READY\x00", "is not a file name"),
    ("profile", ("rules", "ppm.convene_prompt", "offset"), {"weeks": 10**15}, "is not from -5218 to 5218"),
    ("profile", ("rules", "ppm.convene_prompt", "offset"), {"working_days": -30_000}, "is not from -26100 to 26100"),
    ("profile", ("rules", "ppm.convene_prompt", "warning_days"), -1, "warning_days = -1 is not from 0 to 36525"),
    ("profile", ("rules", "ppm.convene_prompt", "recurrence"), {"limit": 10**6}, "limit = 1000000 is not from 1"),
    ("profile", ("rules", "ppm.convene_prompt", "met_by"), ["ppm_held"], "met_by = ['ppm_held'] is not one of"),
    ("profile", ("rules", "ppm.convene_prompt", "applies"), "always", "applies must be a table of keys"),
    ("profile", ("rules", "ppm.convene_prompt", "stops"), "adopted", "stops must be a list"),
    ("profile", ("name",), ["bolton"], "name must be a string, not a list"),
    ("profile", ("settings",), {"holidays_subdiv": "XX"}, "holidays_subdiv = 'XX' is not one of ENG, NIR, SCT, WLS"),
    ("profile", ("settings",), {"extra_closures": ["25/12/2024"]}, "'25/12/2024', which is not a YYYY-MM-DD date"),
]


@pytest.mark.parametrize(("reader", "key", "value", "reason"), FOUND)
def test_values_that_once_crashed_a_loader_are_config_errors(reader, key, value, reason):
    document = tomllib.loads(READERS[reader][0])
    table = document
    for part in key[:-1]:
        table = table[part]
    table[key[-1]] = value
    result = outcome(reader, tomli_w.dumps(document).encode())
    assert isinstance(result, ConfigError)
    assert reason in str(result)


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("where", ["top", "nested"])
def test_a_secret_written_in_the_file_is_refused_without_repeating_it(reader, where):
    document = tomllib.loads(READERS[reader][0])
    table = document if where == "top" else next(value for value in document.values() if isinstance(value, dict))
    table["client_secret"] = SECRET
    error = outcome(reader, tomli_w.dumps(document).encode())
    if reader in ("write_back", "mosaic", "liquidlogic"):
        assert isinstance(error, ConfigError)
        assert "client_secret" in str(error)


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize(
    ("encoding", "line_ends", "loads"),
    [
        ("utf-8-sig", ["\n"], True),
        ("utf-8", ["\r\n"], True),
        ("utf-8", ["\r\n", "\n"], True),
        ("cp1252", ["\n"], False),
        ("utf-16", ["\n"], False),
    ],
    ids=["utf-8 BOM", "CRLF", "mixed line ends", "cp1252", "utf-16"],
)
def test_encodings_and_line_ends(reader, encoding, line_ends, loads):
    # A council edits these in Notepad: a BOM or Windows line ends still load; text that is not UTF-8 is refused.
    lines = [*READERS[reader][0].splitlines(), "# Révisé £"]
    text = "".join(line + line_ends[number % len(line_ends)] for number, line in enumerate(lines))
    result = outcome(reader, text.encode(encoding))
    assert isinstance(result, ConfigError) is not loads, result
    if not loads:
        assert "is not UTF-8 text" in str(result)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_truncated_file_is_a_config_error_saying_where(reader):
    text = READERS[reader][0]
    cut = text[: text.index("=", len(text) // 2) + 2]
    assert not cut.rstrip().endswith(('"', "]", "}"))
    result = outcome(reader, cut.encode())
    assert isinstance(result, ConfigError)
    assert "valid TOML: Invalid value (at end of document)" in str(result)
