"""What every command shares: the config path, the acting user, consoles and error printing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from smtool.config import Settings, load_settings
from smtool.errors import SmtoolError
from smtool.services.context import Context
from smtool.services.text import inert, strip_unsafe

__all__ = ["console", "emit_json", "err_console", "inert", "print_error", "settings", "state"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class _State:
    config_path: str | None = None


state = _State()


def settings() -> Settings:
    """The settings named by --config (or SMTOOL_CONFIG, or ./config.toml)."""
    return load_settings(state.config_path)


def acting_user(explicit: str | None) -> str:
    """--as USER, else SMTOOL_USER; raises UsageError when neither is given."""
    from smtool.errors import UsageError

    name = explicit or os.environ.get("SMTOOL_USER")
    if not name:
        raise UsageError("say who you are: --as USER or SMTOOL_USER=USER")
    return name


def print_error(error: SmtoolError) -> None:
    err_console.print(f"{error.title}: {strip_unsafe(error.msg)}", markup=False)


def emit_json(value: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def actor(explicit: str | None = None) -> str:
    """Who the audit log names for an installation-level command: --as, SMTOOL_USER or the OS user."""
    import getpass

    from smtool.services.installation.accounts import OPERATOR_PREFIX

    return explicit or os.environ.get("SMTOOL_USER") or f"{OPERATOR_PREFIX}{getpass.getuser()}"


def open_context() -> Context:
    """Settings plus an opened, schema-checked database."""
    return Context.open(settings())


AS_USER_HELP = "Act as this user (default: SMTOOL_USER)."
JSON_HELP = "Print JSON instead of a table."
