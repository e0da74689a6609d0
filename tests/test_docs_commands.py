"""Every shell command in the README and in docs/ is run, so a documented example cannot drift from the code.

Each page's fenced ``sh`` blocks (and the README's ``python`` blocks) run in order, each block in a fresh shell
(as pasted into a terminal), in one scratch folder per page that sees the repository's files (``src/``,
``examples/``, ``plugins/``, ``.venv/``) and keeps what the commands write (``out/``). ``permanence`` and
``python`` are the virtualenv's. A block may be preceded by a marker comment:

- ``<!-- docs-test: skip REASON -->``: not run, for the few commands that need a council's server or
  warehouse, install software (into the virtualenv this suite runs in) or run this suite itself; the reason
  is required and the number of them is capped;
- ``<!-- docs-test: exit N -->``: the block demonstrates an error and must end with exit code N.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = ("sh", "bash", "shell", "console")
MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|exit)\s*(.*?)\s*-->\s*\n\s*$")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
#: Blocks not run: a council's server or warehouse, or this test suite. Keep it small.
MOST_SKIPPED = 10
#: Left out of the scratch folder: what the commands write is the page's own.
NOT_SHARED = {".git", "out", ".pytest_cache", ".ruff_cache", ".mypy_cache"}


class Block:
    """One fenced block of a page, what language it is in, and what its marker asks."""

    def __init__(self, page, line, language, text, marker):
        self.page, self.line, self.language, self.text = page, line, language, text
        self.skip = marker[1] if marker and marker[0] == "skip" else None
        self.exit = int(marker[1]) if marker and marker[0] == "exit" else 0

    def __repr__(self):
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self):
        return self.language in SHELLS or (self.language == "python" and self.page.name == "README.md")


def blocks(page):
    text = page.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        marker = MARKER.search(before[-300:])
        yield Block(page, before.count("\n") + 1, match.group(1), match.group(2), marker.groups() if marker else None)


def runnable(page):
    return [block for block in blocks(page) if block.runs]


def test_the_pages_hold_commands():
    assert sum(len(runnable(page)) for page in PAGES) > 30


def test_few_commands_are_left_unrun_and_each_says_why():
    skipped = [block for page in PAGES for block in runnable(page) if block.skip is not None]
    assert all(block.skip for block in skipped), [b for b in skipped if not b.skip]
    assert len(skipped) <= MOST_SKIPPED, skipped


# Run here, these would change the virtualenv the suite itself runs in.
INSTALLS = re.compile(r"\bpip install\b|\bmake (install|test)\b")


def test_a_block_that_installs_software_is_not_run():
    unmarked = [b for page in PAGES for b in runnable(page) if b.skip is None and INSTALLS.search(b.text)]
    assert unmarked == []


def test_no_shell_command_hides_in_an_unmarked_block():
    """A command shown with a ``$`` prompt or in a ``text`` block would escape the test: it must be in ``sh``."""
    commands = re.compile(r"^\$? ?(?:permanence|make|python) .*$", re.M)
    # A synopsis (`permanence tracker --adapter NAME --source PATH …`) names its values in capitals: not a command.
    synopsis = re.compile(r"\b[A-Z]{2,}\b")
    hidden = [
        block
        for page in PAGES
        for block in blocks(page)
        if block.language in ("", "text") and any(not synopsis.search(line) for line in commands.findall(block.text))
    ]
    assert hidden == []


def scratch(tmp_path):
    """A folder that sees the repository's files and keeps its own output."""
    for entry in ROOT.iterdir():
        if entry.name not in NOT_SHARED:
            (tmp_path / entry.name).symlink_to(entry)
    return tmp_path


def environment():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PERMANENCE_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    return env


@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_of_the_page_runs(page, tmp_path):
    folder = scratch(tmp_path)
    env = environment()
    for block in runnable(page):
        if block.skip is not None:
            continue
        assert not INSTALLS.search(block.text), f"{block} installs software: mark it skip"
        command = ["bash", "-e", "-o", "pipefail", "-c", block.text]
        if block.language == "python":
            command = [sys.executable, "-c", block.text]
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
        shown = f"{block} exited {done.returncode}:\n{block.text}\n--- stdout\n{done.stdout[-3000:]}\n--- stderr\n"
        assert done.returncode == block.exit, shown + done.stderr[-3000:]
        assert "Traceback" not in done.stderr, shown + done.stderr[-3000:]
    if page.name == "README.md":
        # The files the README says the demo writes are the files it wrote.
        described = set(re.findall(r"^\| `out/demo/([^`]+?)/?` \|", page.read_text(), re.M))
        written = {path.name for path in (folder / "out" / "demo").iterdir()}
        assert described == written


def test_the_json_the_readme_documents_is_the_json_alerts_prints():
    from click.testing import CliRunner

    from permanence_core.cli import cli

    documented = re.search(r"`--format json` prints\s+`(\{[^`]*\})`", (ROOT / "README.md").read_text())
    assert documented is not None
    keys = re.findall(r'"(\w+)"', documented.group(1))
    demo = ["--adapter", "ssda903", "--source", str(ROOT / "src" / "permanence_core" / "demo_data")]
    result = CliRunner().invoke(cli, ["alerts", *demo, "--as-of", "2026-11-02", "--format", "json"])
    assert list(json.loads(result.stdout)) == keys
