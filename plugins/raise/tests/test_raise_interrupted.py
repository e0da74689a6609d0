"""An ingest run stopped at any point, then run again: nothing lost, nothing ingested twice, the same end state."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from permanence_raise import snapshot
from permanence_raise.config import RaiseConfig
from permanence_raise.inbox import ingest
from permanence_raise.ledger import Ledger

from permanence_core.plugins.manager import Plugins

SETTLED = RaiseConfig(settle_seconds=0)
MEETINGS = "meeting_id,kind,date,children\nP1,tracking_panel,2025-04-24,R3001\n"


class Crash(BaseException):
    """Stands in for the process dying: nothing catches it, so nothing after it runs."""


def _incoming(folder: Path, drops: Any) -> Path:
    """Five drops: two good, one repeat, one with a rejected record, one loose pack file, one that fails."""
    drops.write_drop(folder / "2025-01-31", children=drops.children[:1], care=drops.care[:2])
    drops.write_drop(folder / "2025-01-31-again", children=drops.children[:1], care=drops.care[:2])
    drops.write_drop(folder / "2025-02-28", care=[*drops.care, "R3002,31/02/2024,S,C1,N1,U6,PR1,,,,,,"])
    (folder / "bad.txt").write_text("not an export", encoding="utf-8")
    (folder / "meetings.csv").write_text(MEETINGS, encoding="utf-8")
    return folder


def _state(root: Path) -> dict[str, Any]:
    """Everything an ingest leaves, apart from when it happened."""
    ledger = Ledger(root / "ingest-ledger.sqlite")
    try:
        entries = [
            {k: v for k, v in entry.to_dict().items() if k != "ingested_at"} for entry in reversed(ledger.recent(100))
        ]
    finally:
        ledger.close()
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "ingest.lock" and p.name != "ingest-ledger.sqlite"
    )
    reports = {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8").splitlines()[2:]
        for p in root.rglob("*.error.txt")
    }
    rejected = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.rejected.csv")}
    return {"ledger": entries, "files": files, "reports": reports, "rejected": rejected}


@pytest.fixture
def template(tmp_path: Path, drops: Any) -> Path:
    return _incoming(tmp_path / "template-incoming", drops)


def _fresh(tmp_path: Path, template: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(template, root / "incoming")
    return root


@pytest.fixture
def reference(tmp_path: Path, template: Path) -> tuple[dict[str, Any], Any]:
    """The state and records an uninterrupted run leaves."""
    root = _fresh(tmp_path, template, "reference")
    ingest(root, SETTLED)
    return _state(root), Plugins().load("raise", str(root), {}).records


def _crashing(monkeypatch: pytest.MonkeyPatch, crash_at: int) -> list[int]:
    """Make the ``crash_at``-th file-system step or ledger commit raise Crash before it happens."""
    count = [0]

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == crash_at:
                raise Crash
            return function(*args, **kwargs)

        return step

    monkeypatch.setattr(os, "rename", wrap(os.rename))
    monkeypatch.setattr(os, "replace", wrap(os.replace))
    monkeypatch.setattr(os, "link", wrap(os.link))
    monkeypatch.setattr(snapshot, "_copy", wrap(snapshot._copy))
    monkeypatch.setattr(Ledger, "record", wrap(Ledger.record))
    return count


def _steps(tmp_path: Path, template: Path) -> int:
    root = _fresh(tmp_path, template, "count")
    with pytest.MonkeyPatch.context() as patch:
        count = _crashing(patch, crash_at=0)
        ingest(root, SETTLED)
    return count[0]


def _run_crashing(root: Path, crash_at: int) -> bool:
    with pytest.MonkeyPatch.context() as patch:
        _crashing(patch, crash_at)
        try:
            ingest(root, SETTLED)
        except Crash:
            return True
    return False


def test_a_run_stopped_before_any_step_then_rerun_ends_as_an_uninterrupted_one(
    tmp_path: Path, template: Path, reference: tuple[dict[str, Any], Any]
) -> None:
    steps = _steps(tmp_path, template)
    assert steps > 20, "the scenario should exercise every kind of step"
    for crash_at in range(1, steps + 1):
        root = _fresh(tmp_path, template, f"crash-{crash_at}")
        assert _run_crashing(root, crash_at)

        ingest(root, SETTLED)

        assert _state(root) == reference[0], f"stopped before step {crash_at}"
        assert not any((root / "incoming").iterdir())
        assert Plugins().load("raise", str(root), {}).records == reference[1]


# The template and the reference run are built once for all examples (hence the health check): each
# example only copies the template into a fresh folder of its own.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crashes=st.lists(st.integers(min_value=1, max_value=40), min_size=2, max_size=4))
def test_runs_stopped_again_and_again_still_end_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    template: Path,
    reference: tuple[dict[str, Any], Any],
    crashes: list[int],
) -> None:
    root = _fresh(tmp_path_factory.mktemp("repeated"), template, "inbox")

    for crash_at in crashes:
        _run_crashing(root, crash_at)
    ingest(root, SETTLED)

    assert _state(root) == reference[0]


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from permanence_raise import inbox
    from permanence_raise.config import RaiseConfig

    root, where = Path(sys.argv[1]), sys.argv[2]

    def die(*_args):
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "between-drops":
        inbox.ingest(root, RaiseConfig(settle_seconds=0), progress=lambda done, total: die() if done == 1 else None)
    else:
        move = inbox._move
        # After the ledger's commit, before the drop leaves incoming/: the narrowest window there is.
        inbox._move = lambda source, target: die() if target.parent.name == "archive" else move(source, target)
        inbox.ingest(root, RaiseConfig(settle_seconds=0))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
@pytest.mark.parametrize("where", ["between-drops", "after-commit"])
def test_a_killed_process_loses_nothing_and_ingests_nothing_twice(tmp_path: Path, drops: Any, where: str) -> None:
    root = tmp_path / "inbox"
    drops.write_drop(root / "incoming" / "2025-01-31", children=drops.children[:1], care=drops.care[:2])
    drops.write_drop(root / "incoming" / "2025-02-28")
    clean = tmp_path / "clean"
    shutil.copytree(root, clean)
    ingest(clean, SETTLED)

    killed = subprocess.run([sys.executable, "-c", _KILLER, str(root), where], capture_output=True, check=False)

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    left = sorted(p.name for p in (root / "incoming").iterdir())
    assert left == (["2025-02-28"] if where == "between-drops" else ["2025-01-31", "2025-02-28"])
    run = ingest(root, SETTLED)
    assert [report.outcome.value for report in run.drops] == (
        ["ingested"] if where == "between-drops" else ["completed", "ingested"]
    )
    assert _state(root) == _state(clean)
    assert Plugins().load("raise", str(root), {}).records == Plugins().load("raise", str(clean), {}).records
