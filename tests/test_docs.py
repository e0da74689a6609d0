"""Documentation that integration scripts and vendors rely on stays complete."""

import re
from pathlib import Path

from permanence_core.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("permanence_"))


def test_there_are_hooks():
    assert len(HOOKS) == 6


def test_every_hook_is_documented_with_its_signature():
    text = (ROOT / "docs" / "plugin_hooks.md").read_text()
    documented = re.findall(r"^## (permanence_\w+)\(", text, flags=re.M)
    assert sorted(documented) == HOOKS


def test_every_hook_is_implemented_in_a_test():
    test_sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    untested = [hook for hook in HOOKS if f"def {hook}(" not in test_sources]
    assert untested == []
