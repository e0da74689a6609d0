"""Write a layout as HTML through Jinja2 templates resolved by name, so a council can replace any of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from permanence_core.documents.formatting import date_text
from permanence_core.documents.layout import FieldTable, Grid, Layout, Note
from permanence_core.documents.templates import builtin_templates
from permanence_core.errors import ConfigError


def environment(templates: Mapping[str, Path] | None = None) -> jinja2.Environment:
    """A Jinja2 environment whose template names resolve through ``templates`` (name → file).

    ``templates`` is what ``Plugins().templates()`` returns: the built-ins with any plugin's
    replacements. Autoescaping is always on (the documents carry free text typed by people), and an
    undefined variable is an error rather than an empty string, so a broken council template fails loudly.
    """
    found = dict(templates if templates is not None else builtin_templates())

    def load(name: str) -> tuple[str, str, Any] | None:
        path = found.get(name)
        if path is None:
            return None
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read template {name!r}: {exc.strerror}") from None
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.exists() and path.stat().st_mtime == mtime

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_text"] = date_text
    env.tests["field_table"] = lambda block: isinstance(block, FieldTable)
    env.tests["grid"] = lambda block: isinstance(block, Grid)
    env.tests["note"] = lambda block: isinstance(block, Note)
    return env


def write_html(
    layout: Layout,
    *,
    generated_on: dt.date,
    templates: Mapping[str, Path] | None = None,
    context: Mapping[str, Any] | None = None,
) -> str:
    """Render ``layout`` with the template ``<form>.html``; ``context`` adds the model objects it was built from."""
    name = f"{layout.form}.html"
    try:
        template = environment(templates).get_template(name)
        return template.render(layout=layout, generated_on=generated_on, **dict(context or {}))
    except jinja2.TemplateNotFound as exc:
        raise ConfigError("templates", f"no HTML template {exc.name!r} is registered") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{exc.filename or exc.name}, line {exc.lineno}", f"template error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(name, f"template uses an unknown variable: {exc.message}") from None
