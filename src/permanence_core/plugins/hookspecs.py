"""Hook specifications: the API an adapter plugin implements. Each hook is documented in docs/plugin_hooks.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from permanence_core.plugins import hookspec

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from permanence_core.adapters import AdapterInfo, AlertChange, LoadResult, Receipt, WriteBackItem
    from permanence_core.model import CaseRecord


# -------------------------------------------------------------------------
# Registration hooks: called once when the plugin manager is built
# -------------------------------------------------------------------------


@hookspec
def permanence_register_adapters(register: Callable[[AdapterInfo], None]) -> None:
    """Register the adapters this plugin provides.

    Call ``register(AdapterInfo(...))`` once per adapter. The adapter's ``name`` is what users pass
    as ``--adapter NAME``; two plugins registering the same name is an error.

    :param register: callback taking one :class:`~permanence_core.adapters.AdapterInfo`.
    :returns: nothing; results go through ``register``.
    """


@hookspec
def permanence_register_profiles(register: Callable[[str, str], None]) -> None:
    """Register timescale profiles (rules as TOML data) this plugin ships.

    Call ``register(name, toml_text)`` per profile. A profile may ``extends = "england"`` and add,
    override or switch off rules; registering a name that already exists is an error.

    :param register: callback taking the profile name and its TOML text.
    :returns: nothing; results go through ``register``.
    """


@hookspec
def permanence_register_templates(register: Callable[[str, Path], None]) -> None:
    """Register document templates, replacing the built-in ones of the same name.

    Call ``register(name, path)`` where ``name`` is a template name such as ``pro-forma.html``
    (see docs/templates.md) and ``path`` the file. A council's own template wins over the built-in one:
    built-ins are registered first, plugins after, and the last registration of a name is used.

    :param register: callback taking the template name and the path of the template file.
    :returns: nothing; results go through ``register``.
    """


# -------------------------------------------------------------------------
# Reading: called when a command loads case records
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def permanence_load_records(adapter: str, source: str, options: Mapping[str, Any]) -> LoadResult | None:
    """Load the case records of every child in ``source`` through the adapter called ``adapter``.

    Return ``None`` when ``adapter`` is not one of this plugin's adapters, so the next plugin is asked.
    Bad records must not stop the load: return them in ``LoadResult.rejected``, each naming the file,
    row (or element), child id, field, value and reason. Raise
    :class:`~permanence_core.errors.InputError` only when the source cannot be read at all.

    Stops at first non-None result.

    :param adapter: the adapter name the user chose (``--adapter``).
    :param source: the source the user named (``--source``): a folder, a file or a database URL.
    :param options: adapter options (e.g. ``config`` path, ``progress`` callback); ignore unknown keys.
    :returns: the load result, or ``None`` when the adapter is not this plugin's.
    """


# -------------------------------------------------------------------------
# Writing back: called for each document, case note or work-tray alert
# -------------------------------------------------------------------------


@hookspec(firstresult=True)
def permanence_write_back(adapter: str, item: WriteBackItem, options: Mapping[str, Any]) -> Receipt | None:
    """Deliver one item (document upload, case note or work-tray alert) to the case system.

    Return ``None`` when ``adapter`` is not this plugin's. Delivery must be idempotent: an item whose
    ``idempotency_key`` was delivered before returns a ``duplicate`` receipt and is not sent again.
    A delivery that fails returns a ``failed`` receipt (it is retried on the next run) rather than raising.

    Stops at first non-None result.

    :param adapter: the adapter name.
    :param item: a :class:`~permanence_core.adapters.DocumentUpload`, ``CaseNote`` or ``WorkTrayAlert``.
    :param options: write-back options (``outbox`` folder, ``endpoint`` URL, ``config`` path); secrets never come here.
    :returns: the receipt, or ``None`` when the adapter is not this plugin's.
    """


@hookspec(firstresult=True)
def permanence_alert_items(
    adapter: str, records: Sequence[CaseRecord], as_of: dt.date, options: Mapping[str, Any]
) -> Callable[[AlertChange], WriteBackItem | None] | None:
    """Say how an alert is raised in this adapter's system: a work-tray task, a case note alerting workers…

    Return a function turning each new, changed or resolved alert into the item to write back (or ``None`` to
    record the change without sending anything), e.g. a Liquidlogic work-tray task to the child's allocated Team
    Manager on ``as_of``. Return ``None`` when ``adapter`` is not this plugin's: the core then raises a work-tray
    alert for the team manager with no recipient id (an outbox or a gateway routes it).

    Stops at first non-None result.

    :param adapter: the adapter name.
    :param records: the children just loaded, to find each child's allocated workers.
    :param as_of: the evaluation date (who is allocated on that day).
    :param options: write-back options (``config`` path …).
    :returns: the function for ``WriteBack.raise_alerts``, or ``None``.
    """
