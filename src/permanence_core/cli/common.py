"""What every command shares: options, output formats, errors on stderr with exit codes, progress bars."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import click

from permanence_core.calendar import parse_iso_date
from permanence_core.errors import PermanenceError, UsageError

DEBUG_HELP = "Log debug messages to stderr (ids only, never personal data)."


def configure_logging(debug: bool) -> None:
    """Log warnings (or, with ``--debug``, debug messages) to stderr."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if debug:
        logging.getLogger().setLevel(logging.DEBUG)


def _debug_after_command(_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        configure_logging(True)


def _guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """The command's callback, with the library's errors turned into click's while the command's context is current.

    Raised here rather than in the group, a usage error shows the command's own usage line, not the group's.
    """

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except UsageError as exc:
            # A mistyped adapter or profile name is a usage error (exit 2), like a mistyped option.
            raise click.UsageError(str(exc), click.get_current_context()) from None
        except PermanenceError as exc:
            raise click.ClickException(str(exc)) from None

    run._permanence_guarded = True  # type: ignore[attr-defined]
    return run


def guard(command: click.Command) -> click.Command:
    """Make ``command`` (and, for a group, every command in it) follow the CLI's conventions.

    The library's errors become exit 1 (input) or 2 (usage) with a message on stderr, and ``--debug`` is
    accepted after the command as well as before it.
    """
    if command.callback is not None and not getattr(command.callback, "_permanence_guarded", False):
        command.callback = _guarded(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard(sub)
    elif not any(param.name == "debug" for param in command.params):
        command.params.append(
            click.Option(["--debug"], is_flag=True, expose_value=False, callback=_debug_after_command, help=DEBUG_HELP)
        )
    return command


class GuardedGroup(click.Group):
    """The ``permanence`` group: every command added to it, a plugin's included, follows the conventions of
    :func:`guard`."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(guard(cmd), name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except PermanenceError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            # A file the library did not expect to fail (permissions, a full disk): named, never a traceback.
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or type(exc).__name__}") from None
        except Exception as exc:
            failure = _database_failure(exc)
            if failure is None:
                raise
            raise click.ClickException(f"the ledger or write-back state database failed: {failure}") from None


def _database_failure(exc: Exception) -> str | None:
    """The driver's own message ("database is locked", "attempt to write a readonly database") when ``exc`` is a
    database failure: the statement and its parameters, which may hold a child's details, are left out."""
    # SQLAlchemy is loaded only by the commands that use a database; importing it here would slow every command.
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
        return str(exc.orig)
    return None


_PLURALS = {"child": "children", "entry": "entries", "apology": "apologies", "was": "were"}


def counted(number: int, singular: str) -> str:
    """``number`` and the words agreeing with it: "1 child", "2 children", "0 new actions"."""
    if number == 1:
        return f"{number} {singular}"
    before, _, noun = singular.rpartition(" ")
    plural = _PLURALS.get(noun, noun + "s")
    return f"{number} {before} {plural}" if before else f"{number} {plural}"


def terminal_width() -> int:
    """The terminal's width in columns ($COLUMNS when set); 80 when stdout is not a terminal."""
    return shutil.get_terminal_size((80, 24)).columns


def echo_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[str] = ()) -> None:
    """A plain table as wide as the terminal: every column but the last as wide as its widest value (nothing is
    cut), the last wrapped at word boundaries in the room left (at least 24 columns). ``right``: the headers of
    columns aligned right."""
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(header[:-1])]
    indent = sum(widths) + 2 * len(widths)
    room = max(terminal_width() - indent, 24)
    for cells in (header, *rows):
        fixed = "  ".join(
            cell.rjust(width) if name in right else cell.ljust(width)
            for cell, width, name in zip(cells, widths, header, strict=False)
        )
        lines = textwrap.wrap(cells[-1], room) or [""]
        click.echo(f"{fixed}  {lines[0]}".rstrip())
        for line in lines[1:]:
            click.echo(" " * indent + line)


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (dates as ISO strings)."""
    click.echo(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def check_config(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Click callback for ``--config``: the file is read and checked (there, TOML, no secret in it) before the
    command does anything, whatever the command or adapter goes on to read from it (exit 1 naming the file)."""
    if value:
        from permanence_core.config_file import read_config

        read_config(value)
    return value


def parse_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Click callback for YYYY-MM-DD options."""
    if value is None:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def progress_callback(label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress bar on stderr when it is a terminal, silent otherwise; returns (update, close)."""
    if not sys.stderr.isatty():
        return (lambda _done, _total: None), (lambda: None)
    from rich.progress import Progress

    progress = Progress(transient=True, console=None)
    task = progress.add_task(label, total=None)
    progress.start()

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total or None)

    return update, progress.stop
