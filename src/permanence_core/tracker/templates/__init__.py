"""The tracker's built-in template, which a council replaces through the templates hook like any document's."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: The name a plugin registers to replace the tracker page.
TRACKER_TEMPLATE = "tracker.html"


def tracker_templates() -> dict[str, Path]:
    """The tracker's template files by name."""
    return {TRACKER_TEMPLATE: Path(str(resources.files(__package__).joinpath(TRACKER_TEMPLATE)))}
