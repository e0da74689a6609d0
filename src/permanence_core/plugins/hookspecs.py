"""Hook specifications: the API an adapter plugin implements. Each hook is documented in docs/plugin_hooks.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from permanence_core.plugins import hookspec

if TYPE_CHECKING:
    import click

    from permanence_core.adapters import Adapter


# -------------------------------------------------------------------------
# Registration hooks: called once per plugin manager
# -------------------------------------------------------------------------


@hookspec
def permanence_register_adapters(register: Callable[[Adapter], None]) -> None:
    """Register the adapters this plugin provides.

    Call ``register(MyAdapter())`` once per adapter: an instance of a subclass of
    :class:`~permanence_core.adapters.Adapter`. The adapter's ``name`` is what users pass as ``--adapter NAME``;
    the core calls its ``load``, ``alert_items`` and ``write_back`` methods. Two plugins registering the same name
    is an error.

    :param register: callback taking one :class:`~permanence_core.adapters.Adapter`.
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


@hookspec
def permanence_register_commands(group: click.Group) -> None:
    """Add this plugin's click commands or command groups to the ``permanence`` command.

    Call ``group.add_command(my_group)`` (or decorate with ``@group.command()``): a group called ``raise`` becomes
    ``permanence raise …``. A command may not take the name of a core command or of another plugin's command.
    Import the command's module inside the hook, so that loading plugins stays fast.

    :param group: the click group to add commands to.
    :returns: nothing; commands go into ``group``.
    """
