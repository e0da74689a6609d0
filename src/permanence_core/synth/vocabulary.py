"""The words a synthetic cohort is written in (names, actions, meeting notes, views), loaded from TOML data."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class ActionTemplate:
    """An action a meeting may agree: ``after`` is the key of an action it waits for."""

    stage: str
    key: str
    text: str
    owner: str
    after: str | None = None


@attrs.frozen(kw_only=True)
class Vocabulary:
    """Every list of words and phrases the generator draws from."""

    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surname_stems: tuple[str, ...]
    surname_ends: tuple[str, ...]
    routes: dict[str, str]
    actions: dict[str, tuple[ActionTemplate, ...]]
    meetings: dict[str, tuple[str, ...]]
    views: dict[str, tuple[str, ...]]
    narrative: dict[str, Any]


def _load() -> Vocabulary:
    raw = tomllib.loads(resources.files(__package__).joinpath("vocabulary.toml").read_text(encoding="utf-8"))
    actions: dict[str, list[ActionTemplate]] = {}
    for item in raw["action"]:
        actions.setdefault(item["stage"], []).append(ActionTemplate(**item))
    return Vocabulary(
        **{key: tuple(value) for key, value in raw["names"].items()},
        routes=raw["routes"],
        actions={stage: tuple(items) for stage, items in actions.items()},
        meetings={key: tuple(value) for key, value in raw["meetings"].items()},
        views={key: tuple(value) for key, value in raw["views"].items()},
        narrative=raw["narrative"],
    )


WORDS = _load()
