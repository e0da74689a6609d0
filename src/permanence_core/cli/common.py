"""What every command shares: options, output formats, errors on stderr with exit codes, progress bars."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from permanence_core.errors import PermanenceError, UsageError


class GuardedGroup(click.Group):
    """A click group that turns the library's own errors into a message on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            # A mistyped adapter or profile name is a usage error (exit 2), like a mistyped option.
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


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (dates as ISO strings)."""
    click.echo(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def _default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def parse_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """Click callback for YYYY-MM-DD options."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form", param=param) from None


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
