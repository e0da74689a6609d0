"""Documentation that integration scripts and vendors rely on stays complete and matches the code."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from permanence_core.adapters import Adapter
from permanence_core.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("permanence_"))
ADAPTER_METHODS = ["alert_items", "check", "load", "load_cohort", "write_back"]
HOOK_DOCS = (ROOT / "docs" / "plugin_hooks.md").read_text()


def documented_signatures(prefix: str) -> dict[str, ast.FunctionDef]:
    """Each ``## name(args) -> returns`` heading of plugin_hooks.md parsed as a function definition."""
    found = {}
    for name, signature in re.findall(rf"^#+ {prefix}(\w+)(\(.*)$", HOOK_DOCS, flags=re.M):
        [definition] = ast.parse(f"def {name}{signature}: ...").body
        found[name] = definition
    return found


def parsed_signature(definition: ast.FunctionDef) -> tuple[list[tuple[str, str | None]], str | None]:
    """Argument names with their annotations, and the return annotation, as source text."""
    arguments = [(arg.arg, ast.unparse(arg.annotation) if arg.annotation else None) for arg in definition.args.args]
    return arguments, ast.unparse(definition.returns) if definition.returns else None


def code_signature(function: object) -> tuple[list[tuple[str, str | None]], str | None]:
    """The same for a function in the code (annotations are strings under ``from __future__ import annotations``)."""
    [definition] = ast.parse(inspect.cleandoc("\n" + inspect.getsource(function))).body
    assert isinstance(definition, ast.FunctionDef)
    return parsed_signature(definition)


def test_there_are_hooks():
    assert HOOKS == [
        "permanence_register_adapters",
        "permanence_register_commands",
        "permanence_register_profiles",
        "permanence_register_templates",
    ]


def test_every_hook_is_documented():
    assert sorted(f"permanence_{name}" for name in documented_signatures("permanence_")) == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook):
    documented = documented_signatures("permanence_")[hook.removeprefix("permanence_")]
    assert parsed_signature(documented) == code_signature(getattr(hookspecs, hook))


@pytest.mark.parametrize("method", ADAPTER_METHODS)
def test_every_adapter_method_is_documented_with_its_signature(method):
    documented = documented_signatures(r"Adapter\.")
    assert method in documented, f"docs/plugin_hooks.md has no '### Adapter.{method}(…)' section"
    assert parsed_signature(documented[method]) == code_signature(getattr(Adapter, method))


def test_the_documented_signatures_are_compared_with_annotations():
    # A wrong annotation in the docs must fail the comparison, not only a wrong argument name.
    [wrong] = ast.parse("def permanence_register_commands(group: click.Command) -> None: ...").body
    assert parsed_signature(wrong) != code_signature(hookspecs.permanence_register_commands)


def test_every_hook_is_implemented_in_a_test():
    test_sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    untested = [hook for hook in HOOKS if f"def {hook}(" not in test_sources]
    assert untested == []
