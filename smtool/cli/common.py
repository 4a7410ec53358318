"""What every command shares: the config path, the acting user, consoles and error printing.

Who acts: over SSH, the person the key proved (`ssh shell` sets `state.proven`); in a personal
installation, the name given with --as or SMTOOL_USER; in a shared one ([access] mode = "shared")
nobody can be named, and installation-level commands run on the server act as its operator.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from smtool.config import Settings, load_settings
from smtool.domain.words import counted
from smtool.errors import ConfigError, SmtoolError, UsageError
from smtool.services.context import Context
from smtool.services.identity.shell import Identity
from smtool.services.records.audit import attribute_to
from smtool.services.text import inert, strip_unsafe

__all__ = ["console", "emit_json", "err_console", "inert", "print_error", "settings", "state"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class _State:
    config_path: str | None = None
    proven: Identity | None = None
    """Who the SSH key proved, for the whole process (`smtool ssh shell`)."""


state = _State()


def settings() -> Settings:
    """The settings named by --config (or SMTOOL_CONFIG, or ./config.toml)."""
    return load_settings(state.config_path)


SHARED_INSTALLATION = (
    "in a shared installation who acts is proven by an SSH key, not typed. Connect with your own key "
    "and give the command there (`ssh SERVICE-ACCOUNT@HOST post list`); an admin adds keys with "
    "`smtool user add-key NAME`"
)


def _shared() -> bool:
    try:
        return settings().access.mode == "shared"
    except ConfigError:
        # Nothing acts without the configuration; the command reports why when it opens it.
        return False


def _typed_name(explicit: str | None) -> str | None:
    """--as, else SMTOOL_USER; raises UsageError when a name is typed in a shared installation."""
    name = explicit or os.environ.get("SMTOOL_USER")
    if name and _shared():
        raise UsageError(f"--as and SMTOOL_USER are refused: {SHARED_INSTALLATION}")
    return name


def acting_user(explicit: str | None) -> str:
    """The person the SSH key proved, else --as USER or SMTOOL_USER in a personal installation.

    Raises UsageError when a name is typed in a shared installation, or none is given.
    """
    if state.proven is not None:
        return state.proven.user
    name = _typed_name(explicit)
    if name:
        return name
    if _shared():
        raise UsageError(f"this command acts for a person: {SHARED_INSTALLATION}")
    raise UsageError("say who you are: --as USER or SMTOOL_USER=USER")


def print_error(error: SmtoolError) -> None:
    err_console.print(f"{error.title}: {strip_unsafe(error.msg)}", markup=False)


def emit_json(value: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def actor(explicit: str | None = None) -> str:
    """Who the audit log names for an installation-level command: the person the SSH key proved,
    --as or SMTOOL_USER (personal installations only), else the operator's OS account.

    Raises UsageError when a name is typed in a shared installation.
    """
    from smtool.services.people import OPERATOR_PREFIX

    if state.proven is not None:
        return state.proven.user
    return _typed_name(explicit) or f"{OPERATOR_PREFIX}{_os_user()}"


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def open_context() -> Context:
    """Settings plus an opened, schema-checked database whose audit events say how the actor was
    proven: by an SSH key, or locally by the OS account that ran the command."""
    ctx = Context.open(settings())
    attribute_to(ctx.db, via())
    return ctx


def via() -> str:
    """How the actor was proven, for the audit log: by an SSH key, or locally by the OS account."""
    return state.proven.via if state.proven else f"local {_os_user()}"


def note_unapplied_config(ctx: Context) -> None:
    """Say on stderr when config.toml's users or accounts differ from the applied ones, so nobody
    reads the file and believes it is in effect."""
    from smtool.services.installation.directory import pending_changes_of

    pending = pending_changes_of(ctx, settings())
    if pending:
        err_console.print(
            f"Note: config.toml changes {counted(len(pending), 'user or account', 'users or accounts')} "
            "not applied yet; "
            "see `smtool config apply --dry-run`",
            markup=False,
        )


AS_USER_HELP = "Act as this user (default: SMTOOL_USER); only in a personal installation."
JSON_HELP = "Print JSON instead of a table."
