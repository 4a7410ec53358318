"""What every command shares: the config path, the acting user, consoles and error printing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from smtool.config import Settings, load_settings
from smtool.errors import SmtoolError
from smtool.services.text import inert

__all__ = ["console", "emit_json", "err_console", "inert", "print_error", "settings", "state"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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
    err_console.print(f"{error.title}: {inert(error.msg)}", markup=False)


def emit_json(value: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
