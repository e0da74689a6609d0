"""The built-in document templates, which a council can replace through the templates hook."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_templates() -> dict[str, Path]:
    """Every template file in this package (HTML and Word), by file name."""
    folder = Path(str(resources.files(__package__)))
    return {path.name: path for path in sorted(folder.iterdir()) if path.suffix in (".html", ".docx", ".j2")}
