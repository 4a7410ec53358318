"""Assembles the Typer app and turns every SmtoolError into one readable line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from smtool import __version__
from smtool.cli import common
from smtool.cli.help_i18n import activate_for_help
from smtool.cli.lazy import Entry, LazyGroup
from smtool.errors import SmtoolError
from smtool.i18n import N_, _

# Every command: the module of smtool.cli that registers it (`register(app)`) and its summary in
# `smtool --help`, in the order of `smtool --help`. A command's module is imported only when the
# command runs (or shows its own help); tests/cli/test_lazy_cli.py checks this table against the
# modules, so a new command or a changed first sentence of a help text fails there until added here.
COMMANDS: dict[str, Entry] = {
    "init": Entry(
        "init_cmd",
        N_(
            "Create config.toml (if missing), the keys and the database; the first time, write config.toml's "
            "users and accounts into it (later edits: `smtool config apply`)."
        ),
    ),
    "demo": Entry(
        "demo", N_("Run the publishing flow end to end on the sandbox platform and show the installation.")
    ),
    "check": Entry("check", N_("Check a post against the institution's social media guidelines.")),
    "pause": Entry("pause", N_("Pause publishing; scheduled posts wait and are not lost.")),
    "resume": Entry(
        "pause", N_("Lift a pause; waiting posts go out (those past their window need approval again).")
    ),
    "pauses": Entry("pause", N_("List active pauses.")),
    "worker": Entry(
        "worker_cmd", N_("Run the worker: publishes approved posts at their time, exactly once.")
    ),
    "tui": Entry(
        "tui_cmd",
        N_(
            "Open the terminal UI: compose with the live checker, the calendar, approvals, the moderation "
            "queue, reports and the accounts; each user sees what their roles allow."
        ),
    ),
    "db": Entry("db", N_("Database schema.")),
    "config": Entry("config_cmd", N_("Configuration.")),
    "account": Entry("account", N_("Managed social media accounts.")),
    "user": Entry("user", N_("Users and their roles.")),
    "ssh": Entry(
        "ssh_cmd",
        N_("What sshd runs on a shared installation: the keys it accepts and each key's forced command."),
    ),
    "audit": Entry("audit", N_("The audit log.")),
    "keys": Entry("keys", N_("The installation's keys.")),
    "archive": Entry("archive", N_("Archive public records for transfer to the national archive.")),
    "retention": Entry("retention", N_("Retention of records and legal holds.")),
    "sandbox": Entry(
        "sandbox", N_("Run the sandbox platform: X and Facebook on this machine, no internet needed.")
    ),
    "inbox": Entry("inbox", N_("The moderation queue: comments and mentions from every account.")),
    "post": Entry("post", N_("Posts: drafting, approval and scheduling.")),
    "publications": Entry("publications", N_("Publications: what goes out, where and when.")),
    "report": Entry("report", N_("Reports for managers: engagement, response times, cadence, campaigns.")),
}


class _Root(LazyGroup):
    table = COMMANDS


HELP = N_(
    "Social media management and monitoring for public institutions.\n\n"
    "--as USER (or SMTOOL_USER) names who acts only in a personal or training installation; in a "
    'shared one ([access] mode = "shared") people connect over SSH and their key decides who they are.'
)

app = typer.Typer(
    name="smtool",
    cls=_Root,
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
        None, "--config", "-c", help=N_("Configuration file (default: SMTOOL_CONFIG or ./config.toml).")
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=N_("Show the version and exit.")
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        help=N_(
            "Interface language for this command: lv or en (default: SMTOOL_LANG, your own `lang`, "
            "the institution's first language; help is not in your own `lang`)."
        ),
    ),
) -> None:
    """Social media management and monitoring for public institutions."""
    common.state.config_path = config
    common.choose_language(lang)


def run(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point (`argv`: the arguments, default the command line's); exits with the
    command's code, and no traceback ever reaches the user."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        # Help is built before --lang is parsed: speak what argv, SMTOOL_LANG or config.toml say.
        activate_for_help(args)
        common.check_text_input(args, os.environ)
        # Without standalone mode Click returns a command's exit code instead of exiting.
        code = app(args=args, standalone_mode=False)
    except SmtoolError as e:
        common.print_error(e)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        common.err_console.print(_("Aborted."))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # the last line of defence: a bug, reported without a traceback
        # Usage errors of the (vendored) Click parser know how to show themselves, exit code 2.
        show, exit_code = getattr(e, "show", None), getattr(e, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            from smtool.cli.parser_words import show_usage_error

            show_usage_error(e, sys.stderr.write)  # type: ignore[arg-type]  # it has show(file=)
            sys.exit(exit_code)
        common.err_console.print(
            _(
                "Internal error: {kind}: {detail}\n"
                "This is a bug in smtool; please report it with the command you ran."
            ).format(kind=type(e).__name__, detail=common.inert(str(e)))
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
