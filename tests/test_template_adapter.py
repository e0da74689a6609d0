"""A vendor's first hour: copy plugins/_template, rename it, install it, and it passes the contract suite."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from permanence_core.plugins import ENTRY_POINT_GROUP

TEMPLATE = Path(__file__).resolve().parents[1] / "plugins" / "_template"


def rename(folder: Path, old: str, new: str) -> None:
    """The template README's rename: every file and folder name, then every file's text."""
    for path in sorted(folder.rglob(f"*{old}*"), key=lambda p: len(p.parts), reverse=True):
        path.rename(path.with_name(path.name.replace(old, new)))
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(old, new).replace(old.title(), new.title()), encoding="utf-8")


def test_a_renamed_copy_of_the_template_installs_and_passes_the_contract_suite(tmp_path: Path) -> None:
    copy = tmp_path / "permanence-acme"
    shutil.copytree(TEMPLATE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache"))
    rename(copy, "example", "acme")
    assert not [p for p in copy.rglob("*") if "example" in p.name.lower()]
    site = tmp_path / "site"

    # Offline: no build isolation (hatchling comes from the test environment) and no dependency resolution.
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation"]
    installed = subprocess.run([*pip, "--target", str(site), str(copy)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr

    [entry_point] = [
        ep
        for dist in importlib.metadata.distributions(path=[str(site)])
        for ep in dist.entry_points
        if ep.group == ENTRY_POINT_GROUP
    ]
    assert (entry_point.name, entry_point.value) == ("acme", "permanence_acme.plugin")
    assert (site / "permanence_acme" / "py.typed").is_file(), "the package must ship its py.typed marker"

    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("PERMANENCE_DISABLE_PLUGINS", None)
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(copy / "tests")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert suite.returncode == 0, suite.stdout + suite.stderr
    summary = suite.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 18, summary
    assert "failed" not in summary and "error" not in summary, summary


def test_a_renamed_copy_of_the_template_is_clean_under_the_strict_type_check(tmp_path: Path) -> None:
    # The template README's `mypy --strict src`: a vendor starts from code that is strictly typed.
    copy = tmp_path / "permanence-acme"
    shutil.copytree(TEMPLATE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".*_cache"))
    rename(copy, "example", "acme")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "src"], cwd=copy, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("Success: no issues found"), checked.stdout
