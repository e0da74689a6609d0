"""Turn a layout into the file a council uploads: Word (.docx) or HTML, through the registered templates."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from permanence_core.documents.docx_writer import write_docx
from permanence_core.documents.html_writer import write_html
from permanence_core.documents.layout import Layout
from permanence_core.documents.templates import builtin_templates
from permanence_core.errors import ConfigError

#: The template a council registers to give every Word document its own styles, headers and footers.
BASE_DOCX = "base.docx"


class OutputFormat(enum.StrEnum):
    """The formats documents are written in."""

    DOCX = "docx"
    HTML = "html"

    @classmethod
    def from_path(cls, path: Path) -> OutputFormat:
        """The format a file name asks for (``.docx``, ``.html`` or ``.htm``)."""
        suffix = path.suffix.lower().lstrip(".")
        if suffix == "htm":
            return cls.HTML
        try:
            return cls(suffix)
        except ValueError:
            raise ConfigError(str(path), "the output must end in .docx or .html") from None


def docx_base(form: str, templates: Mapping[str, Path]) -> Path | None:
    """The council's Word base for ``form``: ``<form>.docx`` if registered, else ``base.docx``, else none."""
    return templates.get(f"{form}.docx") or templates.get(BASE_DOCX)


def render(
    layout: Layout,
    fmt: OutputFormat,
    *,
    generated_on: dt.date,
    templates: Mapping[str, Path] | None = None,
    context: Mapping[str, Any] | None = None,
) -> bytes:
    """The document's bytes in ``fmt``; ``templates`` (name → file) defaults to the built-ins.

    ``context`` is passed to HTML templates next to ``layout`` (e.g. ``record``, ``meeting``, ``pack``).
    """
    found = dict(templates if templates is not None else builtin_templates())
    if fmt is OutputFormat.DOCX:
        return write_docx(layout, generated_on=generated_on, base=docx_base(layout.form, found))
    return write_html(layout, generated_on=generated_on, templates=found, context=context).encode("utf-8")
