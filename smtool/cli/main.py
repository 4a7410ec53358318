"""Assembles the Typer app and turns every SmtoolError into one readable line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import import_module

import typer

from smtool import __version__
from smtool.cli import common
from smtool.errors import SmtoolError

# Each module exposes `register(app)`; the order is the order of `smtool --help`.
_GROUPS = (
    "init_cmd",
    "demo",
    "db",
    "config_cmd",
    "account",
    "user",
    "ssh_cmd",
    "audit",
    "keys",
    "archive",
    "retention",
    "check",
    "sandbox",
    "inbox",
    "post",
    "publications",
    "report",
    "pause",
    "worker_cmd",
    "tui_cmd",
)

HELP = (
    "Social media management and monitoring for public institutions.\n\n"
    "--as USER (or SMTOOL_USER) names who acts only in a personal or training installation; in a "
    'shared one ([access] mode = "shared") people connect over SSH and their key decides who they are.'
)

app = typer.Typer(
    name="smtool",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"smtool {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    config: str | None = typer.Option(
        None, "--config", "-c", help="Configuration file (default: SMTOOL_CONFIG or ./config.toml)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Social media management and monitoring for public institutions."""
    common.state.config_path = config


for _name in _GROUPS:
    _module = import_module(f"smtool.cli.{_name}")
    _module.register(app)


def run(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`argv`: the arguments, default the command line's); exits with the
    command's code, and no traceback ever reaches the user."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        common.check_text_input(args, os.environ)
        # Without standalone mode Click returns a command's exit code instead of exiting.
        code = app(args=args, standalone_mode=False)
    except SmtoolError as e:
        common.print_error(e)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        common.err_console.print("Aborted.")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # the last line of defence: a bug, reported without a traceback
        # Usage errors of the (vendored) Click parser know how to show themselves, exit code 2.
        show, exit_code = getattr(e, "show", None), getattr(e, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        common.err_console.print(
            f"Internal error: {type(e).__name__}: {common.inert(str(e))}\n"
            "This is a bug in smtool; please report it with the command you ran."
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
