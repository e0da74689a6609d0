"""docs/form-fields.md stays true: every model attribute it names exists, and every label the forms print is listed."""

import re
import types
import typing
from pathlib import Path

import attrs
import pytest
from documents_helpers import D, bare_record

from permanence_core import documents, model
from permanence_core.documents import Grid, meeting_record, pro_forma, referral_form
from permanence_core.model import MeetingKind

DOC = (Path(__file__).resolve().parents[1] / "docs" / "form-fields.md").read_text(encoding="utf-8")
PATHS = sorted(set(re.findall(r"`([A-Z][A-Za-z]+(?:\.[a-z_]+|\[-?\d*\])+)`", DOC)))


def _unwrap(tp):
    """X | None → X."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(options) == 1:
            return options[0]
    return tp


def resolve(path: str):
    """Follow ``Class.attr[index].attr`` through attrs fields and typed properties; raise if a step is missing."""
    head, *steps = re.findall(r"\[-?\d*\]|\.?[A-Za-z_]+", path)
    tp = getattr(model, head, None) or getattr(documents, head)
    for step in steps:
        tp = _unwrap(tp)
        if step.startswith("["):
            assert typing.get_origin(tp) is tuple, f"{path}: {step} indexes {tp!r}, which is not a tuple"
            tp = typing.get_args(tp)[0]
            continue
        name = step.lstrip(".")
        if attrs.has(tp) and name in attrs.fields_dict(tp):
            tp = typing.get_type_hints(tp)[name]
        elif isinstance(getattr(tp, name, None), property):
            tp = typing.get_type_hints(getattr(tp, name).fget)["return"]
        else:
            raise AssertionError(f"{path}: {tp!r} has no attribute {name!r}")
    return tp


def test_the_table_names_many_attributes():
    assert len(PATHS) > 60


@pytest.mark.parametrize("path", PATHS)
def test_every_attribute_named_in_the_table_exists(path):
    resolve(path)


def test_the_resolver_catches_a_misspelt_attribute():
    with pytest.raises(AssertionError, match="no attribute 'view'"):
        resolve("CaseRecord.view.child")
    with pytest.raises(AssertionError, match="not a tuple"):
        resolve("CaseRecord.child[0].surname")


def labels(layout):
    found = [f.label for f in layout.fields()]
    found += [b.caption for s in layout.sections for b in s.blocks if isinstance(b, Grid)]
    return found


@pytest.mark.parametrize(
    "layout",
    [
        pro_forma(bare_record(), as_of=D(2024, 6, 1)),
        referral_form(bare_record(), as_of=D(2024, 6, 1)),
        meeting_record(MeetingKind.TRACKING_PANEL, "C200", {"C200": bare_record()}, generated_on=D(2024, 6, 1)),
    ],
    ids=["pro-forma", "referral", "record"],
)
def test_every_label_on_a_generated_form_is_in_the_table(layout):
    missing = [label for label in labels(layout) if label not in DOC]
    assert missing == []
